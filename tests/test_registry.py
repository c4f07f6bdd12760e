"""The section registry: one list drives the notebooks, metrics.json and the index; tables are attributes."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import PROJECT_ROOT

from jixiao.contract.sheets import SHEETS
from jixiao.core.period import Period
from jixiao.sections import SECTIONS, compute_period, get_section
from jixiao.contract.tables import Tables


def test_a_misspelt_table_is_an_error_not_no_data():
    tables = Tables()
    assert tables.spending is None and tables.get("spending") is None
    with pytest.raises(KeyError, match="没有名为 'spendng' 的表"):
        tables.get("spendng")
    with pytest.raises(AttributeError):
        tables.spendng  # noqa: B018
    with pytest.raises(KeyError, match="没有名为 spendng 的表"):
        Tables.from_mapping({"spendng": None})


def test_the_tables_are_the_contract_sheets():
    assert Tables.names() == tuple(s.key for s in SHEETS)


def test_every_section_reads_known_tables_and_has_a_notebook_calling_each_block_in_order():
    for section in SECTIONS:
        assert set(section.reads) <= set(Tables.names()), section.key
        nb = nbformat.read(PROJECT_ROOT / "notebooks" / section.notebook, as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
        assert any(f'open_section("{section.key}"' in c for c in code), section.key
        # a cell shows a block's parts: jx.show(expenditure.bands(r))
        shown = [c.split("  #")[0] for c in code]
        calls = [c[len("jx.show("):-1] if c.startswith("jx.show(") else c for c in shown]
        calls = [c for c in calls if c.startswith(f"{section.key}.")]
        assert calls == [f"{section.key}.{b.show.__name__}(r)" for b in section.blocks], section.key
        headings = [line[3:] for m in markdown for line in m.splitlines() if line.startswith("## ")]
        # a block shown only where it applies prints its own heading
        assert headings == [b.heading for b in section.blocks if b.shows is None], section.key
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert "results_dir: str = " in params.source


def test_an_unknown_section_is_named_in_the_error():
    with pytest.raises(KeyError, match="no section 'expenditur'"):
        get_section("expenditur")


def test_metrics_keep_the_contract_order_and_frames_say_their_money_unit(dongguan):
    span = Period(2019, 2021)
    results = compute_period(dongguan.tables, span, span, "东莞", dongguan.published)
    assert list(results.metrics) == ["project", "period", "span", "period_end", "declared", "expenditure", "milestones",
                                     "survey", "public_reviews", "scoring", "published_disagreements", "trends", "notes"]
    json.dumps(results.metrics, allow_nan=False)
    money_like = ("budget", "spent", "approved", "amount")
    for section, frames in results.frames.items():
        for name, frame in frames.items():
            for column in frame.columns:
                if any(word in column for word in money_like) and column != "adjustment_rate":
                    assert column.endswith("_wan"), f"{section}.{name}.{column} does not say its unit"
    by_year = results.frames["expenditure"]["by_year"]
    assert by_year["adjusted_budget_wan"].sum() == pytest.approx(results.metrics["expenditure"]["budget"])
