"""Which files a commit may take, and reading them once within a size bound.

Why a module of its own: every path a commit touches comes from a request or
from a notebook's metadata, and both are input. One place decides that a path
is inside the server root and the repository, not under ``.git``, a regular
file under the size limit, and not ignored by git; and that a module the
metadata names is a relative ``.py`` path a promotion could have written.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import GitError, NotFoundError, PathError, TooLargeError
from .repository import Repo, shown_path, under
from .runner import first_line, git

#: Largest file committed through here: bigger ones belong in git-lfs, set up from a terminal.
MAX_FILE_BYTES = 100 * 1024 * 1024


def check_size(size: int, shown: str) -> None:
    if size > MAX_FILE_BYTES:
        raise TooLargeError(
            f"'{shown}' is {size // (1024 * 1024)} MiB; files over {MAX_FILE_BYTES // (1024 * 1024)} MiB are not "
            "committed from here: commit it from a terminal (consider git-lfs)."
        )


def read_file(path: Path, shown: str) -> bytes:
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
        check_size(info.st_size, shown)
        data = fh.read(MAX_FILE_BYTES + 1)
    check_size(len(data), shown)
    return data


def promoted_modules(notebook_json: dict[str, Any]) -> list[str]:
    """``metadata.jupyter_prod.modules``: promoted modules, relative to the project (git) root."""
    meta = notebook_json.get("metadata")
    prod = meta.get("jupyter_prod") if isinstance(meta, dict) else None
    modules = prod.get("modules") if isinstance(prod, dict) else None
    if not isinstance(modules, list):
        return []
    return [m for m in modules if isinstance(m, str) and m.strip()]


def metadata_path_problem(rel: str) -> str | None:
    """Why ``rel`` (from notebook metadata) is not a module a promotion could have recorded, or ``None``."""
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
        problem = metadata_path_problem(rel)
        path = Path(os.path.normpath(top / rel))
        if problem is None and not under(Path(os.path.realpath(path)), top):
            problem = "it is outside the repository"
        if problem is not None:
            shown = rel if len(rel) <= 200 else rel[:200] + "…"
            raise PathError(
                f"The notebook's metadata (jupyter_prod.modules) lists {shown!r}, which is not a promoted module "
                f"({problem}); remove it from the notebook's metadata, or commit the file from a terminal."
            )
        out.append(path)
    return out


def new_package_inits(repo: Repo, modules: Sequence[Path], confine_to: Path | None) -> list[Path]:
    """The ``__init__.py`` files in the promoted modules' folders that git does not track yet.

    Promotion writes an empty ``__init__.py`` into each package folder it creates; a commit of the
    module without it would hold another package than the one on disk (a clone finds it only as a
    namespace package). One git already tracks, or ignores, is left alone: its edits are the user's;
    so is one above the server root (``confine_to``), which a commit from the server may not take.
    """
    found: dict[Path, None] = {}
    stops = [repo.top] if confine_to is None else [repo.top, Path(os.path.realpath(confine_to))]
    for module in modules:
        here = Path(os.path.realpath(module.parent))
        while all(here != stop and under(here, stop) for stop in stops):
            if (here / "__init__.py").is_file():
                found[here / "__init__.py"] = None
            here = here.parent
    if not found:
        return []
    rels = [repo.rel(path) for path in found]
    res = git(["ls-files", "-z", "--others", "--exclude-standard", "--", *rels], repo.top,
              env={"GIT_LITERAL_PATHSPECS": "1"}, read_only=True)  # fmt: skip
    untracked = set(res.out.split("\0"))
    return [path for path in found if repo.rel(path) in untracked]


def confine(paths: Sequence[Path], repo: Repo, confine_to: Path | None, display_root: Path | None = None) -> list[Path]:
    """The real paths of ``paths``, each checked (see the module docstring), duplicates dropped."""
    out: list[Path] = []
    seen: set[Path] = set()
    confine_real = Path(os.path.realpath(confine_to)) if confine_to is not None else None
    for path in paths:
        real = Path(os.path.realpath(path))
        _check_committable(real, shown_path(path, display_root), repo, confine_real, display_root)
        if real not in seen:
            seen.add(real)
            out.append(real)
    return out


def _check_committable(
    real: Path, shown: str, repo: Repo, confine_real: Path | None, display_root: Path | None
) -> None:
    if confine_real is not None and not under(real, confine_real):
        raise PathError(f"'{shown}' is outside the server root; only files under it can be committed.")
    if not under(real, repo.top):
        raise PathError(
            f"'{shown}' is outside the git repository at {shown_path(repo.top, display_root)}: move it into the "
            "repository or commit it in its own repository."
        )
    if repo.git_dir == real or repo.git_dir in real.parents or ".git" in Path(repo.rel(real)).parts:
        raise PathError(f"'{shown}' is inside the .git folder and cannot be committed.")
    if not real.exists():
        raise NotFoundError(f"No such file: '{shown}' (to commit a deletion, use git rm in a terminal).")
    if not real.is_file():
        raise PathError(f"'{shown}' is not a regular file: commit files, not folders, pipes or devices.")
    check_size(real.stat().st_size, shown)


def renamed_away(repo: Repo, paths: Sequence[Path], confine_to: Path | None) -> list[str]:
    """The repository paths among ``paths`` (a notebook's names before a rename) whose removal a commit records.

    Only a path inside the server root and the repository, outside ``.git``, gone from the
    working tree and tracked (in HEAD or the index): a name that exists again, was never
    tracked or is a folder is left alone, and nothing else the user deleted is swept in.
    The path need not exist, so its folder is resolved (symlinks there cannot lead out).
    """
    stops = [repo.top] if confine_to is None else [repo.top, Path(os.path.realpath(confine_to))]
    candidates: dict[str, None] = {}
    for path in paths:
        real = Path(os.path.realpath(path.parent)) / path.name
        if os.path.lexists(real) or not all(under(real, stop) and real != stop for stop in stops):
            continue
        rel = repo.rel(real)
        if ".git" not in Path(rel).parts:
            candidates[rel] = None
    if not candidates:
        return []
    tracked = _tracked(repo, list(candidates))  # once: two git processes, whatever the number of paths
    return [rel for rel in candidates if rel in tracked]


def _tracked(repo: Repo, rels: list[str]) -> set[str]:
    """Which of ``rels`` git tracks as files, in HEAD's tree or in the index."""
    env = {"GIT_LITERAL_PATHSPECS": "1"}
    index = git(["ls-files", "-z", "--cached", "--", *rels], repo.top, env=env, read_only=True).out
    head = git(["ls-tree", "-z", "--full-tree", "HEAD", "--", *rels], repo.top, env=env, check=False, read_only=True)
    blobs = [line.split("\t", 1)[1] for line in head.out.split("\0") if " blob " in line.split("\t", 1)[0]]
    names = index.split("\0") + (blobs if head.returncode == 0 else [])
    return {n for n in names if n}


def check_not_ignored(repo: Repo, rels: list[str]) -> None:
    """Refuse files git ignores: committing them from here would hide the rule's intent from the user."""
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
