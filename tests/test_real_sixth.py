"""What a sixth sweep of public notebooks (probabilistic programming, Bayesian statistics, forecasting,
hyper-parameter search) found answered wrongly, restated in notebooks written for this project
(``tests/data/run/``, ``tests/data/real/``; the public notebooks are not redistributed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.execution.runner import run_file

from .gitutil import isolated_git_home
from .nbutil import run_cli

RUN = Path(__file__).resolve().parent / "data" / "run"
SIXTH = Path(__file__).resolve().parent / "data" / "real" / "sixthsweep.ipynb"


def test_a_value_another_library_version_shows_differently_is_reproduced(tmp_path: Path) -> None:
    """Notebooks saved with NumPy 1 show ``1.25`` where NumPy 2 shows ``np.float64(1.25)``, a figure's text
    names the size the older inline backend gave it (``432x288``), and another BLAS moves the 16th digit of a
    sum, IPython wraps a tuple of NumPy 2 scalars over three lines, and pandas 2 names ``pandas.MultiIndex``
    by its public path: a whole book of public notebooks was told each such cell changed, with the hint to
    seed its randomness. Only a value that differs is changed: a float beyond rounding, any integer, a NumPy scalar.
    """
    notebook = tmp_path / "library_versions.ipynb"
    shutil.copyfile(RUN / notebook.name, notebook)
    report = run_file(notebook, timeout=60, cell_timeout=30)
    changed = [(f["cell_id"], f["message"].splitlines()[1:]) for f in report["findings"]]
    assert changed == [
        ("changed-float", ["-0.5", "+0.75"]),
        ("changed-int", ["-12346", "+12345"]),
        ("changed-scalar", ["-1.25", "+1.5"]),
    ], changed
    assert report["run"]["cells_run"] == 10 and report["run"]["changed"] == [8, 9, 10]


def _only_error(name: str, tmp_path: Path) -> dict[str, object]:
    notebook = tmp_path / name
    shutil.copyfile(RUN / name, notebook)
    [finding] = run_file(notebook, timeout=60, cell_timeout=30)["findings"]
    assert finding["check"] == "run-error", finding
    return dict(finding)


def test_a_helper_module_an_earlier_cell_fetches_is_not_a_package_to_install(tmp_path: Path) -> None:
    """``if not os.path.exists('utils.py'): !wget .../utils.py`` fails without raising, and ``from utils import
    decorate`` then raises: the hint said to install the package that provides 'utils' (a whole book of public
    notebooks); it is the notebook's own file, which the earlier cell names."""
    finding = _only_error("local_module.ipynb", tmp_path)
    assert finding["cell"] == 2 and "No module named 'jp_prod_plots'" in str(finding["message"])
    assert finding["hint"] == (
        "'jp_prod_plots' is the file jp_prod_plots.py, which cell 2 fetches or names, and it is not in the "
        "notebook's folder: keep jp_prod_plots.py in the project next to the notebook and commit it."
    )


def test_a_download_that_cannot_reach_the_network_says_so(tmp_path: Path) -> None:
    """``urlretrieve(url, filename)`` without a network (a URLError, 'Name or service not known' on the public
    notebooks): the hint said to restart the kernel and fix the cell, which has nothing to fix."""
    finding = _only_error("network_data.ipynb", tmp_path)
    assert finding["cell"] == 1 and str(finding["message"]).startswith("Raised URLError: <urlopen error")
    assert str(finding["hint"]).startswith(
        "The cell reaches the network, which failed in this run: keep the data"
    )


def test_a_data_file_that_is_not_there_is_named_in_the_hint(tmp_path: Path) -> None:
    """``pd.read_sas('../../data/LLCP2018.XPT')``, a file outside the notebook's repository: the hint names
    the file to add, not 'fix the cell'."""
    finding = _only_error("absent_data.ipynb", tmp_path)
    assert finding["cell"] == 1
    assert finding["hint"] == (
        "'../data/measurements.csv' is not there when the notebook runs in its own folder: add it to the project "
        "(a path relative to the notebook), or say in the notebook where to get it."
    )


def test_two_notebooks_in_one_file_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A public repository holds a notebook with a second notebook pasted after it: check, run and promote
    said only 'not valid JSON (Extra data ...)', not what to do (commit said 're-save it', which Jupyter cannot
    open to do). Git knows who commits (a HOME of the test's own: on a machine without a git identity,
    commit says that first)."""
    isolated_git_home(tmp_path, monkeypatch)
    text = (RUN / "absent_data.ipynb").read_text(encoding="utf-8")
    notebook = tmp_path / "pasted.ipynb"
    notebook.write_text(text + text, encoding="utf-8")
    lines = text.count("\n") + 1
    for argv in (
        ["check", str(notebook)],
        ["run", str(notebook)],
        ["promote", str(notebook), "--cells", "1", "--to", "m.py"],
        ["commit", str(notebook), "-m", "data", "--init"],
    ):
        code, out, err = run_cli(argv)
        assert (code, out) == (2, ""), (argv, code, out, err)
        [line] = err.splitlines()
        assert (
            line.startswith("jupyter-prod: ") and f"not valid JSON (Extra data: line {lines} column 1" in line
        )
        assert line.endswith(
            "): a second JSON document follows the notebook (two notebooks in one file?); keep one, in a text editor."
        ), line


def _dry_run(tmp_path: Path, *args: str) -> dict[str, Any]:
    """The JSON answer of a dry-run promotion (``args``: selection, ``--to``, choices) of sixthsweep.ipynb
    in a project of its own."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SIXTH, project / SIXTH.name)
    code, out, err = run_cli(["promote", str(project / SIXTH.name), *args, "--dry-run", "--format", "json"])
    assert code in (0, 1) and err == "", (code, out, err)
    answer: dict[str, Any] = json.loads(out)
    return answer


def _refusals(tmp_path: Path, *selection: str) -> list[tuple[str, str]]:
    """The refusals of a dry-run promotion of ``selection`` into pkg/steps.py."""
    answer = _dry_run(tmp_path, *selection, "--to", "pkg/steps.py")
    assert not answer["ok"], answer
    return [(r["reason"], r["message"]) for r in answer["refusals"]]


def test_an_empty_or_comment_only_cell_says_there_is_nothing_to_promote(tmp_path: Path) -> None:
    """A tutorial's placeholder cells (empty, or a comment saying what to do): promoting one as a function
    said it held "only definitions and imports", and as definitions it said to make a function of it, which
    then said the former. A placeholder among code cells is no problem."""
    blank = (
        "Cells 5, 6 are empty or only comments: there is no code to promote; select the cells that hold it."
    )
    assert _refusals(tmp_path, "--cells", "placeholder,comment-only", "--as-function", "forecast") == [
        ("nothing-to-promote", blank)
    ]
    assert _refusals(tmp_path, "--cells", "placeholder,comment-only") == [("nothing-to-promote", blank)]
    code, out, err = run_cli(
        [
            "promote",
            str(tmp_path / "project" / SIXTH.name),
            "--cells",
            "rate,placeholder",
            "--as-function",
            "decay_rate",
            "--to",
            "pkg/steps.py",
            "--dry-run",
            "--format",
            "json",
        ]
    )
    assert (code, err, json.loads(out)["refusals"]) == (0, "", []), out


def test_a_magic_is_one_refusal_not_two(tmp_path: Path) -> None:
    """``%load_ext watermark`` / ``%config InlineBackend...`` in a cell made a function: each magic was
    refused, and then again as "uses `get_ipython`, which only IPython provides", a call the user never wrote
    (IPython's translation of the magic); one line per magic says it."""
    refusals = _refusals(tmp_path, "--cells", "watermark,retina", "--as-function", "report")
    assert refusals == [
        (
            "magic",
            "report (cell 7, line 1) uses the IPython syntax `%load_ext watermark`, which a Python module cannot "
            "contain; rewrite it in plain Python first.",
        ),
        (
            "magic",
            "report (cell 7, line 2) uses the IPython syntax `%watermark -n -u -v -iv -w`, which a Python module "
            "cannot contain; rewrite it in plain Python first.",
        ),
        (
            "magic",
            "report (cell 8, line 1) uses the IPython syntax `%config InlineBackend.figure_format = 'retina'`, "
            "which a Python module cannot contain; rewrite it in plain Python first.",
        ),
    ], refusals


def _promote_objective(tmp_path: Path, *extra: str) -> dict[str, Any]:
    return _dry_run(tmp_path, "--names", "objective", "--to", "pkg/tuning.py", *extra)


def test_data_a_callback_reads_cannot_become_its_parameter(tmp_path: Path) -> None:
    """``study.optimize(objective, n_trials=100)``: optuna, not the notebook, calls ``objective``. Promoting it
    made the data it reads (``x_train``, ...) keyword-only parameters and updated the notebook's calls, of
    which there were none, so the study raised TypeError. The data can move, or the promotion is cancelled."""
    answer = _promote_objective(tmp_path)
    [unmoved] = answer["unmoved"]
    assert (unmoved["name"], unmoved["choices"], unmoved["suggested"]) == (
        "scale",
        ["move", "cancel"],
        "move",
    )
    assert unmoved["reason"].endswith(
        "used by `objective`; `objective` is passed as a value (a callback), so what calls it cannot pass it as "
        "an argument."
    ), unmoved
    refused = _promote_objective(tmp_path, "--unmoved", "scale=parameter")
    assert [(r["reason"], r["message"]) for r in refused["refusals"]] == [
        (
            "not-a-function",
            "objective is passed as a value in cell 12 (`best = max(optimize(objective, n_trials=3))`), so what "
            "calls it cannot pass `scale`: `scale` cannot become its parameter; move its statement too, or cancel.",
        )
    ]
    assert answer["problems"] == [
        "1 name the selection reads (scale) is data computed in the notebook: choose move for it, or cancel."
    ]
    moved = _promote_objective(tmp_path, "--unmoved", "scale=move", "--unmoved", "train=move")
    assert moved["ok"] and "def objective(trial):" in moved["module_source"], moved["problems"]
