"""Execution history: what the recorded execution counts say about how the notebook was run."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Context, Finding
from .registry import check


@check("invalid-syntax", "execution", "error", "A code cell is not valid Python (after IPython syntax).")
def invalid_syntax(ctx: Context) -> Iterator[Finding]:
    for unit in ctx.units:
        if unit.syntax_error is not None:
            line, msg = unit.syntax_error
            yield ctx.finding(
                "invalid-syntax",
                "error",
                unit.cell.index,
                line,
                f"Syntax error: {msg}.",
                "Fix the cell so that it parses; nothing else in it can be checked until then.",
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
                f"Executed as [{count}] after cell {last[1]} ran as [{last[0]}]: the outputs come from "
                "an order other than top to bottom.",
                "Restart the kernel and run all cells from the top before committing.",
            )
        last = (count, cell.index)
