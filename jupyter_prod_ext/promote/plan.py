"""The select step: which statements the request names, and what stops them before any slicing.

Whole definitions (functions, classes, pure constants) move as themselves; with ``as_function``
the selected cells' other statements become the body of a new function. Cells that cannot be
promoted at all (another language, too large, not parsing) are refused here with a typed reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import notebook as nbmod
from ..analysis import Stmt
from .function import display_after_call, split_cells
from .options import PromoteOptions
from .select import Program
from .slice import is_static, short
from .types import Problem, Reason


@dataclass
class Plan:
    #: statements that move as themselves, with why
    roots: list[tuple[Stmt, str]] = field(default_factory=list)
    #: statements that form the body of the ``as_function`` function
    bodies: list[tuple[Stmt, str]] = field(default_factory=list)
    #: imports of the selected cells: removed from the notebook unless code left there uses them
    removable_imports: list[Stmt] = field(default_factory=list)
    cells: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: a function name to offer when the selected cells hold statements that stay behind (or already one)
    function_offer: str | None = None
    #: ``as_function``: the cells' shown last line, left in the notebook after the call (not in the body)
    shown_after: Stmt | None = None


def plan_selection(prog: Program, opts: PromoteOptions) -> Plan:
    """The statements the request names (cells and names), and the problems of the cells themselves."""
    plan = Plan(cells=sorted(dict.fromkeys(prog.cell_of(c) for c in opts.cells)))
    for cell in plan.cells:
        problem = _unpromotable(prog, cell)
        if problem is not None:
            plan.problems.append(problem)
    if not plan.problems and plan.cells and all(_blank(prog, cell) for cell in plan.cells):
        plan.problems.append(
            Problem(
                Reason.NOTHING_TO_PROMOTE,
                f"{_cells_phrase(plan.cells, 'are', 'is')} empty or only comments: there is no code to promote; "
                "select the cells that hold it.",
            )
        )
    if plan.problems:
        return plan  # a cell that cannot be promoted at all: no choice (definitions, a function) would help
    if opts.as_function:
        _plan_function(prog, plan, opts.as_function)
    else:
        _plan_definitions(prog, plan)
    _plan_names(prog, plan, opts.names)
    return plan


def _unpromotable(prog: Program, cell: int) -> Problem | None:
    unit = prog.units[cell]
    if unit.foreign:
        return Problem(
            Reason.NOT_PYTHON,
            f"Cell {nbmod.cell_number(cell)} is a `{unit.magics[0].text if unit.magics else unit.language}` cell (not Python); "
            "it cannot be promoted.",
        )
    if unit.too_large:  # over the analysis budget: never parsed (see notebook.MAX_ANALYSED_CELL_CHARS)
        return Problem(
            Reason.DOES_NOT_PARSE,
            f"Cell {nbmod.cell_number(cell)} is too large to promote ({len(unit.cell.source):,} characters; the limit is "
            f"{nbmod.MAX_ANALYSED_CELL_CHARS:,}); load its data from a file at run time instead.",
        )
    if unit.syntax_error is not None:
        line, msg = unit.syntax_error
        return Problem(
            Reason.DOES_NOT_PARSE,
            f"Cell {nbmod.cell_number(cell)} does not parse (line {line}: {msg}); fix it before promoting.",
        )
    return None


def _plan_function(prog: Program, plan: Plan, name: str) -> None:
    """``as_function``: definitions and imports move as themselves, the rest is the function's body."""
    plan.function_offer = name
    lifted, body = split_cells(prog, plan.cells)
    for stmt in lifted:
        if stmt.kind == "import":
            plan.removable_imports.append(stmt)
        else:
            plan.roots.append((stmt, f"defined in selected cell {nbmod.cell_number(stmt.cell)}"))
    plan.shown_after = display_after_call(prog, body, plan.cells)
    plan.bodies = [(s, name) for s in body if s is not plan.shown_after]
    if not body:
        plan.problems.append(
            Problem(
                Reason.NOTHING_TO_PROMOTE,
                "The selected cells hold only definitions and imports; promote them as they are, not as a function.",
            )
        )


def _plan_definitions(prog: Program, plan: Plan) -> None:
    """Selected cells: their definitions move; other statements stay (and a function is offered)."""
    warnings: list[str] = []
    for cell in plan.cells:
        kept: list[str] = []
        for stmt in prog.du.stmts_of_cell(cell):
            if stmt.kind in ("def", "class") or (stmt.kind == "assign" and is_static(prog, stmt)):
                plan.roots.append((stmt, f"selected (cell {nbmod.cell_number(cell)})"))
            elif stmt.kind == "import":
                plan.removable_imports.append(stmt)
            elif stmt.node is not None:
                kept.append(short(prog.source_text(stmt), 50))
        if kept:
            plan.function_offer = _function_name(prog, plan.cells)
            warnings.append(
                f"Cell {nbmod.cell_number(cell)}: statements that are not definitions stay in the notebook ({'; '.join(kept)}); "
                "promote the cells as a function to move them too."
            )
    if plan.cells and not plan.roots:
        # the one line says it all: no module to preview, and no warning that repeats it
        plan.function_offer = _function_name(prog, plan.cells)
        plan.problems.append(
            Problem(
                Reason.NOTHING_TO_PROMOTE,
                f"{_cells_phrase(plan.cells)} no function, class or constant, so promoting the definitions only "
                "would write an empty module; make a function of the cells instead ('Make a function of the "
                "cells' in the dialog, --as-function NAME on the command line).",
            )
        )
        return
    plan.warnings += warnings


def _plan_names(prog: Program, plan: Plan, names: list[str]) -> None:
    """Named definitions (``names``): only what can move as it is; data asks for a function of its cells."""
    for name in names:
        stmt = prog.definition(name)
        if stmt.kind not in ("def", "class") and not is_static(prog, stmt):
            plan.problems.append(
                Problem(
                    Reason.COMPUTED_WITH_EFFECTS,
                    f"`{name}` (cell {nbmod.cell_number(stmt.cell)}) is computed by code with effects, not a definition; "
                    "promote the cells that compute it as a function instead.",
                )
            )
            continue
        if all(s is not stmt for s, _ in plan.roots):
            plan.roots.append((stmt, "selected"))


def _cells_phrase(cells: list[int], plural: str = "define", singular: str = "defines") -> str:
    """The subject of a sentence about the selected cells, in the right number ("Cell 3 defines")."""
    if len(cells) == 1:
        return f"Cell {nbmod.cell_number(cells[0])} {singular}"
    return f"Cells {nbmod.cell_numbers(cells)} {plural}"


def _blank(prog: Program, cell: int) -> bool:
    """A cell without a statement or a magic (empty, or only comments): a notebook's placeholder cell, as
    a tutorial's "your code here" leaves them."""
    unit = prog.units[cell]
    return not unit.magics and not prog.du.stmts_of_cell(cell)


def _function_name(prog: Program, cells: list[int]) -> str:
    """A name for a function of the cells' statements: from the first name they compute, else the cell.

    A one-letter name (the ``f`` of ``with open(...) as f``, a loop's ``i``) names nothing the cells
    compute: the first longer name is taken before it (a real notebook's dialog offered
    ``compute_f``). The cell's name carries the number the dialog's own lines give it ("Cell 9:
    ..." offers ``cell_9``), not its 0-based index.
    """
    names = [
        name
        for cell in cells
        for stmt in prog.du.stmts_of_cell(cell)
        if stmt.kind not in ("def", "class", "import")
        for name in stmt.bound_names()
        if name.isidentifier() and not name.startswith("_")
    ]
    name = next((n for n in names if len(n) > 1), names[0] if names else None)
    if name is not None:
        return f"compute_{name.lower()}"
    return f"cell_{nbmod.cell_number(cells[0])}" if cells else "steps"
