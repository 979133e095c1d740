"""Constructs of public notebooks a second sweep found breaking a command, restated in
``tests/data/real/unseen.ipynb`` (cells written for this project; the notebooks are not redistributed).

The sweep took 300 notebooks of eight other repositories (widgets, dashboards, cloud ML samples, other
kernels, nbformat 3, jupytext text notebooks) through every check, promotion and route.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .gitutil import committed_copy, isolated_git_home
from .installed import child_env
from .nbutil import run_cli

UNSEEN = Path(__file__).resolve().parent / "data" / "real" / "unseen.ipynb"


def _repository(root: Path) -> Path:
    """A git repository holding a committed copy of the notebook (the vcs checks need one)."""
    return committed_copy(UNSEEN, root)


def test_imports_cell_turned_into_a_function_keeps_the_imports_later_cells_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The imports cell and the cell after it promoted as one function: the imports later cells read stay
    in the notebook, with the call after them (the whole cell was once replaced by the call, and the
    promotion refused, naming every later use of ``os`` and ``json``); the module imports, and the
    notebook and module commit together."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = _repository(tmp_path / "project")
    code, out, err = run_cli(["promote", str(notebook), "--cells", "cell-1,cell-2", "--as-function", "report",
                              "--to", "survey/versions.py", "--format", "json"])  # fmt: skip
    assert code == 0 and err == "", (out, err)
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert ["".join(c["source"]) for c in cells[1:]] == [
        "from survey.versions import report\nimport os\nimport json\nreport()",
        'settings = json.dumps({"cwd": os.getcwd()})',
    ]
    probe = "import survey.versions as m; m.report()"
    ran = subprocess.run([sys.executable, "-c", probe], cwd=notebook.parent, env=child_env(), capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert ran.returncode == 0 and ran.stdout.startswith("running in"), ran.stderr
    code, out, err = run_cli(["commit", str(notebook), "-m", "Promote report", "--allow-findings"])
    assert code == 0, (out, err)
    committed = subprocess.run(["git", "show", "--name-only", "--format=", "HEAD"], cwd=notebook.parent,
                               check=True, capture_output=True, text=True, timeout=60).stdout.split()  # fmt: skip
    assert sorted(committed) == ["survey/__init__.py", "survey/versions.py", "unseen.ipynb"]
