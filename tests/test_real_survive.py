"""Constructs of public notebooks that once broke a command, restated in ``tests/data/real/survive.ipynb``.

A sweep of 151 public notebooks through every check (black, mypy, git), the server's routes, promotion
and commit found them; the notebooks themselves are not redistributed. Each answer a person reads
(a finding's message and hint, a refusal) must be one line that names no absolute path, from the CLI
and from the server alike.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_prod_ext.cli.main import main

from .gitutil import committed_copy, isolated_git_home

SURVIVE = Path(__file__).resolve().parent / "data" / "real" / "survive.ipynb"


def _repository(root: Path) -> Path:
    """A git repository holding a committed copy of the notebook (the vcs checks need one)."""
    return committed_copy(SURVIVE, root)


def _unreadable(findings: list[dict[str, Any]], root: Path) -> list[tuple[str, str]]:
    """(check, text) of every message or hint that spans lines or names the folder it ran in."""
    return [
        (f["check"], text)
        for f in findings
        for text in (f["message"], f["hint"] or "")
        if "\n" in text or str(root) in text or str(root.resolve()) in text
    ]


def _stub_hint(findings: list[dict[str, Any]]) -> str:
    """The hint of mypy's missing-stubs error for ``xmltodict`` (mypy's own hint spans three lines)."""
    hints = [f["hint"] for f in findings if f["check"] == "type-error" and "xmltodict" in f["message"]]
    assert hints, [f["message"] for f in findings]
    return str(hints[0])


def test_cli_all_checks_answer_one_line_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = _repository(tmp_path / "project")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--format", "json", "--no-cache", "-j", "1", "--fail-on", "never", str(notebook)])
    assert code == 0 and err.getvalue() == "", err.getvalue()
    findings = json.loads(out.getvalue())["notebooks"][0]["findings"]
    assert _unreadable(findings, notebook.parent) == []
    assert _stub_hint(findings).startswith('"python3 -m pip install types-xmltodict"')


async def test_server_all_checks_answer_one_line_each(
    jp_fetch: Any, jp_root_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "git").mkdir()  # pytest-jupyter has its own tmp_path / "home"
    isolated_git_home(tmp_path / "git", monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = _repository(jp_root_dir / "project")
    body = json.dumps({"path": "project/survive.ipynb", "checks": "all"})
    try:
        response = await jp_fetch("jupyter-prod", "check", method="POST", body=body)
    except HTTPClientError as exc:  # pragma: no cover - the message is the failure
        raise AssertionError(exc.response.body if exc.response else exc) from exc
    findings = json.loads(response.body)["findings"]
    assert _unreadable(findings, notebook.parent) == []
    assert "pip install types-xmltodict" in _stub_hint(findings)


def test_commit_takes_the_package_promotion_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A function promoted into a new package, then committed: the commit holds the package's
    ``__init__.py`` too (it stayed behind, untracked), so a clone has the package the notebook imports."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = _repository(tmp_path / "project")
    root = notebook.parent
    (root / "src" / "shared").mkdir(parents=True)
    (root / "src" / "shared" / "__init__.py").write_text("", encoding="utf-8")  # the user's own, not promotion's
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["promote", str(notebook), "--names", "count_keys", "--to", "src/survive_pkg/keys.py"]) == 0
        code = main(["commit", str(notebook), "-m", "Promote count_keys", "--allow-findings"])
    assert code == 0, out.getvalue()
    committed = subprocess.run(["git", "show", "--name-only", "--format=", "HEAD"], cwd=root, check=True,
                               capture_output=True, text=True, timeout=60).stdout.split()  # fmt: skip
    assert sorted(committed) == ["src/survive_pkg/__init__.py", "src/survive_pkg/keys.py", "survive.ipynb"]
    untracked = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, check=True,
                               capture_output=True, text=True, timeout=60).stdout.split("\n")  # fmt: skip
    assert "?? src/shared/__init__.py" in untracked and not [line for line in untracked if "survive_pkg" in line]


@pytest.mark.parametrize(
    "cell, expected",
    [
        (5, [("read-at-definition", "ARCHIVE_URL"), ("read-at-definition", "DATA_ROOT")]),  # default values
        (7, [("module-undefined-name", "labels_file")]),  # the function's body
    ],
)
def test_cell_turned_into_a_function_says_why_its_definition_cannot_follow(
    tmp_path: Path, cell: int, expected: list[tuple[str, str]]
) -> None:
    """A cell of statements and a function that reads what they assign, promoted as one function: the
    statements' names become the function's locals, so the definition cannot read them; the refusal says
    that, instead of asking to promote what defines them (the very cell selected)."""
    notebook = tmp_path / "survive.ipynb"
    shutil.copy(SURVIVE, notebook)
    out = io.StringIO()
    argv = ["promote", str(notebook), "--cells", str(cell), "--as-function", "fetch", "--to", "pkg/data.py"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main([*argv, "--dry-run", "--format", "json"]) == 1
    refusals = json.loads(out.getvalue())["refusals"]
    assert [(r["reason"], r["message"].split("`")[1]) for r in refusals] == expected
    assert all("function `fetch`" in r["message"] and "\n" not in r["message"] for r in refusals)


async def test_server_format_leaves_a_one_line_automagic_alone(jp_fetch: Any, jp_root_dir: Path) -> None:
    """``pip install x`` alone in a cell is IPython (an automagic): black leaves it, no "cannot parse" error."""
    shutil.copy(SURVIVE, jp_root_dir / "survive.ipynb")
    response = await jp_fetch("jupyter-prod", "format", method="POST", body=json.dumps({"path": "survive.ipynb"}))
    answer = json.loads(response.body)
    assert answer["errors"] == []
    automagic = next(c for c in answer["cells"] if c["cell_id"] == "cell-6")
    assert (automagic["cell"], automagic["changed"], automagic["source"]) == (1, False, "pip install --quiet xmltodict")
