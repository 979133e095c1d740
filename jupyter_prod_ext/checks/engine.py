"""Run a selection of checks on one notebook and build its report."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Iterator
from typing import Literal

from ..errors import InputError
from ..types import FindingDict, ReportDict
from . import incremental
from .base import Context, Finding
from .registry import CHECKS, CheckSpec, describe, run_spec
from .score import score
from .waivers import split_waived

Selection = Literal["fast", "all"] | list[str] | tuple[str, ...]

_ORDER = {"error": 0, "warning": 1, "info": 2}


def resolve_selection(selection: Selection | str, ctx: Context) -> list[CheckSpec]:
    """Which registered checks run: the request's choice, then the project's select/ignore."""
    if selection == "fast":
        specs = [s for s in CHECKS.values() if not s.slow]
    elif selection == "all":
        specs = list(CHECKS.values())
    elif isinstance(selection, (list, tuple)):
        unknown = [x for x in selection if x not in CHECKS]
        if unknown:
            raise InputError(f"Unknown check id(s): {', '.join(map(str, unknown))}. Run `jupyter-prod checks` for the list.")
        specs = [CHECKS[x] for x in selection]
    else:
        raise InputError("'checks' must be \"fast\", \"all\" or a list of check ids.")
    st = ctx.settings
    explicit = isinstance(selection, (list, tuple))
    out = []
    for s in specs:
        if not explicit and st.select is not None and s.id not in st.select and s.family not in st.select:
            continue
        if s.id in st.ignore or s.family in st.ignore:
            continue
        out.append(s)
    return out


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False
#: a pause that leaves at least this many new objects alive hands them to the oldest generation
_PROMOTE_AT = 50_000


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while a report is built.

    Parsing and analysing a notebook allocates hundreds of thousands of AST
    nodes that all stay alive until the report is done; the collector would
    scan them again and again for nothing (about 40% of the fast checks' time
    on a 1000-cell notebook). Reference counting still frees everything; the
    collector runs again afterwards. Counted, so concurrent requests (server
    threads) re-enable it only when the last one ends.
    """
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                _promote_survivors()
                gc.enable()


def _promote_survivors() -> None:
    """Move what a large pause left alive to the oldest generation without scanning it.

    What survives a report is the per-cell cache (trees, statements, facts: 226,000 objects at
    1000 cells, none of them garbage; what died was freed by reference counting). The first
    young collection after the pause would scan them all (30-45 ms at 1000 cells) only to find
    them alive, and a second one would scan them again; ``freeze`` then ``unfreeze`` moves every
    tracked object to the oldest generation as two list splices, where full collections look
    at them as they would have anyway. Skipped when a small pause left little behind, and when
    the process froze objects of its own (``unfreeze`` would thaw them): CPython 3.12 freezes
    375 tuples of its static types at start, so there the first young collection still scans them.
    Not on CPython 3.13 either: there a 50,000-cell check's peak memory doubled (368 to 740 MiB in
    tests/test_hostile_budgets.py) in one check of three with the promotion, never without it.
    """
    if gc.get_count()[0] >= _PROMOTE_AT and can_promote():
        gc.freeze()
        gc.unfreeze()


def can_promote() -> bool:
    """Whether a large pause hands its survivors to the oldest generation here (see _promote_survivors)."""
    return sys.version_info < (3, 13) and gc.get_freeze_count() == 0


def _with_family(f: Finding, *, active: bool = False) -> FindingDict:
    """The finding as JSON, described by the registry (family; ``commit_gate`` when it counts)."""
    if f.wire is not None and f.wire[0] == active:
        return f.wire[1]  # a session's finding, unchanged since the last report
    d = describe(f.to_dict(), active=active)
    f.wire = (active, d)
    return d


def _collect(specs: list[CheckSpec], ctx: Context, findings: list[Finding]) -> None:
    for spec in specs:
        findings.extend(run_spec(spec, ctx))


def run_checks(ctx: Context, selection: Selection | str = "fast", *, session: str | None = None) -> ReportDict:
    """The report; ``session`` (the server's, per notebook) lets a re-check reuse what did not change."""
    specs = resolve_selection(selection, ctx)
    findings: list[Finding] = []
    fast = [s for s in specs if not s.slow]
    # The collector is paused only for the fast, allocation-heavy analysis (about 40% of its
    # time). Slow checks (black, mypy, git) run with it on: black's cyclic garbage on a
    # large notebook would otherwise pile up in the server (measured: +290 MiB at 1000 cells).
    with gc_paused():
        if session is not None:
            findings.extend(incremental.collect(session, fast, ctx))
        else:
            _collect(fast, ctx, findings)
    _collect([s for s in specs if s.slow], ctx, findings)
    active, waived = split_waived(ctx.nb, findings)
    # message and hint last: findings on one line of one check come in one order whatever
    # produced them (a session merges them from several runs)
    key = lambda f: (  # noqa: E731
        f.cell if f.cell is not None else -1,
        f.line or 0,
        _ORDER[f.severity],
        f.check,
        f.message,
        f.hint,
    )
    active.sort(key=key)
    waived.sort(key=key)
    active_dicts = [_with_family(f, active=True) for f in active]
    return {
        "path": ctx.nb.path,
        "score": score(active_dicts),
        "findings": active_dicts,
        "waived": [_with_family(f) for f in waived],
        "summary": {
            "errors": sum(f.severity == "error" for f in active),
            "warnings": sum(f.severity == "warning" for f in active),
            "infos": sum(f.severity == "info" for f in active),
            "waived": len(waived),
            "code_cells": len(ctx.nb.code_cells),
            "checks_run": [s.id for s in specs],
            "slow_checks": [s.id for s in CHECKS.values() if s.slow],
        },
    }
