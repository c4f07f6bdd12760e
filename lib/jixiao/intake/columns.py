"""Convert a sheet's cells a column at a time: the loader's fast path.

Numbers Excel stored as floats become integer fen (points, whole numbers) with numpy, each
result proven equal to what cells.py's Decimal arithmetic gives (see ``exact_scaled``);
every other value (text, dates, blanks) is converted once per distinct value by cells.py's
own parser and looked up for each cell. What neither can take (a bool, a time, an awkward
float) goes through the per-cell parser, so every value and every error message is the one
the cell-by-cell loop gives.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from jixiao.intake.cells import MAX_POINTS, MAX_WAN, MAX_WHOLE, PARSERS, CellError, is_blank
from jixiao.intake.normalised import KEPT, normalisation
from jixiao.core.units import FEN_PER_WAN, FEN_PER_YUAN, SCORE_SCALE, YUAN_PER_WAN

MAX_TEXT = 2000  # a longer cell is almost certainly pasted by mistake

SCALED = {  # kind -> (units per number typed, the first number refused as too large)
    "money": (FEN_PER_WAN, MAX_WAN),
    "money_yuan": (FEN_PER_YUAN, MAX_WAN * YUAN_PER_WAN),
    "score": (SCORE_SCALE, MAX_POINTS),
}
WHOLE = {"year": (1900, 2200), "count": (0, None), "order": (None, None), "flag": (0, 1)}  # kind -> (low, high)
NUMERIC = frozenset(SCALED) | frozenset(WHOLE)
# Values compared by == only with values of their own type (or floats with floats, where 0.0 == -0.0
# convert alike), so one result per distinct value is right. Not bool: True == 1 == 1.0.
KEYED_TYPES = frozenset({str, float, dt.date, dt.datetime})


UNKNOWN = object()  # a value not yet converted


class Blank:
    """The outcome of a blank cell (None, '', spaces, NaN)."""


BLANK_CELL = Blank()


@dataclass(frozen=True)
class Failed:
    """The outcome of a cell its parser refused: ``message`` is the (Chinese, English) pair."""

    message: tuple[str, str]


def outcome(raw: object, kind: str) -> object:
    """One cell, converted: its value, ``BLANK_CELL``, or ``Failed``."""
    if is_blank(raw):
        return BLANK_CELL
    if isinstance(raw, str) and len(raw) > MAX_TEXT:
        return Failed((f"文本长 {len(raw)} 个字符;应不超过 {MAX_TEXT} 个",
                       f"the text is {len(raw)} characters long; expected at most {MAX_TEXT}"))
    try:
        return PARSERS[kind](raw)
    except CellError as exc:
        return Failed(exc.message)


def exact_limit(scale: int) -> float:
    """Below this, a float x that equals fl(n / scale) for an integer n converts to exactly n.

    cells.py computes round(Decimal(repr(x)) * scale). repr(x) and n / scale both lie within
    half a unit in the last place (ulp) of x, so they differ by at most one ulp; while
    ulp(x) * scale <= 1/4 the Decimal product lies within 1/4 of n and rounds to n. Every n
    below the limit is also below 2**53, so n and fl(n / scale) are computed exactly.
    """
    exponent = 0
    while 2.0 ** (exponent + 1 - 52) * scale <= 0.25:  # ulp of [2**(e+1), 2**(e+2)) still small enough
        exponent += 1
    limit = 2.0 ** (exponent + 1)  # x < 2**(e+1) has ulp(x) <= 2**(e-52)
    assert limit * scale < 2.0 ** 53
    return limit


def exact_scaled(numbers: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Floats of a money or score column -> (integer units, where that integer is cells.py's own).

    Where the second array is False (negative, too large, NaN, more decimals than the unit
    holds, a float like 0.1 + 0.2) the cell must go through cells.py.
    """
    scale, too_large = SCALED[kind]
    limit = min(exact_limit(scale), float(too_large))
    with np.errstate(all="ignore"):
        units = np.rint(numbers * scale)
        exact = (numbers >= 0) & (numbers < limit) & (units / scale == numbers)
    return np.where(exact, units, 0).astype(np.int64), exact


def exact_whole(numbers: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Floats of a year, count, order or flag column -> (whole numbers, where they are cells.py's own)."""
    low, high = WHOLE[kind]
    with np.errstate(all="ignore"):
        exact = (np.floor(numbers) == numbers) & (np.abs(numbers) < MAX_WHOLE)
        if low is not None:
            exact &= numbers >= low
        if high is not None:
            exact &= numbers <= high
    return np.where(exact, numbers, 0).astype(np.int64), exact


@dataclass
class ConvertedColumn:
    """One column of a chunk of rows, converted.

    ``values``: int64 array for numeric kinds (``missing`` marks cells without a value),
    else a list of objects (None for no value). ``blank``: bool array, or None when no cell
    is blank. ``failed``: index -> message pair of each refused cell. ``normalised``: kind -> [how many
    cells, the indices of the first ``KEPT``] of the cells read otherwise than typed (``normalised.py``).
    """

    values: np.ndarray | list
    missing: np.ndarray | None
    blank: np.ndarray | None
    failed: dict[int, tuple[str, str]] = field(default_factory=dict)
    normalised: dict[str, list] = field(default_factory=dict)


class ColumnConverter:
    """Converts one column of a sheet, chunk after chunk; remembers each distinct value's outcome."""

    def __init__(self, kind: str):
        self.kind = kind
        self.numeric = kind in NUMERIC
        self.known: dict[object, object] = {}
        self.normal: dict[object, str] = {}  # a distinct value read otherwise than typed -> the kind of normalisation

    def convert(self, cells: tuple | list) -> ConvertedColumn:
        if self.numeric:
            return self._convert_numbers(cells)
        results = self._lookup(cells)
        column = ConvertedColumn(values=results, missing=None, blank=None)
        self._normalised(column, None, cells, results)
        self._settle(column, range(len(results)), results, clear=True)
        return column

    def _normalised(self, column: ConvertedColumn, indices: list | None, cells, results: list) -> None:
        """Count the cells read otherwise than typed among ``cells`` (at ``indices`` of the chunk, None: all),
        keeping the first ``KEPT`` indices of each kind. Clean columns cost one type check per chunk; keyed
        values were classified once per distinct value (``_learn``)."""
        normal = self.normal
        types = set(map(type, cells))
        if types <= KEYED_TYPES:
            if not normal:
                return
            kinds = list(map(normal.get, cells))
        else:
            kind = self.kind
            kinds = [normal.get(v) if type(v) in KEYED_TYPES
                     else None if type(r) is Blank or type(r) is Failed else normalisation(v, kind, r)
                     for v, r in zip(cells, results)]
        counts = Counter(kinds)
        counts.pop(None, None)
        if not counts:
            return
        found = column.normalised
        for k, n in counts.items():
            found[k] = [n, []]
        wanted = set(counts)
        for at, k in enumerate(kinds):
            if k is None or k not in wanted:
                continue
            first = found[k][1]
            first.append(at if indices is None else indices[at])
            if len(first) == KEPT:
                wanted.discard(k)
                if not wanted:
                    break

    def _lookup(self, cells) -> list:
        """Each cell's outcome; keyed types are converted once per distinct value."""
        types = set(map(type, cells))
        if types <= KEYED_TYPES:
            results = list(map(self.known.get, cells, itertools.repeat(UNKNOWN, len(cells))))
            if UNKNOWN not in results:  # every value was met in an earlier chunk
                return results
            self._learn(cells)
            return list(map(self.known.__getitem__, cells))
        self._learn([v for v in cells if type(v) in KEYED_TYPES])
        known, kind = self.known, self.kind
        return [known[v] if type(v) in KEYED_TYPES else outcome(v, kind) for v in cells]

    def _learn(self, cells) -> None:
        known, kind = self.known, self.kind
        for value in dict.fromkeys(cells).keys() - known.keys():
            result = outcome(value, kind)
            if type(result) is not Blank and type(result) is not Failed:
                normalised = normalisation(value, kind, result)
                if normalised is not None:
                    self.normal[value] = normalised
            # text already clean is kept as the cell's own string, not an equal copy
            known[value] = value if type(result) is str and result == value else result

    def _settle(self, column: ConvertedColumn, indices, results: list, clear: bool) -> None:
        """Note blank and refused cells among ``results`` (outcomes of ``indices``); with ``clear``
        they are replaced by None in ``column.values``."""
        types = set(map(type, results))
        if Blank not in types and Failed not in types:
            return
        blank_at = []
        for i, r in zip(indices, results):
            if type(r) is Blank:
                blank_at.append(i)
            elif type(r) is Failed:
                column.failed[i] = r.message
            else:
                continue
            if clear:
                column.values[i] = None
        if blank_at:
            n = len(column.values)
            if column.blank is None:
                column.blank = np.zeros(n, dtype=bool)
            column.blank[blank_at] = True

    def _convert_numbers(self, cells) -> ConvertedColumn:
        n = len(cells)
        types = set(map(type, cells))
        if types == {float}:
            numbers = np.array(cells, dtype=np.float64)
            is_float = None
        else:
            is_float = np.fromiter((type(v) is float for v in cells), dtype=bool, count=n)
            numbers = np.fromiter((v if type(v) is float else 0.0 for v in cells), dtype=np.float64, count=n)
        if self.kind in SCALED:
            values, exact = exact_scaled(numbers, self.kind)
        else:
            values, exact = exact_whole(numbers, self.kind)
        if is_float is not None:
            exact &= is_float
        column = ConvertedColumn(values=values, missing=~exact, blank=None)
        rest = np.flatnonzero(~exact)
        if len(rest):
            rest_cells = [cells[i] for i in rest]
            results = self._lookup(rest_cells)
            self._normalised(column, rest.tolist(), rest_cells, results)
            for i, r in zip(rest.tolist(), results):
                if type(r) is not Blank and type(r) is not Failed:
                    values[i] = r
                    column.missing[i] = False
            self._settle(column, rest.tolist(), results, clear=False)
        return column


def blank_cells(cells: tuple | list) -> np.ndarray | None:
    """Which cells of a column no parser reads are blank; None when none is."""
    types = set(map(type, cells))
    if types == {float}:
        blank = np.isnan(np.array(cells, dtype=np.float64))
        return blank if blank.any() else None
    blanks = {v for v in dict.fromkeys(cells) if is_blank(v)}
    if not blanks:
        return None
    return np.fromiter((v in blanks for v in cells), dtype=bool, count=len(cells))
