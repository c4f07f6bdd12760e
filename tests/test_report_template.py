"""The report template: fields by their declared kind, blocks by name, template errors with file and line."""

from __future__ import annotations

import json

import pytest

from jixiao.contract.fields import FIELDS, MONEY, RATE, SCORE, count, kind_of
from jixiao.output.fields import FILTERS, Field, Node, Placeholders, format_value, listed


def test_each_kind_prints_as_the_genre_prints_it():
    assert format_value(RATE, 0.9842395893722381) == "98.42%"
    assert format_value(RATE, 4.8538778881620735e-05) == "0.0049%"
    assert format_value(MONEY, 80692.06) == "80,692.06万元"
    assert format_value(count("个"), 75) == "75个"
    assert format_value(count("条"), 35806422) == "35,806,422条"
    assert format_value(SCORE, 77.2) == "77.20分"
    assert format_value(kind_of("period_end"), "2021-12-31") == "2021年12月31日"
    assert FILTERS["亿元"](Field("expenditure.budget", MONEY, 80692.06)) == "8.07亿元"
    assert FILTERS["数值"](Field("expenditure.rate", RATE, 0.9842395893722381)) == "98.42"
    assert FILTERS["年月"]("2022-09-30") == "2022年9月"


def test_kinds_are_declared_not_guessed():
    assert kind_of("expenditure.domains.任何领域.approved_total") == MONEY
    assert kind_of("milestones.正式立项.done") == count("个")
    assert kind_of("expenditure.no_such_key") is None
    assert kind_of("published.funding.spend_rate").kind == "printed"
    assert all(k.count("*") <= 3 for k in FIELDS)


def test_a_null_field_is_a_placeholder_that_counts():
    counter = Placeholders()
    node = Node("", {"scoring": None, "expenditure": {"rate": None}}, counter)
    assert str(node.expenditure.rate) == "【无数据:expenditure.rate】"
    assert counter.keys == ["expenditure.rate"]


def test_every_metrics_key_of_the_dongguan_run_has_a_kind(dongguan_metrics):
    metrics = dongguan_metrics("2019-2021") if callable(dongguan_metrics) else dongguan_metrics
    rows = dict(listed(json.loads(json.dumps(metrics, default=str))))
    assert rows["expenditure.budget"] == format_value(MONEY, metrics["expenditure"]["budget"])
    assert rows["scoring.total"] == format_value(SCORE, metrics["scoring"]["total"])


def _metrics(dongguan_metrics):
    return json.loads(json.dumps(dongguan_metrics, default=str))


def _render(text, metrics, name="report.md", published=None):
    from jixiao.output.report import render
    from jixiao.present.parts import Column, TablePart
    from jixiao.sections import PeriodParts

    parts = PeriodParts(metrics, tables={"expenditure.by_year": TablePart("expenditure.by_year", "分年度预算与支出",
                                                                           (Column("年度"),), [("2019",)])})
    return render(text, name, metrics=metrics, published=published, parts=parts, cover={"评价基准日": "2021年12月31日"},
                  title="财政绩效评价报告")


@pytest.mark.parametrize("text, line, words", [
    ("# 一\n\n支出率{{ expenditure.rat }}。\n", 3, ["expenditure.rat", "expenditure.rate"]),
    ("一\n二\n{{ expenditure.budget | 亿圆 }}\n", 3, ["亿圆", "亿元"]),
    ("{{ expendture.rate }}\n", 1, ["expendture", "expenditure"]),
    ("a\n{% if %}\n", 2, ["语法"]),
    ("a\n\n{{ table(\"expenditure.by_yaer\") }}\n", 3, ["expenditure.by_yaer", "expenditure.by_year"]),
])
def test_a_bad_template_names_its_file_line_and_the_nearest_names(dongguan_metrics, text, line, words):
    from jixiao.output.report import TemplateProblem

    with pytest.raises(TemplateProblem) as caught:
        _render(text, _metrics(dongguan_metrics), name="模板.md")
    assert caught.value.file == "模板.md" and caught.value.line == line, str(caught.value)
    assert all(w in str(caught.value) for w in words), str(caught.value)


def test_fields_blocks_and_footnotes_render_from_the_data(dongguan_metrics):
    metrics = _metrics(dongguan_metrics)
    doc = _render("支出率{{ expenditure.rate }},{{ expenditure.budget | 亿元 }}[^a]。\n\n{{ table(\"expenditure.by_year\") }}\n\n"
                  "{{ 待撰写(\"经验\") }}\n\n[^a]: 刊印 {{ published.x | 百分比 }}\n", metrics, published={"x": 99.99})
    rate = format_value(RATE, metrics["expenditure"]["rate"])
    assert f"支出率{rate}," in doc.markdown and "【待撰写:经验】" in doc.markdown and "刊印 99.99%" in doc.markdown
    assert [b.number for b in doc.numbered()] == [1]
    assert "【待撰写:经验】" in doc.placeholders and "【待撰写:报告编号】" in doc.placeholders  # the cover's data too


def test_a_band_reads_in_words_in_prose(dongguan_metrics):
    metrics = _metrics(dongguan_metrics)
    doc = _render("{% for band, n in expenditure.subproject_bands.items() %}{{ band | 区间 }}：{{ n }}；{% endfor %}",
                  metrics)
    bands = metrics["expenditure"]["subproject_bands"]
    assert doc.markdown.strip() == (f"100%及以上：{bands['≥100%']}个；90%（含）至100%：{bands['[90%,100%)']}个；"
                                    f"80%（含）至90%：{bands['[80%,90%)']}个；60%（含）至80%：{bands['[60%,80%)']}个；"
                                    f"低于60%：{bands['<60%']}个；")


def test_the_builtin_template_drafts_the_data_paragraphs_and_marks_what_is_unwritten(dongguan_metrics):
    from jixiao.output.report import builtin_template, render
    from jixiao.present.parts import ChartPart, Column, TablePart
    from jixiao.sections import PeriodParts

    metrics = _metrics(dongguan_metrics)

    class Names(dict):  # every declared key has a part
        def __contains__(self, name):
            return True

        def __getitem__(self, name):
            return TablePart(name, name, (Column("x"),), [])

    class Charts(Names):
        def __getitem__(self, name):
            return ChartPart(name, name, "bar_chart")

    parts = PeriodParts(metrics, tables=Names(), charts=Charts())
    doc = render(builtin_template("seed"), "report.seed.md", metrics=metrics, published=None, parts=parts, cover={}, title="t")
    stage = next(iter(metrics["milestones"]))
    m = metrics["milestones"][stage]
    assert f"计划{stage}{m['planned']}个，实际完成{m['done']}个，期末完成率{format_value(RATE, m['rate'])}" in doc.markdown
    assert "暂未下达资金" in doc.markdown and f"{metrics['expenditure']['no_funds_issued']}个子项目" in doc.markdown
    for heading in ("# 摘要", "# 一、项目基本情况", "## （三）资金使用情况", "# 二、绩效评价结果", "## （一）评价结论",
                    "# 三、项目绩效管理经验", "# 四、值得关注的问题", "# 五、绩效管理建议", "# 附件"):
        assert heading in doc.markdown, heading
    assert len(doc.placeholders) > 5 and all(p.startswith("【待撰写") for p in doc.placeholders)


def test_the_shipped_templates_check_clean_and_a_misspelt_field_is_caught_before_any_data():
    from conftest import DONGGUAN_RAW

    from jixiao.output.report import TemplateProblem, builtin_template, check_template

    check_template(builtin_template(), "report.md")
    check_template((DONGGUAN_RAW / "report.md").read_text(encoding="utf-8"), "report.md")
    with pytest.raises(TemplateProblem) as caught:
        check_template("# 一\n\n{% for s, m in milestones.items() %}{{ m.planned }}{% endfor %}\n{{ expenditure.budgt | 亿元 }}\n",
                       "模板.md")
    assert caught.value.line == 4 and "expenditure.budget" in str(caught.value)


def _evaluation(tmp_path, template: str | None, final: bool = False):
    from minimal import build

    build(tmp_path / "raw")
    params = tmp_path / "params.yaml"
    settings = {"evaluation": "tpl", "project": "某县数字政府项目", "raw_dir": "raw", "span": "2020-2021",
                "periods": ["2020-2021"], "out_dir": "out"}
    if template is not None:
        (tmp_path / "report.md").write_text(template, encoding="utf-8")
        settings["report"] = {"template": "report.md", "final": final}
    params.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    return params


def test_a_misspelt_field_stops_that_report_names_file_and_line_and_the_rest_is_written(tmp_path):
    from batchrun import JOBS, jixiao

    params = _evaluation(tmp_path, "# 一、概况\n\n支出率{{ expenditure.rat }}。\n")
    checked = jixiao("validate", "--params", params)
    assert checked.returncode == 2 and "report.md 第 3 行" in checked.stdout and "expenditure.rate" in checked.stdout
    result = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "report.md 第 3 行" in result.stderr and "expenditure.rate" in result.stderr
    tree = tmp_path / "out" / "tpl" / "2020-2021"
    assert (tree / "expenditure.html").is_file() and (tree / "metrics.json").is_file()
    assert not (tree / "report.html").exists() and not (tree / "report.docx").exists()


def test_final_refuses_a_report_with_placeholders_and_says_how_many(tmp_path):
    from batchrun import JOBS, jixiao

    params = _evaluation(tmp_path, "# 一、概况\n\n{{ 待撰写(\"背景\") }}\n\n支出率{{ expenditure.rate }}。\n", final=True)
    result = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert result.returncode == 1 and "final" in result.stderr
    # the cover's four blanks and the one in the text
    assert "仍有 5 处占位" in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "out" / "tpl" / "2020-2021" / "report.html").exists()


def test_a_reference_docx_gives_the_word_styles():
    import io

    from docx import Document as WordDocument
    from docx.shared import Mm

    from jixiao.output.docx import write_docx
    from jixiao.output.report import Document

    doc = Document(title="财政绩效评价报告", project="某项目", cover=[("报告编号", "X-1")],
                   markdown="# 一、项目基本情况\n\n正文[^a]。\n\n[^a]: 注。\n", blocks=[])
    plain = WordDocument(io.BytesIO(write_docx(doc)))
    assert plain.styles["Normal"].font.name == "FangSong" and round(plain.sections[0].top_margin.mm) == 37
    reference = WordDocument(io.BytesIO(write_docx(doc)))
    reference.styles["Normal"].font.name = "某局字体"
    reference.sections[0].top_margin = Mm(20)
    buffer = io.BytesIO()
    reference.save(buffer)
    styled = WordDocument(io.BytesIO(write_docx(doc, reference_docx=buffer.getvalue())))
    assert styled.styles["Normal"].font.name == "某局字体"  # the bureau's styles, not the built-in format
    assert [p.text for p in styled.paragraphs if p.style.name == "Heading 1"] == ["一、项目基本情况"]


def test_the_report_key_covers_its_template_a_changed_template_rebuilds_only_the_report(tmp_path):
    from batchrun import JOBS, jixiao

    params = _evaluation(tmp_path, "# 一、概况\n\n支出率{{ expenditure.rate }}。\n")
    first = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert first.returncode == 0, first.stderr[-2000:]
    tree = tmp_path / "out" / "tpl"
    html = tree / "2020-2021" / "report.html"
    assert "一、概况" in html.read_text(encoding="utf-8")
    (tmp_path / "report.md").write_text("# 一、资金使用情况\n\n支出{{ expenditure.spent }}。\n", encoding="utf-8")
    second = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert second.returncode == 0, second.stderr[-2000:]
    index = json.loads((tree / "index.json").read_text(encoding="utf-8"))
    assert all(r["reused"] for r in index["results"])  # no section ran again
    assert index["reports"]["2020-2021"]["built"] is True
    assert "一、资金使用情况" in html.read_text(encoding="utf-8")
    third = jixiao("run", "--params", params, "--jobs", JOBS, "--quiet", "--no-pdf")
    assert third.returncode == 0
    assert json.loads((tree / "index.json").read_text(encoding="utf-8"))["reports"]["2020-2021"]["built"] is False


def test_a_template_edit_keys_only_the_reports_written_from_it(tmp_path):
    """The span's template is the span report's; a year's report is written from ``annual_template`` (or the
    built-in 年度 one): editing one leaves the other reports' keys, so they are not rebuilt."""
    from jixiao.contract.params import load_params
    from jixiao.run.batch import report_settings_digest

    params = _evaluation(tmp_path, "# 一、概况\n\n支出率{{ expenditure.rate }}。\n")
    settings = json.loads(params.read_text(encoding="utf-8"))
    (tmp_path / "annual.md").write_text("# 一、年度\n\n{{ period }}\n", encoding="utf-8")
    settings.update(periods=["2020", "2020-2021"], report={"template": "report.md", "annual_template": "annual.md"})
    params.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")

    def digests() -> dict:
        loaded = load_params(params)
        return {period: report_settings_digest(loaded, period) for period in ("2020", "2020-2021")}

    before = digests()
    (tmp_path / "report.md").write_text("# 一、资金使用情况\n", encoding="utf-8")
    after_span = digests()
    assert after_span["2020"] == before["2020"] and after_span["2020-2021"] != before["2020-2021"]
    (tmp_path / "annual.md").write_text("# 一、年度执行\n", encoding="utf-8")
    after_annual = digests()
    assert after_annual["2020"] != after_span["2020"] and after_annual["2020-2021"] == after_span["2020-2021"]


def test_an_item_of_a_list_field_prints_as_its_own_field(dongguan_metrics):
    metrics = _metrics(dongguan_metrics)
    first, last = metrics["public_reviews"]["months"]
    doc = _render("{{ public_reviews.months[0] | 年月 }}至{{ public_reviews.months[-1] | 年月 }}；{{ public_reviews.months[5] }}",
                  metrics)
    y0, m0 = map(int, first.split("-"))
    y1, m1 = map(int, last.split("-"))
    assert doc.markdown.startswith(f"{y0}年{m0}月至{y1}年{m1}月；【无数据")  # an item the list lacks is missing data
