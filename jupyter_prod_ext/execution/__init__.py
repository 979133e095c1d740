"""Reproducibility runs: a copy of the notebook, a fresh kernel, outputs compared.

``runner`` is the engine (blocking, no tornado), ``worker`` the subprocess it
drives, ``compare`` the output normalisation and diff, ``registry`` the
per-notebook claims, the kernel cap and the cancel handles used by the server.
"""

from __future__ import annotations

from .runner import RunInfo, RunProgress, RunReport, read_notebook, run_file, run_notebook

__all__ = ["RunInfo", "RunProgress", "RunReport", "read_notebook", "run_file", "run_notebook"]
