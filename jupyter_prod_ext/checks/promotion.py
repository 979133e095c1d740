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
    from ..promote.roundtrip import cell_drift  # the promotion engine loads only for such notebooks

    for d in cell_drift(ctx.nb, root):
        if d.state == "module-edited":
            yield ctx.finding(
                CHECK_ID,
                "warning",
                d.cell,
                d.line,
                f"`{d.name}` was edited by hand in {d.module} since it was promoted from this cell.",
                "Update the cell from the module to keep that edit, or promote the cell again and choose Force "
                "to overwrite the module with the cell.",
                fix={"description": "Update cell from module", "cells": {str(d.cell): d.pulled_source}},
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
