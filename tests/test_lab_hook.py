"""The Lab's pre-save hook strips the outputs of the project's own paired notebooks only."""

from __future__ import annotations

import copy

from conftest import PROJECT_ROOT


def hook():
    class Config:
        class ContentsManager:
            pass

        class LabApp:
            pass

    namespace = {"get_config": lambda: Config}
    exec(compile((PROJECT_ROOT / "jupyter_server_config.py").read_text(encoding="utf-8"), "config", "exec"), namespace)
    return Config.ContentsManager.pre_save_hook


def notebook_model(paired: bool) -> dict:
    metadata = {"jupytext": {"formats": "ipynb,py:percent"}} if paired else {"kernelspec": {"name": "python3"}}
    return {"type": "notebook", "content": {"metadata": metadata, "cells": [
        {"cell_type": "code", "source": "1", "metadata": {}, "execution_count": 3,
         "outputs": [{"output_type": "execute_result", "data": {"text/plain": "1"}}]}]}}


def test_a_project_notebook_is_saved_without_outputs():
    model = notebook_model(paired=True)
    hook()(model, path="notebooks/expenditure.ipynb", contents_manager=None)
    [cell] = model["content"]["cells"]
    assert cell["outputs"] == [] and cell["execution_count"] is None


def test_the_users_own_notebooks_keep_their_outputs():
    strip = hook()
    for path, paired in (("analysis/mine.ipynb", True), ("mine.ipynb", False), ("notebooks/sub/expenditure.ipynb", True),
                         ("reports/notebooks/expenditure.ipynb", True)):
        model = notebook_model(paired)
        before = copy.deepcopy(model)
        strip(model, path=path, contents_manager=None)
        assert model == before, path


def test_every_notebook_in_notebooks_is_paired_by_its_folder():
    assert 'formats = "ipynb,py:percent"' in (PROJECT_ROOT / "notebooks" / "jupytext.toml").read_text(encoding="utf-8")
