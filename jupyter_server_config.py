# Loaded by `make lab` (--config): JupyterLab rooted at the project folder, opening on notebooks/, and the
# outputs of the project's notebooks (those in notebooks/) never written to disk, so saving in Lab leaves git
# clean and the committed notebooks stay output-free (tests/test_environment.py checks both); the user's
# other notebooks keep theirs.
# ruff: noqa
c = get_config()  # noqa: F821 (Jupyter's config loader provides it)

CELL_RUN_METADATA = ("execution", "collapsed", "scrolled")  # what running a cell adds to its metadata
NOTEBOOK_RUN_METADATA = ("language_info", "widgets")  # what running a kernel adds to the notebook's


def project_notebook(path) -> bool:
    """One of the project's notebooks: directly in notebooks/, where notebooks/jupytext.toml pairs each with
    its .py and git keeps them output-free. The user's notebooks anywhere else keep their outputs."""
    parts = str(path or "").strip("/").split("/")
    return len(parts) == 2 and parts[0] == "notebooks" and parts[1].endswith(".ipynb")


def strip_outputs(model, path=None, **kwargs):
    """Pre-save hook: a project notebook as committed: no outputs, no execution counts, no run metadata."""
    if model.get("type") != "notebook" or not model.get("content"):
        return
    notebook = model["content"]
    if not project_notebook(path):
        return
    for key in NOTEBOOK_RUN_METADATA:
        notebook.get("metadata", {}).pop(key, None)
    for cell in notebook.get("cells", []):
        for key in CELL_RUN_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None


c.ContentsManager.pre_save_hook = strip_outputs
c.LabApp.default_url = "/lab/tree/notebooks"
