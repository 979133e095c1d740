"""Reproducibility runs: a copy of the notebook, a fresh kernel, outputs compared.

``runner`` is the engine (blocking, no tornado), ``worker`` the subprocess it
drives, ``compare`` the output normalisation and diff, ``registry`` the
per-notebook claims, the kernel cap and the cancel handles used by the server.

The runner's names are loaded on first use, not on import: the worker
subprocess imports ``execution.worker`` (so this package) at the start of every
run, and the runner brings the check registry and with it every check module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runner import RunInfo, RunProgress, RunReport, read_notebook, run_file, run_notebook

__all__ = ["RunInfo", "RunProgress", "RunReport", "read_notebook", "run_file", "run_notebook"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
