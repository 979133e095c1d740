"""black behind a small typed API that never raises.

Used by the ``not-black-formatted`` check (on every check request, so it must be
cheap when nothing changed), by ``POST format`` and by promotion. Notebook cells
go through black's own Jupyter support (``format_cell`` with ``is_ipynb=True``),
which masks ``%magic``, ``!cmd`` and Python cell magics and leaves cells with
other cell magics (``%%bash``, ``%%html``) alone. A cell black cannot handle is
a finding with a reason, not an error of the request, so every failure becomes
``FormatResult.error``.

Results are memoised by (sha256 of the source, mode): a notebook with 500
cells where one changed re-formats one cell.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import black
from black.handle_ipynb_magics import PYTHON_CELL_MAGICS
from black.mode import Mode
from black.report import NothingChanged

from .errors import InputError, NotebookError
from .lru import LockedLRU
from .notebook import PARSE_ERRORS, parse_problem, parse_python

#: Bound of the memo; a cell result is a few hundred bytes.
CACHE_MAX_ENTRIES = 20_000
_REASON_MAX = 200

_cache: LockedLRU[tuple[str, str, str], FormatResult] = LockedLRU()
#: How many times black itself ran (tests prove cache hits by watching this).
_black_calls = 0


@dataclass(frozen=True)
class FormatResult:
    """black's verdict on one source: ``source`` is the formatted text (or the input when unchanged)."""

    changed: bool
    source: str
    error: str | None = None


@dataclass(frozen=True)
class CellFormatResult:
    """:class:`FormatResult` of one notebook cell, by the cell's index in the notebook."""

    cell: int
    changed: bool
    source: str
    error: str | None = None


_Formatter = Callable[[str, Mode], FormatResult]


def black_call_count() -> int:
    return _black_calls


def clear_cache() -> None:
    _cache.clear()


def notebook_mode(mode: Mode) -> Mode:
    return mode if mode.is_ipynb else dataclasses.replace(mode, is_ipynb=True)


def module_mode(mode: Mode) -> Mode:
    return dataclasses.replace(mode, is_ipynb=False) if mode.is_ipynb else mode


def format_source(source: str, mode: Mode | None = None) -> FormatResult:
    """Format one notebook cell's source (IPython syntax allowed)."""
    nb_mode = notebook_mode(mode or Mode())
    return _memo(source, nb_mode, "cell", _format_cell_uncached)


def format_cells(cells: Iterable[tuple[int, str]], mode: Mode | None = None) -> list[CellFormatResult]:
    """Format notebook cells given as ``(cell index, source)``; order is kept."""
    nb_mode = notebook_mode(mode or Mode())
    out: list[CellFormatResult] = []
    for index, source in cells:
        result = _memo(source, nb_mode, "cell", _format_cell_uncached)
        out.append(CellFormatResult(index, result.changed, result.source, result.error))
    return out


def format_module_text(text: str, mode: Mode | None = None) -> FormatResult:
    """Format a whole ``.py`` module (promotion's generated code)."""
    return _memo(text, module_mode(mode or Mode()), "module", _format_module_uncached)


def _memo(source: str, mode: Mode, kind: str, fn: _Formatter) -> FormatResult:
    key = (hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest(), _mode_key(mode), kind)
    return _cache.get_or_compute(key, lambda: fn(source, mode), CACHE_MAX_ENTRIES)


def _mode_key(mode: Mode) -> str:
    # get_cache_key leaves out is_ipynb and python_cell_magics, which change the result.
    magics = ",".join(sorted(mode.python_cell_magics))
    return f"{mode.get_cache_key()}|ipynb={int(mode.is_ipynb)}|magics={magics}"


def _non_python_cell_magic(source: str, mode: Mode) -> bool:
    first = source.lstrip("\n").split("\n", 1)[0].strip()
    if not first.startswith("%%"):
        return False
    name = first[2:].split(None, 1)[0] if first[2:].strip() else ""
    return name not in PYTHON_CELL_MAGICS | mode.python_cell_magics


def _line_break(source: str) -> str:
    """The cell's line-ending style: its first line break decides, as black does for files."""
    first = source.find("\n")
    return "\r\n" if first > 0 and source[first - 1] == "\r" else "\n"


def _format_cell_uncached(source: str, mode: Mode) -> FormatResult:
    r"""black on the cell with ``\n`` line breaks; the answer keeps the cell's own style.

    black's ``format_cell`` splits lines on ``\n`` only and leaves a stray ``\r`` at the
    end of a Windows-style (CRLF) cell, so the cell goes to black with ``\n`` and the
    result comes back with the cell's line ending (CRLF when its first line break is
    CRLF, else ``\n``; a lone old-Mac ``\r`` becomes ``\n``). The file keeps its style,
    and a formatted CRLF cell is not "changed" by its line endings alone. As for ``\n``
    cells, black's cell rules drop a trailing line break, so ``"x = 1\r\n"`` formats to
    ``"x = 1"`` exactly like ``"x = 1\n"`` does.
    """
    global _black_calls
    if not source.strip() or _non_python_cell_magic(source, mode):
        return FormatResult(False, source)
    plain = source.replace("\r\n", "\n").replace("\r", "\n")
    if sys.version_info < (3, 11):
        deep = _too_deep_for_black(plain)
        if deep is not None:
            return FormatResult(False, source, deep)
    _black_calls += 1
    try:
        formatted = black.format_cell(plain, fast=False, mode=mode)
    except NothingChanged:
        # black also says "nothing changed" for cells it cannot parse at all.
        formatted = plain
        problem = _cell_syntax_problem(plain)
        if problem is not None:
            return FormatResult(False, source, problem)
    except Exception as exc:  # noqa: BLE001 - any black failure is a per-cell finding, never a 500
        return FormatResult(False, source, _reason(exc))
    newline = _line_break(source)
    if newline != "\n":
        formatted = formatted.replace("\n", newline)
    return FormatResult(formatted != source, formatted)


def _too_deep_for_black(source: str) -> str | None:
    """Why black must not see this cell on Python 3.10, or None.

    3.10 parses code nested deeper than 3.11+ accepts, and compiled black then overflows the C
    stack (a segfault that would take the server down); 3.11+ raises a RecursionError instead.
    """
    problem = _cell_syntax_problem(source)
    return problem if problem is not None and "nested too deeply" in problem else None


def _cell_syntax_problem(source: str) -> str | None:
    """Why a cell is not IPython-flavoured Python, or None when it is."""
    try:
        parse_python(source, top_level_await=True)
        return None
    except PARSE_ERRORS:
        pass
    try:
        transformers: Any = importlib.import_module("IPython.core.inputtransformer2")
    except ImportError:  # pragma: no cover - black[jupyter] brings IPython
        return None
    try:
        transformed = transformers.TransformerManager().transform_cell(source)
        parse_python(transformed, top_level_await=True)
    except (RecursionError, MemoryError) as exc:
        return f"cannot parse: {parse_problem(exc)}"
    except Exception as exc:  # noqa: BLE001 - SyntaxError; IPython's transformer raises tokenizer errors too
        return _reason(exc)
    return None


def _format_module_uncached(source: str, mode: Mode) -> FormatResult:
    global _black_calls
    _black_calls += 1
    try:
        formatted = black.format_file_contents(source, fast=False, mode=mode)
    except NothingChanged:
        return FormatResult(False, source)
    except Exception as exc:  # noqa: BLE001 - same contract as cells: a reason, not a crash
        return FormatResult(False, source, _reason(exc))
    return FormatResult(formatted != source, formatted)


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "TokenError" and len(exc.args) >= 2 and isinstance(exc.args[1], tuple):
        # tokenize: ('EOF in multi-line statement', (line, col))
        text = f"cannot parse: {exc.args[0]} (line {exc.args[1][0]})"
    elif isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        text = f"cannot parse: {exc.msg}{where}"
    elif name == "InvalidInput":
        text = f"cannot parse: {exc}"
    elif name == "ASTSafetyError":
        text = "black's output would change the code's meaning; left unformatted"
    else:
        text = f"{name}: {exc}" if str(exc) else name
    text = " ".join(text.split())
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"


# -- whole notebooks (POST format, ``jupyter-prod format``) ---------------------------------------


class CellFormatDict(TypedDict):
    cell: int
    cell_id: str | None
    source: str
    changed: bool


class CellFormatErrorDict(TypedDict):
    cell: int
    message: str


class FormatAnswerDict(TypedDict):
    cells: list[CellFormatDict]
    errors: list[CellFormatErrorDict]


def format_notebook(
    path: Path,
    *,
    display: str | None = None,
    server_root: Path | None = None,
    content: dict[str, Any] | None = None,
    cells: Sequence[int] | None = None,
) -> FormatAnswerDict:
    """black over a notebook's code cells, with the project's ``[tool.black]``.

    ``content`` is the editor's current nbformat JSON (else the file is read);
    ``cells`` are indices among all cells (default: every code cell). The file
    is never written: the frontend applies the new sources to the editor.
    """
    from .config import load_config
    from .notebook import is_python_language, load_notebook, notebook_from_dict

    name = display or str(path)
    nb = notebook_from_dict(content, name) if content is not None else load_notebook(path, name)
    if not nb.is_python:
        raise NotebookError(f"{name}: the kernel language is '{nb.language}'; black formats Python only.")
    if cells is None:
        # a cell whose metadata gives it another language (a VS Code SQL cell) is not black's
        chosen = [c for c in nb.code_cells if c.language is None or is_python_language(c.language)]
    else:
        chosen = []
        for index in cells:
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(nb.cells):
                raise InputError(f"Cell {index!r} does not exist: the notebook has {len(nb.cells)} cells.")
            if nb.cells[index].cell_type != "code":
                raise InputError(
                    f"Cell {index} is a {nb.cells[index].cell_type} cell; only code cells are formatted."
                )
            language = nb.cells[index].language
            if language is not None and not is_python_language(language):
                raise InputError(f"Cell {index} is a {language} cell; only Python cells are formatted.")
            chosen.append(nb.cells[index])
    config = load_config(Path(path).parent, server_root)
    results = format_cells([(c.index, c.source) for c in chosen], config.black)
    ids = {c.index: c.cell_id for c in chosen}
    answer: FormatAnswerDict = {"cells": [], "errors": []}
    for res in results:
        if res.error is not None:
            answer["errors"].append({"cell": res.cell, "message": res.error})
        else:
            answer["cells"].append(
                {"cell": res.cell, "cell_id": ids[res.cell], "source": res.source, "changed": res.changed}
            )
    return answer
