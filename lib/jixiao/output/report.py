"""The period report as one document model, from a Markdown template with Jinja fields.

The template (params' ``report: {template: report.md}``, else the built-in ``templates/report.md``) is rendered
in a sandbox with StrictUndefined. Its context: every metrics.json key as a field (``expenditure.rate``),
``published.…`` (published.yaml as printed), ``period``, ``span``, ``is_span``, ``project``, ``cover``; blocks
``section("expenditure")``, ``table("expenditure.bands")``, ``chart("expenditure.bands_chart")`` insert the
parts the sections compute from metrics.json and frames/ (``sections.period_parts``; the keys are declared in
the section registry), ``contents()`` the contents, ``待撰写("…")`` a visible placeholder.

Every value from data or params enters the Markdown escaped (``fields.md_text``): the template's own text is
the only markup. The result, ``Document``, is Markdown with one token per block and the blocks themselves
(tables and charts as parts), numbered 表N / 图N in reading order once; the HTML/PDF writer (``document``) and
the Word writer (``docx``) both read it, so their numbers and captions agree.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import resources

from jixiao.core.i18n import t
from jixiao.output.fields import FILTERS, TO_WRITE, DataText, Field, Node, Placeholders, UnknownName, md_text, nearest

TOKEN = "JXBLOCK{:04d}"
TOKEN_RE = re.compile(r"JXBLOCK(\d{4})")
PLACEHOLDER_RE = re.compile(r"【(?:待撰写|待填写|无数据|本章生成失败)[:：][^】]*】")
BUILTIN_TEMPLATE = "report.md"
# params' report: {outline: …}: the built-in template for each outline (national: 财预〔2020〕10号's reference outline)
OUTLINES = {"national": "report.md", "seed": "report.seed.md"}
ANNUAL_TEMPLATE = "annual.md"  # a single year's: the 年度绩效自评报告
COVER_FIELDS = ("报告编号", "委托单位", "受委托单位", "提交日期", "评价基准日")
SPAN_ONLY = ("报告编号", "评价基准日")  # given as one value, the whole span's
FAILED = "本章生成失败"


class TemplateProblem(Exception):
    """A template that cannot be rendered: file, line, what and the nearest known names."""

    def __init__(self, file: str, line: int | None, message: str):
        self.file, self.line, self.message = file, line, message
        where = f"{file}" + (t(f" 第 {line} 行", f" line {line}") if line else "")
        super().__init__(f"{where}:{message}")


@dataclass
class TableBlock:
    part: object  # present.parts.TablePart
    caption: str  # as the reader's page prints it
    number: int = 0

    @property
    def name(self) -> str:
        return self.part.key


@dataclass
class ChartBlock:
    part: object  # present.parts.ChartPart
    caption: str
    number: int = 0

    @property
    def name(self) -> str:
        return self.part.key


@dataclass
class FailedBlock:
    """Where a failed section's parts would be: 本章生成失败, what failed and where its log is."""

    section: str
    title: str
    error: str
    log: str

    @property
    def text(self) -> str:
        return f"【{FAILED}：{self.title}（{self.section}）未能生成，{self.error}；日志见 {self.log}】"


@dataclass
class ContentsBlock:
    pass


@dataclass
class Document:
    title: str  # the document's kind: 财政绩效评价报告 / 2020年度执行情况
    project: str
    cover: list  # (label, text)
    markdown: str
    blocks: list
    placeholders: list = field(default_factory=list)
    template: str = ""
    word_error: str = ""  # why report.docx could not be made (the HTML and PDF stand)
    failed: list = field(default_factory=list)  # the sections whose chapter is marked 本章生成失败

    def numbered(self) -> list:
        """The blocks in reading order (tables and charts carry their 表N / 图N)."""
        return [self.blocks[int(m.group(1))] for m in TOKEN_RE.finditer(self.markdown)]


# a heading's own numbering (一、 (二) 3.), which the document renumbers
NUMBERED_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[((][一二三四五六七八九十]+[))]|\d+[.、])\s*")
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


def reader_text(text: str) -> str:
    """Text as a reader's page prints it: dates as 2021年12月31日 and full-width punctuation in Chinese prose."""
    from jixiao.output.export import zh_text

    return zh_text(_ISO_DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text))


def _heading(text: str, level: int) -> str:
    return "#" * level + " " + md_text(NUMBERED_HEADING.sub("", text.strip()).strip())


# --- rendering -----------------------------------------------------------------------------------------


def builtin_template(outline: str = "national", annual: bool = False) -> str:
    """The built-in template: the whole span's report in ``outline``, or (``annual``) a single year's 年度绩效自评报告."""
    name = ANNUAL_TEMPLATE if annual else OUTLINES[outline]
    return resources.files("jixiao.output").joinpath("templates", name).read_text(encoding="utf-8")


def _environment():
    from jinja2 import StrictUndefined

    from jixiao.output.template_source import bounded_environment

    env = bounded_environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    return env


def _template_line(tb, filename: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def context_names(metrics: dict) -> list[str]:
    from jixiao.output.review import NAMES

    return [*metrics, "published", "period", "span", "is_span", "project", "cover", "section", "table", "chart",
            "contents", "待撰写", *NAMES]


def names_span_fields(template_text: str | None) -> bool:
    """Whether the template (None: the built-in one) prints a whole-span figure (``span.expenditure.rate``), so a
    single year's report depends on the whole span's metrics.json; ``{{ span }}`` alone is only its label."""
    from jinja2 import TemplateSyntaxError, nodes

    text = builtin_template() if template_text is None else template_text
    try:
        ast = _environment().parse(text)
    except TemplateSyntaxError:
        return True  # refused elsewhere; on the safe side
    return any(isinstance(n.node, nodes.Name) and n.node.name == "span"
               for n in ast.find_all((nodes.Getattr, nodes.Getitem)))


class SpanScope(DataText):
    """``span`` in a template: prints as the whole span's label (2019-2021) and holds the whole span's figures
    (``{{ span.expenditure.subprojects }}``), so a single year's report names a whole-span value as such and
    never takes the year's for it."""

    def __new__(cls, label: str, metrics: dict | None, counter: Placeholders):
        made = super().__new__(cls, label)
        made._metrics, made._counter = metrics or {}, counter
        return made

    def _child(self, name):
        name = str.__str__(name) if isinstance(name, str) else str(name)
        if name not in self._metrics:
            raise UnknownName(f"span.{name}", nearest(f"span.{name}", [f"span.{k}" for k in self._metrics]),
                              t("整个评价期的字段", "whole-span field"))
        value = self._metrics[name]
        if isinstance(value, (dict, list)):
            return Node(f"span.{name}", value, self._counter, (name,))
        return Field(f"span.{name}", _kind_or_text(name), value, self._counter)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._child(name)

    def __getitem__(self, name):
        if isinstance(name, (int, slice)):
            return str.__getitem__(self, name)
        return self._child(name)


def render(template_text: str, template_name: str, *, metrics: dict, published: dict | None, parts,
           cover: dict, title: str, logs: dict | None = None, span_metrics: dict | None = None,
           processing: dict | None = None) -> Document:
    """The template rendered into a Document; a TemplateProblem names the file, line and nearest names.
    ``parts``: the period's ``sections.PeriodParts``; ``logs``: section key -> where its log is;
    ``span_metrics``: the whole span's metrics.json (``span.…``; the period's own for the whole span);
    ``processing``: the run's intake record, for the appendix's line on the evaluator's adjustments."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    from jixiao.sections import BY_KEY, PERIOD_TABLES, declared_part_keys

    env = _environment()
    cover = {**{label: "" for label in ("项目名称", *COVER_FIELDS)}, **(cover or {})}
    counter = Placeholders()
    blocks: list = []
    declared = declared_part_keys()
    marked: list[str] = []

    def token(block) -> str:
        blocks.append(block)
        return "\n\n" + TOKEN.format(len(blocks) - 1) + "\n\n"

    def failed(key: str) -> str:
        if key not in marked:
            marked.append(key)
        log = (logs or {}).get(key) or f"{metrics.get('period', '')}/{key}.html"
        return token(FailedBlock(key, BY_KEY[key].title, parts.failed[key], log))

    def part(name: str, found: dict, what: str, make) -> str:
        section = declared.get(str(name).split("#")[0])
        if section is None and name in PERIOD_TABLES:  # the period's own (the 自评表), in no section
            if name in found:
                return token(make(found[name]))
            counter.keys.append(name)
            return md_text(f"【无数据:{name}】")
        if section is None:
            raise UnknownName(name, nearest(name, declared), what)
        if section.key in parts.failed:
            return failed(section.key)
        if name not in found:  # declared, but this period has none: a visible placeholder, like a null field
            counter.keys.append(name)
            return md_text(f"【无数据:{name}】")
        return token(make(found[name]))

    def table(name: str) -> str:
        return part(name, parts.tables, t("表格", "table"), lambda p: TableBlock(p, reader_text(p.caption)))

    def chart(name: str) -> str:
        return part(name, parts.charts, t("图表", "chart"), lambda p: ChartBlock(p, reader_text(p.caption)))

    def section(key: str) -> str:
        from jixiao.present.parts import ChartPart, Heading, Note, TablePart

        if key not in BY_KEY:
            raise UnknownName(key, nearest(key, BY_KEY), t("章节", "section"))
        if key in parts.failed:
            return failed(key)
        out = []
        for block, shown in parts.sections.get(key, []):
            if shown and block.shows is None:
                out.append(_heading(block.heading, 3))
            for p in shown:
                if isinstance(p, Note):
                    out.append(md_text(reader_text(p.text)))
                elif isinstance(p, Heading):
                    out.append(_heading(p.text, 3))
                elif isinstance(p, TablePart):
                    out.append(token(TableBlock(p, reader_text(p.caption))))
                elif isinstance(p, ChartPart):
                    out.append(token(ChartBlock(p, reader_text(p.caption))))
        return "\n\n".join(out) + "\n\n"

    def contents() -> str:
        return token(ContentsBlock())

    def to_write(what: str = "") -> str:
        return TO_WRITE.format(what=what)

    period = metrics.get("period", "")
    span = metrics.get("span", "")
    context = {k: (Node(k, v, counter) if isinstance(v, (dict, list)) else Field(k, _kind_or_text(k), v, counter))
               for k, v in metrics.items()}
    # every value from data or params is text: escaped when printed (DataText), the raw value when compared
    whole_span = span_metrics if span_metrics is not None else (metrics if period == span else {})
    context.update(published=Node("published", published or {}, counter), period=DataText(period),
                   span=SpanScope(span, whole_span, counter),
                   is_span=bool(period) and period == span and "-" in str(span),
                   project=DataText(metrics.get("project", "")), cover={k: DataText(v) for k, v in cover.items()},
                   section=section, table=table, chart=chart, contents=contents, 待撰写=to_write)
    from jixiao.output.review import review_context

    context.update(review_context(metrics, published, counter, processing))
    try:
        template = env.from_string(template_text)
    except TemplateSyntaxError as exc:
        message = exc.message or str(exc)
        missing_filter = re.search(r"No filter named '([^']+)'", message)
        if missing_filter:
            near = nearest(missing_filter.group(1), env.filters)
            message = t(f"没有名为 {missing_filter.group(1)!r} 的过滤器", f"no filter named {missing_filter.group(1)!r}") + (
                t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else "")
        else:
            message = t(f"模板语法错误:{message}", f"template syntax error: {message}")
        raise TemplateProblem(template_name, exc.lineno, message) from None
    # Jinja compiles a template from a string under the name "<template>"
    from jinja2.exceptions import SecurityError

    from jixiao.output.template_source import RenderBound, render_bounded

    try:
        markdown = render_bounded(template, context)
    except (RenderBound, SecurityError, OverflowError, RecursionError, MemoryError, ZeroDivisionError) as exc:
        line = _template_line(sys.exc_info()[2], "<template>")
        what = str(exc) if isinstance(exc, RenderBound) else t(
            f"无法渲染:{type(exc).__name__}: {exc}", f"cannot render: {type(exc).__name__}: {exc}")
        raise TemplateProblem(template_name, line, what) from None
    except UnknownName as exc:
        raise TemplateProblem(template_name, _template_line(sys.exc_info()[2], "<template>"), str(exc)) from None
    except UndefinedError as exc:
        name = re.search(r"'([^']+)' is undefined", str(exc))
        shown = name.group(1) if name else str(exc)
        near = nearest(shown, context_names(metrics))
        message = t(f"未知的名称 {shown!r}", f"unknown name {shown!r}") + (
            t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else "")
        raise TemplateProblem(template_name, _template_line(sys.exc_info()[2], "<template>"), message) from None
    except TemplateSyntaxError as exc:  # a bad filter found at render time
        raise TemplateProblem(template_name, exc.lineno, str(exc)) from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise TemplateProblem(template_name, _template_line(sys.exc_info()[2], "<template>"),
                              t(f"无法渲染:{exc}", f"cannot render: {exc}")) from None
    for key in parts.failed:  # a failed section the template does not name is still said, at the end
        if key not in marked:
            markdown += failed(key)
    # number the tables and charts in reading order
    tables = charts = 0
    failures: list[str] = []
    for m in TOKEN_RE.finditer(markdown):
        block = blocks[int(m.group(1))]
        if isinstance(block, TableBlock):
            tables += 1
            blocks[int(m.group(1))] = block = TableBlock(**{**block.__dict__, "number": tables})
        elif isinstance(block, ChartBlock):
            charts += 1
            blocks[int(m.group(1))] = ChartBlock(**{**block.__dict__, "number": charts})
        elif isinstance(block, FailedBlock):
            failures.append(block.text)
    # the cover's rows as plain text (each writer escapes them for its format)
    rows = [(label, str(cover.get(label) or TO_WRITE.format(what=label))) for label in ("项目名称", *COVER_FIELDS)]
    text = "\n".join(v for _, v in rows) + markdown.replace("\\", "") + "".join(failures)
    return Document(title=title, project=metrics.get("project", ""), cover=rows, markdown=markdown, blocks=blocks,
                    placeholders=PLACEHOLDER_RE.findall(text), template=template_name, failed=marked)


def _kind_or_text(key: str):
    from jixiao.contract.fields import TEXT, kind_of

    return kind_of(key) or TEXT


def cover_data(settings: dict, metrics: dict) -> dict:
    """The cover's rows: the params' report block, 评价基准日 defaulting to the period's end."""
    from jixiao.output.fields import date_text

    out = {"项目名称": metrics.get("project", "")}
    period, span = metrics.get("period", ""), metrics.get("span", "")
    for label in COVER_FIELDS:
        value = (settings or {}).get(label)
        if isinstance(value, dict):  # given per period: this period's, else none
            value = value.get(str(period))
        elif label in SPAN_ONLY and period != span:
            value = None  # the whole span's number and date are not a single year's
        out[label] = str(value) if value not in (None, "") else ""
    if not out["评价基准日"] and metrics.get("period_end"):
        out["评价基准日"] = date_text(metrics["period_end"])
    return out


def build_document(parts, *, metrics: dict, published: dict | None, template_text: str | None,
                   template_name: str, settings: dict, logs: dict | None = None, span_metrics: dict | None = None,
                   processing: dict | None = None) -> Document:
    """The period's Document from its template and its parts (``sections.period_parts``); ``span_metrics`` and
    ``processing``: see ``render``."""
    period, span = metrics.get("period", ""), metrics.get("span", "")
    title = "财政绩效评价报告" if period == span else f"{period}年度绩效自评报告"
    if template_text is None:
        name = ANNUAL_TEMPLATE if period != span else BUILTIN_TEMPLATE
        template_text, template_name = builtin_template(annual=period != span), t(f"内置模板 {name}", f"built-in template {name}")
    return render(template_text, template_name, metrics=metrics, published=published, parts=parts,
                  cover=cover_data(settings, metrics), title=title, logs=logs, span_metrics=span_metrics,
                  processing=processing)


# --- checking a template without data (validate --params) ----------------------------------------------

_METHODS = {"items", "keys", "values", "value", "kind", "key"}


def _chain(node):
    """(root name, [parts]) of ``a.b["c"].d``, or None when it does not start at a plain name."""
    from jinja2 import nodes

    parts = []
    while isinstance(node, (nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
        elif isinstance(node.arg, nodes.Const):
            parts.append(str(node.arg.value))
        else:
            parts.append("*")
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    return node.name, list(reversed(parts))


def check_template(template_text: str, template_name: str) -> None:
    """The template's syntax, filters and every field it names, checked against the declared fields
    (``contract.fields``) before any data exists; raises TemplateProblem with the file, line and nearest names."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    from jixiao.contract.fields import FIELDS, is_declared_branch, kind_of
    from jixiao.output.review import NAMES

    env = _environment()
    try:
        env.from_string(template_text)  # filters are checked when compiling
        ast = env.parse(template_text)
    except TemplateSyntaxError as exc:
        missing_filter = re.search(r"No filter named '([^']+)'", exc.message or "")
        if missing_filter:
            near = nearest(missing_filter.group(1), env.filters)
            raise TemplateProblem(template_name, exc.lineno, t(f"没有名为 {missing_filter.group(1)!r} 的过滤器", f"no filter named {missing_filter.group(1)!r}") + (
                t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else "")) from None
        raise TemplateProblem(template_name, exc.lineno, t(f"模板语法错误:{exc.message}", f"template syntax error: {exc.message}")) from None
    roots = {k.split(".")[0] for k in FIELDS}
    known = roots | {"published", "period", "span", "is_span", "project", "cover", "section", "table", "chart",
                     "contents", "待撰写", "loop", "range", "dict", "lipsum", "cycler", "joiner", "namespace", *NAMES}
    for name in sorted(meta.find_undeclared_variables(ast)):
        if name not in known:
            line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), None)
            near = nearest(name, sorted(known))
            raise TemplateProblem(template_name, line, t(f"未知的名称 {name!r}", f"unknown name {name!r}") + (
                t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else ""))
    _check_parts(ast, template_name)
    declared = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    inner = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in inner:
            continue
        inner.update(id(n) for n in node.find_all((nodes.Getattr, nodes.Getitem)))
        chain = _chain(node)
        if chain is None:
            continue
        root, parts = chain
        scope = ""
        if root == "span" and parts and "span" not in declared:  # the whole span's figures: the same fields
            root, parts, scope = parts[0], parts[1:], "span."
        if root not in roots or root in declared:
            continue
        while parts and parts[-1] in _METHODS:
            parts = parts[:-1]
        key = ".".join([root, *parts])
        probe = ".".join([root, *("*" if p == "*" else p for p in parts)])
        if not parts or kind_of((root, *parts)) or is_declared_branch((root, *parts)) or _matches_star(probe):
            continue
        near = [scope + n for n in nearest(key, FIELDS)]
        key = scope + key
        raise TemplateProblem(template_name, node.lineno, t(f"未知的字段 {key!r}", f"unknown field {key!r}") + (
            t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else ""))
    check_renders(template_text, template_name)  # what only running finds, with its line


def _check_parts(ast, template_name: str) -> None:
    """Every ``table("…")``, ``chart("…")`` and ``section("…")`` with a literal name, against the keys the
    section registry declares."""
    from jinja2 import nodes

    from jixiao.sections import BY_KEY, PERIOD_TABLES, declared_part_keys

    keys = declared_part_keys()
    for call in ast.find_all(nodes.Call):
        if not (isinstance(call.node, nodes.Name) and call.node.name in ("table", "chart", "section") and call.args
                and isinstance(call.args[0], nodes.Const)):
            continue
        name = str(call.args[0].value)
        known, what = (BY_KEY, t("章节", "section")) if call.node.name == "section" else (
            {**keys, **dict.fromkeys(PERIOD_TABLES)} if call.node.name == "table" else keys,
            t("表格", "table") if call.node.name == "table" else t("图表", "chart"))
        if name.split("#")[0] not in known:
            raise TemplateProblem(template_name, call.lineno, str(UnknownName(name, nearest(name, known), what)))


def _matches_star(probe: str) -> bool:
    from jixiao.contract.fields import FIELDS

    parts = probe.split(".")
    for key in FIELDS:
        pattern = key.split(".")
        if len(pattern) >= len(parts) and all(a == "*" or b == "*" or a == b for a, b in zip(pattern, parts)):
            return True
    return False


def check_renders(template_text: str, template_name: str) -> None:
    """Render the template once against ``sample_metrics``: what only running finds (the sandbox's refusals,
    an overflow, a recursion, a bound) is a TemplateProblem with its line now, not a failed run. A name the
    data decides (a stage, a domain) is not known before the data: the static check has judged those."""
    from jinja2 import UndefinedError

    from jixiao.output.fields import UnknownName
    from jixiao.output.template_source import AnyName, sample_metrics
    from jixiao.present.parts import ChartPart, TablePart
    from jixiao.sections import PeriodParts

    metrics = sample_metrics()
    parts = PeriodParts(metrics, sections=AnyName(lambda name: []),
                        tables=AnyName(lambda name: TablePart(name, name, (), [])),
                        charts=AnyName(lambda name: ChartPart(name, name, "bar_chart")))
    try:
        render(template_text, template_name, metrics=metrics, published={}, parts=parts, cover={}, title="")
    except TemplateProblem as exc:
        if isinstance(exc.__context__, (UnknownName, UndefinedError)):
            return
        raise
