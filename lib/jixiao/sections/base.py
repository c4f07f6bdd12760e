"""What a report section is: its key, title, numbers, display blocks and index figures.

A section module declares one ``Section``; ``jixiao.sections.SECTIONS`` lists them in report order.
Its numbers come from its figure module (``jixiao.figures.<key>``, declared as ``figures``); ``compute``
adds what only a page needs: the words for each null (``notes``), the footnotes on published figures the
data does not reproduce, and for a section without numbers of its own (the overview) its ``finish``.
Display blocks take a ``SectionView`` and return its parts (``present.parts``: notes, tables and charts,
each table and chart under a stable key ``"<section>.<name>"`` that ``parts`` declares, so a report template
can be checked before any data exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from jixiao.core.period import Period
from jixiao.figures.base import Computed, Figures, PeriodInputs
from jixiao.present.parts import Note
from jixiao.sections.frames import report_frame
from jixiao.sections.published import published_notes


@dataclass
class SectionResult:
    figures: dict[str, Any] = field(default_factory=dict)  # metrics.json keys -> values (null when absent)
    frames: dict[str, Any] = field(default_factory=dict)  # frame name -> pandas DataFrame
    notes: dict[str, str] = field(default_factory=dict)  # metrics.json "notes": why a figure is null, in words


@dataclass(frozen=True)
class Block:
    heading: str  # the notebook's markdown heading above the block
    show: Callable[["SectionView"], list]  # the block's parts (present.parts)
    # a block that has something to show only for some periods or evaluations: it prints its own heading, and
    # nothing at all when this says so (its notebook has no markdown heading for it)
    shows: Callable[["SectionView"], bool] | None = None


@dataclass(frozen=True)
class Section:
    key: str  # notebook name, output file stem, index column
    title: str  # Chinese title
    figures: Figures | None  # its numbers (jixiao.figures.<key>); None: it shows the numbers of ``after``
    blocks: tuple[Block, ...]
    index_figures: Callable[[Mapping[str, Any]], list[str]]  # short Chinese key figures from metrics.json
    absent: Mapping[str, str] = field(default_factory=dict)  # metrics key -> why it is null, in words
    notes: Mapping[str, str] = field(default_factory=dict)  # reason code (figures.base) -> words; {span} filled in
    # labels of the published figures its page footnotes when they differ (or a function of the PeriodInputs
    # giving them, for labels that name the evaluation's own stages)
    published_figures: tuple[str, ...] | Callable[[PeriodInputs], tuple[str, ...]] = ()
    reads_published: bool = False  # published.yaml is an input (also whenever published_figures is set)
    after: tuple[str, ...] = ()  # sections whose metrics it reads, besides those its figures wait on
    finish: Callable[[PeriodInputs], SectionResult] | None = None  # page-level parts made from the metrics
    cost: float = 1.0  # seconds its notebook takes, roughly, before a run has measured it (longest run first)
    # whether the section has anything to show for a period (from its metrics.json); a single year where it has
    # not gets no page: the index marks the cell 不适用 and links the whole-span report instead
    applies: Callable[[Mapping[str, Any]], bool] | None = None
    # the Tables behind it: its figures' own plus every table of the sections it waits on (filled in by the
    # registry, never by hand, so a section's run key follows whatever it is computed from)
    reads: tuple[str, ...] = ()
    # the keys of the tables and charts its blocks may return (without the "<key>." prefix): a template's
    # table("expenditure.bands") is checked against them before any data exists
    parts: tuple[str, ...] = ()

    @property
    def waits_on(self) -> tuple[str, ...]:
        """The sections computed before it: its figures' ``after`` and its own."""
        return tuple(dict.fromkeys((self.figures.after if self.figures else ()) + self.after))

    @property
    def own_tables(self) -> tuple[str, ...]:
        return self.figures.tables if self.figures else ()

    def compute(self, inputs: PeriodInputs) -> SectionResult:
        """The section's part of one period: its figures, its frames and notes in words."""
        computed = self.figures.compute_once(inputs) if self.figures else Computed()
        figures, frames = dict(computed.figures), dict(computed.frames)
        notes = {key: self.notes[code].format(span=inputs.span.label) for key, code in computed.notes.items()}
        if self.published_figures:
            prefixes = self.published_figures
            if callable(prefixes):  # labels that name the evaluation's own stages
                prefixes = tuple(prefixes(inputs))
            frames.update(published_notes(inputs, figures, prefixes))
        if self.finish is not None:
            extra = self.finish(inputs)
            figures.update(extra.figures)
            frames.update(extra.frames)
            notes.update(extra.notes)
        return SectionResult(figures, frames, notes)

    def applies_to(self, metrics: Mapping[str, Any]) -> bool:
        return self.applies is None or metrics.get("period") == metrics.get("span") or bool(self.applies(metrics))

    @property
    def notebook(self) -> str:
        return f"{self.key}.ipynb"

    @property
    def part_keys(self) -> tuple[str, ...]:
        return tuple(f"{self.key}.{name}" for name in self.parts)

    def blocks_parts(self, view: "SectionView") -> list[tuple["Block", list]]:
        """Each block with the parts it returns for ``view``; a key a block returns must be declared."""
        out = []
        for block in self.blocks:
            parts = list(block.show(view) or [])
            for part in parts:
                key = getattr(part, "key", None)
                if key is not None and key.split("#")[0] not in self.part_keys:
                    raise ValueError(f"section {self.key}: part {key!r} is not declared in its parts "
                                     f"({', '.join(self.part_keys)})")
            out.append((block, parts))
        return out


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

    def __getattr__(self, name: str):
        """A frame by attribute (``view.by_year``), under Chinese headers: ``frames`` keeps the raw ones."""
        frames = self.__dict__.get("frames") or {}
        if name.startswith("_") or name not in frames:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}; its frames are "
                                 f"{', '.join(frames) or 'none'}")
        return report_frame(self.section.key, name, frames[name])

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(self.__dict__.get("frames") or {})})

    def __repr__(self) -> str:
        return (f"<{self.section.title}({self.section.key}) {self.evaluation} {self.period.label}: "
                f"{', '.join(self.frames) or '无表'}>")

    def _repr_html_(self) -> str:
        from html import escape

        figures = self.section.index_figures(self.metrics)
        names = "".join(f"<li><code>.{escape(n)}</code></li>" for n in self.frames)
        return (f"<p><b>{escape(self.section.title)}</b> · {escape(self.project)} · {escape(self.period.label)}</p>"
                + (f"<p>{escape('；'.join(figures))}</p>" if figures else "")
                + (f"<p>表：</p><ul>{names}</ul>" if names else ""))

    def missing(self, key: str) -> list:
        """[a note saying why] when the metrics part ``key`` is null for this period, else []."""
        if self.metrics.get(key) is not None:
            return []
        return [Note(self.metrics.get("notes", {}).get(key) or self.section.absent[key])]
