"""A report template and a reference document as files, read within bounds, and the template rendered within
bounds: what a careless or hostile file can cost is said here, once.

The bounds and why:

- ``MAX_TEMPLATE_BYTES`` (2 MiB): a report template is Markdown an evaluator writes, tens of KiB; Jinja's
  compiled code and the rendered text grow with it (a 100 MB template reached 3.5 GB).
- ``MAX_OUTPUT_CHARS`` (20 million characters): the built-in template renders ~60 KB; a loop that prints
  without end stops here, with one line, long before memory does (nested ``range(100000)`` reached 11 GB).
- ``MAX_RENDER_SECONDS`` (60 s): the built-in template renders in well under a second; a loop that prints
  nothing is stopped by the clock (checked on every output, every ``range`` step, call and arithmetic).
- ``MAX_INT_BITS`` (4,096 bits, about 1,233 digits) for ``**`` and ``*`` results, and ``MAX_REPEAT``
  (1 million characters or items) for repeating a string or list: no figure of a report is larger, and
  ``10**(10**9)`` would hold the process for hours. Jinja folds constant expressions while compiling, so
  the sandbox intercepts ``**`` and ``*`` (an intercepted operator is never folded) and folds nothing
  but plain constants (``optimized=False``; a filter on constants is evaluated when rendering, in bounds).
  The same bound holds for widths a filter fills (``center``, ``indent``), field widths in ``format`` and
  ``str.format`` (seven digits or more), what ``replace`` would make, and any filter's result.
- A reference document (``reference_docx``): at most ``MAX_REFERENCE_BYTES`` (20 MiB) on disk and
  ``MAX_REFERENCE_UNCOMPRESSED`` (64 MiB) unpacked, no part expanding more than the workbooks' ``MAX_RATIO``,
  no DTD or entity declaration (Word never writes one): the workbooks' zip and XML guards.

Template files are read as UTF-8 (with or without a byte-order mark), else as GB18030 (Chinese Windows
Notepad's ANSI, of which GBK is a part) and said so; anything else is refused in one line.
"""

from __future__ import annotations

import codecs
import io
import math
import operator
import re
import time
import zipfile
from pathlib import Path

from jixiao.core.i18n import t

MAX_TEMPLATE_BYTES = 2 * 2**20
MAX_OUTPUT_CHARS = 20_000_000
MAX_RENDER_SECONDS = 60.0
MAX_INT_BITS = 4096
MAX_REPEAT = 1_000_000
MAX_REFERENCE_BYTES = 20 * 2**20
MAX_REFERENCE_UNCOMPRESSED = 64 * 2**20


class TemplateSourceError(Exception):
    """A template or reference document that will not be read; its text is the one line the user reads."""


class RenderBound(Exception):
    """A rendering went past one of the bounds; its text says which."""


def read_template(path: Path) -> tuple[str, str | None]:
    """(the template's text, a note when it was not UTF-8). Raises TemplateSourceError in one line."""
    path = Path(path)
    name = t(f"报告模板 {path.name}", f"report template {path.name}")
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise TemplateSourceError(t(
                f"{name} 有 {size / 2**20:.1f} MiB;报告模板应不超过 {MAX_TEMPLATE_BYTES // 2**20} MiB",
                f"{name} is {size / 2**20:.1f} MiB; a report template is at most {MAX_TEMPLATE_BYTES // 2**20} MiB"))
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateSourceError(t(f"{name} 无法读取({exc.strerror or exc})",
                                    f"{name} cannot be read ({exc.strerror or exc})")) from None
    return decode_template(data, name)


def decode_template(data: bytes, name: str) -> tuple[str, str | None]:
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateSourceError(t(
            f"{name} 有 {len(data) / 2**20:.1f} MiB;报告模板应不超过 {MAX_TEMPLATE_BYTES // 2**20} MiB",
            f"{name} is {len(data) / 2**20:.1f} MiB; a report template is at most {MAX_TEMPLATE_BYTES // 2**20} MiB"))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TemplateSourceError(t(f"{name} 是 UTF-16 编码;应为 UTF-8(在编辑器中另存为 UTF-8)",
                                    f"{name} is UTF-16; expected UTF-8 (save it as UTF-8 in the editor)"))
    try:
        return _without_control(data.decode("utf-8"), name), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise TemplateSourceError(t(
            f"{name} 既不是 UTF-8 也不是 GB18030/GBK 编码(第 {utf8_error.start} 字节起无法解码);应另存为 UTF-8",
            f"{name} is neither UTF-8 nor GB18030/GBK (undecodable from byte {utf8_error.start}); "
            "save it as UTF-8")) from None
    return _without_control(text, name), t(f"{name} 以 GB18030(GBK)编码读取;建议另存为 UTF-8",
                                           f"{name} was read as GB18030 (GBK); saving it as UTF-8 is advised")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _without_control(text: str, name: str) -> str:
    """The text, refused when it holds a control character (it would reach the report and the terminal raw)."""
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        shown = repr(found.group())[1:-1]
        raise TemplateSourceError(t(f"{name} 第 {line} 行含控制字符 {shown}(U+{ord(found.group()):04X});应删去",
                                    f"{name} line {line} holds the control character {shown} "
                                    f"(U+{ord(found.group()):04X}); expected it removed"))
    return text


def check_reference_docx(data: bytes, name: str) -> None:
    """The workbooks' guards for a reference document: size, zip ratio, unpacked size, DTD or entities."""
    from jixiao.intake.workbook import MAX_RATIO, _scan_part

    def refuse(zh: str, en: str):
        raise TemplateSourceError(t(f"参考文档 {name} {zh}", f"reference document {name} {en}"))

    if len(data) > MAX_REFERENCE_BYTES:
        refuse(f"有 {len(data) / 2**20:.1f} MiB;应不超过 {MAX_REFERENCE_BYTES // 2**20} MiB",
               f"is {len(data) / 2**20:.1f} MiB; expected at most {MAX_REFERENCE_BYTES // 2**20} MiB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        refuse(f"不是 .docx(不是 zip 压缩包:{exc});应为 Word 保存的 .docx",
               f"is not a .docx (not a zip archive: {exc}); expected a .docx saved by Word")
    with archive:
        total = sum(m.file_size for m in members)
        for m in members:
            if m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                refuse(f"的部件 {m.filename} 解压后膨胀 {m.file_size // max(m.compress_size, 1)} 倍(解压炸弹);应为普通 Word 文档",
                       f"part {m.filename} expands {m.file_size // max(m.compress_size, 1)} times (a decompression "
                       "bomb); expected an ordinary Word document")
        if total > MAX_REFERENCE_UNCOMPRESSED:
            refuse(f"解压后达 {total // 2**20} MiB;应不超过 {MAX_REFERENCE_UNCOMPRESSED // 2**20} MiB",
                   f"expands to {total // 2**20} MiB; expected at most {MAX_REFERENCE_UNCOMPRESSED // 2**20} MiB")
        if "word/document.xml" not in {m.filename for m in members}:
            refuse("没有 word/document.xml;应为 Word 保存的 .docx", "has no word/document.xml; expected a .docx saved by Word")
        try:
            for m in members:
                if m.filename.endswith((".xml", ".rels")) and _scan_part(archive, m, facts=False)[0]:
                    refuse(f"的部件 {m.filename} 声明了 DTD 或实体,Word 从不这样写(实体扩展攻击?);应为普通 Word 文档",
                           f"part {m.filename} declares a DTD or entities, which Word never writes (an "
                           "entity-expansion attack?); expected an ordinary Word document")
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
            refuse(f"已损坏({type(exc).__name__}: {exc})", f"is damaged ({type(exc).__name__}: {exc})")


def read_reference_docx(path: Path) -> bytes:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_REFERENCE_BYTES:
            check_reference_docx(b"\0" * (MAX_REFERENCE_BYTES + 1), path.name)  # the size line
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateSourceError(t(f"参考文档 {path.name} 无法读取({exc.strerror or exc})",
                                    f"reference document {path.name} cannot be read ({exc.strerror or exc})")) from None
    check_reference_docx(data, path.name)
    return data


# --- rendering within bounds ---------------------------------------------------------------------------


class _Clock:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderBound(t(f"渲染超过 {MAX_RENDER_SECONDS:.0f} 秒(循环过多?),已停止",
                                f"rendering took over {MAX_RENDER_SECONDS:.0f} seconds (too many loops?); stopped"))


def _int_bits(value) -> float:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _too_big() -> RenderBound:
    return RenderBound(t(f"算式的结果过大(超过 {MAX_INT_BITS} 位二进制或 {MAX_REPEAT:,} 个字符)",
                         f"an arithmetic result is too large (over {MAX_INT_BITS} bits or {MAX_REPEAT:,} characters)"))


def bounded_binop(left, operator_name: str, right):
    """``**`` and ``*`` with their results bounded before they are computed."""
    if operator_name == "**":
        if isinstance(left, int) and isinstance(right, int) and not isinstance(left, bool) and right > 0:
            if abs(left) > 1 and right * math.log2(abs(left)) > MAX_INT_BITS:
                raise _too_big()
        return operator.pow(left, right)
    if operator_name == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * max(n, 0) > MAX_REPEAT:
                raise _too_big()
        if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
            raise _too_big()
        return operator.mul(left, right)
    raise ValueError(operator_name)


def bounded_environment(**options):
    """A sandbox whose ``**`` and ``*`` are bounded and never folded while compiling, whose ``range`` and
    calls watch the clock once a rendering has started (``render_bounded``)."""
    from jinja2.sandbox import SandboxedEnvironment, safe_range

    class BoundedEnvironment(SandboxedEnvironment):
        intercepted_binops = frozenset({"**", "*"})
        clock: _Clock | None = None

        def _tick(self) -> None:
            if self.clock is not None:
                self.clock.check()

        def call_binop(self, context, operator_name, left, right):
            self._tick()
            return bounded_binop(left, operator_name, right)

        def wrap_str_format(self, value):
            text = getattr(value, "__self__", None)
            if isinstance(text, str) and getattr(value, "__name__", "") in ("format", "format_map") \
                    and _WIDE_FORMAT.search(text):
                def refuse(*args, **kwargs):  # "{:>999999999}".format(1)
                    raise _too_big()

                return refuse
            return SandboxedEnvironment.wrap_str_format(self, value)

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
            __self._tick()
            return SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)

    env = BoundedEnvironment(optimized=False, **options)
    env.code_generator_class = _plain_constants_generator()

    class BoundedRange:
        """``range`` as the sandbox bounds it (100,000 items), its steps watching the clock."""

        def __init__(self, *args):
            self.steps = safe_range(*args)

        def __iter__(self):
            for i, value in enumerate(self.steps):
                if i % 1000 == 0:
                    env._tick()
                yield value

        def __len__(self):
            return len(self.steps)

    env.globals["range"] = BoundedRange
    for name, function in list(env.filters.items()):
        env.filters[name] = _bounded_filter(function, env, replaces=name == "replace", sizes=name in _SIZED_FILTERS,
                                            formats=name == "format")
    return env


_WIDE_FORMAT = re.compile(r"\d{7,}")  # a field width or precision of a million or more ("%0999999999d")
_SIZED_FILTERS = frozenset({"center", "indent"})


def _bounded_filter(function, env, replaces: bool = False, sizes: bool = False, formats: bool = False):
    """A filter whose number arguments are bounded (``center(10**9)`` and ``indent(10**9)`` would fill memory)
    and that watches the clock; it keeps the filter's own way of being called (``pass_environment``…)."""
    import functools

    first_argument = 2 if getattr(function, "jinja_pass_arg", None) is not None else 1  # after the value

    @functools.wraps(function)
    def bounded(*args, **kwargs):
        env._tick()
        if sizes:  # a width the filter fills with spaces
            for value in (*args[first_argument:], *kwargs.values()):
                if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_REPEAT:
                    raise _too_big()
        if formats and args and _WIDE_FORMAT.search(str(args[first_argument - 1])):
            raise _too_big()
        if replaces and len(args) >= 3 + first_argument - 1:  # known before it is made: a chain grows 8-fold a step
            value, old, new = (str(a) for a in args[first_argument - 1:first_argument + 2])
            if old and len(value) + value.count(old) * (len(new) - len(old)) > MAX_OUTPUT_CHARS:
                raise _too_big()
        result = function(*args, **kwargs)
        if isinstance(result, (str, list)) and len(result) > MAX_OUTPUT_CHARS:
            raise _too_big()
        return result

    return bounded


def _plain_constants_generator():
    """Jinja's code generator folding nothing but plain constants: it would otherwise evaluate an expression
    of constants (a filter chain such as ``"x"|replace("x", "xxxxxxxx")|replace(…)``) while compiling, before
    any bound of the rendering applies."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator

    class PlainConstants(CodeGenerator):
        def _output_child_to_const(self, node, frame, finalize):
            if not isinstance(node, (nodes.TemplateData, nodes.Const)):
                raise nodes.Impossible()
            return super()._output_child_to_const(node, frame, finalize)

        def visit_EvalContextModifier(self, node, frame):
            for keyword in node.options:
                self.writeline(f"context.eval_ctx.{keyword.key} = ")
                self.visit(keyword.value, frame)
                if isinstance(keyword.value, nodes.Const):
                    setattr(frame.eval_ctx, keyword.key, keyword.value.value)
                else:
                    frame.eval_ctx.volatile = True

    return PlainConstants


def render_bounded(template, context: dict) -> str:
    """The template's text, stopped with RenderBound past ``MAX_OUTPUT_CHARS`` or ``MAX_RENDER_SECONDS``."""
    env = template.environment
    env.clock = _Clock(MAX_RENDER_SECONDS)
    try:
        out, size = [], 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise RenderBound(t(f"渲染结果超过 {MAX_OUTPUT_CHARS:,} 个字符(循环过多?),已停止",
                                    f"the rendered text exceeds {MAX_OUTPUT_CHARS:,} characters (too many loops?); stopped"))
            env.clock.check()
            out.append(chunk)
        return "".join(out)
    finally:
        env.clock = None


# --- validate: one rendering against values shaped as the declared fields -----------------------------

_SAMPLE = {"money": 1234.56, "rate": 0.5, "count": 3, "score": 80.0, "weight": 10, "date": "2021-12-31",
           "year": 2021, "text": "示例", "list": ["示例甲", "示例乙"], "printed": 1.0}


def sample_metrics() -> dict:
    """A metrics.json shaped as ``contract.fields`` declares it: every field with a value of its kind, each
    part that comes from the data (``*``) as ``"0"`` (so ``by_year[0]`` and ``.items()`` both reach it)."""
    from jixiao.contract.fields import FIELDS

    metrics: dict = {}
    for key, kind in FIELDS.items():
        *branch, leaf = ["0" if part == "*" else part for part in key.split(".")]
        node = metrics
        for part in branch:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(leaf, _SAMPLE.get(kind.kind, "示例"))
    return metrics


class AnyName(dict):
    """A stand-in part that has every name (validate knows no notebook's tables yet)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __contains__(self, name) -> bool:
        return True

    def __missing__(self, name):
        return self.make(name)
