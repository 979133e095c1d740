"""Commit a notebook and its modules into git in one step.

The flow (:func:`commit_notebook`) is a list of named steps over the parts:
:mod:`.repository` (which repository, is it in a state to commit on),
:mod:`.confinement` (which files may be committed, bounded reads),
:mod:`.entries` (each file read once; those bytes are checked and committed),
:mod:`.gate` (readiness findings and secrets), :mod:`.index` (blobs, a scratch
index, the commit object, the compare-and-swap of the branch) and
:mod:`.hooks` (the repository's hooks, as ``git commit --only`` runs them).
Nothing in the working tree is touched and whatever else the user had staged
stays staged. The names other modules imported from here are re-exported.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError, PathError
from ..jupytext_io import check_pair_agrees
from ..types import FindingDict, ReportDict
from ..wire import CommitResultDict as CommitResultDict
from ..wire import GateResultDict as GateResultDict
from .confinement import MAX_FILE_BYTES as MAX_FILE_BYTES
from .confinement import check_not_ignored, confine, read_file
from .confinement import metadata_module_paths as metadata_module_paths
from .confinement import promoted_modules as promoted_modules
from .entries import CHANGED_WHILE_COMMITTING as CHANGED_WHILE_COMMITTING
from .entries import SETTLE_LIMIT as SETTLE_LIMIT
from .entries import SETTLE_POLL as SETTLE_POLL
from .entries import SETTLE_STABLE as SETTLE_STABLE
from .entries import Entry, parse_notebook_json, read_entries, refuse_if_changed, strip_entries
from .entries import default_paths as default_paths
from .gate import gate, gate_files
from .hooks import run_commit_hooks, run_post_commit
from .index import ScratchIndex, commit_tree, hash_blobs, index_info, publish, sync_real_index
from .renames import commit_renames
from .repository import IDENTITY_HELP as IDENTITY_HELP
from .repository import Head as Head
from .repository import NoRepositoryError as NoRepositoryError
from .repository import Repo as Repo
from .repository import check_identity, check_state, existing_notebook, under
from .repository import find_repo as find_repo
from .repository import init_repository as init_repository
from .repository import operation_in_progress as operation_in_progress
from .repository import read_head as read_head
from .repository import shown_path as shown_path
from .runner import HOOK_TIMEOUT, repo_lock, wait_for_index_lock
from .strip import VOLATILE_CELL_METADATA as VOLATILE_CELL_METADATA
from .strip import VOLATILE_NOTEBOOK_METADATA as VOLATILE_NOTEBOOK_METADATA
from .strip import strip_notebook_text as strip_notebook_text

#: The gate: the notebook's readiness report, computed from the bytes the commit read and commits
#: (``path`` names the file, for its format and the project's configuration); ``None`` means no gate.
GateCheck = Callable[[Path, bytes], ReportDict]


def commit_notebook(
    notebook: Path,
    message: str,
    *,
    paths: Sequence[Path] | None = None,
    renamed_from: Sequence[Path] = (),
    code_only: bool = True,
    gate_report: ReportDict | None = None,
    gate_check: GateCheck | None = None,
    allow_findings: bool = False,
    init: bool = False,
    init_root: Path | None = None,
    confine_to: Path | None = None,
    display_root: Path | None = None,
    hook_timeout: float = HOOK_TIMEOUT,
) -> CommitResultDict:
    """Commit exactly ``paths`` (default: the notebook and its promoted modules).

    Each file is read once; those bytes are verified (a notebook must be a valid,
    non-empty notebook; every file is scanned for secrets), gated and committed,
    so what git records is exactly what was checked even while Jupyter saves. A
    file that changed on disk before the branch moves refuses the commit
    (:data:`CHANGED_WHILE_COMMITTING`). ``gate_check`` computes the notebook's
    report from those bytes (``gate_report``, a report computed by the caller, is
    the older way and describes whatever the caller read); either is enforced by
    :func:`gate.gate` when the notebook is among the committed files. ``init`` runs
    ``git init`` in ``init_root`` (default the notebook's folder) when there is no
    repository. ``confine_to`` (the server root) bounds every path;
    ``display_root`` is what the answer's paths are relative to (default the
    repository's top level). ``renamed_from``: the notebook's names before a rename
    (JupyterLab renames the file, git sees a deletion and a new file); when the
    notebook is committed, the removal of each that git tracks and that is gone
    from disk is committed with it, so git records the rename (see :func:`.confinement.renamed_away`). Without
    them (a rename the panel did not see), the tracked notebook gone from disk that git's rename
    detection pairs with the notebook is (see :mod:`.renames`).
    """
    notebook = existing_notebook(notebook, display_root)
    body = _required_message(message, "The commit message is empty: say what changed.")
    repo = _repo_for(notebook, init, init_root, confine_to, display_root)
    files = _requested_files(paths, repo, confine_to, display_root)
    with repo_lock(repo.top, repo.git_dir):
        head = _committable_head(repo, display_root)
        entries = read_entries(repo, notebook, files, code_only, confine_to, display_root)
        report = _gate_entries(notebook, entries, gate_check, gate_report, allow_findings)
        _prepare_blobs(repo, notebook, entries)
        with _scratch() as scratch:
            removed = _removed_names(repo, head, notebook, entries, renamed_from, confine_to, scratch)
            new, outputs = _commit_in(repo, head, entries, removed, body, scratch, hook_timeout)
    return _result(repo, head, entries, removed, new, outputs, code_only, report, display_root)


def _required_message(text: str, empty: str) -> str:
    body = _clean_message(text)
    if not body:
        raise InputError(empty)
    return body


def _clean_message(text: str) -> str:
    """git's ``whitespace`` cleanup (the default for ``-m``): trim lines, squeeze blank runs."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _repo_for(
    notebook: Path, init: bool, init_root: Path | None, confine_to: Path | None, display_root: Path | None
) -> Repo:
    repo = find_repo(notebook.parent)
    if repo is not None:
        return repo
    if not init:
        # an invalid notebook is the first thing to fix, repository or not
        shown = shown_path(notebook, display_root)
        parse_notebook_json(read_file(notebook, shown), shown)
        raise NoRepositoryError(
            f"'{notebook.name}' is not in a git repository: initialize one (git init, or the init option) "
            "and commit again."
        )
    root = Path(os.path.realpath(init_root or notebook.parent))
    shown_root = shown_path(root, display_root)
    if not under(notebook, root):
        raise PathError(f"Cannot initialize a repository in {shown_root}: the notebook is not inside it.")
    if confine_to is not None and not under(root, Path(os.path.realpath(confine_to))):
        raise PathError(f"Cannot initialize a repository in {shown_root}: it is outside the server root.")
    return init_repository(root)


def _requested_files(
    paths: Sequence[Path] | None, repo: Repo, confine_to: Path | None, display_root: Path | None
) -> list[Path] | None:
    """The request's paths, confined; ``None`` (the default set) when it named none."""
    if paths is None:
        return None
    files = confine(list(paths), repo, confine_to, display_root)
    if not files:
        raise InputError("Nothing to commit: the list of paths is empty.")
    return files


def _committable_head(repo: Repo, display_root: Path | None) -> Head:
    """HEAD, once no other git holds the index and the repository can take a commit from us."""
    wait_for_index_lock(repo.git_dir)
    head = read_head(repo)
    check_state(repo, head, display_root)
    check_identity(repo)
    return head


def _gate_entries(
    notebook: Path,
    entries: list[Entry],
    gate_check: GateCheck | None,
    gate_report: ReportDict | None,
    allow_findings: bool,
) -> ReportDict | None:
    """The notebook's report (from the bytes read) through the gate; every other file through the secret scan."""
    nb_entry = next((e for e in entries if e.path == notebook), None)
    if nb_entry is not None:
        gate_report = gate_check(notebook, nb_entry.disk) if gate_check is not None else gate_report
        gate(gate_report, allow_findings)
    gate_files([(e.rel, e.disk) for e in entries if e.path != notebook])
    return gate_report


def _prepare_blobs(repo: Repo, notebook: Path, entries: list[Entry]) -> None:
    """Not ignored, stripped when code-only, the jupytext pair in agreement, then hashed into blobs."""
    check_not_ignored(repo, [e.rel for e in entries])
    strip_entries(entries)
    check_pair_agrees(notebook, {e.path: e.disk for e in entries}, repo.top)
    hash_blobs(repo, entries)


def _removed_names(
    repo: Repo,
    head: Head,
    notebook: Path,
    entries: list[Entry],
    renamed_from: Sequence[Path],
    confine_to: Path | None,
    scratch: Path,
) -> list[str]:
    """The old names whose removal goes in (see :func:`.renames.commit_renames`)."""
    renames = commit_renames(repo, head, entries, notebook, renamed_from, confine_to, scratch)
    return list(dict.fromkeys(r.old for r in renames))


@contextmanager
def _scratch() -> Iterator[Path]:
    """A private folder for the scratch index and the message file, removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix="jupyter-prod-commit-"))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _commit_in(
    repo: Repo, head: Head, entries: list[Entry], removed: list[str], body: str, scratch: Path, hook_timeout: float
) -> tuple[str, list[str]]:
    """Tree, hooks, commit object, branch moved, real index synced: the new commit and the hooks' outputs."""
    info = index_info(entries, removed)
    index = ScratchIndex(repo, scratch / "index")
    tree = index.build(head, info, entries)
    msg_file = scratch / "COMMIT_EDITMSG"
    msg_file.write_text(body, encoding="utf-8")
    outputs = run_commit_hooks(repo, index, tree, entries, msg_file, hook_timeout)
    body = _required_message(
        msg_file.read_text(encoding="utf-8", errors="replace"),
        "The commit message is empty after the commit-msg hook ran: say what changed.",
    )
    msg_file.write_text(body, encoding="utf-8")
    refuse_if_changed(entries)
    new = commit_tree(repo, head, tree, msg_file)
    publish(repo, head, new, body.splitlines()[0])
    sync_real_index(repo, info, new, [e.rel for e in entries] + removed)
    outputs.append(run_post_commit(repo, hook_timeout))
    return new, outputs


def _result(
    repo: Repo,
    head: Head,
    entries: list[Entry],
    removed: list[str],
    new: str,
    outputs: list[str],
    code_only: bool,
    gate_report: ReportDict | None,
    display_root: Path | None,
) -> CommitResultDict:
    shown_root = Path(os.path.realpath(display_root)) if display_root is not None else repo.top
    shown = [Path(os.path.relpath(e.path, shown_root)).as_posix() for e in entries]
    stripped = [s for s, e in zip(shown, entries, strict=True) if e.stripped]
    short = new[:7]
    summary = f"Committed {short} on {head.branch}: {', '.join(shown)}."
    if removed:
        gone = [Path(os.path.relpath(repo.top / r, shown_root)).as_posix() for r in removed]
        summary += f" Renamed from {', '.join(gone)} (its removal is committed too)."
    if stripped:
        summary += (
            f" {', '.join(stripped)} {'was' if len(stripped) == 1 else 'were'} committed without outputs; "
            "the file on disk keeps its outputs."
        )
    findings: list[FindingDict] = list(gate_report["findings"]) if gate_report is not None else []
    return {
        "commit": new,
        "short": short,
        "branch": head.branch,
        "files": shown,
        "code_only": code_only,
        "hook_output": "".join(outputs),
        "gate": {"blocked": False, "findings": findings},
        "message": summary,
    }
