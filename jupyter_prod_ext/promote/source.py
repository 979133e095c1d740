"""The read step: the notebook as the promotion sees it, read inside the module's lock.

Promotions into one module run one at a time, so a promotion that waited reads what the one
before it wrote. What was read is kept as it was (:class:`Source`): the write step compares the
file against it, so a notebook saved meanwhile is a conflict, never a loss.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConflictError, NotebookError
from ..jupytext_io import TextNotebook, is_text_notebook_path, read_text_notebook
from ..locks import LockTimeout, exclusive
from ..notebook import Notebook, _upgrade, notebook_from_dict, notebook_from_text, read_notebook_bytes
from ..typecheck import TypecheckSettings, cache_dir_for

LOCK_TIMEOUT = 120.0


@contextmanager
def module_lock(path: Path, root: Path, settings: TypecheckSettings | None = None) -> Iterator[None]:
    """Promotions into one module run one at a time: threads of this process, then other processes
    (the CLI next to a server) through a lock file in the project's cache folder, outside the repository.
    Writes also compare hashes, so even an editor saving the module meanwhile is a conflict, not a loss."""
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:16]
    try:
        with exclusive(f"promote:{path}", cache_dir_for(root, settings) / f"promote-{digest}.lock", LOCK_TIMEOUT):
            yield
    except LockTimeout:
        raise ConflictError(
            f"Another promotion into {path.name} is still running; try again when it ends."
        ) from None


@dataclass(frozen=True)
class Source:
    """The notebook as read: the model the analysis sees and the JSON the edits index into."""

    path: Path
    #: the notebook's path as the user is shown it
    rel: str
    #: the file's text as read (None: the editor sent the notebook); the write step compares against it
    text: str | None
    #: nbformat v4 JSON (upgraded from v2/v3 when the file is older): cell indexes of the edits are its
    raw: dict[str, Any]
    nb: Notebook
    #: the nbformat major version as stored: only a v4 file is rewritten
    original_major: object
    #: a jupytext text notebook (``.py``/``.md``), written back in its own format
    text_nb: TextNotebook | None


def read_source(nb_path: Path, nb_rel: str, content: dict[str, Any] | None) -> Source:
    """The notebook from ``content`` (the editor's JSON) or from disk, as nbformat v4."""
    nb_text: str | None = None
    text_nb = read_text_notebook(nb_path, nb_rel) if content is None and is_text_notebook_path(nb_path) else None
    if text_nb is not None:  # a jupytext .py/.md: edited as nbformat JSON, written back in its format
        nb, nb_text, raw = text_nb.notebook, text_nb.text, copy.deepcopy(text_nb.raw)
    elif content is None:
        data = read_notebook_bytes(nb_path, nb_rel)
        nb = notebook_from_text(data, nb_rel)  # size, UTF-8, JSON and nbformat errors, one line each
        nb_text = data.decode("utf-8")
        raw = json.loads(nb_text.lstrip("\ufeff"))
    else:
        raw = content
        nb = notebook_from_dict(raw, nb_rel)
    original_major = raw.get("nbformat") if isinstance(raw, dict) else None
    if original_major != 4:
        # edits are cell indexes of the v4 model: work on the same upgraded JSON the model was built from
        raw = _upgrade(raw)
    if not nb.is_python:
        raise NotebookError(f"{nb_rel} is a {nb.language} notebook; only Python notebooks can be promoted.")
    return Source(nb_path, nb_rel, nb_text, raw, nb, original_major, text_nb)
