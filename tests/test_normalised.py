"""What intake normalised silently is recorded: each kind counted, its cells listed by ``validate --details``."""

from __future__ import annotations

import datetime as dt

import pytest
from minimal import Q1, build, rows

from jixiao.cli import main
from jixiao.core.i18n import set_lang
from jixiao.intake.folder import load_evaluation, read_raw
from jixiao.intake.normalised import KINDS, Normalised


def normalised_folder(tmp_path):
    """The minimal evaluation with one or two cells of every kind of normalisation, and nothing wrong."""
    spending = rows("spending.xlsx", "支出")
    spending[1][1], spending[2][1] = "2020.5.1", "2021/3/1"
    subprojects = rows("subprojects.xlsx", "子项目")
    subprojects[1][0] = " A-1 "
    subprojects[1][4] = "1,234.50"
    subprojects[2][2] = "民生\u200b保障域"  # a zero-width space pasted from the web
    budget = rows("budget.xlsx", "预算")
    budget[1][1] = "2020"
    budget[1][3] = 60.0000001
    milestones = rows("milestones.xlsx", "进度")
    milestones[1][3] = dt.datetime(2020, 1, 20, 13, 45)
    options = [["题目", "选项", "顺序", "是否满意"], [Q1, "满意", 1, "是"], [Q1, "一般", 2, 0]]
    reviews = rows("survey.xlsx", "好差评")
    reviews[1][0] = "2020/12"
    scoring = rows("scoring.xlsx", "指标")
    scoring[1][5] = 0.95  # a number in a free-text column is what was written: not listed
    answers = rows("survey.xlsx", "问卷")
    answers[1][0] = 12.0  # a number in an id column is listed (a code typed as a number may have lost its zeros)
    return build(tmp_path, {("spending.xlsx", "支出"): spending, ("subprojects.xlsx", "子项目"): subprojects,
                            ("budget.xlsx", "预算"): budget, ("milestones.xlsx", "进度"): milestones,
                            ("survey.xlsx", "选项"): options, ("survey.xlsx", "好差评"): reviews,
                            ("survey.xlsx", "问卷"): answers, ("scoring.xlsx", "指标"): scoring})


COUNTS = {"date_text": 2, "time_dropped": 1, "month_text": 1, "number_text": 2, "rounded": 1, "flag_word": 1,
          "trimmed": 1, "invisible": 1, "as_text": 1}


def test_each_kind_of_normalisation_is_counted_with_its_cells(tmp_path):
    evaluation = read_raw(normalised_folder(tmp_path), (2019, 2021))
    assert evaluation.problems == []
    assert evaluation.normalised.counts == COUNTS
    assert set(COUNTS) == set(KINDS)
    first = evaluation.normalised.first
    assert first["date_text"] == [
        {"file": "spending.xlsx", "sheet": "支出", "row": 2, "column": "支付日期", "typed": "'2020.5.1'", "read": "2020-05-01"},
        {"file": "spending.xlsx", "sheet": "支出", "row": 3, "column": "支付日期", "typed": "'2021/3/1'", "read": "2021-03-01"}]
    assert first["trimmed"] == [{"file": "subprojects.xlsx", "sheet": "子项目", "row": 2, "column": "子项目编号",
                                 "typed": "' A-1 '", "read": "'A-1'"}]
    assert [(c["row"], c["column"], c["typed"], c["read"]) for c in first["number_text"]] == [
        (2, "立项批复金额(万元)", "'1,234.50'", "1234.5"), (2, "年度", "'2020'", "2020")]
    assert [(c["typed"], c["read"]) for c in first["rounded"]] == [("60.0000001", "60")]
    assert [(c["typed"], c["read"]) for c in first["time_dropped"]] == [("2020-01-20 13:45:00", "2020-01-20")]
    assert [(c["typed"], c["read"]) for c in first["month_text"]] == [("'2020/12'", "2020-12")]
    assert [(c["typed"], c["read"]) for c in first["flag_word"]] == [("'是'", "1")]
    assert [(c["typed"], c["read"]) for c in first["as_text"]] == [("12", "'12'")]


def test_the_record_survives_the_cache(tmp_path):
    raw = normalised_folder(tmp_path / "raw")
    built = load_evaluation(raw, tmp_path / "cache", span=(2019, 2021))
    cached = load_evaluation(raw, tmp_path / "cache", span=(2019, 2021))
    assert cached.normalised == built.normalised == Normalised.from_dict(built.normalised.as_dict())
    assert cached.normalised.counts == COUNTS


def test_validate_prints_a_count_of_each_kind_and_details_lists_each_cell(tmp_path, capsys):
    raw = normalised_folder(tmp_path)
    assert main(["validate", str(raw), "--span", "2019-2021"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "已自动规范 11 个单元格(按下列方式读取,原文件未改动):"
    assert lines[1] == ("  以文本填写的日期(如 2022.5.8、2022/5/8、2022年5月8日),已读作日期:2 个;"
                        "例如 spending.xlsx,工作表 支出,第 2 行,列 支付日期:填写为 '2020.5.1',读作 2020-05-01")
    assert len(lines) == 1 + len(COUNTS) + 2  # a line per kind, the --details hint, the verdict
    assert lines[-2] == "  用 jixiao validate --details 逐个列出"
    assert lines[-1] == f"{raw}:有效(0 个警告)。"

    assert main(["validate", str(raw), "--span", "2019-2021", "--details"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("  以文本填写的日期(如 2022.5.8、2022/5/8、2022年5月8日),已读作日期:2 个")
    assert lines[at + 1:at + 3] == [
        "    spending.xlsx,工作表 支出,第 2 行,列 支付日期:填写为 '2020.5.1',读作 2020-05-01",
        "    spending.xlsx,工作表 支出,第 3 行,列 支付日期:填写为 '2021/3/1',读作 2021-03-01"]
    assert "    subprojects.xlsx,工作表 子项目,第 2 行,列 子项目编号:填写为 ' A-1 ',读作 'A-1'" in lines
    assert "    subprojects.xlsx,工作表 子项目,第 2 行,列 立项批复金额(万元):填写为 '1,234.50',读作 1234.5" in lines
    assert len(lines) == 1 + len(COUNTS) + sum(COUNTS.values()) + 1


@pytest.fixture
def chosen_language():
    yield
    set_lang(None)  # --lang fixes the language for the process: the next test starts from the default


def test_the_summary_and_details_in_english(tmp_path, capsys, chosen_language):
    raw = normalised_folder(tmp_path)
    assert main(["validate", str(raw), "--span", "2019-2021", "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "normalised automatically: 11 cell(s), read as follows (the files are unchanged):"
    assert lines[1] == ("  dates typed as text (2022.5.8, 2022/5/8, 2022年5月8日), read as dates: 2; e.g. spending.xlsx, "
                        "sheet 支出, row 2, column 支付日期: typed '2020.5.1', read as 2020-05-01")
    assert lines[-2] == "  jixiao validate --details lists each cell"
    assert main(["validate", str(raw), "--span", "2019-2021", "--lang", "en", "--details"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  numbers stored as text (\"1,234.50\", with spaces or thousands separators), read as numbers: 2" in lines
    assert ("    subprojects.xlsx, sheet 子项目, row 2, column 立项批复金额(万元): typed '1,234.50', read as 1234.5"
            in lines)


def test_a_clean_folder_prints_no_summary(tmp_path, capsys):
    raw = build(tmp_path)
    assert main(["validate", str(raw), "--span", "2019-2021"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{raw}:有效(0 个警告)。"]


def test_the_api_gives_the_record(tmp_path):
    from jixiao.api import load
    from jixiao.core.period import Period

    ev = load(normalised_folder(tmp_path / "raw"), span=Period(2019, 2021))
    assert ev.normalised.counts == COUNTS
    assert ev.normalised.first["trimmed"][0]["typed"] == "' A-1 '"
