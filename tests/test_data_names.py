"""Names from the data (questions, stages, domains) are data, never parts of a field path: a question numbered
"4." or a stage "7.终验" is reached by key and printed by its declared kind."""

from __future__ import annotations

from jixiao.contract.fields import RATE, kind_of
from jixiao.output.report import check_template, render
from jixiao.sections import PeriodParts

QUESTION = "4.您对项目建成后的服务是否满意"
METRICS = {"project": "某县项目", "period": "2021", "span": "2020-2021",
           "survey": {"respondents": 12, "questions": {QUESTION: {"answered": 12, "positive": 9, "positive_share": 0.75,
                                                                  "positive_options": ["满意", "非常满意"]}}},
           "milestones": {"7.终验": {"planned": 2, "done": 1, "rate": 0.5, "on_time": 1, "on_time_strict": 0.5}}}


def test_a_dotted_data_name_is_one_part_of_the_key():
    assert kind_of(("survey", "questions", QUESTION, "positive_share")) is RATE


def test_a_question_numbered_4_and_a_stage_7_render_by_key():
    text = (f'{{{{ survey.questions["{QUESTION}"].positive_share }}}}|{{{{ milestones["7.终验"].rate }}}}|'
            "{% for q, item in survey.questions.items() %}{{ q }}:{{ item.positive }}{% endfor %}|"
            "{% for s, m in milestones.items() %}{{ s }}:{{ m.done }}{% endfor %}")
    check_template(text, "report.md")
    doc = render(text, "report.md", metrics=METRICS, published=None, parts=PeriodParts(METRICS), cover={}, title="t")
    assert doc.markdown == f"75.00%|50.00%|{QUESTION}:9个|7.终验:1个"


def test_jixiao_fields_lists_a_dotted_name_by_key():
    from jixiao.output.fields import listed

    rows = dict(listed(METRICS))
    assert rows[f'survey.questions["{QUESTION}"].positive_share'] == "75.00%"
    assert rows['milestones["7.终验"].done'] == "1个"
    assert rows["survey.respondents"] == "12个"
