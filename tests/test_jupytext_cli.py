"""Notebooks kept as text (jupytext): reading, positions, folder walks, CI formats, no jupytext.

Real jupytext on jupytext's own test notebooks (``tests/data/jupytext_formats``: the percent,
light, Markdown and MyST versions of the notebooks in its test suite).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from jupyter_prod_ext.checks.api import check_path
from jupyter_prod_ext.cli.main import main
from jupyter_prod_ext.jupytext_io import (
    _same_line,
    discover_notebooks,
    looks_like_text_notebook,
    read_text_notebook,
    text_notebook_from_text,
    writes_like,
)

from .nbutil import make_nb, write_nb

REPO = Path(__file__).resolve().parent.parent
FORMATS = REPO / "tests" / "data" / "jupytext_formats"
TEXT_FILES = sorted(p for p in FORMATS.rglob("*") if p.suffix in (".py", ".md"))

ANALYSIS = """\
# %%
import os, random
x = random.random()
password = "hunter2hunter2"

# %% [markdown]
# Some text

# %%
%matplotlib inline
def f(a):
    return a + undefined_name
print(f(x))
"""


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_data_is_there() -> None:
    assert {p.parent.name for p in TEXT_FILES} == {"percent", "light", "md", "myst"}
    assert len(TEXT_FILES) >= 90


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_cell_is_located_line_for_line(path: Path) -> None:
    """Each cell's lines are where the map says, in the file as read and as jupytext rewrites it."""
    tn = read_text_notebook(path, path.name)
    assert tn.fmt["extension"] == path.suffix and tn.fmt["format_name"]
    again = text_notebook_from_text(writes_like(tn.raw, tn), path.suffix, path.name)
    for t in (tn, again):
        lines = t.text.splitlines()
        for cell, start in zip(t.notebook.cells, t.cell_lines, strict=True):
            if cell.cell_type == "raw":  # a raw cell on top is jupytext's header: its lines are the YAML's
                continue
            assert start is not None or not cell.source.strip(), (cell.index, cell.source[:60])
            if start is None:
                continue
            for j, line in enumerate(cell.source.split("\n")):
                if not line.startswith("%%"):  # a cell magic can live in the cell marker instead
                    assert _same_line(lines[start - 1 + j], line), (cell.index, j, lines[start - 1 + j], line)


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_jupytext_writes_back_what_it_read(path: Path) -> None:
    """Once in jupytext's own header style, read + write in the same format changes nothing."""
    tn = read_text_notebook(path, path.name)
    once = writes_like(tn.raw, tn)
    again = text_notebook_from_text(once, path.suffix, path.name)
    assert writes_like(again.raw, again) == once
    assert [c.source for c in again.notebook.cells] == [c.source for c in tn.notebook.cells]


@pytest.mark.parametrize("path", [p for p in TEXT_FILES if p.parent.name in ("percent", "md")], ids=lambda p: p.name)
def test_checks_run_on_every_python_text_notebook(path: Path) -> None:
    report = check_path(path, display=path.name, checks="fast")
    assert report["path"] == path.name
    assert "never-executed" not in report["summary"]["checks_run"]  # a text notebook has no outputs
    tn = read_text_notebook(path, path.name)
    for f in report["findings"]:
        if f["cell"] is not None and tn.cell_lines[f["cell"]] is not None:
            assert f["file_line"] == tn.file_line(f["cell"], f["line"])


@pytest.fixture
def analysis(tmp_path: Path) -> Path:
    path = tmp_path / "analysis.py"
    path.write_text(ANALYSIS, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


def test_percent_script_is_checked_with_file_lines(
    capsys: pytest.CaptureFixture[str], analysis: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(analysis.parent)
    rc, out, err = cli(capsys, "check", "--fast", "--format", "json", "analysis.py")
    assert rc == 1 and err == ""
    findings = {f["check"]: f for f in json.loads(out)["notebooks"][0]["findings"]}
    assert findings["secret"]["cell"] == 0 and findings["secret"]["line"] == 3
    assert findings["secret"]["file_line"] == _line_of(analysis, "password")
    assert findings["undefined-name"]["cell"] == 2 and findings["undefined-name"]["line"] == 3
    assert findings["undefined-name"]["file_line"] == _line_of(analysis, "undefined_name")
    assert findings["ipython-magic"]["file_line"] == _line_of(analysis, "%matplotlib")

    rc, out, _ = cli(capsys, "check", "--fast", "--format", "github", "analysis.py")
    lines = out.splitlines()
    secret = next(ln for ln in lines if "title=secret" in ln)
    assert secret.startswith(f"::error file=analysis.py,line={_line_of(analysis, 'password')},")
    assert any(ln.startswith(f"::error file=analysis.py,line={_line_of(analysis, 'undefined_name')},") for ln in lines)

    rc, out, _ = cli(capsys, "check", "--fast", "--format", "sarif", "analysis.py")
    results = json.loads(out)["runs"][0]["results"]
    undefined = next(r for r in results if r["ruleId"] == "undefined-name")
    region = undefined["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == _line_of(analysis, "undefined_name")
    assert undefined["properties"]["cell"] == 2 and undefined["properties"]["line"] == 3

    rc, out, _ = cli(capsys, "check", "--fast", "analysis.py")
    assert f"cell 3, line 3 (analysis.py:{_line_of(analysis, 'undefined_name')}): 'undefined_name'" in out


def test_markdown_and_myst_notebooks_map_to_their_lines(tmp_path: Path) -> None:
    nb = jupytext.reads(ANALYSIS, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for fmt in ("md", "md:myst"):
        path = tmp_path / f"{fmt.replace(':', '_')}.md"
        path.write_text(jupytext.writes(nb, fmt=fmt), encoding="utf-8")
        report = check_path(path, display=path.name, checks="fast")
        f = next(f for f in report["findings"] if f["check"] == "undefined-name")
        assert f["file_line"] == _line_of(path, "undefined_name"), fmt


def test_folder_walk_takes_notebooks_only(tmp_path: Path) -> None:
    (tmp_path / "analysis.py").write_text(ANALYSIS, encoding="utf-8")
    shutil.copy(FORMATS / "light" / "jupyter.py", tmp_path / "light_with_header.py")
    shutil.copy(FORMATS / "myst" / "jupyter.md", tmp_path / "myst.md")
    shutil.copy(FORMATS / "md" / "jupyter.md", tmp_path / "markdown.md")
    (tmp_path / "module.py").write_text("import os\n\n\ndef g() -> int:\n    return 1\n  # %% not a marker\n")
    (tmp_path / "README.md").write_text("---\ntitle: x\n---\n# Read me\n\n```python\nprint(1)\n```\n")
    (tmp_path / "notes.md").write_text("# Notes\n")
    # a pair: the .ipynb is checked, its .py twin is not (same notebook, no outputs)
    write_nb(tmp_path / "paired.ipynb", make_nb("x = 1", markdown_title="Paired"))
    paired = jupytext.read(tmp_path / "paired.ipynb")
    paired.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    jupytext.write(paired, tmp_path / "paired.py", fmt="py:percent")
    # a text notebook whose .ipynb twin is absent is checked
    (tmp_path / "sub").mkdir()
    jupytext.write(paired, tmp_path / "sub" / "lonely.py", fmt="py:percent")
    venv = tmp_path / "env"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "script.py").write_text(ANALYSIS)
    hidden = tmp_path / ".hidden"
    hidden.mkdir()
    (hidden / "h.py").write_text(ANALYSIS)
    found = [p.relative_to(tmp_path).as_posix() for p in discover_notebooks(tmp_path)]
    assert found == [
        "analysis.py",
        "light_with_header.py",
        "markdown.md",
        "myst.md",
        "paired.ipynb",
        "sub/lonely.py",
    ]
    assert not looks_like_text_notebook(tmp_path / "module.py")


def test_folder_walk_in_the_cli(capsys: pytest.CaptureFixture[str], analysis: Path) -> None:
    (analysis.parent / "module.py").write_text("import os\n")
    rc, out, err = cli(capsys, "check", "--fast", "--format", "json", str(analysis.parent))
    data = json.loads(out)
    assert [Path(r["path"]).name for r in data["notebooks"]] == ["analysis.py"] and data["errors"] == []
    assert rc == 1


def test_a_broken_text_notebook_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\njupyter:\n  kernelspec: [unclosed\n---\n\n```python\nx = 1\n```\n", encoding="utf-8")
    rc, _, err = cli(capsys, "check", "--fast", str(bad))
    assert rc == 2 and err.count("\n") == 1 and "bad.md" in err and "Traceback" not in err
    latin = tmp_path / "latin.py"
    latin.write_bytes("# %%\nx = 'caf\xe9'\n".encode("latin-1"))
    rc, _, err = cli(capsys, "check", "--fast", str(latin))
    assert rc == 2 and "latin.py: the file is not UTF-8 text." in err


def _without_jupytext(tmp_path: Path) -> dict[str, str]:
    """An environment where ``import jupytext`` fails, as in a venv that does not have it.

    A package named jupytext first on the path that raises what a missing module raises: the real
    import machinery, nothing of ours replaced.
    """
    shadow = tmp_path / "no_jupytext" / "jupytext"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'jupytext'\", name='jupytext')\n", encoding="utf-8"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(shadow.parent), env.get("PYTHONPATH")) if p)
    return env


def _check(cwd: Path, env: dict[str, str], *paths: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "jupyter_prod_ext", "check", "--fast", "--no-cache", *paths]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_without_jupytext_a_text_notebook_is_a_one_line_error(tmp_path: Path, analysis: Path) -> None:
    env = _without_jupytext(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", "import jupytext"], env=env, capture_output=True, text=True, timeout=60
    )
    assert probe.returncode != 0 and "No module named 'jupytext'" in probe.stderr
    write_nb(tmp_path / "plain.ipynb", make_nb(("x = 1", 1), ("print(x)", 2), markdown_title="Plain"))
    res = _check(tmp_path, env, "analysis.py", "plain.ipynb")
    assert res.returncode == 2
    assert res.stderr == "jupyter-prod: reading analysis.py needs jupytext: pip install jupytext\n"
    assert "plain.ipynb: score" in res.stdout  # the .ipynb is still checked
    # met in a folder, a script is skipped with a note, like a notebook in another language
    res = _check(tmp_path, env, ".")
    assert res.returncode == 0, res.stderr
    assert res.stderr == (
        "jupyter-prod: skipped analysis.py: reading analysis.py needs jupytext: pip install jupytext\n"
    )
    assert "plain.ipynb: score" in res.stdout
