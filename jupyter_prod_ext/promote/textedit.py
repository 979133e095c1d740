"""Edits of the user's code as text: the few exact changes a promotion needs, everything else as written.

Why: ``ast.unparse`` re-emits a whole definition from its tree, which drops every comment and the
user's layout; a function that gains a parameter would lose its comments silently. So a new
parameter goes into the ``def`` line's text (found with :mod:`tokenize`), a ``None``-sentinel
default and its annotation are replaced where they stand, the sentinel's ``if p is None`` lines are
inserted after the docstring, and calls pass new parameters by keyword inside their parentheses.
Positions are the ast's: 1-based lines and UTF-8 byte columns of ``text``.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from ..notebook import parse_python

#: (line, byte column) of ``text``, both as the ast gives them
Pos = tuple[int, int]


@dataclass(frozen=True)
class Edit:
    start: Pos
    end: Pos
    text: str


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with each edit's range replaced by its text (ranges must not overlap)."""
    lines = text.encode("utf-8").split(b"\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)

    def offset(pos: Pos) -> int:
        return starts[pos[0] - 1] + pos[1]

    raw = text.encode("utf-8")
    for e in sorted(edits, key=lambda e: offset(e.start), reverse=True):
        raw = raw[: offset(e.start)] + e.text.encode("utf-8") + raw[offset(e.end) :]
    return raw.decode("utf-8")


def call_keyword_edits(node: ast.AST, python: str, takes: dict[str, list[str]]) -> Iterator[Edit]:
    """Calls in ``node`` of a function that gained parameters pass them: ``f(x, df=df)``, inserted before
    the call's closing parenthesis, or right after a trailing comma that ends a line
    (``f(\n    a=1, df=df,\n)``: the user's layout and black's magic trailing comma stay), never as a
    new line."""
    for sub in ast.walk(node):
        if not (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in takes):
            continue
        given = {k.arg for k in sub.keywords}
        extra = [f"{p}={p}" for p in takes[sub.func.id] if p not in given]
        if not extra or sub.end_lineno is None or sub.end_col_offset is None:
            continue
        text = ", ".join(extra)
        comma = _trailing_comma(python, sub) if sub.args or sub.keywords else None
        if comma is not None and comma[0] < sub.end_lineno:  # the comma ends a line: keep the layout
            yield Edit(comma, comma, f" {text},")
            continue
        at = (sub.end_lineno, sub.end_col_offset - 1)
        yield Edit(at, at, ", " + text if (sub.args or sub.keywords) and comma is None else text)


def _trailing_comma(python: str, call: ast.Call) -> Pos | None:
    """Where the comma after the call's last argument ends (``f(\n    a=1,\n)``), if it has one."""
    last = max(
        [*call.args, *(k.value for k in call.keywords)],
        key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0),
    )
    if last.end_lineno is None or last.end_col_offset is None or call.end_lineno is None:
        return None
    lines = python.split("\n")
    if call.end_lineno > len(lines):
        return None
    for row in range(last.end_lineno, call.end_lineno + 1):
        raw = lines[row - 1].encode("utf-8")
        start = last.end_col_offset if row == last.end_lineno else 0
        stop = (call.end_col_offset or 1) - 1 if row == call.end_lineno else len(raw)
        # only blanks, closing brackets, a comma and comments can sit there: a comment's commas do not count
        part = raw[start:stop].split(b"#", 1)[0]
        if b"," in part:
            return (row, start + part.index(b",") + 1)
    return None


@dataclass
class _Signature:
    #: where the parameter list's last token ends (or the ``(`` when it is empty)
    last_end: Pos
    #: whether that last token is a trailing comma
    trailing_comma: bool
    #: where ``**kwargs`` starts, if there is one
    double_star: Pos | None
    #: line of the ``:`` that ends the header
    colon: Pos


_LAYOUT = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


def _byte_pos(lines: list[str], row: int, col: int) -> Pos:
    return (row, len(lines[row - 1][:col].encode("utf-8")))


def _signature(text: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Signature:
    """The parameter list's landmarks, read from the tokens of ``text`` (multi-line, comments and all)."""
    lines = text.split("\n")
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.start[0] >= node.lineno and t.type not in _LAYOUT
    ]
    i = next(k for k, t in enumerate(tokens) if t.type == tokenize.NAME and t.string == "def")
    i = next(k for k in range(i, len(tokens)) if tokens[k].string == "(")
    last, depth, double_star = tokens[i], 0, None
    for k in range(i, len(tokens)):
        t = tokens[k]
        if t.type == tokenize.OP and t.string in "([{":
            depth += 1
        elif t.type == tokenize.OP and t.string in ")]}":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and t.string == "**" and double_star is None:
            double_star = _byte_pos(lines, *t.start)
        last = t
    depth, colon = 0, _byte_pos(lines, *t.end)
    for t in tokens[k + 1 :]:
        if t.type == tokenize.OP and t.string in "([{":
            depth += 1
        elif t.type == tokenize.OP and t.string in ")]}":
            depth -= 1
        elif depth == 0 and t.string == ":":
            colon = _byte_pos(lines, *t.end)
            break
    return _Signature(_byte_pos(lines, *last.end), last.string == ",", double_star, colon)


def _parameter_edit(sig: _Signature, node: ast.FunctionDef | ast.AsyncFunctionDef, new: list[str]) -> Edit:
    """``new`` as keyword-only parameters: after a bare ``*``, ``*args`` or keyword-only ones, before ``**kw``."""
    a = node.args
    words = ([] if a.vararg is not None or a.kwonlyargs else ["*"]) + new
    piece = ", ".join(words)
    if sig.double_star is not None:
        return Edit(sig.double_star, sig.double_star, piece + ", ")
    empty = not (a.posonlyargs or a.args or a.vararg or a.kwonlyargs)
    if empty:
        return Edit(sig.last_end, sig.last_end, piece)
    if sig.trailing_comma:
        return Edit(sig.last_end, sig.last_end, " " + piece + ",")
    return Edit(sig.last_end, sig.last_end, ", " + piece)


def _already_optional(ann: ast.expr) -> bool:
    if isinstance(ann, ast.Constant) and ann.value is None:
        return True
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        return _already_optional(ann.left) or _already_optional(ann.right)
    if isinstance(ann, ast.Subscript):
        base = ann.value
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
        return name == "Optional"
    return isinstance(ann, ast.Name) and ann.id in ("Any", "object")


def _sentinel_pairs(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, ast.expr | None]]:
    """Each parameter with its default (None: it has none)."""
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    pairs: list[tuple[ast.arg, ast.expr | None]] = [(arg, None) for arg in positional[: len(positional) - len(a.defaults)]]
    pairs += list(zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True))
    return pairs + list(zip(a.kwonlyargs, a.kw_defaults, strict=True))


def needs_optional_import(node: ast.AST | None, defaults: dict[str, str]) -> bool:
    """Whether making ``defaults`` ``None`` sentinels writes ``Optional[...]`` (``legacy``) for an annotation."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return any(
        arg.arg in defaults
        and default is not None
        and arg.annotation is not None
        and not _already_optional(arg.annotation)
        and not (isinstance(arg.annotation, ast.Constant) and isinstance(arg.annotation.value, str))
        for arg, default in _sentinel_pairs(node)
    )


def _optional_annotation(ann: ast.expr, text: str, legacy: bool) -> Edit | None:
    """``p: str = NAME`` becoming ``p = None`` needs ``str | None`` (``Optional[str]`` for a project that
    targets Python before 3.10): mypy has no implicit Optional."""
    if ann.end_lineno is None or ann.end_col_offset is None or _already_optional(ann):
        return None
    start, end = (ann.lineno, ann.col_offset), (ann.end_lineno, ann.end_col_offset)
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        # a forward reference stays a string: ``"Model" | None`` would fail when evaluated
        return Edit(start, end, repr(f"{ann.value} | None"))
    if legacy:
        return Edit(start, end, f"Optional[{ast.get_source_segment(text, ann)}]")
    simple = isinstance(ann, (ast.Name, ast.Attribute, ast.Subscript)) or (
        isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr)
    )
    if simple:
        return Edit(end, end, " | None")
    return Edit(start, end, f"({ast.get_source_segment(text, ann)}) | None")


def _sentinel_default_edits(
    node: ast.FunctionDef | ast.AsyncFunctionDef, defaults: dict[str, str], text: str, legacy: bool
) -> list[Edit]:
    """``p: T = NAME`` becomes ``p: T | None = None``, in place."""
    edits: list[Edit] = []
    for arg, default in _sentinel_pairs(node):
        if arg.arg not in defaults or default is None or default.end_lineno is None or default.end_col_offset is None:
            continue
        edits.append(Edit((default.lineno, default.col_offset), (default.end_lineno, default.end_col_offset), "None"))
        if arg.annotation is not None:
            optional = _optional_annotation(arg.annotation, text, legacy)
            if optional is not None:
                edits.append(optional)
    return edits


def _resolve_lines_edits(
    node: ast.FunctionDef | ast.AsyncFunctionDef, defaults: dict[str, str], text: str, colon: Pos
) -> list[Edit]:
    """``if p is None: p = NAME`` first in the body, after the docstring, indented as the body is.

    A body written on the header's line (``def f(p=X): return p``) is broken onto its own lines."""
    lines = text.split("\n")
    first = node.body[0]
    own_line = first.lineno > colon[0]
    indent = "    "
    if own_line:
        first_line = lines[first.lineno - 1]
        indent = first_line[: len(first_line) - len(first_line.lstrip())]
    block = "\n".join(f"{indent}if {p} is None:\n{indent * 2}{p} = {name}" for p, name in defaults.items())
    docstring = (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    )
    start = (first.lineno, first.col_offset)
    if not docstring:
        if own_line:
            at = (colon[0], len(lines[colon[0] - 1].encode("utf-8")))
            return [Edit(at, at, "\n" + block)]
        return [Edit(colon, start, "\n" + block + "\n" + indent)]
    edits = [] if own_line else [Edit(colon, start, "\n" + indent)]
    after = (first.end_lineno or first.lineno, first.end_col_offset or 0)
    line = lines[after[0] - 1].encode("utf-8")
    rest = line[after[1] :].decode("utf-8")
    if not rest.strip() or rest.strip().startswith("#"):
        at = (after[0], len(line))
        edits.append(Edit(at, at, "\n" + block))
    else:  # a statement shares the docstring's line (``"doc"; return p``): break it there
        skip = len(rest) - len(rest.lstrip(" \t;"))
        edits.append(Edit(after, (after[0], after[1] + len(rest[:skip].encode("utf-8"))), "\n" + block + "\n" + indent))
    return edits


def add_parameters_text(
    text: str, new: list[str], takes: dict[str, list[str]], defaults: dict[str, str], *, legacy: bool = False
) -> str:
    """The definition ``text`` (starting at column 0, decorators included) with keyword-only parameters
    ``new``, its calls of functions in ``takes`` passing theirs, and ``defaults`` (parameter -> data
    name) turned into ``None`` sentinels (``legacy``: annotations as ``Optional[...]``, for a project that
    targets Python before 3.10); comments and layout as the user wrote them."""
    node = parse_python(text).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    sig = _signature(text, node)
    edits = list(call_keyword_edits(node, text, takes))
    have = {x.arg for x in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
    missing = [p for p in new if p not in have]
    if missing:
        edits.append(_parameter_edit(sig, node, missing))
    if defaults:
        edits += _sentinel_default_edits(node, defaults, text, legacy)
        edits += _resolve_lines_edits(node, defaults, text, sig.colon)
    return apply_edits(text, edits)
