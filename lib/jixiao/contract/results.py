"""A period's computed results on disk: ``<period>/metrics.json`` and each section's frames as parquet.

The batch computes a period once and writes these; the notebooks read them, so what a page shows
and what metrics.json says come from one computation. ``frames/manifest.json`` says which run
wrote them (evaluation, period, span, project, inputs' SHA-256) and is written last.
"""

from __future__ import annotations

import json
from pathlib import Path

from jixiao.core.atomic import atomic_write_bytes, atomic_write_text
from jixiao.core.i18n import t

FRAMES_DIR = "frames"
MANIFEST = "manifest.json"


class ResultsMismatch(ValueError):
    """The results folder holds another evaluation's or period's results than the notebook was asked for."""


def metrics_json(metrics: dict) -> str:
    return json.dumps(metrics, ensure_ascii=False, indent=2, allow_nan=False)


def write_period_results(period_dir: Path, results, stamp: dict) -> None:
    """metrics.json, then every frame, then the manifest (``stamp``: evaluation, period, span, project, inputs)."""
    period_dir = Path(period_dir)
    frames_dir = period_dir / FRAMES_DIR
    frames_dir.mkdir(parents=True, exist_ok=True)
    (frames_dir / MANIFEST).unlink(missing_ok=True)  # frames are being replaced: not valid until the manifest is back
    atomic_write_text(period_dir / "metrics.json", metrics_json(results.metrics))
    listing: dict[str, list[str]] = {}
    for section, frames in results.frames.items():
        listing[section] = []
        for name, frame in frames.items():
            atomic_write_bytes(frames_dir / f"{section}.{name}.parquet", frame.to_parquet(index=False))
            listing[section].append(name)
    wanted = {f"{s}.{n}.parquet" for s, names in listing.items() for n in names}
    for stale in frames_dir.glob("*.parquet"):
        if stale.name not in wanted:
            stale.unlink()
    atomic_write_text(frames_dir / MANIFEST, json.dumps({**stamp, "frames": listing}, ensure_ascii=False, indent=2))


def read_section_results(period_dir: Path, section: str, expected: dict) -> tuple[dict, dict]:
    """(metrics, frames) of ``section`` from a results folder the batch wrote; raises ResultsMismatch when
    the folder's manifest is missing or names another evaluation, period, span or project than ``expected``."""
    import pandas as pd
    import pyarrow as pa

    period_dir = Path(period_dir)
    manifest_path = period_dir / FRAMES_DIR / MANIFEST
    if not manifest_path.is_file():
        raise ResultsMismatch(t(f"{period_dir} 中没有完整的结果(没有 {FRAMES_DIR}/{MANIFEST});"
                                "请重新运行,或将 results_dir 留空,在此处计算",
                                f"{period_dir} holds no complete results (no {FRAMES_DIR}/{MANIFEST}); "
                                "run the batch again, or leave results_dir blank to compute here"))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for key, value in expected.items():
        if manifest.get(key) != value:
            raise ResultsMismatch(t(f"{period_dir} 中是 {key} {manifest.get(key)!r} 的结果,不是 {value!r}",
                                    f"{period_dir} holds results for {key} {manifest.get(key)!r}, not {value!r}"))
    metrics = json.loads((period_dir / "metrics.json").read_text(encoding="utf-8"))
    frames = {}
    for name in manifest["frames"].get(section, []):
        data = (period_dir / FRAMES_DIR / f"{section}.{name}.parquet").read_bytes()
        # an Arrow buffer, not io.BytesIO: see intake.folder._read_table (an abort at process exit)
        frames[name] = _text_as_objects(pd.read_parquet(pa.BufferReader(data)))
    return metrics, frames


def _text_as_objects(frame):
    """Text columns back as Python objects with None for blanks, as the computation made them."""
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype).startswith(("str", "string")):
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)
    return frame
