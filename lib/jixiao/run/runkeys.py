"""Incremental runs: each section output of each period is keyed on what it depends on.

A section's key is the SHA-256 of: the inputs it reads (their SHA-256), its notebook, the run's
parameters, jixiao's version and source, and the pinned environment (constraints.txt and the Python
version). Its record, ``<report>/.jixiao/keys/<period>/<section>.json``, is removed before its outputs
are rewritten and written after the last of them, so a record saying "done" always describes whole
outputs. A re-run reuses a section when its record has the same key, says ok, and its files are as the
record says (size and mtime, else SHA-256). A period's results and its whole report are recorded the same way.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from jixiao.core.version import __version__
from jixiao.core.atomic import atomic_write_text
from jixiao.core.config import LIBRARY_DIR, PROJECT_ROOT
from jixiao.contract.sheets import PUBLISHED_FILE, SHEETS
from jixiao.contract.fingerprint import sha256_file, sha256_json, sha256_tree
from jixiao.output.index import Status

STATE_DIR = ".jixiao"
FILE_OF_TABLE = {s.key: s.file for s in SHEETS}


def environment_digest() -> str:
    """jixiao's version and source, the pinned environment and the interpreter's version."""
    constraints = PROJECT_ROOT / "constraints.txt"
    return sha256_json({
        "jixiao": __version__,
        "source": sha256_tree(LIBRARY_DIR, ("*.py", "assets/*")),
        "constraints": sha256_file(constraints) if constraints.is_file() else None,
        "python": sys.version,
    })


def files_read(reads: tuple[str, ...] | list[str], reads_published: bool) -> list[str]:
    """The input files behind the tables a section reads (and published.yaml when it reads that)."""
    files = list(dict.fromkeys(FILE_OF_TABLE[t] for t in reads))
    return files + ([PUBLISHED_FILE] if reads_published else [])


def section_key(*, section: str, files: list[str], inputs: dict[str, str], notebook_digest: str,
                parameters: dict, environment: str, pdf: bool, layout: dict | None = None) -> str:
    """The key of one section output; an absent input file counts as absent (its digest is None).
    ``inputs`` is keyed by the contract's file names; ``layout`` is the department's mapping, if any."""
    return sha256_json({
        "section": section,
        "inputs": {f: inputs.get(f) for f in files},
        "layout": layout or {},
        "notebook": notebook_digest,
        "parameters": parameters,
        "environment": environment,
        "pdf": pdf,
    })


def fingerprint(path: Path, data: bytes | None = None) -> dict:
    """What a run records of a file it wrote: size, mtime and SHA-256 (``data``: the bytes just written)."""
    st = Path(path).stat()
    digest = hashlib.sha256(data).hexdigest() if data is not None else sha256_file(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}


def unchanged(path: Path, recorded: dict | None) -> bool:
    """The file is what the run recorded: same size and mtime (cheap, so a no-op re-run stays fast), or,
    when either differs, the same SHA-256 (a copy or a touch is not a change; an edit is)."""
    if not recorded:
        return False
    try:
        st = Path(path).stat()
    except OSError:
        return False
    if st.st_size != recorded.get("size"):
        return False
    return st.st_mtime_ns == recorded.get("mtime_ns") or sha256_file(path) == recorded.get("sha256")


def all_unchanged(report_dir: Path, digests: dict[str, dict] | None) -> bool:
    """Every file of ``digests`` (path relative to the report folder -> fingerprint) is as recorded."""
    return digests is not None and all(unchanged(Path(report_dir) / rel, fp) for rel, fp in digests.items())


def _sealed(record: dict) -> dict:
    return {**record, "check": sha256_json({k: v for k, v in record.items() if k != "check"})}


def read_record(path: Path) -> dict | None:
    """A record the run wrote, or None when it is missing, unreadable or not as written (its check differs)."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("check") != _sealed(record)["check"]:
        return None
    return record


def write_record(path: Path, record: dict) -> None:
    """``record`` with a check of its own content, atomically."""
    atomic_write_text(path, json.dumps(_sealed(record), ensure_ascii=False, indent=2))


class RunState:
    """The run records under ``<report folder>/.jixiao/``: one per section output (``keys/<period>/``), per
    period's results (``results/``) and per period's report (``reports/``), and the last run's snapshot.
    Each record carries a check of its own content and the fingerprints of the files it vouches for, so
    nothing on disk is reused unless it is what the run wrote."""

    def __init__(self, report_dir: Path):
        self.report_dir = Path(report_dir)
        self.dir = self.report_dir / STATE_DIR

    def _record_path(self, period: str, section: str) -> Path:
        return self.dir / "keys" / period / f"{section}.json"

    def record(self, period: str, section: str) -> dict | None:
        return read_record(self._record_path(period, section))

    def reusable(self, period: str, section: str, key: str) -> dict | None:
        """The record of a finished, successful output with this key whose files are all as written."""
        rec = self.record(period, section)
        if not rec or rec.get("key") != key or rec.get("status") not in (Status.OK, Status.NOT_APPLICABLE):
            return None
        if set(rec.get("files", {}).values()) != set(rec.get("digests") or {}):
            return None
        return rec if all_unchanged(self.report_dir, rec.get("digests")) else None

    def forget(self, period: str, section: str) -> None:
        self._record_path(period, section).unlink(missing_ok=True)

    def save(self, period: str, section: str, record: dict) -> None:
        write_record(self._record_path(period, section), record)

    def results(self, period: str, key: str) -> dict | None:
        """The record of a period's results (metrics.json and frames) with this key, when they are as written."""
        rec = read_record(self.dir / "results" / f"{period}.json")
        if not rec or rec.get("key") != key or not all_unchanged(self.report_dir, rec.get("digests")):
            return None
        return rec

    def forget_results(self, period: str) -> None:
        (self.dir / "results" / f"{period}.json").unlink(missing_ok=True)

    def save_results(self, period: str, record: dict) -> None:
        write_record(self.dir / "results" / f"{period}.json", record)

    def report(self, period: str, key: str) -> dict | None:
        """The record of a period's whole report with this key, when its files are all there: as written, or
        edited since by the user (``run.outputs``: the user's, never rebuilt over while nothing changed)."""
        rec = read_record(self.dir / "reports" / f"{period}.json")
        if not rec or rec.get("key") != key or rec.get("previous"):
            return None
        return rec if all((self.report_dir / rel).is_file() for rel in rec.get("digests") or {}) else None

    def forget_report(self, period: str) -> None:
        (self.dir / "reports" / f"{period}.json").unlink(missing_ok=True)

    def save_report(self, period: str, record: dict) -> None:
        write_record(self.dir / "reports" / f"{period}.json", record)

    def snapshot(self) -> dict | None:
        """What the last finished run left for the next one to decide without importing the sections."""
        return read_record(self.dir / "run.json")

    def save_snapshot(self, snapshot: dict) -> None:
        write_record(self.dir / "run.json", snapshot)
