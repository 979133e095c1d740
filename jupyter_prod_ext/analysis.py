"""Def-use analysis across cells, in notebook order.

Shared by the dataflow checks (undefined names, hidden state, unused imports)
and by promotion (which definitions a function needs). The unit of analysis is
a top-level statement: a cell is a list of them, and a promotion moves whole
statements.

Each statement yields *events* in evaluation order: a ``use`` reads a
module-level name, a ``bind`` sets one, a ``del`` removes one. Uses inside
function and lambda bodies are *deferred*: they run when the function is
called, not when the cell runs, so they only need the name to exist somewhere
in the notebook. Scopes follow Python's rules (function locals decided up
front, class bodies invisible to methods, comprehensions with their own
scope, ``global``/``nonlocal``, walrus bindings leaving comprehensions).
"""

from __future__ import annotations

import ast
import builtins
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .notebook import CodeUnit, Notebook

EventKind = Literal["use", "bind", "del"]

#: Names a notebook gets from IPython without binding them.
IPYTHON_NAMES = frozenset(
    {
        "get_ipython", "display", "In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_ih", "_oh", "_dh",
        "exit", "quit", "__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__",
        "__annotations__", "__dict__", "__builtin__",
    }
)  # fmt: skip
BUILTIN_NAMES = frozenset(dir(builtins)) | IPYTHON_NAMES


def is_provided(name: str) -> bool:
    """True for builtins and names IPython provides (``_5``, ``_i3`` included)."""
    if name in BUILTIN_NAMES:
        return True
    if name.startswith("_i") and name[2:].isdigit():
        return True
    return name.startswith("_") and name[1:].isdigit()


@dataclass(frozen=True)
class Event:
    kind: EventKind
    name: str
    line: int  # 1-based line in the cell
    deferred: bool = False
    #: for binds: import, def, class, assign, augassign, for, with, except, global, magic, walrus, match
    how: str = ""
    #: for import binds: the module path (``numpy`` for ``import numpy as np``)
    module: str | None = None


@dataclass
class Stmt:
    """A top-level statement of a code cell and what it reads and binds."""

    cell: int
    cell_id: str | None
    node: ast.stmt | None
    line: int
    end_line: int
    events: list[Event] = field(default_factory=list)
    star_imports: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        node = self.node
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return "import"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return "def"
        if isinstance(node, ast.ClassDef):
            return "class"
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            return "assign"
        if isinstance(node, ast.Expr):
            return "expr"
        return "magic" if node is None else "other"

    def bound_names(self, *, deferred: bool = False) -> list[str]:
        seen: dict[str, None] = {}
        for e in self.events:
            if e.kind == "bind" and (deferred or not e.deferred):
                seen.setdefault(e.name)
        return list(seen)

    def free_names(self) -> list[str]:
        """Module-level names this statement needs from elsewhere (immediate and deferred)."""
        bound: set[str] = set()
        out: dict[str, None] = {}
        for e in self.events:
            if e.kind == "bind" and not e.deferred:
                bound.add(e.name)
            elif e.kind in ("use", "del") and (e.deferred or e.name not in bound):
                out.setdefault(e.name)
        return list(out)


Status = Literal["ok", "provided", "later", "undefined", "deleted", "star"]


@dataclass(frozen=True)
class Resolution:
    stmt: Stmt
    event: Event
    status: Status
    #: the statement whose binding satisfies the use (``ok``), or the later one (``later``)
    source: Stmt | None = None


@dataclass
class DefUse:
    stmts: list[Stmt]
    resolutions: list[Resolution]
    bindings: dict[str, list[tuple[Stmt, Event]]]
    uses: dict[str, list[tuple[Stmt, Event]]]
    star_imports: list[tuple[Stmt, str]]
    #: bind events (by identity) that some use reads
    used_bindings: set[int]

    def stmts_of_cell(self, cell: int) -> list[Stmt]:
        return [s for s in self.stmts if s.cell == cell]

    def is_used(self, stmt: Stmt, event: Event) -> bool:
        return id(event) in self.used_bindings


# ---------------------------------------------------------------------------
# Scope-aware event collection


def _target_names(node: ast.AST) -> list[str]:
    names: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.append(sub.id)
    return names


class _Scope:
    def __init__(self, kind: str, local: set[str] | None = None) -> None:
        self.kind = kind  # module, function, class, comprehension
        self.local: set[str] = local or set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()


def _function_locals(body: Iterable[ast.AST], args: ast.arguments | None) -> tuple[set[str], set[str], set[str]]:
    """Names local to a function body (Python decides this before running it)."""
    local: set[str] = set()
    glob: set[str] = set()
    nonloc: set[str] = set()
    if args is not None:
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            local.add(a.arg)
        if args.vararg:
            local.add(args.vararg.arg)
        if args.kwarg:
            local.add(args.kwarg.arg)
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global):
            glob.update(node.names)
            continue
        if isinstance(node, ast.Nonlocal):
            nonloc.update(node.names)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local.add(node.name)
            # decorators/defaults/bases evaluate here, bodies do not
            stack.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                stack.extend(node.bases)
                stack.extend(k.value for k in node.keywords)
            else:
                stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            # only walrus targets escape a comprehension
            for sub in ast.walk(node):
                if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                    local.add(sub.target.id)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    local.add((alias.asname or alias.name).split(".")[0])
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            local.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            local.add(node.name)
        elif isinstance(node, ast.MatchAs) and node.name:
            local.add(node.name)
        elif isinstance(node, ast.MatchStar) and node.name:
            local.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            local.add(node.rest)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            local.add(node.target.id)
        stack.extend(ast.iter_child_nodes(node))
    return local - glob - nonloc, glob, nonloc


class _Collector(ast.NodeVisitor):
    """Walks one top-level statement in evaluation order and records events."""

    def __init__(self, stmt: Stmt) -> None:
        self.stmt = stmt
        self.scopes: list[_Scope] = [_Scope("module")]

    # -- helpers ---------------------------------------------------------
    @property
    def deferred(self) -> bool:
        return any(s.kind == "function" for s in self.scopes)

    def _emit(self, kind: EventKind, name: str, line: int, how: str = "", module: str | None = None) -> None:
        self.stmt.events.append(Event(kind, name, line, self.deferred, how, module))

    def _load(self, name: str, line: int) -> None:
        for scope in reversed(self.scopes):
            if scope.kind == "module":
                self._emit("use", name, line)
                return
            if name in scope.globals:
                self._emit("use", name, line)
                return
            if scope.kind == "class" and scope is not self.scopes[-1]:
                continue  # class bodies are invisible to nested scopes
            if name in scope.local or name in scope.nonlocals:
                return
        self._emit("use", name, line)

    def _store(self, name: str, line: int, how: str, module: str | None = None) -> None:
        scope = self.scopes[-1]
        if scope.kind == "comprehension" and how != "walrus":
            scope.local.add(name)
            return
        if scope.kind == "module" or name in scope.globals:
            self._emit("bind", name, line, how if scope.kind == "module" else "global", module)
            return
        scope.local.add(name)

    def _delete(self, name: str, line: int) -> None:
        scope = self.scopes[-1]
        if scope.kind == "module" or name in scope.globals:
            self._emit("del", name, line)

    def _bind_target(self, target: ast.AST, how: str) -> None:
        """Visit an assignment target: loads inside it (``a[i] = ...``) then stores."""
        if isinstance(target, ast.Name):
            self._store(target.id, target.lineno, how)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_target(elt, how)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, how)
        else:
            self.visit(target)  # attribute or subscript: reads the base object

    # -- names -----------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._load(node.id, node.lineno)
        elif isinstance(node.ctx, ast.Store):
            self._store(node.id, node.lineno, "assign")
        else:
            self._delete(node.id, node.lineno)

    # -- statements ------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for t in node.targets:
            self._bind_target(t, "assign")

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if node.value is not None or not isinstance(node.target, ast.Name):
            self._bind_target(node.target, "assign")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._load(node.target.id, node.target.lineno)
        self.visit(node.value)
        self._bind_target(node.target, "augassign")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        # a walrus in a comprehension binds in the nearest enclosing non-comprehension scope
        saved = self.scopes
        depth = len(saved)
        while depth > 1 and saved[depth - 1].kind == "comprehension":
            depth -= 1
        self.scopes = saved[:depth]
        self._store(node.target.id, node.target.lineno, "walrus")
        self.scopes = saved

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._bind_target(node.target, "for")
        for s in node.body + node.orelse:
            self.visit(s)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, "with")
        for s in node.body:
            self.visit(s)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._store(node.name, node.lineno, "except")
        for s in node.body:
            self.visit(s)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self._store(alias.asname, node.lineno, "import", alias.name)
            else:
                top = alias.name.split(".")[0]
                self._store(top, node.lineno, "import", alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                if len(self.scopes) == 1:
                    self.stmt.star_imports.append(base)
                continue
            self._store(alias.asname or alias.name, node.lineno, "import", f"{base}.{alias.name}")

    def visit_Global(self, node: ast.Global) -> None:
        self.scopes[-1].globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scopes[-1].nonlocals.update(node.names)

    def _visit_args_outside(self, args: ast.arguments) -> None:
        for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(d)
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        self._visit_args_outside(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        local, glob, nonloc = _function_locals(node.body, node.args)
        scope = _Scope("function", local)
        scope.globals, scope.nonlocals = glob, nonloc
        self.scopes.append(scope)
        for s in node.body:
            self.visit(s)
        self.scopes.pop()
        self._store(node.name, node.lineno, "def")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_args_outside(node.args)
        local, glob, nonloc = _function_locals([node.body], node.args)
        scope = _Scope("function", local)
        self.scopes.append(scope)
        self.visit(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        for b in node.bases:
            self.visit(b)
        for k in node.keywords:
            self.visit(k.value)
        self.scopes.append(_Scope("class"))
        for s in node.body:
            self.visit(s)
        self.scopes.pop()
        self._store(node.name, node.lineno, "class")

    def _visit_comprehension(self, generators: list[ast.comprehension], elts: list[ast.expr]) -> None:
        self.visit(generators[0].iter)
        self.scopes.append(_Scope("comprehension"))
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter)
            self._bind_target(gen.target, "for")
            for cond in gen.ifs:
                self.visit(cond)
        for e in elts:
            self.visit(e)
        self.scopes.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._visit_comprehension(node.generators, [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._visit_comprehension(node.generators, [node.elt])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._visit_comprehension(node.generators, [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._visit_comprehension(node.generators, [node.key, node.value])

    # -- match statements ------------------------------------------------
    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self._store(node.name, node.lineno, "match")

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._store(node.name, node.lineno, "match")

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        for k in node.keys:
            self.visit(k)
        for p in node.patterns:
            self.visit(p)
        if node.rest:
            self._store(node.rest, node.lineno, "match")


def statements_of(unit: CodeUnit) -> list[Stmt]:
    """The top-level statements of one code cell with their events."""
    cell = unit.cell
    stmts: list[Stmt] = []
    if unit.tree is None:
        return stmts
    for node in unit.tree.body:
        stmt = Stmt(cell.index, cell.cell_id, node, node.lineno, getattr(node, "end_lineno", None) or node.lineno)
        try:
            _Collector(stmt).visit(node)
        except RecursionError:
            stmt.events.clear()
        stmts.append(stmt)
    for magic in unit.magics:
        if magic.name == "pylab":
            # %pylab star-imports numpy and matplotlib into the namespace
            pseudo = Stmt(cell.index, cell.cell_id, None, magic.line, magic.line)
            pseudo.star_imports.append("pylab")
            stmts.append(pseudo)
            stmts.sort(key=lambda s: s.line)
    if unit.magic_bindings:
        # names bound by magics (``%%capture out``, ``x = !ls``) in a pseudo-statement
        first = unit.magic_bindings[0][1]
        magic = Stmt(cell.index, cell.cell_id, None, first, first)
        magic.events.extend(Event("bind", n, ln, False, "magic") for n, ln in unit.magic_bindings)
        stmts.append(magic)
        stmts.sort(key=lambda s: s.line)
    return stmts


# ---------------------------------------------------------------------------
# The notebook-level pass


def analyse(nb: Notebook) -> DefUse:
    """Resolve every use against the bindings that precede it in notebook order."""
    stmts: list[Stmt] = []
    for unit in nb.units():
        stmts.extend(statements_of(unit))

    bindings: dict[str, list[tuple[Stmt, Event]]] = defaultdict(list)
    uses: dict[str, list[tuple[Stmt, Event]]] = defaultdict(list)
    star_imports: list[tuple[Stmt, str]] = []
    for s in stmts:
        for e in s.events:
            if e.kind == "bind":
                bindings[e.name].append((s, e))
            else:
                uses[e.name].append((s, e))
        star_imports.extend((s, mod) for mod in s.star_imports)

    resolutions: list[Resolution] = []
    used: set[int] = set()
    current: dict[str, tuple[Stmt, Event]] = {}
    deleted: set[str] = set()
    star_seen = False
    deferred: list[tuple[Stmt, Event]] = []
    for s in stmts:
        if s.star_imports:
            star_seen = True
        for e in s.events:
            if e.kind == "bind":
                if e.deferred:
                    continue
                current[e.name] = (s, e)
                deleted.discard(e.name)
                continue
            if e.deferred:
                deferred.append((s, e))
                continue
            if e.name in current:
                src = current[e.name]
                used.add(id(src[1]))
                resolutions.append(Resolution(s, e, "ok", src[0]))
                if e.kind == "del":
                    del current[e.name]
                    deleted.add(e.name)
                continue
            if is_provided(e.name):
                resolutions.append(Resolution(s, e, "provided"))
                continue
            here = (s.cell, s.line)
            later = next(
                (b for b in bindings.get(e.name, []) if not b[1].deferred and (b[0].cell, b[0].line) > here), None
            )
            if later is not None:
                used.add(id(later[1]))
                resolutions.append(Resolution(s, e, "later", later[0]))
            elif e.name in deleted:
                resolutions.append(Resolution(s, e, "deleted"))
            elif any(b[1].deferred for b in bindings.get(e.name, [])):
                resolutions.append(Resolution(s, e, "ok", bindings[e.name][0][0]))
            elif star_seen:
                resolutions.append(Resolution(s, e, "star"))
            else:
                resolutions.append(Resolution(s, e, "undefined"))

    # deferred uses (function bodies) need the name to exist somewhere in the notebook
    for s, e in deferred:
        cands = bindings.get(e.name, [])
        if cands:
            # the binding in effect when the function was defined, else the first after it
            before = [b for b in cands if (b[0].cell, b[0].line) <= (s.cell, s.line)]
            src = before[-1] if before else cands[0]
            for b in cands:
                used.add(id(b[1]))
            resolutions.append(Resolution(s, e, "ok", src[0]))
        elif is_provided(e.name):
            resolutions.append(Resolution(s, e, "provided"))
        elif star_imports:
            resolutions.append(Resolution(s, e, "star"))
        else:
            resolutions.append(Resolution(s, e, "undefined"))
    return DefUse(stmts, resolutions, dict(bindings), dict(uses), star_imports, used)
