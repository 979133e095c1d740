"""The notebook as a chain of small modules, one per cell (or per short run of cells), for dmypy.

Why: dmypy's fine-grained mode re-processes the modules that changed, the parts of other modules
whose view of a changed name changed, and every target (module top level or function) that had an
error last time. With one virtual module a one-cell edit re-checks the whole notebook; with one
module per cell it re-checks that cell, its dependents whose names changed type, and the small cells
with errors. Module names come from cell ids (or sources), not positions: moving or deleting a cell
changes only the headers of the cells whose names now come from elsewhere.

Why not fewer, larger modules (measured at 1000 cells, bench/generate.py's notebook, 106 errors):
the first check costs mypy about 0.4 ms of CPU per module (the daemon's first build: 2.0 s for 1000
modules, 1.55 s for one), and four cells per module would save 0.2 s of it; but every re-check
re-processes the top level of each module that had errors (mypy/server/update.py
``previous_targets_with_errors``), so with four cells per module a one-cell edit's re-check took
2.3x as long (0.81 s vs 0.35 s; without errors it was faster). Grouping only cells whose names no
later cell reads did the same (0.81 s vs 0.22 s).

How a cell sees earlier cells: its module starts with a *header* that binds every name the cell
mentions and an earlier cell bound at module level, from the last cell that bound it:
``from <that module> import x as x`` (the ``as`` form is an explicit re-export, which
``--no-implicit-reexport`` accepts) or, when that cell bound it by an import, the same import
statements again (imports are not re-exported under strict settings, and repeating them adds no
dependency on that cell). Names the cell binds itself are imported too when an earlier cell bound
them, so a redefinition is still checked against the first definition, as in one module. A name
the cell reads only inside function bodies and only a later cell binds comes from that later cell
(mypy accepts the import cycle; one module would also see the later definition).

Where the chain differs from one module, and what is done about it:

* mypy completes an unannotated ``x = []`` or ``x = None`` (a "partial type") from the next statement
  that uses it. A cell that leaves such a name to a following cell shares one module with the cells
  up to that use (:data:`MAX_GROUP` cells at most).
* Narrowing: one module keeps ``x: int | None`` narrowed to ``int`` after ``x = 5`` (or ``assert x``)
  in the statements that follow. The module of the last cell that mentions a plain value ``x`` at
  its top level ends with ``_jpn_x = x`` (the narrowed type), and the next cell's header assigns it
  back (``x = _jpn_in_x``) after importing ``x`` with its declared type. Not for defs, classes,
  imports, type aliases and type variables, which are not narrowed (and must stay types).
* ``from m import *`` in a cell is repeated at the top of every later module, before the explicit
  imports (so a star import does not shadow a later cell's own definition).
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ..notebook import text_fact
from .settings import _PRELUDE_ANY, IPYTHON_GLOBALS
from .virtual import _cell_lines, _parse_cell

#: most cells one module holds when cells are grouped for a partial type (see the module docstring)
MAX_GROUP = 8
#: a mypy module name for a cell module: the notebook's prefix, then the cell's key
MODULE_PREFIX = "_jpnb_"
_PARTIAL_CALLS = frozenset({"list", "dict", "set", "defaultdict", "OrderedDict"})
#: calls whose result mypy reads as a type, not a value
_TYPE_CALLS = frozenset(
    {"TypeVar", "ParamSpec", "TypeVarTuple", "NewType", "NamedTuple", "TypedDict", "TypeAliasType", "namedtuple"}
    | {"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "make_dataclass"}
)
_BUILTIN_TYPES = frozenset({"int", "str", "float", "bool", "bytes", "complex", "object", "type"})
_BUILTIN_TYPES |= frozenset({"list", "dict", "set", "frozenset", "tuple"})
#: annotations after which a name is not a plain value
_TYPE_MARKERS = frozenset({"TypeAlias", "Final", "ClassVar"})
#: prefixes of our own names: a module's narrowed view of a name, and its copy in the next module
NARROWED, NARROWED_IN = "_jpn_", "_jpn_in_"


class Bind(NamedTuple):
    """A cell's last module-level binding of a name."""

    line: int
    #: the import statements that bound it last, in order; empty for any other binding
    imports: tuple[str, ...] = ()
    #: a plain value (not a def, class, import, type alias or type variable): mypy narrows such a
    #: name by assignments and checks, and the next cells see it narrowed
    narrows: bool = False


@dataclass(frozen=True)
class CellFacts:
    """What the chain needs from one cell's Python source; computed once per distinct source."""

    parsed: bool
    #: names bound at module level -> their last binding
    binds: Mapping[str, Bind] = field(default_factory=dict)
    #: every identifier in the source (also in strings and comments: string annotations, type comments)
    names: frozenset[str] = frozenset()
    #: reads at module level (not inside a function body): (name, line, 0-based column)
    reads: tuple[tuple[str, int, int], ...] = ()
    #: unannotated ``x = []``/``x = None`` left for a later cell to complete
    pending: frozenset[str] = frozenset()
    #: ``from m import *`` statements
    stars: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChainModule:
    #: mypy's module name (the file is ``<name>.py``)
    name: str
    text: str
    #: index = module line - 1 -> (cell index, 1-based line in cell), None for header lines
    line_map: list[tuple[int, int] | None]


@dataclass(frozen=True)
class CellChain:
    modules: list[ChainModule]
    skipped_cells: list[int]
    #: module-level reads of a name only a later cell binds (not by an import): (cell index, line,
    #: 0-based column, name). The module imports it from that cell, so mypy types it as one module
    #: would; one module would also say "used before definition" there, which the chain's caller adds.
    early_reads: list[tuple[int, int, int, str]] = field(default_factory=list)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _import_text(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    as_part = f" as {alias.asname}" if alias.asname else ""
    if isinstance(node, ast.Import):
        return f"import {alias.name}{as_part}"
    return f"from {'.' * node.level}{node.module or ''} import {alias.name}{as_part}"


def _is_partial(value: ast.expr | None) -> bool:
    """Whether mypy gives ``x = value`` a partial type (completed by a later use)."""
    if isinstance(value, ast.Constant):
        return value.value is None
    if isinstance(value, (ast.List, ast.Set)):
        return not value.elts
    if isinstance(value, ast.Dict):
        return not value.keys
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return name in _PARTIAL_CALLS and len(value.args) <= 1 and not value.keywords
    return False


def _type_like(value: ast.expr) -> bool:
    """Whether ``x = value`` may make ``x`` a type alias or a type (mypy does not narrow those)."""
    if isinstance(value, ast.Call):
        func = value.func
        return (func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")) in _TYPE_CALLS
    if isinstance(value, ast.Subscript):
        return _type_like(value.value)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
        return _type_like(value.left) or _type_like(value.right)
    name = value.id if isinstance(value, ast.Name) else value.attr if isinstance(value, ast.Attribute) else ""
    return name[:1].isupper() or name in _BUILTIN_TYPES


class _Scan(ast.NodeVisitor):
    """One walk over a cell: module-level bindings, module-level reads, partial types."""

    def __init__(self) -> None:
        self.binds: dict[str, Bind] = {}
        #: whether the value being bound is a plain value (see :attr:`Bind.narrows`)
        self.plain = False
        self.reads: list[tuple[str, int, int]] = []
        self.partial: dict[str, int] = {}
        self.stars: list[str] = []
        self.last_use: dict[str, int] = {}
        #: "module", "class", "function" or "comprehension", innermost last
        self.scopes: list[str] = ["module"]
        #: the names each enclosing comprehension binds (``i`` of ``{s: i for i, s in ...}``), innermost last
        self.comprehended: list[frozenset[str]] = []

    def _at_module(self) -> bool:
        return self.scopes[-1] == "module"

    def _outer(self) -> str:
        # the scope a comprehension's walrus binds in
        return next((s for s in reversed(self.scopes) if s != "comprehension"), "module")

    def _bind(self, name: str, line: int, imports: tuple[str, ...] = (), narrows: bool = False) -> None:
        previous = self.binds.get(name)
        if imports and previous is not None and previous.imports:
            imports = previous.imports + imports  # `import a.b` then `import a.c`: both bind `a`
        self.binds[name] = Bind(line, imports, narrows)
        self.partial.pop(name, None)

    def visit_Name(self, node: ast.Name) -> None:
        self.last_use[node.id] = max(self.last_use.get(node.id, 0), node.lineno)
        if isinstance(node.ctx, ast.Load):
            if "function" not in self.scopes and not any(node.id in names for names in self.comprehended):
                self.reads.append((node.id, node.lineno, node.col_offset))
        elif isinstance(node.ctx, ast.Store) and self._at_module():
            self._bind(node.id, node.lineno, narrows=self.plain)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name) and self._outer() == "module":
            self._bind(node.target.id, node.lineno, narrows=True)
            self.last_use[node.target.id] = max(self.last_use.get(node.target.id, 0), node.lineno)

    def visit_Import(self, node: ast.Import) -> None:
        if self._at_module():
            for alias in node.names:
                self._bind(alias.asname or alias.name.split(".")[0], node.lineno, (_import_text(node, alias),))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if not self._at_module():
            return
        for alias in node.names:
            if alias.name == "*":
                self.stars.append(_import_text(node, alias))
            else:
                self._bind(alias.asname or alias.name, node.lineno, (_import_text(node, alias),))

    def visit_Global(self, node: ast.Global) -> None:
        # `global x` then `x = ...` in a function binds x in the module (over-approximated: no assignment needed)
        for name in node.names:
            if name not in self.binds:
                self._bind(name, node.lineno)

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, kind: str) -> None:
        for child in [*node.decorator_list, *getattr(node, "bases", []), *getattr(node, "keywords", [])]:
            self.visit(child)
        if not isinstance(node, ast.ClassDef):
            self.visit(node.args)
            if node.returns is not None:
                self.visit(node.returns)
        self.scopes.append(kind)
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        if self._at_module():
            self._bind(node.name, node.lineno)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_def(node, "function")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_def(node, "function")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_def(node, "class")

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self.scopes.append("function")
        self.visit(node.body)
        self.scopes.pop()

    def _visit_comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        """A comprehension's variables are its own: a read of ``i`` in ``{s: i for i, s in ...}`` reads no
        module-level ``i`` (which a later cell's ``for i in ...`` binds). Its first iterable is read outside."""
        first = node.generators[0]
        self.visit(first.iter)
        self.scopes.append("comprehension")
        self.comprehended.append(
            frozenset(n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name))
        )
        for gen in node.generators:
            self.visit(gen.target)
            if gen is not first:
                self.visit(gen.iter)
            for cond in gen.ifs:
                self.visit(cond)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.visit(part)
        self.comprehended.pop()
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _visit_comprehension

    def _visit_binding(self, node: ast.stmt, plain: bool) -> None:
        self.plain = plain
        self.generic_visit(node)
        self.plain = False

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._visit_binding(node, not _TYPE_MARKERS & set(_IDENT.findall(ast.unparse(node.annotation))))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._visit_binding(node, True)

    def visit_For(self, node: ast.For) -> None:
        self._visit_binding(node, True)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._visit_binding(node, True)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self.plain = True
            self.visit(node.optional_vars)
            self.plain = False

    def visit_Assign(self, node: ast.Assign) -> None:
        self._visit_binding(node, not _type_like(node.value))
        if self._at_module() and _is_partial(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.partial[target.id] = getattr(node, "end_lineno", None) or node.lineno

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name and self._at_module():
            self._bind(node.name, node.lineno)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name and self._at_module():
            self._bind(node.name, node.lineno)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name and self._at_module():
            self._bind(node.name, node.lineno)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest and self._at_module():
            self._bind(node.rest, node.lineno)
        self.generic_visit(node)


def _facts(source: str) -> CellFacts:
    tree = _parse_cell(source)
    if tree is None:
        return CellFacts(parsed=False)
    scan = _Scan()
    scan.visit(tree)
    names = frozenset(_IDENT.findall(source))
    pending = frozenset(n for n, line in scan.partial.items() if scan.last_use.get(n, 0) <= line)
    return CellFacts(True, scan.binds, names, tuple(scan.reads), pending, tuple(scan.stars))


def cell_facts(source: str) -> CellFacts:
    """:func:`_facts` through the per-source cache (a one-cell edit re-scans one cell)."""
    return text_fact("typecheck-cell", source, _facts)


def _cell_keys(sources: Sequence[str], ids: Sequence[str | None] | None) -> list[str]:
    """A stable key per cell: from its id (an edit keeps it), else from its source; a repeat gets a suffix."""
    seen: dict[str, int] = {}
    keys = []
    for k, source in enumerate(sources):
        cell_id = ids[k] if ids is not None and k < len(ids) else None
        text = f"id:{cell_id}" if cell_id else f"source:{source}"
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        n = seen[digest] = seen.get(digest, 0) + 1
        keys.append(digest if n == 1 else f"{digest}_{n}")
    return keys


def _groups(facts: Sequence[CellFacts]) -> list[list[int]]:
    """Consecutive cells that share a module: a cell leaving a partial type joins the cells up to its use."""
    groups: list[list[int]] = []
    i = 0
    while i < len(facts):
        group = [i]
        pending = set(facts[i].pending)
        while pending and group[-1] + 1 < len(facts):
            ahead = range(group[-1] + 1, min(len(facts), group[0] + MAX_GROUP))
            use = next((j for j in ahead if pending & facts[j].names), None)
            if use is None:
                break
            for j in range(group[-1] + 1, use + 1):
                group.append(j)
                pending = (pending - facts[j].names) | facts[j].pending
        groups.append(group)
        i = group[-1] + 1
    return groups


@dataclass
class _Group:
    name: str
    cells: list[int]
    binds: dict[str, Bind]
    #: names read or bound at its module level
    mentions: set[str]
    #: names still waiting for a partial type's completion (never read by our own lines)
    pending: set[str]
    names: set[str]
    stars: list[str]
    #: names it mentions that no earlier group binds: the first group after it that binds each
    later: dict[str, _Group] = field(default_factory=dict)


def _merge(name: str, members: list[int], facts: Sequence[CellFacts]) -> _Group:
    binds: dict[str, Bind] = {}
    names: set[str] = set()
    mentions: set[str] = set()
    pending: set[str] = set()
    stars: list[str] = []
    for i in members:
        binds.update(facts[i].binds)
        names |= facts[i].names
        mentions |= facts[i].binds.keys() | {read[0] for read in facts[i].reads}
        pending |= facts[i].pending
        stars.extend(facts[i].stars)
    return _Group(name, members, binds, mentions, pending, names, stars)


def _header(
    group: _Group,
    source_of: Mapping[str, _Group],
    stars: Sequence[str],
    prelude: Sequence[str],
    narrowed: Mapping[str, _Group],
) -> list[str]:
    lines: list[str] = []
    used_prelude = [n for n in prelude if n in group.names]
    if used_prelude:
        lines.append(f"from typing import Any as {_PRELUDE_ANY}")
        lines.extend(f"{n}: {_PRELUDE_ANY}" for n in used_prelude)
    lines.extend(dict.fromkeys(stars))
    for name in sorted(source_of):
        origin = source_of[name]
        imports = origin.binds[name].imports
        lines.extend(imports or (f"from {origin.name} import {name} as {name}",))
    for name in sorted(narrowed):  # the type the previous cells left it with, as one module would see
        lines.append(f"from {narrowed[name].name} import {NARROWED}{name} as {NARROWED_IN}{name}")
        lines.append(f"{name} = {NARROWED_IN}{name}")
    return list(dict.fromkeys(lines))


def _chain(groups: Sequence[_Group], prelude: Sequence[str]) -> Iterator[tuple[_Group, list[str], set[str], list[str]]]:
    """Each group with its header, the names that come from after it, and its trailer.

    The header binds the names the group mentions, from the group that bound them last before it,
    else from the first one after it; a plain value also gets the type it was narrowed to where it
    was last mentioned (the trailer of that group keeps it as ``_jpn_<name>``).
    """
    ahead: dict[str, _Group] = {}
    for group in reversed(groups):
        group.later = {n: ahead[n] for n in group.names - group.binds.keys() if n in ahead}
        ahead.update((name, group) for name in group.binds)
    last: dict[str, _Group] = {}
    narrow_from: dict[str, _Group] = {}
    stars: list[str] = []
    for group in groups:
        source_of = {n: last[n] for n in group.names if n in last}
        forward = {n for n in group.later if n not in source_of}
        narrowed = {n: narrow_from[n] for n in group.mentions if n in narrow_from and n in source_of}
        source_of.update((n, group.later[n]) for n in forward)
        trailer = sorted(
            n
            for n in group.mentions - group.pending
            if (group.binds[n] if n in group.binds else last[n].binds[n] if n in last else Bind(0)).narrows
        )
        yield group, _header(group, source_of, stars, prelude, narrowed), forward, trailer
        for name in group.binds:
            last[name] = group
            narrow_from.pop(name, None)
        narrow_from.update((name, group) for name in trailer)
        stars.extend(group.stars)


def build_cell_chain(
    cells: Sequence[tuple[int, str]], prefix: str, cell_ids: Sequence[str | None] | None = None
) -> CellChain:
    """``(cell index, python source)`` as chained modules named ``<prefix><cell key>``."""
    facts = [cell_facts(source) for _, source in cells]
    skipped = [index for (index, _), f in zip(cells, facts, strict=True) if not f.parsed]
    live = [k for k, f in enumerate(facts) if f.parsed]
    keys = _cell_keys([cells[k][1] for k in live], [cell_ids[k] for k in live] if cell_ids else None)
    live_facts = [facts[k] for k in live]
    groups = [_merge(prefix + keys[g[0]], [live[j] for j in g], facts) for g in _groups(live_facts)]
    bound = {name for f in live_facts for name in f.binds}
    prelude = [name for name in IPYTHON_GLOBALS if name not in bound]
    modules: list[ChainModule] = []
    early: list[tuple[int, int, int, str]] = []
    for group, header, forward, trailer in _chain(groups, prelude):
        early.extend(
            (cells[k][0], line, col, name)
            for k in group.cells
            for name, line, col in facts[k].reads
            if name in forward and not group.later[name].binds[name].imports
        )
        body: list[str] = []
        line_map: list[tuple[int, int] | None] = [None] * len(header)
        for k in group.cells:
            index, source = cells[k]
            lines = _cell_lines(source)
            body.extend(lines)
            line_map.extend((index, n) for n in range(1, len(lines) + 1))
        tail = [f"{NARROWED}{name} = {name}" for name in trailer]
        line_map.extend([None] * len(tail))
        modules.append(ChainModule(group.name, "\n".join(header + body + tail) + "\n", line_map))
    return CellChain(modules, skipped, early)
