"""What each metrics.json key holds, declared once: the report template prints a field by its kind.

A key's kind is never guessed from its name. Patterns use ``*`` for a part that comes from the data
(a domain, a stage, a survey question, a year, a list index). Kinds:

- ``money``: 万元 (``80,692.06万元``)
- ``rate``: a fraction printed as a percentage (``98.42%``)
- ``count``: a whole number with its unit word (``75个``, ``35,806,422条``)
- ``score``: points (``77.20分``); ``weight``: an indicator's 分值 (``20分``)
- ``date``: ISO date printed ``2021年12月31日``; ``year``: ``2019年``
- ``text``: as it is; ``list``: items joined with 、
``published.…`` fields (published.yaml) are ``printed``: the figure as the published report printed it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    kind: str
    unit: str = ""  # a count's unit word


MONEY, RATE, SCORE, WEIGHT = Kind("money"), Kind("rate"), Kind("score"), Kind("weight")
DATE, YEAR, TEXT, LIST, PRINTED = Kind("date"), Kind("year"), Kind("text"), Kind("list"), Kind("printed")


def count(unit: str) -> Kind:
    return Kind("count", unit)


GE = count("个")
TIAO = count("条")

FIELDS: dict[str, Kind] = {
    "project": TEXT,
    "period": TEXT,
    "span": TEXT,
    "period_end": DATE,
    # expenditure
    "expenditure.budget": MONEY,
    "expenditure.initial_budget_in_period": MONEY,
    "expenditure.spent": MONEY,
    "expenditure.rate": RATE,
    "expenditure.adjustment_rate_in_period": RATE,
    "expenditure.by_year.*.year": YEAR,
    "expenditure.by_year.*.budget": MONEY,
    "expenditure.by_year.*.initial_budget": MONEY,
    "expenditure.by_year.*.spent": MONEY,
    "expenditure.by_year.*.rate": RATE,
    "expenditure.by_year.*.adjustment_rate": RATE,
    "expenditure.approvals_as_of": TEXT,
    "expenditure.subprojects": GE,
    "expenditure.approved_total": MONEY,
    "expenditure.spent_to_end": MONEY,
    "expenditure.spend_rate_to_end": RATE,
    "expenditure.subproject_bands.*": GE,
    "expenditure.no_funds_issued": GE,
    "expenditure.no_funds_subprojects": LIST,
    "expenditure.domains.*.subprojects": GE,
    "expenditure.domains.*.approved_total": MONEY,
    "expenditure.domains.*.share_of_approved_total": RATE,
    "expenditure.domains.*.spent_to_end": MONEY,
    "expenditure.domains.*.spend_rate_to_end": RATE,
    "expenditure.domains.*.budget_in_period": MONEY,
    "expenditure.domains.*.spent_in_period": MONEY,
    "expenditure.domains.*.rate_in_period": RATE,
    "expenditure.investment_top3_to_end": LIST,
    "expenditure.subproject_count_top3_to_end": LIST,
    "expenditure.budget_to_end": MONEY,
    "expenditure.paid_to_end": MONEY,
    "expenditure.spend_rate_budget_to_end": RATE,
    # milestones: one entry per stage
    "milestones.*.planned": GE,
    "milestones.*.done": GE,
    "milestones.*.rate": RATE,
    "milestones.*.on_time": GE,
    "milestones.*.on_time_strict": RATE,
    # survey
    "survey.respondents": GE,
    "survey.respondent_word": TEXT,  # who answered: 单位 by default, 群众, 学生家长 … (params' survey_respondents)
    "survey.respondent_unit": TEXT,  # the word counting them: 个 by default, 人, 家 …
    "survey.positive": GE,  # positive answers (options marked 是否满意 = 1), every question together
    "survey.answered": GE,  # answers, every question together
    "survey.positive_share": RATE,  # the overall share: survey.positive ÷ survey.answered
    "survey.questions.*.answered": GE,
    "survey.questions.*.positive": GE,
    "survey.questions.*.positive_share": RATE,
    "survey.questions.*.positive_options": LIST,
    "survey.questions.*.options.*": GE,
    "survey.questions.*.shares.*": RATE,
    # public reviews
    "public_reviews.months": LIST,
    "public_reviews.months.*": TEXT,  # the first and the last month: 2020-07 (| 年月: 2020年7月)
    "public_reviews.month_count": count("个月"),
    "public_reviews.total": TIAO,
    "public_reviews.five_star": TIAO,
    "public_reviews.five_star_rate": RATE,
    "public_reviews.bad": TIAO,
    "public_reviews.bad_rate": RATE,
    "public_reviews.stars.*": TIAO,
    # scoring
    "scoring.levels.*.weight": WEIGHT,
    "scoring.levels.*.score": SCORE,
    "scoring.levels.*.rate": RATE,
    "scoring.levels.*.achievement": TEXT,
    "scoring.weight": WEIGHT,
    "scoring.total": SCORE,
    "scoring.rate": RATE,
    "scoring.grade": TEXT,
    "scoring.checks.*.indicator": TEXT,
    "scoring.checks.*.metric": TEXT,
    "scoring.checks.*.value": RATE,
    "scoring.checks.*.method": TEXT,
    "scoring.checks.*.computed": SCORE,
    "scoring.checks.*.entered": SCORE,
    "scoring.checks_differ": GE,
    # the score sheet's third-level indicators with their reasons (指标解释, 评分标准, 扣分理由; blank: null)
    "scoring.indicators.*.level1": TEXT,
    "scoring.indicators.*.level2": TEXT,
    "scoring.indicators.*.level3": TEXT,
    "scoring.indicators.*.weight": WEIGHT,
    "scoring.indicators.*.score": SCORE,
    "scoring.indicators.*.lost": SCORE,
    "scoring.indicators.*.note": TEXT,
    "scoring.indicators.*.explanation": TEXT,
    "scoring.indicators.*.standard": TEXT,
    "scoring.indicators.*.deduction_reason": TEXT,
    "scoring.indicators.*.reason_missing": TEXT,  # true: points lost without a 扣分理由 (the report's 【待撰写】)
    "scoring.unexplained_losses": GE,
    "scoring.unexplained_indicators": LIST,
    "published_disagreements": count("处"),
    # trends (whole span only)
    "trends.years": LIST,
    "trends.expenditure_in_year.*.budget": MONEY,
    "trends.expenditure_in_year.*.initial_budget": MONEY,
    "trends.expenditure_in_year.*.spent": MONEY,
    "trends.expenditure_in_year.*.rate": RATE,
    "trends.expenditure_in_year.*.adjustment_rate": RATE,
    "trends.bands_at_year_end.*.subprojects": GE,
    "trends.bands_at_year_end.*.bands.*": GE,
    "trends.milestones_in_year.*.*.planned": GE,
    "trends.milestones_in_year.*.*.done": GE,
    "trends.milestones_in_year.*.*.rate": RATE,
    "trends.public_reviews_in_year.*.total": TIAO,
    "trends.public_reviews_in_year.*.five_star": TIAO,
    "trends.public_reviews_in_year.*.five_star_rate": RATE,
    "trends.public_reviews_in_year.*.bad": TIAO,
    "trends.public_reviews_in_year.*.bad_rate": RATE,
    "trends.public_reviews_by_month.*.total": TIAO,
    "trends.public_reviews_by_month.*.five_star": TIAO,
    "trends.public_reviews_by_month.*.five_star_rate": RATE,
}

# the annual 项目支出绩效自评表 of a single year (output.selfeval_form.selfeval_fields): 自评.…; null where the form
# shows 【待填写】. Indicators by their 三级指标; funds rows 年度资金总额, 财政拨款, 其他资金.
SELF_EVALUATION_FIELDS: dict[str, Kind] = {
    "自评.年度": YEAR,
    "自评.项目名称": TEXT,
    "自评.主管部门": TEXT,
    "自评.实施单位": TEXT,
    "自评.年初预算数": MONEY,
    "自评.全年预算数": MONEY,
    "自评.全年执行数": MONEY,
    "自评.执行率": RATE,
    "自评.分值": WEIGHT,
    "自评.得分": SCORE,
    "自评.资金.*.年初预算数": MONEY,
    "自评.资金.*.全年预算数": MONEY,
    "自评.资金.*.全年执行数": MONEY,
    "自评.年度总体目标.预期目标": TEXT,
    "自评.年度总体目标.实际完成情况": TEXT,
    "自评.指标.*.一级指标": TEXT,
    "自评.指标.*.二级指标": TEXT,
    "自评.指标.*.指标性质": TEXT,
    "自评.指标.*.年度指标值": TEXT,
    "自评.指标.*.度量单位": TEXT,
    "自评.指标.*.实际完成值": TEXT,
    "自评.指标.*.分值": WEIGHT,
    "自评.指标.*.得分": SCORE,
    "自评.指标.*.偏差原因": TEXT,
    "自评.满分": WEIGHT,
    "自评.总分": SCORE,
    "自评.等级": TEXT,
    "自评.待填写": count("处"),
    "自评.状态": TEXT,
}
FIELDS.update(SELF_EVALUATION_FIELDS)

_PATTERNS = [(tuple(k.split(".")), v) for k, v in FIELDS.items()]


def _parts(key) -> tuple:
    """A key's parts: a dotted string, or the parts themselves when a part from the data may hold a dot
    (a question "4.您对…", a stage "7.终验")."""
    return tuple(key.split(".")) if isinstance(key, str) else tuple(str(p) for p in key)


def kind_of(key) -> Kind | None:
    """The declared kind of a dotted metrics.json key (``expenditure.domains.基础平台.approved_total``) or of its
    parts, else None. ``published.…`` keys are ``printed``."""
    parts = _parts(key)
    if parts[:1] == ("published",):
        return PRINTED
    for pattern, kind in _PATTERNS:
        if len(pattern) == len(parts) and all(p == "*" or p == q for p, q in zip(pattern, parts)):
            return kind
    return None


def is_declared_branch(key) -> bool:
    """True when ``key`` (dotted, or its parts) is a prefix of a declared field (a mapping the template may go into)."""
    parts = _parts(key)
    if parts[:1] == ("published",):
        return True
    return any(len(p) > len(parts) and all(a == "*" or a == b for a, b in zip(p, parts)) for p, _ in _PATTERNS)
