"""The ``jixiao`` command: validate, template, run.

Exit codes: 0 success, 2 bad input or parameters (with every problem listed),
1 a notebook of the batch failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .problems import ERROR, NOTE, WARNING, ParameterError


def _print_problems(problems, stream) -> None:
    for severity in (ERROR, WARNING, NOTE):
        for p in problems:
            if p.severity == severity:
                print(str(p), file=stream)


def cmd_validate(args) -> int:
    from .evaluation import read_raw
    from .metrics import Period

    span = None
    if args.span:
        try:
            p = Period.parse(args.span)
        except ParameterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        span = (p.first, p.last)
    evaluation = read_raw(Path(args.raw_dir), span)
    _print_problems(evaluation.problems, sys.stdout)
    errors, warnings = len(evaluation.errors), len(evaluation.warnings)
    if errors:
        print(f"{args.raw_dir}: {errors} error(s), {warnings} warning(s); fix the errors and run again.")
        return 2
    print(f"{args.raw_dir}: valid ({warnings} warning(s)).")
    return 0


def cmd_template(args) -> int:
    from .template import write_templates

    try:
        written = write_templates(Path(args.dir), overwrite=args.force)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_run(args) -> int:
    from .batch import run_batch
    from .config import PARAMS_FILE
    from .params import load_params

    try:
        params = load_params(Path(args.params) if args.params else PARAMS_FILE, raw=args.raw, out=args.out,
                             periods=args.period, jobs=args.jobs)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return run_batch(params, notebooks_dir=Path(args.notebooks) if args.notebooks else None,
                     progress=not args.quiet, force=args.force)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jixiao", description="绩效评价报告: validate inputs, write templates, run reports")
    parser.add_argument("--version", action="version", version=f"jixiao {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check an evaluation's raw workbooks; exit 2 when any error")
    v.add_argument("raw_dir", help="folder of the contract's workbooks")
    v.add_argument("--span", help="the evaluation's period (e.g. 2019-2021), to flag dates far outside it")
    v.set_defaults(func=cmd_validate)

    t = sub.add_parser("template", help="write the contract's blank workbooks for an analyst to fill")
    t.add_argument("dir", help="folder to write into (created when missing)")
    t.add_argument("--force", action="store_true", help="overwrite existing workbooks")
    t.set_defaults(func=cmd_template)

    r = sub.add_parser("run", help="run every section notebook for every period; export HTML, PDF and index")
    r.add_argument("--params", help="parameters file (default: params.yaml of the project)")
    r.add_argument("--raw", help="raw folder, instead of params' raw_dir")
    r.add_argument("--out", help="output folder, instead of params' out_dir")
    r.add_argument("--period", action="append", help="a period to run (repeatable), instead of params' periods")
    r.add_argument("--jobs", type=int, help="notebooks run at once (default: the machine's cores)")
    r.add_argument("--notebooks", help="folder of section notebooks (default: the project's notebooks/)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--force", action="store_true",
                   help="run every section again, even those whose inputs, notebook and parameters are unchanged")
    r.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
