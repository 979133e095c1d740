"""Promoted definitions that drifted apart from their module (the round trip of issue 12)."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Context, Finding
from .registry import check

CHECK_ID = "promoted-drift"


@check(CHECK_ID, "structure", "warning", "A promoted definition differs between its cell and its module")
def promoted_drift(ctx: Context) -> Iterator[Finding]:
    """A hand edit in the module is offered back to the cell (an exact fix); a cell edited since it was
    promoted is a reminder to promote it again. Only notebooks with a promotion ledger pay for the check."""
    root = ctx.project_root or (ctx.file.parent if ctx.file is not None else None)
    if root is None or not isinstance(ctx.nb.metadata.get("jupyter_prod"), dict):
        return
    from ..errors import InputError
    from ..promote.roundtrip import cell_drift, pulled_sources  # loads only for notebooks with a ledger

    for d in cell_drift(ctx.nb, root):
        if d.state == "module-edited":
            hint = (
                "Update the cell from the module to keep that edit, or promote the cell again and choose Force "
                "to overwrite the module with the cell."
            )
            try:
                # the notebook's calls of a function that gained keyword-only parameters are updated too
                cells = {str(cell): source for cell, source in pulled_sources(ctx.nb, [d]).items()}
            except InputError as exc:  # no update keeps the notebook's calls valid: say why, offer none
                yield ctx.finding(CHECK_ID, "warning", d.cell, d.line, _edited(d.name, d.module), str(exc))
                continue
            yield ctx.finding(
                CHECK_ID,
                "warning",
                d.cell,
                d.line,
                _edited(d.name, d.module),
                hint,
                fix={"description": "Update cell from module", "cells": cells},
            )
        else:
            yield ctx.finding(
                CHECK_ID,
                "warning",
                d.cell,
                d.line,
                f"`{d.name}` changed in this cell since it was promoted to {d.module}.",
                "Promote the cell again (Promote to Module…) so the module has the new version.",
            )


def _edited(name: str, module: str) -> str:
    return f"`{name}` was edited by hand in {module} since it was promoted from this cell."
