"""Commit a notebook and its modules into git in one step.

How: the commit is built from a *temporary* index — ``git read-tree HEAD``
into a scratch ``GIT_INDEX_FILE``, our blobs added with ``update-index
--index-info``, ``write-tree``, ``commit-tree -p HEAD`` — and published with
``update-ref HEAD <new> <old>`` (compare-and-swap: a concurrent commit from a
terminal makes ours fail instead of being overwritten). Only then are the
*real* index entries of exactly those paths set to the committed blobs, so:

* whatever else the user had staged stays staged and out of this commit;
* a code-only notebook can be committed without its outputs while the file on
  disk keeps them (``git status`` then truthfully shows it as modified);
* nothing in the working tree is touched.

``commit-tree`` runs no hooks, so the repository's ``pre-commit``,
``prepare-commit-msg``, ``commit-msg`` and ``post-commit`` hooks are run here,
the way ``git commit --only`` runs them (cwd the top level, ``GIT_INDEX_FILE``
the temporary index).

Detached HEAD is refused rather than committed on: a commit on a detached HEAD
is unreachable as soon as the user switches branch, and nothing in the UI
would tell them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import notebook as nbmod
from ..errors import (
    ConflictError,
    GitError,
    InputError,
    NotebookError,
    NotFoundError,
    PathError,
    ProdError,
    RefusedError,
    TooLargeError,
)
from ..jupytext_io import check_pair_agrees, is_text_notebook_path, pair_of, paired_files, raw_from_bytes
from ..notebook import human_size, notebook_from_dict, read_notebook_bytes
from ..types import FindingDict, ReportDict
from ..wire import CommitResultDict as CommitResultDict
from ..wire import GateResultDict as GateResultDict
from ..wire import GitOperation
from .gate import gate, gate_files, refusal_details
from .runner import (
    HOOK_TIMEOUT,
    ProcessTimeout,
    first_line,
    git,
    git_env,
    repo_lock,
    run_process,
    wait_for_index_lock,
)

#: Cell metadata that changes on every run and says nothing about the code.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
#: Largest file committed through here: bigger ones belong in git-lfs, set up from a terminal.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Notebook metadata that is run state, not content (ipywidgets' saved widget state).
VOLATILE_NOTEBOOK_METADATA = ("widgets",)

IDENTITY_HELP = (
    'git does not know who you are: run git config --global user.name "Your Name" '
    "and git config --global user.email you@example.com, then commit again."
)


class NoRepositoryError(NotFoundError):
    """The notebook is in no git repository (``details.reason`` is ``"no-repo"``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.details: dict[str, object] = {"reason": "no-repo"}



@dataclass(frozen=True)
class Repo:
    top: Path
    git_dir: Path
    #: where hooks live (``core.hooksPath`` honoured)
    hooks: Path

    def rel(self, path: Path) -> str:
        """Repository-relative, ``/``-separated: the path as git names it."""
        return Path(os.path.relpath(path, self.top)).as_posix()


@dataclass(frozen=True)
class Head:
    ref: str | None  # "refs/heads/main"; None when detached
    commit: str | None  # None on an unborn branch
    tree: str | None = None

    @property
    def branch(self) -> str | None:
        if self.ref is None:
            return None
        return self.ref.removeprefix("refs/heads/")


# --- repository discovery and state -------------------------------------------


def find_repo(start: Path) -> Repo | None:
    """The repository whose work tree holds ``start`` (a folder), or ``None``."""
    if not start.is_dir():
        raise NotFoundError(f"No such folder: '{start}'.")
    res = git(["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-path", "hooks"], start, check=False)
    if res.returncode != 0:
        if "not a git repository" in res.err:
            return None
        raise GitError(f"Cannot use the git repository at {start}: {first_line(res.err)}")
    lines = res.out.splitlines()
    if len(lines) < 3 or not lines[0]:
        raise GitError(f"{start} is inside a git directory or a bare repository: work in a checked-out folder.")
    top = Path(os.path.realpath(lines[0]))
    # --git-path answers relative to the cwd (``start``); hooks run from the top level
    hooks = Path(lines[2]) if Path(lines[2]).is_absolute() else Path(os.path.realpath(start / lines[2]))
    return Repo(top, Path(os.path.realpath(lines[1])), hooks)


def init_repository(folder: Path) -> Repo:
    """``git init`` in ``folder`` (created if needed); an existing repository is left as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = find_repo(folder)
    if existing is not None and existing.top == Path(os.path.realpath(folder)):
        return existing
    git(["init", "-q", str(folder)], folder)
    repo = find_repo(folder)
    if repo is None:  # pragma: no cover - git init succeeded but left no repository
        raise GitError(f"git init in {folder} did not create a repository.")
    return repo


def read_head(repo: Repo) -> Head:
    sym = git(["symbolic-ref", "-q", "HEAD"], repo.top, check=False)
    ref = sym.out.strip() if sym.returncode == 0 else None
    # one process for the commit and its tree; an unborn branch answers "HEAD^{commit} missing"
    res = git(["cat-file", "--batch"], repo.top, input=b"HEAD^{commit}\n")
    header, _, body = res.out.partition("\n")
    fields = header.split()
    if len(fields) == 3 and fields[1] == "commit" and body.startswith("tree "):
        return Head(ref, fields[0], body[5:].split("\n", 1)[0].strip())
    return Head(ref, None)


def operation_in_progress(git_dir: Path) -> GitOperation | None:
    """The multi-step operation the repository is in the middle of, if any."""
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        return "rebase"
    if (git_dir / "MERGE_HEAD").exists():
        return "merge"
    if (git_dir / "CHERRY_PICK_HEAD").exists():
        return "cherry-pick"
    if (git_dir / "REVERT_HEAD").exists():
        return "revert"
    return None


_FINISH = {
    "merge": "finish it (resolve, then git commit) or abort it (git merge --abort)",
    "rebase": "finish it (git rebase --continue) or abort it (git rebase --abort)",
    "cherry-pick": "finish it (git cherry-pick --continue) or abort it (git cherry-pick --abort)",
    "revert": "finish it (git revert --continue) or abort it (git revert --abort)",
}


def _check_state(repo: Repo, head: Head, display_root: Path | None = None) -> None:
    top = shown_path(repo.top, display_root)
    op = operation_in_progress(repo.git_dir)
    if op is not None:
        raise GitError(f"A {op} is in progress in {top}: {_FINISH[op]}, then commit again.")
    if head.ref is None:
        short = (head.commit or "")[:7]
        raise GitError(
            f"HEAD is detached (at {short}) in {top}, so the commit would belong to no branch: "
            "switch to a branch (git switch <branch>, or git switch -c <new-branch>) and commit again."
        )
    if not head.ref.startswith("refs/heads/"):
        raise GitError(f"HEAD points at {head.ref}, not at a branch: switch to a branch and commit again.")


def _check_identity(repo: Repo) -> None:
    # author and committer come from the same user.name/user.email; commit-tree catches the odd
    # environment that sets only one of them (same message)
    if git(["var", "GIT_COMMITTER_IDENT"], repo.top, check=False).returncode != 0:
        raise GitError(IDENTITY_HELP)


# --- which files ------------------------------------------------------------------


def promoted_modules(notebook_json: dict[str, Any]) -> list[str]:
    """``metadata.jupyter_prod.modules``: promoted modules, relative to the project (git) root."""
    meta = notebook_json.get("metadata")
    prod = meta.get("jupyter_prod") if isinstance(meta, dict) else None
    modules = prod.get("modules") if isinstance(prod, dict) else None
    if not isinstance(modules, list):
        return []
    return [m for m in modules if isinstance(m, str) and m.strip()]


def _parse_notebook_json(data: bytes, shown: str) -> dict[str, Any]:
    """The notebook's JSON object from bytes already read; a one-line :class:`NotebookError` otherwise."""
    if not data.strip():
        raise NotebookError(f"'{shown}' is empty (0 bytes), not a notebook: save it from Jupyter and commit again.")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise NotebookError(f"'{shown}' is not UTF-8 text, so it is not a valid notebook.") from None
    except ValueError as exc:
        raise NotebookError(f"'{shown}' is not valid JSON ({exc}), so not a notebook: fix or re-save it.") from None
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
    paths = [notebook, *pair_of(notebook)]  # a jupytext pair goes in together
    for member in list(paths):
        try:
            data = read_notebook_bytes(member, member.name)
            raw = raw_from_bytes(member, data)[0] if is_text_notebook_path(member) else _parse_notebook_json(data, member.name)
        except ProdError:
            continue
        for rel in promoted_modules(raw):
            if _metadata_path_problem(rel) is None:
                paths.append(Path(os.path.normpath(project_root / rel)))
    return paths


def metadata_module_paths(data: dict[str, Any], repo_top: Path, display_root: Path | None = None) -> list[Path]:
    """The modules ``metadata.jupyter_prod.modules`` names, validated like paths a request gives.

    The metadata is whatever the notebook's author (or anyone who sent them the
    notebook) wrote into it, so it is input: each entry must be a relative ``.py``
    path (what a promotion records) inside the repository, with no hidden
    component and nothing under ``.git``. Anything else refuses the commit instead of
    committing ``.env`` or ``.ssh/id_rsa`` because a notebook said so.
    """
    out: list[Path] = []
    top = Path(os.path.realpath(repo_top))
    for rel in promoted_modules(data):
        problem = _metadata_path_problem(rel)
        path = Path(os.path.normpath(top / rel))
        if problem is None and not _under(Path(os.path.realpath(path)), top):
            problem = "it is outside the repository"
        if problem is not None:
            shown = rel if len(rel) <= 200 else rel[:200] + "…"
            raise PathError(
                f"The notebook's metadata (jupyter_prod.modules) lists {shown!r}, which is not a promoted module "
                f"({problem}); remove it from the notebook's metadata, or commit the file from a terminal."
            )
        out.append(path)
    return out


def _metadata_path_problem(rel: str) -> str | None:
    if "\0" in rel or any(ord(c) < 0x20 for c in rel):
        return "it contains a control character"
    posix = rel.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "it is an absolute path"
    parts = [p for p in posix.split("/") if p not in ("", ".")]
    if ".." in parts:
        return "it leaves its folder with '..'"
    if any(p.startswith(".") for p in parts):
        return "it is hidden or under a hidden folder such as .git"
    if not posix.endswith(".py"):
        return "promotion writes .py modules only"
    return None


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def shown_path(path: Path, display_root: Path | None) -> str:
    """``path`` as an error message names it.

    Relative to ``display_root`` (the server root, when a server route calls) so an
    answer never reveals where the server's files are on its disk; outside it, the
    name only. Without a ``display_root`` (the CLI) the path as it is.
    """
    if display_root is None:
        return str(path)
    real = Path(os.path.realpath(path))
    root = Path(os.path.realpath(display_root))
    if real == root:
        return "the server root"
    if _under(real, root):
        return Path(os.path.relpath(real, root)).as_posix()
    if _under(root, real):
        return "a folder above the server root"
    return real.name


def _confine(
    paths: Sequence[Path], repo: Repo, confine_to: Path | None, display_root: Path | None = None
) -> list[Path]:
    out: list[Path] = []
    seen: set[Path] = set()
    confine_real = Path(os.path.realpath(confine_to)) if confine_to is not None else None
    for path in paths:
        real = Path(os.path.realpath(path))
        p = shown_path(path, display_root)
        if confine_real is not None and not _under(real, confine_real):
            raise PathError(f"'{p}' is outside the server root; only files under it can be committed.")
        if not _under(real, repo.top):
            raise PathError(
                f"'{p}' is outside the git repository at {shown_path(repo.top, display_root)}: move it into the repository "
                "or commit it in its own repository."
            )
        if repo.git_dir == real or repo.git_dir in real.parents or ".git" in Path(repo.rel(real)).parts:
            raise PathError(f"'{p}' is inside the .git folder and cannot be committed.")
        if not real.exists():
            raise NotFoundError(f"No such file: '{p}' (to commit a deletion, use git rm in a terminal).")
        if not real.is_file():
            raise PathError(f"'{p}' is not a regular file: commit files, not folders, pipes or devices.")
        _check_size(real.stat().st_size, p)
        if real not in seen:
            seen.add(real)
            out.append(real)
    return out


def _check_size(size: int, shown: str) -> None:
    if size > MAX_FILE_BYTES:
        raise TooLargeError(
            f"'{shown}' is {size // (1024 * 1024)} MiB; files over {MAX_FILE_BYTES // (1024 * 1024)} MiB are not "
            "committed from here: commit it from a terminal (consider git-lfs)."
        )


def _check_not_ignored(repo: Repo, rels: list[str]) -> None:
    stdin = b"".join(r.encode("utf-8") + b"\0" for r in rels)
    res = git(["check-ignore", "-z", "--stdin"], repo.top, input=stdin, check=False)
    if res.returncode == 0:
        ignored = [p for p in res.out.split("\0") if p]
        raise GitError(
            f"{', '.join(repr(p) for p in ignored)} {'is' if len(ignored) == 1 else 'are'} ignored by git "
            "(.gitignore): remove the ignore rule, or leave the file out of the commit."
        )
    if res.returncode not in (0, 1):
        raise GitError(f"git check-ignore failed in {repo.top}: {first_line(res.err)}")


# --- code-only notebooks -----------------------------------------------------------


def strip_notebook_text(text: str) -> str:
    """The notebook without outputs, execution counts and run-state metadata.

    Serialised exactly like ``nbformat.writes`` (indent 1, sorted keys, no
    ASCII escaping) plus a trailing newline, so committing a notebook saved by
    Jupyter that has no outputs changes nothing.
    """
    import nbformat
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
    out = writes(nb)
    return out if out.endswith("\n") else out + "\n"


@dataclass
class _Entry:
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


def _hash_blobs(repo: Repo, entries: list[_Entry]) -> None:
    """Write each entry's content (the bytes read and checked) as a blob, through stdin.

    ``--path`` applies the path's attributes (filters, eol) like ``git add``;
    git never reads the file itself, so a save in between cannot slip into the commit.
    """
    for e in entries:
        e.blob = git(["hash-object", "-w", "--stdin", f"--path={e.rel}"], repo.top, input=e.content).out.strip()


def _file_mode(path: Path) -> str:
    return "100755" if os.stat(path).st_mode & stat.S_IXUSR else "100644"


# --- hooks ------------------------------------------------------------------------------


def _hook(hooks_dir: Path, name: str) -> Path | None:
    path = hooks_dir / name
    return path if path.is_file() and os.access(path, os.X_OK) else None


def _run_hook(repo: Repo, hook: Path, args: list[str], index_file: Path | None, timeout: float) -> tuple[int, str]:
    extra = {"GIT_EDITOR": ":"}
    if index_file is not None:
        extra["GIT_INDEX_FILE"] = str(index_file)
    argv = [str(hook), *args]
    with open(hook, "rb") as fh:
        if fh.read(2) != b"#!":  # like git: a hook without a shebang line is a shell script
            argv = ["/bin/sh", *argv]
    try:
        res = run_process(
            argv,
            cwd=repo.top,
            env=git_env(extra),
            timeout=timeout,
            merge_stderr=True,
            what=f"the {hook.name} hook",
        )
    except ProcessTimeout as exc:
        raise RefusedError(
            f"The {hook.name} hook did not finish within {timeout:g} s and was stopped; nothing was committed.",
            refusal_details("hook", output=exc.output),
        ) from None
    return res.returncode, res.out


def _modified_on_disk(entries: list[_Entry]) -> list[str]:
    changed = []
    for e in entries:
        try:
            now = e.path.read_bytes()
        except OSError:
            now = b""
        if now != e.disk:
            changed.append(e.rel)
    return changed


def _refuse_if_changed(entries: list[_Entry]) -> None:
    """Refuse when a file is no longer what was read, checked and hashed: the user saved meanwhile."""
    changed = _modified_on_disk(entries)
    if changed:
        raise ConflictError(
            f"Nothing was committed: {CHANGED_WHILE_COMMITTING} ({', '.join(changed)} changed on disk)."
        )


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


# --- the commit -------------------------------------------------------------------------


#: A notebook that reads as empty or invalid JSON may be mid-save (Jupyter truncates, then writes):
#: it is read again every SETTLE_POLL seconds; content that stays the same for SETTLE_STABLE seconds
#: is what the file is, content still changing after SETTLE_LIMIT seconds refuses the commit.
SETTLE_POLL = 0.05
SETTLE_STABLE = 0.5
SETTLE_LIMIT = 5.0

CHANGED_WHILE_COMMITTING = "the notebook changed while committing; try again"

#: The gate: the notebook's readiness report, computed from the bytes the commit read and commits
#: (``path`` names the file, for its format and the project's configuration); ``None`` means no gate.
GateCheck = Callable[[Path, bytes], ReportDict]


def commit_notebook(
    notebook: Path,
    message: str,
    *,
    paths: Sequence[Path] | None = None,
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
    repository's top level).
    """
    notebook = Path(os.path.realpath(notebook))
    if not notebook.is_file():
        raise NotFoundError(f"No such notebook: '{shown_path(notebook, display_root)}'.")
    body = _clean_message(message)
    if not body:
        raise InputError("The commit message is empty: say what changed.")
    repo = _repo_for(notebook, init, init_root, confine_to, display_root)
    files = _confine(list(paths), repo, confine_to, display_root) if paths is not None else None
    if files is not None and not files:
        raise InputError("Nothing to commit: the list of paths is empty.")

    with repo_lock(repo.top):
        wait_for_index_lock(repo.git_dir)
        head = read_head(repo)
        _check_state(repo, head, display_root)
        _check_identity(repo)
        entries = _read_entries(repo, notebook, files, code_only, confine_to, display_root)
        if any(e.path == notebook for e in entries):
            nb_entry = next(e for e in entries if e.path == notebook)
            report = gate_check(notebook, nb_entry.disk) if gate_check is not None else gate_report
            gate(report, allow_findings)
            gate_report = report
        gate_files([(e.rel, e.disk) for e in entries if e.path != notebook])
        _check_not_ignored(repo, [e.rel for e in entries])
        for e in entries:
            if e.stripped_text is not None:
                e.content = strip_notebook_text(e.stripped_text).encode("utf-8")
        check_pair_agrees(notebook, {e.path: e.disk for e in entries})
        _hash_blobs(repo, entries)
        index_info = b"".join(f"{e.mode} {e.blob}\t{e.rel}".encode() + b"\0" for e in entries)

        scratch = Path(tempfile.mkdtemp(prefix="jupyter-prod-commit-"))
        try:
            return _commit_locked(
                repo, head, entries, index_info, body, scratch, hook_timeout, code_only, gate_report, display_root
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _repo_for(
    notebook: Path, init: bool, init_root: Path | None, confine_to: Path | None, display_root: Path | None
) -> Repo:
    repo = find_repo(notebook.parent)
    if repo is not None:
        return repo
    if not init:
        # an invalid notebook is the first thing to fix, repository or not
        shown = shown_path(notebook, display_root)
        _parse_notebook_json(_read_file(notebook, shown), shown)
        raise NoRepositoryError(
            f"'{notebook.name}' is not in a git repository: initialize one (git init, or the init option) "
            "and commit again."
        )
    root = Path(os.path.realpath(init_root or notebook.parent))
    shown_root = shown_path(root, display_root)
    if not _under(notebook, root):
        raise PathError(f"Cannot initialize a repository in {shown_root}: the notebook is not inside it.")
    if confine_to is not None and not _under(root, Path(os.path.realpath(confine_to))):
        raise PathError(f"Cannot initialize a repository in {shown_root}: it is outside the server root.")
    return init_repository(root)


def _read_entries(
    repo: Repo,
    notebook: Path,
    files: list[Path] | None,
    code_only: bool,
    confine_to: Path | None,
    display_root: Path | None,
) -> list[_Entry]:
    """Read every file to commit exactly once (the notebook first: its metadata may name the others).

    By default: the notebook, the other files of its jupytext pair, and the
    modules the metadata of each records (validated: see :func:`metadata_module_paths`).
    """
    entries: list[_Entry] = []
    if files is None or notebook in files:
        entries.append(_notebook_entry(repo, notebook, code_only, display_root))
    if files is None:
        first = entries[0]
        for member in paired_files(notebook, first.data, first.fmt):
            real = _confine([member], repo, confine_to, display_root)[0]
            entries.append(_notebook_entry(repo, real, code_only, display_root))
        modules = [m for e in entries for m in metadata_module_paths(e.data, repo.top, display_root)]
        files = _confine([e.path for e in entries] + modules, repo, confine_to, display_root)
    have = {e.path for e in entries}
    for path in files:
        if path in have:
            continue
        if path.suffix == ".ipynb" or (path == notebook and is_text_notebook_path(path)):
            entries.append(_notebook_entry(repo, path, code_only, display_root))
        else:
            disk = _read_file(path, shown_path(path, display_root))
            entries.append(_Entry(path, repo.rel(path), disk, disk, _file_mode(path)))
        have.add(path)
    return entries


def _read_file(path: Path, shown: str) -> bytes:
    """The file's bytes, read once, bounded (a file growing while read cannot get past the limit)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise NotFoundError(f"No such file: '{shown}' (to commit a deletion, use git rm in a terminal).") from None
    except OSError as exc:
        raise PathError(f"'{shown}' cannot be read ({exc.strerror or exc}).") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise PathError(f"'{shown}' is not a regular file: commit files, not folders, pipes or devices.")
        _check_size(info.st_size, shown)
        data = fh.read(MAX_FILE_BYTES + 1)
    _check_size(len(data), shown)
    return data


def _parse_any_notebook(path: Path, disk: bytes, shown: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A notebook's JSON object and jupytext format from its bytes (``.ipynb`` or a jupytext text file)."""
    if is_text_notebook_path(path):
        if not disk.strip():
            raise NotebookError(f"'{shown}' is empty (0 bytes), not a notebook: save it and commit again.")
        return raw_from_bytes(path, disk, shown)
    data = _parse_notebook_json(disk, shown)
    notebook_from_dict(data, shown)  # the nbformat schema we check against
    return data, {"extension": ".ipynb"}


def _notebook_entry(repo: Repo, path: Path, code_only: bool, display_root: Path | None) -> _Entry:
    """A notebook read until it is a valid notebook or stays the same (see :data:`SETTLE_STABLE`).

    Jupyter saves in place (truncate, then write): a read in between sees an
    empty or half-written file. Such a read is taken again; content that keeps
    changing refuses the commit, content that stays invalid is reported as it is.
    """
    shown = shown_path(path, display_root)
    previous: bytes | None = None
    started = since = time.monotonic()
    while time.monotonic() - started < SETTLE_LIMIT:
        disk = _read_file(path, shown)
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
        return _Entry(path, repo.rel(path), disk, disk, _file_mode(path), data=data, fmt=fmt, stripped_text=stripped)
    raise ConflictError(f"Nothing was committed: {CHANGED_WHILE_COMMITTING} ('{shown}' kept changing while read).")


def _commit_locked(
    repo: Repo,
    head: Head,
    entries: list[_Entry],
    index_info: bytes,
    body: str,
    scratch: Path,
    hook_timeout: float,
    code_only: bool,
    gate_report: ReportDict | None,
    display_root: Path | None,
) -> CommitResultDict:
    index = scratch / "index"
    idx_env = {"GIT_INDEX_FILE": str(index)}
    if head.commit is not None:
        git(["read-tree", head.commit], repo.top, env=idx_env)
    git(["update-index", "-z", "--index-info"], repo.top, env=idx_env, input=index_info)
    tree = git(["write-tree"], repo.top, env=idx_env).out.strip()
    if head.commit is not None:
        if head.tree == tree:
            names = ", ".join(e.rel for e in entries)
            raise GitError(f"Nothing to commit: {names} {'is' if len(entries) == 1 else 'are'} unchanged since the last commit.")

    hooks_dir = repo.hooks
    outputs: list[str] = []
    msg_file = scratch / "COMMIT_EDITMSG"
    msg_file.write_text(body, encoding="utf-8")

    for name, args in (
        ("pre-commit", []),
        ("prepare-commit-msg", [str(msg_file), "message"]),
        ("commit-msg", [str(msg_file)]),
    ):
        hook = _hook(hooks_dir, name)
        if hook is None:
            continue
        rc, out = _run_hook(repo, hook, args, index, hook_timeout)
        outputs.append(out)
        output = "".join(outputs)
        modified = _modified_on_disk(entries)
        after = git(["write-tree"], repo.top, env=idx_env).out.strip()
        if after != tree:
            diff = git(["diff-tree", "-r", "--name-only", "-z", tree, after], repo.top).out
            modified = sorted(set(modified) | {p for p in diff.split("\0") if p})
        if modified:
            raise RefusedError(
                f"The {name} hook changed {', '.join(modified)}; nothing was committed: "
                "a hook changed files; review and retry.",
                refusal_details("hook-modified", output=output, modified=modified),
            )
        if rc != 0:
            raise RefusedError(
                f"The {name} hook failed (exit {rc}); nothing was committed: fix what it reports and commit again.",
                refusal_details("hook", output=output),
            )

    body = _clean_message(msg_file.read_text(encoding="utf-8", errors="replace"))
    if not body:
        raise InputError("The commit message is empty after the commit-msg hook ran: say what changed.")
    msg_file.write_text(body, encoding="utf-8")

    _refuse_if_changed(entries)
    args = ["commit-tree", tree]
    if head.commit is not None:
        args += ["-p", head.commit]
    res = git([*args, "-F", str(msg_file)], repo.top, check=False)
    if res.returncode != 0:
        if "identity" in res.err or "tell me who you are" in res.err:
            raise GitError(IDENTITY_HELP)
        raise GitError(f"git commit-tree failed in {repo.top}: {first_line(res.err)}")
    new = res.out.strip()

    subject = body.splitlines()[0]
    reflog = f"commit{' (initial)' if head.commit is None else ''}: {subject}"
    upd = git(["update-ref", "-m", reflog, "HEAD", new, head.commit or ""], repo.top, check=False)
    if upd.returncode != 0:
        raise ConflictError(
            f"The branch {head.branch} moved while committing (another commit happened); "
            f"nothing was lost: commit again. ({first_line(upd.err)})"
        )

    _sync_real_index(repo, index_info, new, [e.rel for e in entries])

    post = _hook(hooks_dir, "post-commit")
    if post is not None:
        try:
            outputs.append(_run_hook(repo, post, [], None, hook_timeout)[1])
        except RefusedError as exc:  # the commit exists; a slow post-commit hook only loses its output
            details = exc.details if isinstance(exc.details, dict) else {}
            outputs.append(str(details.get("output", "")))

    shown_root = Path(os.path.realpath(display_root)) if display_root is not None else repo.top
    shown = [Path(os.path.relpath(e.path, shown_root)).as_posix() for e in entries]
    stripped = [s for s, e in zip(shown, entries, strict=True) if e.stripped]
    short = new[:7]
    summary = f"Committed {short} on {head.branch}: {', '.join(shown)}."
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


def _sync_real_index(repo: Repo, index_info: bytes, new: str, rels: list[str]) -> None:
    """Point the real index entries of the committed paths at the committed blobs.

    Only those entries change: other staged work stays staged. Without this,
    ``git status`` would show the commit as a staged revert of itself.
    """
    try:
        wait_for_index_lock(repo.git_dir)
        res = git(["update-index", "-z", "--index-info"], repo.top, input=index_info, check=False)
        problem = first_line(res.err) if res.returncode != 0 else None
    except ConflictError as exc:
        problem = exc.message
    if problem is not None:
        quoted = " ".join(f"'{r}'" for r in rels)
        raise GitError(
            f"Committed {new[:7]}, but the index could not be updated ({problem}); "
            f"run git reset -q -- {quoted} so git status shows the truth."
        )
