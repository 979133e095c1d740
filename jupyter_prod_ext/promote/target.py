"""Where the promoted code goes: a ``.py`` module path inside the project root.

The path is validated as something Python can import (every package part an
identifier) before anything is read or written, so a typo is a one-line input
error instead of a file nobody can import.
"""

from __future__ import annotations

import importlib.util
import keyword
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InputError, PathError
from ..paths import resolve_under


@dataclass(frozen=True)
class Target:
    #: the module file (resolved, inside ``root``)
    path: Path
    #: its path relative to the project root, ``/``-separated
    rel: str
    #: the dotted module name (``src/`` layout: without ``src``)
    dotted: str
    #: the project root
    root: Path
    #: the folder that must be on ``sys.path`` for ``dotted`` to import (root or root/src)
    import_base: Path

    @property
    def stem(self) -> str:
        return self.dotted.rsplit(".", 1)[-1]

    @property
    def package_dirs(self) -> list[Path]:
        """Folders between the import base and the module: each needs an ``__init__.py``."""
        out: list[Path] = []
        here = self.path.parent
        while here != self.import_base and self.import_base in here.parents:
            out.append(here)
            here = here.parent
        return list(reversed(out))


def _ident(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


def validate_target(root: Path, rel: str, *, allow_hidden: bool = True) -> Target:
    """Check ``rel`` is an importable module path under ``root``; raise a one-line error if not."""
    if not isinstance(rel, str) or not rel.strip():
        raise InputError(
            "'to' is empty: give the module path relative to the project root, e.g. src/pkg/mod.py."
        )
    if "\x00" in rel or any(ord(ch) < 32 for ch in rel):
        raise PathError("The target module path contains a control character (NUL, newline, ...).")
    text = rel.strip().replace("\\", "/")
    if text.endswith("/"):
        raise InputError(f"The target '{rel}' ends with '/': give a .py file (e.g. src/pkg/mod.py).")
    pure = PurePosixPath(text)
    if any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in pure.parts):
        raise InputError(f"The target '{rel[:60]}…' has a file or folder name longer than 255 bytes.")
    if pure.suffix != ".py":
        raise InputError(
            f"The target '{rel}' is not a Python module: it must end in .py (e.g. src/pkg/mod.py)."
        )
    parts = list(pure.parts)
    path = resolve_under(root, text, allow_hidden=allow_hidden, what="target module")
    if path.is_dir():
        raise InputError(f"The target '{rel}' is a folder; give a .py file inside it.")
    names = parts[:-1] + [pure.stem]
    src_layout = len(names) > 1 and names[0] == "src"
    if src_layout:
        names = names[1:]
    bad = [p for p in names if not _ident(p)]
    if bad:
        raise InputError(
            f"The target '{rel}' cannot be imported: '{bad[0]}' is not a Python identifier "
            "(use letters, digits and underscores, not starting with a digit)."
        )
    if names[-1] == "__init__":
        raise InputError(
            f"The target '{rel}' is a package's __init__.py; promote into a named module instead."
        )
    root_real = Path(root).resolve()
    base = root_real / "src" if src_layout else root_real
    return Target(path, pure.as_posix(), ".".join(names), root_real, base)


def importability_warning(target: Target, notebook_dir: Path) -> str | None:
    """Why ``import <target>`` would fail in a kernel started in the notebook's folder, with the fix."""
    top = target.dotted.split(".")[0]
    nb_dir = notebook_dir.resolve()
    if nb_dir == target.import_base:
        return None
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        origins = [Path(p).resolve() for p in (spec.submodule_search_locations or [])]
        if spec.origin:
            origins.append(Path(spec.origin).resolve())
        if any(o == target.import_base or target.import_base in o.parents for o in origins):
            return None  # installed (e.g. ``pip install -e .``) from this project
    # the project folder by name only: an answer must not reveal where the server's files are
    where = f"the project folder ({target.root.name}/)"
    if (target.root / "pyproject.toml").is_file() or (target.root / "setup.py").is_file():
        how = f"run `pip install -e .` in {where}"
    else:
        how = f"add a pyproject.toml to {where} and run `pip install -e .` there"
    try:
        rel = Path(*([".."] * len(nb_dir.relative_to(target.root).parts)))
        alt = (
            f'or add `sys.path.insert(0, "{(rel / target.import_base.relative_to(target.root)).as_posix()}")`'
        )
    except ValueError:
        alt = "or add the module's folder to sys.path"
    return (
        f"'{target.dotted}' is not importable from the notebook's folder ({nb_dir.name}/): {how}, "
        f"{alt} before the import."
    )
