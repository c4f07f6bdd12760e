"""计算方法与口径: one sentence per computed figure, said once.

The report's 二 (评价方法) and its 附件 (计算方法与口径) print the same list (``method_sentences``), so the
two can never say different things; a sentence is printed only when the period has the figure it explains.
"""

from __future__ import annotations

from jixiao.contract.rules import indicator_figures
from jixiao.figures.indicators import stage_list

# (the metrics.json section the sentence explains, the sentence); "{word}": who answered the survey
METHODS: tuple[tuple[str, str], ...] = (
    ("expenditure", "支出率 = 期内支付金额 ÷ 期内各年度调整后预算；子项目支出率 = 截至期末的累计支付 ÷ 立项批复金额，"
                    "按 100%及以上、90%至100%、80%至90%、60%至80%、60%以下分档（含下限、不含上限），"
                    "未发生支付的已批复子项目计为暂未下达资金。"),
    ("milestones", "期末完成率 = 计划完成日期在期内且期末前实际完成的节点 ÷ 计划完成日期在期内的节点。"),
    ("survey", "问卷占比 = 选择该选项的{word} ÷ 回答该题的{word}；合计占比 = 选择计入合计选项（选项表中“是否满意”"
               "标为 1）的回答 ÷ 全部回答，以这些选项命名。"),
    ("public_reviews", "五星好评率 = 五星评价 ÷ 全部评价；差评 = 1星 + 2星评价，差评率 = 差评 ÷ 全部评价。"),
    ("scoring", "等级：优（得分≥90）、良（80≤得分<90）、中（60≤得分<80）、差（得分<60）。"),
)
ROUNDING = "金额以万元计、保留两位小数，比率保留两位小数，均四舍五入；数据来源与核对表见工作底稿。"


def method_sentences(metrics: dict) -> list[str]:
    """The sentences for the figures this period has, in report order; then each figure a 三级指标 is scored
    from (its 计分依据), and the rounding rule."""
    out = []
    for key, sentence in METHODS:
        if metrics.get(key):
            from jixiao.sections.common import respondents

            word = respondents(metrics)[0] if metrics.get("survey") else "单位"
            out.append(sentence.format(word=word))
    checks = (metrics.get("scoring") or {}).get("checks") or []
    checks = checks.values() if isinstance(checks, dict) else checks
    named = indicator_figures(stage_list(metrics))
    seen = []
    for check in checks:
        key = check.get("metric")
        said = any(s.startswith(f"{named[key][0]} =") or f"；{named[key][0]} =" in s for s in out) if key in named else True
        if not said and key not in seen:
            seen.append(key)
    if seen:
        out.append("由数据计算、作为指标计分依据的数字：" + "；".join(f"{named[k][0]} = {named[k][1]}" for k in seen) + "。")
    out.append(ROUNDING)
    return out
