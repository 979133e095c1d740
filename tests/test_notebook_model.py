"""The notebook model: reading every nbformat version, validation errors, IPython syntax."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.errors import NotebookError, NotFoundError
from jupyter_prod_ext.notebook import load_notebook, notebook_from_dict, notebook_from_text, to_python

from .nbutil import make_nb


def unit_of(source: str):  # type: ignore[no-untyped-def]
    nb = notebook_from_dict(make_nb(source))
    return nb.units()[0]


def test_reads_v3_and_v2_upgraded_to_v4(corpus_dir: Path) -> None:
    v3 = load_notebook(corpus_dir / "nbformat" / "test3.ipynb")
    v2 = load_notebook(corpus_dir / "nbformat" / "test2.ipynb")
    assert v3.nbformat == 4 and v2.nbformat == 4
    assert v3.code_cells and v2.code_cells
    assert all(isinstance(c.source, str) for c in v3.cells)


def test_reads_v4_minor_versions(corpus_dir: Path) -> None:
    for name, minor in [("test4.ipynb", 0), ("test4.5.ipynb", 5), ("test4plus.ipynb", 99)]:
        nb = load_notebook(corpus_dir / "nbformat" / name)
        assert nb.nbformat_minor == minor


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("invalid.ipynb", "'source' is a required property"),
        ("v4_5_invalid_metadata.ipynb", "metadata.kernelspec"),
        ("no_min_version.ipynb", "nbformat_minor"),
    ],
)
def test_invalid_notebooks_get_one_line_naming_the_file(corpus_dir: Path, name: str, fragment: str) -> None:
    with pytest.raises(NotebookError) as info:
        load_notebook(corpus_dir / "nbformat" / name, f"nb/{name}")
    msg = info.value.message
    assert "\n" not in msg
    assert msg.startswith(f"nb/{name}: ")
    assert fragment in msg


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"cells": []}', "'nbformat' is missing"),
        ('{"nbformat": 9, "cells": []}', "unsupported nbformat version 9"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}', "'source'"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_input_is_a_notebook_error(text: str | bytes, fragment: str) -> None:
    with pytest.raises(NotebookError) as info:
        notebook_from_text(text, "x.ipynb")
    assert fragment in info.value.message and "\n" not in info.value.message


def test_repeated_cell_ids_are_read_with_the_later_cells_addressed_by_index(corpus_dir: Path) -> None:
    """JupyterLab opens such notebooks (nbformat repairs the ids), so the checks must report on them too."""
    nb = load_notebook(corpus_dir / "nbformat" / "invalid_unique_cell_id.ipynb")
    ids = [c.cell_id for c in nb.cells]
    assert ids.count("dup") == 1 and ids[ids.index("dup") + 1 :].count(None) >= 1
    assert [c.index for c in nb.cells] == list(range(len(nb.cells)))


def test_an_invalid_cell_id_is_read_and_its_cell_addressed_by_index(corpus_dir: Path) -> None:
    """JupyterLab opens it and the user cannot edit a cell id there: the checks report on it by index."""
    nb = load_notebook(corpus_dir / "nbformat" / "invalid_cell_id.ipynb")
    ids = [c.cell_id for c in nb.cells]
    assert ids and "$illegal_chars" not in ids and None in ids
    for bad in (42, "", "x" * 65, "a b"):
        data = make_nb("a = 1", "b = a")
        data["cells"][0]["id"] = bad
        assert [c.cell_id for c in notebook_from_dict(data).cells][0] is None


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_notebook(tmp_path / "nope.ipynb")


def test_source_lists_are_joined() -> None:
    data = make_nb("a = 1\nb = 2")
    data["cells"][0]["source"] = ["a = 1\n", "b = 2"]
    nb = notebook_from_dict(data)
    assert nb.cells[0].source == "a = 1\nb = 2"


@pytest.mark.parametrize(
    "source, python",
    [
        ("%matplotlib inline\nx = 1", "get_ipython()\nx = 1"),
        ("!pip install foo\nx = 1", "get_ipython()\nx = 1"),
        ("files = !ls\nprint(files)", "files = get_ipython()\nprint(files)"),
        ("%time y = f(x)", "y = f(x)"),
        ("%timeit -n 3 g(z)", "g(z)"),
        ("r = %time f(x)", "r = f(x)"),
        ("np.mean?", "get_ipython()"),
        ("for i in range(3):\n    %time f(i)", "for i in range(3):\n    f(i)"),
    ],
)
def test_magics_become_python_on_the_same_lines(source: str, python: str) -> None:
    unit = unit_of(source)
    assert unit.python == python
    assert unit.syntax_error is None
    assert len(unit.python.split("\n")) == len(source.split("\n"))
    assert unit.magics


def test_cell_magics() -> None:
    bash = unit_of("%%bash\necho hi\nls -l")
    assert bash.foreign and bash.tree is not None and not bash.tree.body
    assert bash.magics[0].kind == "cell" and bash.magics[0].name == "bash"
    cap = unit_of("%%capture out\nprint(1)")
    assert not cap.foreign and cap.magic_bindings == [("out", 1)]
    assert cap.python.split("\n")[1] == "print(1)"


def test_syntax_error_keeps_the_cell_line() -> None:
    unit = unit_of("x = 1\ny = (\n")
    assert unit.syntax_error is not None
    assert unit.syntax_error[0] in (2, 3)


def test_plain_python_is_untouched() -> None:
    src = "x = (a\n % b)\nprint('%s' % x)"
    unit = unit_of(src)
    assert unit.python == src and not unit.magics


def test_non_python_language_detected() -> None:
    data = make_nb("x <- 1")
    data["metadata"] = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}}
    nb = notebook_from_dict(data)
    assert not nb.is_python and nb.language == "r"


def test_to_python_handles_comment_ending_in_question_mark() -> None:
    unit = unit_of("%matplotlib inline\n# why?\nx = 1")
    assert unit.python.split("\n")[1] == "# why?"
    assert to_python(unit.cell).syntax_error is None


def test_waiver_metadata() -> None:
    data = make_nb("x = 1")
    data["cells"][0]["metadata"]["jupyter_prod"] = {"ignore": ["undefined-name"]}
    nb = notebook_from_dict(data)
    assert nb.cells[0].ignored_checks == {"undefined-name"}


def test_corpus_notebooks_all_read_or_fail_cleanly(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.rglob("*.ipynb")):
        try:
            nb = load_notebook(path)
        except NotebookError as exc:
            assert "\n" not in exc.message
            continue
        for unit in nb.units():
            assert len(unit.python.split("\n")) == len(unit.cell.source.split("\n")), (path, unit.cell.index)
        json.dumps([c.source for c in nb.cells])


def test_empty_language_name_falls_back_to_kernelspec() -> None:
    """JupyterLab sends language_info.name == "" before the kernel answers."""
    data = make_nb("x = 1")
    data["metadata"]["language_info"] = {"name": ""}
    assert notebook_from_dict(data).is_python
    data["metadata"]["kernelspec"]["language"] = "R"
    assert notebook_from_dict(data).language == "r"


@pytest.mark.parametrize(
    "source, python",
    [
        # a shell escape continued with backslashes is one command, as IPython runs it (issue 17); the value
        # it interpolates (``{model_path}``, quoted or not) is read
        (
            "!saved_model_cli show --dir '{model_path}' --tag_set serve \\\n    --signature_def serving_default\nx = 1",
            "get_ipython()((model_path))\n\nx = 1",
        ),
        ("%pip install a \\\n  b\ny = 2", "get_ipython()\n\ny = 2"),
        ("files = !ls \\\n  -la\nprint(files)", "files = get_ipython()\n\nprint(files)"),
        ("x = %sx ls\nprint(x)", "x = get_ipython()\nprint(x)"),
        ("!!ls", "get_ipython()"),
        ("?np.mean\nnp.mean??\n%timeit?", "get_ipython()\nget_ipython()\nget_ipython()"),
        ("if x:\n    !echo hi\n    y = 1", "if x:\n    get_ipython()\n    y = 1"),
        ("/print 1 2", "print(1, 2)"),
        ("cd ..", "get_ipython()"),
        ("\npip install pandas numpy\n", "\nget_ipython()\n"),
        ("%time y = f(x)", "y = f(x)"),
    ],
)
def test_ipython_syntax_as_ipython_reads_it(source: str, python: str) -> None:
    unit = unit_of(source)
    assert unit.syntax_error is None
    assert unit.python == python
    assert unit.magics


def test_ipython_kinds_and_bindings() -> None:
    unit = unit_of("files = !ls\n%matplotlib inline\nnp.mean?\ncd data")
    assert unit.syntax_error is not None  # automagic only for a one-line cell, as IPython's prefilter
    unit = unit_of("files = !ls\n%matplotlib inline\nnp.mean?")
    assert [(m.line, m.kind, m.name) for m in unit.magics] == [
        (1, "shell", "ls"),
        (2, "line", "matplotlib"),
        (3, "help", "np.mean"),
    ]
    assert unit.magic_bindings == [("files", 1)]


@pytest.mark.parametrize(
    "source",
    [
        "x = (a\n % b)",  # a continuation line that starts with %: Python
        "s = '''\n!not a command\n%not a magic\nwhy?\n'''",  # inside a string
        "x = 1  # really?",
        "ls = [1]\nls",
        "y = a != b",
    ],
)
def test_python_that_looks_like_ipython_is_python(source: str) -> None:
    unit = unit_of(source)
    assert unit.syntax_error is None and unit.python == source and not unit.magics


@pytest.mark.parametrize(
    "magic, foreign",
    [
        ("bash", True), ("sh", True), ("sql", True), ("html", True), ("javascript", True), ("latex", True),
        ("markdown", True), ("writefile out.py", True), ("R", True),
        ("capture out", False), ("time", False), ("timeit -n 3", False),
    ],
)  # fmt: skip
def test_cell_magic_bodies(magic: str, foreign: bool) -> None:
    unit = unit_of(f"%%{magic}\nSELECT * FROM t WHERE a = 1\n")
    assert unit.foreign is foreign
    assert (unit.syntax_error is None) is foreign  # the SQL is not Python: an error only when run as Python
    assert len(unit.python.split("\n")) == 3


def test_automagic_that_is_python_stays_python() -> None:
    assert not unit_of("ls").magics  # a bare name: the analysis decides (automagic unless bound)
    assert unit_of("cd data x y").magics[0].name == "cd"
    assert unit_of("nosuchmagic data").syntax_error is not None


def test_line_magic_names_are_ipythons() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from jupyter_prod_ext.notebook import LINE_MAGICS

    shell = InteractiveShell.instance()
    try:
        names = set(shell.magics_manager.lsmagic()["line"]) | {a[0] for a in shell.alias_manager.aliases}
    finally:
        InteractiveShell.clear_instance()
    assert LINE_MAGICS <= names | {"uv", "code_wrap", "micromamba", "mamba"}
    assert names - LINE_MAGICS <= set()


def test_ipython_translation_is_fast() -> None:
    import time

    cells = ["import numpy as np\n" * 40 + "!pip install a \\\n  b\n%matplotlib inline\nnp.mean?\nx = 1"] * 50
    start = time.perf_counter()
    for src in cells:
        assert unit_of(src).syntax_error is None
    per_cell = (time.perf_counter() - start) / len(cells)
    assert per_cell < 0.015, f"{per_cell * 1000:.1f} ms per 45-line cell with 3 magics"


@pytest.mark.parametrize(
    "metadata, language",
    [
        ({"vscode": {"languageId": "sql"}}, "sql"),
        ({"vscode": {"languageId": "JavaScript"}}, "javascript"),
        ({"polyglot_notebook": {"kernelName": "csharp"}}, "csharp"),
        ({"dotnet_interactive": {"language": "fsharp"}}, "fsharp"),
    ],
)
def test_cell_of_another_language_is_foreign(metadata: dict[str, Any], language: str) -> None:
    data = make_nb("SELECT a\nFROM t\nWHERE b = 'x'")
    data["cells"][0]["metadata"].update(metadata)
    unit = notebook_from_dict(data).units()[0]
    assert unit.foreign and unit.language == language and unit.syntax_error is None
    assert unit.python == "\n\n" and unit.tree is not None and not unit.tree.body


def test_cell_language_python_or_unset_is_python() -> None:
    data = make_nb("x = 1", "y = 2")
    data["cells"][0]["metadata"]["vscode"] = {"languageId": "python"}
    units = notebook_from_dict(data).units()
    assert [u.foreign for u in units] == [False, False] and units[0].tree is not None and units[0].tree.body


def test_same_source_in_another_language_is_not_taken_from_the_cache() -> None:
    data = make_nb("x = 1", "x = 1")
    data["cells"][1]["metadata"]["vscode"] = {"languageId": "r"}
    units = notebook_from_dict(data).units()
    assert [u.foreign for u in units] == [False, True]


@pytest.mark.parametrize(
    "metadata, python",
    [
        ({"language_info": {"name": "R"}}, False),
        ({"kernelspec": {"name": "julia-1.9", "display_name": "Julia", "language": "julia"}}, False),
        ({"language_info": {"name": ""}, "kernelspec": {"name": "x", "display_name": "X", "language": "python"}}, True),
        ({"language_info": {"name": "python"}}, True),
        ({}, True),
    ],
)
def test_notebook_language(metadata: dict[str, Any], python: bool) -> None:
    data = make_nb("x = 1")
    data["metadata"] = metadata
    assert notebook_from_dict(data).is_python is python


def test_a_cell_indented_as_a_whole_runs_as_ipython_runs_it() -> None:
    # seen in tensorflow/docs: " for x in ds.take(3):\n   print(x)" (IPython's leading_indent cleanup)
    unit = unit_of("\n for x in range(3):\n   print(x)")
    assert unit.syntax_error is None and unit.python == "\nfor x in range(3):\n  print(x)"
    assert unit_of("x = 1\n  y = 2").syntax_error is not None  # only a cell indented as a whole
