"""Cells of plain statements turned into one function (``as_function``).

Parameters are the data the cells read from earlier cells (names that cannot
move: a loaded frame, a fitted model); imports, functions and constants they use
move along instead. Return values are the names the cells bind that *later*
cells read, so the notebook keeps working with ``a, b = NAME(df)`` in place of
the cells. Without those, the function returns the value the cells' last line
showed (IPython displays a cell's last expression), and the call, the last line
of the cell that replaces them, shows it again; a shown value the call cannot
show is said in a warning, never dropped silently.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field

from ..analysis import Stmt
from ..notebook import cell_number, parse_python
from .select import Program
from .slice import short
from .textedit import add_parameters_text, apply_edits, call_keyword_edits

#: calls that show nothing (they return None): a last line of one is a statement, not a value to return
_SHOW_NOTHING = frozenset({"print", "display"})


@dataclass
class FunctionPiece:
    name: str
    params: list[str]
    returns: list[str]
    #: statements that form the body, in notebook order
    body: list[Stmt]
    cells: list[int]
    text: str = ""
    #: per line of ``text``: (cell, line in cell)
    line_map: list[tuple[int, int] | None] = field(default_factory=list)
    #: the function returns the value its cells' last line showed (the call shows it)
    shows: bool = False
    #: the cells await at top level (IPython runs that): the function is ``async def``, its call awaited
    awaits: bool = False
    #: the cells' last line, left after the call to show its value (see :func:`display_after_call`)
    after: str = ""

    def call_source(self) -> str:
        call = f"{'await ' if self.awaits else ''}{self.name}({', '.join(self.params)})"
        if self.returns:
            call = f"{', '.join(self.returns)} = {call}"
        return f"{call}\n{self.after}" if self.after else call


def split_cells(prog: Program, cells: list[int]) -> tuple[list[Stmt], list[Stmt]]:
    """(definitions and imports that move as themselves, statements that form the body)."""
    lifted: list[Stmt] = []
    body: list[Stmt] = []
    for cell in cells:
        for stmt in prog.du.stmts_of_cell(cell):
            if stmt.node is not None and isinstance(
                stmt.node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                lifted.append(stmt)
            else:
                body.append(stmt)
    return lifted, body


def returned_names(prog: Program, body: list[Stmt], cells: list[int]) -> list[str]:
    """Names the body binds that statements outside the selected cells read afterwards."""
    body_ids = {id(s) for s in body}
    chosen = set(cells)
    last = max(cells)
    out: dict[str, None] = {}
    for r in prog.du.resolutions:
        if r.stmt.cell in chosen or r.stmt.cell < last:
            continue
        if r.source is not None and id(r.source) in body_ids:
            out.setdefault(r.event.name)
    order = [n for s in body for n in s.bound_names() if n in out]
    return list(dict.fromkeys(order))


def shown_values(prog: Program, cells: list[int]) -> list[Stmt]:
    """The selected cells' last lines that showed a value: an expression ends the cell (IPython's
    ``last_expr``), no ``;`` ends it, it is not a call that shows nothing (``print``), and the cell, if
    it was run, did show one (``plt.style.use('classic')``, ``pdb.set_trace()`` return None: nothing)."""
    out: list[Stmt] = []
    for cell in cells:
        stmts = [s for s in prog.du.stmts_of_cell(cell) if s.node is not None]
        last = stmts[-1].node if stmts else None
        unit = prog.units[cell]
        if (
            isinstance(last, ast.Expr)
            and not _shows_nothing(last.value)
            and not _quiet(unit.python)
            and not (_returns_none(last.value) and _ran_showing_nothing(unit.cell.execution_count, unit.cell.outputs))
        ):
            out.append(stmts[-1])
    return out


def _ran_showing_nothing(count: int | None, outputs: tuple[dict[str, object], ...]) -> bool:
    """A cell saved after it ran (an execution count) without the result IPython shows for a value: its
    last line's value was None, if the outputs are of its current source (which nbformat does not record:
    the caller asks for a call known to return None too). A cell never run, or saved without its outputs,
    may show one."""
    return count is not None and not any(o.get("output_type") == "execute_result" for o in outputs)


#: Calls that return None (``plt.style.use``, ``pdb.set_trace``, ``random.seed``, ``df.to_csv``, ``lst.sort``),
#: by the last name of the callee: only for these is a saved run without a result believed, since a cell
#: edited after its last run keeps the outputs of its old source (``r = 2`` ran, ``r`` added and saved)
_NONE_CALLS = frozenset(
    {
        "use", "set_trace", "seed", "show", "savefig", "tight_layout", "filterwarnings", "simplefilter",
        "sleep", "setLevel", "basicConfig", "set_option", "set_printoptions", "set_style", "set_theme",
        "set_context", "to_csv", "to_excel", "to_parquet", "to_pickle", "to_json", "append", "extend",
        "insert", "sort", "shuffle", "clear", "update", "remove", "pprint", "chdir", "makedirs", "mkdir",
    }
)  # fmt: skip


def _returns_none(value: ast.expr) -> bool:
    """Whether the last line is a call of one of :data:`_NONE_CALLS`."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name in _NONE_CALLS


def _shows_nothing(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _SHOW_NOTHING


def _quiet(python: str) -> bool:
    """A cell that ends with ``;`` shows nothing (the test IPython's ``DisplayHook.quiet`` makes)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    skip = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)
    last = next((t for t in reversed(tokens) if t.type not in skip), None)
    return last is not None and last.type == tokenize.OP and last.string == ";"


def display_after_call(prog: Program, body: list[Stmt], cells: list[int]) -> Stmt | None:
    """The body's last statement, when it is a shown value that reads only what the function returns
    (or what the notebook has anyway): it stays in the notebook after the call (``df = load(); df.head()``),
    so the value still shows though the call is an assignment of the returned names."""
    shown = shown_values(prog, cells)
    if not shown or not body or shown[-1] is not body[-1] or len(body) < 2:
        return None
    returns = set(returned_names(prog, body[:-1], cells))
    local = {n for s in body[:-1] for n in s.bound_names(deferred=True)}
    if not returns or (set(body[-1].free_names()) & local) - returns:
        return None
    return body[-1]


def returned_value(shown: list[Stmt], body: list[Stmt], returns: list[str]) -> Stmt | None:
    """The shown value the function can return so its call shows it: the body's last statement, when
    no later cell needs names returned instead."""
    if returns or not shown or not body or shown[-1] is not body[-1]:
        return None
    return shown[-1]


def lost_display(prog: Program, stmt: Stmt, name: str, returns: list[str]) -> str:
    """The one line that says a value a cell showed will not show after the promotion, and what to do."""
    why = (
        f"`{name}` returns {', '.join(returns)} for later cells"
        if returns
        else "one call shows one value, the last cell's"
    )
    return (
        f"Cell {cell_number(stmt.cell)} showed the value of its last line `{short(prog.stmt_text(stmt), 40)}`; "
        f"the call of `{name}` will not show it ({why}): display it in a cell after the call."
    )


def awaits_at_top_level(body: list[Stmt]) -> bool:
    """Whether the statements ``await`` (or ``async for``/``async with``) outside any function of their own,
    as IPython lets a cell do: as the body of a plain ``def`` they would not compile."""
    stack: list[ast.AST] = [s.node for s in body if s.node is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, (ast.comprehension)) and node.is_async:
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _string_continuation_rows(node: ast.AST) -> set[int]:
    """Lines (of the statement's cell) that continue a string begun on an earlier line: indenting them
    would change the string's value (a triple-quoted text), so they keep their place as written."""
    rows: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.Constant, ast.JoinedStr)) and (
            isinstance(n, ast.JoinedStr) or isinstance(n.value, (str, bytes))
        ):
            end = getattr(n, "end_lineno", None) or n.lineno
            rows.update(range(n.lineno + 1, end + 1))
    return rows


def _append_comments(
    prog: Program, lines: list[str], lmap: list[tuple[int, int] | None], cell: int, after: int, before: int = 0
) -> None:
    """Lines between ``after`` and ``before`` (0: the cell's end) of ``cell`` that hold only a comment and
    lie outside every statement (a definition's own comments go with it) go into the body too."""
    text = prog.cell_lines(cell)
    covered = {r for s in prog.du.stmts_of_cell(cell) for r in range(prog.stmt_first_line(s), s.end_line + 1)}
    for row in range(after + 1, before or len(text) + 1):
        if row not in covered and text[row - 1].strip().startswith("#"):
            lines.append("    " + text[row - 1].strip())
            lmap.append((cell, row))


def _last(done: dict[int, int]) -> tuple[int, int]:
    cell = next(reversed(done))
    return cell, done[cell]


def build_function(
    prog: Program,
    name: str,
    body: list[Stmt],
    cells: list[int],
    params: list[str],
    returns: list[str],
    shown: Stmt | None = None,
) -> FunctionPiece:
    """The function's text and line map; ``shown``: the body's last statement, an expression whose value
    the function returns (see :func:`returned_value`)."""
    piece = FunctionPiece(name, params, returns, body, cells, shows=shown is not None)
    piece.awaits = awaits_at_top_level(body)
    first = body[0] if body else None
    head = (first.cell, first.line) if first is not None else (cells[0], 1)
    lines: list[str] = [f"{'async ' if piece.awaits else ''}def {name}({', '.join(params)}):"]
    lmap: list[tuple[int, int] | None] = [head]
    done: dict[int, int] = {}  # cell -> last line emitted
    for stmt in body:
        node = stmt.node
        if node is None:
            continue
        if done and stmt.cell not in done:
            _append_comments(prog, lines, lmap, *_last(done))
        first_line = prog.stmt_first_line(stmt)
        _append_comments(prog, lines, lmap, stmt.cell, done.get(stmt.cell, 0), first_line)
        text_lines = prog.stmt_text(stmt).split("\n")
        verbatim = _string_continuation_rows(node)
        if stmt is shown:
            text_lines[0] = "return " + text_lines[0]
        for i, ln in enumerate(text_lines):
            lines.append(ln if first_line + i in verbatim else ("    " + ln) if ln.strip() else "")
            lmap.append((stmt.cell, first_line + i))
        done[stmt.cell] = stmt.end_line
    if done:
        _append_comments(prog, lines, lmap, *_last(done))
    if returns:
        lines.append(f"    return {', '.join(returns)}")
        lmap.append(lmap[-1])
    if len(lines) == 1:
        lines.append("    pass")
        lmap.append(head)
    piece.text = "\n".join(lines)
    piece.line_map = lmap
    return piece


def add_parameters(
    pieces: list[tuple[str, ast.stmt, str]],
    params: dict[str, list[str]],
    sentinels: dict[str, dict[str, str]] | None = None,
    *,
    legacy: bool = False,
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Turn unmoved names into keyword-only parameters of the functions that read them.

    ``pieces``: (function name, def node, its text) of the moved functions. A moved
    function that calls one which gained a parameter gains it too and passes it
    on (``helper(x, df=df)``), so the module never reads a global that is not
    there. ``sentinels``: per function, parameters whose default was the name
    (``chars=INPUT_CHARS``): the default becomes ``None``, resolved first thing
    in the body (``legacy``: its annotation as ``Optional[...]``). The texts are edited, not re-rendered: comments and layout stay.
    Returns (new source by function name, parameters by function name).
    """
    funcs = {name: node for name, node, _ in pieces}
    sources = {name: text for name, _, text in pieces}
    takes: dict[str, list[str]] = {}
    for pname, labels in params.items():
        users = {label for label in labels if label in funcs}
        changed = True
        while changed:
            changed = False
            for fname, node in funcs.items():
                if fname in users:
                    continue
                if any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in users
                    for n in ast.walk(node)
                ):
                    users.add(fname)
                    changed = True
        for user in sorted(users):
            takes.setdefault(user, []).append(pname)
    texts = {
        fname: add_parameters_text(sources[fname], plist, takes, (sentinels or {}).get(fname, {}), legacy=legacy)
        for fname, plist in takes.items()
    }
    return texts, takes


def pass_parameters(text: str, takes: dict[str, list[str]]) -> str:
    """``text`` (a function of cells) with its calls of functions that gained parameters passing them."""
    return apply_edits(text, list(call_keyword_edits(parse_python(text), text, takes)))
