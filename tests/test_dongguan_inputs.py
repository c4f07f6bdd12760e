"""The synthetic Dongguan workbooks are exactly what their seeded script makes."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from conftest import DONGGUAN_RAW, PROJECT_ROOT


def test_the_seeded_script_regenerates_the_committed_workbooks(tmp_path):
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "make_dongguan_inputs.py"), "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    made = sorted(tmp_path.glob("*.xlsx"))
    assert [p.name for p in made] == sorted(p.name for p in DONGGUAN_RAW.glob("*.xlsx"))
    for path in made:
        committed = DONGGUAN_RAW / path.name
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(committed.read_bytes()).digest(), path.name
