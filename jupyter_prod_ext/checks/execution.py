"""Execution history: what the recorded execution counts say about how the notebook was run."""

from __future__ import annotations

from collections.abc import Iterator

from .. import notebook as nbmod
from .base import Context, Finding
from .registry import check, produced_by_run

#: The Clean Run's checks, in the check registry like every check (family, severity, commit gate). Declared
#: here, not by the runner, so that every id is known wherever checks are (a selection naming run-error is
#: checked before any Clean Run module is imported).
RUN_ERROR = produced_by_run(
    "run-error", "execution", "error", "A cell raises, or the kernel dies, when run top to bottom in a fresh kernel"
)
RUN_TIMEOUT = produced_by_run(
    "run-timeout", "execution", "error", "A cell runs past the per-cell or the overall timeout in a fresh kernel"
)
OUTPUT_CHANGED = produced_by_run(
    "output-changed", "execution", "warning", "A cell's fresh output differs from its saved output"
)


@check("invalid-syntax", "execution", "error", "A code cell is not valid Python (after IPython syntax).", scope="cell")
def invalid_syntax(ctx: Context) -> Iterator[Finding]:
    for unit in ctx.units:
        if unit.syntax_error is not None:
            line, msg = unit.syntax_error
            yield ctx.finding(
                "invalid-syntax",
                "error",
                unit.cell.index,
                line,
                f"Syntax error: {msg}{'' if msg.endswith(('.', '?', '!')) else '.'}",  # Python's "Did you mean …?"
                "Fix the cell so that it parses; nothing else in it can be checked until then.",
            )


@check("cell-too-large", "structure", "warning", "A code cell is too large to analyse, format or type-check.", scope="cell")
def cell_too_large(ctx: Context) -> Iterator[Finding]:
    for unit in ctx.units:
        if unit.too_large:
            yield ctx.finding(
                "cell-too-large",
                "warning",
                unit.cell.index,
                None,
                f"The cell is too large to analyse, format or type-check ({len(unit.cell.source):,} characters; "
                f"the limit is {nbmod.MAX_ANALYSED_CELL_CHARS:,}); nothing in it was checked.",
                "Load large data from a file at run time instead of writing it into the cell.",
            )


@check(
    "out-of-order-execution",
    "execution",
    "warning",
    "Cells were executed in a different order than they appear.",
)
def out_of_order(ctx: Context) -> Iterator[Finding]:
    last: tuple[int, int] | None = None  # (count, cell index)
    for cell in ctx.nb.code_cells:
        count = cell.execution_count
        if count is None:
            continue
        if last is not None and count < last[0]:
            yield ctx.finding(
                "out-of-order-execution",
                "warning",
                cell.index,
                None,
                f"Executed as [{count}] after cell {nbmod.cell_number(last[1])} ran as [{last[0]}]: the outputs come from "
                "an order other than top to bottom.",
                "Restart the kernel and run all cells from the top before committing.",
            )
        last = (count, cell.index)


@check(
    "skipped-execution-count",
    "execution",
    "warning",
    "Execution counts have gaps: code ran that is no longer in the notebook (or cells ran several times).",
)
def skipped_counts(ctx: Context) -> Iterator[Finding]:
    counted = sorted((c.execution_count, c.index) for c in ctx.nb.code_cells if c.execution_count is not None)
    if not counted:
        return
    missing = counted[0][0] - 1
    first_gap: tuple[int, int, int] | None = (0, counted[0][0], counted[0][1]) if missing > 0 else None
    for (a, _), (b, cell) in zip(counted, counted[1:], strict=False):
        if b - a > 1:
            missing += b - a - 1
            if first_gap is None:
                first_gap = (a, b, cell)
    if first_gap is None:
        return
    before, after, cell = first_gap
    # no cell ran as [0]: counts that start late are said so (the kernel ran code before the first saved cell)
    jump = f"start at [{after}], not [1]" if before == 0 else f"jump from [{before}] to [{after}]"
    yield ctx.finding(
        "skipped-execution-count",
        "warning",
        cell,
        None,
        f"Execution counts {jump}; {missing} execution(s) in all are not in the "
        "notebook: cells that were deleted or re-run may have left state the saved code does not create.",
        "Restart the kernel and run all cells from the top before committing.",
    )


@check(
    "non-executed-cell",
    "execution",
    "warning",
    "A code cell was never run while others were: its outputs, and what later cells saw, may not match.",
)
def non_executed(ctx: Context) -> Iterator[Finding]:
    cells = ctx.nb.code_cells
    if not any(c.execution_count is not None for c in cells):
        return  # never-executed says it once
    for c in cells:
        if c.execution_count is None and c.source.strip():
            yield ctx.finding(
                "non-executed-cell",
                "warning",
                c.index,
                None,
                "This cell was not run although other cells were.",
                "Run all cells from the top (or delete the cell if it is obsolete).",
            )


@check("never-executed", "execution", "info", "No cell of the notebook has been executed.")
def never_executed(ctx: Context) -> Iterator[Finding]:
    cells = [c for c in ctx.nb.code_cells if c.source.strip()]
    if cells and all(c.execution_count is None for c in cells):
        yield ctx.finding(
            "never-executed",
            "info",
            None,
            None,
            "No cell has been executed, so nothing shows that this notebook runs.",
            "Run all cells once (or use `jupyter-prod run`) to prove it runs from top to bottom.",
        )


@check("error-output", "execution", "warning", "A cell's saved output is an exception.", outputs=True, scope="cell")
def error_output(ctx: Context) -> Iterator[Finding]:
    for c in ctx.nb.code_cells:
        for out in c.outputs:
            if out.get("output_type") != "error":
                continue
            name = str(out.get("ename") or "Error")
            value = " ".join(str(out.get("evalue") or "").split())
            if len(value) > 160:
                value = value[:159] + "…"
            yield ctx.finding(
                "error-output",
                "warning",
                c.index,
                None,
                f"The cell's output is an error: {name}: {value}" if value else f"The cell's output is an error: {name}.",
                "Fix the error and re-run, or clear the output if the failure is intentional and explained.",
            )
            break
