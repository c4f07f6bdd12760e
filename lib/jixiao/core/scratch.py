"""Scratch folders and temp files that say whose they are, so a later run removes what a killed one left
and nothing else.

A scratch folder is ``<tmp>/jixiao-<kind>-<pid>-<random>`` holding a marker file (``.jixiao-scratch``)
that names the creating process and its start time; a temp file beside a target is
``.<target>.jixiao-<pid>-<random>[.<ext>].part``. The pid is the owner: once it is gone (or its number
now belongs to a process started later), whatever it left is debris that the next run (or the next
worker on that machine) removes. A folder without the marker is not ours, however it is named (a user's
``/tmp/jixiao-backup-2023-final`` stays); files of any other name, hidden or not, are never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

SCRATCH_NAME = re.compile(r"jixiao-(?P<kind>[a-z]+)-(?P<pid>\d+)-[a-z0-9_]+")
SCRATCH_MARKER = ".jixiao-scratch"
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


def process_start(pid: int) -> str | None:
    """When process ``pid`` started, in the system's own ticks since boot (Linux's /proc), or None where
    the system does not say: with it a reused pid is told from the scratch folder's real owner."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # the command name may hold spaces and brackets
    return fields[19] if len(fields) > 19 else None  # field 22 of stat: starttime


def scratch_dir(kind: str) -> Path:
    """A new scratch folder owned by this process, marked as such."""
    path = Path(tempfile.mkdtemp(prefix=f"jixiao-{kind}-{os.getpid()}-"))
    (path / SCRATCH_MARKER).write_text(json.dumps({"pid": os.getpid(), "start": process_start(os.getpid())}),
                                       encoding="utf-8")
    return path


def _scratch_owner(path: Path, pid_in_name: int) -> dict | None:
    """The marker's record if ``path`` is a scratch folder this project made, else None."""
    marker = path / SCRATCH_MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        owner = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(owner, dict) or owner.get("pid") != pid_in_name:
        return None
    return owner


def _owner_gone(owner: dict) -> bool:
    pid = owner["pid"]
    if not owner_alive(pid):
        return True
    started = owner.get("start")
    now = process_start(pid)
    return started is not None and now is not None and now != started  # the number went to a later process


def temp_prefix(target: Path) -> str:
    """The start of a temp file's name beside ``target`` (``mkstemp`` adds the random part)."""
    return f".{Path(target).name}.jixiao-{os.getpid()}-"


def sweep_scratch(root: Path | None = None) -> int:
    """Remove the scratch folders under ``root`` (the temp folder) that this project made (their marker
    says so) and whose owner process is gone."""
    count = 0
    for path in Path(root or tempfile.gettempdir()).glob("jixiao-*-*-*"):
        m = SCRATCH_NAME.fullmatch(path.name)
        if not m or path.is_symlink() or not path.is_dir():
            continue
        owner = _scratch_owner(path, int(m["pid"]))
        if owner is not None and _owner_gone(owner):
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
