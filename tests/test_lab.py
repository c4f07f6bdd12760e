"""`make lab`: JupyterLab on the project with the project's kernel, jupytext pairing inside it, and saves
that keep no outputs.

The server is started by the Makefile's own recipe (headless, a free port, a random token) on a scratch
project folder holding a copy of notebooks/, asked over its REST API for the kernelspecs, made to run a
notebook through the project's kernel over the kernel websocket, asked to save notebooks, and always stopped.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
import websocket
from conftest import PROJECT_ROOT

VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
KERNEL = "jixiao"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base url, token, notebook folder) of a running `make lab`."""
    if not VENV_PYTHON.exists():
        pytest.fail("no .venv: run make setup (make test does)")
    scratch = tmp_path_factory.mktemp("lab")
    notebooks = scratch / "notebooks"
    shutil.copytree(PROJECT_ROOT / "notebooks", notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token = free_port(), secrets.token_hex(16)
    # user-level Jupyter folders point at scratch ones: a kernel or setting in the home folder must not count
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(scratch / "config"), "JUPYTER_DATA_DIR": str(scratch / "data"),
           "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces")}
    flags = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0 "
             f"--IdentityProvider.token={token}")
    if os.geteuid() == 0:  # CI runs as root, which Jupyter refuses unless told (README: LAB_FLAGS=--allow-root)
        flags += " --allow-root"
    log = (scratch / "lab.log").open("w")
    # -o: the stamp counts as up to date, so the test never reinstalls .venv (make test has just set it up)
    server = subprocess.Popen(["make", "--no-print-directory", "-o", ".venv/.installed", "lab",
                               f"LAB_ROOT={scratch}", f"LAB_FLAGS={flags}"],
                              cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"make lab exited with {server.returncode}:\n{(scratch / 'lab.log').read_text()[-3000:]}")
            try:
                if requests.get(f"{base}/api/status", headers=auth(token), timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"make lab did not answer within 90 s:\n{(scratch / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, token, notebooks
    finally:
        stop(server)
        log.close()


def stop(server: subprocess.Popen) -> None:
    """End make and the server it started: they share the new session's process group."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def auth(token: str) -> dict:
    return {"Authorization": f"token {token}"}


def test_lab_serves_jupyterlab_and_refuses_requests_without_the_token(lab):
    base, token, _ = lab
    page = requests.get(f"{base}/lab", headers=auth(token), timeout=30)
    assert page.status_code == 200 and "JupyterLab" in page.text
    assert requests.get(f"{base}/api/kernelspecs", timeout=10).status_code == 403


def test_the_project_kernel_is_listed_with_the_venv_interpreter(lab):
    base, token, _ = lab
    specs = requests.get(f"{base}/api/kernelspecs", headers=auth(token), timeout=10).json()
    assert KERNEL in specs["kernelspecs"], sorted(specs["kernelspecs"])
    spec = specs["kernelspecs"][KERNEL]["spec"]
    assert spec["display_name"] == "Python (jixiao)" and spec["language"] == "python"
    assert Path(spec["argv"][0]) == VENV_PYTHON
    assert "ipykernel_launcher" in spec["argv"]
    for notebook in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        assert json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["kernelspec"]["name"] == KERNEL, notebook


def run_cell(ws, session: str, code: str, timeout: float = 120) -> list[dict]:
    """Execute ``code`` over the kernel websocket; return the outputs it produced, once the kernel is idle again."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": session, "msg_type": "execute_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    outputs, reply, idle = [], None, False
    deadline = time.monotonic() + timeout
    while reply is None or not idle:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if msg["channel"] == "shell" and kind == "execute_reply":
            reply = msg["content"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        elif kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append(msg)
        if time.monotonic() > deadline:
            raise TimeoutError(code[:200])
    assert reply["status"] == "ok", f"{reply.get('ename')}: {reply.get('evalue')}\n{code[:300]}"
    return outputs


def test_a_notebook_runs_through_the_project_kernel(lab):
    base, token, notebooks = lab
    kernel = requests.post(f"{base}/api/kernels", headers=auth(token), json={"name": KERNEL}, timeout=60).json()
    assert kernel["name"] == KERNEL
    try:
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/api/kernels/{kernel['id']}/channels", timeout=60,
            header=[f"Authorization: token {token}"])
        session = uuid.uuid4().hex
        try:
            nb = json.loads((notebooks / "overview.ipynb").read_text(encoding="utf-8"))
            shown = []
            for cell in nb["cells"]:
                if cell["cell_type"] != "code":
                    continue
                code = "".join(cell["source"])
                if "parameters" in cell["metadata"].get("tags", []):
                    code += '\nperiod = "2020"'  # as an analyst would type it in Lab
                for msg in run_cell(ws, session, code):
                    shown.extend(str(v) for v in msg["content"].get("data", {}).values())
            (executable,) = run_cell(ws, session, "import sys; print(sys.executable)")
            assert Path(executable["content"]["text"].strip()) == VENV_PYTHON
        finally:
            ws.close()
        assert any("报告期间 2020(截至 2020-12-31)" in text for text in shown)
    finally:
        requests.delete(f"{base}/api/kernels/{kernel['id']}", headers=auth(token), timeout=30)


def test_saving_a_notebook_in_lab_rewrites_its_paired_script(lab):
    base, token, notebooks = lab
    url = f"{base}/api/contents/notebooks/scoring.ipynb"
    model = requests.get(url, headers=auth(token), timeout=30).json()
    assert model["type"] == "notebook"
    first_markdown = next(c for c in model["content"]["cells"] if c["cell_type"] == "markdown")
    first_markdown["source"] += "\n\n分析人员在 Lab 中补充的说明。"
    saved = requests.put(url, headers=auth(token), json={"type": "notebook", "format": "json",
                                                          "content": model["content"]}, timeout=30)
    assert saved.status_code == 200, saved.text
    script = (notebooks / "scoring.py").read_text(encoding="utf-8")
    assert "# 分析人员在 Lab 中补充的说明。" in script
    assert "name: jixiao" in script and "jupytext_version" not in script

    # and the other way: a script edited outside Lab is what Lab opens
    (notebooks / "milestones.py").write_text(
        (notebooks / "milestones.py").read_text(encoding="utf-8").replace("# %% [markdown]\n# #", "# %% [markdown]\n# # 改过的", 1),
        encoding="utf-8")
    os.utime(notebooks / "milestones.py", (time.time() + 5, time.time() + 5))
    reopened = requests.get(f"{base}/api/contents/notebooks/milestones.ipynb", headers=auth(token), timeout=30).json()
    assert "".join(reopened["content"]["cells"][0]["source"]).startswith("# 改过的")


def test_lab_opens_on_the_notebooks_of_the_project_folder(lab):
    base, token, notebooks = lab
    root = requests.get(f"{base}/api/contents", headers=auth(token), timeout=30).json()
    assert "notebooks" in {item["name"] for item in root["content"]}  # reports, data and params are browsable too
    page = requests.get(f"{base}/", headers=auth(token), timeout=30, allow_redirects=False)
    assert page.status_code in (301, 302) and page.headers["Location"].rstrip("?").endswith("/lab/tree/notebooks")


def test_a_save_with_outputs_writes_the_notebook_as_committed(lab):
    """Saving an executed notebook leaves the file byte for byte as git has it: no outputs, no counts, no run
    metadata, so `git status` stays clean and the pairing test keeps passing."""
    base, token, notebooks = lab
    url = f"{base}/api/contents/notebooks/expenditure.ipynb"
    content = requests.get(url, headers=auth(token), timeout=30).json()["content"]
    for n, cell in enumerate(c for c in content["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = n + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "已运行\n"}]
        cell["metadata"]["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    content["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}
    saved = requests.put(url, headers=auth(token), json={"type": "notebook", "format": "json", "content": content},
                         timeout=30)
    assert saved.status_code == 200, saved.text
    assert (notebooks / "expenditure.ipynb").read_bytes() == (PROJECT_ROOT / "notebooks" / "expenditure.ipynb").read_bytes()

