"""The period report as one document model, from a Markdown template with Jinja fields.

The template (params' ``report: {template: report.md}``, else the built-in ``templates/report.md``) is rendered
in a sandbox with StrictUndefined. Its context: every metrics.json key as a field (``expenditure.rate``),
``published.…`` (published.yaml as printed), ``period``, ``span``, ``is_span``, ``project``, ``cover``; blocks
``section("expenditure")``, ``table("…")``, ``chart("…")`` insert what the executed notebooks showed
(``catalogue`` lists the names), ``contents()`` the contents, ``待撰写("…")`` a visible placeholder.

The result, ``Document``, is Markdown with one token per block and the blocks themselves (tables with their
typed data, charts with their PNG), numbered 表N / 图N in reading order once; the HTML/PDF writer
(``document``) and the Word writer (``docx``) both read it, so their numbers and captions agree.
"""

from __future__ import annotations

import base64
import re
import sys
from dataclasses import dataclass, field
from html import unescape
from importlib import resources
from pathlib import Path

from jixiao.core.i18n import t
from jixiao.output.fields import FILTERS, TO_WRITE, Field, Node, Placeholders, UnknownName, nearest

TOKEN = "JXBLOCK{:04d}"
TOKEN_RE = re.compile(r"JXBLOCK(\d{4})")
PLACEHOLDER_RE = re.compile(r"【(?:待撰写|无数据)[:：][^】]*】")
BUILTIN_TEMPLATE = "report.md"
COVER_FIELDS = ("报告编号", "委托单位", "受委托单位", "提交日期", "评价基准日")


class TemplateProblem(Exception):
    """A template that cannot be rendered: file, line, what and the nearest known names."""

    def __init__(self, file: str, line: int | None, message: str):
        self.file, self.line, self.message = file, line, message
        where = f"{file}" + (t(f" 第 {line} 行", f" line {line}") if line else "")
        super().__init__(f"{where}:{message}")


@dataclass
class TableBlock:
    name: str
    caption: str
    headers: list
    kinds: list
    rows: list  # typed values (TABLE_MIME)
    html: str
    number: int = 0


@dataclass
class ChartBlock:
    name: str
    title: str
    png: bytes  # as the notebook showed it (HTML, PDF)
    number: int = 0
    print_png: bytes = b""  # at 300 dpi, for Word (empty when the notebook emitted none)


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

    def numbered(self) -> list:
        """The blocks in reading order (tables and charts carry their 表N / 图N)."""
        return [self.blocks[int(m.group(1))] for m in TOKEN_RE.finditer(self.markdown)]


# --- what the executed notebooks showed ---------------------------------------------------------------


@dataclass
class Catalogue:
    tables: dict = field(default_factory=dict)  # name -> TableBlock
    charts: dict = field(default_factory=dict)  # name -> ChartBlock
    sections: dict = field(default_factory=dict)  # key -> list of parts: ("md", text) | ("table", name) | ("chart", name)


_IMG = re.compile(r'<img src="data:image/png;base64,([^"]+)"(?: alt="([^"]*)")?>')


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def _unique(name: str, taken: dict) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name}#{n}" in taken:
        n += 1
    return f"{name}#{n}"


def short_name(caption: str) -> str:
    """A caption without its parenthesised scope, so a name holds in every period: 子项目支出率分布（截至 2021-12-31） ->
    子项目支出率分布."""
    return re.sub(r"\s*[（(][^（()）]*[)）]\s*", "", caption).strip() or caption


# a heading's own numbering (一、 (二) 3.), which the document renumbers
NUMBERED_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[((][一二三四五六七八九十]+[))]|\d+[.、])\s*")
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


def reader_text(text: str) -> str:
    """Text as a reader's page prints it: dates as 2021年12月31日 and full-width punctuation in Chinese prose."""
    from jixiao.output.export import zh_text

    return zh_text(_ISO_DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text))


def _heading(line: str, level: int) -> str:
    return "#" * level + " " + NUMBERED_HEADING.sub("", line.lstrip("#").strip()).strip()


def _plain_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def catalogue(period_dir: Path, sections) -> Catalogue:
    """Every table and chart the period's executed notebooks showed, named ``<section>.<caption>``, and each
    section's text and outputs in order."""
    import json

    from jixiao.present.charts import PRINT_MIME
    from jixiao.present.tables import TABLE_MIME

    cat = Catalogue()
    for s in sections:
        path = Path(period_dir) / s.notebook
        if not path.is_file():
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        parts = []
        for cell in nb.get("cells", []):
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.get("cell_type") == "markdown":
                if any(x.startswith("papermill-error") for x in tags):
                    continue
                lines = [(_heading(x, 3) if x.startswith("## ") else x) for x in _text(cell.get("source", "")).splitlines()
                         if not x.startswith("# ")]
                if any(x.strip() for x in lines):
                    parts.append(("md", reader_text("\n".join(lines))))
                continue
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if TABLE_MIME in data:
                    tm = data[TABLE_MIME]
                    html = _text(data.get("text/html", ""))
                    name = _unique(f"{s.key}.{short_name(tm.get('caption') or s.title)}", cat.tables)
                    table_html = re.sub(r"</?div[^>]*>", "", _IMG.sub("", html))
                    table_html = re.sub(r"<caption>.*?</caption>", "", table_html, flags=re.S)
                    cat.tables[name] = TableBlock(name, reader_text(tm.get("caption") or s.title), tm["headers"], tm["kinds"],
                                                  tm["rows"], table_html)
                    parts.append(("table", name))
                    for m in _IMG.finditer(html):
                        title = unescape(m.group(2) or "") or tm.get("caption") or s.title
                        cname = _unique(f"{s.key}.{short_name(title)}", cat.charts)
                        printed = base64.b64decode(data[PRINT_MIME]["png"]) if PRINT_MIME in data else b""
                        cat.charts[cname] = ChartBlock(cname, reader_text(title), base64.b64decode(m.group(1)),
                                                       print_png=printed)
                        parts.append(("chart", cname))
                elif "image/png" in data:
                    title = (output.get("metadata", {}).get("image/png", {}) or {}).get("alt") or s.title
                    cname = _unique(f"{s.key}.{short_name(title)}", cat.charts)
                    printed = base64.b64decode(data[PRINT_MIME]["png"]) if PRINT_MIME in data else b""
                    cat.charts[cname] = ChartBlock(cname, reader_text(title), base64.b64decode(_text(data["image/png"]).strip()),
                                                   print_png=printed)
                    parts.append(("chart", cname))
                elif "text/html" in data:
                    html = _text(data["text/html"])
                    if "jx-subtitle" in html:
                        continue
                    text = _plain_text(html)
                    if text:
                        parts.append(("md", _md_escape(reader_text(text))))
        cat.sections[s.key] = parts
    return cat


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#])", r"\\\1", text)


# --- rendering -----------------------------------------------------------------------------------------


def builtin_template() -> str:
    return resources.files("jixiao.output").joinpath("templates", BUILTIN_TEMPLATE).read_text(encoding="utf-8")


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
    return [*metrics, "published", "period", "span", "is_span", "project", "cover", "section", "table", "chart",
            "contents", "待撰写"]


def render(template_text: str, template_name: str, *, metrics: dict, published: dict | None, cat: Catalogue,
           cover: dict, title: str) -> Document:
    """The template rendered into a Document; a TemplateProblem names the file, line and nearest names."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    env = _environment()
    cover = {**{label: "" for label in ("项目名称", *COVER_FIELDS)}, **(cover or {})}
    counter = Placeholders()
    blocks: list = []

    def token(block) -> str:
        blocks.append(block)
        return "\n\n" + TOKEN.format(len(blocks) - 1) + "\n\n"

    def table(name: str) -> str:
        if name not in cat.tables:
            raise UnknownName(name, nearest(name, cat.tables), t("表格", "table"))
        return token(cat.tables[name])

    def chart(name: str) -> str:
        if name not in cat.charts:
            raise UnknownName(name, nearest(name, cat.charts), t("图表", "chart"))
        return token(cat.charts[name])

    def section(key: str) -> str:
        if key not in cat.sections:
            raise UnknownName(key, nearest(key, cat.sections), t("章节", "section"))
        out = []
        for kind, value in cat.sections[key]:
            out.append(value if kind == "md" else (table(value) if kind == "table" else chart(value)))
        return "\n\n".join(out) + "\n\n"

    def contents() -> str:
        return token(ContentsBlock())

    def to_write(what: str = "") -> str:
        return TO_WRITE.format(what=what)

    period = metrics.get("period", "")
    span = metrics.get("span", "")
    context = {k: (Node(k, v, counter) if isinstance(v, (dict, list)) else Field(k, _kind_or_text(k), v, counter))
               for k, v in metrics.items()}
    context.update(published=Node("published", published or {}, counter), period=period, span=span,
                   is_span=bool(period) and period == span and "-" in str(span), project=metrics.get("project", ""),
                   cover=cover, section=section, table=table, chart=chart, contents=contents, 待撰写=to_write)
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
    # number the tables and charts in reading order
    tables = charts = 0
    for m in TOKEN_RE.finditer(markdown):
        block = blocks[int(m.group(1))]
        if isinstance(block, TableBlock):
            tables += 1
            blocks[int(m.group(1))] = block = TableBlock(**{**block.__dict__, "number": tables})
        elif isinstance(block, ChartBlock):
            charts += 1
            blocks[int(m.group(1))] = ChartBlock(**{**block.__dict__, "number": charts})
    rows = [(label, str(cover.get(label) or TO_WRITE.format(what=label))) for label in ("项目名称", *COVER_FIELDS)]
    text = "\n".join(v for _, v in rows) + markdown
    return Document(title=title, project=metrics.get("project", ""), cover=rows, markdown=markdown, blocks=blocks,
                    placeholders=PLACEHOLDER_RE.findall(text), template=template_name)


def _kind_or_text(key: str):
    from jixiao.contract.fields import TEXT, kind_of

    return kind_of(key) or TEXT


def cover_data(settings: dict, metrics: dict) -> dict:
    """The cover's rows: the params' report block, 评价基准日 defaulting to the period's end."""
    from jixiao.output.fields import date_text

    out = {"项目名称": metrics.get("project", "")}
    for label in COVER_FIELDS:
        value = (settings or {}).get(label)
        out[label] = str(value) if value not in (None, "") else ""
    if not out["评价基准日"] and metrics.get("period_end"):
        out["评价基准日"] = date_text(metrics["period_end"])
    return out


def build_document(period_dir: Path, *, metrics: dict, published: dict | None, template_text: str | None,
                   template_name: str, settings: dict, leave_out=frozenset()) -> Document:
    from jixiao.sections import SECTIONS

    cat = catalogue(period_dir, [s for s in SECTIONS if s.key not in leave_out])
    period, span = metrics.get("period", ""), metrics.get("span", "")
    title = "财政绩效评价报告" if period == span else f"{period}年度绩效执行情况报告"
    if template_text is None:
        template_text, template_name = builtin_template(), t("内置模板 report.md", "built-in template report.md")
    return render(template_text, template_name, metrics=metrics, published=published, cat=cat,
                  cover=cover_data(settings, metrics), title=title)


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
                     "contents", "待撰写", "loop", "range", "dict", "lipsum", "cycler", "joiner", "namespace"}
    for name in sorted(meta.find_undeclared_variables(ast)):
        if name not in known:
            line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), None)
            near = nearest(name, sorted(known))
            raise TemplateProblem(template_name, line, t(f"未知的名称 {name!r}", f"unknown name {name!r}") + (
                t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else ""))
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
        if root not in roots or root in declared:
            continue
        while parts and parts[-1] in _METHODS:
            parts = parts[:-1]
        key = ".".join([root, *parts])
        probe = ".".join([root, *("*" if p == "*" else p for p in parts)])
        if not parts or kind_of((root, *parts)) or is_declared_branch((root, *parts)) or _matches_star(probe):
            continue
        near = nearest(key, FIELDS)
        raise TemplateProblem(template_name, node.lineno, t(f"未知的字段 {key!r}", f"unknown field {key!r}") + (
            t(f";最接近的名称:{'、'.join(near)}", f"; nearest known: {', '.join(near)}") if near else ""))
    from jixiao.output.template_source import check_renders

    check_renders(template_text, template_name)  # what only running finds, with its line


def _matches_star(probe: str) -> bool:
    from jixiao.contract.fields import FIELDS

    parts = probe.split(".")
    for key in FIELDS:
        pattern = key.split(".")
        if len(pattern) >= len(parts) and all(a == "*" or b == "*" or a == b for a, b in zip(pattern, parts)):
            return True
    return False
