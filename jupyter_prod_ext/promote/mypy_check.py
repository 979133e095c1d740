"""The type check of a promotion: mypy on the module as it would be written, mapped back to cells.

mypy's errors are warnings (third-party stubs are often missing), with one exception: a
``name-defined`` error in a line that came from the notebook means the def-use check missed
something we generated, so it refuses the promotion (a typed :class:`Problem`, chosen by mypy's
error code, not by its text).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..config import ProjectConfig
from ..typecheck import PROMOTE_PREFIX, TypecheckSettings, cache_dir_for, check_module_file, write_if_changed
from .module import LineMap
from .types import Problem, Reason, TypecheckDict, TypeErrorDict


def not_run(message: str) -> TypecheckDict:
    return {"ran": False, "message": message, "errors": []}


def check_module(
    text: str,
    target_rel: str,
    root: Path,
    config: ProjectConfig,
    lmap: LineMap,
    settings: TypecheckSettings | None,
) -> tuple[TypecheckDict, list[Problem]]:
    """mypy's answer on ``text`` (as ``target_rel``), and the ``name-defined`` errors in our lines."""
    cache = cache_dir_for(root, settings)
    digest = hashlib.sha256(target_rel.encode("utf-8")).hexdigest()[:16]
    candidate = cache / f"{PROMOTE_PREFIX}{digest}.py"
    write_if_changed(candidate, text)
    result = check_module_file(candidate, root, config, settings=settings)
    if not result.ran:
        return not_run(result.message or "The type check could not run."), []
    errors: list[TypeErrorDict] = []
    ours: list[Problem] = []
    for item in result.errors:
        if item.module_line is None or item.severity != "error":
            continue
        where = lmap[item.module_line - 1] if 0 < item.module_line <= len(lmap) else None
        errors.append(
            {
                "module_line": item.module_line,
                "cell": where[0] if where else None,
                "cell_line": where[1] if where else None,
                "message": item.message + (f"  [{item.code}]" if item.code else ""),
            }
        )
        if item.code == "name-defined" and where:
            ours.append(
                Problem(
                    Reason.MYPY_NAME_DEFINED,
                    f"{target_rel} line {item.module_line}: {item.message}; nothing was written.",
                )
            )
    summary = (
        "mypy: no errors." if not errors else f"mypy: {len(errors)} error{'s' if len(errors) > 1 else ''}."
    )
    return {"ran": True, "message": summary, "errors": errors}, ours
