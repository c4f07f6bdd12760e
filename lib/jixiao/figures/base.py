"""What a figure module is: the period it computes for, what it returns, and its declaration.

Each section with numbers of its own has one module here (``figures/<key>.py``) declaring ``FIGURES``:
the tables it reads, the other figure modules whose numbers it needs (``after``) and ``compute``, which
turns the validated tables of one period into ``Computed``: its part of metrics.json (``figures``; rates
as unrounded fractions, money in 万元, counts as integers, null when the data is absent), the frames its
section shows (a money column says its unit in its name, ``_wan`` for 万元), and the reason code of each
null that needs explaining (``notes``; the section words it). Numbers only: no display text here.
"""

from __future__ import annotations

import copy
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from jixiao.contract.sheets import CONTRACT_LAYOUT, Layout
from jixiao.core.period import Period

# reason codes in ``Computed.notes``: the section that shows the figure says it in words
WHOLE_SPAN_ONLY = "whole_span_only"  # computed for the whole evaluation period only, null in a single year


@dataclass(frozen=True)
class PeriodInputs:
    """What ``compute`` gets: the tables, the period and span, the project, the published figures, and
    the metrics of the figure modules already computed (those named in its ``after`` among them)."""

    tables: Any  # jixiao.contract.tables.Tables
    period: Period
    span: Period
    project: str = ""
    published: dict | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    layout: Layout = CONTRACT_LAYOUT  # the evaluation's milestone stages and their roles, its absent sheets

    @property
    def whole_span(self) -> bool:
        return self.period == self.span

    def for_period(self, period: Period) -> "PeriodInputs":
        """The same inputs for another period (nothing computed yet)."""
        return PeriodInputs(self.tables, period, self.span, self.project, self.published, layout=self.layout)


@dataclass
class Computed:
    figures: dict[str, Any] = field(default_factory=dict)  # metrics.json keys -> values (null when absent)
    frames: dict[str, Any] = field(default_factory=dict)  # frame name -> pandas DataFrame
    notes: dict[str, str] = field(default_factory=dict)  # metrics key -> reason code of its null


@dataclass(frozen=True)
class Figures:
    key: str  # the section that shows them
    tables: tuple[str, ...]  # the Tables it reads itself
    compute: Callable[[PeriodInputs], Computed]
    after: tuple[str, ...] = ()  # figure modules whose numbers it reads or computes (computed before it)

    def compute_once(self, inputs: PeriodInputs) -> Computed:
        """``compute(inputs)``, once per tables object and period for a module that reads no other module's numbers
        (``after`` empty: its result is fixed by the tables, the period and the settings). A batch computes each
        year's expenditure, milestones and satisfaction for the year's own report and again for the whole span's
        历年对比 (``trends``), from the same tables; the second time is this. The numbers are copied out, so no
        caller changes another's; the frames are shared, read only."""
        if self.after:
            return self.compute(inputs)
        try:
            computed = _COMPUTED.setdefault(inputs.tables, {})
        except TypeError:  # tables as a plain mapping (no weak reference to it): nothing to share
            return self.compute(inputs)
        key = (self.key, inputs.period, inputs.span, inputs.project, repr(inputs.published), repr(inputs.layout))
        if key not in computed:
            computed[key] = self.compute(inputs)
        kept = computed[key]
        return Computed(copy.deepcopy(kept.figures), dict(kept.frames), dict(kept.notes))


# tables object -> {(module, period, span, project, published, layout): Computed}: kept with the tables it was
# computed from and forgotten with them (a new run or another evaluation brings tables of its own)
_COMPUTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
