"""Run ``jixiao run`` as a user would, in a subprocess, and read what it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_ROOT

JIXIAO = [sys.executable, "-m", "jixiao.cli"]


def jixiao(*args, cwd: Path = PROJECT_ROOT, timeout: int = 900, env: dict | None = None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*JIXIAO, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env)
