"""A period's report files as one set: the new set swapped in whole, the last good one never lost, the
user's edits never overwritten.

A period's report is report.html, report.pdf, report.docx and workpapers.html. The run writes a new set
to temp files beside their targets first; only when every one of them exists is the set swapped in, the
files it replaces moved to ``<period>/上一版/`` for the moment of the swap (so a rename that fails puts
everything back) and removed once the new set stands. A report that fails or is refused (``final: true``
with placeholders) touches nothing: the last set stays and the index calls it 旧版 and says why. When a
period's pages are about to be rewritten, the report beside them no longer matches them: it is moved to
``上一版/`` (not deleted) until its replacement exists.

Which files are the user's: the run records what it wrote (``.jixiao/written.json``: size, mtime and
SHA-256 per file). A report file whose bytes differ from every version the run wrote there was edited
(a paragraph added in Word, a note in a PDF): it is never overwritten, moved or deleted. The new version
is written beside it under a dated name (``report.2026-12-03-0931.docx``: the name says when it was
built, sorts after the user's own, and never takes the name the user's Word has open); the index and the
run's summary say so in one line, and the user decides which to keep.

A file the swap would move but cannot (a read-only or immutable file, or Word's lock on Windows) is found
before the run writes anything (``check_replaceable``: exit 2, nothing touched); met during a swap, that
period's set is put back as it was (``Locked``, exit 3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.atomic import _UMASK  # read once at import, as every atomic write does
from jixiao.core.i18n import t
from jixiao.core.scratch import temp_prefix
from jixiao.contract.fingerprint import sha256_file
from jixiao.run.runkeys import STATE_DIR, read_record, unchanged, write_record

PREVIOUS_DIR = "上一版"  # the last set, while its replacement is not yet whole
LEDGER_NAME = "written.json"


class Locked(Exception):
    """A file the run must move or replace cannot be (read-only, immutable, or held open by another program)."""

    def __init__(self, path: Path, exc: OSError):
        reason = exc.strerror or str(exc)
        super().__init__(t(f"错误:无法替换 {path}({reason});它可能被其他程序(如 Word)占用,或为只读。"
                           "关闭占用它的程序或解除只读后重新运行;该期的报告原样保留。",
                           f"error: cannot replace {path} ({reason}); another program (Word, say) may hold it, "
                           "or it is read-only. Close that program or make it writable, then run again; that "
                           "period's report was left as it was."))
        self.path = path


def _bytes_fingerprint(data: bytes, path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": hashlib.sha256(data).hexdigest()}


class Ledger:
    """``.jixiao/written.json``: each report file the run wrote (path relative to the report folder) -> the
    fingerprints of what it wrote there. Two only while a swap is under way: recorded before the rename,
    trimmed after it, so a run killed in between takes neither version for an edit."""

    def __init__(self, report_dir: Path):
        self.report_dir = Path(report_dir)
        self.path = self.report_dir / STATE_DIR / LEDGER_NAME
        record = read_record(self.path) or {}
        self.entries: dict[str, list[dict]] = dict(record.get("files") or {})

    def ours(self, rel: str, fallback: dict | None = None) -> bool:
        """The file at ``rel`` holds what the run wrote there (``fallback``: a run record's fingerprint, for a
        folder written before the ledger existed)."""
        known = self.entries.get(rel) or ([fallback] if fallback else [])
        path = self.report_dir / rel
        if any(unchanged(path, fp) for fp in known):
            return True
        # bytes the run wrote elsewhere (the dated version the user renamed to the report's name) are no edit
        written = {fp.get("sha256") for fps in self.entries.values() for fp in fps}
        return path.is_file() and sha256_file(path) in written

    def expect(self, rel: str, fingerprints: list[dict]) -> None:
        self.entries[rel] = [*self.entries.get(rel, []), *(fp for fp in fingerprints if fp)]

    def settle(self, rel: str, fingerprints: list[dict] | None) -> None:
        if fingerprints:
            self.entries[rel] = list(fingerprints)
        else:
            self.entries.pop(rel, None)

    def save(self) -> None:
        write_record(self.path, {"files": self.entries})


@dataclass
class Placed:
    """Where one period's report is now, as the index and the run record say it."""

    files: dict[str, str]  # kind -> path relative to the report folder: the run's own version
    digests: dict[str, dict] = field(default_factory=dict)  # rel -> fingerprint, of the files written now
    edited: dict[str, str] = field(default_factory=dict)  # kind -> the user's edited file, left as it is
    previous: bool = False  # the files are the last set, moved to 上一版/ because the pages changed

    def note(self) -> str:
        """One line per edited file kept: where the user's file is and where the run's version is."""
        lines = []
        for kind, mine in self.edited.items():
            theirs = self.files.get(kind)
            if theirs and theirs != mine:
                lines.append(t(f"{mine} 已被手工修改,未覆盖;本次生成的版本在 {theirs},请自行取舍",
                               f"{mine} was edited by hand and is left as it is; this run's version is {theirs}: "
                               "keep whichever you want"))
            else:
                lines.append(t(f"{mine} 已被手工修改,未覆盖", f"{mine} was edited by hand and is left as it is"))
        return ";".join(lines) if lines else ""


def dated_name(target: Path, when: dt.datetime) -> Path:
    return target.with_name(f"{target.stem}.{when.strftime('%Y-%m-%d-%H%M')}{target.suffix}")


class ReportFiles:
    """One period's report files: ``names`` kind -> file name, ``record`` the period's last report record
    (where the run's current set is: in place, beside an edit, or in 上一版/)."""

    def __init__(self, report_dir: Path, period: str, names: dict[str, str], ledger: Ledger, record: dict | None):
        self.report_dir = Path(report_dir)
        self.period = period
        self.names = names
        self.ledger = ledger
        self.record = record or {}
        self.folder = self.report_dir / period
        self.aside_dir = self.folder / PREVIOUS_DIR

    def rel(self, path: Path) -> str:
        return Path(path).relative_to(self.report_dir).as_posix()

    def ours(self, path: Path) -> bool:
        rel = self.rel(path)
        return Path(path).is_file() and self.ledger.ours(rel, (self.record.get("digests") or {}).get(rel))

    def edited(self, path: Path) -> bool:
        """There is a file and the run did not write it as it is: the user's."""
        return Path(path).is_file() and not self.ours(path)

    def current(self) -> dict[str, Path]:
        """kind -> the run's last version of that file, where it is now."""
        files = self.record.get("files") or {}
        return {kind: self.report_dir / rel for kind, rel in files.items() if (self.report_dir / rel).is_file()}

    def edited_targets(self) -> dict[str, str]:
        """kind -> the file under the report's own name when the user edited it (the run never touches it)."""
        return {kind: self.rel(self.folder / name) for kind, name in self.names.items()
                if self.edited(self.folder / name)}

    def placed(self) -> Placed:
        """The report as it stands, nothing touched."""
        current = self.current()
        return Placed({kind: self.rel(p) for kind, p in current.items()}, edited=self.edited_targets(),
                      previous=bool(self.record.get("previous")))

    # --- what a swap moves -------------------------------------------------------------------------

    def _movable(self) -> list[Path]:
        """The run's files of the last set not yet in 上一版/, and its own files under the report's names."""
        paths = {p for p in self.current().values() if p.parent != self.aside_dir and self.ours(p)}
        paths |= {self.folder / name for name in self.names.values() if self.ours(self.folder / name)}
        return sorted(paths)

    def replaceable(self) -> list[Path]:
        """Every file a swap of this period would move or replace (the user's edits are never among them)."""
        aside = sorted(self.aside_dir.iterdir()) if self.aside_dir.is_dir() else []
        return [*self._movable(), *(p for p in aside if self.ours(p))]

    def _aside_slot(self, path: Path) -> Path:
        slot = self.aside_dir / path.name
        return slot if not slot.exists() or self.ours(slot) else dated_name(slot, dt.datetime.now())

    def _new_slot(self, kind: str, when: dt.datetime, taken: set[Path]) -> Path:
        target = self.folder / self.names[kind]
        if not self.edited(target):
            return target
        slot, n = dated_name(target, when), 1
        while slot in taken or self.edited(slot):
            n += 1
            slot = target.with_name(f"{dated_name(target, when).stem}-{n}{target.suffix}")
        return slot

    def _move(self, moves: list[tuple[Path, Path]]) -> None:
        """Rename each (source, destination), all or none: a rename that fails puts back those done."""
        known = {src: self.ledger.entries.get(self.rel(src))
                 or [fp for fp in [(self.record.get("digests") or {}).get(self.rel(src))] if fp] for src, _ in moves}
        for src, dst in moves:
            self.ledger.expect(self.rel(dst), known[src])
        self.ledger.save()
        done: list[tuple[Path, Path]] = []
        try:
            for src, dst in moves:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
                done.append((src, dst))
        except OSError as exc:
            for src, dst in reversed(done):
                os.replace(dst, src)
            self._tidy_aside()
            raise Locked(src, exc) from None
        for src, dst in moves:
            self.ledger.settle(self.rel(dst), known[src])
            self.ledger.settle(self.rel(src), None)
        self.ledger.save()

    def _tidy_aside(self) -> None:
        if self.aside_dir.is_dir() and not any(self.aside_dir.iterdir()):
            self.aside_dir.rmdir()

    def move_aside(self) -> Placed:
        """The pages are about to be rewritten: the last set goes to 上一版/ (not deleted) until its
        replacement exists. The user's edits stay where they are."""
        current = self.current()
        moves = [(p, self._aside_slot(p)) for p in self._movable()]
        self._move(moves)
        where = {p: dst for p, dst in moves}
        files = {kind: self.rel(where.get(p, p)) for kind, p in current.items()}
        digests = {self.rel(where.get(self.report_dir / rel, self.report_dir / rel)): fp
                   for rel, fp in (self.record.get("digests") or {}).items()}
        self.record = {**self.record, "files": files, "digests": digests, "previous": True}
        return self.placed()

    def replace(self, data: dict[str, bytes], when: dt.datetime | None = None, keep=()) -> Placed:
        """Write the new set (kind -> bytes) and swap it in whole; the last set is removed only once the new
        one stands. ``keep``: kinds of the last set that stand as they are (made from what did not change: early
        cut-off), untouched and part of the new set. Raises Locked (everything as it was) or OSError from
        writing (no temp file left)."""
        when = when or dt.datetime.now()
        before = dict(self.record.get("digests") or {})
        kept = {kind: path for kind, path in self.current().items()
                if kind in keep and kind not in data and path.parent != self.aside_dir and self.ours(path)}
        slots: dict[str, Path] = {}
        for kind in data:
            slots[kind] = self._new_slot(kind, when, set(slots.values()))
        temps: dict[str, Path] = {}
        fingerprints: dict[str, dict] = {}
        try:
            for kind, content in data.items():
                target = slots[kind]
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".part", dir=target.parent)
                temps[kind] = Path(name)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                os.chmod(name, 0o666 & ~_UMASK)
                fingerprints[kind] = _bytes_fingerprint(content, temps[kind])
            for kind, target in slots.items():
                self.ledger.expect(self.rel(target), [fingerprints[kind]])
            self.ledger.save()
            superseded = [(p, self._aside_slot(p)) for p in self._movable() if p not in kept.values()]
            self._move(superseded)
            placed_now: list[Path] = []
            try:
                for kind, target in slots.items():
                    os.replace(temps[kind], target)
                    placed_now.append(target)
            except OSError as exc:
                for placed in placed_now:
                    placed.unlink(missing_ok=True)
                for src, dst in reversed(superseded):
                    os.replace(dst, src)
                    self.ledger.settle(self.rel(src), self.ledger.entries.get(self.rel(dst)))
                    self.ledger.settle(self.rel(dst), None)
                self.ledger.save()
                self._tidy_aside()
                raise Locked(target, exc) from None
        except BaseException:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
            raise
        for kind, target in slots.items():
            self.ledger.settle(self.rel(target), [fingerprints[kind]])
        # the new set stands: the last one (and any older one in 上一版/) goes, the user's files never
        if self.aside_dir.is_dir():
            for path in sorted(self.aside_dir.iterdir()):
                if self.ours(path):
                    try:
                        path.unlink()
                    except OSError:  # made immutable meanwhile: the new set stands, the old copy waits
                        continue
                    self.ledger.settle(self.rel(path), None)
        self._tidy_aside()
        self.ledger.save()
        files = {kind: self.rel(target) for kind, target in slots.items()}
        digests = {files[k]: fingerprints[k] for k in files}
        for kind, path in kept.items():
            files[kind] = self.rel(path)
            digests[files[kind]] = before.get(files[kind]) or _bytes_fingerprint(path.read_bytes(), path)
        self.record = {"files": files, "digests": digests}
        edited = {kind: self.rel(self.folder / self.names[kind]) for kind, target in slots.items()
                  if target != self.folder / self.names[kind]}
        return Placed(files, dict(self.record["digests"]), edited)


def probe_replaceable(paths) -> None:
    """Raise Locked for the first file that cannot be replaced: opened for writing (nothing written, so
    nothing changes) fails for a read-only or immutable file and for one another program holds locked;
    its folder must take a new name."""
    for path in paths:
        path = Path(path)
        if not path.is_file():
            continue
        try:
            os.close(os.open(path, os.O_WRONLY))
            if not os.access(path.parent, os.W_OK):
                raise PermissionError(13, "Permission denied")
        except OSError as exc:
            raise Locked(path, exc) from None


SECTION_KINDS = ("ipynb", "html", "pdf", "xlsx")  # what a section's page may be written as


def report_record(report_dir: Path, period: str) -> dict | None:
    return read_record(Path(report_dir) / STATE_DIR / "reports" / f"{period}.json")


def check_replaceable(report_dir: Path, plan, names: dict[str, str]) -> None:
    """Before the run writes anything: every file it will replace or move (the index, the stale pages,
    the results and reports it remakes) can be; raises Locked naming the first that cannot."""
    from jixiao.contract.results import FRAMES_DIR

    report_dir = Path(report_dir)
    paths = [report_dir / name for name in ("index.html", "index.json", "intake.json")]
    for period, section in plan.stale:
        paths += [report_dir / period / f"{section}.{kind}" for kind in SECTION_KINDS]
    for period in plan.results_due:
        frames = report_dir / period / FRAMES_DIR
        paths += [report_dir / period / "metrics.json", *(sorted(frames.iterdir()) if frames.is_dir() else [])]
    ledger = Ledger(report_dir)
    for period in plan.reports_due:
        paths += ReportFiles(report_dir, period, names, ledger, report_record(report_dir, period)).replaceable()
    probe_replaceable(paths)
