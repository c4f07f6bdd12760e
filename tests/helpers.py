"""Helpers shared by several test modules (no test module imports another): what a page carries, what a
display block shows, an in-process engine for the batch's bookkeeping."""

from __future__ import annotations

import hashlib
import re
import shutil
from concurrent.futures import Future
from pathlib import Path

from jixiao.core.period import Period
from jixiao.output.index import Status
from jixiao.run.execute import TaskKind, TaskOutput

SPAN = Period(2019, 2021)


def copy_of(tree: Path, folder: Path) -> Path:
    """A copy of a run's evaluation folder (``<out>/<evaluation>``) as ``folder/out/<evaluation>``, times kept, so
    a test may change or re-run it without touching a run other tests share."""
    copy = folder / "out" / tree.name
    shutil.copytree(tree, copy)
    return copy


def assert_carries_its_own_font(html):
    """The page draws every character it shows from the font it embeds: no reader's fonts needed."""
    import base64
    import io

    from fontTools.ttLib import TTFont

    from jixiao.output.export import page_text

    m = re.search(r'@font-face \{ font-family: "JixiaoCJK"; src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)', html)
    assert m, "no embedded font"
    assert re.search(r'body \{ font-family: "JixiaoCJK"', html)
    cmap = set()
    # a report embeds its serif and 黑体 faces too, the first face then holding only what they lack
    for data in re.findall(r'@font-face \{ font-family: "Jixiao\w*"; src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)', html):
        with TTFont(io.BytesIO(base64.b64decode(data))) as font:
            cmap |= set(font.getBestCmap())
    shown = {ch for ch in page_text(html) if not ch.isspace()}
    assert shown and not [ch for ch in shown if ord(ch) not in cmap]


def shown_texts(section_key, block, results, period=SPAN, monkeypatch=None):
    """The text of what a display block shows (notes and headings as text, tables and charts by caption)."""
    from jixiao.sections import get_section
    from jixiao.sections.base import SectionView

    module = __import__(f"jixiao.sections.{section_key}", fromlist=["x"])
    shown = getattr(module, block)(SectionView(get_section(section_key), "e", "x", period, SPAN, results.metrics,
                                               results.frames[section_key]))
    return [getattr(p, "caption", None) or getattr(p, "text", "") for p in shown]


class Completed:
    """Futures in submission order, pages before reports; more may be added while iterating (as the batch does
    for reports)."""

    def __init__(self, futures, engine):
        self.pending, self.engine = list(futures), engine

    def add(self, future) -> None:
        self.pending.append(future)

    def __iter__(self):
        while self.pending:
            # pages before reports, as on a pool where a report (submitted first) takes longest
            pages = [f for f in self.pending if self.engine.tasks[f].kind is not TaskKind.REPORT]
            future = pages[0] if pages else self.pending[0]
            self.pending.remove(future)
            if self.engine.interrupt_before_report and self.engine.tasks[future].kind is TaskKind.REPORT:
                raise KeyboardInterrupt()
            yield future


class InlineEngine:
    """Runs a task at submission: a section page is its title and project, a report its project and the
    SHA-256 of the metrics.json it was given."""

    shared_filesystem = True
    interrupt_before_report = False
    fail = ()  # sections that fail
    lose_after = None  # the scheduler is lost after this many pages
    raise_on_result = None  # an exception every result raises (a worker lost beyond its retries)
    padding = 0  # bytes of white space added to every page and report

    def __init__(self):
        self.tasks: dict = {}
        self.submitted = 0
        self.pages = 0  # page tasks submitted (``lose_after`` counts them: a report is submitted beside them)

    def submit(self, task):
        future = Future()
        self.tasks[future] = task
        self.submitted += 1
        self.pages += task.kind is not TaskKind.REPORT
        if self.lose_after is not None and self.pages > self.lose_after:
            future.set_exception(ConnectionError("lost"))
        elif self.raise_on_result is not None:
            future.set_exception(self.raise_on_result)
        elif task.kind is TaskKind.REPORT:
            digest = hashlib.sha256(task.files.get("metrics.json", b"")).hexdigest()
            html = f"<html>{task.project} {digest}</html>" + " " * self.padding
            future.set_result(TaskOutput(task.evaluation, task.period, task.section, Status.OK, 0.0,
                                         files={"html": html.encode()}))
        elif task.section in self.fail:
            future.set_result(TaskOutput(task.evaluation, task.period, task.section, Status.FAILED, 0.0,
                                         error="ValueError: broken", files={"ipynb": b"{}"}))
        else:
            html = f"<html>{task.title} {task.parameters['project']}</html>" + " " * self.padding
            future.set_result(TaskOutput(task.evaluation, task.period, task.section, Status.OK, 0.0,
                                         files={"ipynb": b"{}", "html": html.encode()}))
        return future

    def as_completed(self, futures):
        return Completed(futures, self)

    def lost(self, exc):
        return "tcp://127.0.0.1:8786" if isinstance(exc, ConnectionError) else None

    def worker_lost(self, exc):
        return isinstance(exc, ChildProcessError)

    def shutdown(self) -> None:
        pass

    def kill(self) -> None:
        pass
