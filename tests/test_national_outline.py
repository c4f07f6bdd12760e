"""The built-in template: the national outline of 《项目支出绩效评价管理办法》(财预〔2020〕10号), chapters 一 to 七.

One run of the Dongguan whole span under the built-in template (its own report.md left out of a copy of the
folder): the chapters in order in HTML and Word, 四 with one part per 一级指标 of the score sheet and each
三级指标's 分值 and 得分 as the workbook has them, 七 with every computed check that disagrees (both values);
and the params' ``report: {outline: …}``.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil

import pytest
import yaml
from batchrun import JOBS, jixiao
from conftest import DONGGUAN_RAW
from openpyxl import load_workbook

from jixiao.contract.fields import SCORE, WEIGHT
from jixiao.output.fields import format_value

CHAPTERS = list("一二三四五六七")


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    root = tmp_path_factory.mktemp("national")
    shutil.copytree(DONGGUAN_RAW, root / "raw")
    (root / "raw" / "report.md").unlink()
    (root / "params.yaml").write_text(yaml.safe_dump({
        "evaluation": "national", "project": "示例数字政府建设项目", "raw_dir": "raw", "span": "2019-2021",
        "periods": ["2019-2021"], "out_dir": "out"}, allow_unicode=True), encoding="utf-8")
    result = jixiao("run", "--params", root / "params.yaml", "--out", root / "out", "--jobs", JOBS, "--quiet",
                    "--no-pdf")  # the chapters are read in HTML and Word
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "out" / "national" / "2019-2021"


def _text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", fragment))


def _chapters(page: str) -> list[tuple[str, str]]:
    """(heading, the chapter's HTML up to the next level-1 heading) of every numbered chapter, in order."""
    heads = [(m.start(), m.end(), _text(m.group(1))) for m in re.finditer(r"<h1[^>]*>(.*?)</h1>", page, re.S)]
    return [(text, page[end:(heads[i + 1][0] if i + 1 < len(heads) else len(page))])
            for i, (_, end, text) in enumerate(heads) if re.match(r"^[一二三四五六七八九十]+、", text)]


def _workbook_rows():
    sheet = load_workbook(DONGGUAN_RAW / "scoring.xlsx", read_only=True)["指标"]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, r)) for r in rows if any(v is not None for v in r)]


def test_the_chapters_are_the_national_outline_in_order_in_html_and_word(national):
    from docx import Document

    chapters = [h for h, _ in _chapters((national / "report.html").read_text(encoding="utf-8"))]
    assert [h.split("、")[0] for h in chapters] == CHAPTERS, chapters
    assert chapters[1] == "二、绩效评价工作开展情况" and chapters[3] == "四、绩效评价指标分析"
    word = [p.text for p in Document(str(national / "report.docx")).paragraphs
            if p.style.name.startswith("Heading 1") and re.match(r"^[一二三四五六七]、", p.text)]
    assert word == chapters


def test_chapter_four_has_a_part_per_first_level_indicator_with_each_indicator_as_the_workbook_has_it(national):
    four = dict(_chapters((national / "report.html").read_text(encoding="utf-8")))["四、绩效评价指标分析"]
    rows = _workbook_rows()
    levels = list(dict.fromkeys(r["一级指标"] for r in rows))
    parts = [(m.end(), _text(m.group(1))) for m in re.finditer(r"<h2[^>]*>(.*?)</h2>", four, re.S)]
    assert [re.sub(r"^（[一二三四五六七八九十]+）", "", t) for _, t in parts] == [f"{lv}指标分析" for lv in levels]
    for i, (start, title) in enumerate(parts):
        part = _text(four[start:(parts[i + 1][0] if i + 1 < len(parts) else len(four))])
        mine = [r for r in rows if f"{r['一级指标']}指标分析" in title]
        assert mine
        for row in mine:
            said = (f"{row['三级指标']}（{row['二级指标']}）：分值{format_value(WEIGHT, row['分值'])}，"
                    f"得分{format_value(SCORE, row['得分'])}")
            assert said in part, said
            if row["得分"] < row["分值"]:  # a lost point without 扣分理由 is left for the evaluator
                assert f"扣分理由：【待撰写：{row['三级指标']}扣分的理由】" in part, row["三级指标"]


def test_chapter_seven_says_each_disagreeing_check_with_both_values_and_the_window_past_the_base_date(national):
    seven = _text(dict(_chapters((national / "report.html").read_text(encoding="utf-8")))["七、其他需要说明的问题"])
    metrics = json.loads((national / "metrics.json").read_text(encoding="utf-8"))
    differing = [c for c in metrics["scoring"]["checks"] if c["differs"]]
    assert differing  # the Dongguan sheet has one (业务单位满意度): a test that finds none proves nothing
    for check in differing:
        assert (f"经复核，“{check['indicator']}”" in seven and f"计算得分为{format_value(SCORE, check['computed'])}" in seven
                and f"评分表得分为{format_value(SCORE, check['entered'])}" in seven), check
    agreeing = [c["indicator"] for c in metrics["scoring"]["checks"] if c["differs"] is False]
    assert not any(f"“{name}”以" in seven for name in agreeing)
    first, last = metrics["public_reviews"]["months"]
    year, month = (int(x) for x in last.split("-"))
    assert f"{year}年{month}月" in seven and "晚于评价基准日（2021年12月31日）" in seven


def test_the_outline_is_chosen_in_params_national_by_default(tmp_path):
    from jixiao.contract.params import ParameterError, parse_report
    from jixiao.output.report import builtin_template, check_template

    assert parse_report(None, tmp_path).outline == "national"
    assert parse_report({"outline": "seed"}, tmp_path).outline == "seed"
    with pytest.raises(ParameterError) as caught:
        parse_report({"outline": "nation"}, tmp_path, "p.yaml")
    assert "report.outline" in str(caught.value) and "national" in str(caught.value) and "'nation'" in str(caught.value)
    for outline in ("national", "seed"):
        check_template(builtin_template(outline), outline)
    assert "# 七、其他需要说明的问题" in builtin_template() and "# 七、" not in builtin_template("seed")


def test_the_seed_outline_travels_to_the_report_task(tmp_path):
    from jixiao.contract.params import load_params
    from jixiao.output.report import builtin_template
    from jixiao.run.batch import report_settings, report_settings_digest

    (tmp_path / "raw").mkdir()
    base = {"evaluation": "e", "project": "p", "raw_dir": "raw", "span": "2020-2021", "periods": ["2020-2021"]}
    paths = {}
    for outline in ("national", "seed"):
        paths[outline] = tmp_path / f"{outline}.yaml"
        paths[outline].write_text(json.dumps({**base, "report": {"outline": outline}}), encoding="utf-8")
    seed = report_settings(load_params(paths["seed"]))
    assert seed["template_text"] == builtin_template("seed") and "report.seed.md" in seed["template_name"]
    assert report_settings(load_params(paths["national"]))["template_text"] is None  # the built-in national one
    assert report_settings_digest(load_params(paths["seed"])) != report_settings_digest(load_params(paths["national"]))


def test_the_method_sentences_follow_the_data_and_are_printed_alike_in_chapter_two_and_the_appendix():
    from jixiao.sections.methods import METHODS, ROUNDING, method_sentences

    said = dict(METHODS)
    metrics = {"expenditure": {"budget": 1.0}, "milestones": None, "survey": {"respondent_word": "学生家长"},
               "scoring": {"checks": [{"metric": "budget_execution_rate"}, {"metric": "five_star_rate"}]}}
    sentences = method_sentences(metrics)
    assert sentences[:3] == [said["expenditure"], said["survey"].format(word="学生家长"), said["scoring"]]
    assert sentences[3].startswith("由数据计算、作为指标计分依据的数字：预算执行率 = ") and "五星好评率" in sentences[3]
    assert sentences[-1] == ROUNDING and len(sentences) == 5 and not any("期末完成率" in s for s in sentences)
    # the same list in 二 and in the appendix, one source
    from jixiao.output.report import builtin_template

    template = builtin_template()
    assert template.count("{% for sentence in methods %}") == 2 and "期末完成率 = " not in template


def test_data_windows_past_the_base_date_and_published_figures_the_data_does_not_reproduce():
    from jixiao.output.review import data_windows, published_differences

    metrics = {"period": "2019-2021", "span": "2019-2021", "period_end": "2021-12-31",
               "public_reviews": {"months": ["2020-07", "2022-05"]}, "survey": {"months": ["2021-01", "2021-12"]}}
    (window,) = data_windows(metrics)
    assert (window["name"], window["first"], window["last"], window["beyond"], window["beyond_first"]) == (
        "“好差评”", "2020年7月", "2022年5月", 5, "2022年1月")
    assert data_windows({**metrics, "period_end": "2022-05-31"}) == []
    got = {"period": "2019-2021", "span": "2019-2021", "survey": {"respondents": 40}}
    (row,) = published_differences(got, {"satisfaction": {"survey": {"respondents": 42}}})
    assert (row["figure"], row["published"], row["computed"]) == ("问卷单位(个)", "42", "40")
    assert published_differences({**got, "survey": {"respondents": 42}}, {"satisfaction": {"survey": {"respondents": 42}}}) == []
    assert published_differences({**got, "period": "2019"}, {"satisfaction": {"survey": {"respondents": 42}}}) == []
