"""Atomic file writes: a reader sees the old file or the new one, never a mix.

A process killed mid-write (SIGKILL, power loss) leaves the target as it was; its
temporary file ``.<name>.<random>.tmp`` may remain next to it. That name is
hidden (leading dot: Jupyter's file browser and ``jupyter-prod`` skip it), never
imported, and harmless to delete; nothing cleans it up automatically because a
live writer in another process may own it. ``tests/test_faults.py`` kills writers
at random moments to hold this.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from pathlib import Path


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def atomic_write_text(path: Path, text: str, *, expected_sha256: str | None = None, durable: bool = True) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``.

    With ``expected_sha256`` the current content must still hash to it (the
    caller read the file earlier and must not clobber a concurrent edit).
    ``durable=False`` skips the ``fsync``: for files we can generate again (a
    notebook's thousand cell modules for mypy), where it costs seconds and a crash
    loses nothing; readers still see the old or the new file, never half of one.
    """
    from .errors import ConflictError

    path = Path(path)
    if expected_sha256 is not None:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if sha256_text(current) != expected_sha256:
            raise ConflictError(f"'{path.name}' changed on disk since it was read; reload it and try again.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    replaced = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        replaced = True
    except OSError as exc:
        raise _unwritable(path, exc) from None
    finally:
        if not replaced:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


#: errors that say "this path cannot be written here", as opposed to a failing disk
_TARGET_ERRNOS = {errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.EACCES, errno.EPERM, errno.EROFS}


def _unwritable(path: Path, exc: OSError) -> Exception:
    """A one-line :class:`PathError` for a target that cannot be written; other OS errors unchanged."""
    from .errors import PathError

    if exc.errno not in _TARGET_ERRNOS:
        return exc
    # names, not absolute paths: the message goes to a browser, the server's layout stays private
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = next(
            (a.name for a in path.parents if a.exists() and not a.is_dir()), path.parent.name
        )
        return PathError(f"Cannot write '{path.name}': '{blocker}' is a file where a folder is needed.")
    if exc.errno == errno.EISDIR:
        return PathError(f"Cannot write '{path.name}': it is a folder.")
    return PathError(f"Cannot write '{path.name}' in '{path.parent.name}': {exc.strerror}.")
