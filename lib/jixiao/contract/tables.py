"""The validated tables of one evaluation, as attributes: a misspelt name is an error, never "no data"."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Iterator, Mapping

import pandas as pd

from jixiao.core.i18n import t


@dataclass(frozen=True, eq=False)
class Tables:
    """One frame per sheet of the input contract (see ``contract.SHEETS``); ``None`` when its workbook is absent.

    Columns carry the contract's canonical names (``subproject_id``, ``amount`` ...) plus ``excel_row``;
    money is integer fen, scores integer ten-thousandths of a point.
    """

    subprojects: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    spending: pd.DataFrame | None = None
    milestones: pd.DataFrame | None = None
    survey_answers: pd.DataFrame | None = None
    survey_options: pd.DataFrame | None = None
    public_reviews: pd.DataFrame | None = None
    scoring: pd.DataFrame | None = None
    annual_targets: pd.DataFrame | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, tables: Mapping[str, pd.DataFrame | None]) -> "Tables":
        if isinstance(tables, Tables):
            return tables
        unknown = sorted(set(tables) - set(cls.names()))
        if unknown:
            raise KeyError(t(f"没有名为 {'、'.join(unknown)} 的表;可用的表:{'、'.join(cls.names())}",
                             f"no table named {', '.join(unknown)}; the tables are {', '.join(cls.names())}"))
        return cls(**dict(tables))

    def get(self, name: str, default=None) -> pd.DataFrame | None:
        """The table ``name`` (``None`` when its workbook is absent); an unknown name raises KeyError."""
        if name not in self.names():
            raise KeyError(t(f"没有名为 {name!r} 的表;可用的表:{'、'.join(self.names())}",
                             f"no table named {name!r}; the tables are {', '.join(self.names())}"))
        value = getattr(self, name)
        return default if value is None else value

    __getitem__ = get

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def keys(self) -> tuple[str, ...]:
        return self.names()

    def items(self) -> Iterator[tuple[str, pd.DataFrame | None]]:
        return ((n, getattr(self, n)) for n in self.names())
