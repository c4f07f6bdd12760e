"""Validation problems said once per rule: a sheet of 100,000 rows with the same slip on every row prints a
handful of lines (the first cells, then how many there are), not 100,000.

A rule is told by what a reader would call the same problem: severity, file, sheet, column and the message
with its numbers left out ("与第 5 行重复" and "与第 9 行重复" are one rule). Nothing here changes a
problem; ``jixiao validate --details`` prints them all.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator

from jixiao.core.i18n import t
from jixiao.core.problems import Problem

SHOWN_PER_RULE = 5
_NUMBER = re.compile(r"\d[\d,.]*")


def rule_key(problem: Problem, templates: dict[str, str] | None = None) -> tuple:
    """What makes two problems the same rule; ``templates`` remembers each message's template, so 100,000
    problems with one message run the regular expression once."""
    template = None if templates is None else templates.get(problem.message)
    if template is None:
        template = _NUMBER.sub("#", problem.message)
        if templates is not None:
            templates[problem.message] = template
    return problem.severity, problem.file, problem.sheet, problem.column, template


def summary_lines(problems: Iterable[Problem], shown: int | None = SHOWN_PER_RULE) -> Iterator[str]:
    """Each problem as printed, in the order given, but no more than ``shown`` of one rule: after the last one
    shown, a line with the rule's count (``shown`` None: every problem)."""
    problems = list(problems)
    if shown is None:
        yield from (str(p) for p in problems)
        return
    templates: dict[str, str] = {}
    keys = [rule_key(p, templates) for p in problems]
    counts = Counter(keys)
    seen: Counter = Counter()
    for p, key in zip(problems, keys):
        seen[key] += 1
        if seen[key] <= shown:
            yield str(p)
        if seen[key] == shown and counts[key] > shown:
            more = counts[key] - shown
            yield t(f"  …… 同一问题共 {counts[key]:,} 处,以上是前 {shown} 处,另有 {more:,} 处未列出;"
                    "用 jixiao validate --details 列出全部",
                    f"  …… the same problem {counts[key]:,} times: the first {shown} above, {more:,} more not "
                    "listed; jixiao validate --details lists them all")
