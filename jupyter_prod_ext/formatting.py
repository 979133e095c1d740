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

black itself runs in a worker process (:class:`procs.Worker`), started on demand
and gone after :data:`BUDGET` ``.idle_seconds`` without work: a hostile cell (a
100 KB line takes black tens of seconds and gigabytes) costs the worker its
memory ceiling or its timeout, never the server. Cells larger than the budget's
``cell_chars`` are not formatted at all (the finding says so).
"""

from __future__ import annotations

import atexit
import base64
import dataclasses
import hashlib
import importlib
import os
import pickle  # noqa: S403 - black's Mode to our own worker process
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import black
from black.handle_ipynb_magics import PYTHON_CELL_MAGICS
from black.mode import Mode
from black.report import NothingChanged

from .errors import InputError, NotebookError, ToolError
from .lru import LockedLRU
from .notebook import PARSE_ERRORS, automagic_python, parse_problem, parse_python
from .procs import Cancelled, ProcessTimeout, Worker, serve_json_lines
from .wire import CellFormatDict as CellFormatDict  # the shapes live in the wire contract
from .wire import CellFormatErrorDict as CellFormatErrorDict
from .wire import FormatAnswerDict as FormatAnswerDict

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
    """Format notebook cells given as ``(cell index, source)``; order is kept.

    The cells not in the memo go to the worker in one request.
    """
    nb_mode = notebook_mode(mode or Mode())
    chosen = list(cells)
    mode_key = _mode_key(nb_mode)
    keys = [(_source_key(source), mode_key, "cell") for _, source in chosen]
    known = {key: _cache.get(key) for key in keys}
    missing = {key: source for key, (_, source) in zip(keys, chosen, strict=True) if known[key] is None}
    if missing:
        results = _format_batch(list(missing.values()), nb_mode, "cell")
        for key, result in zip(missing, results, strict=True):
            _cache.put(key, result, CACHE_MAX_ENTRIES)
            known[key] = result
    out: list[CellFormatResult] = []
    for key, (index, _) in zip(keys, chosen, strict=True):
        found = known[key]
        assert found is not None
        out.append(CellFormatResult(index, found.changed, found.source, found.error))
    return out


def format_module_text(text: str, mode: Mode | None = None) -> FormatResult:
    """Format a whole ``.py`` module (promotion's generated code)."""
    return _memo(text, module_mode(mode or Mode()), "module", _format_module_uncached)


def _memo(source: str, mode: Mode, kind: str, fn: _Formatter) -> FormatResult:
    key = (_source_key(source), _mode_key(mode), kind)
    return _cache.get_or_compute(key, lambda: _format_batch([source], mode, kind)[0], CACHE_MAX_ENTRIES)


def _source_key(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


# -- the worker process ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormatBudget:
    """Limits of black's work: the server operator's settings (``c.JupyterProd.*``), these by default."""

    #: cells (and modules) longer than this are not formatted
    cell_chars: int = 100_000
    #: wall-clock seconds of one request to the worker (a batch of cells)
    timeout: float = 30.0
    #: the worker's address-space ceiling
    memory_mib: int | None = 2048
    #: the worker exits after this many seconds without a request
    idle_seconds: float = 300.0
    #: run black in this process instead (tests of black itself; never the server)
    in_process: bool = False


BUDGET = FormatBudget()
_worker: Worker | None = None
_worker_guard = threading.Lock()


def set_budget(budget: FormatBudget) -> None:
    """Replace the process-wide budget (the server at start-up); the next request starts a new worker."""
    global BUDGET
    with _worker_guard:
        BUDGET = budget
    stop_worker()


def stop_worker() -> None:
    """Stop black's worker process, if one runs (server shutdown, tests)."""
    global _worker
    with _worker_guard:
        worker, _worker = _worker, None
    if worker is not None:
        worker.stop()


def black_worker() -> Worker:
    global _worker
    with _worker_guard:
        if _worker is None:
            memory = BUDGET.memory_mib * 1024 * 1024 if BUDGET.memory_mib else None
            argv = [sys.executable, "-m", "jupyter_prod_ext.formatting", "--worker", str(BUDGET.idle_seconds)]
            _worker = Worker(argv, what="black", memory_bytes=memory)
        return _worker


atexit.register(stop_worker)


def _forget_worker_in_child() -> None:
    """A forked child (the CLI's --jobs pool) must start its own worker, never write to its parent's pipe."""
    global _worker, _worker_guard
    _worker = None
    _worker_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_worker_in_child)


def _settled(source: str, mode: Mode, kind: str, budget: FormatBudget) -> FormatResult | None:
    """The result of a source black need not see: blank, another language's cell magic, too large."""
    if kind == "cell" and (not source.strip() or _non_python_cell_magic(source, mode)):
        return FormatResult(False, source)
    if len(source) <= budget.cell_chars:
        return None
    return FormatResult(
        False,
        source,
        f"too large to format ({len(source):,} characters; the limit is {budget.cell_chars:,}); left as it is",
    )


def _format_batch(sources: list[str], mode: Mode, kind: str) -> list[FormatResult]:
    """black on each source, in the worker (or in this process when the budget says so)."""
    budget = BUDGET
    results: list[FormatResult | None] = [_settled(s, mode, kind, budget) for s in sources]
    todo = [i for i, r in enumerate(results) if r is None]
    if todo and budget.in_process:
        fn = _format_cell_uncached if kind == "cell" else _format_module_uncached
        for i in todo:
            results[i] = fn(sources[i], mode)
    elif todo:
        for i, result in zip(todo, _call_worker([sources[i] for i in todo], mode, kind, budget), strict=True):
            results[i] = result
    return [r for r in results if r is not None]


def _call_worker(sources: list[str], mode: Mode, kind: str, budget: FormatBudget) -> list[FormatResult]:
    global _black_calls
    request = {"kind": kind, "mode": base64.b64encode(pickle.dumps(mode)).decode("ascii"), "sources": sources}
    _black_calls += len(sources)
    try:
        answer = black_worker().call(request, budget.timeout)
    except Cancelled:
        raise  # a newer request replaced this one: no result, and none remembered
    except ProcessTimeout:
        why = f"black did not finish within {budget.timeout:g} s and was stopped; left unformatted"
        return [FormatResult(False, s, why) for s in sources]
    except ToolError as exc:
        return [FormatResult(False, s, f"black could not run: {exc.message}") for s in sources]
    raw = answer.get("results")
    if not isinstance(raw, list) or len(raw) != len(sources):
        why = f"black could not run: {answer.get('error') or 'its worker answered nothing usable'}"
        return [FormatResult(False, s, why) for s in sources]
    return [
        FormatResult(bool(r.get("changed")), str(r.get("source", s)), r.get("error") or None)
        for s, r in zip(sources, raw, strict=True)
    ]


def _serve(request: dict[str, Any]) -> dict[str, Any]:
    """The worker's side: format what the request carries, in order."""
    mode = pickle.loads(base64.b64decode(request["mode"]))  # noqa: S301 - from our own parent process
    if not isinstance(mode, Mode):
        return {"error": "not a black mode"}
    fn = _format_cell_uncached if request.get("kind") == "cell" else _format_module_uncached
    out = []
    for source in request.get("sources", []):
        result = fn(str(source), mode)
        out.append({"changed": result.changed, "source": result.source, "error": result.error})
    return {"results": out}


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
        return FormatResult(False, source, _cell_failure(plain, exc))
    newline = _line_break(source)
    if newline != "\n":
        formatted = formatted.replace("\n", newline)
    return FormatResult(formatted != source, formatted)


def _cell_failure(source: str, exc: Exception) -> str:
    """Why black failed on a cell, in Python's own words when Python cannot parse it either.

    black's tokenizer places an unclosed bracket at the end of input, one line past a one-line
    cell ("EOF in multi-line statement (line 2)"); CPython's parser names the bracket and the
    cell's own line ("'(' was never closed (line 1)"). Code only black cannot parse keeps black's
    reason.
    """
    problem = _cell_syntax_problem(source) if _is_parse_failure(exc) else None
    return problem if problem is not None else _reason(exc, last_line=max(len(source.splitlines()), 1))


def _is_parse_failure(exc: Exception) -> bool:
    return isinstance(exc, SyntaxError) or type(exc).__name__ in {"TokenError", "InvalidInput"}


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
        return None if _is_automagic(source) else _reason(exc)
    return None


def _is_automagic(source: str) -> bool:
    """A one-line ``pip install x`` or ``cd ..``: IPython runs it as a magic, black leaves it as it is."""
    python = automagic_python(source)
    if python is None:
        return False
    try:
        parse_python(python, top_level_await=True)
    except PARSE_ERRORS:
        return False
    return True


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


def _reason(exc: Exception, last_line: int | None = None) -> str:
    """black's failure in one line; ``last_line`` caps a line number placed past the end of input."""
    name = type(exc).__name__
    if name == "TokenError" and len(exc.args) >= 2 and isinstance(exc.args[1], tuple):
        # tokenize: ('EOF in multi-line statement', (line, col)), the line one past the last
        line = exc.args[1][0] if last_line is None else min(exc.args[1][0], last_line)
        text = f"cannot parse: {exc.args[0]} (line {line})"
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
    from .notebook import cell_number, is_python_language, load_notebook, no_cell_index, notebook_from_dict

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
                raise InputError(no_cell_index(index, len(nb.cells)))
            if nb.cells[index].cell_type != "code":
                raise InputError(
                    f"Cell {cell_number(index)} (index {index}) is a {nb.cells[index].cell_type} cell; "
                    "only code cells are formatted."
                )
            language = nb.cells[index].language
            if language is not None and not is_python_language(language):
                raise InputError(f"Cell {cell_number(index)} (index {index}) is a {language} cell; only Python cells are formatted.")
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


if __name__ == "__main__":  # the worker process: ``python -m jupyter_prod_ext.formatting --worker IDLE``
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        serve_json_lines(_serve, float(sys.argv[2]))
