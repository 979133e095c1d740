"""The files of one commit, each read exactly once: the bytes that are checked are the bytes committed.

Why a module of its own: Jupyter saves by rewriting the file in place, so a
second read could see other content (or none). An :class:`Entry` keeps the bytes
read from disk (``disk``) and what goes into git (``content``: ``disk``, or the
notebook stripped of outputs); the gate, the secret scan, the blob and the
final "did it change meanwhile" comparison all use those bytes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import notebook as nbmod
from ..errors import ConflictError, NotebookError, ProdError, TooLargeError
from ..jupytext_io import is_text_notebook_path, pair_of, paired_files, raw_from_bytes
from ..notebook import human_size, json_repair, notebook_from_dict, read_notebook_bytes
from .confinement import (
    confine,
    metadata_module_paths,
    metadata_path_problem,
    new_package_inits,
    promoted_modules,
    read_file,
)
from .repository import Repo, shown_path
from .strip import strip_notebook_text

#: A notebook that reads as empty or invalid JSON may be mid-save (Jupyter truncates, then writes):
#: it is read again every SETTLE_POLL seconds; content that stays the same for SETTLE_STABLE seconds
#: is what the file is, content still changing after SETTLE_LIMIT seconds refuses the commit.
SETTLE_POLL = 0.05
SETTLE_STABLE = 0.5
SETTLE_LIMIT = 5.0

CHANGED_WHILE_COMMITTING = "the notebook changed while committing; try again"


@dataclass
class Entry:
    path: Path
    rel: str
    disk: bytes
    content: bytes
    mode: str
    blob: str = ""
    #: a notebook's JSON object, parsed from ``disk``, and its jupytext format
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    fmt: dict[str, str] | None = None
    #: a code-only notebook's text, stripped of outputs into ``content`` before hashing
    stripped_text: str | None = None

    @property
    def stripped(self) -> bool:
        return self.content != self.disk


def parse_notebook_json(data: bytes, shown: str) -> dict[str, Any]:
    """The notebook's JSON object from bytes already read; a one-line :class:`NotebookError` otherwise."""
    if not data.strip():
        raise NotebookError(f"'{shown}' is empty (0 bytes), not a notebook: save it from Jupyter and commit again.")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise NotebookError(f"'{shown}' is not UTF-8 text, so it is not a valid notebook.") from None
    except ValueError as exc:
        raise NotebookError(f"'{shown}' is not valid JSON ({exc}){json_repair(exc)}") from None
    except RecursionError:
        raise NotebookError(f"'{shown}' is not a valid notebook (its JSON is nested too deeply).") from None
    if not isinstance(parsed, dict):
        raise NotebookError(f"'{shown}' is not a valid notebook (not a JSON object).")
    return parsed


def default_paths(notebook: Path, project_root: Path) -> list[Path]:
    """The notebook, the other files of its jupytext pair, and the modules promoted from them.

    A notebook that is not valid JSON (conflict markers mid-merge) has no
    readable module list: it stands alone, and the caller reports the real
    problem (the merge, or the invalid notebook) with its own message. Entries
    a commit would refuse (see :func:`metadata_module_paths`) are left out.
    """
    paths = [notebook, *pair_of(notebook, project_root)]  # a jupytext pair goes in together
    for member in list(paths):
        try:
            data = read_notebook_bytes(member, member.name)
            raw = raw_from_bytes(member, data)[0] if is_text_notebook_path(member) else parse_notebook_json(data, member.name)
        except ProdError:
            continue
        for rel in promoted_modules(raw):
            if metadata_path_problem(rel) is None:
                paths.append(Path(os.path.normpath(project_root / rel)))
    return paths


def file_mode(path: Path) -> str:
    return "100755" if os.stat(path).st_mode & stat.S_IXUSR else "100644"


def read_entries(
    repo: Repo,
    notebook: Path,
    files: list[Path] | None,
    code_only: bool,
    confine_to: Path | None,
    display_root: Path | None,
) -> list[Entry]:
    """Read every file to commit exactly once (the notebook first: its metadata may name the others).

    By default: the notebook, the other files of its jupytext pair, and the
    modules the metadata of each records (validated: see :func:`metadata_module_paths`).
    """
    entries: list[Entry] = []
    if files is None or notebook in files:
        entries.append(notebook_entry(repo, notebook, code_only, display_root))
    if files is None:
        files = _default_files(repo, notebook, entries, code_only, confine_to, display_root)
    have = {e.path for e in entries}
    for path in files:
        if path in have:
            continue
        if path.suffix == ".ipynb" or (path == notebook and is_text_notebook_path(path)):
            entries.append(notebook_entry(repo, path, code_only, display_root))
        else:
            disk = read_file(path, shown_path(path, display_root))
            entries.append(Entry(path, repo.rel(path), disk, disk, file_mode(path)))
        have.add(path)
    return entries


def _default_files(
    repo: Repo,
    notebook: Path,
    entries: list[Entry],
    code_only: bool,
    confine_to: Path | None,
    display_root: Path | None,
) -> list[Path]:
    """Read the notebook's pair into ``entries``; the pair, the modules their metadata names and the
    ``__init__.py`` promotion wrote beside them (not yet in git), confined."""
    first = entries[0]
    for member in paired_files(notebook, first.data, first.fmt, ceiling=repo.top):
        real = confine([member], repo, confine_to, display_root)[0]
        entries.append(notebook_entry(repo, real, code_only, display_root))
    modules = [m for e in entries for m in metadata_module_paths(e.data, repo.top, display_root)]
    modules += new_package_inits(repo, modules, confine_to)
    return confine([e.path for e in entries] + modules, repo, confine_to, display_root)


def _parse_any_notebook(path: Path, disk: bytes, shown: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A notebook's JSON object and jupytext format from its bytes (``.ipynb`` or a jupytext text file)."""
    if is_text_notebook_path(path):
        if not disk.strip():
            raise NotebookError(f"'{shown}' is empty (0 bytes), not a notebook: save it and commit again.")
        return raw_from_bytes(path, disk, shown)
    data = parse_notebook_json(disk, shown)
    notebook_from_dict(data, shown)  # the nbformat schema we check against
    return data, {"extension": ".ipynb"}


def notebook_entry(repo: Repo, path: Path, code_only: bool, display_root: Path | None) -> Entry:
    """A notebook read until it is a valid notebook or stays the same (see :data:`SETTLE_STABLE`).

    Jupyter saves in place (truncate, then write): a read in between sees an
    empty or half-written file. Such a read is taken again; content that keeps
    changing refuses the commit, content that stays invalid is reported as it is.
    """
    shown = shown_path(path, display_root)
    previous: bytes | None = None
    started = since = time.monotonic()
    while time.monotonic() - started < SETTLE_LIMIT:
        disk = read_file(path, shown)
        if len(disk) > nbmod.MAX_NOTEBOOK_BYTES:  # read at call time: a deployment or a test may lower it
            raise TooLargeError(
                f"{shown}: the notebook is {human_size(len(disk))}; the limit is {human_size(nbmod.MAX_NOTEBOOK_BYTES)}."
            )
        try:
            data, fmt = _parse_any_notebook(path, disk, shown)
        except NotebookError:
            now = time.monotonic()
            if disk != previous:
                previous, since = disk, now
            elif now - since >= SETTLE_STABLE:
                raise
            time.sleep(SETTLE_POLL)
            continue
        stripped = disk.decode("utf-8") if code_only and path.suffix == ".ipynb" else None
        return Entry(path, repo.rel(path), disk, disk, file_mode(path), data=data, fmt=fmt, stripped_text=stripped)
    raise ConflictError(f"Nothing was committed: {CHANGED_WHILE_COMMITTING} ('{shown}' kept changing while read).")


def strip_entries(entries: list[Entry]) -> None:
    """A code-only notebook's ``content`` becomes the notebook without outputs (the file keeps them)."""
    for e in entries:
        if e.stripped_text is not None:
            e.content = strip_notebook_text(e.stripped_text).encode("utf-8")


def modified_on_disk(entries: list[Entry]) -> list[str]:
    """The entries whose file no longer holds the bytes that were read."""
    changed = []
    for e in entries:
        try:
            now = e.path.read_bytes()
        except OSError:
            now = b""
        if now != e.disk:
            changed.append(e.rel)
    return changed


def refuse_if_changed(entries: list[Entry]) -> None:
    """Refuse when a file is no longer what was read, checked and hashed: the user saved meanwhile."""
    changed = modified_on_disk(entries)
    if changed:
        raise ConflictError(
            f"Nothing was committed: {CHANGED_WHILE_COMMITTING} ({', '.join(changed)} changed on disk)."
        )
