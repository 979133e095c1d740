"""Hygiene: what the saved file carries besides code (outputs, their size)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import Context, Finding
from .registry import check

#: default of ``[tool.jupyter-prod] large-output-kb``
LARGE_OUTPUT_KB = 500


def _size(value: Any) -> int:
    """Approximate JSON size of an output without serialising it (images included)."""
    if type(value) is str:
        return len(value)
    if isinstance(value, list):
        n = 2 * len(value)
        for v in value:
            n += len(v) if type(v) is str else _size(v)
        return n
    if isinstance(value, dict):
        n = 0
        for k, v in value.items():
            n += len(k) + 4 + (len(v) if type(v) is str else _size(v))
        return n
    return 8


def output_size(outputs: tuple[dict[str, Any], ...]) -> int:
    return sum(_size(o) for o in outputs)


def _human(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


@check(
    "large-output",
    "hygiene",
    "warning",
    "A cell's saved outputs are larger than `large-output-kb`.",
    outputs=True,
    scope="cell",
)
def large_output(ctx: Context) -> Iterator[Finding]:
    limit_kb = ctx.settings.extra_int("large-output-kb", LARGE_OUTPUT_KB)
    for cell in ctx.nb.code_cells:
        if not cell.outputs:
            continue
        size = output_size(cell.outputs)
        if size > limit_kb * 1024:
            yield ctx.finding(
                "large-output",
                "warning",
                cell.index,
                None,
                f"The cell's outputs take {_human(size)} (the limit is {limit_kb} KB).",
                "Clear the output, display a summary instead (df.head(), a smaller figure), or save it to a file.",
            )


@check("outputs-present", "hygiene", "info", "The notebook is saved with outputs.", outputs=True)
def outputs_present(ctx: Context) -> Iterator[Finding]:
    cells = [c for c in ctx.nb.code_cells if c.outputs]
    if cells:
        yield ctx.finding(
            "outputs-present",
            "info",
            None,
            None,
            f"{len(cells)} cell(s) carry outputs; they make diffs noisy and can leak data.",
            "Commit code only (jupyter-prod commits strip outputs by default, or use nbstripout).",
        )
