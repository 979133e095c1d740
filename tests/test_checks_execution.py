"""Execution-history checks: what the saved execution counts and outputs say."""

from __future__ import annotations

from typing import Any

import nbformat.v4 as v4

from jupyter_prod_ext.checks.api import check_notebook
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.types import FindingDict

from .nbutil import make_nb


def run(data: dict[str, Any], *ids: str) -> list[FindingDict]:
    return check_notebook(notebook_from_dict(data), checks=list(ids))["findings"]


def test_skipped_execution_count_reports_gap_once() -> None:
    found = run(make_nb(("a = 1", 1), ("b = 2", 2), ("c = 3", 5), ("d = 4", 9)), "skipped-execution-count")
    assert len(found) == 1
    f = found[0]
    assert f["cell"] == 2 and "[2] to [5]" in f["message"] and "5 execution(s)" in f["message"]


def test_skipped_execution_count_counts_from_one() -> None:
    found = run(make_nb(("a = 1", 3), ("b = 2", 4)), "skipped-execution-count")
    assert len(found) == 1 and found[0]["cell"] == 0 and "2 execution(s)" in found[0]["message"]


def test_contiguous_counts_are_clean() -> None:
    assert run(make_nb(("a = 1", 1), ("b = 2", 2), ("c = 3", 3)), "skipped-execution-count") == []
    assert run(make_nb("a = 1", "b = 2"), "skipped-execution-count") == []


def test_non_executed_cell() -> None:
    found = run(make_nb(("a = 1", 1), "b = 2", ("", None), ("c = 3", 2)), "non-executed-cell")
    assert [f["cell"] for f in found] == [1]  # the empty cell is not reported


def test_non_executed_silent_when_nothing_ran() -> None:
    assert run(make_nb("a = 1", "b = 2"), "non-executed-cell") == []


def test_never_executed() -> None:
    found = run(make_nb("a = 1", "b = 2"), "never-executed")
    assert len(found) == 1 and found[0]["severity"] == "info" and found[0]["cell"] is None
    assert run(make_nb(("a = 1", 1), "b = 2"), "never-executed") == []
    assert run(make_nb(""), "never-executed") == []  # nothing to execute


def test_error_output_names_exception() -> None:
    data = make_nb(("1/0", 1), ("print('ok')", 2))
    data["cells"][0]["outputs"] = [
        {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": []}
    ]
    data["cells"][1]["outputs"] = [v4.new_output("stream", name="stderr", text="Error: not an exception\n")]
    found = run(data, "error-output")
    assert len(found) == 1
    assert found[0]["cell"] == 0 and "ZeroDivisionError: division by zero" in found[0]["message"]


def test_out_of_order_and_invalid_syntax_still_work() -> None:
    found = run(make_nb(("a = 1", 2), ("b = (", 1)), "out-of-order-execution", "invalid-syntax")
    assert {f["check"] for f in found} == {"out-of-order-execution", "invalid-syntax"}
