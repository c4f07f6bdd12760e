"""Scratch is owned, not guessed: the sweep removes only folders this project made (their marker names the
creating process and its start time) whose owner has ended, never a folder that merely looks like one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jixiao.core import scratch
from jixiao.core.scratch import SCRATCH_MARKER, process_start, scratch_dir, sweep_scratch


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def marked(root, name, owner):
    path = root / name
    path.mkdir()
    (path / "data").write_text("x", encoding="utf-8")
    (path / SCRATCH_MARKER).write_text(json.dumps(owner), encoding="utf-8")
    return path


def test_only_marked_folders_of_ended_owners_are_swept(tmp_path):
    pid = dead_pid()
    debris = marked(tmp_path, f"jixiao-task-{pid}-abc123", {"pid": pid, "start": None})
    lookalike = tmp_path / f"jixiao-backup-{pid}-final"
    lookalike.mkdir()
    (lookalike / "report.docx").write_text("the user's", encoding="utf-8")
    year = tmp_path / "jixiao-backup-2023-final"
    year.mkdir()
    # a marker that names another process than the folder's name: not one this project wrote
    forged = marked(tmp_path, f"jixiao-task-{pid}-def456", {"pid": pid + 1, "start": None})
    alive = marked(tmp_path, f"jixiao-task-{os.getpid()}-ghi789", {"pid": os.getpid(), "start": process_start(os.getpid())})
    assert sweep_scratch(tmp_path) == 1
    assert not debris.exists()
    assert lookalike.is_dir() and year.is_dir() and forged.is_dir() and alive.is_dir()


@pytest.mark.skipif(process_start(os.getpid()) is None, reason="the system does not say when a process started")
def test_a_reused_pid_does_not_keep_the_old_owners_scratch(tmp_path):
    # the folder's pid now belongs to a process started later (this one): the scratch is debris
    reused = marked(tmp_path, f"jixiao-kernel-{os.getpid()}-abc", {"pid": os.getpid(), "start": "1"})
    assert sweep_scratch(tmp_path) == 1 and not reused.exists()


def test_scratch_dir_is_marked_with_its_owner(tmp_path, monkeypatch):
    monkeypatch.setattr(scratch.tempfile, "tempdir", str(tmp_path))
    path = scratch_dir("font")
    owner = json.loads((path / SCRATCH_MARKER).read_text(encoding="utf-8"))
    assert owner == {"pid": os.getpid(), "start": process_start(os.getpid())}
    assert sweep_scratch(tmp_path) == 0 and path.is_dir()


def test_an_interrupted_word_build_leaves_owned_scratch(tmp_path, monkeypatch):
    import pypandoc

    from jixiao.output.docx import write_docx
    from jixiao.output.report import Document

    monkeypatch.setattr(scratch.tempfile, "tempdir", str(tmp_path))
    seen = []

    def killed(*args, outputfile, **kwargs):  # the build stops here, as if killed
        folder = os.path.dirname(outputfile)
        seen.append(os.path.basename(folder))
        assert os.path.isfile(os.path.join(folder, SCRATCH_MARKER))
        raise KeyboardInterrupt

    monkeypatch.setattr(pypandoc, "convert_text", killed)
    with pytest.raises(KeyboardInterrupt):
        write_docx(Document(title="t", project="p", cover=[], markdown="x", blocks=[]))
    [name] = seen
    assert name.startswith(f"jixiao-docx-{os.getpid()}-")
