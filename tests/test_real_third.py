"""Constructs of public notebooks a third sweep found answered wrongly, restated in
``tests/data/real/thirdsweep.ipynb`` (cells written for this project; the notebooks are not redistributed).

The sweep took 395 notebooks of nine other repositories (explainability, recommenders, JAX, geodata,
plotting, quantum circuits, dask, Bayesian methods, JupyterLab's own) through every check, promotion
and route.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .gitutil import committed_copy, isolated_git_home
from .installed import child_env
from .nbutil import run_cli

THIRD = Path(__file__).resolve().parent / "data" / "real" / "thirdsweep.ipynb"


def _fast_findings(notebook: Path) -> list[dict[str, Any]]:
    code, out, err = run_cli(["check", str(notebook), "--fast", "--format", "json", "--no-cache"])
    assert code in (0, 1) and err == "", (out, err)
    findings: list[dict[str, Any]] = json.loads(out)["notebooks"][0]["findings"]
    return findings


def test_names_a_run_script_defines_are_not_reported_undefined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%run fetch_votes.py`` runs the script in the notebook's namespace, so ``votes`` exists after it:
    no undefined-name error (a public notebook got 39 of them); the star-import note names the magic,
    and a promotion that needs ``votes`` says that only the ``%run`` can provide it."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = committed_copy(THIRD, tmp_path / "project")
    findings = _fast_findings(notebook)
    assert [f for f in findings if f["check"] in ("undefined-name", "use-before-definition")] == []
    stars = [f["message"] for f in findings if f["check"] == "star-import"]
    assert stars and "`%run fetch_votes.py 2`" in stars[0], stars
    code, out, err = run_cli(["promote", str(notebook), "--names", "top_votes", "--to", "votes/top.py", "--dry-run",
                              "--format", "json"])  # fmt: skip
    refusals = json.loads(out)["refusals"]
    assert code == 1 and [r["reason"] for r in refusals] == ["star-import"], (out, err)
    assert "`%run fetch_votes.py 2`" in refusals[0]["message"], refusals


def test_top_level_async_with_and_for_are_not_type_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """IPython runs a cell's top-level ``async with`` / ``async for`` (as it runs a top-level ``await``):
    mypy's "outside async function" errors there are not reported (a public notebook got one per line
    of three nested ``async with``); the same statement in a plain ``def``, which Python refuses, is."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = committed_copy(THIRD, tmp_path / "project")
    code, out, err = run_cli(["check", str(notebook), "--format", "json", "--no-cache"])
    assert code in (0, 1) and err == "", (out, err)
    findings = json.loads(out)["notebooks"][0]["findings"]
    typed = [(f["cell"], f["line"], f["message"]) for f in findings if f["check"] == "type-error"]
    assert [t for t in typed if "outside async function" in t[2]] == [
        (4, 2, '"async with" outside async function [syntax]')
    ], typed


def test_promoting_a_redefined_name_never_leaves_cells_reading_the_other_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``inc`` is defined in two cells; promoting ``double`` and ``inc`` (the later one) put the import in
    the first cell, above the earlier ``inc``, so the last cell silently read that one (it printed 2, not
    101). The promotion is refused, naming both cells, and nothing is written; ``double`` alone goes."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = committed_copy(THIRD, tmp_path / "project")
    before = notebook.read_bytes()
    code, out, err = run_cli(["promote", str(notebook), "--names", "double,inc", "--to", "calc/ops.py", "--format",
                              "json"])  # fmt: skip
    answer = json.loads(out)
    assert code == 1 and [r["reason"] for r in answer["refusals"]] == ["name-conflict"], (out, err)
    assert "cell 8 would read `inc` from cell 6" in answer["refusals"][0]["message"], answer["refusals"]
    assert notebook.read_bytes() == before and not (notebook.parent / "calc").exists()
    code, out, err = run_cli(["promote", str(notebook), "--names", "double", "--to", "calc/ops.py", "--format", "json"])
    assert code == 0 and json.loads(out)["ok"], (out, err)
    cells = ["".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]]
    assert cells[5] == "from calc.ops import double\ndef inc(x):\n    return x + 1", cells[5]


@pytest.mark.parametrize("selection", [["--names", "area"], ["--cells", "future-area"]])
def test_promotion_keeps_a_future_import_first_in_its_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, selection: list[str]
) -> None:
    """A cell starting with ``from __future__ import annotations``: the promotion's import went above it
    (the cell then fails to compile: future imports must come first; ``ast.parse`` accepts it, so the
    rewrite's own check did not see it), and a cells selection dropped the future import as unused,
    changing how every later cell compiles (a public JAX notebook). It stays first, the import after it."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = committed_copy(THIRD, tmp_path / "project")
    code, out, err = run_cli(["promote", str(notebook), *selection, "--to", "geometry/shapes.py", "--format", "json"])
    assert code == 0 and json.loads(out)["ok"], (out, err)
    cells = {c["id"]: "".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]}
    rewritten = cells["future-area"]
    assert rewritten.startswith("from __future__ import annotations\nfrom geometry.shapes import area\n"), rewritten
    compile(rewritten, "future-area", "exec")  # a SyntaxError if an import came before the future one


def test_annotations_after_a_future_import_may_name_later_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``from __future__ import annotations`` (an earlier cell's: IPython keeps the flag) no
    annotation is evaluated, so a class annotated with a class defined below it runs on a fresh kernel:
    no use-before-definition (a public JAX notebook got one). Without the future import it is one."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = committed_copy(THIRD, tmp_path / "project")
    early = [f for f in _fast_findings(notebook) if f["check"] in ("use-before-definition", "undefined-name")]
    assert early == [], early
    data = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in data["cells"]:
        if cell["id"] == "future-area":
            cell["source"] = [line for line in cell["source"] if "__future__" not in line]
    notebook.write_text(json.dumps(data), encoding="utf-8")
    early = [(f["check"], f["cell_id"], f["line"]) for f in _fast_findings(notebook) if f["check"] in (
        "use-before-definition", "undefined-name")]  # fmt: skip
    assert sorted(early) == [("use-before-definition", "mesh", n) for n in (2, 4, 4)], early


def test_an_import_nothing_reads_stays_in_the_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``import logging.handlers`` is there for what importing it does (a public geopandas notebook's
    ``import geopandas.accessors`` registers pandas' ``.geo``): cells promoted as a function dropped it
    from the notebook, as unused, though nothing moved uses it either. It stays; ``os``, which the
    function reads and no cell left does, moves."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = committed_copy(THIRD, tmp_path / "project")
    code, out, err = run_cli(["promote", str(notebook), "--cells", "side-effect,where", "--as-function", "where_am_i",
                              "--to", "places/here.py", "--format", "json"])  # fmt: skip
    answer = json.loads(out)
    assert code == 0 and answer["ok"], (out, err)
    cells = {c["id"]: "".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]}
    assert "import logging.handlers  # noqa: F401" in cells["side-effect"], cells["side-effect"]
    assert "import os" not in cells["side-effect"] and "import os" in answer["module_source"], cells


def test_a_class_with_lazy_annotations_promotes_to_a_module_that_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Mesh`` ran after ``from __future__ import annotations`` and names ``Kind``, defined below it, in
    an annotation: the module was refused (``Kind`` undefined where the class is defined). It starts
    with the future import, and it imports and runs."""
    isolated_git_home(tmp_path, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebook = committed_copy(THIRD, tmp_path / "project")
    code, out, err = run_cli(["promote", str(notebook), "--names", "Mesh", "--to", "geometry/mesh.py", "--format",
                              "json"])  # fmt: skip
    answer = json.loads(out)
    assert code == 0 and answer["ok"], (out, err)
    assert '"""\n\nfrom __future__ import annotations\n\nimport enum\n' in answer["module_source"]
    probe = "import geometry.mesh as m; print(m.Mesh().area(2), m.Kind.A.value)"
    ran = subprocess.run([sys.executable, "-c", probe], cwd=notebook.parent, env=child_env(), capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert ran.returncode == 0 and ran.stdout.split() == ["12", "1"], ran.stderr
