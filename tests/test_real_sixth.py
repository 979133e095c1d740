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
    assert str(finding["hint"]).startswith("The cell reaches the network, which failed in this run: keep the data")


def test_a_data_file_that_is_not_there_is_named_in_the_hint(tmp_path: Path) -> None:
    """``pd.read_sas('../../data/LLCP2018.XPT')``, a file outside the notebook's repository: the hint names
    the file to add, not 'fix the cell'."""
    finding = _only_error("absent_data.ipynb", tmp_path)
    assert finding["cell"] == 1
    assert finding["hint"] == (
        "'../data/measurements.csv' is not there when the notebook runs in its own folder: add it to the project "
        "(a path relative to the notebook), or say in the notebook where to get it."
    )
