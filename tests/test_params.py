"""Run and notebook parameters: every refusal says which parameter and what was expected, in Chinese by
default and in English on request."""

from __future__ import annotations

import pytest

from jixiao.contract.params import check_notebook_parameters, check_notebook_types
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
