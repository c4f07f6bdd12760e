"""The Python API (``jx.open``): tables, Chinese sheets, problems, period results, and the README's commands."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest
import yaml
from conftest import DONGGUAN_RAW, PROJECT_ROOT, write_workbook
from minimal import build, rows

import jixiao as jx
from jixiao.contract.sheets import FEN_PER_WAN, STAGES
from jixiao.core.period import Period
from jixiao.core.problems import InputError, ParameterError
from jixiao.contract.results import metrics_json
from jixiao.sections import SECTIONS, SectionView, compute_period
from jixiao.api import as_datetimes
from jixiao.contract.tables import Tables

SPAN = Period(2019, 2021)
PARAMS = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))


def readme_api_section() -> str:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^### The Python API\n(.*?)^### ", text, flags=re.S | re.M)
    assert section, "README.md has no 'The Python API' section"
    return section[1]


def readme_block(language: str) -> str:
    (block,) = re.findall(rf"^```{language}\n(.*?)^```", readme_api_section(), flags=re.S | re.M)
    return block


@pytest.fixture(scope="module")
def ev():
    return jx.open("dongguan-2019-2021")


def test_open_by_name_takes_params_yaml_and_gives_the_validated_tables(ev, dongguan):
    assert ev.raw_dir == DONGGUAN_RAW and ev.params_file == PROJECT_ROOT / "params.yaml"
    assert (ev.name, ev.project, ev.span) == (PARAMS["evaluation"], PARAMS["project"], SPAN)
    assert [p.label for p in ev.periods] == [str(p) for p in PARAMS["periods"]]
    assert ev.ok and list(ev.problems) == dongguan.problems == []
    for name in Tables.names():
        frame = dongguan.tables.get(name)
        # the same rows, with dates as datetime64 (pandas-native: .dt works)
        if frame is None:  # a workbook Dongguan does not have (the optional 年度指标)
            assert ev.tables.get(name) is None, name
            continue
        pd.testing.assert_frame_equal(ev.tables.get(name), as_datetimes(frame, name))
    assert ev.tables.spending["amount"].sum() == dongguan.tables.spending["amount"].sum()
    assert repr(ev) == f"<评价 dongguan-2019-2021: {PARAMS['project']}, 评价期 2019-2021, 0 个错误,0 个警告>"


def test_open_by_path_relative_or_absolute_and_with_no_name_is_the_same_evaluation(ev, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    for other in (jx.open(DONGGUAN_RAW), jx.open("data/raw/dongguan-2019-2021"), jx.open(),
                  jx.open(params=PROJECT_ROOT / "params.yaml")):
        assert (other.raw_dir, other.span, other.project, other.params_file) == (
            ev.raw_dir, ev.span, ev.project, ev.params_file)
        pd.testing.assert_frame_equal(other.tables.milestones, ev.tables.milestones)


def test_an_unknown_name_names_the_evaluations_there_are():
    with pytest.raises(ParameterError, match=r"找不到评价 'no-such-evaluation':.*下有:.*dongguan-2019-2021"):
        jx.open("no-such-evaluation")


def test_a_folder_without_params_takes_the_budget_years_as_its_span(tmp_path):
    folder = build(tmp_path / "县甲")
    ev = jx.open(folder)
    assert (ev.name, ev.project, ev.span, ev.params_file) == ("县甲", "县甲", Period(2020, 2021), None)
    assert [p.label for p in ev.periods] == ["2020", "2021", "2020-2021"]
    assert list(ev.problems) == [] and str(ev.problems) == "没有问题"
    assert ev.tables.spending["amount"].tolist() == [30_000_000, 30_000_000, 10_250_000]
    assert jx.open(folder, span="2019-2021").span == SPAN


def test_a_params_file_naming_the_folder_gives_its_span_title_and_layout(tmp_path):
    raw = tmp_path / "data" / "raw" / "县乙"
    build(raw, drop=("spending.xlsx",))
    write_workbook(raw / "支付明细.xlsx", {"支出": [["子项目编号", "支付日期", "付款金额(元)", "摘要"],
                                                 ["A-1", "2020-05-01", 300000, "首付款"],
                                                 ["A-1", "2021-03-01", 300000, "进度款"],
                                                 ["A-2", "2021-06-30", 102500, "首付款"]]})
    params = tmp_path / "params.县乙.yaml"
    params.write_text("evaluation: 县乙\nproject: 某县数字政府项目\nraw_dir: data/raw/县乙\nspan: 2020-2021\n"
                      "files: {spending.xlsx: 支付明细.xlsx}\n"
                      "columns: {spending.xlsx: {付款金额(元): 支付金额(元)}}\n", encoding="utf-8")
    ev = jx.open(raw)
    assert (ev.name, ev.project, ev.span, ev.params_file) == ("县乙", "某县数字政府项目", Period(2020, 2021), params)
    assert ev.tables.spending["amount"].tolist() == [30_000_000, 30_000_000, 10_250_000]
    assert ev.sheet("支出")["支付金额(万元)"].tolist() == [Decimal("30"), Decimal("30"), Decimal("10.25")]
    assert jx.open(params=params).params_file == params
    # span= overrides the params file's, and the inputs are checked against it
    one_year = jx.open(raw, span="2021")
    assert one_year.span == Period(2021, 2021) and [p.label for p in one_year.periods] == ["2021"]
    assert [str(p) for p in one_year.problems.warnings if p.sheet == "支出"] == [
        "警告:支付明细.xlsx,工作表 支出,第 2 行,列 支付日期:发现 2020-05-01;支付日期在评价期 2021-2021 之外;"
        "应在 2021-01-01 至 2021-12-31 之间(录入错误,或是别的评价的数据?)"]
    with pytest.raises(ParameterError, match="不是 .* 的 raw_dir"):
        jx.open(DONGGUAN_RAW, params=params)


def test_sheets_carry_the_contract_headers_with_money_in_wan_and_scores_in_points(ev, dongguan):
    spending = ev.sheet("支出")
    assert list(spending.columns) == ["Excel 行号", "子项目编号", "支付日期", "支付金额(万元)", "摘要"]
    assert spending["支付金额(万元)"].tolist() == [Decimal(int(a)) / FEN_PER_WAN for a in dongguan.tables.spending["amount"]]
    assert spending["Excel 行号"].tolist() == dongguan.tables.spending["excel_row"].tolist()
    pd.testing.assert_frame_equal(ev.sheet("spending"), spending)
    total_fen = int(dongguan.tables.spending["amount"].sum())
    assert spending["支付金额(万元)"].sum() == Decimal(total_fen) / FEN_PER_WAN  # exact: decimals, not floats
    scoring = ev.sheet("指标")
    assert scoring["分值"].sum() == 100
    assert scoring["得分"].tolist() == [Decimal(int(s)) / 10_000 for s in dongguan.tables.scoring["score"]]
    budget = ev.sheet("预算")
    assert list(budget.columns) == ["Excel 行号", "子项目编号", "年度", "年初预算(万元)", "调整后预算(万元)"]
    assert ev.sheet("问卷").columns[1] == "单位名称"  # the survey's questions keep their own text
    assert list(ev.sheet("问卷").columns[2:]) == list(dongguan.tables.survey_answers.columns[2:])
    with pytest.raises(KeyError, match="没有名为 '支付' 的表"):
        ev.sheet("支付")


def test_an_absent_workbook_is_none(tmp_path):
    ev = jx.open(build(tmp_path / "no-survey", drop=("survey.xlsx",)))
    assert ev.tables.survey_answers is None and ev.sheet("问卷") is None
    assert [str(p) for p in ev.problems] == ["提示:survey.xlsx:不存在:满意度部分没有数据"]


def test_changing_the_tables_handed_out_never_changes_the_figures(tmp_path):
    ev = jx.open(build(tmp_path / "县丙"))
    ev.tables.spending["amount"] = 0
    assert ev.tables.spending["amount"].sum() == 0  # the same copy on every access
    assert ev.period("2020").metrics["expenditure"]["spent"] == 30.0


def test_problems_of_a_broken_copy_are_listed_and_the_tables_refused(tmp_path):
    spending = rows("spending.xlsx", "支出")
    spending[2][2] = -5
    scoring = rows("scoring.xlsx", "指标")
    scoring[2][3] = 50
    ev = jx.open(build(tmp_path / "broken", {("spending.xlsx", "支出"): spending, ("scoring.xlsx", "指标"): scoring}))
    error = "错误:spending.xlsx,工作表 支出,第 3 行,列 支付金额(万元):发现 -5;应为不小于 0 的金额"
    warning = "警告:scoring.xlsx,工作表 指标,列 分值:分值合计为 90,不是 100"
    assert not ev.ok
    assert [str(p) for p in ev.problems.errors] == [error] and [str(p) for p in ev.problems.warnings] == [warning]
    assert str(ev.problems) == f"{error}\n{warning}"
    assert ev.problems.frame().values.tolist() == [
        ["error", "spending.xlsx", "支出", 3, "支付金额(万元)", -5, "应为不小于 0 的金额"],
        ["warning", "scoring.xlsx", "指标", None, "分值", None, "分值合计为 90,不是 100"]]
    assert repr(ev) == "<评价 broken: broken, 评价期 未知, 1 个错误,1 个警告>"  # no span: the budget was not read
    for refused in (lambda: ev.tables, lambda: ev.sheet("支出"), lambda: ev.period("2020")):
        with pytest.raises(InputError) as raised:
            refused()
        assert str(raised.value) == error and raised.value.problems == list(ev.problems)


def test_a_warning_alone_leaves_the_tables_open(tmp_path):
    scoring = rows("scoring.xlsx", "指标")
    scoring[2][3] = 50
    ev = jx.open(build(tmp_path / "warned", {("scoring.xlsx", "指标"): scoring}))
    assert ev.ok and len(ev.problems.warnings) == 1 and ev.tables.scoring["weight"].sum() == 900_000


@pytest.mark.parametrize("label", ["2020", "2019-2021"])
def test_period_results_are_compute_periods_and_what_the_section_views_show(ev, dongguan, label):
    expected = compute_period(dongguan.tables, Period.parse(label), SPAN, PARAMS["project"], dongguan.published)
    got = ev.period(label)
    assert metrics_json(got.metrics) == metrics_json(expected.metrics)
    year = Period.parse(label).first == Period.parse(label).last  # a single year also keeps its 自评表
    assert got.frames.keys() == expected.frames.keys() == {s.key for s in SECTIONS} | ({"selfeval"} if year else set())
    for section in SECTIONS:
        view = getattr(got, section.key)
        assert isinstance(view, SectionView) and view.section is section
        assert view.metrics is got.metrics and view.period == Period.parse(label) and view.span == SPAN
        assert view.frames.keys() == expected.frames[section.key].keys()
        for name, frame in expected.frames[section.key].items():
            pd.testing.assert_frame_equal(view.frame(name), frame)
    e = expected.metrics["expenditure"]
    assert got.expenditure.metrics["expenditure"]["rate"] == e["rate"]
    assert got.expenditure.frame("by_year")["spent_wan"].sum() == pytest.approx(e["spent"], abs=1e-9)
    assert ev.period(label) is got  # computed once


def test_periods_are_parsed_checked_and_the_blank_one_is_the_span(ev):
    assert ev.period(2020) is ev.period("2020") is ev.period(Period(2020, 2020))
    assert ev.period() is ev.period("2019-2021")
    with pytest.raises(ParameterError, match="期间 2018 在评价期 2019-2021 之外"):
        ev.period("2018")
    with pytest.raises(AttributeError, match="章节有:overview、expenditure"):
        ev.period("2020").expenditur  # noqa: B018


def test_a_misspelt_section_or_table_is_named_in_english_on_request(ev, monkeypatch):
    monkeypatch.setenv("JIXIAO_LANG", "en")
    with pytest.raises(AttributeError, match="the sections are overview, expenditure"):
        ev.period("2020").expenditur  # noqa: B018
    with pytest.raises(KeyError, match="no table named 'spendng'; the tables are subprojects, budget"):
        ev.tables.get("spendng")


def test_open_section_computes_through_the_api(ev):
    from jixiao.notebook import open_section

    view = open_section("milestones", period="2020")
    assert view.source == f"computed from {DONGGUAN_RAW}"
    assert metrics_json(view.metrics) == metrics_json(ev.period("2020").metrics)
    pd.testing.assert_frame_equal(view.frame("completion"), ev.period("2020").milestones.frame("completion"))


def run_python(code: str, cwd, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_import_jixiao_stays_free_of_pandas(tmp_path):
    done = run_python("import sys, jixiao; assert callable(jixiao.open); "
                      "print(sorted(m for m in ('pandas', 'matplotlib', 'jixiao.api') if m in sys.modules))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_the_readmes_python_block_runs_in_a_plain_python(tmp_path, dongguan):
    code = readme_block("python")
    assert 'jx.open("dongguan-2019-2021")' in code
    done = run_python(code, tmp_path, {"JIXIAO_PROCESSED_DIR": str(tmp_path / "processed")})
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == f"<评价 dongguan-2019-2021: {PARAMS['project']}, 评价期 2019-2021, 0 个错误,0 个警告>"
    assert lines[1] == "没有问题"
    assert lines[2].split() == ["Excel", "行号", "子项目编号", "支付日期", "支付金额(万元)", "摘要"]
    first = dongguan.tables.spending.iloc[0]
    assert lines[3].split()[:4] == ["0", str(first["excel_row"]), first["subproject_id"], first["date"].isoformat()]
    expected = compute_period(dongguan.tables, Period(2020, 2020), SPAN, PARAMS["project"], dongguan.published)
    assert lines[6] == repr(expected.metrics["expenditure"]["rate"])
    assert lines[7].split()[0] == "year" and lines[8].split()[:2] == ["0", "2020"]
    assert [p.parent.name.rsplit("-", 1)[0] for p in (tmp_path / "processed").glob("*/manifest.json")] == [
        "dongguan-2019-2021"]  # the folder's own cache, named after it


def test_the_readmes_explore_command_runs_the_walkthrough(tmp_path, dongguan):
    (line,) = [c for c in readme_block("sh").splitlines() if c.strip()]
    words = [str(PROJECT_ROOT / w) if w.startswith(".venv/") else w
             for w in shlex.split(line.replace("/tmp/", f"{tmp_path}/"))]
    assert words[1:3] == ["notebooks/explore.ipynb", f"{tmp_path}/explore-2020.ipynb"]
    assert words[-2:] == ["period", "2020"]
    done = subprocess.run(words, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "JIXIAO_PROCESSED_DIR": str(tmp_path / "processed")})
    assert done.returncode == 0, done.stderr[-3000:]
    nb = json.loads((tmp_path / "explore-2020.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "jixiao"
    assert nb["metadata"]["papermill"]["parameters"] == {"period": 2020}
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    printed = "".join("".join(o["text"]) for o in outputs if o.get("name") == "stdout")
    plain = ["".join(o["data"]["text/plain"]) for o in outputs if "text/plain" in o.get("data", {})]

    # the domain that spent most in 2020, from the tables in exact fen
    year = Period(2020, 2020)
    spending, subprojects = dongguan.tables.spending, dongguan.tables.subprojects
    paid = spending[spending["date"].map(year.contains)].merge(subprojects[["subproject_id", "domain"]],
                                                                on="subproject_id")
    totals = paid.groupby("domain")["amount"].sum().sort_values(ascending=False)
    domain, fen = totals.index[0], int(totals.iloc[0])
    assert totals.iloc[1] < fen  # a clear winner: the notebook's choice is not a tie-break
    wan = Decimal(fen) / FEN_PER_WAN
    count = int((paid["domain"] == domain).sum())
    assert f"2020 期间支付合计最大的领域:{domain}({wan:,.2f} 万元,{count} 笔)" in printed

    (pivot,) = [p for p in plain if p.startswith("年度")]
    last = pivot.splitlines()[-1].split()
    assert last[0] == "合计" and [Decimal(v) for v in last[1:]] == [wan, wan]  # exact decimals, to the fen
    by_month = paid[paid["domain"] == domain].groupby(paid["date"].map(lambda d: d.month))["amount"].sum()
    for month, amount in by_month.items():
        (row,) = [r for r in pivot.splitlines() if r.split()[0] == str(month)]
        assert Decimal(row.split()[1]) == Decimal(int(amount)) / FEN_PER_WAN

    # the subproject of that domain with the most milestones (the smallest id among ties), stage by stage
    milestones = dongguan.tables.milestones
    ids = set(subprojects.loc[subprojects["domain"] == domain, "subproject_id"])
    counts = milestones[milestones["subproject_id"].isin(ids)].groupby("subproject_id").size()
    chosen = min(counts[counts == counts.max()].index)
    name = subprojects.set_index("subproject_id").loc[chosen, "name"]
    assert f"{chosen} {name}\n" in printed
    stages = milestones[milestones["subproject_id"] == chosen].copy()
    stages = stages.assign(order=stages["stage"].map(STAGES.index)).sort_values("order")
    (timeline,) = [p for p in plain if p.lstrip().startswith("阶段")]
    shown = [r.split() for r in timeline.splitlines()[1:]]
    assert [r[1:3] for r in shown] == [[s, p.isoformat()] for s, p in zip(stages["stage"], stages["planned_date"])]
    for r, planned, actual in zip(shown, stages["planned_date"], stages["actual_date"]):
        if actual is not None:
            assert r[3:5] == [actual.isoformat(), str((actual - planned).days)]

    assert any("image/png" in o.get("data", {}) for o in outputs)  # the chart, rendered under the glyph check


def test_frames_are_pandas_native_and_sums_print_exactly(ev, dongguan):
    spending = ev.sheet("支出")
    total = spending["支付金额(万元)"].sum()
    assert total == Decimal(int(dongguan.tables.spending["amount"].sum())) / FEN_PER_WAN
    assert str(total.normalize()) == "79420.32"  # the seed's 实际支出, to the fen: no 79420.31999999999
    # decimal128(18, 6) still divides: the mean to six places
    assert spending["支付金额(万元)"].mean() == (total / len(spending)).quantize(Decimal("0.000001"))
    assert spending["支付日期"].dt.year.min() == 2019 and ev.tables.spending["date"].dt.year.min() == 2019
    assert ev.tables.milestones["actual_date"].isna().any()  # a blank date is NaT, not None


def test_a_section_view_shows_its_frames_by_name_under_chinese_headers(ev):
    view = ev.period("2020").expenditure
    assert repr(view) == "<资金使用情况(expenditure) dongguan-2019-2021 2020: by_year, domains, bands, subproject_rates, no_funds>"
    assert {"by_year", "domains", "bands"} <= set(dir(view))  # tab completion
    by_year = view.by_year
    assert list(by_year.columns) == ["年度", "支出率", "预算调整率", "年初预算（万元）", "调整后预算（万元）", "实际支出（万元）"]
    assert by_year["支出率"].tolist() == view.frame("by_year")["rate"].tolist()  # the same numbers
    html = by_year.styled().to_html()
    rate = ev.period("2020").metrics["expenditure"]["rate"]
    assert f"{rate * 100:.2f}%" in html and "26,019.56" in html
    assert "资金使用情况" in view._repr_html_() and "function" not in repr(view)
    with pytest.raises(AttributeError, match="its frames are by_year"):
        view.no_such_frame


def test_compare_puts_two_periods_side_by_side_with_exact_differences(ev):
    a, b = ev.period("2020"), ev.period("2021")
    table = jx.compare(a, b)
    assert list(table.columns) == ["dongguan-2019-2021 2020", "dongguan-2019-2021 2021", "差额"]
    spent = table.loc["实际支出(万元)"]
    x, y = a.metrics["expenditure"]["spent"], b.metrics["expenditure"]["spent"]
    assert (spent.iloc[0], spent.iloc[1]) == (x, y)
    assert spent["差额"] == float(Decimal(repr(y)) - Decimal(repr(x)))
    assert table.loc["已批复子项目(个)", "差额"] == b.metrics["expenditure"]["subprojects"] - a.metrics["expenditure"]["subprojects"]
    assert table.loc["绩效得分", "差额"] is None  # the score sheet is for the whole span only
    whole = jx.compare(ev, ev)  # two evaluations: each over its whole span
    assert whole.loc["绩效得分"].tolist()[:2] == [ev.period().metrics["scoring"]["total"]] * 2

