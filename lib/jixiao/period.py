"""A report period: a year ("2020") or a span of years ("2019-2021"), ending on 31 December of its last year.

Kept free of pandas so that the batch can decide what to re-run before importing anything heavy.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .problems import ParameterError


@dataclass(frozen=True)
class Period:
    """A year ("2020") or a span of years ("2019-2021"); it ends on 31 December of its last year."""

    first: int
    last: int

    @classmethod
    def parse(cls, text: object) -> "Period":
        m = re.fullmatch(r"\s*(\d{4})(?:\s*-\s*(\d{4}))?\s*", str(text))
        if not m:
            raise ParameterError(f"period {text!r} is malformed; expected a year such as 2020 or a span such as 2019-2021")
        first, last = int(m[1]), int(m[2] or m[1])
        if last < first or not 1900 <= first <= 2200 or last > 2200:
            raise ParameterError(f"period {text!r} is malformed; expected a span whose first year comes first")
        return cls(first, last)

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.first, 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.last, 12, 31)

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def contains_month(self, month: str) -> bool:
        return self.first <= int(month[:4]) <= self.last

    def __str__(self) -> str:
        return self.label
