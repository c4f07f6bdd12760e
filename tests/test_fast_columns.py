"""The column-at-a-time loader gives exactly what the cell-by-cell loop gives.

Money stays exact: the numpy path is checked against cells.py's Decimal arithmetic on many
seeded random floats, awkward ones included, and must take the floats Excel usually holds.
Whole sheets mixing every kind of cell load to the same frame and the same problems, in the
same order, whichever path reads them and wherever the chunks of rows are cut.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import struct
import zlib

import numpy as np
import pandas as pd
import pytest
from conftest import write_workbook
from openpyxl import Workbook

from jixiao.intake import columns as columns_module
from jixiao.intake import normalised as normalised_module
from jixiao.intake import workbook as workbook_module
from jixiao.intake.normalised import Normalised, normalisation
from jixiao.intake.cells import PARSERS
from jixiao.intake.columns import (
    BLANK_CELL,
    SCALED,
    WHOLE,
    ColumnConverter,
    Failed,
    exact_limit,
    exact_scaled,
    exact_whole,
    outcome,
)
from jixiao.contract.sheets import (
    BUDGET,
    MILESTONES,
    PUBLIC_REVIEWS,
    SCORING,
    SPENDING,
    SUBPROJECTS,
    SURVEY_ANSWERS,
    SURVEY_OPTIONS,
)
from jixiao.intake.workbook import open_workbook, read_sheet, sheet_rows


def awkward_floats(rng: random.Random, n: int) -> list[float]:
    """Floats of every sort a sheet may hold: cents, fen, sums that miss (0.1 + 0.2), 1e-7 steps,
    half-fen ties, huge, tiny, negative, random bit patterns, the limits of the fast path."""
    out = [0.0, -0.0, 0.1, 0.2, 0.1 + 0.2, 0.7 + 0.1, 1.1 * 3, 1e-6, 5e-7, 1.5e-6, 2.5e-6, 1e-7, 123.4567895,
           2.0 ** 31, 2.0 ** 31 - 2.0 ** -22, 2.0 ** 31 + 2.0 ** -21, 1e12, 1e12 - 0.01, 1e16, 1e6, 1e6 - 1e-4,
           2.0 ** 38, 2.0 ** 44, 9007199254740993.0, 5e-324, 1e308, -1.0, -1e-9, math.inf, -math.inf, math.nan]
    for _ in range(n):
        pick = rng.randrange(9)
        if pick == 0:
            out.append(rng.randint(0, 10**9) / 100)
        elif pick == 1:
            out.append(rng.randint(0, 10**12) / 10**6)
        elif pick == 2:
            out.append(rng.randint(0, 10**9) / 100 + rng.randint(0, 10**9) / 100)  # a sum Excel computed
        elif pick == 3:
            out.append(rng.randint(0, 10**6) * 1e-7)
        elif pick == 4:
            out.append((rng.randint(0, 10**9) * 2 + 1) / 2_000_000)  # exactly half a fen in 万元, if representable
        elif pick == 5:
            out.append(rng.uniform(0, 2.0 ** rng.randint(-30, 60)))
        elif pick == 6:
            out.append(-rng.randint(1, 10**9) / 100)
        elif pick == 7:
            out.append(struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0])
        else:
            out.append(rng.randint(0, 3000) + rng.choice([0.0, 0.5, 0.25, 1e-9]))
    return out


@pytest.mark.parametrize("kind", sorted(SCALED))
def test_floats_become_exactly_the_units_cells_py_gives(kind):
    numbers = awkward_floats(random.Random(7), 60_000)
    values, exact = exact_scaled(np.array(numbers), kind)
    checked = 0
    for x, v, ok in zip(numbers, values.tolist(), exact.tolist()):
        if ok:
            assert v == PARSERS[kind](x), (kind, repr(x))
            checked += 1
    assert checked > 3_000  # the numpy path takes many of them, not only the easy ones below

    scale, too_large = SCALED[kind]
    cents = [k / 100 for k in random.Random(8).sample(range(min(10**9, too_large * 100)), 20_000)]
    values, exact = exact_scaled(np.array(cents), kind)
    assert exact.all()  # amounts typed with two decimals never fall back to the per-cell parser
    assert values.tolist() == [PARSERS[kind](x) for x in cents]

    # steps of 1 fen (万元, 元) or 0.0001 point, up to 1,000,000 万元 or points
    smallest = [k / scale for k in random.Random(9).sample(range(min(10**12, too_large * scale)), 20_000)]
    values, exact = exact_scaled(np.array(smallest), kind)
    assert exact.all()
    assert values.tolist() == [PARSERS[kind](x) for x in smallest]


def test_one_tenth_of_a_wan_is_exactly_100000_fen_and_sums_that_miss_are_rounded_by_decimal():
    values, exact = exact_scaled(np.array([0.1, 0.1 + 0.2, 1234.56, 0.0000005]), "money")
    assert values[0] == 100_000 and exact[0]
    assert not exact[1] and PARSERS["money"](0.1 + 0.2) == 300_000  # 0.30000000000000004: left to Decimal
    assert values[2] == 1_234_560_000
    assert not exact[3]  # half a fen: banker's rounding is cells.py's to do


def test_the_limit_keeps_one_ulp_below_a_quarter_unit():
    for scale, _ in SCALED.values():
        limit = exact_limit(scale)
        ulp_below_limit = np.spacing(np.nextafter(limit, 0))
        assert ulp_below_limit * scale <= 0.25
        assert np.spacing(limit) * scale > 0.25  # and it is the largest such power of two


@pytest.mark.parametrize("kind", sorted(WHOLE))
def test_whole_numbers_are_those_cells_py_gives(kind):
    rng = random.Random(9)
    numbers = awkward_floats(rng, 20_000) + [float(rng.randint(-5, 2300)) for _ in range(20_000)] + [0.0, 1.0, 2.0]
    values, exact = exact_whole(np.array(numbers), kind)
    for x, v, ok in zip(numbers, values.tolist(), exact.tolist()):
        if ok:
            assert v == PARSERS[kind](x), (kind, repr(x))
    low, high = WHOLE[kind]
    typical = [float(rng.randint(-10**6 if low is None else low, 10**6 if high is None else high)) for _ in range(5000)]
    values, exact = exact_whole(np.array(typical), kind)
    assert exact.all()  # whole numbers in range never fall back to the per-cell parser
    assert values.tolist() == [PARSERS[kind](x) for x in typical]


MIXED = [
    None, "", "  ", "\u3000", 0.0, -0.0, 1.0, 2.0, 0.5, 0.1 + 0.2, 1e-7, 1234.56, 2021.0, 1e13, -3.0, True, False,
    "1,234.56", " 12 ", "１２", "5%", "abc", "是", "否", "0", "1", "2021", "-1", "1e3", "NaN", "inf",
    dt.datetime(2021, 6, 30), dt.datetime(2021, 6, 30, 13, 45), dt.date(2020, 2, 29), dt.time(8, 30),
    "2021-06-30", "2021/6/3", "2021.06.30", "2021年6月30日", "2021-06-30 00:00:00", "2021-06-30T00:00",
    "2021-02-30", "2021-06", "2021年6月", "2021-13", "XM-001", " XM-002\t", "A\u3000B  C", "x" * 2001, "y" * 2000,
]


def test_a_column_of_any_cells_converts_as_cell_by_cell():
    rng = random.Random(10)
    for kind in PARSERS:
        converter = ColumnConverter(kind)
        for _ in range(3):  # chunks after the first reuse what the converter learnt
            cells = tuple(rng.choice(MIXED) for _ in range(400)) + tuple(awkward_floats(rng, 200))
            column = converter.convert(cells)
            kinds = {}  # the cells read otherwise than typed, as the cell-by-cell loop classifies them
            for i, raw in enumerate(cells):
                want = outcome(raw, kind)
                if want is not BLANK_CELL and type(want) is not Failed and normalisation(raw, kind, want):
                    kinds.setdefault(normalisation(raw, kind, want), []).append(i)
            assert column.normalised == {k: [len(at), at[:normalised_module.KEPT]] for k, at in kinds.items()}, kind
            for i, raw in enumerate(cells):
                want = outcome(raw, kind)
                blank = column.blank is not None and column.blank[i]
                assert blank == (want is BLANK_CELL), (kind, raw)
                assert column.failed.get(i) == (want.message if type(want) is Failed else None), (kind, raw)
                if isinstance(column.values, np.ndarray):
                    got = None if column.missing[i] else column.values[i]
                else:
                    got = column.values[i]
                assert got == (None if want is BLANK_CELL or type(want) is Failed else want), (kind, raw)
                assert type(got) is type(None if want is BLANK_CELL or type(want) is Failed else want) or (
                    isinstance(got, np.integer) and type(want) is int), (kind, raw)


def mixed_rows(header: list[str], rng: random.Random, n: int) -> list[list]:
    """Rows of cells from MIXED (no NaN or infinity: openpyxl cannot write them), with wholly blank
    rows and rows of only blank-looking cells scattered through, and some valid-looking rows."""
    pool = [v for v in MIXED if not (isinstance(v, float) and not math.isfinite(v))]
    rows = []
    for i in range(n):
        pick = rng.randrange(10)
        if pick == 0:
            rows.append([None] * len(header))
        elif pick == 1:
            rows.append([rng.choice([None, "", " "]) for _ in header])
        else:
            rows.append([rng.choice(pool) for _ in header])
    return rows


def load_both(path, spec, monkeypatch, chunk_rows, kept=None):
    """Both paths' (frame, problems); their records of the cells read otherwise than typed must be the same
    (``kept``: cells kept per kind, to cut the record short across chunks)."""
    monkeypatch.setattr(workbook_module, "CHUNK_ROWS", chunk_rows)
    if kept is not None:
        monkeypatch.setattr(normalised_module, "KEPT", kept)
        monkeypatch.setattr(columns_module, "KEPT", kept)
    results, records = [], []
    for by_column in (False, True):
        wb = open_workbook(path)
        record = Normalised()
        try:
            results.append(read_sheet(wb, spec, by_column=by_column, normalised=record))
        finally:
            wb.close()
        records.append(record)
    assert records[1] == records[0]
    LAST_RECORDS[:] = records
    return results


LAST_RECORDS: list = []  # the records of the last load_both, for a test to look at


def assert_same(reference, column_path):
    (ref_frame, ref_problems), (frame, problems) = reference, column_path
    assert problems == ref_problems
    assert [str(p) for p in problems] == [str(p) for p in ref_problems]
    if ref_frame is None:
        assert frame is None
        return
    pd.testing.assert_frame_equal(frame, ref_frame, check_exact=True)
    assert frame.attrs == ref_frame.attrs
    for name in frame.columns:  # the same Python types inside object columns (a date is not a datetime)
        if frame[name].dtype == object:
            assert [type(v) for v in frame[name]] == [type(v) for v in ref_frame[name]], name


SPECS = [SPENDING, SUBPROJECTS, BUDGET, MILESTONES, SURVEY_ANSWERS, SURVEY_OPTIONS, PUBLIC_REVIEWS, SCORING]


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
@pytest.mark.parametrize("chunk_rows", [7, 20_000])
def test_a_mixed_sheet_loads_alike_by_column_and_by_cell(tmp_path, monkeypatch, spec, chunk_rows):
    rng = random.Random(zlib.crc32(spec.key.encode()))
    header = [c.header for c in spec.columns if not c.may_be_absent or rng.random() < 0.7]
    if spec.extra_columns:
        header += ["问题一", "问题二"]
    path = write_workbook(tmp_path / spec.file, {spec.sheet: [header, *mixed_rows(header, rng, 300)]})
    # the record is cut short (3 cells a kind) where the chunks are small, so the cut falls across chunks
    reference, column_path = load_both(path, spec, monkeypatch, chunk_rows, kept=3 if chunk_rows == 7 else None)
    assert LAST_RECORDS[0].total > 0  # the mixed cells hold normalised ones too
    assert len(reference[1]) > 20  # the sheet really is full of faults
    assert_same(reference, column_path)


def test_a_clean_sheet_in_yuan_with_text_amounts_blank_rows_and_a_title_loads_alike(tmp_path, monkeypatch):
    rng = random.Random(12)
    rows = [["2021 年支付明细"], [], ["子项目编号", "支付日期", "支付金额(元)", "摘要", "备注"]]
    for i in range(500):
        if i % 97 == 3:
            rows.append([])
            continue
        amount = rng.choice([rng.randint(1, 10**9) / 100, f"{rng.randint(1, 10**7):,}.{rng.randint(0, 99):02d}",
                             rng.randint(1, 10**6) * 1.0])
        date = rng.choice([dt.datetime(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 700)), "2021-06-30",
                           "2021年6月30日", "2021/6/30"])
        rows.append([f"XM-{rng.randint(1, 20):03d}", date, amount, rng.choice(["进度款", None, " 尾款 "]), "x"])
    path = write_workbook(tmp_path / "spending.xlsx", {"支出": rows})
    reference, column_path = load_both(path, SPENDING, monkeypatch, 13)
    assert reference[1] == [] and len(reference[0]) == 500 - 6
    assert reference[0]["amount"].notna().all()
    assert_same(reference, column_path)


def test_formulas_without_values_and_hidden_rows_load_alike(tmp_path, monkeypatch):
    path = tmp_path / "spending.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "支出"
    ws.append(["子项目编号", "支付日期", "支付金额(万元)", "摘要"])
    for i in range(40):
        ws.append([f"XM-{i:03d}", "2021-06-30", f"=B{i + 1}" if i % 9 == 4 else 1.5, "=A1" if i % 11 == 2 else "款"])
    ws.row_dimensions[7].hidden = True
    wb.save(path)
    opened = open_workbook(path)
    assert not opened.plain_parts  # the scan saw the formulas, so xml_facts reads the sheet
    opened.close()
    reference, column_path = load_both(path, SPENDING, monkeypatch, 5)
    assert any("公式" in p.message for p in reference[1]) and any("隐藏" in p.message for p in reference[1])
    assert_same(reference, column_path)


def test_a_sheet_without_formulas_or_hidden_rows_is_not_read_twice(tmp_path):
    path = write_workbook(tmp_path / "spending.xlsx", {"支出": [["子项目编号", "支付日期", "支付金额(万元)"],
                                                                ["XM-001", "2021-06-30", 1.5]]})
    wb = open_workbook(path)
    try:
        assert wb.plain_parts == {wb.sheet_parts["支出"]}
    finally:
        wb.close()


@pytest.mark.parametrize("corner", ["A1", "C3", "B1", "A5"])
def test_rows_stream_as_calamine_gives_them_from_a1(tmp_path, corner):
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws[corner] = "h"
    ws["D7"] = 1.5
    ws["C9"] = "x"
    path = tmp_path / "s.xlsx"
    wb.save(path)
    opened = open_workbook(path)
    try:
        sheet = opened.book.get_sheet_by_name("S")
        assert list(sheet_rows(sheet)) == sheet.to_python(skip_empty_area=False)
    finally:
        opened.close()


def test_a_cell_calamine_cannot_hand_over_far_below_the_header_is_reported_as_by_the_loop(tmp_path, monkeypatch):
    wb = Workbook()
    ws = wb.active
    ws.title = "支出"
    ws.append(["子项目编号", "支付日期", "支付金额(万元)", "摘要"])
    for i in range(60):
        ws.append([f"XM-{i:03d}", "2021-06-30", "x" if i == 3 else 1.5, "款"])
    ws.cell(50, 2).value = 1e12  # a duration of 24 trillion hours: Python's timedelta overflows
    ws.cell(50, 2).number_format = "[h]:mm"
    path = tmp_path / "spending.xlsx"
    wb.save(path)
    reference, column_path = load_both(path, SPENDING, monkeypatch, 7)
    assert reference[0] is None and len(reference[1]) == 1
    assert str(reference[1][0]).startswith("错误:spending.xlsx,工作表 支出:无法读取该工作表(OverflowError")
    assert_same(reference, column_path)


def test_the_scan_for_formula_tags_finds_each_spelling_in_text_full_of_fs():
    from jixiao.intake.workbook import names_an_f

    plain = b'<c r="A1" t="inlineStr"><is><t>of fine fluff</t></is></c>' * 100
    assert not names_an_f(plain) and not names_an_f(plain * 200)  # few f's, then many
    for tag in (b"<f>A1</f>", b'<x:f t="shared" si="0"/>', b"<f/>"):
        for body in (plain, plain * 200):
            assert names_an_f(body[:1000] + tag + body[1000:])
