"""``jupyter-prod check`` type-checks a folder's notebooks in one mypy run (typecheck.batch), and every
notebook's report is the one it gets checked alone, with an empty cache.

Real mypy throughout; ``typecheck._run_mypy`` is watched (each call still runs mypy) to count the runs.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext import typecheck
from jupyter_prod_ext.cli.main import main

from .nbutil import make_nb, write_nb

NOTEBOOKS = {
    "a.ipynb": ["x: int = 'a'", "def f() -> str:\n    return 1"],
    # an unused ignore, one without a code, a read before the cell that binds it, a possibly-undefined name
    "b.ipynb": [
        "def g() -> int:\n    return 0",
        "y: int = g()  # type: ignore[assignment]\nq: str = g()  # type: ignore",
        "print(later)",
        "later = 1\nif later:\n    maybe = 2\nprint(maybe)",
    ],
    "c.ipynb": ["z = 1", "%time z + 1"],
    # a cell mypy cannot read is left out (the syntax check reports it); the next one is checked
    "d.ipynb": ["def (", "w: str = 1"],
    # the same cells as a.ipynb: its modules must not be confused with a.ipynb's
    "sub/a.ipynb": ["x: int = 'a'", "def f() -> str:\n    return 1"],
    # a project module: a wrong call of it is the notebook's finding
    "sub/e.ipynb": ["from pkg.mod import h", "h('one')"],
    # a project module that imports another
    "sub/f.ipynb": ["import json", "from pkg.helper import twice\nprint(json.dumps(twice(2)))"],
}
MYPY_CONFIG = (
    "[tool.mypy]\nwarn_unused_ignores = true\nenable_error_code = ['possibly-undefined', 'ignore-without-code']\n"
)


HELPER = "from pkg.mod import h\n\n\ndef twice(n: int) -> int:\n    return h(n) * 2\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    # a git repository: its top level is every notebook's project (mypy's MYPYPATH, one cache)
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True, timeout=60)
    (root / "pyproject.toml").write_text(MYPY_CONFIG, encoding="utf-8")
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "mod.py").write_text("def h(n: int) -> int:\n    return n\n", encoding="utf-8")
    (root / "pkg" / "helper.py").write_text(HELPER, encoding="utf-8")
    for name, sources in NOTEBOOKS.items():
        write_nb(root / "nbs" / name, make_nb(*sources))
    return root


def _runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of files of every mypy run from now on (each call still runs mypy)."""
    runs: list[int] = []
    real = typecheck._run_mypy

    def watched(targets: Sequence[Path], *args: Any, **kwargs: Any) -> Any:
        runs.append(len(targets))
        return real(targets, *args, **kwargs)

    monkeypatch.setattr(typecheck, "_run_mypy", watched)
    return runs


def _check(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cache: Path, *paths: str) -> Any:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    main(["check", "--select", "type-error", "--format", "json", "--no-cache", "--jobs", "1", *paths])
    out = capsys.readouterr().out
    return {r["path"]: r["findings"] for r in json.loads(out)["notebooks"]}


def _alone(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Each notebook checked alone with an empty type-check cache: the reference."""
    reports = {}
    for i, name in enumerate(NOTEBOOKS):
        reports.update(_check(capsys, monkeypatch, tmp_path / f"alone{i}", f"nbs/{name}"))
    return reports


def test_a_folder_is_type_checked_in_one_mypy_run_with_each_notebook_s_own_answer(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    reference = _alone(capsys, monkeypatch, tmp_path)
    codes = {path: {f["message"].rsplit("[", 1)[-1].rstrip("]") for f in found} for path, found in reference.items()}
    assert codes["nbs/a.ipynb"] == codes["nbs/sub/a.ipynb"] == {"assignment", "return-value"}, codes
    assert codes["nbs/b.ipynb"] == {"unused-ignore", "ignore-without-code", "used-before-def", "possibly-undefined"}
    assert codes["nbs/c.ipynb"] == set() and codes["nbs/d.ipynb"] == {"assignment"}
    assert codes["nbs/sub/e.ipynb"] == {"arg-type"} and codes["nbs/sub/f.ipynb"] == set(), codes
    runs = _runs(monkeypatch)
    together = _check(capsys, monkeypatch, tmp_path / "together", "nbs")
    assert len(runs) == 1 and runs[0] >= len(NOTEBOOKS), runs  # every notebook's modules in one run
    assert together == reference
    runs.clear()  # a second run: mypy's cache warm, still one run and the same answers
    assert _check(capsys, monkeypatch, tmp_path / "together", "nbs") == reference
    assert len(runs) == 1, runs


def test_a_run_mypy_stops_short_leaves_each_notebook_to_be_checked_alone(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A syntax error in a project module a notebook imports stops mypy (a blocking error): the joint
    run's answers are not kept, and each notebook's check runs mypy alone, as it would by itself."""
    monkeypatch.chdir(project)
    (project / "pkg" / "mod.py").write_text("def h(n: int) -> int:\n    return (\n", encoding="utf-8")
    reference = _alone(capsys, monkeypatch, tmp_path)
    runs = _runs(monkeypatch)
    assert _check(capsys, monkeypatch, tmp_path / "together", "nbs") == reference
    assert runs[0] >= len(NOTEBOOKS) and len(runs) == 1 + len(NOTEBOOKS), runs


def test_an_error_in_a_project_module_shows_in_each_notebook_importing_it_as_when_checked_alone(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """mypy's error in ``pkg/mod.py`` is no cell's: it was dropped, shown nowhere. Each notebook that
    imports the module, directly (e) or through ``pkg.helper`` (f), now gets one info line at its import,
    checked alone or in the joint run: which modules a notebook reaches only mypy knows, so those two are
    checked alone after the joint run; the notebooks importing no project module keep its answers."""
    monkeypatch.chdir(project)
    (project / "pkg" / "mod.py").write_text("def h(n: int) -> int:\n    return 'not an int'\n", encoding="utf-8")
    reference = _alone(capsys, monkeypatch, tmp_path)
    module = (
        "mypy reports an error in pkg/mod.py, which this notebook imports: line 2: Incompatible return value "
        'type (got "str", expected "int") [return-value].'
    )
    shown = {path: [(f["cell"], f["line"], f["severity"]) for f in found if f["message"] == module] for path, found in reference.items()}
    assert shown == {
        **{f"nbs/{name}": [] for name in NOTEBOOKS}, "nbs/sub/e.ipynb": [(0, 1, "info")], "nbs/sub/f.ipynb": [(1, 1, "info")]
    }, shown  # fmt: skip
    assert [f["check"] for f in reference["nbs/sub/e.ipynb"]] == ["type-error", "type-error"]
    runs = _runs(monkeypatch)
    assert _check(capsys, monkeypatch, tmp_path / "together", "nbs") == reference
    assert runs[0] >= len(NOTEBOOKS) and len(runs) == 3, runs  # the joint run, then e and f alone
