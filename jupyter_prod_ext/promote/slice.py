"""The slice: what the selected code needs from the notebook, transitively, and why.

A dependency moves into the module when moving it cannot change behaviour:
functions, classes, imports (only the names used) and constants bound to pure
expressions (literals, containers, arithmetic, f-strings of other pure names,
a few side-effect-free builtin calls). A name bound by anything else (reading a
file, fitting a model, a loop) is data: it is reported as *unmoved* with the
choices the user has (make it a parameter, move the statement anyway, cancel),
because guessing would either run I/O at import time or silently drop state.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..analysis import (
    BUILTIN_NAMES,
    PYTHON2_BUILTINS,
    Stmt,
    automagic_words,
    formula_calls,
    imported_for_effect,
    is_provided,
    side_effect_of,
    star_phrase,
)
from ..notebook import cell_number
from ..wire import SliceKind
from .select import Program, stmt_label
from .types import Problem, Reason

#: Builtins whose call with pure arguments is itself pure.
PURE_CALLS = frozenset(
    {
        "frozenset", "tuple", "list", "dict", "set", "range", "int", "float", "str", "bool", "complex",
        "bytes", "sorted", "len", "min", "max", "sum", "abs", "round", "enumerate", "zip", "reversed",
        "chr", "ord", "any", "all", "divmod", "pow",
    }
)  # fmt: skip
#: Methods of a str/bytes literal that build a new value (``"".join(...)``, ``",".split(...)``).
PURE_LITERAL_METHODS = frozenset(
    {
        "join", "split", "rsplit", "splitlines", "strip", "lstrip", "rstrip", "upper", "lower", "title",
        "capitalize", "casefold", "replace", "format", "encode", "decode", "zfill", "center", "ljust", "rjust",
        "partition", "rpartition", "startswith", "endswith", "count", "find", "index", "removeprefix",
        "removesuffix", "swapcase", "expandtabs", "translate", "maketrans",
    }
)  # fmt: skip
#: Names IPython provides that a plain module does not have.
IPYTHON_ONLY = frozenset(
    {"get_ipython", "display", "In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_ih", "_oh", "_dh"}
)


def _ipython_only(name: str) -> bool:
    if name in IPYTHON_ONLY:
        return True
    return name.startswith("_") and (name[1:].isdigit() or (name.startswith("_i") and name[2:].isdigit()))


@dataclass
class Piece:
    """A top-level statement that moves into the module."""

    stmt: Stmt
    kind: SliceKind  # function, class, constant, import, statement
    names: list[str]
    reason: str
    selected: bool

    @property
    def name(self) -> str:
        return self.names[-1] if self.kind in ("function", "class") else ", ".join(self.names)


@dataclass
class ImportNeed:
    stmt: Stmt
    bound: str
    #: ``import x.y``: "x.y"; ``from .a import b``: ".a"
    module: str
    #: the imported name of a from-import, else None
    name: str | None
    asname: str | None
    reason: str
    #: no statement of the notebook reads its names: it is there for what importing does
    side_effect: bool = False
    #: only a model formula reads its name (``"y ~ np.log(x)"``): linters see no use, so it says it is meant
    formula_only: bool = False

    @property
    def is_from(self) -> bool:
        return self.name is not None


@dataclass
class Unmoved:
    name: str
    stmt: Stmt
    reason: str
    #: the statement that computes the name, as the notebook has it
    stmt_text: str = ""
    #: labels of the moved code that reads the name
    users: list[str] = field(default_factory=list)
    #: labels of those that read it when they are defined (default, decorator, base class, class body):
    #: for them the name cannot be a parameter
    at_definition: list[str] = field(default_factory=list)
    #: labels of users that are not functions (only functions take parameters)
    not_functions: list[str] = field(default_factory=list)
    #: labels of functions the notebook passes as a value (``study.optimize(objective)``): their caller,
    #: not the notebook, calls them, and cannot pass a new argument
    passed_as_value: list[str] = field(default_factory=list)
    #: the statement that passes each of them (same order)
    passed_where: list[Stmt] = field(default_factory=list)
    #: (function label, parameter) whose default is exactly this name: as a parameter, the default
    #: becomes ``None`` resolved in the body (a read when called, not when defined)
    sentinels: list[tuple[str, str]] = field(default_factory=list)

    @property
    def can_be_parameter(self) -> bool:
        return not self.at_definition and not self.not_functions and not self.passed_as_value


@dataclass
class Consumer:
    stmt: Stmt
    label: str
    #: unmovable names become parameters without asking (an ``as_function`` body)
    auto_param: bool = False
    #: the statement is moved as a piece (vs. a function body built elsewhere)
    piece: Piece | None = None


@dataclass
class SliceResult:
    pieces: list[Piece] = field(default_factory=list)
    imports: list[ImportNeed] = field(default_factory=list)
    unmoved: list[Unmoved] = field(default_factory=list)
    #: name -> labels of the consumers that get it as a parameter
    parameters: dict[str, list[str]] = field(default_factory=dict)
    #: function label -> {parameter: data name}: defaults rewritten to a ``None`` sentinel
    sentinels: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


#: Imported callables whose call with pure arguments builds a value and does nothing else.
PURE_IMPORTED = frozenset(
    {
        "pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath", "re.compile",
        "datetime.date", "datetime.datetime", "datetime.time", "datetime.timedelta", "decimal.Decimal",
        "fractions.Fraction", "collections.namedtuple", "collections.OrderedDict", "typing.TypeVar",
        "typing.NewType", "typing.NamedTuple", "types.MappingProxyType",
    }
)  # fmt: skip


def _dotted(expr: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return list(reversed(parts))


def _pure_shape(node: ast.expr, call_ok: Callable[[ast.expr], bool]) -> bool:
    """Structurally free of side effects (lambda bodies run later); names are checked separately."""
    stack: list[ast.AST] = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.Lambda):
            continue
        if isinstance(sub, ast.Call) and not call_ok(sub.func):
            return False
        if isinstance(sub, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        stack.extend(ast.iter_child_nodes(sub))
    return True


def _is_assign(stmt: Stmt) -> bool:
    node = stmt.node
    if isinstance(node, ast.Assign):
        targets: list[ast.expr] = list(node.targets)
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets = [node.target]
    else:
        return False

    def names_only(t: ast.expr) -> bool:
        if isinstance(t, ast.Name):
            return True
        if isinstance(t, (ast.Tuple, ast.List)):
            return all(names_only(e) for e in t.elts)
        return False

    return all(names_only(t) for t in targets)


def _assign_value(stmt: Stmt) -> ast.expr | None:
    node = stmt.node
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return node.value
    return None


class _Slicer:
    def __init__(self, prog: Program, choices: dict[str, str]) -> None:
        self.prog = prog
        self.choices = choices
        self.out = SliceResult()
        self.piece_of: dict[int, Piece] = {}
        self.import_keys: set[tuple[int, str]] = set()
        self.pure_memo: dict[int, bool] = {}
        self.unmoved_of: dict[str, Unmoved] = {}
        self.queue: deque[Consumer] = deque()
        self.body_ids: set[int] = set()
        #: names the moved code reads as Python, and names only its model formulas read
        self.reads: set[str] = set()
        self.formula_reads: set[str] = set()
        #: function name -> names called by the formulas the notebook passes to it (made when first needed)
        self.passed_formulas: dict[str, frozenset[str]] | None = None

    # -- classification ------------------------------------------------------
    def is_static(self, stmt: Stmt, stack: frozenset[int] = frozenset()) -> bool:
        """def/class/import, or a constant whose value is pure and whose names are static."""
        node = stmt.node
        if node is None:
            return False
        if isinstance(
            node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            return True
        key = id(stmt)
        if key in self.pure_memo:
            return self.pure_memo[key]
        if key in stack:
            return False
        value = _assign_value(stmt)

        def call_ok(func: ast.expr) -> bool:
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Constant)
                and isinstance(func.value.value, (str, bytes))
            ):
                return func.attr in PURE_LITERAL_METHODS
            parts = _dotted(func)
            if parts is None:
                return False
            if len(parts) == 1 and parts[0] in PURE_CALLS:
                return True
            src = self.prog.sources.get((key, parts[0]))
            if src is None or not isinstance(src.node, (ast.Import, ast.ImportFrom)):
                return False
            module = next((e.module for e in src.events if e.kind == "bind" and e.name == parts[0]), None)
            if module is None:
                return False
            full = ".".join([module.lstrip("."), *parts[1:]])
            return full in PURE_IMPORTED

        ok = _is_assign(stmt) and value is not None and _pure_shape(value, call_ok)
        if ok:
            for name in stmt.free_names():
                if name in BUILTIN_NAMES:
                    continue
                status = self.prog.status.get((key, name))
                src = self.prog.sources.get((key, name))
                if status != "ok" or src is None or not self.is_static(src, stack | {key}):
                    ok = False
                    break
        self.pure_memo[key] = ok
        return ok

    # -- the walk ------------------------------------------------------------
    def add_piece(self, stmt: Stmt, reason: str, selected: bool) -> Piece:
        existing = self.piece_of.get(id(stmt))
        if existing is not None:
            return existing
        node = stmt.node
        kind: SliceKind
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = "function"
        elif isinstance(node, ast.ClassDef):
            kind = "class"
        elif self.is_static(stmt):
            kind = "constant"
        else:
            kind = "statement"
        piece = Piece(stmt, kind, stmt.bound_names(), reason, selected)
        self.piece_of[id(stmt)] = piece
        self.out.pieces.append(piece)
        self.queue.append(Consumer(stmt, stmt_label(stmt), piece=piece))
        return piece

    def run(self) -> SliceResult:
        while self.queue:
            self.visit(self.queue.popleft())
        for need in self.out.imports:
            need.formula_only = need.bound in self.formula_reads and need.bound not in self.reads
        self.out.pieces.sort(key=lambda p: (p.stmt.cell, p.stmt.line))
        return self.out

    def _checks(self, c: Consumer) -> bool:
        """Problems of the statement itself; whether it holds a magic (reported here: IPython turned it
        into the ``get_ipython()`` call it reads, which is no second problem)."""
        stmt, prog = c.stmt, self.prog
        unit = prog.units.get(stmt.cell)
        magic = False
        if unit is not None:
            first = prog.stmt_first_line(stmt)
            for m in unit.magics:
                if first <= m.line <= stmt.end_line:
                    self.out.problems.append(
                        Problem(
                            Reason.MAGIC,
                            f"{c.label} (cell {cell_number(stmt.cell)}, line {m.line}) uses the IPython syntax `{m.text}`, "
                            "which a Python module cannot contain; rewrite it in plain Python first.",
                        )
                    )
                    magic = True
                    break
        if stmt.node is None:
            self.out.problems.append(
                Problem(
                    Reason.MAGIC,
                    f"{c.label} is bound by an IPython magic in cell {cell_number(stmt.cell)}; it cannot move.",
                )
            )
        for e in stmt.events:
            if e.kind == "bind" and e.how == "global" and c.piece is not None:
                self.out.problems.append(
                    Problem(
                        Reason.GLOBAL_STATEMENT,
                        f"{c.label} (cell {cell_number(stmt.cell)}) assigns the global `{e.name}` (a `global` statement): in a "
                        f"module it would change the module's `{e.name}`, not the notebook's; make it return the new "
                        "value instead.",
                    )
                )
                break
        return magic

    def visit(self, c: Consumer) -> None:
        """Each name ``c`` reads: moved along (definition, import, pure constant), made a parameter,
        reported as unmoved data, or a problem (IPython-only, star import, undefined)."""
        magic = self._checks(c)
        stmt = c.stmt
        decorators, called = _decorator_and_called_names(stmt.node)
        self.reads.update(stmt.free_names())
        for name in stmt.free_names():
            if magic and name == "get_ipython":
                continue
            key = (id(stmt), name)
            status = self.prog.status.get(key)
            src = self.prog.sources.get(key)
            if self._unavailable(c, name, status, src) or src is None:
                continue
            if id(src) in self.body_ids or src is stmt or id(src) in self.piece_of:
                continue
            self._take(c, name, src, f"{_why(name, src, decorators, called)} {c.label}")
        self._visit_formulas(c)

    def _visit_formulas(self, c: Consumer) -> None:
        """The notebook's names that ``c``'s model formulas call (``"y ~ double_it(x)"``), read like any
        other: patsy evaluates them in the namespace of the code that builds the model, the module's once
        it is promoted, so a function left in the notebook would be a NameError there at run time.

        patsy's ``EvalEnvironment.capture`` (what ``dmatrices`` and statsmodels' ``ols`` do by default)
        takes the frame that calls it: the promoted function's, whose globals are the module's. So a
        formula the notebook passes to a promoted function (``fit("y ~ double_it(x)", df)``, ``fit``
        calling ``smf.ols(formula, data)``) is evaluated in the module too: the names it calls move as
        well, as any dependency (the notebook keeps its own definition)."""
        stmt = c.stmt
        passed = self._formulas_passed(c)
        called, unknown = formulas_by_environment(stmt.node)
        for env in unknown[:1]:
            self.out.problems.append(
                Problem(
                    Reason.UNDEFINED_NAME,
                    f"{c.label} (cell {cell_number(stmt.cell)}) builds a model formula with `eval_env={ast.unparse(env)}`, "
                    "so what the formula calls is looked up in a namespace the module cannot know (a caller's); "
                    "use the default eval_env (where the model is built) or a patsy.EvalEnvironment of its own.",
                )
            )
        for name in sorted((called | passed) - set(stmt.free_names())):
            self.formula_reads.add(name)
            src = self._formula_source(stmt, name)
            if src is None or id(src) in self.body_ids or src is stmt or id(src) in self.piece_of:
                continue  # patsy's own ``C(...)``/``I(...)``, a builtin, or already moved
            whose = f"of {c.label}" if name not in passed else f"passed to {c.label}"
            self._take(c, name, src, f"{_why(name, src, set(), {name})} a model formula {whose}")

    def _formulas_passed(self, c: Consumer) -> frozenset[str]:
        """Names called by the formulas the notebook passes to the moved function ``c``, as a string
        (``fit("y ~ double_it(x)", df)``) or a name assigned one (``fit(FORMULA, df)``)."""
        if c.piece is None or c.piece.kind != "function":
            return frozenset()
        if self.passed_formulas is None:
            self.passed_formulas = {}
            for s in self.prog.du.stmts:
                for call in ast.walk(s.node) if s.node is not None else ():
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                        args = [*call.args, *(k.value for k in call.keywords)]
                        called = frozenset[str]().union(*(self._formula_calls_of(a) for a in args))
                        if called:
                            known = self.passed_formulas.get(call.func.id, frozenset())
                            self.passed_formulas[call.func.id] = known | called
        return self.passed_formulas.get(c.piece.name, frozenset())

    def _formula_calls_of(self, arg: ast.expr) -> frozenset[str]:
        """What the formula ``arg`` calls: a string's, or for a name, the strings assigned to it."""
        if not isinstance(arg, ast.Name):
            return formula_calls(arg)
        values = (_assign_value(s) for s, e in self.prog.du.bindings.get(arg.id, []) if e.how == "assign")
        return frozenset[str]().union(*(formula_calls(v) for v in values if isinstance(v, ast.Constant)))

    def _formula_source(self, stmt: Stmt, name: str) -> Stmt | None:
        """The statement whose binding of ``name`` a formula of ``stmt`` reads: the last one above it, or
        anywhere for a formula in a definition's body (it runs when called)."""
        later = stmt.kind in ("def", "class")
        binds = [
            s
            for s, e in self.prog.du.bindings.get(name, [])
            if not e.deferred and s.node is not None and (later or (s.cell, s.line) < (stmt.cell, stmt.line))
        ]
        return binds[-1] if binds else None

    def _unavailable(self, c: Consumer, name: str, status: str | None, src: Stmt | None) -> bool:
        """A name no statement of the notebook provides (builtins, IPython, a star import, nothing):
        whether it was dealt with here (a problem recorded, or a builtin a module has too)."""
        if status == "provided" or (status is None and name in BUILTIN_NAMES):
            words = automagic_words(c.stmt.node)
            if words is not None and name in words[1:]:
                return True  # an option of ``ls -a``: said with the magic's name
            if not is_provided(name):
                typed = " ".join([name, *(f"-{f}" for f in (words or ())[1:])])
                self.out.problems.append(
                    Problem(
                        Reason.MAGIC,
                        f"{c.label} runs `{typed}` alone on a line, which IPython runs as the magic `%{typed}`; "
                        "a module cannot run magics.",
                    )
                )
            elif _ipython_only(name):
                self.out.problems.append(
                    Problem(
                        Reason.MAGIC,
                        f"{c.label} uses `{name}`, which only IPython provides; a module has no `{name}` "
                        "(for display: `from IPython.display import display`).",
                    )
                )
            return True
        if status == "star":
            mods = ", ".join(f"`{star_phrase(m)}`" for m in sorted({m for _, m in self.prog.du.star_imports}))
            self.out.problems.append(
                Problem(
                    Reason.STAR_IMPORT,
                    f"{c.label} uses `{name}`, which only a star import ({mods or '`*`'}) can provide; "
                    "import the names you use explicitly, then promote again.",
                )
            )
            return True
        if status in ("undefined", "deleted") or src is None:
            self.out.problems.append(Problem(Reason.UNDEFINED_NAME, self._undefined_line(c, name)))
            return True
        return False

    def _undefined_line(self, c: Consumer, name: str) -> str:
        """Why nothing provides ``name``, said as the user can act on it: a builtin of Python 2, a cell that
        does not parse (a Python 2 ``print x`` cell, which may well define it), or nothing at all."""
        if name in PYTHON2_BUILTINS:
            return (
                f"{c.label} uses `{name}`, a builtin of Python 2 that Python 3 has not; port it first "
                f"({PYTHON2_BUILTINS[name]})."
            )
        word = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
        unparsed = next(
            (u for u in self.prog.units.values() if u.syntax_error is not None and word.search(u.cell.source)), None
        )
        if unparsed is not None:
            line, msg = unparsed.syntax_error or (None, "")
            at = f"line {line}: " if line else ""
            return (
                f"{c.label} uses `{name}`, which cell {cell_number(unparsed.cell.index)} may define, but that cell is "
                f"not valid Python ({at}{msg}); fix it first."
            )
        return f"{c.label} uses `{name}`, which no cell defines before it; define or import it first."

    def _take(self, c: Consumer, name: str, src: Stmt, reason: str) -> None:
        """``src`` provides ``name`` to ``c``: move it along, or make it a parameter, or ask (unmoved)."""
        if src.node is None:
            self.out.problems.append(
                Problem(
                    Reason.MAGIC,
                    f"{c.label} uses `{name}`, bound by an IPython magic in cell {cell_number(src.cell)}; a module cannot "
                    "run magics.",
                )
            )
        elif isinstance(src.node, (ast.Import, ast.ImportFrom)):
            self.add_import(src, name, reason)
        elif c.auto_param and src.kind not in ("def", "class"):
            # a function of the cells takes the notebook's values (constants included) as arguments
            self.out.parameters.setdefault(name, []).append(c.label)
        elif self.is_static(src):
            self.add_piece(src, reason, False)
            others = [s for s, e in self.prog.du.bindings.get(name, []) if not e.deferred and s is not src]
            if others and src.kind not in ("def", "class"):
                self.out.warnings.append(
                    f"`{name}` is assigned more than once in the notebook; the module keeps the value from "
                    f"cell {cell_number(src.cell)}."
                )
        else:
            self.unmoved(c, name, src)

    def _passed_as_value(self, function: str) -> Stmt | None:
        """The first statement that uses ``function`` other than by calling it (a callback:
        ``study.optimize(objective, n_trials=100)``): the notebook's calls gain the new keyword arguments,
        that one cannot."""
        for stmt in self.prog.du.stmts:
            if stmt.node is None:
                continue
            called = {id(n.func) for n in ast.walk(stmt.node) if isinstance(n, ast.Call)}
            for n in ast.walk(stmt.node):
                if isinstance(n, ast.Name) and n.id == function and isinstance(n.ctx, ast.Load):
                    if id(n) not in called:
                        return stmt
        return None

    def unmoved(self, c: Consumer, name: str, src: Stmt) -> None:
        """A data name the moved code reads: record who reads it and how, then apply the user's choice."""
        u = self.unmoved_of.get(name)
        if u is None:
            u = self.unmoved_of[name] = Unmoved(
                name,
                src,
                f"`{name}` (cell {cell_number(src.cell)}) is data the notebook computes "
                f"(`{short(self.prog.source_text(src))}`)",
                self.prog.source_text(src),
            )
            self.out.unmoved.append(u)
        at_definition = any(
            e.kind == "use" and e.name == name and not e.deferred for e in c.stmt.events
        ) and c.stmt.kind in ("def", "class")
        is_function = c.piece is not None and c.piece.kind == "function"
        sentinel: list[str] = []
        if at_definition and is_function and all(s is src for s, _ in self.prog.du.bindings.get(name, [])):
            # bound once: the value read when called is the object the default held
            sentinel = sentinel_defaults(c.stmt.node, name)
            at_definition = not sentinel
        if c.label not in u.users:
            u.users.append(c.label)
            if at_definition:
                u.at_definition.append(c.label)
            if not is_function:
                u.not_functions.append(c.label)
            elif c.piece is not None and (passed := self._passed_as_value(c.piece.name)) is not None:
                u.passed_as_value.append(c.label)
                u.passed_where.append(passed)
            u.sentinels += [(c.label, p) for p in sentinel]
        choice = self.choices.get(name)
        if choice == "move":
            if id(src) not in self.piece_of:
                self.add_piece(src, f"moved on request, used by {c.label}", False)
                self.out.warnings.append(
                    f"`{name}` moved on request: its statement (cell {cell_number(src.cell)}) now runs when the module "
                    "is imported."
                )
        elif choice == "parameter":
            if at_definition:
                self.out.problems.append(
                    Problem(
                        Reason.READ_AT_DEFINITION,
                        f"{c.label} reads `{name}` when it is defined (a default value, decorator, base class or "
                        f"class body), so `{name}` cannot be a parameter; move its statement too, or cancel.",
                    )
                )
            elif not is_function:
                self.out.problems.append(
                    Problem(
                        Reason.NOT_A_FUNCTION,
                        f"`{name}` can only become a parameter of a function, and {c.label} is not one; "
                        "move its statement too, or cancel.",
                    )
                )
            elif c.label in u.passed_as_value:
                where = u.passed_where[u.passed_as_value.index(c.label)]
                self.out.problems.append(
                    Problem(
                        Reason.NOT_A_FUNCTION,
                        f"{c.label} is passed as a value in cell {cell_number(where.cell)} "
                        f"(`{short(self.prog.source_text(where), 50)}`), so what calls it cannot pass `{name}`: "
                        f"`{name}` cannot become its parameter; move its statement too, or cancel.",
                    )
                )
            else:
                self.out.parameters.setdefault(name, []).append(c.label)
                if sentinel:
                    self.out.sentinels.setdefault(c.label, {}).update(dict.fromkeys(sentinel, name))

    def add_import(self, src: Stmt, name: str, reason: str) -> None:
        key = (id(src), name)
        if key in self.import_keys:
            return
        self.import_keys.add(key)
        node = src.node
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound == name:
                    self.out.imports.append(ImportNeed(src, name, alias.name, None, alias.asname, reason))
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if node.level:
                self.out.warnings.append(
                    f"`{name}` comes from the relative import `from {base} import ...` (cell {cell_number(src.cell)}); "
                    "check that it resolves from the module's package."
                )
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    self.out.imports.append(ImportNeed(src, name, base, alias.name, alias.asname, reason))


def side_effect_imports(prog: Program, selected: list[Stmt], packages: set[str]) -> list[ImportNeed]:
    """Imports that ran before the selected code, that no statement of the notebook reads, and that are
    there for what importing does (``analysis.imported_for_effect``: ``import geopandas.accessors``
    registers pandas' ``.geo``, ``from mpl_toolkits.mplot3d import Axes3D`` the '3d' projection): the
    promoted code may rely on it, so the module, imported alone, needs them too. Any other import
    nothing reads (``import os``, ``import numpy as np``) is a leftover, not a side effect to carry; the
    unused-import check reports it by the same rule.

    ``packages``: the top-level packages the module imports from (``import geopandas``, ``import
    geopandas as gpd``, ``from geopandas import read_file``: ``geopandas``). A plain ``import
    geopandas.accessors`` binds ``geopandas``, so a read of that name (the promoted code's, or any cell's)
    made it look read, and it was dropped: the module imported the package without the registration.
    Such an import is carried whenever the module imports from its package anyway.

    A submodule import of a package the notebook reads under another name (``import scipy as sp`` +
    ``import scipy.fftpack``, for ``sp.fftpack.fft``) is there for that attribute, not for an effect
    elsewhere: it is carried only into a module that imports from the package (a module reading pandas
    only got ``import scipy.fftpack  # noqa: F401``). A known registration (``geopandas.accessors``)
    is carried always."""
    if not selected:
        return []
    first = min((s.cell, s.line) for s in selected)
    read = {name for s in prog.du.stmts for name in s.free_names()}
    read_packages = _packages_read(prog, read)
    out: list[ImportNeed] = []
    for stmt in prog.du.stmts:
        if isinstance(stmt.node, (ast.Import, ast.ImportFrom)) and (stmt.cell, stmt.line) < first:
            for need in _effect_imports(stmt, stmt.node):
                top = need.module.split(".")[0]
                known = side_effect_of(need.module if need.name is None else f"{need.module}.{need.name}")
                if is_plain_import(need) and top in packages:
                    out.append(need)
                elif need.bound not in read and (known or top not in read_packages):
                    out.append(need)
    return out


def _packages_read(prog: Program, read: set[str]) -> set[str]:
    """The top-level packages of the notebook's imports whose bound name some statement reads."""
    out: set[str] = set()
    for stmt in prog.du.stmts:
        node = stmt.node
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names if (a.asname or a.name.split(".")[0]) in read)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if any((a.asname or a.name) in read for a in node.names):
                out.add(node.module.split(".")[0])
    return out


def formulas_by_environment(node: ast.AST | None) -> tuple[frozenset[str], list[ast.expr]]:
    """What the model formulas in ``node`` call from the namespace where they are built, and the
    ``eval_env=`` values that say a namespace no reading of the code can know.

    patsy's ``dmatrices(f, data, eval_env=0)`` and statsmodels' ``smf.ols(f, data, eval_env=0)``
    evaluate the formula where the call is (the default): the module's once promoted. ``eval_env=-1``
    (statsmodels' clean namespace) or a ``patsy.EvalEnvironment(...)`` made for it reads nothing of the
    module: what the formula calls does not move. A depth of 1 or more (a caller's frame) or a value
    computed elsewhere depends on who calls the code: unknown."""
    called: set[str] = set()
    unknown: list[ast.expr] = []
    stack = [node] if node is not None else []
    while stack:
        sub = stack.pop()
        env = _eval_env_of(sub) if isinstance(sub, ast.Call) else None
        kind = _environment_kind(env) if env is not None else "here"
        if kind == "unknown" and env is not None:
            unknown.append(env)
        if kind != "here":
            continue
        if isinstance(sub, ast.Constant):
            called |= formula_calls(sub)
        stack.extend(ast.iter_child_nodes(sub))
    return frozenset(called), unknown


def _eval_env_of(call: ast.Call) -> ast.expr | None:
    """The ``eval_env`` a formula call is given: by keyword, or third positional to patsy's ``dmatrix``."""
    for kw in call.keywords:
        if kw.arg == "eval_env":
            return kw.value
    parts = _dotted(call.func) or []
    if parts[-1:] in (["dmatrix"], ["dmatrices"]) and len(call.args) > 2:
        return call.args[2]
    return None


def _environment_kind(env: ast.expr) -> str:
    """'here' (where the call is), 'own' (a namespace given with it, or none), or 'unknown'."""
    value = ast.literal_eval(env) if isinstance(env, (ast.Constant, ast.UnaryOp)) and _literal(env) else None
    if value == 0 and not isinstance(value, bool):
        return "here"
    if value == -1:
        return "own"
    parts = (_dotted(env.func) if isinstance(env, ast.Call) else None) or []
    if isinstance(env, ast.Call) and parts[-1:] == ["EvalEnvironment"]:
        return "own"
    if isinstance(env, ast.Call) and parts[-2:] == ["EvalEnvironment", "capture"]:
        depth = [*env.args, *(k.value for k in env.keywords if k.arg == "eval_env")]
        return "here" if all(isinstance(d, ast.Constant) and d.value == 0 for d in depth) else "unknown"
    return "unknown"


def _literal(env: ast.expr) -> bool:
    try:
        return isinstance(ast.literal_eval(env), int)
    except ValueError:
        return False


def dotted_reads(stmts: list[Stmt]) -> set[str]:
    """Every dotted path the statements read, with its prefixes: ``xml.etree.ElementTree.fromstring(s)``
    reads ``xml``, ``xml.etree``, ``xml.etree.ElementTree`` and the function; what tells a plain submodule
    import the code uses from one kept for what importing it does."""
    out: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt.node) if stmt.node is not None else ():
            parts = (_dotted(node) if isinstance(node, ast.Attribute) else None) or []
            out.update(".".join(parts[:n]) for n in range(2, len(parts) + 1))
    return out


def is_plain_import(need: ImportNeed) -> bool:
    """``import a`` or ``import a.b`` (no alias, no from): each binds ``a`` to the same package object."""
    return need.name is None and need.asname is None


def _effect_imports(stmt: Stmt, node: ast.Import | ast.ImportFrom) -> Iterator[ImportNeed]:
    """The names of one import statement made for their effect (whether anything reads them aside)."""
    reason = f"imported for its side effect (cell {cell_number(stmt.cell)})"
    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module:
            return  # a relative import is the notebook's own module, no known registration
        for alias in node.names:
            if imported_for_effect(f"{node.module}.{alias.name}", plain=False):
                bound = alias.asname or alias.name
                yield ImportNeed(stmt, bound, node.module, alias.name, alias.asname, reason, side_effect=True)
        return
    for alias in node.names:
        if imported_for_effect(alias.name, plain=alias.asname is None):
            bound = alias.asname or alias.name.split(".")[0]
            yield ImportNeed(stmt, bound, alias.name, None, alias.asname, reason, side_effect=True)


def sentinel_defaults(node: ast.AST | None, name: str) -> list[str]:
    """Parameters of the function ``node`` whose default is exactly ``name``, when those defaults are the
    only reads of ``name`` at definition time (no decorator, annotation or other default reads it) and
    no parameter is called ``name``; else none. Only then can ``p=None`` + ``if p is None: p = name``
    in the body replace the read faithfully (the same object, read when called)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    a = node.args
    every = [*a.posonlyargs, *a.args, *a.kwonlyargs, *([a.vararg] if a.vararg else []), *([a.kwarg] if a.kwarg else [])]
    if any(arg.arg == name for arg in every):
        return []
    positional = [*a.posonlyargs, *a.args]
    defaults = list(zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True))
    defaults += [(arg, d) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
    params = [arg.arg for arg, d in defaults if isinstance(d, ast.Name) and d.id == name]
    evaluated: list[ast.expr | None] = [*node.decorator_list, *(d for _, d in defaults), node.returns]
    evaluated += [arg.annotation for arg in every]
    reads = sum(
        1 for e in evaluated if e is not None for n in ast.walk(e) if isinstance(n, ast.Name) and n.id == name
    )
    return params if params and reads == len(params) else []


def _decorator_and_called_names(node: ast.AST | None) -> tuple[set[str], set[str]]:
    """Names in the decorators of a definition, and names called anywhere in it (to say why a name moves)."""
    decorators: set[str] = set()
    called: set[str] = set()
    if node is not None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in node.decorator_list:
                decorators.update(n.id for n in ast.walk(d) if isinstance(n, ast.Name))
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                called.add(sub.func.id)
    return decorators, called


def _why(name: str, src: Stmt, decorators: set[str], called: set[str]) -> str:
    if name in decorators:
        return "decorator used by"
    if src.kind == "import":
        return "import used by"
    if src.kind == "class":
        return "class used by"
    if src.kind == "def":
        return "called by" if name in called else "used by"
    return "constant used by"


def short(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters: code quoted in a message."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def compute_slice(
    prog: Program,
    roots: list[tuple[Stmt, str]],
    *,
    choices: dict[str, str] | None = None,
    bodies: list[tuple[Stmt, str]] | None = None,
) -> SliceResult:
    """Pieces (roots first, then their dependencies), imports, unmoved names and problems.

    ``bodies`` are the statements of an ``as_function`` body: their needs are
    resolved like the roots', but names they read from data become parameters.
    """
    slicer = _Slicer(prog, dict(choices or {}))
    for stmt, _label in bodies or []:
        slicer.body_ids.add(id(stmt))
    for stmt, reason in roots:
        slicer.add_piece(stmt, reason, True)
    for stmt, label in bodies or []:
        slicer.queue.append(Consumer(stmt, label, auto_param=True))
    return slicer.run()


def is_static(prog: Program, stmt: Stmt) -> bool:
    """Whether ``stmt`` can move into a module as it is (definition, import or pure constant)."""
    return _Slicer(prog, {}).is_static(stmt)
