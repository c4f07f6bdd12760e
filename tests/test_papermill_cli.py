"""The README's "one notebook by hand" commands, run as written for every section notebook."""

from __future__ import annotations

import json
import re
import shlex
import subprocess

import pytest
from conftest import PROJECT_ROOT

from jixiao.contract.params import NOTEBOOK_PARAMETERS
from jixiao.sections import SECTIONS as REGISTRY

SECTIONS = sorted(s.key for s in REGISTRY)  # explore.ipynb is no section: it has no report parameters
EXAMPLE = "overview"  # the section the README's commands name


def readme_commands() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^### One notebook by hand.*?\n```sh\n(.*?)```", text, flags=re.S | re.M)
    assert block, "README.md has no 'One notebook by hand' section with a sh block"
    return [line for line in block[1].splitlines() if line.strip()]


COMMANDS = readme_commands()


def command(kind: str, section: str, out_dir) -> list[str]:
    """The README line of ``kind`` for ``section``, writing to ``out_dir`` instead of /tmp."""
    patterns = {"help": r"--help-notebook", "year": r"-p period \d{4}$", "span": r"-p period \d{4}-\d{4}$",
                "html": r"nbconvert"}
    (line,) = [c for c in COMMANDS if re.search(patterns[kind], c)]
    words = shlex.split(line.replace(EXAMPLE, section).replace("/tmp/", f"{out_dir}/"))
    return [str(PROJECT_ROOT / w) if w.startswith(".venv/") else w for w in words]


def run(words: list[str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(words, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)


def outputs_text(notebook) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") if isinstance(out.get("text"), str) else "".join(out.get("text", [])))
            for value in out.get("data", {}).values():
                parts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list) else "")
            parts.append(out.get("evalue", ""))
    return "\n".join(parts)


def test_the_readme_names_the_commands_it_promises():
    assert len(COMMANDS) == 4 and all(c.startswith(".venv/bin/") for c in COMMANDS)
    assert "--no-input" in command("html", EXAMPLE, "/x")


def test_help_notebook_lists_every_parameter_with_type_and_meaning():
    done = run(command("help", EXAMPLE, "/unused"), timeout=60)
    assert done.returncode == 0, done.stderr
    listed = dict(re.findall(r"^\s+(\w+): str \(default \"\"\)\s+(\S.*)$", done.stdout, flags=re.M))
    assert set(listed) == set(NOTEBOOK_PARAMETERS), done.stdout
    assert "2019-2021" in listed["period"] and "-p period 2020" in listed["period"]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_notebook_declares_the_same_parameters_with_type_and_meaning(section):
    """What ``--help-notebook`` lists (the test above runs it for the README's example), read by papermill itself."""
    import papermill as pm

    declared = pm.inspect_notebook(str(PROJECT_ROOT / "notebooks" / f"{section}.ipynb"))
    assert {name: (p["inferred_type_name"], p["default"]) for name, p in declared.items()} == {
        name: ("str", '""') for name in NOTEBOOK_PARAMETERS}
    assert all(p["help"].strip() for p in declared.values())
    assert "2019-2021" in declared["period"]["help"] and "-p period 2020" in declared["period"]["help"]


@pytest.fixture(scope="module")
def year_runs(tmp_path_factory):
    """The README's year command for every section, then its nbconvert line given all six notebooks at once (one
    nbconvert start-up, not six): (each section's papermill result, nbconvert's result, the folder)."""
    out = tmp_path_factory.mktemp("papermill-years")
    runs = {section: run(command("year", section, out)) for section in SECTIONS}
    html = command("html", EXAMPLE, out)
    notebooks = [str(out / f"{section}-2019.ipynb") for section in SECTIONS]
    assert html[-1] == notebooks[SECTIONS.index(EXAMPLE)], html
    return runs, run(html[:-1] + notebooks, timeout=300), out


@pytest.mark.parametrize("section", SECTIONS)
def test_a_year_passed_as_a_number_runs_and_converts_without_code(section, year_runs):
    runs, converted, folder = year_runs
    done = runs[section]
    assert done.returncode == 0, done.stderr[-3000:]
    out = folder / f"{section}-2019.ipynb"
    nb = json.loads(out.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "jixiao"
    assert nb["metadata"]["papermill"]["parameters"] == {"period": 2019}  # papermill's -p read a number
    assert "报告期间 2019(截至 2019-12-31)" in outputs_text(out)
    assert converted.returncode == 0, converted.stderr[-3000:]
    html = (folder / f"{section}-2019.html").read_text(encoding="utf-8")
    assert "报告期间 2019(截至 2019-12-31)" in html
    assert "open_section" not in html and "tags=" not in html  # --no-input: no code shown


def test_a_span_runs(tmp_path):
    done = run(command("span", EXAMPLE, tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "报告期间 2019-2021(截至 2021-12-31)" in outputs_text(tmp_path / f"{EXAMPLE}-2019-2021.ipynb")


@pytest.mark.parametrize(("value", "message"), [
    ("2025", "期间 2025 在评价期 2019-2021 之外"),
    ("abc", "期间 'abc' 格式有误;应为年份(如 2020)或期间(如 2019-2021)"),
    ("19", "笔记本参数 period 的值 19 不是年份;应为年份(如 2020)或期间(如 2019-2021)"),
    ("2019.5", "笔记本参数 period 应为年份(如 2020)或期间(如 2019-2021),收到 float 类型的值 2019.5;"
               "用 papermill 传文字时请写 -r period 2019.5"),
])
def test_a_bad_period_fails_with_a_clear_message(value, message, tmp_path):
    words = command("year", EXAMPLE, tmp_path)
    words[-1] = value
    done = run(words)
    assert done.returncode != 0
    assert "ParameterError" in done.stderr and message in done.stderr
    assert message in outputs_text(tmp_path / f"{EXAMPLE}-2019.ipynb")


def error_outputs(notebook) -> list[dict]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [out for cell in nb["cells"] for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def test_a_misspelt_parameter_stops_the_notebook_naming_the_nearest(tmp_path):
    words = command("year", EXAMPLE, tmp_path)
    words[words.index("period")] = "perod"  # papermill itself only warns, and would run on with the default period
    done = run(words)
    assert done.returncode != 0
    message = "笔记本没有参数 perod;是不是 period?可用的参数:evaluation、period、span、project、raw_dir、results_dir"
    assert message in done.stderr
    (error,) = error_outputs(tmp_path / f"{EXAMPLE}-2019.ipynb")
    assert error["traceback"] == [f"ParameterError: {message}"]  # one line, no traceback


def test_an_evaluation_that_cannot_be_found_is_refused_never_replaced(tmp_path):
    words = command("year", EXAMPLE, tmp_path)
    words[-3:-3] = ["-p", "evaluation", "某县教育2022"]
    done = run(words)
    assert done.returncode != 0
    assert "找不到评价 '某县教育2022'" in done.stderr
    shown = outputs_text(tmp_path / f"{EXAMPLE}-2019.ipynb")
    assert "东莞" not in shown and "报告期间" not in shown  # nothing of the Dongguan evaluation was shown instead
