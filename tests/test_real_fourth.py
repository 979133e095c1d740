"""Constructs of public notebooks a fourth sweep found answered wrongly, restated in
``tests/data/real/fourthsweep.ipynb`` (cells written for this project; the notebooks are not redistributed).

The sweep took 365 notebooks of eight other repositories (statistics, probabilistic programming, gridded
data, forecasting, time series, two machine-learning books, deep learning) through every check,
promotion and route.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .nbutil import fast_findings_of_copy

FOURTH = Path(__file__).resolve().parent / "data" / "real" / "fourthsweep.ipynb"


def _fast_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    return fast_findings_of_copy(FOURTH, tmp_path, monkeypatch)


def test_scikit_learn_html_repr_ids_are_not_api_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fitted estimator's saved HTML repr styles ``#sk-<uuid>``: that id is not an ``sk-`` API key (a public
    notebook got one secret error per displayed pipeline, 21 in one repository, each blocking its commit)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f for f in findings if f["check"] == "secret"] == []


def test_a_global_an_earlier_function_binds_is_not_used_before_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``def initialize(): global trainer; trainer = ...``, called in its cell, binds ``trainer`` for the cells
    below: reading it there is not "used before definition" because a later cell assigns it again (a public
    notebook got that error on its training loop), nor undefined."""
    findings = _fast_findings(tmp_path, monkeypatch)
    dataflow = [f for f in findings if f["check"] in ("use-before-definition", "undefined-name")]
    assert [f for f in dataflow if "'trainer'" in f["message"]] == [], dataflow


def test_names_a_python_cell_magic_defines_are_not_undefined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell magic the notebook registers (``%%backend torch``, whose function runs the cell as Python) and
    ``%%cython`` define the functions in their bodies: reading them later is no undefined-name error (a
    public notebook got one per name its ``%%backend`` cells define); a name nothing writes still is one."""
    findings = _fast_findings(tmp_path, monkeypatch)
    undefined = [(f["cell_id"], f["message"]) for f in findings if f["check"] == "undefined-name"]
    undefined = [u for u in undefined if u[0] in ("step-torch", "step-jax", "fib-cython", "use-steps")]
    assert undefined == [("use-steps", "'undefined_rate' is not defined anywhere in the notebook.")], undefined


def test_counts_that_start_late_are_not_said_to_jump_from_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook whose first saved count is [13] (twelve runs of cells since deleted): no cell ran as [0], so
    the finding says where the counts start (a public notebook read "jump from [0] to [13]")."""
    findings = _fast_findings(tmp_path, monkeypatch)
    skipped = [(f["cell_id"], f["message"]) for f in findings if f["check"] == "skipped-execution-count"]
    assert skipped == [
        (
            "fit",
            "Execution counts start at [13], not [1]; 12 execution(s) in all are not in the notebook: cells that "
            "were deleted or re-run may have left state the saved code does not create.",
        )
    ], skipped


def test_names_a_model_formula_calls_are_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``smf.ols("air ~ double_it(lat) + np.log(lon)", data=frame)``: the formula calls ``double_it`` and reads
    ``np`` from the notebook's namespace, so neither is unused (a public notebook was told its formula's
    function is never used); a function nothing calls, in a formula or elsewhere, still is."""
    findings = _fast_findings(tmp_path, monkeypatch)
    unused = [
        (f["cell_id"], f["message"]) for f in findings if f["check"] in ("unused-import", "unused-definition")
    ]
    assert [u for u in unused if u[0] == "formula-imports"] == [
        ("formula-imports", "The function 'halve_it' is defined but never used in the notebook.")
    ], unused


def test_a_name_only_augmented_later_is_undefined_and_a_later_line_is_in_this_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``layer_output *= 0.5`` reads the name before it binds it, so it is not where ``layer_output`` comes
    from: a cell above reading it is told the name is undefined, not "only defined later, in" that cell (a
    public notebook was told so); the cell below then reads what that one bound. A definition further down
    the same cell is said to be in this cell."""
    findings = _fast_findings(tmp_path, monkeypatch)
    dataflow = [
        (f["cell_id"], f["check"], f["message"])
        for f in findings
        if f["check"] in ("undefined-name", "use-before-definition")
        and f["cell_id"] in ("dropout-train", "dropout-test", "losses")
    ]
    assert dataflow == [
        ("dropout-train", "undefined-name", "'layer_output' is not defined anywhere in the notebook."),
        (
            "losses",
            "use-before-definition",
            "'cross_entropy' is used here but only defined later, in this cell (line 2); it works only if the cell "
            "has run before in this kernel.",
        ),
    ], dataflow


def test_a_framework_seed_call_seeds_torch_and_numpy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``pyro.set_rng_seed(1)`` seeds PyTorch's, NumPy's and Python's generators (as lightning's
    ``seed_everything`` and ``transformers.set_seed`` do): draws after it are seeded (a public notebook was told
    its ``torch.randn`` was not); the NumPy draw in a cell above the seed still is reported."""
    findings = _fast_findings(tmp_path, monkeypatch)
    unseeded = [(f["cell_id"], f["message"]) for f in findings if f["check"] == "unseeded-randomness"]
    assert unseeded == [
        ("dropout-train", "`randint(...)` draws from NumPy's legacy global generator: results differ on every run.")
    ], unseeded


def test_names_read_only_on_python_2_are_not_undefined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``if sys.version_info < (3, 0): csv = unicode(csv)`` (and the ``else`` of ``version_info[0] >= 3``)
    never runs on Python 3: ``unicode`` and ``raw_input`` there are no undefined-name errors (two public
    notebooks were refused a commit for ``unicode``); an undefined name in the Python 3 branch still is one."""
    findings = _fast_findings(tmp_path, monkeypatch)
    undefined = [(f["line"], f["message"]) for f in findings if f["check"] == "undefined-name" and f["cell_id"] == "py2-compat"]
    assert undefined == [(8, "'input_text' is not defined anywhere in the notebook.")], undefined
