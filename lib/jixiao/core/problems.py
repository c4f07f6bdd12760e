"""What is wrong with an input, said so that an analyst can find and fix it.

A Problem keeps its message in both languages (``message`` in Chinese, ``message_en``
in English) and renders in the current one (``jixiao.core.i18n``); it survives a JSON round
trip (``Problem(**json.loads(...))``), which is how the processed cache keeps it.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

from jixiao.core.i18n import lang, t

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # not a fault: e.g. a workbook that is absent, so its section has no data
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", NOTE: "提示"}
MAX_ROWS_SHOWN = 10


@dataclass(frozen=True)
class Problem:
    severity: str
    file: str
    message: str | tuple[str, str]  # what was expected, or what is wrong: Chinese, or a (Chinese, English) pair
    sheet: str | None = None
    row: int | None = None  # as Excel shows it (1 = header row); the first of ``rows`` when several
    column: str | None = None  # the header as typed in the file
    value: object = None  # the value found; None when there is none to show
    message_en: str | None = None
    rows: tuple[int, ...] | None = None  # several rows that together make the problem (e.g. a duplicate pair)

    def __post_init__(self) -> None:
        if isinstance(self.message, (tuple, list)):
            zh, en = self.message
            object.__setattr__(self, "message", zh)
            object.__setattr__(self, "message_en", en)
        if self.rows is not None:
            rows = tuple(int(r) for r in self.rows)
            object.__setattr__(self, "rows", rows)
            if self.row is None and rows:
                object.__setattr__(self, "row", rows[0])

    @property
    def text(self) -> str:
        """The message alone, in the current language."""
        return self.message_en if lang() == "en" and self.message_en else self.message

    def where(self) -> str:
        zh = lang() != "en"
        parts = [self.file]
        if self.sheet:
            parts.append(t(f"工作表 {self.sheet}", f"sheet {self.sheet}"))
        if self.rows:
            shown = [str(r) for r in self.rows[:MAX_ROWS_SHOWN]] + (["…"] if len(self.rows) > MAX_ROWS_SHOWN else [])
            parts.append(f"第 {'、'.join(shown)} 行" if zh else f"rows {', '.join(shown)}")
        elif self.row is not None:
            parts.append(t(f"第 {self.row} 行", f"row {self.row}"))
        if self.column:
            parts.append(t(f"列 {self.column}", f"column {self.column}"))
        return ("," if zh else ", ").join(parts)

    def __str__(self) -> str:
        if lang() == "en":
            found = "" if self.value is None else f"found {show_value(self.value)}; "
            return f"{self.severity}: {self.where()}: {found}{self.text}"
        found = "" if self.value is None else f"发现 {show_value(self.value)};"
        return f"{SEVERITY_ZH.get(self.severity, self.severity)}:{self.where()}:{found}{self.text}"

    def as_dict(self) -> dict:
        """JSON-ready: the value as text (it may be a date)."""
        return self.__dict__ | {"value": None if self.value is None else str(self.value),
                                "rows": None if self.rows is None else list(self.rows)}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """``text`` for a terminal: a control character shown escaped (``\\x1b``), never sent raw (an ESC from a
    cell or a failure's message could clear the screen); line breaks and tabs stay."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def show_value(value: object, limit: int = 60) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores every number as a float; 5 was typed, not 5.0
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


class InputError(Exception):
    """Raised when inputs have errors; carries every problem found in the pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == ERROR]
        super().__init__("\n".join(str(p) for p in errors) or t("输入有误", "invalid input"))


class ParameterError(ValueError):
    """A run or notebook parameter that is malformed or unknown."""
