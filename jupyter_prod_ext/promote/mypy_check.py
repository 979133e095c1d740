"""The type check of a promotion: mypy on the module as it would be written, mapped back to cells.

mypy's errors are warnings (third-party stubs are often missing), with one exception: a
``name-defined`` error in a line that came from the notebook means the def-use check missed
something we generated, so it refuses the promotion (a typed :class:`Problem`, chosen by mypy's
error code, not by its text).
"""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

from ..config import ProjectConfig
from ..notebook import PARSE_ERRORS, parse_python
from ..typecheck import PROMOTE_PREFIX, TypecheckSettings, cache_dir_for, check_module_file, write_if_changed
from .module import LineMap
from .types import Problem, Reason, TypecheckDict, TypeErrorDict

#: mypy's name-defined message: ``Name "kg" is not defined``
_UNDEFINED = re.compile(r'Name "([\w.]+)" is not defined')


def _string_annotation_names(text: str) -> dict[int, set[str]]:
    """Names in the string annotations of the module, by line: ``def energy(m: 'kg') -> 'J':`` (a
    notebook's units written as notes) has ``kg`` and ``J`` on its line. mypy reads them as types, so
    the refusal says where the name it lacks comes from."""
    try:
        tree = parse_python(text)
    except PARSE_ERRORS:
        return {}
    out: dict[int, set[str]] = {}
    for node in ast.walk(tree):
        notes: list[ast.expr | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            every = [
                *a.posonlyargs,
                *a.args,
                *a.kwonlyargs,
                *([a.vararg] if a.vararg else []),
                *([a.kwarg] if a.kwarg else []),
            ]
            notes = [arg.annotation for arg in every] + [node.returns]
        elif isinstance(node, ast.AnnAssign):
            notes = [node.annotation]
        for note in notes:
            if isinstance(note, ast.Constant) and isinstance(note.value, str):
                words = set(re.findall(r"[A-Za-z_]\w*", note.value))
                for line in range(note.lineno, (note.end_lineno or note.lineno) + 1):
                    out.setdefault(line, set()).update(words)
    return out


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
    in_strings = _string_annotation_names(text)
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
            named = _UNDEFINED.search(item.message)
            noted = named is not None and named.group(1) in in_strings.get(item.module_line, ())
            why = (
                f" (the string annotation naming it is read by mypy as a type: import or define {named.group(1)}, "
                "or keep the note in the docstring)"
                if noted and named is not None
                else ""
            )
            ours.append(
                Problem(
                    Reason.MYPY_NAME_DEFINED,
                    f"{target_rel} line {item.module_line}: {item.message}{why}; nothing was written.",
                )
            )
    summary = (
        "mypy: no errors." if not errors else f"mypy: {len(errors)} error{'s' if len(errors) > 1 else ''}."
    )
    return {"ran": True, "message": summary, "errors": errors}, ours
