"""Waivers: cell metadata ``jupyter_prod.ignore`` and inline ``# prod: ignore[check-id]``.

A waived finding is moved to the report's ``waived`` list, never dropped, so
the panel and CI can show what was waived and by whom (the cell).

An inline comment waives the finding on its own line; a comment alone on a
line waives those checks for the whole cell. ``# prod: ignore`` without a
list waives every check on that line.
"""

from __future__ import annotations

import re

from ..notebook import Notebook
from .base import Finding

_INLINE = re.compile(r"#\s*prod:\s*ignore(?:\[([^\]]*)\])?")

ALL = "*"


def _cell_waivers(source: str) -> tuple[dict[int, set[str]], set[str]]:
    by_line: dict[int, set[str]] = {}
    whole: set[str] = set()
    if "prod:" not in source:
        return by_line, whole
    for i, line in enumerate(source.split("\n"), start=1):
        m = _INLINE.search(line)
        if not m:
            continue
        ids = {x.strip() for x in (m.group(1) or ALL).split(",") if x.strip()} or {ALL}
        if line.strip().startswith("#"):
            whole |= ids
        else:
            by_line.setdefault(i, set()).update(ids)
    return by_line, whole


def split_waived(nb: Notebook, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(active, waived)."""
    cache: dict[int, tuple[dict[int, set[str]], set[str]]] = {}
    active: list[Finding] = []
    waived: list[Finding] = []
    # the cells that waive anything, found once: most findings are in cells that waive nothing
    waiving = {c.index for c in nb.cells if "prod:" in c.source or "jupyter_prod" in c.metadata}
    for f in findings:
        if f.cell not in waiving:
            active.append(f)
            continue
        assert f.cell is not None
        if f.cell not in cache:
            cell = nb.cells[f.cell]
            by_line, whole = _cell_waivers(cell.source)
            cache[f.cell] = (by_line, whole | cell.ignored_checks)  # metadata waivers apply to the whole cell
        by_line, whole = cache[f.cell]
        ids = whole | (by_line.get(f.line, set()) if f.line is not None else set())
        if f.check in ids or ALL in ids:
            waived.append(f)
        else:
            active.append(f)
    return active, waived
