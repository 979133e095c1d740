"""Notebooks as a user's actions leave them: read as JupyterLab saves them, cleared, saved by an older
nbformat. Shared by tests/test_git_renames.py and bench/renames.py (which imports it as
``tests.nbedits``, as bench/promote_corpus.py does tests.promote_measure)."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat


def read_with_ids(path: Path) -> nbformat.NotebookNode:
    """The notebook file at ``path`` (outputs and all) as nbformat 4.5: each cell with its id."""
    nb = nbformat.read(path, as_version=4)
    nb.nbformat_minor = 5
    for cell in nb.cells:
        cell.setdefault("id", nbformat.corpus.words.generate_corpus_id())
    return nb


def without_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` as nbformat 4.4 writes it: no cell ids."""
    nb = copy.deepcopy(nb)
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    return nb


def cleared(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` after Edit > Clear Outputs of All Cells."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb
