"""Dataflow: names read before, or without, being bound in notebook order."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Context, Finding
from .registry import check


@check("undefined-name", "dataflow", "error", "A name is used but never bound anywhere in the notebook.")
def undefined_name(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[int, int | None, str]] = set()
    for r in ctx.defuse.resolutions:
        if r.status not in ("undefined", "deleted"):
            continue
        key = (r.stmt.cell, r.event.line, r.event.name)
        if key in seen:
            continue
        seen.add(key)
        if r.status == "deleted":
            msg = f"'{r.event.name}' is used after it was deleted with `del`."
        else:
            msg = f"'{r.event.name}' is not defined anywhere in the notebook."
        yield ctx.finding(
            "undefined-name",
            "error",
            r.stmt.cell,
            r.event.line,
            msg,
            "Define or import it in an earlier cell; on a fresh kernel this raises NameError.",
        )
