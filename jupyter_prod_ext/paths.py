"""Confinement of every user-supplied path to a root folder.

Every path that reaches the engine from a request or the command line goes
through :func:`resolve_under`, so "outside the root" is decided in one place:
after symlinks are resolved, not by string inspection alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .errors import NotFoundError, PathError

#: Longest file name and path we pass to the OS (Linux NAME_MAX and PATH_MAX).
_NAME_MAX = 255
_PATH_MAX = 4096


def _is_hidden_part(part: str) -> bool:
    return part.startswith(".") and part not in (".", "..")


def resolve_under(
    root: Path | str,
    rel: str,
    *,
    must_exist: bool = False,
    allow_hidden: bool = True,
    what: str = "path",
) -> Path:
    """Resolve ``rel`` (API style, ``/``-separated, relative) inside ``root``.

    Raises :class:`PathError` for absolute paths, ``..`` escapes, NUL bytes,
    symlinks that lead outside the root, and hidden components when
    ``allow_hidden`` is false; :class:`NotFoundError` when ``must_exist`` and
    the target is missing.
    """
    if not isinstance(rel, str) or not rel.strip():
        raise PathError(f"The {what} is empty: give a path relative to the server root.")
    if "\x00" in rel:
        raise PathError(f"The {what} contains a NUL byte.")
    root_real = Path(root).expanduser().resolve()
    text = rel.replace("\\", "/")
    pure = PurePosixPath(text)
    if pure.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise PathError(f"The {what} '{rel}' is absolute: give a path relative to the server root.")
    if not allow_hidden and any(_is_hidden_part(p) for p in pure.parts):
        raise PathError(f"The {what} '{rel}' is hidden, and this server does not serve hidden files.")
    if any(len(p.encode("utf-8", "surrogatepass")) > _NAME_MAX for p in pure.parts) or len(text) > _PATH_MAX:
        # os.stat would raise ENAMETOOLONG later, in code that only expects "missing"
        raise PathError(f"The {what} is too long: a name may have {_NAME_MAX} bytes, a path {_PATH_MAX}.")
    candidate = root_real.joinpath(*pure.parts)
    real = Path(os.path.realpath(candidate))
    if real != root_real and root_real not in real.parents:
        raise PathError(f"The {what} '{rel}' is outside the server root.")
    if not allow_hidden and any(_is_hidden_part(p) for p in real.relative_to(root_real).parts):
        # a visible symlink must not lead into a hidden folder either
        raise PathError(f"The {what} '{rel}' is hidden, and this server does not serve hidden files.")
    if must_exist:
        try:
            exists = real.exists()
        except OSError as exc:
            raise PathError(f"The {what} '{rel}' cannot be used: {exc.strerror or exc}.") from None
        if not exists:
            raise NotFoundError(f"No such file: '{rel}'.")
    return real


def relative_to_root(root: Path | str, path: Path) -> str:
    """The API form (posix, relative) of an already confined path."""
    return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()


def shown_path(root: Path | str, path: Path) -> str:
    """``path`` relative to ``root`` for messages and records; its name alone when it is outside."""
    try:
        return relative_to_root(root, path)
    except ValueError:
        return path.name


def find_git_top(start: Path, ceiling: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``.git``.

    Stops at ``ceiling`` (inclusive) so a server never reaches above its root.
    Pure filesystem walk: no git process on the request path.
    """
    here = start if start.is_dir() else start.parent
    here = here.resolve()
    stop = ceiling.resolve() if ceiling is not None else None
    while True:
        if (here / ".git").exists():
            return here
        if stop is not None and here == stop:
            return None
        if here.parent == here:
            return None
        here = here.parent


def project_ceiling(notebook: Path, server_root: Path | None = None) -> Path | None:
    """The highest folder a notebook's project files are looked for in: its git top level (a clone has
    nothing above it), else the server root (nothing above it is served); None for the CLI outside a
    repository, whose dependency files are then looked for up to :func:`cli_ceiling`."""
    top = find_git_top(notebook, server_root)
    if top is not None:
        return top
    return server_root.resolve() if server_root is not None else None


def cli_ceiling(notebook: Path, folders: Iterable[Path] = ()) -> Path:
    """Where the CLI stops looking up for a notebook's dependency files when it is in no git repository.

    The CLI's counterpart of the server root: the highest of the current folder and the ``folders``
    named on the command line that holds the notebook (``cd project && jupyter-prod check notebooks/``
    finds ``project/requirements.txt``), else the user's home folder when it holds the notebook, else
    the notebook's own folder. A ``requirements.txt`` left in ``/`` or in a folder above the one the
    user works in is not this notebook's project."""
    here = notebook.resolve()
    holding = [f.resolve() for f in (Path.cwd(), *folders) if here.is_relative_to(f.resolve())]
    if holding:
        return min(holding, key=lambda f: len(f.parts))
    try:
        home = Path.home().resolve()
    except RuntimeError:  # no HOME and no user entry for this uid
        return here.parent
    return home if here.is_relative_to(home) else here.parent


def project_root(notebook: Path, server_root: Path | None = None) -> Path:
    """The project a notebook belongs to: its git top level, else the server root.

    Without a server root (the CLI), the notebook's own folder is the fallback.
    """
    ceiling = project_ceiling(notebook, server_root)
    return ceiling if ceiling is not None else notebook.resolve().parent
