"""SHA-256 of files and of what a section output depends on; no heavy imports, so a re-run decides fast."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jixiao.contract.sheets import CONTRACT_LAYOUT, FILES, PUBLISHED_FILE, SHEETS, Layout


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_paths(raw_dir: Path, layout: Layout | None = None) -> dict[str, Path]:
    """Each input a run reads, by the name its digest is recorded under: the department's files (its own
    names when ``layout`` renames them), published.yaml, and the evaluator's adjustments file when declared."""
    layout = layout or CONTRACT_LAYOUT
    out = {name: Path(raw_dir) / name for name in (*layout.department_files(), PUBLISHED_FILE)}
    if layout.adjustments:
        out.setdefault(Path(layout.adjustments).name, Path(layout.adjustments))
    return out


def input_files(raw_dir: Path, layout: Layout | None = None) -> dict[str, str]:
    """SHA-256 of each input present (``input_paths``)."""
    return {name: sha256_file(path) for name, path in input_paths(raw_dir, layout).items() if path.is_file()}


def contract_inputs(found: dict[str, str], layout: Layout | None = None) -> dict[str, str]:
    """``input_files``' digests keyed by the contract's file names (what a section's key is built from). A
    contract workbook read from several files, or with adjustments declared, gets one digest over all of them."""
    layout = layout or CONTRACT_LAYOUT
    adjustments = found.get(Path(layout.adjustments).name) if layout.adjustments else None
    out: dict[str, str] = {}
    used: set[str] = set()
    for contract_file in FILES:
        names = list(dict.fromkeys(s.file for spec in SHEETS if spec.file == contract_file
                                   for s in layout.sources_of(spec)))
        used.update(names)
        present = {name: found[name] for name in names if name in found}
        if not present:
            continue
        if len(names) == 1 and not layout.adjustments:
            out[contract_file] = present[names[0]]
        else:
            out[contract_file] = sha256_json({"files": present, "adjustments": adjustments})
    for name, digest in found.items():
        if name not in used and not (layout.adjustments and name == Path(layout.adjustments).name):
            out.setdefault(name, digest)
    return out


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
