"""The layer rules hold: import-linter's contracts (pyproject.toml) pass, and no module imports itself back
through another (an import inside a function counts too: grimp reads every import statement)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
from conftest import PROJECT_ROOT


def test_the_import_linter_contracts_pass():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 kept, 0 broken" in done.stdout


def test_no_module_imports_itself_back():
    graph = grimp.build_graph("jixiao")
    circles = sorted(
        (module, imported)
        for module in graph.modules if module != "jixiao"
        for imported in graph.find_modules_directly_imported_by(module)
        if imported not in ("jixiao", module) and graph.chain_exists(importer=imported, imported=module)
    )
    assert circles == []


def test_intake_figures_and_present_are_declared_independent():
    """None of the three imports another (what two share lives in contract): the contract says so, and the test
    above holds it."""
    import tomllib

    contracts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in contracts["contracts"] if c["type"] == "layers"]
    assert "present | figures | intake" in layers and layers.index("present | figures | intake") < layers.index("contract")
