"""Every notebook of the corpus (tests/data/corpus) through the CLI with ALL checks: no crash, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jupyter_prod_ext.checks import CHECKS

REPO = Path(__file__).resolve().parent.parent
# invalid_unique_cell_id.ipynb and invalid_cell_id.ipynb are read (repeated and invalid ids are dropped, their
# cells addressed by index, as JupyterLab opens them): not errors
INVALID = {"invalid.ipynb", "v4_5_invalid_metadata.ipynb", "no_min_version.ipynb"}


def test_whole_corpus_all_checks(corpus_dir: Path, tmp_path: Path) -> None:
    notebooks = sorted(corpus_dir.rglob("*.ipynb"))
    assert len(notebooks) >= 40
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_prod_ext", "check", "--format", "json", "--fail-on", "never", str(corpus_dir)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert "Traceback" not in proc.stdout and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    invalid = {Path(e["path"]).name for e in data["errors"]}
    assert invalid == INVALID
    assert proc.returncode == 2  # input errors win over findings
    err_lines = proc.stderr.strip().splitlines()
    assert len(err_lines) == len(INVALID)
    for name in INVALID:
        assert sum(name in line for line in err_lines) >= 1
    assert len(data["notebooks"]) + len(data["errors"]) == len(notebooks)
    for report in data["notebooks"]:
        assert set(report["summary"]["checks_run"]) == set(CHECKS), report["path"]
        assert 0 <= report["score"] <= 100
        for f in report["findings"] + report["waived"]:
            assert "could not run on this notebook" not in f["message"], (report["path"], f)
            assert f["check"] in CHECKS


def test_corpus_specifics(corpus_dir: Path) -> None:
    from jupyter_prod_ext.checks.api import check_path

    test2 = check_path(corpus_dir / "nbformat" / "test2.ipynb", checks="fast")
    assert not [f for f in test2["findings"] if f["check"] == "undefined-name" and "'ls'" in f["message"]]
    assert any(f["check"] == "ipython-magic" and "automagic" in f["message"] for f in test2["findings"])
    tracebacks = check_path(corpus_dir / "nbformat" / "many_tracebacks.ipynb", checks=["error-output"])
    assert tracebacks["findings"], "the notebook of tracebacks has error outputs"
