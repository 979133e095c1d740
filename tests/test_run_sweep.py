"""Clean Run on notebooks that restate what real public notebooks did to it (tests/data/run/), with real
ipykernel kernels: each case once gave a wrong verdict or message."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from jupyter_prod_ext.execution.runner import run_file

DATA = Path(__file__).parent / "data" / "run"


def copied(name: str, tmp_path: Path) -> Path:
    """The notebook ``name`` of tests/data/run in a folder of its own."""
    target = tmp_path / name
    shutil.copyfile(DATA / name, target)
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_crlf_output_is_compared_as_displayed(tmp_path: Path) -> None:
    """`ls` in IPython prints CRLF line ends: every line once compared as empty, so a changed output
    was reported as reproduced and the diff showed bare '+' lines."""
    nb = copied("crlf_output.ipynb", tmp_path)
    before = digest(nb)
    report = run_file(nb, timeout=60, cell_timeout=30)
    assert [(f["check"], f["cell"]) for f in report["findings"]] == [("output-changed", 3)]
    assert report["findings"][0]["message"].splitlines()[1:] == ["-[stdout] old value", "+[stdout] new value"]
    assert report["run"]["changed"] == [3] and report["run"]["cells_run"] == 3
    assert digest(nb) == before


def test_an_error_the_saved_output_shows_is_called_meant(tmp_path: Path) -> None:
    """Teaching notebooks (WhirlwindTourOfPython) raise on purpose and save the error: the hint said
    'fix the cell' or 'hidden state'; it names the tag that lets the run go on, which the run honours."""
    report = run_file(copied("intended_error.ipynb", tmp_path), timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert (finding["check"], finding["cell"], finding["line"]) == ("run-error", 2, 1)
    assert finding["message"] == (
        "Raised TypeError: 'tuple' object does not support item assignment when run top to bottom in a fresh "
        "kernel, as its saved output shows; the run stopped there."
    )
    assert "'raises-exception'" in finding["hint"] and "reproduce it" not in finding["hint"]

    tagged = run_file(copied("intended_error_tagged.ipynb", tmp_path), timeout=60, cell_timeout=30)
    [finding] = tagged["findings"]  # went past the tagged cell 3; cell 4's NameError is shown on purpose
    assert (finding["check"], finding["cell"]) == ("run-error", 3)
    assert "as its saved output shows" in finding["message"] and "Hidden state" not in finding["hint"]
    assert tagged["run"]["cells_run"] == 3 and tagged["run"]["changed"] == []


def test_a_long_exception_message_is_one_short_line(tmp_path: Path) -> None:
    """An exception carrying megabytes (or a %%bash script's many lines) once went whole into the
    one-line finding and the answer."""
    report = run_file(copied("long_error.ipynb", tmp_path), timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert (finding["check"], finding["cell"], finding["line"]) == ("run-error", 2, 2)
    assert finding["message"].startswith("Raised Boom: boom boom ")
    assert "…" in finding["message"] and "\n" not in finding["message"]
    assert len(finding["message"]) < 300
