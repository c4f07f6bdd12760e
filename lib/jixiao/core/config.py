"""The project's paths, in one place: notebooks and scripts never spell a path out.

``JIXIAO_ROOT`` overrides the project root and ``JIXIAO_PROCESSED_DIR`` the processed cache
(tests point them at scratch folders).
"""

from __future__ import annotations

import os
from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parents[1]  # lib/jixiao: its source keys every run record
PROJECT_ROOT = Path(os.environ.get("JIXIAO_ROOT", LIBRARY_DIR.parents[1])).resolve()
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = Path(os.environ.get("JIXIAO_PROCESSED_DIR", DATA_DIR / "processed")).resolve()
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
PARAMS_FILE = PROJECT_ROOT / "params.yaml"


def relative_to_project(value: str) -> str:
    """A path under the project as a path relative to its root (what a page or message shows); other text
    unchanged."""
    try:
        return str(Path(value).resolve().relative_to(PROJECT_ROOT.resolve()))
    except (ValueError, OSError):
        return value

