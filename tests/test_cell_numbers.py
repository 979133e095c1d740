"""Text numbers cells from 1, as the Readiness panel, JupyterLab, ruff and nbQA do; JSON keeps 0-based indexes.

The panel labels a finding ``Cell {cell + 1}`` (``src/widgets/FindingList.tsx``). A new user saw "Cell 8" in
the panel beside a promotion problem about "Cell 7": one cell, two numbers. The notebook here starts with a
markdown cell, so an index and a number never agree by chance, and every message must name the number the
panel shows for the same cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_prod_ext.cli.main import main

from .nbutil import make_nb, write_nb

RAN_CODE, LATE_IMPORT, BROKEN = 1, 2, 3  # indexes: 0 is the markdown title


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def panel_label(index: int) -> str:
    """What the Readiness panel shows for the cell at ``index`` (FindingList.tsx: ``finding.cell + 1``)."""
    return f"Cell {index + 1}"


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    nb = make_nb(("x = 1", 1), ("import os\nprint(os.sep)", 2), ("def broken(:\n    pass", None), markdown_title="T")
    return write_nb(tmp_path / "nb.ipynb", nb)


def test_messages_name_the_cell_the_panel_shows(capsys: pytest.CaptureFixture[str], notebook: Path) -> None:
    _, out, _ = cli(capsys, "check", "--fast", "--format", "json", str(notebook))
    findings = {f["check"]: f for f in json.loads(out)["notebooks"][0]["findings"]}
    late, syntax = findings["imports-not-at-top"], findings["invalid-syntax"]
    # JSON keeps the 0-based index
    assert (late["cell"], syntax["cell"]) == (LATE_IMPORT, BROKEN)
    # the message names the cell that ran code as the panel labels it
    assert f"after {panel_label(RAN_CODE).lower()} already ran code" in late["message"], late["message"]

    _, text, _ = cli(capsys, "check", "--fast", "--format", "text", str(notebook))
    assert f"{panel_label(LATE_IMPORT).lower()}, line 1: {late['message']}" in text, text
    assert f"{panel_label(BROKEN).lower()}, line 1: {syntax['message']}" in text, text

    rc, out, _ = cli(capsys, "promote", str(notebook), "--cells", str(BROKEN), "--to", "mod.py", "--dry-run")
    assert rc == 1 and f"problem: {panel_label(BROKEN)} does not parse (line 1:" in out, out
    rc, out, _ = cli(capsys, "promote", str(notebook), "--cells", str(BROKEN), "--to", "mod.py", "--dry-run", "--format", "json")
    assert rc == 1 and json.loads(out)["problems"][0].startswith(f"{panel_label(BROKEN)} does not parse"), out


def test_a_cells_index_out_of_range_is_said_in_index_terms(
    capsys: pytest.CaptureFixture[str], notebook: Path
) -> None:
    rc, _, err = cli(capsys, "promote", str(notebook), "--cells", "4", "--to", "mod.py", "--dry-run")
    assert rc == 2 and err == "jupyter-prod: There is no cell index 4: the notebook has 4 cells (indexes 0-3).\n"
    rc, _, err = cli(capsys, "promote", str(notebook), "--cells", "0", "--to", "mod.py", "--dry-run")
    assert rc == 2 and "Cell 1 (index 0) is a markdown cell; only code cells can be promoted." in err, err
