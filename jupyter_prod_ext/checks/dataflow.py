"""Dataflow: names read before, or without, being bound in notebook order."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..analysis import (
    PYTHON2_BUILTINS,
    DefUse,
    Event,
    Stmt,
    catches_import_error,
    formula_calls,
    side_effect_of,
    star_phrase,
)
from ..notebook import PARSE_ERRORS, CodeUnit, cell_number, cell_numbers, parse_python, unit_fact
from .base import Context, Finding
from .registry import check


@check("undefined-name", "dataflow", "error", "A name is used but never bound anywhere in the notebook.", scope="names")
def undefined_name(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[int, int | None, str]] = set()
    unreadable = _words_of_unparsed_cells(ctx)
    guarded: frozenset[str] | None = None
    py2: dict[int, frozenset[int]] | None = None
    caught: dict[int, frozenset[int]] | None = None
    magic_lines: frozenset[tuple[int, int]] | None = None  # ``!gcloud config set project {project_id}``
    for r in ctx.defuse.resolutions:
        if r.status not in ("undefined", "deleted") or r.event.name in unreadable:
            continue
        if guarded is None:
            guarded = frozenset(m.group(1) for u in ctx.units for m in _GUARDED.finditer(u.cell.source))
        if r.event.name in guarded:
            continue  # ``if "FILES" in globals(): FILE = FILES[0]``: the notebook tests for the name first
        if py2 is None:
            py2 = {u.cell.index: python2_only_lines(u) for u in ctx.units}
        if r.event.line in py2.get(r.stmt.cell, ()):
            continue  # ``if sys.version_info < (3, 0): csv = unicode(csv)`` never runs on Python 3
        if caught is None:
            caught = {u.cell.index: name_error_caught_lines(u) for u in ctx.units}
        if r.event.line in caught.get(r.stmt.cell, ()):
            continue  # ``try: del model / except NameError: pass``: the notebook expects the name may be unbound
        key = (r.stmt.cell, r.event.line, r.event.name)
        if key in seen:
            continue
        seen.add(key)
        if r.status == "deleted":
            msg = f"'{r.event.name}' is used after it was deleted with `del`."
        else:
            msg = f"'{r.event.name}' is not defined anywhere in the notebook."
        if magic_lines is None:
            magic_lines = frozenset((u.cell.index, m.line) for u in ctx.units for m in u.magics)
        hint = (
            "Define it in an earlier cell; IPython cannot fill in the `{…}` and runs the line with the braces as written."
            if (r.stmt.cell, r.event.line) in magic_lines
            else f"It is a builtin of Python 2, which Python 3 has not: port the cell ({PYTHON2_BUILTINS[r.event.name]})."
            if r.event.name in PYTHON2_BUILTINS
            else "Define or import it in an earlier cell; on a fresh kernel this raises NameError."
        )
        yield ctx.finding("undefined-name", "error", r.stmt.cell, r.event.line, msg, hint, subject=r.event.name)


#: what a version test reads, on each Python: ``sys.version_info``, its ``[0]`` / ``.major``, six's flags.
#: Python 3 as its first and a far last release: a test they answer alike is decided for every Python 3
_VERSIONS = {
    "python2": ((2, 7, 18), 2, True),
    "python3.0": ((3, 0, 0), 3, False),
    "python3.99": ((3, 99, 99), 3, False),
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}  # fmt: skip


def python2_only_lines(unit: CodeUnit) -> frozenset[int]:
    """Lines of the cell that run only on Python 2 (``if sys.version_info < (3, 0):`` ... ``else:``), a fact of
    its source: a name read there (``unicode``, ``raw_input``) is never read on the Python 3 that runs it."""
    return unit_fact(unit, "python2-lines", _python2_only_lines)


def _python2_only_lines(unit: CodeUnit) -> frozenset[int]:
    if unit.tree is None or ("version_info" not in unit.python and "PY" not in unit.python):
        return frozenset()
    lines: set[int] = set()
    for node in ast.walk(unit.tree):
        if isinstance(node, ast.If):
            on2, on3 = _version_test(node.test, "python2"), _on_every_python3(node.test)
            branch = node.body if (on2, on3) == (True, False) else node.orelse if (on2, on3) == (False, True) else []
            for stmt in branch:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return frozenset(lines)


def name_error_caught_lines(unit: CodeUnit) -> frozenset[int]:
    """Lines of the cell in the body of a ``try`` one of whose handlers names ``NameError`` (``try: del model``
    / ``except NameError: pass``): a name read there unbound is what the handler is for. A fact of its source."""
    return unit_fact(unit, "name-error-lines", _name_error_caught_lines)


def _name_error_caught_lines(unit: CodeUnit) -> frozenset[int]:
    if unit.tree is None or "NameError" not in unit.python:
        return frozenset()
    lines: set[int] = set()
    for node in ast.walk(unit.tree):
        if isinstance(node, ast.Try) and any(_names_name_error(h.type) for h in node.handlers):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return frozenset(lines)


def _names_name_error(caught: ast.expr | None) -> bool:
    """``except NameError`` or ``except (KeyError, NameError)``."""
    items = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(isinstance(n, ast.Name) and n.id == "NameError" for n in items)


def _on_every_python3(test: ast.expr) -> bool | None:
    """The value of a version test on every Python 3, None when it is none or depends on which one.

    ``sys.version_info < (3, 11)`` holds on 3.10 and not on 3.12: its branch (``tomli.loads``) runs on
    some Python 3, so the names read there are no Python-2-only names.
    """
    first, last = _version_test(test, "python3.0"), _version_test(test, "python3.99")
    return first if first == last else None


def _version_test(test: ast.expr, python: str) -> bool | None:
    """The value of a Python-version test on ``python`` (a key of ``_VERSIONS``), None when it is not one."""
    info, major, is2 = _VERSIONS[python]
    if isinstance(test, (ast.Name, ast.Attribute)):
        flag = test.id if isinstance(test, ast.Name) else test.attr
        return {"PY2": is2, "PY3": not is2}.get(flag)  # six.PY2, six.PY3
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPARE):
        return None
    left, right = _version_value(test.left, info, major), _constant(test.comparators[0])
    if left is None or right is None or isinstance(left, tuple) != isinstance(right, tuple):
        return None
    return _COMPARE[type(test.ops[0])](left, right)


def _version_value(node: ast.expr, info: tuple[int, ...], major: int) -> Any:
    """``sys.version_info`` as ``info``, its ``[0]`` or ``.major`` as ``major``; None for anything else."""
    if isinstance(node, ast.Attribute) and node.attr == "version_info":
        return info
    if isinstance(node, ast.Attribute) and node.attr == "major" and _version_value(node.value, info, major) == info:
        return major
    if isinstance(node, ast.Subscript) and _constant(node.slice) == 0 and _version_value(node.value, info, major) == info:
        return major
    return None


def _constant(node: ast.expr) -> Any:
    """An int, or a tuple of ints, written literally; None otherwise."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts):
        return tuple(e.value for e in node.elts if isinstance(e, ast.Constant))
    return None


_WORD = re.compile(r"[A-Za-z_]\w*")
_GUARDED = re.compile(r"""["']([A-Za-z_]\w*)["']\s+(?:not\s+)?in\s+(?:globals|locals|vars|dir)\(\)""")


def unit_dataflow_text(
    unit: CodeUnit,
) -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """What of a cell's text (not its events) the name checks read: its words when it does not parse or is
    a cell magic's body (:func:`_words_of_unparsed_cells`), the names it tests with ``in globals()``, the
    names its model formulas call (:func:`formula_names`) or its strings of code read (:func:`string_calls`),
    the definitions nbdev exports from it
    (:func:`nbdev_exports`)."""
    unread = unit.syntax_error is not None or unit.too_large or _cell_magic_of(unit) is not None
    words = frozenset(_WORD.findall(unit.cell.source)) if unread else frozenset()
    guarded = frozenset(m.group(1) for m in _GUARDED.finditer(unit.cell.source))
    evaluated = frozenset().union(*(names for _, names in string_calls(unit)))
    return words, guarded, formula_names(unit) | evaluated, nbdev_exports(unit)


#: nbdev's export directives: ``#|export`` (``#| exports``, ``#|exporti``, ``#|export pkg.module``) and
#: nbdev 1's ``#export`` / ``# exports`` alone on a line (an English comment "# export results" is none)
_NBDEV_EXPORT = re.compile(r"^[ \t]*#(?:[ \t]*\|[ \t]*export[si]?(?:[ \t]+[\w.]+)?|[ \t]*export[si]?)[ \t]*$", re.M)


def nbdev_exports(unit: CodeUnit) -> frozenset[str]:
    """The functions and classes of a cell nbdev exports into the library module (an ``#|export`` cell of
    an nbdev notebook, whose module is built from such cells): their users are the library's, not the
    notebook's. A fact of the cell's source."""
    return unit_fact(unit, "nbdev-exports", _nbdev_exports)


def _nbdev_exports(unit: CodeUnit) -> frozenset[str]:
    if unit.tree is None or "export" not in unit.cell.source or not _NBDEV_EXPORT.search(unit.cell.source):
        return frozenset()
    return frozenset(n.name for n in unit.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


def formula_names(unit: CodeUnit) -> frozenset[str]:
    """Names the cell's model formulas call: ``smf.ols("y ~ np.log(x) + double_it(z)", df)`` reads ``np`` and
    ``double_it`` when the model is built, from a string; a fact of the cell's source."""
    return unit_fact(unit, "formula-names", _formula_names)


def _formula_names(unit: CodeUnit) -> frozenset[str]:
    return formula_calls(unit.tree) if "~" in unit.python else frozenset()


def _all_formula_names(ctx: Context) -> frozenset[str]:
    return frozenset().union(*(formula_names(u) for u in ctx.units))


_DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: the builtins that run a string of Python
EVALUATORS = frozenset({"eval", "exec"})
#: a string that may be Python code: a name, a call, an expression (not a sentence, a path, a file name)
_CODE_LIKE = re.compile(r"\A\s*[A-Za-z_][\w.]*\s*(?:[(\[][^\n]*[)\]])?(?:\s*[-+*/%@<>=!&|^,]+\s*[^\n]*)?\Z")


def string_calls(unit: CodeUnit) -> tuple[tuple[str, frozenset[str]], ...]:
    """For each call of the cell given string constants that parse as Python (``display('df1', 'make_df(3)')``,
    ``eval("square(4)")``): the callee's name and the names those strings read. A fact of the cell's source."""
    return unit_fact(unit, "string-calls", _string_calls)


#: what a string constant given to a call as a positional argument follows in the text: ``(`` or ``,``, then
#: blanks, comments, line continuations and brackets, then its quote (a prefix ``r``/``u`` at most: ``b`` makes
#: bytes, ``f`` no constant). A cell without it (most: their strings are values, keys, docstrings) is not walked.
_STRING_ARGUMENT = re.compile(r"[(,](?:\s|#[^\r\n]*|\\(?:\r\n|\r|\n)|\()*[rRuU]?['\"]")


def _string_calls(unit: CodeUnit) -> tuple[tuple[str, frozenset[str]], ...]:
    if unit.tree is None or not _STRING_ARGUMENT.search(unit.python):
        return ()
    out: list[tuple[str, frozenset[str]]] = []
    for node in ast.walk(unit.tree):
        if type(node) is not ast.Call or type(node.func) is not ast.Name:
            continue
        texts = [a.value for a in node.args if type(a) is ast.Constant and isinstance(a.value, str)]
        code = node.func.id in EVALUATORS  # any string eval or exec runs is code; another callee's may be
        names = frozenset(n for text in texts if code or _CODE_LIKE.match(text) for n in _names_read_by(text))
        if names:
            out.append((node.func.id, names))
    return tuple(out)


def _names_read_by(text: str) -> frozenset[str]:
    try:
        tree = parse_python(text.strip())
    except PARSE_ERRORS:
        return frozenset()
    return frozenset(n.id for n in ast.walk(tree) if type(n) is ast.Name and type(n.ctx) is ast.Load)


def _evaluated_names(ctx: Context) -> frozenset[str]:
    """The names read by the strings the notebook runs as Python: those given to ``eval``/``exec`` and to a
    function or class of the notebook that calls one (the ``display('df1', 'make_df(3)')`` helper of a
    data-science book, whose ``_repr_html_`` shows ``eval`` of each string)."""
    evaluators = set(EVALUATORS)
    for s in ctx.defuse.stmts:
        node = s.node
        if isinstance(node, _DEF_NODES) and any(e.name in EVALUATORS for e in s.events if e.kind == "use"):
            evaluators.add(node.name)
    # a call of an evaluator names it in its cell's text: only those cells are walked for their strings
    # (walking every cell that passes a string to any call was a tenth of a cold check)
    calls = (c for u in ctx.units if any(e in u.python for e in evaluators) for c in string_calls(u))
    return frozenset(n for callee, names in calls if callee in evaluators for n in names)


#: cell magics whose body binds Python names the analysis cannot read (``%%cython`` compiles its ``def``s
#: into the notebook's namespace)
_BINDING_CELL_MAGICS = frozenset({"cython"})
#: IPython's decorators that make a function of the notebook a magic (``@register_cell_magic``); a cell that
#: reads one bears on the names of every cell running that magic (``checks.incremental`` re-checks them all)
MAGIC_REGISTRARS = frozenset({"register_cell_magic", "register_line_cell_magic"})


def _words_of_unparsed_cells(ctx: Context) -> frozenset[str]:
    """Every name written in a cell that is not valid Python: it may bind them, nobody can tell.

    ``invalid-syntax`` reports the cell; a name it defines must not be reported again as
    undefined in every cell that uses it. So for the body of a cell magic that defines Python names:
    ``%%cython``, and a magic the notebook registers itself (``%%backend torch`` whose function runs the
    cell with ``get_ipython().run_cell(cell)``).
    """
    registered: frozenset[str] | None = None
    unread: list[str] = []
    for u in ctx.units:
        magic = _cell_magic_of(u)
        if magic is not None and magic not in _BINDING_CELL_MAGICS:
            if registered is None:
                registered = frozenset().union(*(registered_magics(v) for v in ctx.units))
            if magic not in registered:
                continue
        if magic is not None or u.syntax_error is not None or u.too_large:
            unread.append(u.cell.source)
    return frozenset(_WORD.findall("\n".join(unread))) if unread else frozenset()


def _words_of_cells_not_parsed(ctx: Context) -> frozenset[str]:
    """Every name written in a cell of Python that does not parse (a Python 2 ``print x`` cell) or is too large
    to analyse: it may read them, nobody can tell, so an import or a definition it names is not unused
    (``invalid-syntax`` or ``cell-too-large`` reports the cell). The body of another tool's cell magic
    (``%%cython``) reads no Python name."""
    unread = [u.cell.source for u in ctx.units if (u.syntax_error is not None or u.too_large) and not u.foreign]
    return frozenset(_WORD.findall("\n".join(unread))) if unread else frozenset()


def _cell_magic_of(unit: CodeUnit) -> str | None:
    """The name of the cell magic that runs the cell as another tool (``backend`` for ``%%backend torch``)."""
    if unit.foreign and unit.magics and unit.magics[0].kind == "cell":
        return unit.magics[0].name
    return None


def registered_magics(unit: CodeUnit) -> frozenset[str]:
    """The magics the cell defines with a :data:`MAGIC_REGISTRARS` decorator, a fact of its source."""
    return unit_fact(unit, "registered-magics", _registered_magics)


def _registered_magics(unit: CodeUnit) -> frozenset[str]:
    if unit.tree is None or "register_" not in unit.python:
        return frozenset()
    names: set[str] = set()
    for node in unit.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                call = dec if isinstance(dec, ast.Call) else None
                func = call.func if call is not None else dec
                if (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) not in MAGIC_REGISTRARS:
                    continue
                arg = call.args[0] if call is not None and call.args else None
                names.add(arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else node.name)
    return frozenset(names)


@check(
    "use-before-definition",
    "dataflow",
    "error",
    "A name is used before the cell that defines it: the notebook only works thanks to hidden kernel state.",
    scope="names",
)
def use_before_definition(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[int, int, str]] = set()
    for r in ctx.defuse.resolutions:
        if r.status != "later" or r.source is None:
            continue
        key = (r.stmt.cell, r.event.line, r.event.name)
        if key in seen:
            continue
        seen.add(key)
        same = r.source.cell == r.stmt.cell  # ``print(loss(y))`` ... ``loss = ...`` below, in one cell
        where = "in this cell" if same else f"in cell {cell_number(r.source.cell)}"
        yield ctx.finding(
            "use-before-definition",
            "error",
            r.stmt.cell,
            r.event.line,
            f"'{r.event.name}' is used here but only defined later, {where} (line {r.source.line}); it works only "
            f"if {'the cell has run before' if same else 'that cell has run first'} in this kernel.",
            "Move the definition above its first use; on a fresh kernel this raises NameError.",
            subject=r.event.name,
        )


@check(
    "star-import",
    "dataflow",
    "info",
    "After `from x import *`, `%pylab` or `%run script.py` the name analysis cannot know every name: "
    "results are inexact.",
)
def star_import(ctx: Context) -> Iterator[Finding]:
    stars = ctx.defuse.star_imports
    if not stars:
        return
    stmt, module = stars[0]
    what = "%pylab" if module == "pylab" and stmt.node is None else star_phrase(module)
    yield ctx.finding(
        "star-import",
        "info",
        stmt.cell,
        stmt.line,
        f"`{what}` brings in names the analysis cannot list, so undefined names after it are not reported.",
        "Import the names you use explicitly (`from numpy import array, mean`) so every check can see them.",
    )


def _dunder_all(stmts: list[Stmt]) -> set[str]:
    names: set[str] = set()
    for s in stmts:
        node = s.node
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                if isinstance(node.value, (ast.List, ast.Tuple, ast.Set)):
                    names.update(
                        e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    )
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _guarded_import(node: ast.stmt | None) -> bool:
    """An import whose presence is the point: ``try: import x / except ImportError`` or ``if TYPE_CHECKING``."""
    if isinstance(node, ast.Try) and catches_import_error(node):
        return True
    return isinstance(node, ast.If) and _is_type_checking(node.test)


#: top-level statements that can bind an import at module level
_MAY_IMPORT = frozenset(
    {ast.Import, ast.ImportFrom, ast.Try, ast.If, ast.With, ast.For, ast.While, ast.AsyncWith, ast.AsyncFor,
     ast.Match, getattr(ast, "TryStar", ast.Try)}
)  # fmt: skip


@check(
    "unused-import",
    "dataflow",
    "warning",
    "A module-level import is never used (imports known to register something, such as "
    "`mpl_toolkits.mplot3d`'s '3d' projection, count as used; `import a.b` is used when `a` is read).",
    scope="names",
)
def unused_import(ctx: Context) -> Iterator[Finding]:
    """Imports whose names nothing reads.

    Not reported: ``__future__``, names in ``__all__``, ``_``, guarded imports (``try/except
    ImportError``, ``if TYPE_CHECKING``), and the known side-effect imports (``analysis.side_effect_of``:
    ``from mpl_toolkits.mplot3d import Axes3D`` registers the '3d' projection). A plain ``import a.b`` binds
    ``a``: it is used when a read of ``a`` reaches it or another plain import of ``a`` next to it
    (``_package_reads``, ruff's F401 rule); the same module twice stays redundant, so ``import os.path`` nothing reads is reported. For another
    module imported for its side effect the hint says to keep it and waive the finding rather than delete
    it (promotion carries such an import all the same: ``analysis.imported_for_effect``).
    """
    du = ctx.defuse
    exported = _dunder_all(du.stmts) if "__all__" in du.bindings else set()
    in_formulas: frozenset[str] | None = None
    unparsed: frozenset[str] | None = None
    packages: dict[str, dict[int, frozenset[str | None]]] = {}  # _package_reads of each name, when asked
    for s in du.stmts:
        if type(s.node) not in _MAY_IMPORT:
            continue  # a def, class, expression or assignment binds no module-level import
        if isinstance(s.node, ast.ImportFrom) and s.node.module == "__future__":
            continue
        guarded: bool | None = None
        for e in s.events:
            if e.kind != "bind" or e.how != "import" or e.deferred or id(e) in du.used_bindings:
                continue
            if e.name in exported or e.name == "_" or side_effect_of(e.module) is not None:
                continue
            if unparsed is None:
                unparsed = _words_of_cells_not_parsed(ctx)
            if e.name in unparsed:
                continue  # ``clear_output(wait=True)`` in a cell of Python 2 ``print`` statements
            plain = _plain_import(s, e)
            if plain:
                if e.name not in packages:
                    packages[e.name] = _package_reads(du, e.name)
                if packages[e.name].get(id(e), frozenset()) - {e.module}:
                    continue  # ``import a.b`` + ``import a.c`` + ``a.c.x``: both load into the ``a`` read
                if "." in (e.module or "") and _aliased_in_cell(ctx, s.cell, e.name):
                    continue  # ``import a as x`` + ``import a.b``: loads ``b`` for ``x.b``
            if in_formulas is None:
                in_formulas = _all_formula_names(ctx)
            if e.name in in_formulas:
                continue  # ``import numpy as np`` read by ``"y ~ np.log(x)"``
            if guarded is None:
                guarded = _guarded_import(s.node)
            if guarded:
                break
            shown = e.module.lstrip(".") if e.module else e.name
            again = _imported_again(du.bindings.get(e.name, ()), s, e, plain=plain)
            yield ctx.finding(
                "unused-import",
                "warning",
                s.cell,
                e.line,
                f"'{shown if plain else e.name}' is imported here and again {_where(again, s.cell)} before any use: "
                "this import is redundant."
                if again is not None
                else f"'{shown}' is imported but never used."
                if plain
                else f"'{e.name}' is imported but never used" + (f" (from {shown})." if shown and shown != e.name else "."),
                _UNUSED_HINT,
                subject=e.name,
            )


_UNUSED_HINT = (
    "Remove the import; a module carries only what it uses. If it is imported for what importing does "
    "(it registers a plot projection or a pandas accessor), keep it and add `# prod: ignore[unused-import]`."
)


def _imported_again(
    binds: Iterable[tuple[Stmt, Event]], stmt: Stmt, event: Event, *, plain: bool = False
) -> tuple[int, int] | None:
    """The cell and line of a later import of the same name, if there is one (the first import then serves no use).

    ``plain``: a plain ``import a.b`` is redone only by ``import a.b`` itself: a later ``import a.c``
    loads another submodule into the same ``a``, which does not make the first one redundant."""
    here = (stmt.cell, event.line)
    later = [
        b
        for b in binds
        if b[1].how == "import" and (b[0].cell, b[1].line) > here and (not plain or b[1].module == event.module)
    ]
    return (later[0][0].cell, later[0][1].line) if later else None


def _where(place: tuple[int, int], cell: int) -> str:
    """"in cell 7", or "on line 11 of this cell" for a place in the cell the finding is about."""
    return f"on line {place[1]} of this cell" if place[0] == cell else f"in cell {cell_number(place[0])}"


def _plain_import(stmt: Stmt, event: Event) -> bool:
    """``import a`` or ``import a.b`` binding ``a`` (no alias, no from-import): the package object itself."""
    return isinstance(stmt.node, ast.Import) and event.name == (event.module or "").partition(".")[0]


def _aliased_in_cell(ctx: Context, cell: int, package: str) -> bool:
    """Whether the cell also imports ``package`` under another name (``import tensorflow_docs as tfdocs``
    beside ``import tensorflow_docs.plots``): the plain import of the submodule loads it onto the package the
    alias names, for ``tfdocs.plots``, which reads no ``tensorflow_docs``. Read from the cell's own
    statements, so a one-cell edit re-checks it (the alias's reads elsewhere are not followed)."""
    unit = next((u for u in ctx.units if u.cell.index == cell), None)
    if unit is None or unit.tree is None:
        return False
    return any(
        isinstance(node, ast.Import) and any(a.asname and a.name.partition(".")[0] == package for a in node.names)
        for node in unit.tree.body
    )


def _package_reads(du: DefUse, name: str) -> dict[int, frozenset[str | None]]:
    """For each plain import of ``name`` (by event identity): the modules of the plain imports around it
    that a read of ``name`` reaches.

    ``import a.b`` then ``import a.c`` bind one object, the package ``a`` with both submodules loaded: a
    read of ``a`` after the second reaches only it, yet ``a.b.x`` there needs the first. Which submodule a
    read needs is not followed (``getattr``, a function given ``a``): like ruff's F401, a read of ``a``
    counts for every plain import of ``a`` in the unbroken run of them around it; another binding of ``a``
    (an assignment, an alias, a from-import) ends the run. One pass over the name's bindings."""
    out: dict[int, frozenset[str | None]] = {}
    run: list[int] = []
    read: set[str | None] = set()
    for stmt, e in [*du.bindings.get(name, ()), (None, None)]:
        if e is not None and stmt is not None and not e.deferred and _plain_import(stmt, e):
            run.append(id(e))
            if id(e) in du.used_bindings:
                read.add(e.module)
            continue
        done = frozenset(read)
        out.update(dict.fromkeys(run, done))
        run, read = [], set()
    return out


@check(
    "unused-definition",
    "dataflow",
    "info",
    "A top-level function or class is never used in the notebook, not listed in `__all__` and not exported "
    "by an nbdev `#|export` cell.",
    scope="names",
)
def unused_definition(ctx: Context) -> Iterator[Finding]:
    """Top-level functions and classes nothing reads. Not reported: those listed in ``__all__``, decorated
    ones (the decorator registers them), those a model formula calls, and those of an nbdev ``#|export``
    cell (:func:`nbdev_exports`: the notebook is the library's source, its users call them)."""
    du = ctx.defuse
    exported = _dunder_all(du.stmts) if "__all__" in du.bindings else set()
    nbdev: dict[int, frozenset[str]] | None = None
    in_formulas: frozenset[str] | None = None
    evaluated: frozenset[str] | None = None
    unparsed: frozenset[str] | None = None
    for s in du.stmts:
        node = s.node
        if type(node) not in _DEFS:
            continue
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if node.decorator_list:
            continue  # a decorator registers the definition somewhere: that is a use
        if node.name in exported:
            continue
        if nbdev is None:
            nbdev = {u.cell.index: nbdev_exports(u) for u in ctx.units}
        if node.name in nbdev.get(s.cell, ()):
            continue  # ``#|export``: a function of the library the notebook writes
        bind = next((e for e in s.events if e.kind == "bind" and e.name == node.name and not e.deferred), None)
        if bind is None or id(bind) in du.used_bindings:
            continue
        if in_formulas is None:
            in_formulas = _all_formula_names(ctx)
        if node.name in in_formulas:
            continue  # called by a model formula (``"y ~ double_it(x)"``)
        if evaluated is None:
            evaluated = _evaluated_names(ctx)
        if node.name in evaluated:
            continue  # read by a string the notebook evaluates (``eval("square(4)")``)
        if unparsed is None:
            unparsed = _words_of_cells_not_parsed(ctx)
        if node.name in unparsed:
            continue  # called in a cell that does not parse
        if len(du.bindings.get(node.name, ())) > 1 and du.uses.get(node.name):
            continue  # redefined and used elsewhere: redefined-name speaks about it
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        yield ctx.finding(
            "unused-definition",
            "info",
            s.cell,
            s.line,
            f"The {kind} '{node.name}' is defined but never used in the notebook.",
            "Use it, list it in `__all__` if it is meant to be promoted and imported, or delete it.",
            subject=node.name,
        )


_DEFS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_FRESH = frozenset({"assign", "def", "class", "with", "walrus", "import", "match", "except"})


@check(
    "redefined-name",
    "dataflow",
    "info",
    "Several cells bind the same top-level name and other cells read it: the value depends on which ran last.",
    scope="names",
)
def redefined_name(ctx: Context) -> Iterator[Finding]:
    du = ctx.defuse
    candidates: dict[str, dict[int, tuple[Stmt, int, str | None]]] = {}
    for name, binds in du.bindings.items():
        if name.startswith("_") or len(binds) < 2:
            continue
        per_cell: dict[int, tuple[Stmt, int, str | None]] = {}
        for s, e in binds:
            if e.deferred or e.how not in _FRESH or s.cell in per_cell:
                continue
            if any(u.kind == "use" and u.name == name for u in s.events):
                continue  # ``df = clean(df)``: a step of a pipeline, not a second definition
            per_cell[s.cell] = (s, e.line, e.module)
        if len(per_cell) >= 2:
            candidates[name] = per_cell
    if not candidates:
        return
    # only values read by another cell matter: a per-cell temporary (``fig``) is not a redefinition
    escaping: set[str] = set()
    for r in du.resolutions:
        if r.status == "ok" and r.source is not None and r.source.cell != r.stmt.cell and r.event.name in candidates:
            escaping.add(r.event.name)
    for name, per_cell in candidates.items():
        if name not in escaping:
            continue
        cells = sorted(per_cell)
        modules = {per_cell[c][2] for c in cells}
        if len(modules) == 1 and None not in modules:
            continue  # the same import twice: redundant, harmless
        second = per_cell[cells[1]]
        others = cell_numbers(c for c in cells if c != cells[1])
        yield ctx.finding(
            "redefined-name",
            "info",
            second[0].cell,
            second[1],
            f"'{name}' is also defined in cell(s) {others}; cells that read it see whichever ran last.",
            "Give each value its own name, or define it once.",
            subject=name,
        )
