"""Code-only notebooks: the notebook without outputs and run state, as git should hold it.

Why a module of its own: the commit strips what it commits and the status
compares the file on disk, stripped, with what git holds; both must strip
exactly alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import NotebookError
from ..notebook import import_nbformat

#: Cell metadata that changes on every run and says nothing about the code.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
#: Notebook metadata that is run state, not content (ipywidgets' saved widget state).
VOLATILE_NOTEBOOK_METADATA = ("widgets",)


def strip_notebook_text(text: str) -> str:
    """The notebook without outputs, execution counts and run-state metadata.

    Serialised exactly like ``nbformat.writes`` (indent 1, sorted keys, no
    ASCII escaping) plus a trailing newline, so committing a notebook saved by
    Jupyter that has no outputs changes nothing.
    """
    nbformat = import_nbformat()
    from nbformat.v4 import nbjson

    # nbformat is untyped for some mypy runs and typed for others; go through Any either way.
    reads: Callable[..., Any] = nbformat.reads
    # the v4 writer itself: nbformat.writes would also re-validate against the schema (slow, and
    # a notebook Jupyter saved is not made invalid by removing outputs)
    writes: Callable[..., str] = nbjson.writes
    try:
        nb = reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many types for bad input
        raise NotebookError(f"The notebook cannot be read ({type(exc).__name__}: {exc}); fix or re-save it.") from None
    for name in VOLATILE_NOTEBOOK_METADATA:
        nb.metadata.pop(name, None)
    for cell in nb.cells:
        _strip_cell(cell)
    out = writes(nb)
    return out if out.endswith("\n") else out + "\n"


def _strip_cell(cell: Any) -> None:
    meta = cell.get("metadata", {})
    for name in VOLATILE_CELL_METADATA:
        meta.pop(name, None)
    jup = meta.get("jupyter")
    if isinstance(jup, dict):
        jup.pop("outputs_hidden", None)
        if not jup:
            meta.pop("jupyter")
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
