"""Set-up facts: pins agree everywhere, the font comes with the packages, the notebooks stay diffable."""

from __future__ import annotations

import json
import re
import tomllib

import yaml
from conftest import PROJECT_ROOT


def pins():
    out = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            out[name.lower().replace("_", "-")] = version
    return out


def test_every_dependency_is_pinned_and_environment_yml_agrees():
    pinned = pins()
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"] + project["optional-dependencies"]["test"]
    for dep in direct:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", dep), f"{dep}: versions belong in constraints.txt"
        assert dep.lower().replace("_", "-") in pinned, dep
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip_pins = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    for line in pip_pins:
        name, version = line.split("==")
        assert pinned[name.lower()] == version, line
    assert {line.split("==")[0].lower() for line in pip_pins} == {d.lower() for d in direct}


def test_the_cjk_font_is_noto_sans_cjk_sc_from_a_package():
    from fontTools.ttLib import TTFont

    from jixiao.present.fonts import cjk_font_path, use_cjk_font

    path = cjk_font_path()
    assert "site-packages" in str(path)
    assert TTFont(str(path), lazy=True)["name"].getDebugName(16) == "Noto Sans CJK SC"  # typographic family
    assert use_cjk_font() == "Noto Sans CJK SC"


def test_notebooks_are_stripped_and_paired_with_their_py_percent_source():
    import jupytext

    for ipynb in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(ipynb.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            assert cell.get("outputs", []) == [] and cell.get("execution_count") is None, (
                f"{ipynb.name} carries outputs: run `.venv/bin/jupyter nbconvert --clear-output --inplace "
                f"notebooks/{ipynb.name}` (make lab strips them on save)")
        paired = jupytext.read(ipynb.with_suffix(".py"))
        assert [c.source for c in paired.cells] == ["".join(c["source"]) for c in nb["cells"]], (
            f"{ipynb.name} and {ipynb.with_suffix('.py').name} differ: run `.venv/bin/jupytext --sync notebooks/*.ipynb` "
            "(the newer of the two wins)")
        params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, ipynb.name
        for line in "".join(params[0]["source"]).splitlines():
            assert re.fullmatch(r'\w+: (str|int|float|bool) = ("[^"]*"|[\d.]+|True|False)  # .+', line), line


def test_makefile_help_is_the_default_and_documents_every_target():
    text = (PROJECT_ROOT / "Makefile").read_text()
    assert ".DEFAULT_GOAL := help" in text
    targets = re.findall(r"^([a-z][a-z-]*):", text, flags=re.M)
    for target in targets:
        assert re.search(rf"^## .+\n{target}:", text, flags=re.M), target


def test_a_run_reads_the_working_cut_set_up_made_and_makes_one_only_where_set_up_did_not(tmp_path, monkeypatch):
    from jixiao.present import fonts

    made = tmp_path / "setup"
    monkeypatch.setattr(fonts, "_setup_dir", lambda: made)
    cuts = []
    monkeypatch.setattr(fonts, "_subset", lambda source, chars, flavors: cuts.append(source) or [b"cut"])
    fonts.make_working_cuts()
    assert sorted(p.name for p in made.iterdir()) == sorted(
        fonts._base_name(f) for f in (fonts.CJK_FONT_FILE, fonts.SERIF_FONT_FILE, fonts.HEI_FONT_FILE))
    assert len(cuts) == 3
    fonts.make_working_cuts()  # already made: nothing cut again
    assert len(cuts) == 3
    (made / fonts._base_name(fonts.HEI_FONT_FILE)).write_bytes(b"from set-up")
    assert fonts._base_font.__wrapped__(fonts.HEI_FONT_FILE) == b"from set-up"
    monkeypatch.setattr(fonts, "_setup_dir", lambda: tmp_path / "no-setup")
    monkeypatch.setattr(fonts, "_cache_dir", lambda: tmp_path / "processed")
    assert fonts._base_font.__wrapped__(fonts.HEI_FONT_FILE) == b"cut"
    assert (tmp_path / "processed" / fonts._base_name(fonts.HEI_FONT_FILE)).read_bytes() == b"cut"
