"""Run ``jixiao run`` as a user would, in a subprocess, and read what it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_ROOT

JIXIAO = [sys.executable, "-m", "jixiao.cli"]

# ``--jobs`` of the batches the tests run. Under pytest-xdist (``make test``: two test processes) each batch takes one
# worker, one kernel: the test processes fill the cores, and two batches of two workers each would fight for them.
# A plain ``pytest`` keeps two. A test about two workers at once (a kill mid-run, a pool worker killed, the order the
# pool takes tasks in, Dask) passes "--jobs", "2" itself.
JOBS = "1" if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1 else "2"


def jixiao(*args, cwd: Path = PROJECT_ROOT, timeout: int = 900, env: dict | None = None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*JIXIAO, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env)
