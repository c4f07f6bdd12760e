"""Write a synthetic portfolio of small, valid evaluations for tests and the bench.

    python scripts/make_portfolio.py N OUT [--seed S]

OUT/portfolio.yaml lists N evaluations OUT/e01 … OUT/eNN, each a raw folder (the contract's workbooks)
and its params.yaml. Every row is SYNTHETIC, drawn from a seeded random generator: spans of one to
three years between 2018 and 2024, 3 to 14 subprojects, and some evaluations without a survey,
a score sheet or milestones (their sections then say so). The same N, seed and jixiao version give
byte-identical workbooks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

import yaml
from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from jixiao.contract.sheets import SHEETS_BY_KEY, STAGES  # noqa: E402

DOMAINS = ("基础平台", "政务服务", "城市治理", "民生保障", "数据资源")
UNITS = ("市政务服务数据管理局", "市教育局", "市卫生健康局", "市交通运输局", "市民政局")
QUESTIONS = {
    "您对项目的整体满意程度?": (("十分满意", 1), ("较为满意", 1), ("一般", 0), ("不满意", 0)),
    "项目是否满足您单位的业务需求?": (("完全满足", 1), ("基本满足", 1), ("部分满足", 0), ("不满足", 0)),
}
INDICATORS = (("决策", "项目立项", "立项依据充分性", 10), ("决策", "绩效目标", "目标明确性", 10),
              ("过程", "资金管理", "预算执行率", 20), ("过程", "组织实施", "管理制度执行", 10),
              ("产出", "产出数量", "实际完成率", 20), ("产出", "产出时效", "完成及时性", 10),
              ("效益", "满意度", "服务对象满意度", 20))


def headers(key: str) -> list[str]:
    return [c.header for c in SHEETS_BY_KEY[key].columns]


def save(path: Path, sheets: dict[str, list[list]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    # fixed document properties: the same seed gives the same bytes
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 1, 1)
    wb.save(path)


def wan(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


def day(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def make_evaluation(folder: Path, name: str, rng: random.Random) -> dict:
    first = rng.randint(2018, 2022)
    span = (first, min(first + rng.randint(0, 2), 2024))
    years = list(range(span[0], span[1] + 1))
    folder.mkdir(parents=True, exist_ok=True)
    count = rng.randint(3, 14)
    subprojects, budget, spending, milestones = [headers("subprojects")], [headers("budget")], [headers("spending")], [headers("milestones")]
    for i in range(1, count + 1):
        sid = f"{name.upper()}-{i:03d}"
        approved = wan(rng, 50, 3000) if rng.random() > 0.15 else None
        subprojects.append([sid, f"{rng.choice(DOMAINS)}子项目{i}", rng.choice(DOMAINS), rng.choice(UNITS), approved])
        if approved is None:
            continue
        shares = [rng.random() for _ in years]
        for year, share in zip(years, shares):
            adjusted = round(approved * share / sum(shares), 2)
            budget.append([sid, year, round(adjusted * rng.uniform(1.0, 1.3), 2), adjusted])
        paid_total = approved * rng.uniform(0.3, 1.0)
        for k in range(rng.randint(1, 4)):
            year = rng.choice(years)
            spending.append([sid, day(rng, year), round(paid_total / 4, 2), f"第{k + 1}笔付款"])
        start = day(rng, years[0])
        for s, stage in enumerate(STAGES):
            planned = min(start + dt.timedelta(days=45 * s), dt.date(span[1], 12, 31))
            actual = planned + dt.timedelta(days=rng.randint(-10, 40)) if rng.random() > 0.2 else None
            if actual is not None and actual > dt.date(span[1], 12, 31):
                actual = None
            milestones.append([sid, stage, planned, actual])
    save(folder / "subprojects.xlsx", {"子项目": subprojects})
    save(folder / "budget.xlsx", {"预算": budget})
    save(folder / "spending.xlsx", {"支出": spending})
    absent = rng.choice([None, None, "survey", "scoring", "milestones"])
    if absent != "milestones":
        save(folder / "milestones.xlsx", {"进度": milestones})
    if absent != "survey":
        answers = [["单位名称", *QUESTIONS]]
        for u in range(rng.randint(5, 30)):
            answers.append([f"单位{u + 1:02d}", *(rng.choice(opts)[0] for opts in QUESTIONS.values())])
        options = [headers("survey_options")]
        for q, opts in QUESTIONS.items():
            options += [[q, o, n + 1, flag] for n, (o, flag) in enumerate(opts)]
        reviews = [headers("public_reviews")]
        for year in years:
            for month in range(1, 13):
                five = rng.randint(1000, 90000)
                reviews.append([f"{year}-{month:02d}", rng.randint(0, 5), rng.randint(0, 5), rng.randint(0, 50),
                                rng.randint(10, 500), five])
        save(folder / "survey.xlsx", {"问卷": answers, "选项": options, "好差评": reviews})
    if absent != "scoring":
        rows = [headers("scoring")[:6]]
        for level1, level2, level3, weight in INDICATORS:
            rows.append([level1, level2, level3, weight, round(weight * rng.uniform(0.55, 1.0), 2), "合成数据"])
        save(folder / "scoring.xlsx", {"指标": rows})
    label = f"{span[0]}-{span[1]}" if span[0] != span[1] else str(span[0])
    params = {"evaluation": name, "project": f"{span[0]}-{span[1]} 年度合成评价 {name}(合成数据)",
              "raw_dir": "raw", "span": label, "out_dir": "reports"}
    return params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    out = Path(args.out)
    listed = []
    for i in range(1, args.n + 1):
        name = f"e{i:02d}"
        params = make_evaluation(out / name / "raw", name, rng)
        (out / name / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False),
                                                encoding="utf-8")
        listed.append(f"{name}/params.yaml")
    (out / "portfolio.yaml").write_text(yaml.safe_dump({"evaluations": listed, "out_dir": "reports"},
                                                       allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(f"wrote {args.n} synthetic evaluations and {out / 'portfolio.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
