#!/usr/bin/env python3
"""Write the SYNTHETIC input workbooks of a county compulsory-education subsidy evaluation, 2022-2023.

Everything here is invented: the county (示例县), its schools, pupils, budgets, payments, milestones,
survey answers and indicator scores. No row describes a real county or school. The script is seeded and
deterministic (same bytes on every run); it exists to show and test an evaluation that is not an IT
project: its own milestone stages (申报, 审核, 拨付, 公示, 验收), no public reviews (survey.xlsx holds the
survey only, and the params file declares 好差评 absent), and the payments in the department's own file,
in 元, mapped through the params file's ``files`` and ``columns``. See
data/raw/county-education-2022-2023/README.md and params.county-education.yaml.

The indicator rows linked to a computed figure (计分依据) carry the score their rule gives on this data,
computed here with plain arithmetic, so the report's score checks agree.

    python scripts/make_education_inputs.py [--out DIR]
"""
from __future__ import annotations

import argparse
import random
import sys
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the Dongguan generator's writer (fixed timestamps, the standard library's XML whatever is installed); imported
# before anything imports openpyxl, which reads its XML switch once
from make_dongguan_inputs import write_workbook as write_stamped  # noqa: E402

SEED = 20240115
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "raw" / "county-education-2022-2023"
STAMP = datetime(2024, 1, 15)
YEARS = (2022, 2023)
SPAN_END = date(2023, 12, 31)
STAGES = ["申报", "审核", "拨付", "公示", "验收"]
PAYMENTS_FILE = "2022-2023年补助资金拨付明细.xlsx"  # the department's own file (params: files, columns)
PAYMENT_HEADERS = ["学校编号", "拨付日期", "拨付金额(元)", "用途"]

# school -> (name, kind, pupils); per-pupil public funds (公用经费) in 元 per year by kind
SCHOOLS = [
    ("JY-01", "城关第一小学", "小学", 2140), ("JY-02", "城关第二小学", "小学", 1680),
    ("JY-03", "河东小学", "小学", 960), ("JY-04", "河西小学", "小学", 820),
    ("JY-05", "青石镇中心小学", "小学", 1130), ("JY-06", "白塔乡小学", "小学", 410),
    ("JY-07", "柳湾村小学", "小学", 260), ("JY-08", "新区实验小学", "小学", 1490),
    ("JY-09", "城关中学", "初中", 1870), ("JY-10", "青石镇中学", "初中", 980),
    ("JY-11", "白塔乡中学", "初中", 540), ("JY-12", "县第二中学", "初中", 1350),
    ("JY-13", "河东九年一贯制学校", "九年一贯制", 1220), ("JY-14", "山口九年一贯制学校", "九年一贯制", 630),
]
PER_PUPIL_YUAN = {"小学": 650, "初中": 850, "九年一贯制": 750}
QUESTIONS = {
    "补助资金拨付是否及时?": [("十分及时", 1), ("较为及时", 1), ("一般", 0), ("不及时", 0)],
    "您对公用经费补助政策的整体满意程度?": [("十分满意", 1), ("较为满意", 1), ("一般", 0), ("不满意", 0)],
}
FEN_PER_YUAN, FEN_PER_WAN = 100, 1_000_000


def wan(fen: int) -> float:
    """Fen as 万元 with two decimals (exact: every amount here is a whole number of fen)."""
    return float(Decimal(fen) / FEN_PER_WAN)


def yuan(fen: int) -> float:
    return float(Decimal(fen) / FEN_PER_YUAN)


def day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def build(rng: random.Random) -> dict:
    """Every table as rows, and the facts the scores are computed from."""
    subprojects, budget, payments, milestones = [], [], [], []
    adjusted_total = paid_total = 0
    for sid, name, kind, pupils in SCHOOLS:
        approved = 0
        for year in YEARS:
            # budgets are whole 元 (pupils x rate), typed in 万元 with up to two decimals: round to 100 元
            initial = round(pupils * PER_PUPIL_YUAN[kind], -2) * FEN_PER_YUAN
            change = rng.choice([0, 0, 0, 1, -1]) * rng.randint(1, 8) * 1_000 * FEN_PER_YUAN  # enrolment changes
            adjusted = initial + change
            budget.append([sid, year, wan(initial), wan(adjusted)])
            approved += adjusted
            adjusted_total += adjusted
            # two instalments a year (spring, autumn); most schools get it all, a few a little less
            share = Fraction(1) if rng.random() < 0.7 else Fraction(rng.randint(90, 99), 100)
            due = int(adjusted * share) // 100 * 100  # whole 元
            first = due // 2 // 100 * 100
            for when, amount, what in ((day(rng, date(year, 3, 10), date(year, 4, 20)), first, "春季学期公用经费"),
                                       (day(rng, date(year, 9, 5), date(year, 10, 25)), due - first, "秋季学期公用经费")):
                payments.append([sid, when, yuan(amount), what])
                paid_total += amount
        subprojects.append([sid, name, kind, "县教育局", wan(approved), date(2022, 2, 25)])
        # one cycle of the subsidy per school: applied, reviewed, funds issued, published, accepted
        plan = {"申报": date(2022, 3, 15), "审核": date(2022, 4, 15), "拨付": date(2022, 6, 30),
                "公示": date(2022, 9, 30), "验收": date(2023, 11, 30)}
        late = rng.random()
        for stage in STAGES:
            planned = plan[stage]
            if stage == "验收" and late < 0.15:
                actual = None  # not accepted by the end of 2023
            elif stage in ("拨付", "公示") and late < 0.3:
                actual = planned + timedelta(days=rng.randint(5, 40))  # issued or published late
            else:
                actual = planned - timedelta(days=rng.randint(0, 10))
            milestones.append([sid, stage, planned, actual])
    respondents = [[name] for _, name, _, _ in SCHOOLS]
    options = []
    for question, choices in QUESTIONS.items():
        weights = [0.5, 0.35, 0.1, 0.05]
        for row in respondents:
            row.append(rng.choices([c for c, _ in choices], weights)[0])
        options += [[question, option, order, positive] for order, (option, positive) in enumerate(choices, 1)]
    facts = {"adjusted_total": adjusted_total, "paid_total": paid_total, "milestones": milestones,
             "respondents": respondents}
    return {"subprojects": subprojects, "budget": budget, "payments": payments, "milestones": milestones,
            "survey": respondents, "options": options, "facts": facts}


def round_half_up(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def linked_scores(facts: dict) -> dict[str, Decimal]:
    """The score each linked indicator's rule gives on this data (as jixiao computes it)."""
    ms = facts["milestones"]

    def stage_rate(stage):
        rows = [m for m in ms if m[1] == stage]
        return Fraction(sum(1 for m in rows if m[3] is not None and m[3] <= SPAN_END), len(rows))

    execution = Fraction(facts["paid_total"], facts["adjusted_total"])
    on_time = Fraction(sum(1 for m in ms if m[3] is not None and m[3] <= m[2]), len(ms))
    answers = [a for row in facts["respondents"] for a in row[1:]]
    positive = {o for choices in QUESTIONS.values() for o, p in choices if p}
    satisfied = Fraction(sum(1 for a in answers if a in positive), len(answers))
    issued = stage_rate("拨付")
    stepped = 1 if issued >= Fraction(95, 100) else Fraction(8, 10) if issued >= Fraction(9, 10) else (
        Fraction(6, 10) if issued >= Fraction(8, 10) else 0)
    return {
        "预算执行率": round_half_up(10 * min(execution, Fraction(1))),
        "补助资金拨付率": round_half_up(10 * stepped),
        "资金拨付及时性": round_half_up(10 * min(on_time / Fraction(95, 100), Fraction(1))),
        "验收通过率": round_half_up(15 * min(stage_rate("验收"), Fraction(1))),
        "学校满意度": round_half_up(10 * min(satisfied / Fraction(90, 100), Fraction(1))),
    }


def scoring_rows(facts: dict) -> list[list]:
    linked = linked_scores(facts)
    rows = [
        ["决策", "项目立项", "立项依据充分性", 5, 5, "依据《义务教育法》和省市公用经费标准", None, None, None, None],
        ["决策", "绩效目标", "绩效目标合理性", 5, 4.5, "目标明确,个别指标未量化", None, None, None, None],
        ["决策", "资金投入", "预算编制科学性", 5, 4, "按在校生人数测算,学期中人数变动调整较晚", None, None, None, None],
        ["过程", "资金管理", "预算执行率", 10, float(linked["预算执行率"]), "拨付 ÷ 调整后预算",
         "budget_execution_rate", "比例", "100%", None],
        ["过程", "资金管理", "资金使用合规性", 8, 7.5, "抽查凭证,个别学校支出分类不准", None, None, None, None],
        ["过程", "组织实施", "制度执行有效性", 7, 6, "公示及时,档案不全", None, None, None, None],
        ["产出", "产出数量", "补助资金拨付率", 10, float(linked["补助资金拨付率"]), "完成拨付的学校 ÷ 计划拨付的学校",
         "stage_completion_rate:拨付", "阶梯", None, "95%:1; 90%:0.8; 80%:0.6; 0:0"],
        ["产出", "产出时效", "资金拨付及时性", 10, float(linked["资金拨付及时性"]), "按期完成的节点 ÷ 计划节点",
         "milestone_on_time_rate", "比例", "95%", None],
        ["产出", "产出质量", "验收通过率", 15, float(linked["验收通过率"]), "通过验收的学校 ÷ 计划验收的学校",
         "stage_completion_rate:验收", "比例", "100%", None],
        ["效益", "社会效益", "办学条件改善", 10, 8.5, "教学设备和图书更新,农村学校改善明显", None, None, None, None],
        ["效益", "可持续影响", "经费保障长效机制", 5, 4, "已纳入年度预算,标准调整机制待完善", None, None, None, None],
        ["效益", "满意度", "学校满意度", 10, float(linked["学校满意度"]), "问卷中选择满意类选项的比例",
         "survey_positive_share", "比例", "90%", None],
    ]
    return rows


def workbooks(built: dict) -> dict[str, list[tuple]]:
    questions = list(QUESTIONS)
    return {
        "subprojects.xlsx": [("子项目", ["子项目编号", "子项目名称", "领域", "业务单位", "立项批复金额(万元)", "批复日期"],
                              built["subprojects"])],
        "budget.xlsx": [("预算", ["子项目编号", "年度", "年初预算(万元)", "调整后预算(万元)"], built["budget"])],
        PAYMENTS_FILE: [("拨付明细", PAYMENT_HEADERS, sorted(built["payments"], key=lambda r: (r[1], r[0])))],
        "milestones.xlsx": [("进度", ["子项目编号", "阶段", "计划完成日期", "实际完成日期"], built["milestones"])],
        # the survey only: this evaluation has no public reviews (好差评 declared absent in the params file)
        "survey.xlsx": [("问卷", ["单位名称", *questions], built["survey"]),
                        ("选项", ["题目", "选项", "顺序", "是否满意"], built["options"])],
        "scoring.xlsx": [("指标", ["一级指标", "二级指标", "三级指标", "分值", "得分", "评分说明", "计分依据", "计分方法",
                                  "目标值", "计分参数"], scoring_rows(built["facts"]))],
    }


def main(argv: list[str] | None = None) -> int:
    """Write the workbooks to --out and print what they add up to."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    built = build(random.Random(SEED))
    books = workbooks(built)
    for name, sheets in books.items():
        write_stamped(args.out / name, sheets, STAMP)
    facts = built["facts"]
    print(f"wrote {len(books)} workbooks to {args.out} (seed {SEED}, SYNTHETIC)")
    print(f"adjusted budget {wan(facts['adjusted_total']):,.2f} 万元, paid {yuan(facts['paid_total']):,.2f} 元; "
          f"linked scores {', '.join(f'{k} {v}' for k, v in linked_scores(facts).items())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
