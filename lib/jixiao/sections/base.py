"""What a report section is: its key, title, inputs, computation, display blocks and index figures.

A section module declares one ``Section``; ``jixiao.sections.SECTIONS`` lists them in report order.
``compute`` turns the validated tables of one period into ``SectionResult``: the section's part of
metrics.json (``figures``) and the frames its blocks show (``frames``; a money column says its unit in
its name, ``_wan`` for 万元). Display blocks take a ``SectionView`` and show tables, charts and prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from jixiao.core.period import Period


@dataclass(frozen=True)
class PeriodInputs:
    """What ``compute`` gets: the tables, the period and span, the project, the published figures, and
    the metrics of the sections already computed (those named in its ``after`` among them)."""

    tables: Any  # jixiao.contract.tables.Tables
    period: Period
    span: Period
    project: str = ""
    published: dict | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def whole_span(self) -> bool:
        return self.period == self.span


@dataclass
class SectionResult:
    figures: dict[str, Any] = field(default_factory=dict)  # metrics.json keys -> values (null when absent)
    frames: dict[str, Any] = field(default_factory=dict)  # frame name -> pandas DataFrame
    notes: dict[str, str] = field(default_factory=dict)  # metrics.json "notes": why a figure is null


@dataclass(frozen=True)
class Block:
    heading: str  # the notebook's markdown heading above the block
    show: Callable[["SectionView"], None]


@dataclass(frozen=True)
class Section:
    key: str  # notebook name, output file stem, index column
    title: str  # Chinese title
    reads: tuple[str, ...]  # the Tables it reads (their workbooks key its incremental runs)
    compute: Callable[[PeriodInputs], SectionResult]
    blocks: tuple[Block, ...]
    index_figures: Callable[[Mapping[str, Any]], list[str]]  # short Chinese key figures from metrics.json
    absent: Mapping[str, str] = field(default_factory=dict)  # metrics key -> why it is null, in words
    reads_published: bool = False  # published.yaml is an input too
    after: tuple[str, ...] = ()  # sections whose metrics its computation reads (computed before it)
    cost: float = 1.0  # seconds its notebook takes, roughly, before a run has measured it (longest run first)
    # whether the section has anything to show for a period (from its metrics.json); a single year where it has
    # not gets no page: the index marks the cell 不适用 and links the whole-span report instead
    applies: Callable[[Mapping[str, Any]], bool] | None = None

    def applies_to(self, metrics: Mapping[str, Any]) -> bool:
        return self.applies is None or metrics.get("period") == metrics.get("span") or bool(self.applies(metrics))

    @property
    def notebook(self) -> str:
        return f"{self.key}.ipynb"


@dataclass
class SectionView:
    """What a notebook displays: one section of one period, from the batch's results or computed in place."""

    section: Section
    evaluation: str
    project: str
    period: Period
    span: Period
    metrics: dict  # the whole metrics.json of the period
    frames: dict  # this section's frames
    source: str = ""  # where the results came from (a results folder, or "computed in the kernel")

    @property
    def title(self) -> str:
        return f"{self.project}({self.period.label})"

    def frame(self, name: str):
        try:
            return self.frames[name]
        except KeyError:
            raise KeyError(f"section {self.section.key} has no frame {name!r}; it has {', '.join(self.frames) or 'none'}") from None

    def absent(self, key: str) -> bool:
        """True (and says why, in words) when the metrics part ``key`` is null for this period."""
        if self.metrics.get(key) is not None:
            return False
        display(note(self.metrics.get("notes", {}).get(key) or self.section.absent[key]))
        return True


def display(*objs) -> None:
    from IPython.display import display as ipy_display

    ipy_display(*objs)


def note(text: str):
    from jixiao.present.tables import note as present_note

    return present_note(text)
