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
