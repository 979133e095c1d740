"""Atomic file writes: a reader sees the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def atomic_write_text(path: Path, text: str, *, expected_sha256: str | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``.

    With ``expected_sha256`` the current content must still hash to it (the
    caller read the file earlier and must not clobber a concurrent edit).
    """
    from .errors import ConflictError

    path = Path(path)
    if expected_sha256 is not None:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if sha256_text(current) != expected_sha256:
            raise ConflictError(f"'{path.name}' changed on disk since it was read; reload it and try again.")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    replaced = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        replaced = True
    finally:
        if not replaced:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
