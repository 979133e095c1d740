"""The generated module is checked with the project's own def-use analysis before anything is written.

A module that would fail at import (an undefined name, a name read at definition
time that became a parameter) or that carries an import nothing uses is a bug in
the promotion, not something to hand the user with a warning. Only what the
promotion introduced counts: a problem the module already had before is the
user's, and is left alone.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from ..analysis import DefUse, analyse, formula_calls
from ..notebook import PARSE_ERRORS, compile_python, notebook_from_dict, parse_problem, parse_python
from .types import Problem, Reason

#: Names a plain module has without binding them (beyond builtins).
MODULE_NAMES = frozenset(
    {"__name__", "__doc__", "__file__", "__spec__", "__loader__", "__package__", "__builtins__", "__cached__",
     "__annotations__", "__path__", "__dict__"}
)  # fmt: skip
_BUILTINS = frozenset(dir(builtins)) | MODULE_NAMES
#: a noqa comment, bare or naming F401, as ruff and flake8 read it: an import meant to be unused
_NOQA_UNUSED = re.compile(r"#\s*noqa(?!:)|#\s*noqa:[^#]*\bF401\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Findings:
    #: (name, read when the module is imported, not in a function body)
    undefined: frozenset[tuple[str, bool]]
    unused_imports: frozenset[str]


def _analyse_module(text: str) -> DefUse:
    cell: dict[str, object] = {"cell_type": "code", "id": "module", "metadata": {}, "source": text, "outputs": [],
            "execution_count": None}  # fmt: skip
    nb = notebook_from_dict(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
            "cells": [cell],
        },
        "<module>",
    )
    return analyse(nb)


def _exported(du: DefUse) -> set[str]:
    """Names listed in a literal ``__all__`` count as used (re-exports)."""
    out: set[str] = set()
    for stmt in du.stmts:
        node = stmt.node
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and "__all__" in stmt.bound_names():
            value = node.value
            if isinstance(value, (ast.List, ast.Tuple)):
                out.update(
                    e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    return out


def _findings(text: str) -> _Findings:
    du = _analyse_module(text)
    undefined: set[tuple[str, bool]] = set()
    for r in du.resolutions:
        name = r.event.name
        if r.status in ("undefined", "deleted", "later") or (
            r.status == "provided" and name not in _BUILTINS
        ):
            undefined.add((name, not r.event.deferred))
    exported = _exported(du)
    # a name a model formula calls (``"y ~ np.log(x)"``) is read when the model is built
    in_formulas = frozenset[str]().union(*(formula_calls(s.node) for s in du.stmts))
    lines = text.split("\n")
    unused: set[str] = set()
    for stmt in du.stmts:
        if stmt.kind != "import" or _NOQA_UNUSED.search(lines[stmt.line - 1]):
            continue  # an import kept for what importing does says so, as ruff reads it
        for e in stmt.events:
            if e.kind != "bind" or (e.module or "").startswith("__future__"):
                continue
            if not du.is_used(stmt, e) and e.name not in exported and e.name not in in_formulas:
                unused.add(e.name)
    return _Findings(frozenset(undefined), frozenset(unused))


def _undefined(
    name: str,
    at_import: bool,
    parameters: set[str],
    display: str,
    in_function: tuple[str, set[str]] | None,
    lazy: frozenset[str] = frozenset(),
) -> Problem:
    """Why the module would use ``name`` without defining it, said as the user can act on it."""
    if at_import and name in lazy:
        return Problem(
            Reason.MODULE_UNDEFINED_NAME,
            f"The promoted annotations read `{name}` before it is defined, as the notebook allows under `from "
            f"__future__ import annotations`, but {display} lacks that import and has annotations of its own, so "
            f"it was not added; add it at the top of {display} (then check that its own annotations still work "
            "as strings, e.g. dataclasses, pydantic) and promote again, or promote into a new module.",
        )
    if in_function is not None and name in in_function[1]:
        # the selected cells assign it, but as the function's statements: their names are its locals
        when = " when it is defined (a default value, decorator or base class)" if at_import else ""
        return Problem(
            Reason.READ_AT_DEFINITION if at_import else Reason.MODULE_UNDEFINED_NAME,
            f"A definition in the selection reads `{name}`{when}, but the selected statements that assign it "
            f"become the function `{in_function[0]}` (its local names); promote the definition on its own "
            "(by name), or select the statements without it.",
        )
    if at_import and name in parameters:
        return Problem(
            Reason.READ_AT_DEFINITION,
            f"`{name}` is read when the promoted code is defined (a default value, decorator or base "
            "class), so it cannot be a parameter; move its statement too, or cancel.",
        )
    return Problem(
        Reason.MODULE_UNDEFINED_NAME,
        f"{display} would use `{name}` without defining it; nothing was written (promote what defines it too).",
    )


def _compile_problem(text: str, old: str | None) -> Problem | None:
    """What the compiler refuses in a module that parses (``await`` in a plain ``def``): it would fail at
    import. Not ours when the module as it is fails the same way."""
    try:
        compile_python(text)
    except PARSE_ERRORS as exc:
        if old is not None and old.strip():
            try:
                compile_python(old)
            except PARSE_ERRORS:
                return None
        return Problem(
            Reason.MODULE_DOES_NOT_PARSE, f"The module would not compile ({parse_problem(exc)}); nothing was written."
        )
    return None


def verify_module(
    text: str,
    old: str | None,
    parameters: set[str],
    display: str,
    in_function: tuple[str, set[str]] | None = None,
    lazy: frozenset[str] = frozenset(),
    cells_compile: bool = True,
) -> list[Problem]:
    """Problems the promotion would introduce into the module ``text`` (``old``: what is there now).

    ``in_function``: the ``as_function`` name and the names its statements bind, which a definition
    moved beside it cannot read (they exist only inside the function). ``lazy``: names the promoted
    annotations read, which the notebook never evaluated and the module (without the future import) does.
    ``cells_compile``: the cells the code comes from compile as IPython runs them (else a module that does
    not compile may be their text as written, not the promotion's doing).
    """
    try:
        parse_python(text)
    except PARSE_ERRORS as exc:
        return [Problem(Reason.MODULE_DOES_NOT_PARSE, f"The module would not parse ({parse_problem(exc)}).")]
    problem = _compile_problem(text, old) if cells_compile else None
    if problem is not None:
        return [problem]
    found = _findings(text)
    before = _Findings(frozenset(), frozenset())
    if old is not None and old.strip():
        try:
            parse_python(old)
        except PARSE_ERRORS:
            pass
        else:
            before = _findings(old)
    had = {name for name, _ in before.undefined}
    problems: list[Problem] = []
    for name, at_import in sorted(found.undefined):
        if name in had:
            continue
        problems.append(_undefined(name, at_import, parameters, display, in_function, lazy))
    for name in sorted(found.unused_imports - before.unused_imports):
        problems.append(
            Problem(
                Reason.MODULE_UNUSED_IMPORT,
                f"{display} would import `{name}` without using it; nothing was written.",
            )
        )
    return problems
