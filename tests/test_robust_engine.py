"""Fuzzed and hostile notebooks through the engine, in process (the bulk of the generated cases).

The contract: every engine entry point either answers (a report, a format
answer, a model) or raises a :class:`ProdError` with one line. Never another
exception, never a crash of the interpreter. Non-Python kernels get a clear
"not a Python notebook".
"""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_prod_ext.checks.api import check_notebook
from jupyter_prod_ext.errors import NotebookError, ProdError, TooLargeError
from jupyter_prod_ext.execution.runner import kernel_name_of, load_input
from jupyter_prod_ext.formatting import format_notebook
from jupyter_prod_ext.notebook import Notebook, load_notebook, notebook_from_dict, notebook_from_text

from . import hostile
from .hostile import (
    BROKEN_SNIPPETS,
    DEEP_SNIPPETS,
    PY_SNIPPETS,
    assert_one_line,
    cell_sources,
    count_case,
    named_hostile_notebooks,
    nb_dict,
    notebook_dicts,
    notebook_texts,
)

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    derandomize=True,  # CI runs the same cases every time; a failure is reproducible
    database=None,
)

FINDING_KEYS = {"check", "severity", "cell", "cell_id", "line", "message", "hint", "fix"}


def _assert_report(report: Any, nb: Notebook) -> None:
    assert set(report) >= {"path", "score", "findings", "waived", "summary"}
    assert 0 <= report["score"] <= 100
    for f in report["findings"] + report["waived"]:
        assert set(f) >= FINDING_KEYS, f
        assert f["severity"] in ("error", "warning", "info")
        assert f["cell"] is None or 0 <= f["cell"] < len(nb.cells), f
        assert_one_line(f["message"])
        # a check that crashed reports itself; that is a bug to fix, not an answer
        assert "could not run on this notebook" not in f["message"], f
    json.dumps(report)  # serialisable as the API answer


def _engine_roundtrip(data: Any, tmp: Path) -> str:
    """Every in-process entry point on one notebook dict; returns the outcome kind."""
    try:
        nb = notebook_from_dict(data, "fuzz.ipynb")
    except ProdError as exc:
        assert isinstance(exc, NotebookError), exc
        assert_one_line(exc.message)
        return "refused"
    outcome = "ok"
    try:
        report = check_notebook(nb, file=tmp / "fuzz.ipynb", server_root=tmp, checks="fast")
        _assert_report(report, nb)
    except ProdError as exc:
        assert_one_line(exc.message)
        assert not nb.is_python, exc
        assert "not a Python notebook" in exc.message
        outcome = "not-python"
    try:
        answer = format_notebook(tmp / "fuzz.ipynb", content=data, server_root=tmp)
        for err in answer["errors"]:
            assert_one_line(err["message"])
    except ProdError as exc:
        assert_one_line(exc.message)
        assert not nb.is_python
    model = load_input(data, "fuzz.ipynb")
    assert isinstance(kernel_name_of(model), str)
    return outcome


@settings(FUZZ, max_examples=200)
@given(data=notebook_dicts())
def test_fuzz_notebook_dicts(data: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    count_case("engine-dicts")
    _engine_roundtrip(data, tmp_path_factory.getbasetemp())


@settings(FUZZ, max_examples=300)
@given(raw=notebook_texts())
def test_fuzz_notebook_bytes(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    count_case("engine-bytes")
    try:
        nb = notebook_from_text(raw, "fuzz.ipynb")
    except ProdError as exc:
        assert isinstance(exc, NotebookError), exc
        assert_one_line(exc.message)
        return
    if nb.is_python:
        _assert_report(check_notebook(nb, checks="fast"), nb)


@settings(FUZZ, max_examples=200)
@given(sources=st.lists(cell_sources, min_size=1, max_size=5))
def test_fuzz_cell_sources(sources: list[str], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Valid notebooks whose cells are hostile Python: a report, never a crash."""
    count_case("engine-sources")
    data = nb_dict(*sources)
    base = tmp_path_factory.getbasetemp()
    nb = notebook_from_dict(data, "fuzz.ipynb")
    _assert_report(check_notebook(nb, file=base / "fuzz.ipynb", server_root=base, checks="fast"), nb)
    answer = format_notebook(base / "fuzz.ipynb", content=data, server_root=base)
    assert {c["cell"] for c in answer["cells"]} | {e["cell"] for e in answer["errors"]} <= set(range(len(sources)))


@pytest.mark.parametrize("name,raw", list(named_hostile_notebooks()), ids=lambda v: v if isinstance(v, str) else "")
def test_named_hostile_notebooks(name: str, raw: bytes, tmp_path: Path) -> None:
    """The cases a fuzzer does not reach: each loads, checks and formats, or is refused in one line."""
    count_case("engine-named")
    path = tmp_path / "nb.ipynb"
    path.write_bytes(raw)
    started = time.monotonic()
    try:
        nb = load_notebook(path, "nb.ipynb")
    except ProdError as exc:
        assert_one_line(exc.message)
        assert exc.message.startswith("nb.ipynb"), exc.message
        return
    if not nb.is_python:
        with pytest.raises(NotebookError, match="not a Python notebook"):
            check_notebook(nb, file=path, server_root=tmp_path)
        with pytest.raises(NotebookError, match="Python only"):
            format_notebook(path, server_root=tmp_path)
        return
    report = check_notebook(nb, file=path, server_root=tmp_path, checks="fast")
    _assert_report(report, nb)
    # black on 10,000 cells takes ~35 s: format a window of them (the panel formats what is visible)
    cells = [c.index for c in nb.code_cells][:200]
    answer = format_notebook(path, server_root=tmp_path, cells=cells)
    for err in answer["errors"]:
        assert_one_line(err["message"])
    assert time.monotonic() - started < 60


def test_deep_nesting_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    """5000-deep parentheses & co. crash ``ast.parse``; the report says invalid-syntax for that cell."""
    data = nb_dict(*DEEP_SNIPPETS, "x = 1")
    nb = notebook_from_dict(data)
    report = check_notebook(nb, file=tmp_path / "d.ipynb", server_root=tmp_path, checks="fast")
    _assert_report(report, nb)
    flagged = {f["cell"] for f in report["findings"] if f["check"] == "invalid-syntax"}
    parse_fails = set()
    for i, src in enumerate(DEEP_SNIPPETS):
        try:
            compile(src, "<cell>", "exec", flags=0x400, dont_inherit=True)
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            parse_fails.add(i)
    assert parse_fails <= flagged, (parse_fails, flagged)
    assert len(nb.cells) - 1 not in flagged


@pytest.mark.parametrize("language,kernel", [("R", "ir"), ("julia", "julia-1.10")])
def test_non_python_kernel_is_a_clear_answer(language: str, kernel: str, tmp_path: Path) -> None:
    data = nb_dict("x <- 1", language=language)
    nb = notebook_from_dict(data, "r.ipynb")
    assert not nb.is_python
    with pytest.raises(NotebookError) as exc:
        check_notebook(nb, file=tmp_path / "r.ipynb", server_root=tmp_path)
    assert "not a Python notebook" in exc.value.message and language.lower() in exc.value.message.lower()
    assert_one_line(exc.value.message)


def test_too_large_notebook_is_413(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jupyter_prod_ext.notebook as notebook_mod

    monkeypatch.setattr(notebook_mod, "MAX_NOTEBOOK_BYTES", 1000)
    path = tmp_path / "big.ipynb"
    path.write_text(json.dumps(nb_dict("x = '" + "a" * 2000 + "'")), encoding="utf-8")
    with pytest.raises(TooLargeError) as exc:
        load_notebook(path, "big.ipynb")
    assert exc.value.status == 413 and exc.value.kind == "too-large"
    assert "limit is 1000 bytes" in exc.value.message
    with pytest.raises(TooLargeError):
        notebook_from_text(path.read_bytes(), "big.ipynb")


def test_typecheck_virtual_module_survives_deep_cells(tmp_path: Path) -> None:
    """typecheck.build_virtual_module compiles every cell: RecursionError/MemoryError must mean
    'skip this cell' like a SyntaxError does, not escape (promotion and the type check call it)."""
    from jupyter_prod_ext.typecheck import build_virtual_module

    cells = [(i, src) for i, src in enumerate([*DEEP_SNIPPETS, "x: int = 1"])]
    module = build_virtual_module(cells)
    assert len(module.skipped_cells) >= 1
    assert "x: int = 1" in module.text


def test_parse_helpers_answer_deep_input_with_a_parse_error() -> None:
    """Every parse of user code goes through notebook.parse_python; deep input is one of PARSE_ERRORS."""
    from jupyter_prod_ext.notebook import PARSE_ERRORS, parse_expression, parse_problem, parse_python

    for src in ("1" + "+1" * 50000, "-" * 100000 + "1"):
        with pytest.raises(PARSE_ERRORS) as exc:
            parse_python(src)
        assert "nested too deeply" in parse_problem(exc.value)
    assert parse_python("async with x:\n    pass", top_level_await=True).body
    assert isinstance(parse_expression("[1, 2]").body, ast.List)


def test_no_module_parses_around_parse_python() -> None:
    """``ast.parse`` directly skips parse_python's lock and retry: two threads parsing at once (the server
    answering two requests) can fail with CPython's spurious SystemError (python/cpython#106905). The
    promotion's text edits (promote/textedit.py, promote/function.py) parsed generated text that way."""
    package = Path(__file__).resolve().parent.parent / "jupyter_prod_ext"
    direct = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "notebook.py" and path.parent == package:
            continue  # parse_python itself
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            if isinstance(func, ast.Attribute) and func.attr == "parse" and isinstance(func.value, ast.Name) and (
                func.value.id == "ast"
            ):
                direct.append(f"{path.relative_to(package)}:{node.lineno}")
    assert direct == [], "parse through notebook.parse_python (or parse_expression) instead"


@pytest.mark.parametrize("sep", ["; ", "\n"], ids=["shared-line", "own-line"])
def test_promote_refuses_code_too_deep_to_re_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sep: str) -> None:
    """A statement that parses can still be too deep for the analysis, ast.unparse or deepcopy: a 400, not a 500."""
    from jupyter_prod_ext.errors import InputError
    from jupyter_prod_ext.promote import PromoteOptions, promote

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb_dict(f"y = 2{sep}z = " + "1" + "+1" * 600)), "utf-8")
    with pytest.raises(InputError, match="nested too deeply"):
        promote(tmp_path / "nb.ipynb", PromoteOptions(to="src/m.py", cells=[0], dry_run=True), project_root=tmp_path)


def test_snippet_lists_are_sane() -> None:
    """The hostile corpus itself: the 'valid' snippets include IPython, the broken ones do not parse."""
    assert len(PY_SNIPPETS) > 20 and len(BROKEN_SNIPPETS) > 20
    assert hostile.deep(3) == "((()))"


def test_zz_report_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the number of generated cases (run last in this module; `-s` or the -ra summary shows it)."""
    with capsys.disabled():
        print("\n" + hostile.counts_line())


@pytest.mark.parametrize("src", ["x=1\r\ny=2\r\n", "x=1\r\ny=2", "if x:\r\n    y=1\r\n"])
def test_crlf_cells_format_without_a_stray_carriage_return(src: str, tmp_path: Path) -> None:
    answer = format_notebook(tmp_path / "c.ipynb", content=nb_dict(src), server_root=tmp_path)
    out = answer["cells"][0]["source"]
    assert not out.endswith("\r"), repr(out)
    assert "\r" not in out.replace("\r\n", ""), repr(out)
