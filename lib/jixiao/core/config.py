"""The project's paths, in one place: notebooks and scripts never spell a path out.

``JIXIAO_ROOT`` overrides the project root and ``JIXIAO_PROCESSED_DIR`` the processed cache
(tests point them at scratch folders).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("JIXIAO_ROOT", Path(__file__).resolve().parents[3])).resolve()
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = Path(os.environ.get("JIXIAO_PROCESSED_DIR", DATA_DIR / "processed")).resolve()
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
PARAMS_FILE = PROJECT_ROOT / "params.yaml"
