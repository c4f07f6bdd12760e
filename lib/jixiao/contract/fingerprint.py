"""SHA-256 of files and of what a section output depends on; no heavy imports, so a re-run decides fast."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jixiao.contract.sheets import CONTRACT_LAYOUT, FILES, PUBLISHED_FILE, Layout


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_files(raw_dir: Path, layout: Layout | None = None) -> dict[str, str]:
    """SHA-256 of each workbook (under the department's name when ``layout`` renames it) and published.yaml
    present in ``raw_dir``."""
    layout = layout or CONTRACT_LAYOUT
    out = {}
    for name in (*(layout.file(f) for f in FILES), PUBLISHED_FILE):
        path = Path(raw_dir) / name
        if path.is_file():
            out[name] = sha256_file(path)
    return out


def contract_inputs(found: dict[str, str], layout: Layout | None = None) -> dict[str, str]:
    """``input_files``' digests keyed by the contract's file names (what a section's key is built from)."""
    layout = layout or CONTRACT_LAYOUT
    named = {layout.file(f): f for f in FILES}
    return {named.get(name, name): digest for name, digest in found.items()}


def sha256_json(value) -> str:
    """A stable digest of a JSON-able value (keys sorted)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def sha256_tree(root: Path, patterns: tuple[str, ...]) -> str:
    """One digest over the files under ``root`` matching ``patterns`` (relative names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in patterns for p in Path(root).rglob(pattern) if "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()
