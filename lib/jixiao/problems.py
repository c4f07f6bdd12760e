"""What is wrong with an input, said so that an analyst can find and fix it."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # not a fault: e.g. a workbook that is absent, so its section has no data


@dataclass(frozen=True)
class Problem:
    severity: str
    file: str
    message: str  # what was expected, or what is wrong
    sheet: str | None = None
    row: int | None = None  # as Excel shows it (1 = header row)
    column: str | None = None  # the header as typed in the file
    value: object = None  # the value found; None when there is none to show

    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        found = "" if self.value is None else f"found {show_value(self.value)}; "
        return f"{self.severity}: {self.where()}: {found}{self.message}"


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
        super().__init__("\n".join(str(p) for p in errors) or "invalid input")


class ParameterError(ValueError):
    """A run or notebook parameter that is malformed or unknown."""
