"""Slow quality checks with the real tools: black (project's [tool.black]) and mypy, mapped to cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_prod_ext.checks.api import check_notebook, check_path
from jupyter_prod_ext.notebook import notebook_from_dict

from .nbutil import make_nb, write_nb


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_not_black_formatted_with_fix_and_project_config(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text("[tool.black]\nline-length = 40\n")
    long_call = "result = compute(alpha, beta, gamma, delta)"  # 44 chars: too long for 40
    nb = write_nb(proj / "nb.ipynb", make_nb("x = {'a':1}", "y = 1", long_call, "%matplotlib inline\nz=2", "def f(:"))
    found = check_path(nb, checks=["not-black-formatted"])["findings"]
    assert [f["cell"] for f in found] == [0, 2, 3]  # the syntax error (cell 4) is left to invalid-syntax
    fix = found[0]["fix"]
    assert fix is not None and fix["description"] == "Format with black"
    assert fix["cells"] == {"0": 'x = {"a": 1}'}
    assert found[1]["fix"] is not None and "\n" in found[1]["fix"]["cells"]["2"]  # wrapped at 40 columns
    assert "%matplotlib inline\nz = 2" == found[2]["fix"]["cells"]["3"]  # type: ignore[index]


def test_type_error_mapped_to_cell_and_line(tmp_path: Path) -> None:
    nb = write_nb(
        tmp_path / "nb.ipynb",
        make_nb("import os\n%matplotlib inline", "def f(x: int) -> int:\n    return x", "y: str = f(1)"),
    )
    report = check_notebook(
        notebook_from_dict(make_nb("x = 1")), checks=["type-error"]
    )  # no file and no project: one warning, no exception
    assert len(report["findings"]) == 1 and "could not run" in report["findings"][0]["message"]
    found = check_path(nb, checks=["type-error"], typecheck_backend="mypy")["findings"]
    assert len(found) == 1, found
    f = found[0]
    assert (f["cell"], f["line"]) == (2, 1) and "[assignment]" in f["message"]


def test_type_check_that_cannot_run_is_one_warning(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text("[tool.jupyter-prod]\ntypecheck-timeout = 0.001\n")
    nb = write_nb(proj / "nb.ipynb", make_nb("x: int = 'a'"))
    found = check_path(nb, checks=["type-error"], typecheck_backend="mypy")["findings"]
    assert len(found) == 1
    assert found[0]["severity"] == "warning" and "could not run" in found[0]["message"] and found[0]["cell"] is None
