"""A report period: a year ("2020") or a span of years ("2019-2021"), ending on 31 December of its last year.

Kept free of pandas so that the batch can decide what to re-run before importing anything heavy.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from jixiao.core.i18n import t
from jixiao.core.problems import ParameterError


@dataclass(frozen=True)
class Period:
    """A year ("2020") or a span of years ("2019-2021"); it ends on 31 December of its last year."""

    first: int
    last: int

    @classmethod
    def parse(cls, text: object) -> "Period":
        m = re.fullmatch(r"\s*(\d{4})(?:\s*-\s*(\d{4}))?\s*", str(text))
        if not m:
            raise ParameterError(t(f"期间 {text!r} 格式有误;应为年份(如 2020)或期间(如 2019-2021)",
                                   f"period {text!r} is malformed; expected a year such as 2020 or a span such as 2019-2021"))
        first, last = int(m[1]), int(m[2] or m[1])
        if last < first or not 1900 <= first <= 2200 or last > 2200:
            raise ParameterError(t(f"期间 {text!r} 格式有误;应为起始年在前的期间(如 2019-2021),年份在 1900–2200 之间",
                                   f"period {text!r} is malformed; expected a span whose first year comes first"))
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
        """True when ``day`` (a date, or a datetime such as a pandas Timestamp) falls in the period; a missing
        day (None, NaT) never does."""
        if day is None or day != day:  # NaT is not equal to itself
            return False
        if isinstance(day, dt.datetime):
            day = day.date()
        return self.start <= day <= self.end

    def within(self, span: "Period") -> bool:
        """True when every year of this period lies in ``span``."""
        return span.first <= self.first and self.last <= span.last

    def require_within(self, span: "Period") -> "Period":
        """This period, or ParameterError (in the reader's language) when it reaches outside ``span``."""
        if not self.within(span):
            raise ParameterError(t(f"期间 {self.label} 在评价期 {span.label} 之外",
                                   f"period {self.label} lies outside the evaluation's span {span.label}"))
        return self

    def contains_month(self, month: str) -> bool:
        return self.first <= int(month[:4]) <= self.last

    def __str__(self) -> str:
        return self.label
