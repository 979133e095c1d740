"""Per-notebook sessions: after a one-cell edit, only what depends on that cell is checked again.

The panel re-checks the notebook on every (debounced) keystroke. The per-cell cache parses each
distinct source once, but the notebook-level work (the def-use pass over every statement, each
check's loop over every cell) still grew with the notebook. A session keeps what the previous
request of the same notebook found, split by what each finding depends on (the check's ``scope``
in the registry):

- ``cell`` checks: each cell's findings; only the changed cells are checked again;
- ``names`` checks (dataflow): each name's findings (``Finding.subject``); the def-use pass
  re-resolves only the names the changed cells bind or read (a use is resolved from the events of
  its own name alone), and none when the cell's dataflow signature is unchanged (an edit inside a
  literal, a comment);
- ``notebook`` checks run again, unless their ``stable_when`` says the change cannot matter.

Anything else (cells inserted, deleted, moved or retyped, other settings or notebook metadata, a
star import or ``__all__`` anywhere, many cells changed) runs everything and restarts the session.
The report is the one a from-scratch run gives: tests/test_incremental.py compares them after
random edit sequences.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis import DefUse, Stmt, analyse, automagic_words, footprint
from ..lru import LockedLRU
from ..notebook import UNIT_CACHE_ITEMS, Cell, CodeUnit, Notebook, unit_bytes, unit_of
from .base import Context, Finding, Settings
from .dataflow import EVALUATORS, MAGIC_REGISTRARS, unit_dataflow_text
from .registry import CheckSpec, run_spec

#: notebooks whose last check is kept (a server's users' open notebooks), and about how much memory:
#: a session keeps its cells' units alive, which the per-cell cache would otherwise be free to evict
MAX_SESSIONS = 16
SESSION_BYTES = 64 * 1024 * 1024
#: more changed cells than this in one request (a paste, outputs of "run all"): a full run
MAX_CHANGED = 32


@dataclass
class _Session:
    """What one request found, by what each finding depends on."""

    specs: tuple[str, ...]
    settings: Settings
    file: Path | None
    project_root: Path | None
    metadata: dict[str, Any]
    cells: list[Cell]
    #: code cell index -> its unit
    units: dict[int, CodeUnit]
    by_cell: dict[str, dict[int, list[Finding]]]
    by_name: dict[str, dict[str, list[Finding]]]
    whole: dict[str, list[Finding]]
    #: statements that are a bare automagic (``ls``): ipython-magic reads them from the def-use pass
    automagics: list[Stmt]
    #: code cells binding each name (provided names that something binds are re-resolved too)
    bound: dict[str, int]
    #: code cells with a star import, or mentioning ``__all__``: incremental runs need none
    global_cells: frozenset[int]
    #: whether the def-use pass ran (a selection of dataflow checks): the three fields above are its
    dataflow: bool
    #: how this state was made: "full", or "incremental" with the names re-resolved (tests, bench)
    mode: str = "full"
    resolved: frozenset[str] = frozenset()
    #: estimated memory: its units (as the per-cell cache counts them) and its cells and findings
    size: int = 0


def _session_bytes(s: _Session) -> int:
    return s.size


def _size_of(cells: list[Cell], units: dict[int, CodeUnit]) -> int:
    return 4096 + 1536 * len(cells) + sum(unit_bytes(u) for u in units.values())


_SESSIONS: LockedLRU[str, _Session] = LockedLRU(max_bytes=SESSION_BYTES, sizeof=_session_bytes)


def clear_sessions() -> None:
    _SESSIONS.clear()


def last_run(key: str) -> tuple[str, frozenset[str]] | None:
    """How the last check of session ``key`` ran: ("full" or "incremental", the names it re-resolved)."""
    state = _SESSIONS.get(key)
    return None if state is None else (state.mode, state.resolved)


def collect(key: str, specs: list[CheckSpec], ctx: Context) -> list[Finding]:
    """The findings of the (fast) ``specs``: from the session ``key`` where nothing they depend on changed."""
    prev = _SESSIONS.get(key)
    changed = _changed_cells(prev, specs, ctx) if prev is not None else None
    if prev is None or changed is None:
        findings, state = _full(specs, ctx)
    else:
        findings, state = _incremental(prev, changed, specs, ctx)
    if state is None:
        _SESSIONS.pop(key)
    else:
        _SESSIONS.put(key, state, MAX_SESSIONS)
    return findings


# ---------------------------------------------------------------------------
# What changed


def _changed_cells(prev: _Session, specs: list[CheckSpec], ctx: Context) -> list[int] | None:
    """Indexes of the cells whose source, outputs or metadata changed; None when more than that did."""
    nb = ctx.nb
    if (
        prev.specs != tuple(s.id for s in specs)
        or prev.file != ctx.file
        or prev.project_root != ctx.project_root
        or len(prev.cells) != len(nb.cells)
        or prev.metadata != nb.metadata
        or prev.settings != ctx.settings
    ):
        return None
    changed: list[int] = []
    for old, new in zip(prev.cells, nb.cells, strict=True):
        if old.cell_type != new.cell_type or old.cell_id != new.cell_id:
            return None
        if old.source != new.source or old.outputs != new.outputs or old.metadata != new.metadata:
            changed.append(new.index)
            if len(changed) > MAX_CHANGED:
                return None
    return changed


def _reuse_units(prev: _Session, nb: Notebook, changed: set[int]) -> list[CodeUnit]:
    """The notebook's units: an unchanged cell's from the session (no hash, no cache look-up)."""
    units: list[CodeUnit] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        old = prev.units.get(cell.index)
        if old is None or cell.index in changed:
            units.append(unit_of(cell))
            continue
        if old.cell.execution_count == cell.execution_count:
            units.append(old)  # its cell equals this one: same index, id, source, outputs, metadata, count
            continue
        unit: CodeUnit = object.__new__(CodeUnit)
        unit.__dict__.update(old.__dict__)
        unit.cell = cell
        units.append(unit)
    return units


# ---------------------------------------------------------------------------
# A full run, split for the next request


def _group(found: list[Finding], attr: str) -> dict[Any, list[Finding]] | None:
    out: dict[Any, list[Finding]] = {}
    for f in found:
        k = getattr(f, attr)
        if k is None:
            return None  # a crash report or a finding about the whole notebook: not split
        out.setdefault(k, []).append(f)
    return out


def _full(specs: list[CheckSpec], ctx: Context) -> tuple[list[Finding], _Session | None]:
    findings: list[Finding] = []
    by_cell: dict[str, dict[int, list[Finding]]] = {}
    by_name: dict[str, dict[str, list[Finding]]] = {}
    whole: dict[str, list[Finding]] = {}
    splittable = True
    for spec in specs:
        found = run_spec(spec, ctx)
        findings.extend(found)
        if spec.scope == "notebook":
            whole[spec.id] = found
            continue
        grouped = _group(found, "cell" if spec.scope == "cell" else "subject")
        if grouped is None:
            splittable = False
        elif spec.scope == "cell":
            by_cell[spec.id] = grouped
        else:
            by_name[spec.id] = grouped
    units = ctx.units
    if not splittable or len(units) > UNIT_CACHE_ITEMS // 2:
        return findings, None
    du: DefUse | None = ctx.__dict__.get("defuse")
    bound: dict[str, int] = {}
    global_cells: set[int] = set()
    if du is not None:
        for name, binds in du.bindings.items():
            bound[name] = len({s.cell for s, _ in binds})
        global_cells.update(s.cell for s, _ in du.star_imports)
        global_cells.update(s.cell for s, _ in du.bindings.get("__all__", ()))
        # ``from __future__ import annotations`` binds ``annotations`` and changes how later annotations resolve
        global_cells.update(s.cell for s, _ in du.bindings.get("annotations", ()))
        global_cells.update(s.cell for s, _ in du.uses.get("__all__", ()))
        global_cells.update(s.cell for name in MAGIC_REGISTRARS for s, _ in du.uses.get(name, ()))
    return findings, _Session(
        specs=tuple(s.id for s in specs),
        settings=ctx.settings,
        file=ctx.file,
        project_root=ctx.project_root,
        metadata=ctx.nb.metadata,
        cells=list(ctx.nb.cells),
        units={u.cell.index: u for u in units},
        by_cell=by_cell,
        by_name=by_name,
        whole=whole,
        automagics=list(du.automagics) if du is not None else [],
        bound=bound,
        global_cells=frozenset(global_cells),
        dataflow=du is not None,
        size=_size_of(ctx.nb.cells, {u.cell.index: u for u in units}),
    )


# ---------------------------------------------------------------------------
# An incremental run


def _names_to_resolve(pairs: list[tuple[CodeUnit, CodeUnit]], bound: dict[str, int]) -> set[str]:
    """The names whose dataflow findings may change when each cell goes from its first unit to its second."""
    names: set[str] = set()
    provided: set[str] = set()
    for old, new in pairs:
        fo, fn = footprint(old), footprint(new)
        to, tn = unit_dataflow_text(old), unit_dataflow_text(new)
        if fo.signature == fn.signature and to == tn:
            continue
        for fp, (words, guarded, in_formulas, exported) in ((fo, to), (fn, tn)):
            names |= fp.binds | fp.uses | words | guarded | in_formulas | exported
            provided |= fp.provided
    # a builtin read (``len``) matters only where something binds that name
    names.update(p for p in provided if bound.get(p))
    return names


def _updated_bound(bound: dict[str, int], pairs: list[tuple[CodeUnit, CodeUnit]]) -> dict[str, int]:
    pairs = [(o, n) for o, n in pairs if footprint(o).binds != footprint(n).binds]
    if not pairs:
        return bound
    out = dict(bound)
    for old, new in pairs:
        for name in footprint(old).binds:
            out[name] -= 1
        for name in footprint(new).binds:
            out[name] = out.get(name, 0) + 1
    return out


def _automagic_name(stmt: Stmt) -> str:
    return (automagic_words(stmt.node) or ("",))[0]


def _restricted_defuse(nb: Notebook, names: set[str], prev_automagics: list[Stmt]) -> DefUse:
    """The lean analysis of ``names`` only, with the other names' automagics carried over."""
    if names:
        du = analyse(nb, lean=True, names=frozenset(names))
    else:
        du = DefUse([], [], {}, {}, [], set(), [])
    du.automagics = [s for s in prev_automagics if _automagic_name(s) not in names] + du.automagics
    return du


def _sub_context(ctx: Context, changed: list[int], units: dict[int, CodeUnit]) -> Context:
    """A context of the changed cells alone (their indexes kept) for the ``cell`` checks."""
    nb = ctx.nb
    sub = Notebook(
        path=nb.path,
        cells=[nb.cells[i] for i in changed],
        metadata=nb.metadata,
        nbformat=nb.nbformat,
        nbformat_minor=nb.nbformat_minor,
        _units=[units[i] for i in changed if i in units],
    )
    return Context(nb=sub, settings=ctx.settings, file=ctx.file, project_root=ctx.project_root, ceiling=ctx.ceiling)


def _incremental(
    prev: _Session, changed: list[int], specs: list[CheckSpec], ctx: Context
) -> tuple[list[Finding], _Session | None]:
    nb = ctx.nb
    units = _reuse_units(prev, nb, set(changed))
    by_index = {u.cell.index: u for u in units}
    pairs = [(prev.units[i], by_index[i]) for i in changed if i in by_index]
    if (prev.global_cells - set(changed)) or any(_is_global(u) for pair in pairs for u in pair):
        return _full(specs, ctx)  # a star import or ``__all__`` bears on every name
    nb._units = units
    ctx.__dict__["units"] = units
    names: set[str] = set()
    du: DefUse | None = None
    if prev.dataflow:
        names = _names_to_resolve(pairs, prev.bound)
        du = ctx.__dict__["defuse"] = _restricted_defuse(nb, names, prev.automagics)
    sub = _sub_context(ctx, changed, by_index) if changed else None
    by_cell = dict(prev.by_cell)
    by_name = dict(prev.by_name)
    whole = dict(prev.whole)
    findings: list[Finding] = []
    splittable = True
    for spec in specs:
        if spec.scope == "cell":
            cells = _rerun_cells(spec, sub, ctx, changed, prev.by_cell[spec.id])
            splittable = splittable and cells is not None
            by_cell[spec.id] = cells or {}
            findings.extend(f for found in by_cell[spec.id].values() for f in found)
        elif spec.scope == "names":
            named = _rerun_names(spec, ctx, names, prev.by_name[spec.id])
            splittable = splittable and named is not None
            by_name[spec.id] = named or {}
            findings.extend(f for found in by_name[spec.id].values() for f in found)
        else:
            if spec.stable_when is not None and all(spec.stable_when(o, n) for o, n in pairs):
                whole[spec.id] = prev.whole[spec.id]
            else:
                whole[spec.id] = run_spec(spec, ctx)
            findings.extend(whole[spec.id])
    if not splittable:
        return findings, None
    state = dataclasses.replace(
        prev,
        metadata=nb.metadata,
        cells=list(nb.cells),
        units=by_index,
        by_cell=by_cell,
        by_name=by_name,
        whole=whole,
        automagics=list(du.automagics) if du is not None else [],
        bound=_updated_bound(prev.bound, pairs) if pairs and du is not None else prev.bound,
        mode="incremental",
        resolved=frozenset(names),
        size=prev.size + sum(unit_bytes(n) - unit_bytes(o) for o, n in pairs),
    )
    return findings, state


def _is_global(unit: CodeUnit) -> bool:
    fp = footprint(unit)
    return (
        fp.star
        or "__all__" in fp.names
        or "annotations" in fp.binds
        or not MAGIC_REGISTRARS.isdisjoint(fp.uses)
        or not EVALUATORS.isdisjoint(fp.names)  # a helper that evaluates strings: every cell's strings matter
    )


def _rerun_cells(
    spec: CheckSpec, sub: Context | None, ctx: Context, changed: list[int], prev: dict[int, list[Finding]]
) -> dict[int, list[Finding]] | None:
    """The check's findings by cell, those of the changed cells found again; None if one is not a cell's."""
    if sub is None:
        return prev
    out = {i: found for i, found in prev.items() if i not in changed}
    for f in run_spec(spec, sub):
        if f.cell is None:
            return None
        f.cell_id = ctx.nb.cells[f.cell].cell_id  # the sub-context numbers cells by position in it
        out.setdefault(f.cell, []).append(f)
    return out


def _rerun_names(
    spec: CheckSpec, ctx: Context, names: set[str], prev: dict[str, list[Finding]]
) -> dict[str, list[Finding]] | None:
    """The check's findings by name, those of ``names`` found again; None if one is about no name."""
    if not names:
        return prev
    out = {n: found for n, found in prev.items() if n not in names}
    for f in run_spec(spec, ctx):
        if f.subject is None:
            return None
        out.setdefault(f.subject, []).append(f)
    return out
