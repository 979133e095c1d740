"""Build small notebooks for tests."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as v4
import pytest


def make_nb(*sources: str | tuple[str, int | None], markdown_title: str | None = None) -> dict[str, Any]:
    """A v4.5 notebook dict; a ``(source, count)`` tuple sets the execution count."""
    cells = []
    if markdown_title:
        cells.append(v4.new_markdown_cell(f"# {markdown_title}"))
    for item in sources:
        src, count = item if isinstance(item, tuple) else (item, None)
        cell = v4.new_code_cell(src)
        cell.execution_count = count
        cells.append(cell)
    nb = v4.new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    data: dict[str, Any] = json.loads(nbformat.writes(nb))
    return data


def kernel_nb(*cells: Any, kernel: str = "python3") -> dict[str, Any]:
    """A v4 notebook dict of ``cells`` (nbformat's cell objects) whose kernelspec names ``kernel``, the one
    a Clean Run starts."""
    nb = v4.new_notebook(
        cells=list(cells),
        metadata={"kernelspec": {"name": kernel, "display_name": kernel, "language": "python"}},
    )
    data: dict[str, Any] = json.loads(json.dumps(nb))
    return data


def save_nb(path: Path, nb: nbformat.NotebookNode, modules: list[str] | None = None) -> Path:
    """``nb`` written as Jupyter saves it; ``modules``: the modules promoted from it, in its metadata
    (what a commit takes along)."""
    if modules is not None:
        nb.metadata["jupyter_prod"] = {"modules": modules}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path


def write_nb(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def cell_sources(path: Path) -> list[str]:
    """The sources of the notebook file's cells, each as one string: what a test reads back after a write."""
    return ["".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``jupyter-prod ARGV`` in this process: its exit code, stdout and stderr."""
    from jupyter_prod_ext.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def fast_findings_of_copy(
    notebook: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fill: dict[str, str] | None = None,
    beside: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The fast check's findings of a copy of ``notebook`` in a fresh project folder (no cache read or
    written, the user cache under ``tmp_path``): what a user who checks it gets, nothing else reported.
    ``fill``: text put in place of each key in the copy (fake credentials made at run time, so that no file
    of the repository holds one). ``beside``: files written in the project folder (``requirements.txt``)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copy = tmp_path / "project" / notebook.name
    copy.parent.mkdir()
    for name, content in (beside or {}).items():
        (copy.parent / name).write_text(content, encoding="utf-8")
    text = notebook.read_text(encoding="utf-8")
    for key, value in (fill or {}).items():
        text = text.replace(key, value)
    copy.write_text(text, encoding="utf-8")
    # from the project folder: outside git the dependency search stops there (paths.cli_ceiling), not at
    # a home folder holding the temporary folder, whose requirements.txt would change the findings
    monkeypatch.chdir(copy.parent)
    code, out, err = run_cli(["check", str(copy), "--fast", "--format", "json", "--no-cache"])
    assert code in (0, 1) and err == "", (out, err)
    findings: list[dict[str, Any]] = json.loads(out)["notebooks"][0]["findings"]
    return findings


#: the least a project says: its name, so promotion knows the package it writes into
MINIMAL_PYPROJECT = '[project]\nname = "demo"\nversion = "0.1"\n'


def git_project(base: Path, pyproject: str = MINIMAL_PYPROJECT) -> Path:
    """``base/proj``: a git repository holding ``pyproject``, the project a promotion writes into."""
    root = base / "proj"
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return root


def make_project(
    base: Path, *sources: str, outputs: dict[int, str] | None = None, pyproject: str = MINIMAL_PYPROJECT
) -> tuple[Path, Path]:
    """A :func:`git_project` and its ``analysis.ipynb`` of ``sources``; ``outputs``: the text a cell
    (by index) showed as its result."""
    nb = make_nb(*sources)
    for cell, text in (outputs or {}).items():
        data = {"text/plain": text}
        nb["cells"][cell]["outputs"] = [v4.new_output("execute_result", data, execution_count=1)]
    root = git_project(base, pyproject)
    return root, write_nb(root / "analysis.ipynb", nb)
