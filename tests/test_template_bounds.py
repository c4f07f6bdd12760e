"""Templates and reference documents bounded: read as UTF-8 (BOM or not) or GB18030 said, sized, rendered within
an arithmetic, output and time bound; validate renders once so runtime-only errors have their line; a
reference document gets the workbooks' zip guards."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from jixiao import cli
from jixiao.output.report import TemplateProblem, check_template
from jixiao.output.template_source import (MAX_OUTPUT_CHARS, MAX_TEMPLATE_BYTES, TemplateSourceError,
                                           check_reference_docx, read_template)


def evaluation(tmp_path, template: bytes | None = None, reference: bytes | None = None):
    from minimal import build

    build(tmp_path / "raw")
    report = {}
    if template is not None:
        (tmp_path / "report.md").write_bytes(template)
        report["template"] = "report.md"
    if reference is not None:
        (tmp_path / "reference.docx").write_bytes(reference)
        report["reference_docx"] = "reference.docx"
    settings = {"evaluation": "tpl", "project": "某县数字政府项目", "raw_dir": "raw", "span": "2020-2021",
                "periods": ["2020-2021"], "out_dir": "out", "report": report}
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    return params


def validate(params, capsys) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = cli.main(["validate", "--params", str(params)])
    out = capsys.readouterr()
    return code, [line for line in (out.out + out.err).splitlines() if line.strip()]


TEXT = "# 一、概况\n\n支出率{{ expenditure.rate }}。\n"


def test_utf8_with_a_bom_and_gbk_are_read_and_gbk_is_said(tmp_path):
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert read_template(tmp_path / "bom.md") == (TEXT, None)
    (tmp_path / "gbk.md").write_bytes(TEXT.encode("gbk"))
    text, note = read_template(tmp_path / "gbk.md")
    assert text == TEXT and "GB18030" in note and "gbk.md" in note


def test_an_unreadable_or_oversized_template_is_refused_in_one_line(tmp_path):
    (tmp_path / "bin.md").write_bytes(b"\xff\xfe\x00\x00\x81\x30\xff")
    with pytest.raises(TemplateSourceError) as refused:
        read_template(tmp_path / "bin.md")
    assert "bin.md" in str(refused.value) and "\n" not in str(refused.value)
    (tmp_path / "big.md").write_bytes(b"x" * (MAX_TEMPLATE_BYTES + 1))
    with pytest.raises(TemplateSourceError, match="big.md 有 2.0 MiB"):
        read_template(tmp_path / "big.md")


def test_validate_reads_a_gbk_template_and_says_so(tmp_path, capsys):
    code, lines = validate(evaluation(tmp_path, TEXT.encode("gbk")), capsys)
    assert code == 0, lines
    assert any("以 GB18030(GBK)编码读取" in line for line in lines)


def test_a_huge_power_is_refused_by_validate_in_under_a_second(tmp_path, capsys):
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as refused:
        check_template("# 一\n\n{{ 10**(10**9) }}\n", "report.md")
    assert time.monotonic() - started < 1
    assert str(refused.value) == "report.md 第 3 行:算式的结果过大(超过 4096 位二进制或 1,000,000 个字符)"
    code, lines = validate(evaluation(tmp_path, b"# x\n\n{{ 10**(10**9) }}\n"), capsys)
    assert code == 2 and lines[-1].startswith("错误:报告模板 ") and "report.md 第 3 行:算式的结果过大" in lines[-1]


@pytest.mark.parametrize("text", [
    '{{ "x" * 1000000000 }}',
    '{{ "x"|center(1000000000) }}',
    '{{ "%0999999999d"|format(1) }}',
    '{{ "{:>999999999}".format(1) }}',
    '{{ ("xxxxxxxx"' + '|replace("x", "xxxxxxxx")' * 12 + ')|length }}',  # 8**13 characters when folded
])
def test_constant_expressions_are_not_folded_beyond_the_bounds(text):
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match="算式的结果过大"):
        check_template(text, "report.md")
    assert time.monotonic() - started < 20


def test_nested_loops_stop_at_the_output_bound_with_one_line():
    text = "{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxx{% endfor %}{% endfor %}"
    with pytest.raises(TemplateProblem) as stopped:
        check_template(text, "report.md")
    assert str(stopped.value) == f"report.md:渲染结果超过 {MAX_OUTPUT_CHARS:,} 个字符(循环过多?),已停止"


@pytest.mark.parametrize("text, line, words", [
    ("# 一\n\n{{ ().__class__.__mro__ }}\n", 3, "SecurityError"),
    ("{% macro f() %}{{ f() }}{% endmacro %}\n\n{{ f() }}\n", 1, "RecursionError"),
    ("# 一\n{{ expenditure.rate.value / 0 }}\n", 2, "ZeroDivisionError"),
])
def test_runtime_only_errors_are_found_by_validate_with_their_line(text, line, words):
    with pytest.raises(TemplateProblem) as refused:
        check_template(text, "report.md")
    assert refused.value.line == line and words in refused.value.message


def test_data_names_and_ordinary_numbers_do_not_fail_the_validate_rendering():
    check_template('{{ "%d"|format(35806422) }}{{ "{:,}".format(35806422) }}{{ "x"|center(20) }}{{ 2**10 * 3 }}'
                   "{% for stage, m in milestones.items() %}{{ stage }} {{ m.done }}{% endfor %}"
                   "{{ milestones.启动.done }}{{ table('expenditure.bands') }}{{ expenditure.by_year[0].rate }}", "report.md")


def docx_with(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_reference_document_is_refused_by_validate(tmp_path, capsys):
    bomb = docx_with("word/styles.xml", b"<w:styles>" + b" " * 300_000_000 + b"</w:styles>")
    assert len(bomb) < 1_000_000
    code, lines = validate(evaluation(tmp_path, reference=bomb), capsys)
    assert code == 2
    assert lines[-1].startswith("错误:参考文档 reference.docx 的部件 word/styles.xml 解压后膨胀")


def test_entities_in_a_reference_document_are_refused():
    laughs = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]><w:styles>&a;</w:styles>'
    with pytest.raises(TemplateSourceError, match="声明了 DTD 或实体"):
        check_reference_docx(docx_with("word/styles.xml", laughs), "reference.docx")
    with pytest.raises(TemplateSourceError, match="不是 .docx"):
        check_reference_docx(b"PK\x03\x04garbage", "reference.docx")


def test_a_bad_reference_document_fails_the_word_file_in_one_line():
    from jixiao.output.formats import word_failure
    from jixiao.output.docx import write_docx
    from jixiao.output.report import Document

    doc = Document(title="t", project="p", cover=[], markdown="正文", blocks=[])
    with pytest.raises(Exception) as failed:
        write_docx(doc, reference_docx=b"PK\x03\x04garbage")
    line = word_failure(failed.value, True)
    assert line.startswith("report.docx:参考文档(reference_docx)无法使用:")
    assert "\n" not in line and "CallStack" not in line and "backtrace" not in line


def test_a_control_character_in_a_template_is_refused_naming_its_line(tmp_path):
    (tmp_path / "esc.md").write_bytes("# 一\n\n正文\x1b[2J\n".encode("utf-8"))
    with pytest.raises(TemplateSourceError) as refused:
        read_template(tmp_path / "esc.md")
    assert str(refused.value) == "报告模板 esc.md 第 3 行含控制字符 \\x1b(U+001B);应删去"


def test_a_bad_reference_document_leaves_the_html_and_fails_only_word(tmp_path):
    from jixiao.output.formats import build_report

    (tmp_path / "metrics.json").write_text('{"project": "某项目", "period": "2021", "span": "2020-2021"}', encoding="utf-8")
    doc, html, pdf, docx = build_report(tmp_path, project="某项目", period="2021", span="2020-2021", published=None,
                                        template_text="# 一、概况\n\n正文。\n", template_name="report.md", settings={},
                                        pdf=False, reference_docx=b"PK\x03\x04garbage")
    assert "正文" in html and docx is None
    assert doc.word_error.startswith("report.docx:参考文档(reference_docx)无法使用:")
    assert "\n" not in doc.word_error


def test_a_refused_reference_document_in_a_run_fails_only_the_word_file(tmp_path):
    from jixiao.output.index import Status
    from jixiao.run.batch import report_settings
    from jixiao.run.execute import ReportTask, run_report_task
    from jixiao.contract.params import load_params

    params = load_params(evaluation(tmp_path, "# 一、概况\n\n正文。\n".encode("utf-8"), reference=b"PK\x03\x04garbage"))
    settings = report_settings(params)
    assert settings["reference_docx"] is None and "不是 .docx" in settings["reference_error"]
    metrics = '{"project": "某县数字政府项目", "period": "2020-2021", "span": "2020-2021"}'.encode("utf-8")
    task = ReportTask("tpl", "2020-2021", "2020-2021", "某县数字政府项目", "2024-01-01 00:00", {}, {}, {"metrics.json": metrics},
                      pdf=False, report=settings)
    out = run_report_task(task)
    assert out.status is Status.FAILED and "html" in out.files and "docx" not in out.files
    assert out.error.startswith("report.docx:参考文档 reference.docx 不是 .docx") and "\n" not in out.error
