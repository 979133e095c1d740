"""Reproducibility run: restart and run all in a clean kernel, outputs compared.

A *copy* of the notebook runs top to bottom in a fresh kernel of its
kernelspec, in a worker subprocess (:mod:`.worker`) with the notebook's folder
as working directory. The user's kernel and file are never touched and
nothing is written next to the notebook: the copy lives in a private temp
folder that is removed afterwards.

The worker leads its own session and the kernel leads another. On the overall
timeout, a cancel, or any exception here (Ctrl-C in the CLI), the worker is
asked to kill and reap its kernel, and both process groups are killed if it
does not exit promptly: no kernel outlives a run.

Findings (checks ``run-error``, ``run-timeout``, ``output-changed``):

* ``run-error``: a cell that calls ``exit()``/``quit()`` (the kernel shuts down there), or
  the first failing cell, with ``ename: evalue`` and the line
  in the cell from the IPython traceback (``Cell In[n], line l``) when it has
  one; a ``NameError`` on a name that a later cell binds is reported as hidden
  state (the notebook only worked when run out of order);
* ``run-timeout``: the cell that ran over the per-cell timeout, or the cell
  running when the overall timeout expired (``cell`` null if the kernel had
  not started yet);
* ``output-changed``: an executed cell whose saved outputs were not empty and
  whose fresh visible output differs after normalisation
  (:mod:`.compare`), with a short ``-saved``/``+fresh`` diff in the message.
  The failing or timed-out cell is not compared.

Score (the global formula lives in ``checks``; this one is local to runs)::

    reproduced            -> 100
    otherwise             -> max(0, 100 - 50 * (run-error + run-timeout)
                                       - min(40, 10 * output-changed))
    cancelled             -> 0 (no verdict), state "cancelled"
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import io
import json
import os
import queue
import re
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
import tokenize
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, TypedDict

from ..analysis import PYTHON2_BUILTINS
from ..checks.execution import OUTPUT_CHANGED, RUN_ERROR, RUN_TIMEOUT
from ..checks.registry import CheckSpec, describe
from ..errors import InputError, NotFoundError, ToolError
from ..notebook import PARSE_ERRORS, Notebook, cell_number, load_notebook, notebook_from_dict, parse_python
from ..procs import kill_group_id, last_line, program_problem, read_tail, start_process
from ..types import FindingDict, ReportSummary
from ..wire import RunInfo as RunInfo
from ..wire import RunReport as RunReport
from ..wire import RunState as RunState
from .compare import DEFAULT_NORMALIZE, check_normalize, diff_lines, visible_lines

DEFAULT_TIMEOUT = 600.0
DEFAULT_CELL_TIMEOUT = 120.0
#: Upper bound accepted from users for either timeout (a day).
MAX_TIMEOUT = 86400.0
DEFAULT_KERNEL = "python3"
CHECKS_RUN = [RUN_ERROR.id, RUN_TIMEOUT.id, OUTPUT_CHANGED.id]

#: Seconds the worker gets to kill and reap its kernel after ``stop``.
_STOP_GRACE = 5.0
_POLL = 0.1



class RunProgress(TypedDict):
    state: RunState
    #: index (0-based among all cells) of the cell running now
    cell: int | None
    total: int
    cells_run: int
    #: process ids, for cleanup checks; never sent over HTTP
    worker_pid: int | None
    kernel_pid: int | None


ProgressCallback = Callable[[RunProgress], None]


# --- reading -----------------------------------------------------------------


def load_input(data: Mapping[str, Any] | Notebook, path: str = "<notebook>") -> Notebook:
    """The validated model of the editor's JSON (any nbformat version) or an already read model."""
    if isinstance(data, Notebook):
        return data
    return notebook_from_dict(data, path)


def read_notebook(path: Path, display: str | None = None) -> Notebook:
    """The notebook on disk, validated (``NotFoundError`` / ``NotebookError``)."""
    return load_notebook(Path(path), display)


def _v4_dict(model: Notebook) -> dict[str, Any]:
    """The copy the worker executes: plain nbformat 4 JSON rebuilt from the model."""
    cells: list[dict[str, Any]] = []
    for cell in model.cells:
        out: dict[str, Any] = {
            "cell_type": cell.cell_type,
            "id": cell.cell_id or f"jp-run-{cell.index}",
            "metadata": cell.metadata,
            "source": _joined_magics(cell.source) if cell.cell_type == "code" else cell.source,
        }
        if cell.cell_type == "code":
            out["execution_count"] = cell.execution_count
            out["outputs"] = list(cell.outputs)
        cells.append(out)
    return {
        "nbformat": 4,
        "nbformat_minor": max(5, model.nbformat_minor),
        "metadata": model.metadata,
        "cells": cells,
    }


#: ``% matplotlib inline``: a line magic spelled with a space, which IPython read as ``%matplotlib`` in
#: the days of nbformat 3 and reads as an unknown magic ``%`` now (UsageError). The name must follow
#: on the line's first statement: a continuation line ``    % n)`` of a modulo is Python, not a magic
_SPACED_MAGIC = re.compile(r"^(\s*)%[ \t]+([A-Za-z_]\w*)(?=[ \t]|$)")


def _joined_magics(source: str) -> str:
    """``source`` with each spaced line magic written as IPython writes it today (``%matplotlib
    inline``). Only a ``%`` that starts a logical line of Python is one: a line inside a string
    (``\"\"\"\\n% d items\\n\"\"\" % n``) or continuing a bracket is the user's text, and so is
    every line of a cell magic's body (``%%writefile paper.tex`` then ``% Preamble``)."""
    if "%" not in source or source.lstrip().startswith("%%"):
        return source
    lines = source.split("\n")
    for row in _statement_start_rows(source):
        lines[row] = _SPACED_MAGIC.sub(r"\1%\2", lines[row], count=1)
    return "\n".join(lines)


_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _statement_start_rows(source: str) -> list[int]:
    """The 0-based rows whose logical line starts with a spaced ``% name``, outside any string and
    bracket. The tokens stop at the first one Python cannot read (an unclosed string or bracket):
    no line after it is rewritten, since whether it is inside a string is unknown."""
    rows: list[int] = []
    depth, at_start = 0, True
    with contextlib.suppress(tokenize.TokenError, SyntaxError):
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT):
                at_start = at_start or (tok.type != tokenize.COMMENT and depth == 0)
                continue
            if at_start and depth == 0 and tok.string == "%" and _SPACED_MAGIC.match(tok.line):
                rows.append(tok.start[0] - 1)
            at_start = False
            if tok.type == tokenize.OP:
                depth = max(0, depth + _BRACKETS.get(tok.string, 0))
    return rows


def kernel_name_of(model: Notebook) -> str:
    spec = model.metadata.get("kernelspec") or {}
    name = spec.get("name") if isinstance(spec, Mapping) else None
    return name if isinstance(name, str) and name else DEFAULT_KERNEL


def check_kernel(name: str) -> None:
    """Fail early, in one line, when the notebook's kernel is not installed or its program is gone.

    Both are the environment's fault, not the notebook's: a tool error (exit 2, HTTP 503), not a
    ``run-error`` finding (a kernelspec of a deleted conda environment once scored 50 with
    ``FileNotFoundError`` and "check that the kernel starts").
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(name)
    except NoSuchKernel:
        raise ToolError(missing_kernel(name, sorted(manager.find_kernel_specs()))) from None
    program = _kernel_program(spec.argv, spec.resource_dir)
    problem = program_problem(program, _launch_path(spec.env)) if program else None
    if program and problem:
        installed = sorted(set(manager.find_kernel_specs()) - {name})
        raise ToolError(
            f"kernel '{name}' cannot start: its program '{program}' {problem}: install it (or recreate its "
            f"environment), or change the notebook's kernel{_choice(installed)}"
        )


#: The names jupyter_client replaces with its own Python (``sys.executable``) at launch.
_SUBSTITUTED_PYTHONS = {"python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"}


def _kernel_program(argv: list[str], resource_dir: str) -> str | None:
    """The program a kernelspec starts, as jupyter_client will run it; ``None`` when it is the Python
    jupyter_client substitutes or a template it fills in at launch."""
    if not argv or argv[0] in _SUBSTITUTED_PYTHONS:
        return None
    program = argv[0].replace("{resource_dir}", resource_dir)
    # a template, or a relative path (resolved in the notebook's folder, where the kernel starts)
    relative = os.sep in program and not os.path.isabs(program)
    return None if "{" in program or relative else program


def _launch_path(env: Mapping[str, object]) -> str | None:
    """The PATH a kernelspec's program is looked up on: its ``env``'s own (``${PATH}`` filled in from
    ours, as jupyter_client does at launch), else ours (``None``). jupyter_client checks that ``env``
    is a dict, not its values: a kernel.json's ``"PATH": 5`` is no PATH."""
    path = env.get("PATH")
    return string.Template(path).safe_substitute(os.environ) if isinstance(path, str) else None


def missing_kernel(name: str, installed: list[str]) -> str:
    """The one line for a kernelspec that is not installed, naming those that are (notebooks saved
    elsewhere name kernels such as ``conda-base-py`` or ``python2``: the user picks one of these)."""
    return f"kernel '{name}' is not installed: install it or change the notebook's kernel{_choice(installed)}"


def _choice(installed: list[str]) -> str:
    """The kernels to pick from instead: the notebook's kernel in the UI, ``--kernel NAME`` in the CLI."""
    return f" (installed: {', '.join(installed)}; jupyter-prod run --kernel NAME runs in one)" if installed else ""


def check_timeouts(timeout: float, cell_timeout: float) -> None:
    for label, value in (("timeout", timeout), ("cell_timeout", cell_timeout)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_TIMEOUT:
            raise InputError(f"'{label}' must be a number of seconds between 0 and {int(MAX_TIMEOUT)}.")


# --- findings ----------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CELL_LINE = re.compile(r"Cell In\[(\d+)\], line (\d+)")
_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")
_MISSING_MODULE = re.compile(r"No module named '([^'.]+)")
#: how Python 3.10-3.13's importlib.metadata words PackageNotFoundError's value before the name
_NO_METADATA = "No package metadata was found for"
_ABSENT_FILE = re.compile(r"No such file or directory: '([^']+)'")
#: Exceptions (urllib, socket, requests/urllib3) and messages of a network that cannot be reached: public
#: notebooks download their data, and the hint to "fix the cell" had nothing to fix.
_NETWORK_ERRORS = frozenset(
    {
        "URLError",
        "gaierror",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "ConnectTimeout",
        "NewConnectionError",
        "MaxRetryError",
        "RemoteDisconnected",
    }
)
_NETWORK_FAILURE = re.compile(
    r"Name or service not known|Temporary failure in name resolution|Network is unreachable|"
    r"nodename nor servname provided|getaddrinfo failed"
)


def _line_in_cell(traceback: Iterable[str], execution_count: object) -> int | None:
    """The failing line from IPython's ``Cell In[n], line l`` frames.

    The frame of the cell itself is the one whose ``n`` is the cell's
    execution count; deeper frames may point into functions of other cells.
    """
    first: int | None = None
    for entry in traceback:
        for match in _CELL_LINE.finditer(_ANSI.sub("", entry)):
            if str(match.group(1)) == str(execution_count):
                return int(match.group(2))
            if first is None:
                first = int(match.group(2))
    return first


def _strip_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def _binds(source: str, name: str) -> bool:
    try:
        tree = parse_python(_strip_magics(source), top_level_await=True)
    except PARSE_ERRORS:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound == name:
                    return True
    return False


def _cell_id(cells: list[Any], index: int | None) -> str | None:
    if index is None or not 0 <= index < len(cells):
        return None
    cid = cells[index].get("id")
    return cid if isinstance(cid, str) else None


def _finding(
    spec: CheckSpec,
    cells: list[Any],
    cell: int | None,
    line: int | None,
    message: str,
    hint: str,
) -> FindingDict:
    """A finding of one of the Clean Run's checks, described by the registry like every finding."""
    finding: FindingDict = {
        "check": spec.id,
        "severity": spec.severity,
        "cell": cell,
        "cell_id": _cell_id(cells, cell),
        "line": line,
        "message": message,
        "hint": hint,
        "fix": None,
    }
    return describe(finding, active=True)


def _label(cell: int | None) -> str:
    return "the kernel start" if cell is None else f"cell {cell_number(cell)}"


def _error_finding(cells: list[Any], end: Mapping[str, Any]) -> FindingDict:
    cell = end.get("cell") if isinstance(end.get("cell"), int) else None
    status = end.get("status")
    said = f" The kernel's last words: {end['said']}" if end.get("said") else ""
    if status == "dead":
        return _finding(
            RUN_ERROR,
            cells,
            cell,
            None,
            f"The kernel died while this cell ran, top to bottom in a fresh kernel.{said}",
            "The cell crashes the interpreter (os._exit, a native crash, memory exhaustion): fix it or guard it.",
        )
    if status == "exit":
        called = _exit_call(cells, cell)
        return _finding(
            RUN_ERROR,
            cells,
            cell,
            None,
            f"Calls {called}, which shuts the kernel down: a run top to bottom stops at this cell.",
            f"A notebook meant for production should not call {called}: remove it (raise an exception to stop "
            "on an error).",
        )
    if status == "crash":
        return _finding(
            RUN_ERROR,
            cells,
            cell,
            None,
            f"The reproducibility run failed ({end.get('message', 'unknown error')}).{said}",
            "Check that the kernel starts in a terminal (jupyter kernelspec list) and try again.",
        )
    return _raised_finding(cells, cell, end)


_EXIT_CALL = re.compile(r"(?<![\w.])(exit|quit)\b")


def _exit_call(cells: list[Any], cell: int | None) -> str:
    """``exit()`` or ``quit()``, as the cell spells it (both are IPython's same exiter)."""
    source = str(cells[cell].get("source", "")) if cell is not None and 0 <= cell < len(cells) else ""
    found = _EXIT_CALL.search(source)
    return f"{found.group(1)}()" if found else "exit()"


def _raised_finding(cells: list[Any], cell: int | None, end: Mapping[str, Any]) -> FindingDict:
    """A cell that raised: why (input, hidden state, an error its saved output shows) and what to do."""
    ename = str(end.get("ename") or "Error")
    evalue = str(end.get("evalue") or "")
    line = _line_in_cell(end.get("traceback") or [], end.get("execution_count"))
    raised = f"{ename}: {_short(evalue)}" if evalue.strip() else ename
    message = f"Raised {raised} when run top to bottom in a fresh kernel."
    hint = "Restart the kernel and run all cells to reproduce it, then fix the cell."
    if ename == "StdinNotImplementedError":  # input(), getpass(): nobody answers in a clean run
        message = f"Asks for input (input(), getpass.getpass()), which a run in a fresh kernel cannot answer ({ename})."
        hint = "Read the value from a parameter, an environment variable (os.environ) or a file instead of asking for it."
    elif _saved_error(cells, cell) == ename:
        # teaching notebooks show errors on purpose (t[1] = 4 on a tuple): the run stops there
        message = f"Raised {raised} when run top to bottom in a fresh kernel, as its saved output shows; the run stopped there."
        hint = (
            "If the error is meant (a demonstration), add the tag 'raises-exception' to the cell so that a clean "
            "run goes on past it; otherwise fix the cell."
        )
    elif ename == "NameError" and cell is not None:
        hint = _hidden_state_hint(cells, cell, evalue) or hint
    elif ename == "ModuleNotFoundError" and (missing := _MISSING_MODULE.search(evalue)):
        hint = _missing_module_hint(cells, cell, missing.group(1))
    elif ename == "PackageNotFoundError":  # importlib.metadata.version("torch"): its value is the name asked
        hint = _missing_module_hint(cells, cell, evalue.strip().removeprefix(_NO_METADATA).strip() or "the package")
    elif ename in _NETWORK_ERRORS or _NETWORK_FAILURE.search(evalue):
        hint = (
            "The cell reaches the network, which failed in this run: keep the data it downloads in the project "
            "(or in a cache the notebook reads first), or run where that address is reachable."
        )
    elif ename == "FileNotFoundError" and (absent := _ABSENT_FILE.search(evalue)):
        hint = (
            f"'{absent.group(1)}' is not there when the notebook runs in its own folder: add it to the project "
            "(a path relative to the notebook), or say in the notebook where to get it."
        )
    elif ename == "SystemExit":
        hint = (
            "sys.exit() stops the whole run at this cell: remove it, or raise an exception to stop on an "
            "error."
        )
    return _finding(RUN_ERROR, cells, cell, line, message, hint)


#: Characters of an exception's value quoted in a finding (the cell's output has all of it).
_EVALUE_CHARS = 200


def _short(evalue: str) -> str:
    """The exception's value on one short line: a message of megabytes, or of many lines (a failed
    ``%%bash`` script), stays in the cell's output, not in a one-line finding."""
    lines = [ln.strip() for ln in evalue.strip().splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    if len(first) > _EVALUE_CHARS:
        return first[: _EVALUE_CHARS - 1].rstrip() + "…"
    return first + (" …" if len(lines) > 1 else "")


def _missing_module_hint(cells: list[Any], cell: int | None, module: str) -> str:
    """The most frequent failure on public notebooks: nothing in the cell to fix. Either the environment
    lacks a package, or the module is a file of the notebook's own that an earlier cell fetches (``!wget
    .../utils.py``, which fails without raising) or expects next to it."""
    file = f"{module}.py"
    # the file's own name, not a longer one ending in it (!python data_utils.py names no utils.py)
    named = re.compile(rf"(?<![\w.-]){re.escape(file)}\b")
    fetching = next(
        (
            i
            for i in range(cell if cell is not None else len(cells))
            if cells[i].get("cell_type") == "code" and named.search(str(cells[i].get("source", "")))
        ),
        None,
    )
    if fetching is not None:
        return (
            f"'{module}' is the file {file}, which {_label(fetching)} fetches or names, and it is not in the "
            f"notebook's folder: keep {file} in the project next to the notebook and commit it."
        )
    return (
        f"'{module}' is not installed where the notebook's kernel runs: install the package that provides it in "
        "that environment and list it in the project's requirements."
    )


def _saved_error(cells: list[Any], cell: int | None) -> str | None:
    """The exception name in the cell's saved outputs, if the notebook was saved with the cell failing."""
    if cell is None or not 0 <= cell < len(cells):
        return None
    for out in cells[cell].get("outputs") or []:
        if isinstance(out, Mapping) and out.get("output_type") == "error":
            return str(out.get("ename") or "")
    return None


def _hidden_state_hint(cells: list[Any], cell: int, evalue: str) -> str | None:
    """A ``NameError`` on a name that a later cell binds, or that nothing binds: the notebook's hidden state."""
    name = _NAME_ERROR.search(evalue)
    if name is None:
        return None
    later = next(
        (
            i
            for i in range(cell + 1, len(cells))
            if cells[i].get("cell_type") == "code" and _binds(str(cells[i].get("source", "")), name.group(1))
        ),
        None,
    )
    if later is not None:
        return (
            f"Hidden state: '{name.group(1)}' is only defined in {_label(later)}, which runs later; "
            "the notebook worked because cells were run out of order. Move that definition up."
        )
    if name.group(1) in PYTHON2_BUILTINS:  # only when no cell binds it: ``file = "data.csv"`` later is hidden state
        return (
            f"'{name.group(1)}' is a builtin of Python 2, which the notebook was written for: port the cell to "
            f"Python 3 ({PYTHON2_BUILTINS[name.group(1)]})."
        )
    return (
        f"Hidden state: nothing in the notebook defines '{name.group(1)}' before it is used; it came "
        "from a deleted or edited cell. Define it in the notebook."
    )


def _timeout_finding(cells: list[Any], cell: int | None, seconds: float, overall: bool) -> FindingDict:
    if overall:
        running = "before the kernel was ready" if cell is None else "while this cell ran"
        message = f"The run hit its overall timeout of {seconds:g} s {running}."
    else:
        message = f"Did not finish within the per-cell timeout of {seconds:g} s in a fresh kernel."
    return _finding(
        RUN_TIMEOUT,
        cells,
        cell,
        None,
        message,
        _NOT_READY_HINT
        if overall and cell is None
        else "The kernel was stopped. Raise the timeout if the work is legitimately long, otherwise look for "
        "an infinite loop or a wait on input, a lock or the network.",
    )


#: No cell ran: nothing in the notebook to look at, the kernel itself did not start.
_NOT_READY_HINT = (
    "The kernel did not get ready in time: check that it starts in a terminal (jupyter kernelspec list, then "
    "jupyter console --kernel NAME), or raise the timeout if it is slow to start."
)


def _changed_finding(cells: list[Any], cell: int, diff: list[str], facts: _NotebookFacts) -> FindingDict:
    lazy = next((m.group(1) for line in diff if (m := _LAZY_NOW.match(line))), None)
    hint = (
        f"Python 2 showed a list where Python 3 shows a lazy {lazy.strip('<( ')} object: the notebook was written for "
        "Python 2; wrap the value in list(...) to show its items."
        if lazy is not None
        else _changed_hint(str(cells[cell].get("source", "")), facts)
    )
    return _finding(
        OUTPUT_CHANGED,
        cells,
        cell,
        None,
        "Output differs from the saved one when run top to bottom in a fresh kernel:\n" + "\n".join(diff),
        hint,
    )


#: a fresh line showing what Python 3 made lazy where Python 2 made a list: ``range(0, 10)``, ``dict_keys([...])``
_LAZY_NOW = re.compile(r"^\+(?:\[stdout\] )?(range\(|dict_keys\(|dict_values\(|dict_items\(|<map |<filter |<zip )")


#: a shell command of a cell, as IPython runs it: ``!ls data``, ``files = !ls``, ``%ls``, ``%sx ls``, and
#: a ``%%bash``/``%%sh`` cell's lines; the group is the program's name
_SHELL_COMMAND = re.compile(
    r"^\s*(?:[\w, ]+=\s*)?(?:!!?|%(?:sx|system)\s+)\s*([\w.-]+)"
    r"|^\s*%(ls|ll|dir|cat|cp|mv|rm|mkdir|rmdir|man|more|less|lf|lk|lx|ldir)\b",  # IPython's shell aliases
    re.MULTILINE,
)
#: Python's listings of a folder: ``os.listdir('.')``, ``glob.glob('*.csv')``, ``Path('.').glob('*.md')``
_PY_LISTING = re.compile(r"(\bos\.listdir|\bos\.scandir|\bos\.walk|\bglob\.i?glob|\.r?glob|\.iterdir)\s*\(")
#: a cell that shows the environment's versions (group 1) or reads the clock (group 2)
_ENVIRONMENT_READ = re.compile(
    r"(__version__|\bsys\.version\b|\bplatform\.python_version\b)"
    r"|\b((?:datetime\.)?(?:now|today|utcnow)\(\)|time\.time\(\)|time\.ctime\(\))"
)
#: a cell that measures time: its figures change in every run, whatever the durations rule erases
_TIMING = re.compile(r"^\s*%%?(?:timeit|time|prun)\b|\bcProfile\b|\btimeit\.", re.MULTILINE)
#: what shows where an object lives in memory: ``id(a)``, ``a.__array_interface__['data'][0]``, ``a.ctypes.data``
_ADDRESS_READ = re.compile(r"(?<![\w.])id\(|__array_interface__|\.ctypes\.data\b|\bctypes\.addressof\(|\.data_ptr\(")
_SCRIPT_CELL = re.compile(r"\A\s*%%(?:bash|sh|script\s+\S*sh)\b")
#: programs whose output is the files present: a listing differs wherever another file is there
_LISTINGS = frozenset({"ls", "ll", "la", "dir", "find", "tree", "du"})


def _changed_hint(source: str, facts: _NotebookFacts | None = None) -> str:
    """What to do about a changed output, from what the cell does: each of :data:`_CHANGE_CAUSES` in turn
    (code taken out, a listing, a measure of time, the environment, addresses, a shell command), else
    most often randomness or hidden state."""
    for cause in _CHANGE_CAUSES:
        hint = cause(source, facts or _NotebookFacts(frozenset(), frozenset(), frozenset()))
        if hint is not None:
            return hint
    return (
        "Seed randomness (random.seed, np.random.default_rng(seed)), avoid hidden state and changing inputs; "
        "if the new output is right, re-run and save the notebook."
    )


def _no_code(source: str, _: _NotebookFacts) -> str | None:
    if any(line.strip() and not line.lstrip().startswith("#") for line in source.splitlines()):
        return None
    return (
        "The cell has no code (comments only), yet its saved output shows a result: the code that made it "
        "was deleted or never saved. Put the code back, or clear the cell's output."
    )


def _shell_programs(source: str) -> list[str]:
    """The programs a cell runs in a shell, as IPython runs them."""
    programs = [a or b for a, b in _SHELL_COMMAND.findall(source)]
    if _SCRIPT_CELL.match(source):
        programs += [line.split()[0] for line in source.splitlines()[1:] if line.split()]
    return programs


def _listing(source: str, _: _NotebookFacts) -> str | None:
    listing = next((p for p in _shell_programs(source) if p in _LISTINGS), None)
    python_listing = _PY_LISTING.search(source)
    if listing is None and python_listing is not None:
        listing = python_listing.group(1).lstrip(".") + "()"
    if listing is None:
        return None
    return (
        f"The cell lists files ({listing}): its output is whatever the folder holds when it runs, and files "
        "were added or removed since it was saved. List only the files the notebook itself reads or writes "
        "(sorted, e.g. sorted(Path('data').glob('*.csv'))), or clear the cell's output before saving."
    )


def _timing(source: str, facts: _NotebookFacts) -> str | None:
    if _TIMING.search(source):
        return (
            "The cell measures time (%timeit, %time, %prun, cProfile): its figures differ in every run and on "
            "every machine; keep such measures out of the saved outputs (clear them), or print only what does "
            "not vary."
        )
    profile = next((f for f in sorted(facts.profiles) if re.search(rf"(?<![\w.-]){re.escape(f)}(?![\w-])", source)), None)
    if profile is None:
        return None
    return (
        f"The cell shows {profile}, the profile %prun wrote (-T/-D): its times differ in every run and on every "
        "machine; keep such measures out of the saved outputs (clear them), or print only what does not vary."
    )


def _environment(source: str, facts: _NotebookFacts) -> str | None:
    said = _ENVIRONMENT_READ.search(source)
    if said is None:
        stamp = next((n for n in sorted(facts.clock) if re.search(rf"(?<![\w.]){re.escape(n)}\b", source)), None)
        if stamp is None:
            return None
        return (
            f"The cell reads the clock through {stamp} (set from now() in an earlier cell): its output changes "
            "with the time it runs; give it the date it works on (a parameter), or clear this output."
        )
    if said.group(1):
        return (
            f"The cell shows a version of the environment ({said.group(1)}), which differs wherever the "
            "notebook runs: pin the versions it needs in the project's requirements, and clear this output."
        )
    return (
        f"The cell reads the clock ({said.group(2)}): its output changes with the time it runs; give it "
        "the date it works on (a parameter), or clear this output."
    )


def _addresses(source: str, facts: _NotebookFacts) -> str | None:
    helper = next((f for f in sorted(facts.addressing) if re.search(rf"(?<![\w.]){re.escape(f)}\(", source)), None)
    if helper is None and not _ADDRESS_READ.search(source):
        return None
    how = f"{helper}(), which reads where an object lives" if helper else "where an object lives"
    return (
        f"The cell shows memory addresses ({how}): they differ in every process. Show what they tell "
        "instead (a is b, np.shares_memory(a, b)), or clear this output."
    )


def _shell(source: str, _: _NotebookFacts) -> str | None:
    programs = _shell_programs(source)
    if not programs:
        return None
    return (
        f"The cell runs a shell command ({programs[0]}), whose output depends on the machine (its files, "
        "installed programs and network), not on the notebook; if the new output is right, clear or re-run "
        "and save it, or do the work in Python."
    )


_CHANGE_CAUSES: tuple[Callable[[str, _NotebookFacts], str | None], ...] = (
    _no_code, _listing, _timing, _environment, _addresses, _shell,
)  # fmt: skip


class _NotebookFacts(NamedTuple):
    """What other cells tell about a changed cell: the notebook's functions that read addresses, its
    names set from the clock (``dt_now = datetime.now()``) and the files its ``%prun -T file`` writes."""

    addressing: frozenset[str]
    clock: frozenset[str]
    profiles: frozenset[str]


#: ``dt_now = datetime.now()``: a name that holds the time a cell ran
_CLOCK_NAME = re.compile(
    r"^\s*([A-Za-z_]\w*)\s*=[^=\n]*\b(?:now|today|utcnow)\(\)|^\s*([A-Za-z_]\w*)\s*=\s*time\.time\(\)", re.MULTILINE
)


#: ``%%prun -T prun.txt`` / ``%prun -q -D out.prof f()``: the file the profile is written to (group 1)
_PRUN_FILE = re.compile(r"^\s*%%?prun\b[^\n]*?\s-[A-Za-z]*[TD]\s*([^\s'\"]+)", re.MULTILINE)


def _notebook_facts(cells: list[Any]) -> _NotebookFacts:
    sources = "\n".join(str(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    clock = frozenset(a or b for a, b in _CLOCK_NAME.findall(sources))
    return _NotebookFacts(_address_helpers(cells), clock, frozenset(_PRUN_FILE.findall(sources)))


def _address_helpers(cells: list[Any]) -> frozenset[str]:
    """The notebook's functions that read where an object lives (``def aid(x): return
    x.__array_interface__['data'][0]``): a cell calling one shows an address."""
    out: set[str] = set()
    for cell in cells:
        source = str(cell.get("source", "")) if cell.get("cell_type") == "code" else ""
        if "def " not in source or not _ADDRESS_READ.search(source):
            continue
        try:
            tree = parse_python(source)
        except PARSE_ERRORS:
            continue
        out.update(
            node.name
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _ADDRESS_READ.search(ast.get_source_segment(source, node) or "")
        )
    return frozenset(out)


def _score(findings: list[FindingDict], reproduced: bool, cancelled: bool) -> int:
    if cancelled:
        return 0
    if reproduced:
        return 100
    errors = sum(1 for f in findings if f["severity"] == "error")
    changed = sum(1 for f in findings if f["check"] == OUTPUT_CHANGED.id)
    return max(0, 100 - 50 * errors - min(40, 10 * changed))


def _executable_cells(cells: list[Any]) -> list[int]:
    return [
        i
        for i, c in enumerate(cells)
        if c.get("cell_type") == "code"
        and str(c.get("source", "")).strip()
        and "skip-execution" not in (c.get("metadata") or {}).get("tags", [])
    ]


def build_report(
    cells: list[Any],
    *,
    path: str,
    end: Mapping[str, Any] | None,
    fresh: Mapping[int, list[str]],
    seconds: float,
    timeout: float,
    cell_timeout: float,
    stopped: Literal["timeout", "cancelled"] | None,
    running_cell: int | None,
    normalize: Iterable[str] = DEFAULT_NORMALIZE,
    exact_outputs: bool = False,
) -> RunReport:
    """Findings, score and summary from what the worker reported."""
    failed, findings = _failure_findings(cells, end, stopped, running_cell, timeout, cell_timeout)
    changed, changed_findings = _changed_findings(cells, fresh, failed, frozenset(normalize), exact_outputs)
    findings.extend(changed_findings)
    findings.sort(key=lambda f: -1 if f["cell"] is None else f["cell"])
    cancelled = stopped == "cancelled"
    reproduced = not cancelled and not findings
    return {
        "path": path,
        "score": _score(findings, reproduced, cancelled),
        "findings": findings,
        "waived": [],
        "summary": _summary(cells, findings),
        "run": {
            "cells_run": len(fresh),
            "total": len(_executable_cells(cells)),
            "seconds": round(seconds, 2),
            "changed": changed,
            "reproduced": reproduced,
            "state": "cancelled" if cancelled else "done",
        },
    }


def _failure_findings(
    cells: list[Any],
    end: Mapping[str, Any] | None,
    stopped: Literal["timeout", "cancelled"] | None,
    running_cell: int | None,
    timeout: float,
    cell_timeout: float,
) -> tuple[int | None, list[FindingDict]]:
    """The cell the run stopped on (not compared) and its finding: overall or cell timeout, error, crash."""
    status = (end or {}).get("status")
    if stopped == "timeout":
        return running_cell, [_timeout_finding(cells, running_cell, timeout, overall=True)]
    if stopped is not None or status == "ok":
        return None, []
    ended_at = end.get("cell") if end and isinstance(end.get("cell"), int) else running_cell
    if status == "timeout":
        return ended_at, [_timeout_finding(cells, ended_at, cell_timeout, overall=False)]
    if status in ("error", "dead", "exit", "crash"):
        assert end is not None
        return ended_at, [_error_finding(cells, end)]
    unexpected = _finding(
        RUN_ERROR,
        cells,
        running_cell,
        None,
        "The reproducibility worker stopped unexpectedly; see the server log.",
        "Try again; if it persists, run `jupyter-prod run` on the notebook in a terminal.",
    )
    return None, [unexpected]


def _changed_findings(
    cells: list[Any], fresh: Mapping[int, list[str]], failed: int | None, chosen: frozenset[str], exact: bool
) -> tuple[list[int], list[FindingDict]]:
    """Executed cells (not the failed one) whose saved outputs were not empty and differ now."""
    changed: list[int] = []
    findings: list[FindingDict] = []
    facts: _NotebookFacts | None = None  # read when a cell changed, once
    for index in sorted(fresh):
        if index == failed or not 0 <= index < len(cells):
            continue
        recorded = cells[index].get("outputs") or []
        if not recorded:
            continue
        diff = diff_lines(visible_lines(recorded, exact=exact), fresh[index], chosen, exact=exact)
        if diff:
            changed.append(index)
            if facts is None:
                facts = _notebook_facts(cells)
            findings.append(_changed_finding(cells, index, diff, facts))
    return changed, findings


def _summary(cells: list[Any], findings: list[FindingDict]) -> ReportSummary:
    return {
        "errors": sum(1 for f in findings if f["severity"] == "error"),
        "warnings": sum(1 for f in findings if f["severity"] == "warning"),
        "infos": sum(1 for f in findings if f["severity"] == "info"),
        "waived": 0,
        "code_cells": sum(1 for c in cells if c.get("cell_type") == "code"),
        "checks_run": list(CHECKS_RUN),
    }


# --- the run -----------------------------------------------------------------


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


# Runs the worker from the same source tree as this module, whether or not the
# package is installed; the kernel's environment is not changed (no PYTHONPATH).
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from jupyter_prod_ext.execution.worker import main; raise SystemExit(main())"
)


def _reader(stream: IO[bytes], out: queue.Queue[dict[str, Any] | None]) -> None:
    """The worker's events until its stdout ends, or is closed under us when a stopped worker is
    released (which once printed a thread's traceback in the user's terminal)."""
    try:
        for raw in stream:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if isinstance(event, dict):
                out.put(event)
    except (OSError, ValueError):
        pass
    finally:
        out.put(None)


def _stop_worker(proc: subprocess.Popen[bytes], kernel_pid: int | None) -> None:
    """Ask the worker to kill and reap its kernel; kill both groups if it does not."""
    if proc.poll() is None and proc.stdin is not None:
        with contextlib.suppress(OSError, ValueError):
            proc.stdin.write(b"stop\n")
            proc.stdin.flush()
    with contextlib.suppress(OSError, ValueError):
        if proc.stdin is not None:
            proc.stdin.close()
    try:
        proc.wait(timeout=_STOP_GRACE)
    except subprocess.TimeoutExpired:
        kill_group_id(proc.pid)
        kill_group_id(kernel_pid)
        proc.wait(timeout=_STOP_GRACE)


@dataclass
class _Run:
    """One run's state, shared by the steps of :func:`run_notebook`."""

    cells: list[Any]
    kernel: str
    workdir: Path
    timeout: float
    cell_timeout: float
    normalize: frozenset[str]
    exact_outputs: bool
    on_progress: ProgressCallback | None
    cancel_event: threading.Event | None
    progress: RunProgress
    started: float = dataclasses.field(default_factory=time.monotonic)
    #: cell index -> its fresh visible output lines
    fresh: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    #: the worker's ``end`` event
    end: dict[str, Any] | None = None
    stopped: Literal["timeout", "cancelled"] | None = None

    @property
    def deadline(self) -> float:
        return self.started + self.timeout

    def report_progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(dict(self.progress))  # type: ignore[arg-type]


def run_notebook(
    nb_dict: Mapping[str, Any] | Notebook,
    *,
    cwd: Path | str,
    timeout: float = DEFAULT_TIMEOUT,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    on_progress: ProgressCallback | None = None,
    cancel_event: threading.Event | None = None,
    path: str = "",
    normalize: Iterable[str] = DEFAULT_NORMALIZE,
    kernel: str | None = None,
    exact_outputs: bool = False,
) -> RunReport:
    """Run a copy of ``nb_dict`` top to bottom in a fresh kernel; compare outputs.

    Blocking (call it from a thread in the server). ``cancel_event`` stops the
    run (report state ``cancelled``); ``on_progress`` is called from this
    thread after every progress line of the worker. ``exact_outputs``: no allowance for
    other library versions (:mod:`.compare`).
    """
    check_timeouts(timeout, cell_timeout)
    chosen = _normalize_options(normalize)
    model = load_input(nb_dict, path or "<notebook>")
    nb = _v4_dict(model)
    run = _Run(
        cells=nb["cells"],
        workdir=_existing_folder(Path(cwd)),  # the folder first, then the (slower) kernel lookup
        kernel=_installed_kernel(model, kernel),
        timeout=timeout,
        cell_timeout=cell_timeout,
        normalize=chosen,
        exact_outputs=exact_outputs,
        on_progress=on_progress,
        cancel_event=cancel_event,
        progress=_initial_progress(nb["cells"]),
    )
    worker_log, exit_code = _execute(run, nb)
    _raise_without_result(run, worker_log, exit_code)
    return _final_report(run, path)


def _normalize_options(normalize: Iterable[str]) -> frozenset[str]:
    try:
        return check_normalize(normalize)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _existing_folder(workdir: Path) -> Path:
    if not workdir.is_dir():
        raise NotFoundError(f"The notebook's folder '{workdir}' does not exist.")
    return workdir


def _installed_kernel(model: Notebook, chosen: str | None) -> str:
    """The notebook's kernel, or the one the user chose for a notebook saved with a kernel not installed
    here (``conda-base-py``, ``python2``)."""
    kernel = kernel_name_of(model) if chosen is None else chosen  # "" is no kernel, not the notebook's
    check_kernel(kernel)
    return kernel


def _initial_progress(cells: list[Any]) -> RunProgress:
    return {
        "state": "running",
        "cell": None,
        "total": len(_executable_cells(cells)),
        "cells_run": 0,
        "worker_pid": None,
        "kernel_pid": None,
    }


def _execute(run: _Run, nb: dict[str, Any]) -> tuple[str, int | None]:
    """Start the worker on a private copy, follow its events, stop it; its last log line and exit code.

    Whatever happens here (an exception, Ctrl-C in the CLI), the worker and its kernel are
    stopped and the private folder is removed.
    """
    tmp = Path(tempfile.mkdtemp(prefix="jupyter-prod-run-"))
    proc: subprocess.Popen[bytes] | None = None
    reader: threading.Thread | None = None
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()
    try:
        proc = _start_worker(run, nb, tmp)
        assert proc.stdout is not None
        reader = threading.Thread(target=_reader, args=(proc.stdout, events), daemon=True)
        reader.start()
        _follow(run, events)
        _wait_or_stop(run, proc)
    finally:
        _release(run, proc, reader)
        worker_log = _tail(tmp / "worker.log")
        shutil.rmtree(tmp, ignore_errors=True)
    return worker_log, proc.returncode


def _start_worker(run: _Run, nb: dict[str, Any], tmp: Path) -> subprocess.Popen[bytes]:
    """The worker process (its own session), on a copy of the notebook in ``tmp``; stderr to its log."""
    nb_file = tmp / "notebook.ipynb"
    nb_file.write_text(json.dumps(nb), encoding="utf-8")
    argv = [
        sys.executable, "-c", _BOOT, _package_root(),
        "--input", str(nb_file),
        "--cwd", str(run.workdir.resolve()),
        "--kernel", run.kernel,
        "--cell-timeout", repr(float(run.cell_timeout)),
        "--startup-timeout", repr(float(min(60.0, run.timeout))),
        *(["--exact-outputs"] if run.exact_outputs else []),
    ]  # fmt: skip
    with open(tmp / "worker.log", "wb") as log:
        proc = start_process(
            argv,
            cwd=tmp,
            env=None,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            what="the reproducibility worker",
        )
    run.progress["worker_pid"] = proc.pid
    run.report_progress()
    return proc


def _follow(run: _Run, events: queue.Queue[dict[str, Any] | None]) -> None:
    """Take the worker's events until it ends, the run is cancelled or the overall timeout passes."""
    while True:
        if run.cancel_event is not None and run.cancel_event.is_set():
            run.stopped = "cancelled"
            return
        remaining = run.deadline - time.monotonic()
        if remaining <= 0:
            run.stopped = "timeout"
            return
        try:
            event = events.get(timeout=min(_POLL, remaining))
        except queue.Empty:
            continue
        if event is None:
            return
        _apply_event(run, event)
        run.report_progress()


def _apply_event(run: _Run, event: dict[str, Any]) -> None:
    kind = event.get("event")
    if kind == "kernel" and isinstance(event.get("pid"), int):
        run.progress["kernel_pid"] = event["pid"]
    elif kind == "cell" and isinstance(event.get("cell"), int):
        run.progress["cell"] = event["cell"]
    elif kind == "cell_done" and isinstance(event.get("cell"), int):
        lines = event.get("lines")
        run.fresh[event["cell"]] = [str(x) for x in lines] if isinstance(lines, list) else []
        run.progress["cells_run"] = len(run.fresh)
    elif kind == "end":
        run.end = event


def _wait_or_stop(run: _Run, proc: subprocess.Popen[bytes]) -> None:
    """A stopped run stops the worker; a finished one gets a moment to exit by itself."""
    if run.stopped is not None:
        _stop_worker(proc, run.progress["kernel_pid"])
        return
    try:
        proc.wait(timeout=_STOP_GRACE)
    except subprocess.TimeoutExpired:
        _stop_worker(proc, run.progress["kernel_pid"])


def _release(run: _Run, proc: subprocess.Popen[bytes] | None, reader: threading.Thread | None) -> None:
    """No worker or kernel outlives the run; the reader thread ends with the worker's stdout."""
    if proc is not None and proc.poll() is None:
        _stop_worker(proc, run.progress["kernel_pid"])
    if reader is not None:  # the worker is gone: its stdout ends, then the reader
        reader.join(timeout=_STOP_GRACE)
    if proc is not None and proc.stdout is not None:
        with contextlib.suppress(OSError):
            proc.stdout.close()


def _raise_without_result(run: _Run, worker_log: str, exit_code: int | None) -> None:
    """A worker that found no kernel, or exited without its ``end`` event, is a tool failure, not a finding."""
    if run.end is not None and run.end.get("status") == "no-kernel":
        check_kernel(run.kernel)  # names the installed kernels
        raise ToolError(missing_kernel(run.kernel, []))
    if run.stopped is None and run.end is None:
        raise ToolError(f"The run worker exited without a result (exit {exit_code}): {worker_log}")


def _final_report(run: _Run, path: str) -> RunReport:
    """The last progress (done or cancelled) and the report."""
    running_cell = run.progress["cell"]
    run.progress["state"] = "cancelled" if run.stopped == "cancelled" else "done"
    run.progress["cell"] = None
    run.report_progress()
    return build_report(
        run.cells,
        path=path,
        end=run.end,
        fresh=run.fresh,
        seconds=time.monotonic() - run.started,
        timeout=run.timeout,
        cell_timeout=run.cell_timeout,
        stopped=run.stopped,
        running_cell=running_cell,
        normalize=run.normalize,
        exact_outputs=run.exact_outputs,
    )


def _tail(path: Path, limit: int = 300) -> str:
    try:
        text = read_tail(path)
    except OSError:
        return "no log"
    return last_line(text, limit=limit) or "no output"


def run_file(
    path: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    on_progress: ProgressCallback | None = None,
    cancel_event: threading.Event | None = None,
    display_path: str | None = None,
    normalize: Iterable[str] = DEFAULT_NORMALIZE,
    kernel: str | None = None,
    exact_outputs: bool = False,
) -> RunReport:
    """``run_notebook`` on a file, in its own folder (the CLI's entry)."""
    shown = display_path if display_path is not None else str(path)
    return run_notebook(
        read_notebook(path, shown),
        cwd=Path(path).resolve().parent,
        timeout=timeout,
        cell_timeout=cell_timeout,
        on_progress=on_progress,
        cancel_event=cancel_event,
        path=shown,
        normalize=normalize,
        kernel=kernel,
        exact_outputs=exact_outputs,
    )


def cancelled_report(nb_dict: Mapping[str, Any] | Notebook, *, path: str = "") -> RunReport:
    """The answer for a run cancelled before it started (while queued)."""
    model = load_input(nb_dict, path or "<notebook>")
    return build_report(
        _v4_dict(model)["cells"],
        path=path,
        end=None,
        fresh={},
        seconds=0.0,
        timeout=DEFAULT_TIMEOUT,
        cell_timeout=DEFAULT_CELL_TIMEOUT,
        stopped="cancelled",
        running_cell=None,
    )
