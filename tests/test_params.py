"""Run and notebook parameters: every refusal says which parameter and what was expected, in Chinese by
default and in English on request."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jixiao.contract.params import check_notebook_parameters, check_notebook_types, load_params
from jixiao.core.i18n import set_lang
from jixiao.core.problems import ParameterError

BASE = dict(evaluation="x", period="2019", span="2019-2021", project="", raw_dir="")


@pytest.mark.parametrize("lang, expected", [
    ("zh", "未知的笔记本参数 colour;可用的参数:evaluation, period, span, project, raw_dir, results_dir"),
    ("en", "unknown notebook parameter(s) colour; known: evaluation, period, span, project, raw_dir, results_dir"),
])
def test_an_unknown_notebook_parameter_is_named(monkeypatch, lang, expected):
    monkeypatch.setenv("JIXIAO_LANG", lang)
    with pytest.raises(ParameterError) as caught:
        check_notebook_parameters(**BASE, colour="red")
    assert str(caught.value) == expected


@pytest.mark.parametrize("lang, value, expected", [
    ("zh", 19, "笔记本参数 period 的值 19 不是年份;应为年份(如 2020)或期间(如 2019-2021)"),
    ("en", 19, "notebook parameter period: 19 is not a year; expected a year (such as 2020) or a period "
               "(such as 2019-2021)"),
    ("zh", 2019.5, "笔记本参数 period 应为年份(如 2020)或期间(如 2019-2021),收到 float 类型的值 2019.5;"
                   "用 papermill 传文字时请写 -r period 2019.5"),
    ("en", 2019.5, "notebook parameter period must be a year (such as 2020) or a period (such as 2019-2021), got "
                   "the float 2019.5; pass text to papermill with -r period 2019.5"),
])
def test_a_notebook_parameter_of_the_wrong_type_is_refused(monkeypatch, lang, value, expected):
    monkeypatch.setenv("JIXIAO_LANG", lang)
    with pytest.raises(ParameterError) as caught:
        check_notebook_types(**{**BASE, "period": value})
    assert str(caught.value) == expected


# --- bounded params: refused before they can exhaust the machine -------------------------------

BILLION_LAUGHS = "".join(
    ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n']
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)]
    + ["evaluation: *a9\n"])


def params_file(tmp_path, text: str | None = None, **values) -> Path:
    (tmp_path / "raw").mkdir(exist_ok=True)
    if text is None:
        settings = {"evaluation": "demo", "project": "示例项目", "raw_dir": "raw", "span": "2019-2021", **values}
        text = yaml.safe_dump(settings, allow_unicode=True)
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, lang: str = "zh") -> str:
    set_lang(lang)
    try:
        with pytest.raises(ParameterError) as caught:
            load_params(path)
        return str(caught.value)
    finally:
        set_lang(None)


def test_a_well_formed_params_file_loads(tmp_path):
    assert load_params(params_file(tmp_path)).project == "示例项目"


def test_billion_laughs_is_refused_at_its_first_anchor(tmp_path):
    path = params_file(tmp_path, BILLION_LAUGHS)
    assert refusal(path) == (f"{path} 第 1 行用了 YAML 锚点或别名(&、*);这里的 YAML 文件不允许,请直接写出每个值")
    assert refusal(path, "en") == (f"{path} line 1 uses a YAML anchor or alias (& or *); these YAML files may not: "
                                   "write each value out")


def test_an_alias_alone_is_refused(tmp_path):
    text = "evaluation: demo\nspan: 2019-2021\nproject: &t 示例\nperiods: [*t]\n"
    assert "第 3 行用了 YAML 锚点或别名" in refusal(params_file(tmp_path, text))


def test_a_21_mb_title_is_refused_by_the_size_limit(tmp_path):
    path = params_file(tmp_path, "evaluation: demo\nspan: 2019-2021\nproject: " + "题" * (7 * 2**20) + "\n")
    size = path.stat().st_size
    assert size > 21 * 10**6
    assert refusal(path) == f"{path} 有 {size:,} 字节;这个 YAML 文件应不超过 1,048,576 字节(1 MB)"


def test_a_2_mb_file_of_comments_is_refused(tmp_path):
    comments = "# 说明\n" * (2 * 2**20 // 9 + 1)  # 9 bytes a line
    path = params_file(tmp_path, comments + "evaluation: demo\nspan: 2019-2021\n")
    assert path.stat().st_size > 2 * 2**20
    assert "这个 YAML 文件应不超过 1,048,576 字节(1 MB)" in refusal(path)


@pytest.mark.parametrize("lang, expected", [
    ("zh", "{path}:project 长 500 个字符;标题应不超过 200 个"),
    ("en", "{path}: project is 500 characters long; a title has at most 200"),
])
def test_a_title_longer_than_a_title_is_refused_naming_the_field(tmp_path, lang, expected):
    path = params_file(tmp_path, project="很" * 500)
    assert refusal(path, lang) == expected.format(path=path)


def test_a_long_department_file_name_or_header_is_refused_naming_the_field(tmp_path):
    path = params_file(tmp_path, files={"spending.xlsx": "支" * 300 + ".xlsx"})
    assert refusal(path) == f"{path}:files.spending.xlsx 长 305 个字符;应不超过 200 个"
    path = params_file(tmp_path, columns={"spending.xlsx": {"付" * 300: "支付金额(元)"}})
    assert refusal(path) == f"{path}:columns.spending.xlsx 长 300 个字符;应不超过 200 个"


def test_any_other_text_is_bounded_too(tmp_path):
    path = params_file(tmp_path, periods=["2019" * 2000])
    assert refusal(path) == f"{path}:periods[0] 长 8,000 个字符;应不超过 4096 个"


def test_a_portfolio_file_is_bounded_the_same_way(tmp_path):
    from jixiao.run.portfolio import load_portfolio

    path = tmp_path / "portfolio.yaml"
    path.write_text("evaluations: &e [a/params.yaml]\nout_dir: *e\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="第 1 行用了 YAML 锚点或别名"):
        load_portfolio(path)
    path.write_text("# x\n" * 2**19, encoding="utf-8")
    with pytest.raises(ParameterError, match="这个 YAML 文件应不超过"):
        load_portfolio(path)


def test_a_notebook_title_is_bounded(monkeypatch):
    monkeypatch.setenv("JIXIAO_LANG", "en")
    with pytest.raises(ParameterError, match="notebook parameter project is 201 characters long; a title has at most 200"):
        check_notebook_types(**{**BASE, "project": "x" * 201})
    with pytest.raises(ParameterError, match="notebook parameter project holds a line break or control character U\\+000A"):
        check_notebook_types(**{**BASE, "project": "一\n二"})


@pytest.mark.parametrize("title, char", [("一行\n两行", "000A"), ("制表\t符", "0009"), ("反向\u202e文字", "202E")])
def test_a_title_is_one_line_of_text(tmp_path, title, char):
    path = params_file(tmp_path, project=title)
    assert refusal(path) == f"{path}:project 含有换行或控制字符 U+{char};标题应是一行文字"


def test_a_title_may_hold_any_printable_text(tmp_path):
    title = "2019—2021 年度「数字政府」建设项目 (第二期) 👩\u200d💻"
    assert load_params(params_file(tmp_path, project=title)).project == title


def test_a_published_file_with_aliases_is_a_validation_error(tmp_path):
    from minimal import build

    from jixiao.intake.folder import read_raw

    raw = build(tmp_path / "raw")
    (raw / "published.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    errors = [str(p) for p in read_raw(raw).problems if p.severity == "error"]
    assert errors == [f"错误:published.yaml:无法读取({raw / 'published.yaml'} 第 1 行用了 YAML 锚点或别名(&、*);"
                      "这里的 YAML 文件不允许,请直接写出每个值);应为已发布的数据"]


def test_a_file_of_many_tiny_values_is_refused_before_they_are_built(tmp_path):
    text = "evaluation: demo\nspan: 2019-2021\nperiods: [" + ", ".join(["2019"] * 20_000) + "]\n"
    assert refusal(params_file(tmp_path, text)).endswith("有超过 10,000 个值;这个 YAML 文件应是简短的设置")
