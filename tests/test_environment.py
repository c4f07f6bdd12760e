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


def test_a_font_cut_draws_the_text_and_little_else_and_keeps_the_face_s_name():
    import io

    from fontTools.ttLib import TTFont

    from jixiao.present import fonts

    text = "支出率达到95.5%，满意度（样本）"
    for face in (fonts.CJK_FONT_FILE, fonts.SERIF_FONT_FILE, fonts.HEI_FONT_FILE):
        whole = TTFont(str(fonts.cjk_font_path(face)), lazy=True)
        otf, woff = fonts.subset_cjk_font(text, face)
        assert TTFont(io.BytesIO(woff)).flavor == "woff" and TTFont(io.BytesIO(otf)).flavor is None
        for data in (otf, woff):
            cut = TTFont(io.BytesIO(data))
            drawn = set(cut.getBestCmap())
            assert {ord(c) for c in text} <= drawn and ord("绩") not in drawn, face
            assert len(cut.getGlyphOrder()) < 150, face  # the text's glyphs and ASCII, of tens of thousands
            assert cut["name"].getDebugName(1) == whole["name"].getDebugName(1), face
        assert fonts.subset_cjk_font(text, face) is fonts.subset_cjk_font(text, face)  # cut once per character set
