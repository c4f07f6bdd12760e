"""Incremental runs: each section output of each period is keyed on what it depends on.

A section's key is the SHA-256 of: the inputs it reads (their SHA-256), its notebook, the run's
parameters, jixiao's version and source, and the pinned environment (constraints.txt and the Python
version). Its record, ``<report>/.jixiao/keys/<period>/<section>.json``, is removed before its outputs
are rewritten and written after the last of them, so a record saying "done" always describes whole
outputs. A re-run reuses a section when its record has the same key, says ok, and its files are there.
"""

from __future__ import annotations

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


class RunState:
    """The run records under ``<report folder>/.jixiao/``."""

    def __init__(self, report_dir: Path):
        self.dir = Path(report_dir) / STATE_DIR

    def _record_path(self, period: str, section: str) -> Path:
        return self.dir / "keys" / period / f"{section}.json"

    def record(self, period: str, section: str) -> dict | None:
        try:
            return json.loads(self._record_path(period, section).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def reusable(self, period: str, section: str, key: str, report_dir: Path) -> dict | None:
        """The record of a finished, successful output with this key whose files are all there."""
        rec = self.record(period, section)
        if not rec or rec.get("key") != key or rec.get("status") not in (Status.OK, Status.NOT_APPLICABLE):
            return None
        if not all((Path(report_dir) / rel).is_file() for rel in rec.get("files", {}).values()):
            return None
        return rec

    def forget(self, period: str, section: str) -> None:
        self._record_path(period, section).unlink(missing_ok=True)

    def save(self, period: str, section: str, record: dict) -> None:
        atomic_write_text(self._record_path(period, section), json.dumps(record, ensure_ascii=False, indent=2))

    def snapshot(self) -> dict | None:
        """What the last finished run left for the next one to decide without importing the sections."""
        try:
            return json.loads((self.dir / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def save_snapshot(self, snapshot: dict) -> None:
        atomic_write_text(self.dir / "run.json", json.dumps(snapshot, ensure_ascii=False, indent=2))
