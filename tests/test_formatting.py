"""black behind formatting.py: real black, notebook cells with IPython syntax, the memo."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from black.mode import Mode

from jupyter_prod_ext import formatting
from jupyter_prod_ext.config import load_config
from jupyter_prod_ext.formatting import (
    black_call_count,
    format_cells,
    format_module_text,
    format_notebook,
    format_source,
)

LONG_CALL = "result = some_function(argument_one, argument_two, argument_three)"


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    formatting.clear_cache()


def test_project_line_length_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 40\n", encoding="utf-8")
    mode = load_config(tmp_path).black
    narrow = format_source(LONG_CALL, mode)
    assert narrow.changed and narrow.error is None
    assert all(len(line) <= 40 for line in narrow.source.splitlines())
    wide = format_source(LONG_CALL, Mode(line_length=120))
    assert not wide.changed
    assert wide.source == LONG_CALL


def test_magics_and_shell_escapes_are_preserved() -> None:
    result = format_source("%matplotlib inline\n!pip install -q x\nvalues=[1,2,3]\nx = !ls\n%time f(x)")
    assert result.error is None
    assert result.changed
    assert result.source == "%matplotlib inline\n!pip install -q x\nvalues = [1, 2, 3]\nx = !ls\n%time f(x)"


def test_python_cell_magic_body_is_formatted() -> None:
    result = format_source("%%time\nx=1")
    assert result == formatting.FormatResult(True, "%%time\nx = 1", None)


@pytest.mark.parametrize(
    "source", ["%%bash\necho   'hi'  ;x=1", "%%html\n<b>x=1</b>", "\n%%writefile a.py\nx=1"]
)
def test_non_python_cell_magics_are_left_alone(source: str) -> None:
    before = black_call_count()
    result = format_source(source)
    assert result == formatting.FormatResult(False, source, None)
    assert black_call_count() == before


@pytest.mark.parametrize("source", ["x = (", "def f(:\n    pass", "print 'py2'", "for x in y:\nreturn"])
def test_unparseable_cell_gives_an_error_not_an_exception(source: str) -> None:
    result = format_source(source)
    assert result.error is not None
    assert "\n" not in result.error and len(result.error) <= 200
    assert not result.changed
    assert result.source == source


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("x = (", "cannot parse: '(' was never closed (line 1)"),
        ("rows = [1,\n  2,\n", "cannot parse: '[' was never closed (line 1)"),
    ],
)
def test_an_unclosed_bracket_is_reported_on_a_line_of_the_cell(source: str, reason: str) -> None:
    """black's tokenizer puts an unclosed bracket one line past the end; the reason names a line the cell has."""
    assert format_source(source).error == reason


def test_a_cell_magics_unclosed_bracket_keeps_blacks_reason_on_the_cells_last_line() -> None:
    """An IPython cell magic's body parses for Python as a string, so the reason is black's tokenizer's (its
    wording varies with the Python version: "unexpected EOF" on 3.12), its line capped at the cell's last."""
    error = format_source("%%time\nx = (\n").error
    assert error is not None and error.startswith("cannot parse: ") and "EOF in multi-line statement" in error
    assert error.endswith("(line 2)")


def test_already_formatted_and_empty_cells_are_unchanged() -> None:
    assert format_source("x = 1") == formatting.FormatResult(False, "x = 1", None)
    assert format_source("") == formatting.FormatResult(False, "", None)


def test_format_cells_keeps_indices_and_order() -> None:
    results = format_cells([(4, "a=1"), (1, "b = 2"), (7, "c = (")])
    assert [r.cell for r in results] == [4, 1, 7]
    assert results[0].changed and results[0].source == "a = 1"
    assert not results[1].changed
    assert results[2].error is not None


def test_memo_skips_black_for_unchanged_cells() -> None:
    cells = [(i, f"x{i}=[{i},{i}]") for i in range(20)]
    before = black_call_count()
    first = format_cells(cells)
    assert black_call_count() - before == 20
    again = format_cells(cells)
    assert black_call_count() - before == 20  # every cell a memo hit
    assert again == first
    cells[5] = (5, "x5 = [5,6]")
    format_cells(cells)
    assert black_call_count() - before == 21  # only the edited cell ran black
    # another mode is another key
    format_cells(cells[:1], Mode(line_length=10))
    assert black_call_count() - before == 22


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatting, "CACHE_MAX_ENTRIES", 5)
    format_cells([(i, f"y{i}=1") for i in range(12)])
    assert len(formatting._cache) == 5


def test_format_module_text() -> None:
    ugly = "import os\ndef f( a ):\n  return os.path.join(a,'b')\n"
    result = format_module_text(ugly, Mode(line_length=110))
    assert result.changed and result.error is None
    assert result.source == 'import os\n\n\ndef f(a):\n    return os.path.join(a, "b")\n'
    assert format_module_text(result.source, Mode(line_length=110)) == formatting.FormatResult(
        False, result.source, None
    )
    broken = format_module_text("def f(:\n", Mode())
    assert broken.error is not None and not broken.changed
    # module mode even when handed a notebook mode: magics are not valid in a .py file
    assert format_module_text("%time f()\n", Mode(is_ipynb=True)).error is not None


def test_format_notebook_uses_the_project_config(tmp_path: Path) -> None:
    import nbformat

    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 40\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell(LONG_CALL),
        nbformat.v4.new_code_cell("%load_ext autoreload\nx=1"),
        nbformat.v4.new_code_cell("y = ("),
    ]
    path = tmp_path / "sub" / "n.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, str(path))
    answer = format_notebook(path, display="sub/n.ipynb", server_root=tmp_path)
    by_cell = {c["cell"]: c for c in answer["cells"]}
    assert set(by_cell) == {1, 2}
    assert by_cell[1]["changed"] and all(len(ln) <= 40 for ln in by_cell[1]["source"].splitlines())
    assert by_cell[1]["cell_id"] == nb.cells[1].id
    assert by_cell[2]["source"] == "%load_ext autoreload\nx = 1"
    assert [e["cell"] for e in answer["errors"]] == [3]


def test_cells_of_another_language_are_not_formatted(tmp_path: Path) -> None:
    import nbformat

    from jupyter_prod_ext.errors import InputError

    nb = nbformat.v4.new_notebook()
    sql = nbformat.v4.new_code_cell("SELECT a,b\nFROM t")
    sql.metadata["vscode"] = {"languageId": "sql"}
    nb.cells = [sql, nbformat.v4.new_code_cell("x=1")]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, str(path))
    answer = format_notebook(path, display="n.ipynb", server_root=tmp_path)
    assert [c["cell"] for c in answer["cells"]] == [1] and answer["errors"] == []
    with pytest.raises(InputError, match=r"Cell 1 \(index 0\) is a sql cell; only Python cells are formatted"):
        format_notebook(path, display="n.ipynb", server_root=tmp_path, cells=[0])


def test_black_worker_exits_after_its_idle_timeout_and_is_reaped() -> None:
    """The worker's memory goes with it when idle: the process is gone, not left as a zombie of the server."""
    formatting.set_budget(formatting.FormatBudget(idle_seconds=1.0))
    try:
        [res] = formatting.format_cells([(0, "x=1")], None)
        assert res.changed
        pid = formatting.black_worker().pid
        assert pid is not None
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Path(f"/proc/{pid}").exists(), Path(f"/proc/{pid}/status").read_text().splitlines()[:3]
    finally:
        formatting.set_budget(formatting.FormatBudget())
