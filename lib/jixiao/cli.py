"""The ``jixiao`` command: new, validate, template, run, watch, fields.

Messages are in Chinese unless ``--lang en`` or ``JIXIAO_LANG=en`` (``jixiao.core.i18n``).
Exit codes: 0 success, 2 bad input or parameters (with every problem listed),
1 a notebook of the batch failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from jixiao.core.version import __version__
from jixiao.core.i18n import LANGUAGES, set_lang, t
from jixiao.core.problems import ERROR, NOTE, WARNING, ParameterError, escape_controls


def _print_problems(problems, stream, details: bool = False) -> None:
    """Errors, then warnings, then notes; a rule met on many rows shows its first few and a count, unless
    ``details`` (a 1,000,000-row sheet with one slip per row once printed 1.3 million lines)."""
    from jixiao.intake.summary import SHOWN_PER_RULE, summary_lines

    for severity in (ERROR, WARNING, NOTE):
        found = (p for p in problems if p.severity == severity)
        for line in summary_lines(found, None if details else SHOWN_PER_RULE):
            print(line, file=stream)


def _error(message: object) -> int:
    print(escape_controls(t(f"错误:{message}", f"error: {message}")), file=sys.stderr)
    return 2


def cmd_validate(args) -> int:
    from jixiao.api import evaluation_folder, params_file_of
    from jixiao.intake.folder import read_raw
    from jixiao.core.period import Period
    from jixiao.contract.params import load_params

    layout = None
    span = None
    try:
        if args.params:
            params = load_params(Path(args.params), raw=args.raw_dir)
            raw_dir, layout = params.raw_dir, params.layout
            span = (params.span.first, params.span.last)
        elif args.raw_dir:
            # the folder's own params file, as jx.open and the notebooks find it: its span, files and columns
            raw_dir = evaluation_folder(args.raw_dir)
            found = params_file_of(raw_dir)
            if found is not None:
                params = load_params(found)
                layout, span = params.layout, (params.span.first, params.span.last)
                print(t(f"按参数文件 {found} 检查(评价期 {params.span.label})",
                        f"checking with the params file {found} (span {params.span.label})"), file=sys.stderr)
        else:
            return _error(t("请给出原始数据文件夹,或用 --params 指定评价的参数文件",
                            "give the raw folder, or the evaluation's params file with --params"))
        if args.span:
            p = Period.parse(args.span)
            span = (p.first, p.last)
    except ParameterError as exc:
        return _error(exc)
    if args.params:
        from jixiao.intake.glyphs import unprintable_settings

        refused = unprintable_settings(params.project, params.report.cover)
        if refused:
            return _error(refused)
    templates = [f for f in (params.report.template, params.report.annual_template) if f is not None] if args.params else []
    for template in templates:  # the span's template and the single years'
        from jixiao.output.report import TemplateProblem, check_template
        from jixiao.output.template_source import TemplateSourceError, read_template

        try:
            text, note = read_template(template)
            if note:
                print(t(f"注意:{note}", f"note: {note}"))
            check_template(text, _shown_path(template))
        except TemplateSourceError as exc:
            print(t(f"错误:{exc}", f"error: {exc}"))
            return 2
        except TemplateProblem as exc:
            print(t(f"错误:报告模板 {exc}", f"error: report template {exc}"))
            return 2
    if args.params and params.report.reference_docx is not None:
        from jixiao.output.template_source import TemplateSourceError, read_reference_docx

        try:
            read_reference_docx(params.report.reference_docx)
        except TemplateSourceError as exc:
            print(t(f"错误:{exc}", f"error: {exc}"))
            return 2
    evaluation = read_raw(raw_dir, span, layout)
    _print_problems(evaluation.problems, sys.stdout, details=args.details)
    from jixiao.intake.normalised import summary_lines

    from jixiao.intake.adjust import adjustment_lines

    for line in [*summary_lines(evaluation.normalised, details=args.details), *adjustment_lines(evaluation.adjustments)]:
        print(line)
    errors, warnings = len(evaluation.errors), len(evaluation.warnings)
    if args.params and params.report.final:
        warnings += _warn_unwritten(params)
    shown = args.raw_dir or raw_dir
    if errors:
        print(t(f"{shown}:{errors} 个错误,{warnings} 个警告;请改正错误后再运行。",
                f"{shown}: {errors} error(s), {warnings} warning(s); fix the errors and run again."))
        return 2
    print(t(f"{shown}:有效({warnings} 个警告)。", f"{shown}: valid ({warnings} warning(s))."))
    return 0


def _warn_unwritten(params) -> int:
    """``final: true``: the placeholders the report will have whatever the data (the template and cover
    alone say); 1 when there are any (a warning: the run will not publish the report), else 0."""
    from jixiao.output.report import builtin_template
    from jixiao.output.template_source import read_template
    from jixiao.output.unwritten import certain_placeholders

    template = params.report.template
    text = read_template(template)[0] if template is not None else builtin_template()
    found = certain_placeholders(text, params.report.cover)
    if not found.count:
        return 0
    cover_zh = f",封面未填 {'、'.join(found.cover)}" if found.cover else ""
    cover_en = f", cover fields left blank: {', '.join(found.cover)}" if found.cover else ""
    print(t(f"警告:report.final 为 true,但仅凭模板和封面即可确定报告至少有 {found.count} 处占位(正文 {found.in_text} 处"
            f"【待撰写】{cover_zh});有占位的报告不会发布,上次生成的报告保留。条件或循环中的占位和数据中的空值"
            "(【无数据】)要运行时才知道,不计在内",
            f"warning: report.final is true, but the template and cover alone make at least {found.count} "
            f"placeholder(s) certain ({found.in_text} 【待撰写】 in the text{cover_en}); a report with placeholders is "
            "not published and the last one made is kept. Placeholders inside conditions or loops and blanks in "
            "the data (【无数据】) are known only when the report is built and are not counted"))
    return 1


def _shown_path(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cmd_template(args) -> int:
    from jixiao.contract.params import parse_stages
    from jixiao.contract.sheets import STAGES
    from jixiao.intake.template import write_templates

    try:
        stages = split_stages(args.stages) if args.stages else None
        if stages:
            parse_stages(stages, None, "--stages")
        written = write_templates(Path(args.dir), overwrite=args.force, stages=stages or STAGES)
    except (FileExistsError, ParameterError) as exc:
        return _error(exc)
    for path in written:
        print(t(f"已写入 {path}", f"wrote {path}"))
    return 0


def new_params_text(name: str, project: str, span, raw_dir: str, stages: list[str] | None = None) -> str:
    """The params file ``jixiao new`` writes: the run's settings, its milestone stages when given, and the
    department's layout commented out."""
    periods = ", ".join([*(str(y) for y in span.years), span.label]) if len(span.years) > 1 else span.label
    if stages:
        staged = (
            "# 进度阶段(按先后);初验、终验默认为最后两个阶段,可在 stage_roles 中另行指定:\n"
            "# The milestone stages in order; 初验 and 终验 are the last two unless stage_roles says otherwise:\n"
            f"milestone_stages: [{', '.join(json.dumps(s, ensure_ascii=False) for s in stages)}]\n"
            f"# stage_roles: {{初验: {json.dumps(stages[-2] if len(stages) > 1 else stages[-1], ensure_ascii=False)}, "
            f"终验: {json.dumps(stages[-1], ensure_ascii=False)}}}\n"
            "# 本次评价没有的工作表(其工作簿存在时),例如没有好差评: / sheets the evaluation lacks, e.g. no public reviews:\n"
            "# sheets_absent: [好差评]\n")
    else:
        staged = ""
    return (
        f"# 评价 {name} 的参数(jixiao new 生成)。运行: .venv/bin/jixiao run --params params.{name}.yaml\n"
        f"# Parameters of the evaluation {name} (written by jixiao new). Paths are relative to this file's folder.\n"
        f"evaluation: {name}\n"
        f"project: {json.dumps(project, ensure_ascii=False)}\n"
        f"raw_dir: {raw_dir}\n"
        f"span: {span.label}\n"
        f"periods: [{periods}]\n"
        "out_dir: reports\n"
        f"{staged}"
        "# 部门自己的文件名和表头(可选;表头带 (元) 的金额列按元读入并换算为万元):\n"
        "# The department's own file names and headers (optional; a money header with (元) is read in 元):\n"
        "# files:\n"
        "#   spending.xlsx: 2021年支付明细.xlsx\n"
        "#   subprojects.xlsx: {file: 项目台账.xlsx, sheet: 项目清单}        # 一个工作簿的一张表 / a sheet of a workbook\n"
        "#   budget.xlsx: {file: 项目台账.xlsx, sheet: 年度预算, header_row: 3}\n"
        "#   # spending.xlsx: [{file: 2019-2020年支付.xls}, {file: 2021年支付.csv}]   # 几个文件合为一张表 / one table\n"
        "# columns:\n"
        "#   spending.xlsx: {项目编号: 子项目编号, 付款金额(元): 支付金额(元)}\n"
        "# 问卷由谁填写、量词、列出受访者的列(默认 单位/个) / who answered the survey (default 单位/个):\n"
        "# survey_respondents: {word: 群众, unit: 人, column: 受访者}\n"
        "# 评价人员的剔除与更正,原始文件不动(见 docs/errors.md) / the evaluator's adjustments:\n"
        "# adjustments: adjustments.yaml\n"
        "# 报告:模板(内置模板的副本,撰写其中【待撰写】处)、封面信息;final: true 时有占位的报告不发布\n"
        "# The report: its template (a copy of the built-in one: write the 【待撰写】 parts), the cover; final: true\n"
        "# refuses to publish a report that still has a placeholder\n"
        "report:\n"
        f"  template: report.{name}.md\n"
        "  final: false\n"
        "  # 报告编号: XX-JX-2024-001\n"
        "  # 委托单位: 某市财政局\n"
        "  # 受委托单位: 某评价机构\n"
        "  # 提交日期: 2024年9月\n"
    )


def split_stages(text: str) -> list[str]:
    """``--stages 申报,审核,拨付`` (commas, full-width commas or 、) as a list of stage names."""
    import re

    return [s.strip() for s in re.split(r"[,，、]", text) if s.strip()]


def cmd_new(args) -> int:
    from jixiao.core.atomic import atomic_write_text
    from jixiao.core.config import PROJECT_ROOT, RAW_DIR
    from jixiao.contract.sheets import FILES
    from jixiao.core.period import Period
    from jixiao.contract.params import check_name, parse_stages
    from jixiao.contract.sheets import STAGES
    from jixiao.intake.template import write_templates

    try:
        name = check_name(args.name)
        span = Period.parse(args.span)
        stages = split_stages(args.stages) if args.stages else None
        if stages:
            parse_stages(stages, None, "--stages")
    except ParameterError as exc:
        return _error(exc)
    project = args.project or name
    raw = RAW_DIR / name
    params_path = PROJECT_ROOT / f"params.{name}.yaml"
    taken = [p for p in (params_path, *(raw / f for f in FILES)) if p.exists()]
    if taken:
        return _error(t(f"{'、'.join(str(p) for p in taken)} 已存在;评价 {name} 已建立过(换一个名称,或直接编辑这些文件)",
                        f"{', '.join(str(p) for p in taken)} already exist; the evaluation {name} was made before "
                        "(choose another name, or edit those files)"))
    written = write_templates(raw, stages=stages or STAGES, first_year=span.first)
    from jixiao.output.report import builtin_template

    report_path = PROJECT_ROOT / f"report.{name}.md"
    if not report_path.exists():
        atomic_write_text(report_path, builtin_template())
        written = [*written, report_path]
    rel_raw = raw.relative_to(PROJECT_ROOT).as_posix() if raw.is_relative_to(PROJECT_ROOT) else str(raw)
    atomic_write_text(params_path, new_params_text(name, project, span, rel_raw, stages))
    for path in written:
        print(t(f"已写入 {path}", f"wrote {path}"))
    print(t(f"已写入 {params_path}", f"wrote {params_path}"))
    print(t(f"下一步:在 {rel_raw}/ 的工作簿中删去示例行、填入数据(部门自己的文件名、表头可在 {params_path.name} 的 "
            f"files、columns 中声明),然后运行\n"
            f"  .venv/bin/jixiao validate --params {params_path.name}\n"
            f"  .venv/bin/jixiao run --params {params_path.name}",
            f"Next: in the workbooks of {rel_raw}/ delete the sample rows and type the data in (the department's own "
            f"file names and headers may be declared under files and columns in {params_path.name}), then run\n"
            f"  .venv/bin/jixiao validate --params {params_path.name}\n"
            f"  .venv/bin/jixiao run --params {params_path.name}"))
    return 0


def cmd_fields(args) -> int:
    """Every field, table and chart name a report template may use for one period, with its value."""
    import json

    import yaml

    from jixiao.contract.params import load_params
    from jixiao.output.fields import FILTERS, listed
    from jixiao.sections import SECTIONS, period_parts

    try:
        from jixiao.core.config import PARAMS_FILE

        params = load_params(Path(args.params) if args.params else PARAMS_FILE, out=args.out)
    except ParameterError as exc:
        return _error(exc)
    period = str(args.period or params.span.label)
    folder = params.report_dir / period
    metrics_path = folder / "metrics.json"
    if not metrics_path.is_file():
        return _error(t(f"{metrics_path} 不存在;先运行 jixiao run --params {args.params or 'params.yaml'} --period {period}",
                        f"{metrics_path} does not exist; run jixiao run --params {args.params or 'params.yaml'} "
                        f"--period {period} first"))
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    published_path = params.raw_dir / "published.yaml"
    published = yaml.safe_load(published_path.read_text(encoding="utf-8")) if published_path.is_file() else {}
    whole = period == params.span.label
    print(t(f"# 字段({{{{ 名称 }}}}):{'整个评价期' if whole else '本年度'} {period} 的值",
            f"# fields ({{{{ name }}}}): the values of {'the whole span' if whole else 'the single year'} {period}"))
    for key, value in listed(metrics):
        print(escape_controls(f"{key}\t{value}"))
    span_metrics = params.report_dir / params.span.label / "metrics.json"
    if not whole and span_metrics.is_file():  # a single year's template names whole-span values as span.…
        print(t(f"# 整个评价期 {params.span.label} 的字段({{{{ span.名称 }}}}),单年度报告中也可使用",
                f"# fields of the whole span {params.span.label} ({{{{ span.name }}}}), usable in a single year's report"))
        for key, value in listed(json.loads(span_metrics.read_text(encoding="utf-8"))):
            print(escape_controls(f"span.{key}\t{value}"))
    for key, value in listed(published or {}, "published"):
        print(escape_controls(f"{key}\t{value}"))
    print(t("# 其他名称", "# other names"))
    print("period\tspan\tis_span\tproject\tcover[\"报告编号\"] …\t待撰写(\"…\")\tcontents()")
    from jixiao.output.review import listed_review

    for key, value in listed_review(metrics, published):
        print(escape_controls(f"{key}\t{value}"))
    parts = period_parts(folder, evaluation=params.evaluation, project=params.project)
    print(t("# 章节 {{ section(\"…\") }}", "# sections {{ section(\"…\") }}"))
    for s in SECTIONS:
        print(s.key)
    print(t("# 表格 {{ table(\"…\") }}", "# tables {{ table(\"…\") }}"))
    for name, table in parts.tables.items():
        print(f"{name}\t{table.caption}({len(table.rows)} 行)")
    print(t("# 图表 {{ chart(\"…\") }}", "# charts {{ chart(\"…\") }}"))
    for name, chart in parts.charts.items():
        print(f"{name}\t{chart.caption}")
    print(t("# 过滤器 {{ 字段 | 过滤器 }}", "# filters {{ field | filter }}"))
    for name, fn in FILTERS.items():
        print(f"{name}\t{t(FILTER_WORDS.get(name, (fn.__doc__ or '').strip()), (fn.__doc__ or '').strip())}")
    return 0


# what each template filter does, as ``jixiao fields`` says it in Chinese (in English: the filter's own docstring)
FILTER_WORDS = {
    "亿元": "万元换算为亿元,保留两位小数:80,692.06万元 → 8.07亿元",
    "数值": "只要数,不带单位:80,692.06 / 98.42 / 75 / 77.20",
    "千分位": "数字加千分位分隔符:35806422 → 35,806,422",
    "百分比": "已印出的百分数(如 published.yaml 的 98.42)加上百分号:98.42%",
    "年月": "日期只写年月:2022年9月",
    "万元": "金额(万元)保留两位小数并加单位:274128 → 274,128.00万元",
    "区间": "分档名称写成文字:[90%,100%) → 90%（含）至100%,≥100% → 100%及以上,<60% → 低于60%",
}


def cmd_run(args) -> int:
    from jixiao.run.batch import run_batch
    from jixiao.core.config import PARAMS_FILE
    from jixiao.contract.params import load_params
    from jixiao.run.scheduler import parse_scheduler

    if args.debug:
        os.environ["JIXIAO_DEBUG"] = "1"  # workers and kernels inherit it
    try:
        scheduler = parse_scheduler(args.scheduler)
    except ParameterError as exc:
        return _error(exc)
    if args.portfolio:
        from jixiao.run.portfolio import run_portfolio

        clash = [flag for flag, value in (("--params", args.params), ("--raw", args.raw), ("--out", args.out),
                                          ("--period", args.period)) if value]
        if clash:
            return _error(ParameterError(t(f"--portfolio 不能与 {'、'.join(clash)} 同用:组合中每个评价用它自己的参数文件",
                                           f"--portfolio does not go with {', '.join(clash)}: each evaluation "
                                           "of a portfolio runs under its own params file")))
        try:
            return run_portfolio(Path(args.portfolio), jobs=args.jobs, scheduler=scheduler, progress=not args.quiet,
                                 force=args.force, pdf=not args.no_pdf,
                                 notebooks_dir=Path(args.notebooks) if args.notebooks else None,
                                 kept=args.kept)
        except ParameterError as exc:
            return _error(exc)
    try:
        params = load_params(Path(args.params) if args.params else PARAMS_FILE, raw=args.raw, out=args.out,
                             periods=args.period, jobs=args.jobs)
    except ParameterError as exc:
        return _error(exc)
    return run_batch(params, notebooks_dir=Path(args.notebooks) if args.notebooks else None,
                     progress=not args.quiet, force=args.force, pdf=not args.no_pdf, scheduler=scheduler,
                     kept=args.kept)


def cmd_watch(args) -> int:
    from jixiao.core.config import NOTEBOOKS_DIR, PARAMS_FILE
    from jixiao.contract.params import load_params
    from jixiao.run.scheduler import parse_scheduler
    from jixiao.run.watch import watch

    if args.debug:
        os.environ["JIXIAO_DEBUG"] = "1"
    try:
        scheduler = parse_scheduler(args.scheduler)
    except ParameterError as exc:
        return _error(exc)
    params_file = Path(args.params) if args.params else PARAMS_FILE
    if not params_file.is_file():
        return _error(ParameterError(t(f"找不到参数文件 {params_file}", f"params file {params_file} not found")))

    def load():
        return load_params(params_file, raw=args.raw, out=args.out, periods=args.period, jobs=args.jobs)

    return watch(params_file, load, notebooks_dir=Path(args.notebooks) if args.notebooks else NOTEBOOKS_DIR,
                 jobs=args.jobs, pdf=not args.no_pdf, force=args.force, progress=not args.quiet, scheduler=scheduler,
                 say=lambda line: print(line, flush=True))


def _lang_from(argv: list[str]) -> str | None:
    """--lang as given anywhere on the command line (the parser's own help is built in that language)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS,
                        help=t("消息语言:zh(默认)或 en;也可设环境变量 JIXIAO_LANG",
                               "language of the messages: zh (default) or en; or set JIXIAO_LANG"))
    parser = argparse.ArgumentParser(prog="jixiao", parents=[common], description=t(
        "绩效评价报告:建立评价、检查输入、生成模板、运行报告",
        "绩效评价报告: new evaluation, validate inputs, write templates, run reports"))
    parser.add_argument("--version", action="version", version=f"jixiao {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    n = sub.add_parser("new", parents=[common], help=t(
        "建立一次新的评价:data/raw/NAME/ 下的空白工作簿和参数文件 params.NAME.yaml",
        "make a new evaluation: blank workbooks in data/raw/NAME/ and its params file params.NAME.yaml"))
    n.add_argument("name", help=t(
        "评价名称,用作文件夹名:中文或英文字母、数字、'.'、'-'、'_'(不含空格或斜杠),例如 某县2022",
        "the evaluation's name, used as a folder name: letters of any script (Chinese too), digits, '.', '-', '_' "
        "(no spaces or slashes), e.g. 某县2022"))
    n.add_argument("--span", required=True, help=t("评价期,例如 2022-2023", "the evaluation's period, e.g. 2022-2023"))
    n.add_argument("--project", help=t("被评价项目的标题,印在每一页上", "the evaluated project's title, printed on every page"))
    n.add_argument("--stages", help=t(
        "进度阶段(按先后,逗号分隔),例如 申报,审核,拨付,公示,验收;默认为信息化项目的七个阶段(启动 … 终验)",
        "the milestone stages in order, comma-separated, e.g. 申报,审核,拨付,公示,验收; default: an IT project's "
        "seven (启动 … 终验)"))
    n.set_defaults(func=cmd_new)

    v = sub.add_parser("validate", parents=[common], help=t(
        "检查评价的原始工作簿;有错误时退出码为 2", "check an evaluation's raw workbooks; exit 2 when any error"))
    v.add_argument("raw_dir", nargs="?", help=t("原始工作簿所在文件夹", "folder of the raw workbooks"))
    v.add_argument("--params", help=t("评价的参数文件(读取其 raw_dir、span、files、columns)",
                                      "the evaluation's params file (its raw_dir, span, files and columns)"))
    v.add_argument("--span", help=t("评价期(例如 2019-2021),用于发现评价期之外的年度和日期",
                                    "the evaluation's period (e.g. 2019-2021), to flag years and dates outside it"))
    v.add_argument("--details", action="store_true", help=t(
        "列出每一处问题和每个已自动规范的单元格(默认:同一问题超过 5 处时只列前 5 处和总数,规范的单元格只列每类的个数)",
        "list every problem and every cell normalised automatically (default: a problem met more than 5 times shows "
        "its first 5 and a count; normalised cells, a count of each kind)"))
    v.set_defaults(func=cmd_validate)

    tp = sub.add_parser("template", parents=[common], help=t(
        "写出合同规定的空白工作簿供分析人员填写", "write the contract's blank workbooks for an analyst to fill"))
    tp.add_argument("dir", help=t("写入的文件夹(不存在时创建)", "folder to write into (created when missing)"))
    tp.add_argument("--force", action="store_true", help=t("覆盖已有的工作簿", "overwrite existing workbooks"))
    tp.add_argument("--stages", help=t(
        "进度阶段(按先后,逗号分隔),写入 阶段 下拉列表,例如 申报,审核,拨付,公示,验收;默认为信息化项目的七个阶段",
        "the milestone stages in order, comma-separated, for the 阶段 dropdown, e.g. 申报,审核,拨付,公示,验收; "
        "default: an IT project's seven"))
    tp.set_defaults(func=cmd_template)

    r = sub.add_parser("run", parents=[common], help=t(
        "对每个期间运行每个章节的 notebook;导出 HTML、PDF（--no-pdf 时不导出）和索引",
        "run every section notebook for every period; export HTML, PDF (unless --no-pdf) and index"))
    _run_options(r)
    r.add_argument("--portfolio", help=t("组合文件:多个评价的参数文件列表与输出文件夹,一次运行",
                                         "a portfolio file: many evaluations' params files and one output folder"))
    r.set_defaults(func=cmd_run)

    w = sub.add_parser("watch", parents=[common], help=t(
        "先运行一次，之后每当保存了运行所读的文件（参数、工作簿、模板、notebook）就重建受影响的输出；"
        "工作进程和内核一直保持就绪，改动后几秒内更新（Ctrl-C 结束）",
        "run, then rebuild what is affected whenever a file the run reads (params, workbooks, templates, notebooks) "
        "is saved; the workers and kernels stay warm, so an edit is out in seconds (Ctrl-C to end)"))
    _run_options(w)
    w.set_defaults(func=cmd_watch)

    f = sub.add_parser("fields", parents=[common], help=t(
        "列出报告模板可用的字段、表格和图表名称及其值(读取已运行的期间)",
        "list the field, table and chart names a report template may use, with their values (of a period already run)"))
    f.add_argument("--params", help=t("参数文件(默认:项目的 params.yaml)", "parameters file (default: params.yaml of the project)"))
    f.add_argument("--period", help=t("期间(默认:整个评价期)", "the period (default: the whole span)"))
    f.add_argument("--out", help=t("输出文件夹,代替参数文件的 out_dir", "output folder, instead of params' out_dir"))
    f.set_defaults(func=cmd_fields)
    return parser


def _run_options(r: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``watch`` share."""
    r.add_argument("--params", help=t("参数文件(默认:项目的 params.yaml)", "parameters file (default: params.yaml of the project)"))
    r.add_argument("--raw", help=t("原始数据文件夹;须与参数文件的 raw_dir 相同", "raw folder; must be the params file's raw_dir"))
    r.add_argument("--out", help=t("输出文件夹,代替参数文件的 out_dir", "output folder, instead of params' out_dir"))
    r.add_argument("--period", action="append", help=t("要运行的期间(可重复),代替参数文件的 periods",
                                                       "a period to run (repeatable), instead of params' periods"))
    r.add_argument("--jobs", type=int, help=t("同时运行的 notebook 数(默认:CPU 核数)",
                                              "notebooks run at once (default: the machine's cores)"))
    r.add_argument("--notebooks", help=t("章节 notebook 所在文件夹(默认:项目的 notebooks/)",
                                         "folder of section notebooks (default: the project's notebooks/)"))
    r.add_argument("--quiet", action="store_true", help=t("不显示进度条", "no progress bar"))
    r.add_argument("--debug", action="store_true", help=t("失败时也显示 traceback", "show tracebacks with failures"))
    r.add_argument("--scheduler", help=t("在哪里运行 notebook:local(本机进程池,默认)、dask(本机 Dask 集群)"
                                         "或 tcp://主机:端口(已有的 Dask 调度器)",
                                         "where notebooks run: local (this machine's pool, the default), dask "
                                         "(a Dask LocalCluster) or tcp://HOST:PORT (an existing Dask scheduler)"))
    r.add_argument("--no-pdf", action="store_true", help=t(
        "不生成 PDF（章节页和报告只写 HTML 和 Word，更快）；未改动的、已带 PDF 的输出原样沿用；之后不带此选项再运行时补齐 PDF",
        "make no PDF (pages and reports as HTML and Word only, faster); what a run made with its PDF and did not change "
        "stands as it is; a later run without it makes the missing PDFs"))
    r.add_argument("--force", action="store_true", help=t(
        "重新运行每个章节,即使其输入、notebook 和参数都未改变",
        "run every section again, even those whose inputs, notebook and parameters are unchanged"))


def main(argv: list[str] | None = None, *, kept=None) -> int:
    """``kept``: a ``run.scheduler.KeptScheduler`` whose warm workers ``jixiao run`` uses and leaves running, for a
    caller that runs many batches in one process (the test session); the command line always starts its own."""
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = _lang_from(argv)
    if chosen in LANGUAGES:
        set_lang(chosen)
    args = build_parser().parse_args(argv)
    args.kept = kept
    try:
        return args.func(args)
    except BrokenPipeError:  # `jixiao fields | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error as Python flushes stdout
        return 0
    except KeyboardInterrupt:  # Ctrl-C outside a batch's own handling (validating, a second press): one line
        print(t("已中断", "interrupted"), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
