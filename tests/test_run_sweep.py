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
