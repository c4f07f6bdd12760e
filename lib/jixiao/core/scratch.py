"""Scratch folders and temp files that say whose they are, so a later run removes what a killed one left
and nothing else.

A scratch folder is ``<tmp>/jixiao-<kind>-<pid>-<random>``; a temp file beside a target is
``.<target>.jixiao-<pid>-<random>[.<ext>].part``. The pid is the owner: once it is gone, whatever it left
is debris that the next run (or the next worker on that machine) removes. Files of any other name,
hidden or not, are never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

SCRATCH_NAME = re.compile(r"jixiao-(?P<kind>[a-z]+)-(?P<pid>\d+)-[a-z0-9_]+")
TEMP_NAME = re.compile(r"\..+\.jixiao-(?P<pid>\d+)-[a-z0-9_]+(?:\.[A-Za-z0-9]+)?\.part")


def owner_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to judge
        return True
    return True


def scratch_dir(kind: str) -> Path:
    """A new scratch folder owned by this process."""
    return Path(tempfile.mkdtemp(prefix=f"jixiao-{kind}-{os.getpid()}-"))


def temp_prefix(target: Path) -> str:
    """The start of a temp file's name beside ``target`` (``mkstemp`` adds the random part)."""
    return f".{Path(target).name}.jixiao-{os.getpid()}-"


def sweep_scratch(root: Path | None = None) -> int:
    """Remove the scratch folders under ``root`` (the temp folder) whose owner process is gone."""
    count = 0
    for path in Path(root or tempfile.gettempdir()).glob("jixiao-*-*-*"):
        m = SCRATCH_NAME.fullmatch(path.name)
        if m and path.is_dir() and not path.is_symlink() and not owner_alive(int(m["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            count += 1
    return count


def remove_temp_files(folder: Path, include_own: bool = False) -> int:
    """Delete the temp files jixiao processes left under ``folder``: those whose owner is gone (and, with
    ``include_own``, this process's own, when it is stopping). Nothing else, however it is named."""
    count = 0
    for path in Path(folder).rglob(".*.part"):
        m = TEMP_NAME.fullmatch(path.name)
        if not m or not path.is_file() or path.is_symlink():
            continue
        pid = int(m["pid"])
        if (include_own and pid == os.getpid()) or not owner_alive(pid):
            path.unlink(missing_ok=True)
            count += 1
    return count
