"""Promotion and commit of jupytext notebooks: written back in their own format, pairs kept in step.

Real jupytext, real git, the real CLI (``main``): a percent script paired with an ``.ipynb``
(``formats: ipynb,py:percent``), a script alone, and a MyST Markdown notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import nbformat
import pytest

from jupyter_prod_ext.cli.main import main
from jupyter_prod_ext.jupytext_io import read_text_notebook

from .gitutil import git

pytestmark = pytest.mark.usefixtures("git_home")

SCRIPT = """\
# %% [markdown]
# # Areas

# %%
def area(w, h):
    return w * h


# %%
print(area(2, 3))
"""


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _kernel(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with analysis.py + analysis.ipynb paired; the .ipynb has an output."""
    proj = tmp_path / "proj"
    proj.mkdir()
    git(proj, "init", "-q")
    nb = _kernel(jupytext.reads(SCRIPT, fmt="py:percent"))
    nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    jupytext.write(nb, proj / "analysis.py", fmt="py:percent")
    ipynb = jupytext.read(proj / "analysis.py")
    ipynb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="6\n")]
    ipynb.cells[2].execution_count = 1
    nbformat.write(ipynb, proj / "analysis.ipynb")
    monkeypatch.chdir(proj)
    return proj


def test_promotion_rewrites_the_script_in_percent_and_updates_the_ipynb(
    capsys: pytest.CaptureFixture[str], pair: Path
) -> None:
    before = (pair / "analysis.py").read_text()
    rc, out, err = cli(capsys, "promote", "analysis.py", "--names", "area", "--to", "src/pkg/geo.py")
    assert rc == 0, out + err
    assert "wrote analysis.py" in out and "wrote analysis.ipynb" in out
    after = (pair / "analysis.py").read_text()
    assert "# %%\nfrom pkg.geo import area\n" in after and "def area" not in after
    # the rest of the file is as it was: same header, same markdown and last cell
    assert after.startswith(before.split("# %% [markdown]")[0].split("#   kernelspec")[0].split("# jupyter:")[0])
    assert after.endswith("# %%\nprint(area(2, 3))\n") and "# %% [markdown]\n# # Areas\n" in after
    tn = read_text_notebook(pair / "analysis.py")
    assert tn.fmt == {"extension": ".py", "format_name": "percent"}
    assert tn.raw["metadata"]["jupyter_prod"]["modules"] == ["src/pkg/geo.py"]  # the ledger survives in the header
    ipynb = nbformat.read(pair / "analysis.ipynb", as_version=4)
    assert [c.source for c in ipynb.cells] == [c.source for c in tn.notebook.cells]
    assert ipynb.cells[2].outputs[0]["text"] == "6\n"  # an unchanged cell keeps its output
    assert ipynb.metadata["jupyter_prod"]["modules"] == ["src/pkg/geo.py"]
    assert "def area(w, h):" in (pair / "src" / "pkg" / "geo.py").read_text()


def test_promotion_from_the_ipynb_updates_the_script(capsys: pytest.CaptureFixture[str], pair: Path) -> None:
    rc, out, err = cli(capsys, "promote", "analysis.ipynb", "--names", "area", "--to", "src/pkg/geo.py")
    assert rc == 0, out + err
    assert "wrote analysis.py" in out
    script = (pair / "analysis.py").read_text()
    assert "from pkg.geo import area" in script and "def area" not in script
    assert read_text_notebook(pair / "analysis.py").fmt["format_name"] == "percent"


def test_a_pair_out_of_step_is_not_overwritten(capsys: pytest.CaptureFixture[str], pair: Path) -> None:
    ipynb = nbformat.read(pair / "analysis.ipynb", as_version=4)
    ipynb.cells[2].source = "print(area(4, 5))"  # edited in Jupyter, not synced yet
    nbformat.write(ipynb, pair / "analysis.ipynb")
    kept = (pair / "analysis.ipynb").read_bytes()
    rc, out, _ = cli(capsys, "promote", "analysis.py", "--names", "area", "--to", "src/pkg/geo.py")
    assert rc == 0
    assert (pair / "analysis.ipynb").read_bytes() == kept
    assert "warning: analysis.ipynb (paired with analysis.py) differed from it before the promotion" in out


@pytest.mark.parametrize("fmt", ["py:percent", "md:myst"])
def test_promotion_of_a_text_notebook_alone_keeps_its_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    name = "alone.py" if fmt.startswith("py") else "alone.md"
    jupytext.write(_kernel(jupytext.reads(SCRIPT, fmt="py:percent")), tmp_path / name, fmt=fmt)
    rc, out, err = cli(capsys, "promote", name, "--names", "area", "--to", "src/pkg/geo.py")
    assert rc == 0, out + err
    tn = read_text_notebook(tmp_path / name)
    assert tn.fmt["format_name"] == fmt.split(":")[1]
    assert [c.source for c in tn.notebook.code_cells] == ["from pkg.geo import area", "print(area(2, 3))"]
    assert list(tmp_path.glob("alone.ipynb")) == []


@pytest.mark.parametrize("where", ["above the project", "in the project"])
def test_a_jupytext_config_above_the_project_pairs_nothing_outside_a_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """No repository to bound the search: a ``jupytext.toml`` above the project (the server root, the
    CLI's folder) is not this project's, and the script beside the notebook is not rewritten as its pair;
    the same configuration inside the project pairs them."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj if where == "in the project" else tmp_path).joinpath("jupytext.toml").write_text(
        'formats = "ipynb,py:percent"\n', encoding="utf-8"
    )
    nb = _kernel(jupytext.reads(SCRIPT, fmt="py:percent"))
    nbformat.write(nb, proj / "analysis.ipynb")
    jupytext.write(nb, proj / "analysis.py", fmt="py:percent")
    script = (proj / "analysis.py").read_text(encoding="utf-8")
    monkeypatch.chdir(proj)

    rc, out, err = cli(capsys, "promote", "analysis.ipynb", "--names", "area", "--to", "src/pkg/geo.py")

    assert rc == 0, out + err
    rewritten = (proj / "analysis.py").read_text(encoding="utf-8") != script
    assert rewritten == (where == "in the project")
    assert ("wrote analysis.py" in out) == (where == "in the project")


def test_commit_takes_both_files_of_the_pair(capsys: pytest.CaptureFixture[str], pair: Path) -> None:
    rc, out, err = cli(capsys, "status", "analysis.py", "--format", "json")
    assert [f["path"] for f in json.loads(out)["files"]] == ["analysis.py", "analysis.ipynb"]
    rc, out, err = cli(capsys, "commit", "analysis.py", "-m", "Areas")
    assert rc == 0, err
    assert sorted(git(pair, "show", "--name-only", "--format=", "HEAD").split()) == ["analysis.ipynb", "analysis.py"]
    assert git(pair, "show", "HEAD:analysis.py") == (pair / "analysis.py").read_text()  # the script as it is
    committed = json.loads(git(pair, "show", "HEAD:analysis.ipynb"))
    assert all(c.get("outputs", []) == [] for c in committed["cells"])  # the .ipynb code-only
    assert nbformat.read(pair / "analysis.ipynb", as_version=4).cells[2].outputs  # the disk keeps outputs


def test_commit_refuses_a_pair_that_disagrees_in_code(capsys: pytest.CaptureFixture[str], pair: Path) -> None:
    git(pair, "commit", "-q", "--allow-empty", "-m", "start")
    with open(pair / "analysis.py", "a", encoding="utf-8") as fh:
        fh.write("total = area(1, 1)\n")
    for name in ("analysis.py", "analysis.ipynb"):
        rc, _, err = cli(capsys, "commit", name, "-m", "Areas")
        assert rc == 2
        assert err.count("\n") == 1 and "are a jupytext pair but differ in code (cell 3 of" in err
        assert "jupytext --sync" in err
    assert git(pair, "log", "--format=%s") == "start\n"


def test_promoted_modules_of_a_script_are_committed_with_it(capsys: pytest.CaptureFixture[str], pair: Path) -> None:
    rc, out, err = cli(capsys, "promote", "analysis.py", "--names", "area", "--to", "src/pkg/geo.py")
    assert rc == 0, out + err
    rc, _, err = cli(capsys, "commit", "analysis.py", "-m", "Promote area")
    assert rc == 0, err
    files = sorted(git(pair, "show", "--name-only", "--format=", "HEAD").split())
    assert files == ["analysis.ipynb", "analysis.py", "src/pkg/__init__.py", "src/pkg/geo.py"]  # the new package's __init__ too


CORPUS = Path(__file__).resolve().parent / "data" / "corpus" / "jupytext"


@pytest.mark.parametrize("fmt", ["py:percent", "py:light", "md", "md:myst"])
def test_a_pair_synced_by_jupytext_is_never_refused(tmp_path: Path, fmt: str) -> None:
    """Every corpus notebook paired by jupytext itself passes the commit's consistency check."""
    from jupyter_prod_ext.jupytext_io import check_pair_agrees

    ext = "." + fmt.split(":")[0]
    notebooks = sorted(CORPUS.glob("*.ipynb"))
    assert len(notebooks) >= 20
    for source in notebooks:
        nb = jupytext.read(source)
        nb.metadata["jupytext"] = {"formats": f"ipynb,{fmt}"}
        ipynb, text = tmp_path / source.name, (tmp_path / source.name).with_suffix(ext)
        nbformat.write(nb, ipynb)
        jupytext.write(nb, text, fmt=fmt)
        contents = {p.resolve(): p.read_bytes() for p in (ipynb, text)}
        check_pair_agrees(ipynb, contents, tmp_path)
        check_pair_agrees(text, contents, tmp_path)


def test_run_executes_a_script_in_a_clean_kernel(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    script = tmp_path / "runs.py"
    script.write_text("# %%\nx = 20\n\n# %%\nprint(x + 1)\nassert x + 1 == 21\n", encoding="utf-8")
    before = script.read_bytes()
    rc, out, err = cli(capsys, "run", str(script), "--format", "json")
    assert rc == 0, out + err
    run = json.loads(out)["notebooks"][0]["run"]
    assert (run["cells_run"], run["total"]) == (2, 2)
    assert script.read_bytes() == before  # a copy runs; the script is not touched
    script.write_text("# %%\nraise ValueError('boom')\n", encoding="utf-8")
    rc, out, err = cli(capsys, "run", str(script), "--format", "json")
    findings = json.loads(out)["notebooks"][0]["findings"]
    assert rc == 1 and [(f["check"], f["cell"]) for f in findings] == [("run-error", 0)]
