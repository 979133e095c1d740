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
import keyword
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from .notebook import PARSE_ERRORS, CodeUnit, Magic, Notebook, parse_expression, unit_fact

EventKind = Literal["use", "bind", "del"]

#: Names a notebook gets from IPython without binding them.
IPYTHON_NAMES = frozenset(
    {
        "get_ipython", "display", "In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_ih", "_oh", "_dh",
        "exit", "quit", "__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__",
        "__annotations__", "__dict__", "__builtin__",
        "_exit_code",  # the exit status of the last ``!cmd``, set by IPython's system()
    }
)  # fmt: skip
BUILTIN_NAMES = frozenset(dir(builtins)) | IPYTHON_NAMES
#: Python 2's builtins that Python 3 has not, with what replaces each
PYTHON2_BUILTINS = {
    "xrange": "range", "raw_input": "input", "unicode": "str", "basestring": "str", "long": "int",
    "unichr": "chr", "reduce": "functools.reduce", "execfile": "exec(open(path).read())", "file": "open",
    "cmp": "(a > b) - (a < b)", "reload": "importlib.reload", "intern": "sys.intern", "apply": "f(*args)",
}  # fmt: skip
#: IPython automagics: typed alone on a line, IPython runs ``%ls`` etc. unless the name is bound.
AUTOMAGIC_NAMES = frozenset(
    {"ls", "pwd", "cd", "who", "whos", "who_ls", "env", "history", "clear", "pip", "conda", "reset", "cls"}
)


#: Modules imported for what importing them does, not for a name (module, what the import registers).
#: Nothing reads the name such an import binds, yet removing it breaks the code that relies on the
#: registration (``projection='3d'``, ``df.hvplot``). The unused-import check counts them as used,
#: as promotion keeps every import nothing reads in the notebook (``promote/rewrite.py``). A module
#: matches itself and its submodules; add one only when importing it is the documented way to register.
SIDE_EFFECT_IMPORTS: dict[str, str] = {
    "mpl_toolkits.mplot3d": "Matplotlib's '3d' projection (`projection='3d'`)",
    "sklearn.experimental": "scikit-learn's experimental estimators",
    "hvplot.pandas": "the `.hvplot` plotting accessor",
    "hvplot.polars": "the `.hvplot` plotting accessor",
    "hvplot.xarray": "the `.hvplot` plotting accessor",
    "hvplot.dask": "the `.hvplot` plotting accessor",
    "geopandas.accessors": "pandas' `.geo` accessor",
    "rioxarray": "xarray's `.rio` accessor",
    "cf_xarray": "xarray's `.cf` accessor",
    "pint_xarray": "xarray's `.pint` accessor",
    "pint_pandas": "pandas' `pint[...]` dtypes",
    "janitor": "pyjanitor's DataFrame methods",
    "swifter": "pandas' `.swifter` accessor",
    "pandas_ta": "pandas' `.ta` accessor",
    "ydata_profiling": "`DataFrame.profile_report`",
    "pandas_profiling": "`DataFrame.profile_report`",
    "ipympl": "the `%matplotlib widget` backend",
    "scienceplots": "Matplotlib's 'science' styles",
    "tensorflow_text": "TensorFlow Text's ops, which a saved model or TF Hub model using them needs to load",
}


def side_effect_of(module: str | None) -> str | None:
    """What importing ``module`` registers, when it is a known side-effect import (else None)."""
    if not module:
        return None
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        found = SIDE_EFFECT_IMPORTS.get(".".join(parts[:n]))
        if found is not None:
            return found
    return None


def imported_for_effect(module: str | None, *, plain: bool) -> bool:
    """Whether an import nothing reads is there for what importing does, not a leftover to delete.

    A known side-effect import (:data:`SIDE_EFFECT_IMPORTS`), or a plain ``import x.y`` of a submodule,
    the idiom of an import made for its effect (``import geopandas.accessors``). A plain top-level
    ``import os`` nothing reads is a leftover. ``plain``: an ``import`` statement's name, not an alias's
    nor a from-import's. What promotion carries: a leftover carried costs a line marked for ruff, a
    registration left out breaks the module. The unused-import check is ruff's F401: it spares only the
    known ones (:func:`side_effect_of`) and reports an unread ``import os.path`` (waivable, its hint says).
    """
    return side_effect_of(module) is not None or (plain and module is not None and "." in module)


def is_provided(name: str) -> bool:
    """True for builtins and names IPython provides (``_5``, ``_i3`` included)."""
    if name in BUILTIN_NAMES:
        return True
    if name.startswith("_i") and name[2:].isdigit():
        return True
    return name.startswith("_") and name[1:].isdigit()


#: ``name(`` or ``name.attr`` in a formula: what patsy and formulaic evaluate in the caller's namespace
_FORMULA_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*(?:\(|\.\s*[A-Za-z_])")
#: a home directory in a path (``~/data``, ``~\\data``, ``~user/data``): no formula's right side
_HOME_PATH = re.compile(r"~[\w.-]*[/\\]")


def is_formula(text: str) -> bool:
    """Whether a string has a model formula's shape: ``"y ~ np.log(x) + C(g)"``, one-sided ``"~ x"``.

    One ``~`` between sides that read as expressions (patsy's ``:`` read as ``*``): a path
    (``"~/data/train.csv"``) or prose (``"approx ~ 3.5 s."``) with a ``~`` in it calls nothing,
    and reading its words as calls made ``train`` of ``read_csv('~/data/train.csv')`` a read name.
    """
    if text.count("~") != 1 or _HOME_PATH.search(text):
        return False
    lhs, rhs = (side.replace(":", "*").strip() for side in text.split("~"))
    if not rhs:
        return False
    try:
        for side in (lhs, rhs) if lhs else (rhs,):
            parse_expression(f"({side}\n)")  # a formula may span lines
    except PARSE_ERRORS:
        return False
    return True


def formula_calls(node: ast.AST | None) -> frozenset[str]:
    """Names the model formulas in ``node`` call: ``smf.ols("y ~ np.log(x) + double_it(z)", df)`` reads
    ``np`` and ``double_it`` when the model is built, from a string, in the namespace of the code that
    builds it. No event of the def-use pass: a formula also calls patsy's own ``C(...)`` and ``I(...)``,
    which nothing binds; the checks and promotion read these names where a binding of them matters."""
    if node is None:
        return frozenset()
    strings = (n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))
    formulas = (text for text in strings if "~" in text and is_formula(text))
    return frozenset(name for text in formulas for name in _FORMULA_CALL.findall(text))


class Event(NamedTuple):
    """One read, binding or deletion of a module-level name.

    A named tuple, not a dataclass: a 1000-cell notebook makes about 25,000 of them on its first
    check, and a tuple costs half the time and memory to make. Identity matters (``DefUse.used_bindings``
    holds ``id(event)``): every event is its own object, even when equal to another.
    """

    kind: EventKind
    name: str
    line: int  # 1-based line in the cell
    deferred: bool = False
    #: for binds: import, def, class, assign, augassign, for, with, except, global, magic, walrus, match
    how: str = ""
    #: for import binds: the module path (``numpy`` for ``import numpy as np``)
    module: str | None = None


#: a call on a dotted name as checks need it: (line, column, root name, attribute chain,
#: no arguments at all, keyword names (None for ``**kwargs``))
Call = tuple[int, int, str, tuple[str, ...], bool, frozenset[str | None]]


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
    #: every call on a dotted name (``np.random.rand(3)``), collected in the same walk as the events
    calls: list[Call] = field(default_factory=list)

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
    #: statements that are a bare automagic (``ls`` alone, nothing binds ``ls``): IPython runs ``%ls``
    automagics: list[Stmt] = field(default_factory=list)

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
        #: function scopes: reads of names not (yet) known to be local, as (event slot, name, line);
        #: decided when the body has been walked and every local is known
        self.pending: list[tuple[int, str, int]] = []


_new_event = object.__new__
_LOAD, _STORE, _NAME, _ATTRIBUTE = ast.Load, ast.Store, ast.Name, ast.Attribute
#: ``Event(...)`` without the named tuple's Python-level ``__new__`` (hot: every name in a cell)
_new_tuple = tuple.__new__
#: an event slot kept for a read inside a function until the function's locals are known
_PENDING = Event("use", "", 0)

#: the keywords of a call without any (most calls): one shared set
_NO_KEYWORDS: frozenset[str | None] = frozenset()
#: fields that never hold a node worth visiting (expression contexts, operators)
_SKIP_FIELDS = frozenset(
    {"ctx", "op", "ops", "type_comment", "kind", "attr", "id", "arg", "module", "level", "is_async", "simple",
     "conversion", "kwd_attrs"}
)  # fmt: skip
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
#: node types with nothing to visit below them
_LEAVES: frozenset[type] = frozenset(
    {ast.Constant}
    | {c for base in (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop) for c in base.__subclasses__()}
)


def _call(node: ast.Call, root: str, chain: tuple[str, ...], args: list[ast.expr], keywords: list[ast.keyword]) -> Call:
    """The :data:`Call` record of ``root.chain(...)``."""
    kw = frozenset(k.arg for k in keywords) if keywords else _NO_KEYWORDS
    return (node.lineno, node.col_offset, root, chain, not args and not keywords, kw)


class _Collector(ast.NodeVisitor):
    """Walks one top-level statement in evaluation order and records events."""

    def __init__(self, stmt: Stmt) -> None:
        self.stmt = stmt
        #: whether event slots were kept for reads in functions (removed when left empty)
        self.slots = False
        self.scopes: list[_Scope] = [_Scope("module")]
        #: how many function scopes enclose the current node (their bodies run later: deferred)
        self._functions = 0

    def visit(self, node: ast.AST) -> None:
        _DISPATCH[type(node)](self, node)

    def generic_visit(self, node: ast.AST) -> None:
        # hot: runs for most nodes of every cell, on every keystroke
        cls = type(node)
        fields = _CHILD_FIELDS.get(cls)
        if fields is None:
            fields = _CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in _SKIP_FIELDS)
        dispatch, leaves, AST = _DISPATCH, _LEAVES, ast.AST
        for name in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if type(value) is list:
                for item in value:
                    # list items are nodes, None (dict ``**``, kw defaults) or names of Global/Nonlocal,
                    # which have their own visitors
                    if item is not None and type(item) not in leaves:
                        dispatch[type(item)](self, item)
            elif type(value) not in leaves and isinstance(value, AST):
                dispatch[type(value)](self, value)

    # -- the commonest expressions, without generic_visit's field loop (same order as the fields) --
    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if type(value) is _NAME:  # ``np.x``: always a read (visit_Name's work without its call)
            if len(self.scopes) == 1:
                self.stmt.events.append(_new_tuple(Event, ("use", value.id, value.lineno, False, "", None)))
            else:
                self._load(value.id, value.lineno)
        else:
            _DISPATCH[type(value)](self, value)

    def visit_Call(self, node: ast.Call) -> None:
        dispatch = _DISPATCH
        func, args, keywords = node.func, node.args, node.keywords
        dispatch[type(func)](self, func)
        if args:
            # an argument that is a name is a read (visit_Name's work inline: most arguments are names)
            module_level, events = len(self.scopes) == 1, self.stmt.events
            for a in args:
                if type(a) is not _NAME:
                    dispatch[type(a)](self, a)
                elif module_level:
                    events.append(_new_tuple(Event, ("use", a.id, a.lineno, False, "", None)))
                else:
                    self._load(a.id, a.lineno)
        if keywords:
            for k in keywords:
                dispatch[type(k.value)](self, k.value)
        if type(func) is _NAME:  # ``f(x)``: the commonest call, no attribute chain to follow
            self.stmt.calls.append(_call(node, func.id, (), args, keywords))
        elif type(func) is _ATTRIBUTE:
            parts: list[str] = []
            while type(func) is _ATTRIBUTE:
                parts.append(func.attr)
                func = func.value
            if type(func) is _NAME:
                parts.reverse()
                self.stmt.calls.append(_call(node, func.id, tuple(parts), args, keywords))

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.visit(node.left)
        self.visit(node.right)

    def visit_Compare(self, node: ast.Compare) -> None:
        self.visit(node.left)
        for c in node.comparators:
            self.visit(c)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self.visit(node.slice)

    def visit_Tuple(self, node: ast.Tuple | ast.List) -> None:
        for e in node.elts:
            self.visit(e)

    visit_List = visit_Tuple

    # -- helpers ---------------------------------------------------------
    @property
    def deferred(self) -> bool:
        return self._functions > 0

    def _emit(self, kind: EventKind, name: str, line: int, how: str = "", module: str | None = None) -> None:
        self.stmt.events.append(_new_tuple(Event, (kind, name, line, self._functions > 0, how, module)))

    def _visit_annotation(self, node: ast.expr) -> None:
        """An annotation's reads, marked ``how="annotation"``: after ``from __future__ import annotations``
        (in any earlier cell: IPython keeps the flag) they are never evaluated, so the notebook pass
        resolves them as it does a function body's (a class annotated with a class defined below it
        was reported as used before its definition)."""
        events = self.stmt.events
        start = len(events)
        self.visit(node)
        for i in range(start, len(events)):
            e = events[i]
            if e is not _PENDING and e.kind == "use" and not e.deferred:
                events[i] = e._replace(how="annotation")

    def _load(self, name: str, line: int) -> None:
        scopes = self.scopes
        for i in range(len(scopes) - 1, -1, -1):
            scope = scopes[i]
            if scope.kind == "module":
                self._emit("use", name, line)
                return
            if name in scope.globals:
                self._emit("use", name, line)
                return
            if scope.kind == "class" and i != len(scopes) - 1:
                continue  # class bodies are invisible to nested scopes
            if name in scope.local or name in scope.nonlocals:
                return
            if scope.kind == "function":
                # Python decides a function's locals before running it: a later assignment in the body
                # still makes this read local. Keep a slot in event order; _close_function decides.
                events = self.stmt.events
                scope.pending.append((len(events), name, line))
                events.append(_PENDING)
                self.slots = True
                return
        self._emit("use", name, line)

    def _open_function(self, args: ast.arguments) -> None:
        local = {a.arg for a in args.posonlyargs}
        local.update(a.arg for a in args.args)
        local.update(a.arg for a in args.kwonlyargs)
        if args.vararg:
            local.add(args.vararg.arg)
        if args.kwarg:
            local.add(args.kwarg.arg)
        self.scopes.append(_Scope("function", local))
        self._functions += 1

    def _close_function(self) -> None:
        """The body is walked, its locals are known: settle its pending reads (outwards, like _load)."""
        scope = self.scopes.pop()
        self._functions -= 1
        events = self.stmt.events
        for slot, name, line in scope.pending:
            if name in scope.local or name in scope.nonlocals:
                continue  # local after all: the slot stays empty
            for i in range(len(self.scopes) - 1, -1, -1):
                outer = self.scopes[i]
                if outer.kind == "module" or name in outer.globals:
                    events[slot] = Event("use", name, line, True)
                    break
                if outer.kind == "class":
                    continue  # invisible to the function nested in it
                if name in outer.local or name in outer.nonlocals:
                    break
                if outer.kind == "function":
                    outer.pending.append((slot, name, line))
                    break

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
        else:
            scope.local.add(name)  # ``del x`` makes x local, like an assignment

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

    def visit_Constant(self, node: ast.Constant) -> None:
        """Nothing to record (and skips ``NodeVisitor``'s slow deprecated-visitor shim)."""

    # -- names -----------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        ctx = type(node.ctx)
        if ctx is _LOAD:
            if len(self.scopes) == 1:  # the common case, a read at module level: no scope walk, _emit inline
                self.stmt.events.append(_new_tuple(Event, ("use", node.id, node.lineno, False, "", None)))
            else:
                self._load(node.id, node.lineno)
        elif ctx is _STORE:
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
        self._visit_annotation(node.annotation)
        if node.value is not None or not isinstance(node.target, ast.Name):
            self._bind_target(node.target, "assign")
        elif self.scopes[-1].kind == "function":
            self.scopes[-1].local.add(node.target.id)  # ``x: int`` alone makes x local to a function

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
                self._visit_annotation(a.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.decorator_list:
            self.visit(d)
        self._visit_args_outside(node.args)
        if node.returns is not None:
            self._visit_annotation(node.returns)
        self._open_function(node.args)
        for s in node.body:
            self.visit(s)
        self._close_function()
        self._store(node.name, node.lineno, "def")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_args_outside(node.args)
        self._open_function(node.args)
        self.visit(node.body)
        self._close_function()

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


def _node_types(base: type[ast.AST] = ast.AST) -> list[type[ast.AST]]:
    """Every node class of the ``ast`` module (its subclasses, recursively)."""
    out: list[type[ast.AST]] = [base]
    for sub in base.__subclasses__():
        out.extend(_node_types(sub))
    return out


#: node type -> the collector's method for it (its ``visit_X``, else ``generic_visit``): ``NodeVisitor.visit``
#: does a getattr per node; one lookup in a plain dict instead (which CPython specialises; a subclass it does
#: not), done inline by the hot visitors
_DISPATCH: dict[type, Callable[[_Collector, Any], None]] = {
    cls: getattr(_Collector, "visit_" + cls.__name__, _Collector.generic_visit) for cls in _node_types()
}


def statements_of(unit: CodeUnit) -> list[Stmt]:
    """The top-level statements of one code cell with their events.

    Collected once per distinct source (kept in the unit's shared ``facts``); a cell
    whose source was seen gets fresh :class:`Stmt` objects that share the frozen events.
    """
    templates = statement_templates(unit)
    cell = unit.cell
    out: list[Stmt] = []
    for t in templates:
        s: Stmt = _new_event(Stmt)
        s.__dict__.update(t.__dict__)
        s.cell, s.cell_id, s.events = cell.index, cell.cell_id, list(t.events)
        out.append(s)
    return out


def statement_templates(unit: CodeUnit) -> list[Stmt]:
    """The cell's statements as collected once per distinct source (shared: never mutate them)."""
    return unit_fact(unit, "stmts", _collect_statements)


def _collect_statements(unit: CodeUnit) -> list[Stmt]:
    cell = unit.cell
    stmts: list[Stmt] = []
    if unit.tree is None:
        return stmts
    collector: _Collector | None = None
    for node in unit.tree.body:
        stmt = Stmt(cell.index, cell.cell_id, node, node.lineno, getattr(node, "end_lineno", None) or node.lineno)
        if collector is None:
            collector = _Collector(stmt)
        else:  # reused across the cell's statements: every scope it opens is closed again
            collector.stmt, collector.slots = stmt, False
        try:
            collector.visit(node)
        except RecursionError:
            stmt.events.clear()
            stmt.calls.clear()
            collector = None  # its scope stack is mid-way
        if collector is not None and collector.slots:
            stmt.events = [e for e in stmt.events if e is not _PENDING]
        if type(node) is ast.Expr and type(node.value) is ast.Call:
            stmt.events.extend(Event("bind", n, node.lineno, False, "assign") for n in _injected_names(node.value))
        stmts.append(stmt)
    for magic in unit.magics:
        star = _magic_star(magic)
        if star is not None:
            pseudo = Stmt(cell.index, cell.cell_id, None, magic.line, magic.line)
            pseudo.star_imports.append(star)
            stmts.append(pseudo)
            stmts.sort(key=lambda s: s.line)
    if unit.magic_bindings:
        # names bound by magics (``%%capture out``, ``x = !ls``) in a pseudo-statement
        first = unit.magic_bindings[0][1]
        binder = Stmt(cell.index, cell.cell_id, None, first, first)
        binder.events.extend(Event("bind", n, ln, False, "magic") for n, ln in unit.magic_bindings)
        stmts.append(binder)
        stmts.sort(key=lambda s: s.line)
    if any(m.kind == "cell" and m.name == "timeit" for m in unit.magics):
        _as_function_locals(stmts)
    return stmts


def _as_function_locals(stmts: list[Stmt]) -> None:
    """A ``%%timeit`` cell's names as IPython runs it: its setup and body are compiled into one function, so
    what they bind is local to it. A name bound there is no notebook global (a later cell reading it gets a
    NameError in a fresh kernel), and the cell's own reads of it read the local, not a global."""
    local = {e.name for s in stmts for e in s.events if e.kind == "bind" and not e.deferred}
    for s in stmts:
        s.events = [e for e in s.events if e.name not in local or (e.kind == "bind" and e.deferred)]


_SYMPY_ALIASES = frozenset({"sympy", "sp", "sym"})


def _injected_names(call: ast.Call) -> list[str]:
    """The globals a call statement binds by name at run time: SymPy's ``var``, fastcore's ``mk_class``."""
    return _sympy_var_names(call) or _mk_class_name(call)


def _mk_class_name(call: ast.Call) -> list[str]:
    """fastcore's ``mk_class("Point", "x", "y")`` creates the class ``Point`` and puts it in the calling
    module's namespace (its documented purpose), so a later ``Point(1, 2)`` reads a defined name (nbdev
    notebooks were told ``Point`` is defined nowhere). Only a literal name is known."""
    func = call.func
    named = (type(func) is ast.Name and func.id == "mk_class") or (type(func) is ast.Attribute and func.attr == "mk_class")
    first = call.args[0] if call.args else None
    if not named or not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return []
    name = first.value
    return [name] if name.isidentifier() and not keyword.iskeyword(name) else []


def _sympy_var_names(call: ast.Call) -> list[str]:
    """The names SymPy's ``var('x y z')`` (``sp.var("a, b")``) binds in the notebook's namespace: it injects a
    symbol for each, as its documentation says, so ``solve(x**2 - a, x)`` below reads them (a public notebook
    was told ``x`` was used before a later ``x = Symbol('x')``)."""
    func = call.func
    named = (type(func) is ast.Name and func.id == "var") or (
        type(func) is ast.Attribute and func.attr == "var" and type(func.value) is ast.Name and func.value.id in _SYMPY_ALIASES
    )
    if not named or not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
        return []
    return [n for n in re.split(r"[\s,]+", call.args[0].value) if n.isidentifier() and not keyword.iskeyword(n)]


def _magic_star(magic: Magic) -> str | None:
    """What a magic star-imports into the namespace, as :func:`star_phrase` names it; None if nothing.

    ``%pylab`` brings in numpy and matplotlib; ``%run script.py`` runs the script in the user
    namespace, so every name it binds is defined afterwards (a notebook reading ``votes`` after
    ``%run fetch.py`` was told ``votes`` is undefined). Neither list of names is knowable here.
    """
    if magic.kind != "line":
        return None
    if magic.name == "pylab":
        return "pylab"
    if magic.name == "run":
        return "%" + magic.text.lstrip("%").strip().rstrip(";").strip()
    return None


def future_annotations(node: ast.ImportFrom) -> bool:
    """``from __future__ import annotations``: from then on no annotation is evaluated (PEP 563)."""
    return node.module == "__future__" and any(a.name == "annotations" for a in node.names)


def star_phrase(module: str) -> str:
    """How the user wrote a star import: ``from numpy import *``, ``%pylab`` or ``%run script.py``."""
    if module.startswith("%"):
        return module
    return f"from {module} import *"


# ---------------------------------------------------------------------------
# The notebook-level pass


def _resolution(stmt: Stmt, event: Event, status: Status, source: Stmt | None = None) -> Resolution:
    """``Resolution(...)`` without the frozen dataclass's per-field ``object.__setattr__`` (one per use)."""
    r: Resolution = _new_event(Resolution)
    r.__dict__.update(stmt=stmt, event=event, status=status, source=source)
    return r


_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def _bound_in(stmt: Stmt, name: str) -> bool:
    return any(e.kind == "bind" and e.name == name and not e.deferred for e in stmt.events)


def analyse(nb: Notebook, *, lean: bool = False, names: frozenset[str] | None = None) -> DefUse:
    """Resolve every use against the bindings that precede it in notebook order.

    ``lean`` (the checks, on every keystroke) leaves out the resolutions no check reads: a use
    of a builtin, and a use satisfied by a binding in its own cell. Promotion needs them all.

    ``names``: the analysis of those names only (cells that mention none are skipped, the events
    of the others filtered). Exact for them because a use is resolved from the events of its own
    name alone, except after a star import, which the caller rules out (:func:`footprint`).
    The incremental checks (``checks/incremental.py``) re-resolve the names a one-cell edit touched.
    """
    stmts = _notebook_statements(nb, names)
    bindings, uses, star_imports = _index_events(stmts)
    resolver = _Resolver(bindings, lean)
    deferred = resolver.in_order(stmts)
    resolver.deferred_uses(deferred, bool(star_imports))
    return DefUse(
        stmts, resolver.resolutions, dict(bindings), dict(uses), star_imports, resolver.used, resolver.automagics
    )


def _notebook_statements(nb: Notebook, names: frozenset[str] | None = None) -> list[Stmt]:
    """Every cell's statements in notebook order; a repeated source gets its own event objects.

    ``names``: only the cells that mention one of them, with only those names' events.
    """
    stmts: list[Stmt] = []
    seen: set[int] = set()
    for unit in nb.units():
        if names is not None:
            if names.isdisjoint(footprint(unit).names):
                continue
            cell_stmts = statements_of(unit)
            for s in cell_stmts:
                s.events = [e for e in s.events if e.name in names]
        else:
            cell_stmts = statements_of(unit)
        if id(unit.facts) in seen:
            _own_events(cell_stmts)
        seen.add(id(unit.facts))
        stmts.extend(cell_stmts)
    return stmts


_Sites = dict[str, list[tuple[Stmt, Event]]]


def _index_events(stmts: list[Stmt]) -> tuple[_Sites, _Sites, list[tuple[Stmt, str]]]:
    """Bindings and uses by name, and the star imports, in notebook order."""
    bindings: _Sites = defaultdict(list)
    uses: _Sites = defaultdict(list)
    star_imports: list[tuple[Stmt, str]] = []
    for s in stmts:
        for e in s.events:
            (bindings if e.kind == "bind" else uses)[e.name].append((s, e))
        if s.star_imports:
            star_imports.extend((s, mod) for mod in s.star_imports)
    return bindings, uses, star_imports


class _Resolver:
    """The notebook-level pass: each use resolved against the binding in effect where it runs."""

    def __init__(self, bindings: _Sites, lean: bool) -> None:
        self.bindings = bindings
        self.lean = lean
        self.resolutions: list[Resolution] = []
        self.automagics: list[Stmt] = []
        #: bind events (by identity) that some use reads
        self.used: set[int] = set()
        #: names deleted (``del``) and not bound again since
        self.deleted: set[str] = set()
        self.star_seen = False
        #: the modules star-imported so far (``fastcore.test`` for ``from fastcore.test import *``)
        self.star_modules: set[str] = set()

    def in_order(self, stmts: list[Stmt]) -> list[tuple[Stmt, Event]]:
        """Resolve the immediate uses in notebook order; the deferred ones (function bodies) are returned.

        The hot loop (one pass per use): the common cases are handled inline with local names.
        """
        lean, deleted = self.lean, self.deleted
        current: dict[str, tuple[Stmt, Event]] = {}
        deferred: list[tuple[Stmt, Event]] = []
        current_get, add_used, resolved = current.get, self.used.add, self.resolutions.append
        lazy = False  # after ``from __future__ import annotations``: annotations are never evaluated
        for s in stmts:
            if s.star_imports:
                self.star_seen = True
                self.star_modules.update(s.star_imports)
            if type(s.node) is ast.ImportFrom and not lazy:
                lazy = future_annotations(s.node)
            for e in s.events:
                if e.kind == "bind":
                    if e.deferred:
                        continue
                    current[e.name] = (s, e)
                    if deleted:
                        deleted.discard(e.name)
                    continue
                if e.deferred or (lazy and e.how == "annotation"):
                    deferred.append((s, e))
                    continue
                src = current_get(e.name)
                if src is None:
                    self._unbound(s, e)
                    continue
                add_used(id(src[1]))
                if not lean or src[0].cell != s.cell:
                    resolved(_resolution(s, e, "ok", src[0]))
                if e.kind == "del":
                    del current[e.name]
                    deleted.add(e.name)
        return deferred

    def _unbound(self, s: Stmt, e: Event) -> None:
        """A use with no binding in effect: provided, bound later in a loop or the notebook, deleted, ..."""
        if is_provided(e.name):
            if not self.lean:
                self.resolutions.append(_resolution(s, e, "provided"))
            return
        if isinstance(s.node, _LOOPS) and _bound_in(s, e.name):
            # bound further down the same loop: read on the next pass (``if i: load(path)`` ... ``path = save()``)
            if not self.lean:
                self.resolutions.append(_resolution(s, e, "ok", s))
            return
        here = (s.cell, s.line)
        sites = self.bindings.get(e.name, [])
        earlier_global = next((b for b in sites if b[1].deferred and (b[0].cell, b[0].line) < here), None)
        if earlier_global is not None and e.name not in self.deleted:
            # ``def initialize(): global svi; svi = SVI(...)`` above, called before this use: a later
            # ``svi = ...`` is not the only way it exists (whether the call ran is not known; it is trusted)
            self.resolutions.append(_resolution(s, e, "ok", earlier_global[0]))
            return
        # ``x *= 0.5`` below reads x first: it cannot be where x comes from
        later = next(
            (b for b in sites if not b[1].deferred and b[1].how != "augassign" and (b[0].cell, b[0].line) > here), None
        )
        if later is not None:
            self.used.add(id(later[1]))
            self.resolutions.append(_resolution(s, e, "star" if self._star_provides(later[1]) else "later", later[0]))
        elif e.name in self.deleted:
            self.resolutions.append(_resolution(s, e, "deleted"))
        elif any(b[1].deferred for b in sites):
            self.resolutions.append(_resolution(s, e, "ok", sites[0][0]))
        elif (words := automagic_words(s.node)) is not None and e.name in words:
            if e.name == words[0]:
                self.automagics.append(s)
            self.resolutions.append(_resolution(s, e, "provided"))
        else:
            self.resolutions.append(_resolution(s, e, "star" if self.star_seen else "undefined"))

    def _star_provides(self, later: Event) -> bool:
        """Whether a star import above provides what a later import of its module names: after ``from
        fastcore.test import *``, ``test_eq(a, b)`` reads the star import's ``test_eq``, not the
        ``from fastcore.test import test_eq`` further down (a later ``def`` of the name is still later)."""
        return later.how == "import" and any(later.module == f"{m}.{later.name}" for m in self.star_modules)

    def deferred_uses(self, deferred: list[tuple[Stmt, Event]], any_star_import: bool) -> None:
        """Deferred uses (function bodies) need the name to exist somewhere in the notebook."""
        for s, e in deferred:
            cands = self.bindings.get(e.name, [])
            if cands:
                # the binding in effect when the function was defined, else the first after it
                before = [b for b in cands if (b[0].cell, b[0].line) <= (s.cell, s.line)]
                src = before[-1] if before else cands[0]
                for b in cands:
                    self.used.add(id(b[1]))
                if not self.lean or src[0].cell != s.cell:
                    self.resolutions.append(_resolution(s, e, "ok", src[0]))
            elif is_provided(e.name):
                if not self.lean:
                    self.resolutions.append(_resolution(s, e, "provided"))
            else:
                self.resolutions.append(_resolution(s, e, "star" if any_star_import else "undefined"))


def _own_events(stmts: list[Stmt]) -> None:
    """Fresh event objects for a second cell with the same source: uses are tracked by event identity."""
    for s in stmts:
        s.events = [_new_tuple(Event, e) for e in s.events]


def automagic_words(node: ast.AST | None) -> tuple[str, ...] | None:
    """The words of an automagic statement, the magic's name first: ``ls`` alone (``("ls",)``), or with
    options written as a shell has them, ``ls -a -l`` (``("ls", "a", "l")``), which Python reads as
    ``ls - a - l``. IPython runs either as ``%ls ...`` when nothing binds the name; None for any other
    statement (``ls - a``, spaced as a subtraction, is one)."""
    if not isinstance(node, ast.Expr):
        return None
    flags: list[str] = []
    expr = node.value
    while isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub) and isinstance(expr.right, ast.Name):
        left_end = expr.left.end_col_offset or 0
        if expr.right.col_offset != left_end + 2 or expr.lineno != expr.right.lineno:
            return None  # `ls - a`: a subtraction, not an option
        flags.append(expr.right.id)
        expr = expr.left
    if not isinstance(expr, ast.Name) or expr.id not in AUTOMAGIC_NAMES:
        return None
    return (expr.id, *reversed(flags))


# ---------------------------------------------------------------------------
# What a cell contributes to the notebook-level pass, once per distinct source


@dataclass(frozen=True)
class Footprint:
    """The module-level names a cell binds and reads, and what else of it the dataflow checks see."""

    binds: frozenset[str]
    #: names read or deleted, builtins and IPython's names apart (``provided``)
    uses: frozenset[str]
    provided: frozenset[str]
    names: frozenset[str]
    star: bool
    #: everything of the cell the dataflow checks read, line numbers included: two versions of a cell
    #: with the same signature give every dataflow finding unchanged (an edit inside a literal, a comment)
    signature: tuple[Any, ...]


def footprint(unit: CodeUnit) -> Footprint:
    """The cell's :class:`Footprint` (a fact of its source)."""
    return unit_fact(unit, "footprint", _footprint)


def _footprint(unit: CodeUnit) -> Footprint:
    binds: set[str] = set()
    uses: set[str] = set()
    sig: list[Any] = [unit.syntax_error is not None or unit.too_large, unit.foreign]
    for s in statement_templates(unit):
        node = s.node
        sig.append(
            (
                type(node),
                s.line,
                s.end_line,
                tuple(s.events),
                tuple(s.star_imports),
                bool(getattr(node, "decorator_list", None)),
                _shape(node),
            )
        )
        for e in s.events:
            (binds if e.kind == "bind" else uses).add(e.name)
    provided = frozenset(n for n in uses if is_provided(n))
    return Footprint(
        binds=frozenset(binds),
        uses=frozenset(uses) - provided,
        provided=provided,
        names=frozenset(binds | uses),
        star=any(s.star_imports for s in statement_templates(unit)),
        signature=tuple(sig),
    )


def _shape(node: ast.stmt | None) -> Any:
    """What the dataflow checks read of a statement beyond its events: an import guard's test, a bare name."""
    if isinstance(node, ast.Try):
        return tuple(ast.dump(h.type) if h.type is not None else None for h in node.handlers)
    if isinstance(node, ast.If):
        return ast.dump(node.test)
    if isinstance(node, ast.Expr) and type(node.value) is ast.Name:
        return node.value.id
    return None


#: a module-level import: (line, name bound, module path)
ImportBind = tuple[int, str, str | None]


def catches_import_error(node: ast.Try) -> bool:
    """A ``try`` one of whose handlers takes a failed import (``except ImportError``,
    ``ModuleNotFoundError``, ``Exception`` or bare): what it imports may be missing."""
    for h in node.handlers:
        names = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type] if h.type is not None else []
        if h.type is None or any(
            isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception") for n in names
        ):
            return True
    return False


def optional_import_lines(unit: CodeUnit) -> frozenset[int]:
    """Lines of the cell's imports tried with a fallback: ``try: from StringIO import StringIO /
    except ImportError: from io import StringIO`` (Python 2's name, else 3's), ``try: import ujson as
    json / except ImportError: import json``. A handler importing the same module again (after a
    ``pip install``) makes it no fallback: that module is needed."""
    return unit_fact(unit, "optional_imports", _optional_import_lines)


def _optional_import_lines(unit: CodeUnit) -> frozenset[int]:
    lines: set[int] = set()
    for node in unit.tree.body if unit.tree is not None else ():
        if not isinstance(node, ast.Try) or not catches_import_error(node):
            continue
        again = {top for h in node.handlers for n in ast.walk(h) for top in _imported_tops(n)}
        for n in (n for stmt in node.body for n in ast.walk(stmt)):
            tops = _imported_tops(n)
            if tops and not tops & again:
                lines.add(n.lineno)  # type: ignore[attr-defined]
    return frozenset(lines)


def _imported_tops(node: ast.AST) -> set[str]:
    """The top-level packages an import statement names (none for another node or a relative import)."""
    if isinstance(node, ast.Import):
        return {a.name.split(".")[0] for a in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return {node.module.split(".")[0]}
    return set()


def import_binds(unit: CodeUnit) -> list[ImportBind]:
    """The cell's module-level imports in order (a fact of its source): aliases without the whole analysis."""
    return unit_fact(unit, "imports", _import_binds)


#: statements whose body is a scope of its own: an import there binds a local (a ``global`` one binds with
#: ``how="global"``), so no module-level import is among their events (most of a notebook's events)
_OWN_SCOPE = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
#: statements that hold no statement, so no import (most of a cell's other statements): their events are
#: never read for imports. Compound statements (``if``, ``try``, ``with``...) are, as is any type not named
#: here (a statement type of a later Python).
_NO_IMPORTS = _OWN_SCOPE | frozenset(
    {ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return, ast.Delete, ast.Pass, ast.Break,
     ast.Continue, ast.Raise, ast.Assert, ast.Global, ast.Nonlocal}
)  # fmt: skip


def _import_binds(unit: CodeUnit) -> list[ImportBind]:
    return [
        (e.line, e.name, e.module)
        for s in statement_templates(unit)
        if type(s.node) not in _NO_IMPORTS
        for e in s.events
        if e.kind == "bind" and e.how == "import" and not e.deferred
    ]
