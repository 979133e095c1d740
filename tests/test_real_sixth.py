"""What a sixth sweep of public notebooks (probabilistic programming, Bayesian statistics, forecasting,
hyper-parameter search) found answered wrongly, restated in notebooks written for this project
(``tests/data/run/``, ``tests/data/real/``; the public notebooks are not redistributed)."""

from __future__ import annotations

import shutil
from pathlib import Path

from jupyter_prod_ext.execution.runner import run_file

RUN = Path(__file__).resolve().parent / "data" / "run"


def test_a_value_another_library_version_shows_differently_is_reproduced(tmp_path: Path) -> None:
    """Notebooks saved with NumPy 1 show ``1.25`` where NumPy 2 shows ``np.float64(1.25)``, a figure's text
    names the size the older inline backend gave it (``432x288``), and another BLAS moves the 16th digit of a
    sum: a whole book of public notebooks was told each such cell changed, with the hint to seed its
    randomness. Only a value that differs is changed: a float beyond rounding, any integer, a NumPy scalar."""
    notebook = tmp_path / "library_versions.ipynb"
    shutil.copyfile(RUN / notebook.name, notebook)
    report = run_file(notebook, timeout=60, cell_timeout=30)
    changed = [(f["cell_id"], f["message"].splitlines()[1:]) for f in report["findings"]]
    assert changed == [
        ("changed-float", ["-0.5", "+0.75"]),
        ("changed-int", ["-12346", "+12345"]),
        ("changed-scalar", ["-1.25", "+1.5"]),
    ], changed
    assert report["run"]["cells_run"] == 8 and report["run"]["changed"] == [6, 7, 8]
