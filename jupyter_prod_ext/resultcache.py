"""Reports of unchanged notebooks, kept on disk between CLI runs (like ruff's ``.ruff_cache``).

A report is reused only when nothing that could change it changed. Its key hashes:

- the notebook file's bytes and the name it is shown under;
- the run's options (checks, select, ignore, mypy settings) and the tool versions
  (jupyter_prod_ext, black, mypy, jupytext, Python), plus the stamps of this package's own
  source files, so a developer who edits a check (without bumping the version) never gets
  a report made by the old code;
- the *project fingerprint*: path, size and modification time of every file under the
  project root that configuration, dependency or type checks read (``*.py``, ``*.pyi``,
  ``*.toml``, ``*.cfg``, ``*.ini``, ``*.txt``, ``*.yml``, ``*.yaml``; hidden folders,
  ``node_modules`` and ``__pycache__`` skipped), plus the ``pyproject.toml`` found above the
  notebook, since the configuration lookup may climb above the project;
- the notebook's git state (tracked or not, and its ``git status`` code), read with two git
  calls per repository and run, so ``not-in-git`` and ``uncommitted-changes`` stay right.

Entries are small JSON files under ``<cache>/<version>/``, written atomically, so
parallel runs and workers can share one folder. Delete the folder to empty it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_write_text
from .checks.deps import declaring_folder
from .config import find_pyproject
from .errors import ProdError
from .gitops.runner import git
from .types import ReportDict

#: bump when the layout of an entry changes
CACHE_FORMAT = "1"
#: folder name, in the project root, of the default cache (gitignored by the project template)
DEFAULT_DIR = ".jupyter_prod_cache"
_FINGERPRINT_SUFFIXES = frozenset({".py", ".pyi", ".toml", ".cfg", ".ini", ".txt", ".yml", ".yaml"})
_SKIP_DIRS = frozenset({"node_modules", "__pycache__"})
GIT_TIMEOUT = 10.0


def _engine_fingerprint() -> str:
    """Stamps of the package's own ``.py`` files: the version alone misses local edits."""
    return project_fingerprint(Path(__file__).resolve().parent)


def _tool_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"jupyter_prod_ext": __version__, "engine": _engine_fingerprint(), "python": sys.version}
    for dist in ("black", "mypy", "jupytext"):  # jupytext reads the .py/.md notebooks
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


def project_fingerprint(root: Path) -> str:
    """Stamps of every file under ``root`` that a check's outcome may depend on."""
    h = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(files):
            if os.path.splitext(name)[1] not in _FINGERPRINT_SUFFIXES:
                continue
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            h.update(f"{os.path.relpath(path, root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "replace"))
    return h.hexdigest()


def _git_lines(top: Path, *args: str) -> list[str] | None:
    try:
        result = git(list(args), top, timeout=GIT_TIMEOUT, check=False)
    except ProdError:
        return None  # no git, or it hung: the key says so and nothing is reused wrongly
    if result.returncode != 0:
        return None
    return [x.decode("utf-8", "surrogateescape") for x in result.stdout.split(b"\0") if x]


def git_states(top: Path) -> dict[str, str]:
    """Relative path -> ``tracked <status>`` for the notebooks of one repository (untracked: absent)."""
    specs = ("*.ipynb", "*.py", "*.md")  # notebooks, and jupytext text notebooks
    tracked = _git_lines(top, "ls-files", "-z", "--", *specs)
    status = _git_lines(top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *specs)
    if tracked is None or status is None:
        return {"": "no git"}
    states = {p: "tracked" for p in tracked}
    for entry in status:
        if len(entry) > 3 and entry[2] == " ":
            states[entry[3:]] = states.get(entry[3:], "untracked") + " " + entry[:2]
    return states


def _declaration_stamp(path: Path, ceiling: Path) -> str:
    """Stamps of the dependency files missing-dependency reads for ``path``: they may be above the
    project folder whose files the fingerprint covers (the CLI outside a repository looks up to
    ``ceiling``, ``paths.cli_ceiling``)."""
    found = declaring_folder(path.parent, ceiling)
    if found is None:
        return ""
    out = []
    for name in found[1].files:
        try:
            st = (found[0] / name).stat()
        except OSError:
            continue
        out.append(f"\0{found[0] / name}\0{st.st_size}\0{st.st_mtime_ns}")
    return "".join(out)


class ResultCache:
    """One cache folder; fingerprints of projects and repositories are computed once per run."""

    def __init__(self, folder: Path, options: dict[str, Any]) -> None:
        self.folder = folder / CACHE_FORMAT
        self._base = json.dumps({"options": options, "tools": _tool_versions()}, sort_keys=True, default=str)
        self._projects: dict[Path, str] = {}
        self._repos: dict[Path, dict[str, str]] = {}

    def key(self, path: Path, display: str, data: bytes, project: Path, git_top: Path | None, ceiling: Path) -> str:
        """``ceiling``: the git top level, else where the dependency files are looked for up to (it is
        part of the key: the same notebook checked from another folder may find other files)."""
        if project not in self._projects:
            self._projects[project] = project_fingerprint(project)
        pyproject = find_pyproject(path.parent)
        stamp = ""
        if pyproject is not None:
            st = pyproject.stat()
            stamp = f"{pyproject}\0{st.st_size}\0{st.st_mtime_ns}"
        stamp += f"\0{ceiling}" + _declaration_stamp(path, ceiling)
        git = "no git"
        if git_top is not None:
            if git_top not in self._repos:
                self._repos[git_top] = git_states(git_top)
            states = self._repos[git_top]
            git = states.get("", "") or states.get(path.relative_to(git_top).as_posix(), "untracked")
        h = hashlib.sha256(self._base.encode())
        for part in (display, str(path), hashlib.sha256(data).hexdigest(), self._projects[project], stamp, git):
            h.update(b"\0" + part.encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> ReportDict | None:
        try:
            report: ReportDict = json.loads(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing, or a partial file from another tool: recompute
        return report

    def put(self, key: str, report: ReportDict) -> None:
        try:
            atomic_write_text(self._file(key), json.dumps(report, separators=(",", ":")))
        except (OSError, ProdError):  # atomic_write_text's one-line PathError for what cannot be written
            pass  # a read-only checkout still gets its reports, just not cached


def ensure_ignored(folder: Path) -> None:
    """A ``.gitignore`` of ``*`` inside the cache folder, as ruff does: it never shows up in ``git status``."""
    marker = folder / ".gitignore"
    if not marker.exists():
        try:
            atomic_write_text(marker, "# created by jupyter-prod\n*\n")
        except (OSError, ProdError):
            pass  # a folder that cannot be written gets no cache (ResultCache.put), not a failed check
