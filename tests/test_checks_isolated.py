"""The child that checks a large notebook says how it failed: memory only when it was memory.

Each case runs a real child process from a package folder of the test's own (``_PACKAGE_PARENT``
is the child's working folder, so ``-m`` imports the package there): a broken install whose
import fails, a child that allocates past its address-space cap, a child stopped by a signal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_prod_ext.checks import isolated
from jupyter_prod_ext.errors import ToolError

#: the child module of each case, in place of the real ``jupyter_prod_ext.checks.isolated``
BROKEN_IMPORT = "import jupyter_prod_missing_dependency\n"
OUT_OF_MEMORY = "data = bytearray(8 * 1024 ** 3)\n"
KILLED_BY_SIGNAL = "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n"


def _fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: str) -> ToolError:
    """Run the isolated check with ``child`` as the child's module; the error it raises."""
    package = tmp_path / "root" / "jupyter_prod_ext" / "checks"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("", "utf-8")
    (package / "__init__.py").write_text("", "utf-8")
    (package / "isolated.py").write_text(child, "utf-8")
    monkeypatch.setattr(isolated, "_PACKAGE_PARENT", tmp_path / "root")
    with pytest.raises(ToolError) as caught:
        isolated.check_path_isolated(tmp_path / "big.ipynb", memory_mib=1024)
    message = caught.value.message
    assert "\n" not in message and "Traceback" not in message and caught.value.status == 503
    return caught.value


def test_broken_install_says_the_import_error_not_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    error = _fail(tmp_path, monkeypatch, BROKEN_IMPORT)
    assert "memory" not in error.message
    assert "exit 1: ModuleNotFoundError: No module named 'jupyter_prod_missing_dependency'" in error.message
    assert "installation" in error.message


def test_allocation_past_the_cap_is_out_of_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    error = _fail(tmp_path, monkeypatch, OUT_OF_MEMORY)
    assert "ran out of memory" in error.message and "split the notebook" in error.message


def test_other_signal_names_the_signal_not_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    error = _fail(tmp_path, monkeypatch, KILLED_BY_SIGNAL)
    assert "memory" not in error.message
    assert "was stopped by SIGTERM" in error.message
