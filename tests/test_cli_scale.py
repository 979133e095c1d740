"""``jupyter-prod check`` at scale: a process pool (``--jobs``) and the on-disk result cache.

Reports must be the same whatever the number of processes and whether they come from the
cache; the cache must notice every change that could change a report (the notebook, the
project's configuration, the notebook's git state).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.cli.main import main
from jupyter_prod_ext.resultcache import DEFAULT_DIR

from .gitutil import git, isolated_git_home
from .nbutil import make_nb, write_nb


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    rc = main(["check", "--format", "json", *argv])
    out, _ = capsys.readouterr()
    return rc, json.loads(out)


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    for i in range(6):
        write_nb(root / f"nb{i}.ipynb", make_nb((f"import os\nv{i} = undefined_{i}", 1), markdown_title=f"N{i}"))
    write_nb(root / "sub" / "bad.ipynb", {"nbformat": 4})
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\ndependencies = []\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_jobs_give_the_same_reports_in_the_same_order(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    rc1, one = cli(capsys, "--fast", "--no-cache", "--jobs", "1", ".")
    rc2, two = cli(capsys, "--fast", "--no-cache", "--jobs", "3", ".")
    assert (rc1, rc2) == (2, 2)  # the broken notebook is an input error either way
    assert one == two
    assert [r["path"] for r in two["notebooks"]] == [f"nb{i}.ipynb" for i in range(6)]
    assert two["errors"][0]["path"] == "sub/bad.ipynb"
    assert not (project / DEFAULT_DIR).exists()  # --no-cache writes nothing


def test_second_run_comes_from_the_cache_and_edits_invalidate_it(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    _, first = cli(capsys, "--fast", "nb0.ipynb", "nb1.ipynb")
    cache = project / DEFAULT_DIR
    assert len(entries(cache)) == 2
    assert (cache / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    # a cached report is the stored one: tamper with it to prove the second run read it
    stored = entries(cache)[0]
    data = json.loads(stored.read_text(encoding="utf-8"))
    data["score"] = -1
    stored.write_text(json.dumps(data), encoding="utf-8")
    _, second = cli(capsys, "--fast", "nb0.ipynb", "nb1.ipynb")
    assert -1 in [r["score"] for r in second["notebooks"]]
    assert [r["path"] for r in second["notebooks"]] == [r["path"] for r in first["notebooks"]]
    # editing the notebook changes its key
    write_nb(project / "nb0.ipynb", make_nb(("x = 1", 1), markdown_title="Fixed"))
    write_nb(project / "nb1.ipynb", make_nb(("y = 1", 1), markdown_title="Fixed"))
    _, third = cli(capsys, "--fast", "nb0.ipynb", "nb1.ipynb")
    assert [f["check"] for r in third["notebooks"] for f in r["findings"]] == []
    # so does the project's configuration
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'p'\ndependencies = []\n[tool.jupyter-prod]\nselect = ['structure']\n", encoding="utf-8"
    )
    write_nb(project / "nb0.ipynb", make_nb(("x = nowhere", 1)))
    _, fourth = cli(capsys, "--fast", "nb0.ipynb")
    assert {f["check"] for f in fourth["notebooks"][0]["findings"]} <= {"missing-title", "empty-cell"}


def test_cache_follows_git_state(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_git_home(tmp_path, monkeypatch)
    git(project, "init", "-q")
    vcs = ["--select", "not-in-git,uncommitted-changes", "nb0.ipynb"]
    assert [f["check"] for f in cli(capsys, *vcs)[1]["notebooks"][0]["findings"]] == ["not-in-git"]
    git(project, "add", "nb0.ipynb")
    git(project, "commit", "-qm", "add")
    assert cli(capsys, *vcs)[1]["notebooks"][0]["findings"] == []
    write_nb(project / "nb0.ipynb", make_nb(("z = 3", 1)))
    assert [f["check"] for f in cli(capsys, *vcs)[1]["notebooks"][0]["findings"]] == ["uncommitted-changes"]
    git(project, "checkout", "--", "nb0.ipynb")
    assert cli(capsys, *vcs)[1]["notebooks"][0]["findings"] == []


def test_bad_jobs_is_a_usage_error(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--jobs", "0", "."])
    assert exc.value.code == 2
    assert "at least 1" in capsys.readouterr().err


def test_an_edit_of_the_engine_itself_invalidates_the_cache(tmp_path: Path) -> None:
    """A developer who edits a check without bumping the version never gets the old code's report."""
    import shutil
    import sys

    import jupyter_prod_ext

    package = Path(jupyter_prod_ext.__file__).resolve().parent
    copy = tmp_path / "site" / "jupyter_prod_ext"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("labextension", "__pycache__"))
    root = tmp_path / "proj"
    write_nb(root / "nb.ipynb", make_nb(("v = undefined_name", 1)))
    cache = tmp_path / "cache"

    def run() -> None:
        argv = [sys.executable, "-m", "jupyter_prod_ext", "check", "--fast", "--format", "json",
                "--cache-dir", str(cache), "nb.ipynb"]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy.parent), "HOME": str(tmp_path)}
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert json.loads(done.stdout)["notebooks"][0]["findings"]

    run()
    run()
    assert len(entries(cache)) == 1  # the second run was a hit
    check = copy / "checks" / "dataflow.py"
    check.write_text(check.read_text(encoding="utf-8") + "\n# edited by hand\n", encoding="utf-8")
    run()
    assert len(entries(cache)) == 2  # the edited engine made a report of its own


def test_a_cache_that_cannot_be_written_only_costs_the_cache(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    """A folder where the cache cannot go (read-only checkout, `/`; here a file in its way, which stops root
    too) still gets its reports: the cache is an optimisation (was exit 2, "Cannot write '.gitignore'")."""
    (project / DEFAULT_DIR).write_text("not a folder\n", encoding="utf-8")
    rc, report = cli(capsys, "--fast", "nb0.ipynb")
    assert rc == 1 and [r["path"] for r in report["notebooks"]] == ["nb0.ipynb"]
    assert report["errors"] == []
    assert (project / DEFAULT_DIR).read_text(encoding="utf-8") == "not a folder\n"
