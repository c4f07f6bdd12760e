"""What a final report would still lack, known from its template and cover alone (``jixiao validate``).

A report with ``final: true`` is not published while it has placeholders. Some are certain before any
data exists: a ``待撰写(…)`` the template always prints, a 【待撰写:…】 typed in its text, a cover field
left blank (报告编号, 委托单位, 受委托单位, 提交日期; 评价基准日 defaults to the period's end). Those
inside a condition or a loop, and 【无数据】 (a figure the data leaves empty), are known only when the
report is built; validate says so rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.output.report import COVER_FIELDS, PLACEHOLDER_RE

DEFAULTED = {"评价基准日"}  # filled from the period's end when the params leave it blank
TO_WRITE = "待撰写"


@dataclass(frozen=True)
class Unwritten:
    in_text: int  # placeholders the template prints whatever the data
    cover: tuple[str, ...]  # cover fields left blank

    @property
    def count(self) -> int:
        return self.in_text + len(self.cover)


def _is_to_write(node) -> bool:
    from jinja2 import nodes

    return isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == TO_WRITE


def _cover_field(node) -> str | None:
    """``cover["X"]`` -> X."""
    from jinja2 import nodes

    if (isinstance(node, nodes.Getitem) and isinstance(node.node, nodes.Name) and node.node.name == "cover"
            and isinstance(node.arg, nodes.Const)):
        return str(node.arg.value)
    return None


def certain_placeholders(template_text: str, cover: dict) -> Unwritten:
    """The placeholders ``template_text`` prints in any case with this ``cover`` (the params' report block)."""
    from jinja2 import Environment, nodes

    filled = {label for label, value in (cover or {}).items() if value not in (None, "")}
    ast = Environment().parse(template_text)
    found = 0

    def walk(node) -> None:
        nonlocal found
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.TemplateData):
                found += len(PLACEHOLDER_RE.findall(child.data))
            elif _is_to_write(child):
                found += 1
            elif isinstance(child, nodes.Or) and _is_to_write(child.right):
                # cover["委托单位"] or 待撰写("委托单位"): certain exactly when the params leave the field blank
                field = _cover_field(child.left)
                found += field is not None and field not in filled and field not in DEFAULTED
            elif isinstance(child, (nodes.Output, nodes.Filter)):
                walk(child)
            # anything else (if, for, macros, expressions) prints its placeholders only for some data

    walk(ast)
    blank = tuple(label for label in COVER_FIELDS if label not in filled and label not in DEFAULTED)
    return Unwritten(found, blank)
