"""The notebook model: read and validate, then IPython syntax to Python with the same lines.

Everything downstream (checks, dataflow, promotion, the type checker) works on
:class:`CodeUnit` objects: one per code cell, holding Python source with
exactly the cell's line count, so a line number in the Python is the line
number in the cell. That is why magics are replaced in place (``%time f(x)``
becomes ``f(x)``, ``!ls`` becomes ``get_ipython()``, a backslash-continued
``!cmd \\`` becomes ``get_ipython()`` and a blank line) instead of being expanded
the way IPython does it. What counts as IPython syntax is decided by IPython's
own token transformers (:func:`_ipython_to_python`).

Validation is structural and fast (the keys the engine relies on, as
nbformat's v4 schema defines them) because it runs on every keystroke; v2 and
v3 notebooks go through nbformat's converters first.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import stat
import string
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar, cast

from .errors import NotebookError, TooLargeError
from .lru import LockedLRU

T = TypeVar("T")

#: Largest notebook file we read.
MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024

_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]+$")
_OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}

#: What a kernel or a cell says when its language is Python.
PYTHON_LANGUAGES = frozenset({"python", "python3", "python2", "ipython", "ipython3", "py", "pyodide", "xpython"})


def _language_name(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


#: what :attr:`Notebook.language` says of a notebook whose metadata names no language and whose code is not Python
UNKNOWN_LANGUAGE = "not python"
#: kernels whose name says their language (``kernelspec.name``: ``ir``, ``julia-1.10``, ``sagemath``;
#: ``display_name``: ``R``, ``Julia 1.10.0``, ``SageMath 10.2``): the language, then the pattern of its names
_KERNEL_NAMES = (
    ("r", r"ir|r"),
    ("julia", r"(?:i?julia)(?:[-\s][\w.-]*)?"),
    ("sage", r"sage(?:math)?(?:[-\s][\w.-]*)?"),
    ("javascript", r"ijavascript|javascript|node(?:js)?"),
    ("octave", r"octave"),
    ("scala", r"scala(?:[-\s][\w.-]*)?|apache_toree_scala"),
)
_KERNEL_LANGUAGES = tuple(lang for lang, _ in _KERNEL_NAMES)
_KERNEL_LANGUAGE = re.compile("|".join(f"({pattern})" for _, pattern in _KERNEL_NAMES).join(("(?:", r")\Z")))
#: the parse errors of code that is Python all the same: Python 2's (``print x``, ``exec code``, ``except E, e:``,
#: ``0777``) and code too deep to parse (``cannot be parsed: RecursionError``)
_STILL_PYTHON = re.compile(
    r"Missing parentheses in call to|multiple exception types must be parenthesized|leading zeros|cannot be parsed"
)


def is_python_language(language: str) -> bool:
    return language in PYTHON_LANGUAGES


#: Cell magics whose body is Python that runs in the user namespace.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "px", "autopx", "memit"}
#: Line magics whose argument is a Python statement or expression run in the user namespace.
PYTHON_LINE_MAGICS = {"time", "timeit", "prun", "debug"}


@dataclass(frozen=True)
class Magic:
    """One IPython-only construct in a cell."""

    line: int  # 1-based line in the cell
    kind: str  # "line", "cell", "shell", "help"
    name: str  # magic name ("matplotlib", "bash", "pip") or the shell command's program
    text: str  # the original line, stripped


@dataclass(frozen=True)
class Cell:
    index: int
    cell_id: str | None
    cell_type: str
    source: str
    metadata: dict[str, Any]
    execution_count: int | None = None
    outputs: tuple[dict[str, Any], ...] = ()

    @property
    def language(self) -> str | None:
        """The language the cell's own metadata gives it, if any (lower case).

        Editors that mix languages in one notebook say so per cell, as ruff reads them:
        VS Code (``vscode.languageId``: ``sql``, ``javascript``...) and Polyglot
        Notebooks (``polyglot_notebook.kernelName``, ``dotnet_interactive.language``).
        """
        meta = self.metadata
        for key, field_name in (("vscode", "languageId"), ("polyglot_notebook", "kernelName"), ("dotnet_interactive", "language")):
            sub = meta.get(key)
            if isinstance(sub, dict):
                name = _language_name(sub.get(field_name))
                if name is not None:
                    return name
        return None

    @property
    def ignored_checks(self) -> frozenset[str]:
        """Check ids waived for this cell in its metadata (``jupyter_prod.ignore``)."""
        meta = self.metadata.get("jupyter_prod")
        if isinstance(meta, dict):
            ignore = meta.get("ignore")
            if isinstance(ignore, list):
                return frozenset(str(x) for x in ignore)
        return frozenset()


@dataclass
class CodeUnit:
    """A code cell turned into Python with the same lines."""

    cell: Cell
    python: str
    magics: list[Magic] = field(default_factory=list)
    #: names bound by magics (``%%capture out``, ``x = !ls``): (name, line)
    magic_bindings: list[tuple[str, int]] = field(default_factory=list)
    #: the whole cell is another language (``%%bash``, ``%%R``, a VS Code SQL cell): no Python to analyse
    foreign: bool = False
    #: the cell's language when its metadata says it is not Python (``sql``), else "python"
    language: str = "python"
    tree: ast.Module | None = None
    syntax_error: tuple[int | None, str] | None = None
    #: longer than :data:`MAX_ANALYSED_CELL_CHARS`: not parsed (an empty tree), its lines blank for mypy
    too_large: bool = False
    #: what checks derived from this source (statements, calls, ...): shared by every cell with the same
    #: source through the per-cell cache, so each is computed once per distinct source (see :func:`unit_of`)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Notebook:
    path: str
    cells: list[Cell]
    metadata: dict[str, Any]
    nbformat: int
    nbformat_minor: int
    _units: list[CodeUnit] | None = field(default=None, repr=False)
    _code: tuple[int, int, list[Cell]] | None = field(default=None, repr=False, compare=False)

    @property
    def language(self) -> str:
        """The kernel's language its metadata names (a Python kernel's name says nothing: it is any name of an
        environment), else :data:`UNKNOWN_LANGUAGE` for a notebook whose code is mostly not Python, else
        "python"."""
        named = self.named_language
        if named is not None:
            return named
        return UNKNOWN_LANGUAGE if self.mostly_not_python() else "python"

    @property
    def named_language(self) -> str | None:
        # JupyterLab sends language_info.name == "" until the kernel has answered: treat as unknown
        for key, field_name in (("language_info", "name"), ("kernelspec", "language")):
            sub = self.metadata.get(key)
            name = _language_name(sub.get(field_name)) if isinstance(sub, dict) else None
            if name is not None:
                return name
        spec = self.metadata.get("kernelspec")
        for field_name in ("name", "display_name"):
            name = _language_name(spec.get(field_name)) if isinstance(spec, dict) else None
            if name is not None and "python" in name:
                return "python"
            known = _KERNEL_LANGUAGE.match(name) if name is not None else None
            if known is not None:
                return next(lang for lang, word in zip(_KERNEL_LANGUAGES, known.groups(), strict=True) if word)
        return None

    def mostly_not_python(self) -> tuple[int, int] | None:
        """For a notebook whose metadata names no language: (cells that are not Python, code cells) when more
        than half of its code cells (three at least) do not parse as Python 3 or 2 (a Sage, Julia or R notebook
        saved without its kernel), else None."""
        if self.named_language is not None:
            return None
        units = [unit_of(c) for c in self.code_cells if c.source.strip()]
        failed = sum(1 for u in units if u.syntax_error is not None and not _STILL_PYTHON.search(u.syntax_error[1]))
        return (failed, len(units)) if len(units) >= 3 and failed * 2 > len(units) else None

    @property
    def is_python(self) -> bool:
        return is_python_language(self.language)

    @property
    def code_cells(self) -> list[Cell]:
        """The code cells (kept while ``cells`` is the same list of the same length: a dozen checks ask)."""
        cells, code = self.cells, self._code
        if code is None or code[0] != id(cells) or code[1] != len(cells):
            code = self._code = (id(cells), len(cells), [c for c in cells if c.cell_type == "code"])
        return code[2]

    def units(self) -> list[CodeUnit]:
        """The Python of every code cell, parsed once per distinct source (:func:`unit_of`).

        A notebook with more code cells than half the cache holds bypasses it: it would evict
        every other notebook's cells and pin its own (hundreds of MiB at 50,000 cells) in the server.
        """
        if self._units is None:
            cells = self.code_cells
            translate = unit_of if len(cells) <= UNIT_CACHE_ITEMS // 2 else to_python
            self._units = [translate(c) for c in cells]
        return self._units


# ---------------------------------------------------------------------------
# Reading and validation


def cell_number(index: int) -> int:
    """The number people see for the cell at ``index``: 1-based, every cell type counted.

    JupyterLab, the Readiness panel, ruff and nbQA number cells so; every "cell N" in a message goes
    through here. JSON ``cell`` values and the ``cells`` inputs stay 0-based indexes.
    """
    return index + 1


def cell_numbers(indexes: Iterable[int]) -> str:
    """The :func:`cell_number` of each index, comma-separated, for "cells 3, 5" in a message."""
    return ", ".join(str(cell_number(i)) for i in indexes)


def no_cell_index(ref: object, count: int) -> str:
    """The message for a ``cells`` index outside the notebook: said in index terms, as the input is."""
    span = f" (indexes 0-{count - 1})" if count > 1 else " (index 0)" if count == 1 else ""
    return f"There is no cell index {ref!r}: the notebook has {count} cell{'' if count == 1 else 's'}{span}."


def _join_source(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)  # raises TypeError unless every item is a str (one C loop, no genexpr)
        except TypeError:
            pass
    raise NotebookError(f"{where}: 'source' must be a string or a list of strings.")


def import_nbformat() -> ModuleType:
    """nbformat (and jupytext, which imports it) without jsonschema's IRI format checker.

    jsonschema imports ``rfc3987_syntax`` when it is installed, which compiles 39 lark grammars
    at import: about a second of CPU in every process that reads an old (v2/v3) or a text
    notebook (each ``jupyter-prod check`` worker, each child), for a format check nbformat never
    asks for (``format`` in its schemas is a raw cell's key, not a JSON Schema format). Where
    jsonschema is already imported (the Jupyter server), nothing changes.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import nbformat

    return nbformat


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """v2/v3 -> v4 through nbformat's converters (they know the old shapes)."""
    major = data.get("nbformat")
    if major == 4:
        return data
    nbformat = import_nbformat()  # slow to import (jsonschema): only old notebooks need it
    if major == 3:
        # nbformat cannot convert these incomplete v3 files; the missing parts have obvious empty values
        data = dict(data)
        data.setdefault("metadata", {})
        data.setdefault("worksheets", [])
        data["worksheets"] = [dict(w, cells=w.get("cells", [])) if isinstance(w, dict) else w for w in data["worksheets"]]
    if major not in (2, 3):
        raise NotebookError(f"unsupported nbformat version {major!r}: only versions 2, 3 and 4 can be read.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many types for broken old notebooks
        msg = getattr(exc, "message", None) or str(exc)
        raise NotebookError(f"cannot convert this nbformat {major} notebook to version 4: {msg}") from None
    converted: dict[str, Any] = json.loads(json.dumps(node))
    return converted


def _validate_v4(data: dict[str, Any]) -> None:
    minor = data.get("nbformat_minor")
    if not isinstance(minor, int):
        raise NotebookError("'nbformat_minor' is missing or not an integer.")
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        raise NotebookError("notebook 'metadata' is missing or not an object.")
    spec = meta.get("kernelspec")
    if spec is not None and not (
        isinstance(spec, dict) and isinstance(spec.get("name"), str) and isinstance(spec.get("display_name"), str)
    ):
        raise NotebookError("metadata.kernelspec must be an object with 'name' and 'display_name' strings.")
    info = meta.get("language_info")
    if info is not None and not (isinstance(info, dict) and isinstance(info.get("name"), str)):
        raise NotebookError("metadata.language_info must be an object with a 'name' string.")
    authors = meta.get("authors")
    if authors is not None and not (isinstance(authors, list) and all(isinstance(a, dict) for a in authors)):
        raise NotebookError("metadata.authors must be a list of objects.")
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("'cells' is missing or not a list.")
    for i, cell in enumerate(cells):
        where = f"cell {cell_number(i)}"
        if not isinstance(cell, dict):
            raise NotebookError(f"{where} is not an object.")
        ctype = cell.get("cell_type")
        if ctype not in ("code", "markdown", "raw") and not (minor > 5 and isinstance(ctype, str)):
            # a future minor version may add cell types; this one does not know them
            raise NotebookError(f"{where}: unknown cell_type {ctype!r} (expected code, markdown or raw).")
        if ctype not in ("code", "markdown", "raw"):
            continue  # a future cell type: kept, never analysed
        if "source" not in cell:
            raise NotebookError(f"{where}: 'source' is a required property.")
        _join_source(cell["source"], where)
        if not isinstance(cell.get("metadata", {}), dict):
            raise NotebookError(f"{where}: 'metadata' must be an object.")
        if ctype == "code":
            outputs = cell.get("outputs", [])
            if not isinstance(outputs, list):
                raise NotebookError(f"{where}: 'outputs' must be a list.")
            for out in outputs:
                if not isinstance(out, dict) or not isinstance(out.get("output_type"), str):
                    raise NotebookError(f"{where}: an output has no valid 'output_type'.")
                if out["output_type"] not in _OUTPUT_TYPES and minor <= 5:
                    raise NotebookError(f"{where}: an output has no valid 'output_type'.")
            count = cell.get("execution_count")
            if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
                raise NotebookError(f"{where}: 'execution_count' must be an integer or null.")


def _unique_ids(cells: list[dict[str, Any]]) -> list[str | None]:
    """Each cell's id, with a repeated id kept only on its first cell and an invalid one not kept.

    Repeated ids and ids outside nbformat's 1-64 letters, digits, '-' and '_' are invalid nbformat, yet such
    notebooks exist in real repositories (nbformat's own test files have both) and JupyterLab opens them, with
    no way for the user to edit a cell's id. Refusing them would leave the panel and CI with no report; those
    cells are addressed by their index instead, as cells of notebooks without ids are.
    """
    seen: set[str] = set()
    ids: list[str | None] = []
    for raw in cells:
        cid = raw.get("id")
        if not isinstance(cid, str) or len(cid) > 64 or _CELL_ID.match(cid) is None:
            ids.append(None)
            continue
        ids.append(cid if cid not in seen else None)
        seen.add(cid)
    return ids


def notebook_from_dict(data: Any, path: str = "<notebook>") -> Notebook:
    """Validate nbformat JSON (any supported version) and build the model.

    Raises :class:`NotebookError` with a one-line message naming ``path``.
    """
    try:
        if not isinstance(data, dict):
            raise NotebookError("the notebook is not a JSON object.")
        if "nbformat" not in data:
            raise NotebookError("'nbformat' is missing: this is not a Jupyter notebook.")
        data = _upgrade(data)
        _validate_v4(data)
    except NotebookError as exc:
        raise NotebookError(f"{path}: {exc.message}") from None
    cells: list[Cell] = []
    ids = _unique_ids(data["cells"])
    new, append = object.__new__, cells.append
    for i, raw in enumerate(data["cells"]):
        code = raw["cell_type"] == "code"
        source = raw.get("source", "")
        if type(source) is not str:
            source = _join_source(source, f"cell {cell_number(i)}")
        # Cell(...) without the frozen dataclass's seven object.__setattr__ calls (every cell, every keystroke)
        cell: Cell = new(Cell)
        cell.__dict__.update(
            index=i,
            cell_id=ids[i],
            cell_type=raw["cell_type"],
            source=source,
            metadata=raw.get("metadata") or {},
            execution_count=raw.get("execution_count") if code else None,
            outputs=tuple(raw.get("outputs", ())) if code else (),
        )
        append(cell)
    return Notebook(
        path=path,
        cells=cells,
        metadata=data["metadata"],
        nbformat=4,
        nbformat_minor=int(data["nbformat_minor"]),
    )


def human_size(n: int) -> str:
    """``12 bytes``, ``3.4 KiB``, ``64.0 MiB``: limits are read by people, and may be small in tests."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def notebook_from_text(text: str | bytes, path: str = "<notebook>") -> Notebook:
    if len(text) > MAX_NOTEBOOK_BYTES:
        raise TooLargeError(
            f"{path}: the notebook is {human_size(len(text))}; the limit is {human_size(MAX_NOTEBOOK_BYTES)}."
        )
    if isinstance(text, bytes):
        # nbformat files are UTF-8 (json.loads would also accept UTF-16/32, which Jupyter cannot open)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NotebookError(f"{path}: the file is not UTF-8 text.") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotebookError(f"{path}: not valid JSON ({exc}){json_repair(exc)}") from None
    except RecursionError:
        raise NotebookError(f"{path}: the JSON is nested too deeply to read.") from None
    return notebook_from_dict(data, path)


def json_repair(exc: ValueError) -> str:
    """What to do about a file that is not JSON: Jupyter cannot open it either, so "re-save it" cannot help.
    A second document after the first (``Extra data``) is two notebooks pasted into one file, as a public
    repository holds."""
    if isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data":
        return (
            ": a second JSON document follows the notebook (two notebooks in one file?); keep one, in a text editor."
        )
    return ": Jupyter cannot open it either; fix it in a text editor or restore it from version control."


def read_notebook_bytes(path: Path, name: str) -> bytes:
    """The bytes of a notebook file; errors name ``name`` and say what is wrong.

    Opened non-blocking and checked with ``fstat`` on the open descriptor: a FIFO
    or a device named ``x.ipynb`` would otherwise block the reading thread forever
    (and a server has only so many). Reads at most the limit plus one byte, so a
    file that grows after the check cannot get past it.
    """
    from .errors import NotFoundError

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise NotFoundError(f"{name}: no such file.") from None
    except IsADirectoryError:
        raise NotebookError(f"{name}: is a folder, not a notebook.") from None
    except PermissionError:
        raise NotebookError(f"{name}: permission denied.") from None
    except OSError as exc:
        raise NotebookError(f"{name}: cannot be opened ({exc.strerror or exc}).") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise NotebookError(f"{name}: is a folder, not a notebook.")
        raise NotebookError(f"{name}: is not a regular file (a pipe, socket or device), not a notebook.")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise TooLargeError(
                f"{name}: the notebook is {human_size(info.st_size)}; the limit is {human_size(MAX_NOTEBOOK_BYTES)}."
            )
        try:
            return fh.read(MAX_NOTEBOOK_BYTES + 1)
        except OSError as exc:
            raise NotebookError(f"{name}: cannot be read ({exc.strerror or exc}).") from None


def load_notebook(path: Path, display: str | None = None) -> Notebook:
    """Read and validate a notebook file (see :func:`read_notebook_bytes`); ``.py``/``.md`` through jupytext."""
    name = display or str(path)
    from . import jupytext_io  # a text notebook (jupytext .py/.md) is read through jupytext

    if jupytext_io.is_text_notebook_path(path):
        return jupytext_io.load_text_notebook(path, name)
    return notebook_from_text(read_notebook_bytes(path, name), name)


# ---------------------------------------------------------------------------
# IPython syntax -> Python, line for line

_NAME = re.compile(r"[A-Za-z_]\w*")

#: A line that may hold IPython syntax: ``%magic``, ``!cmd``, ``?obj``, ``obj?``, ``x = !cmd``, ``x = %sx``,
#: the autocall escapes ``,`` ``;`` ``/``. Plain cells (most of them) skip the tokenizer on this test alone.
_IPYTHON_HINT = re.compile(
    r"^[ \t]*(?:[%!?,;/]|[A-Za-z_][\w ,()\[\]*.]*=[ \t]*[%!](?!=))|\?[ \t]*\r?$", re.MULTILINE
)
#: what is left of it for a source without ``%``, ``!`` or ``?`` (most cells): a line starting with ``,;/``,
#: the first line, then the others after their ``\n`` (a literal first character the regex engine skips to,
#: where a multiline ``^`` is tried at every position: a third of the time)
_IPYTHON_HINT_FIRST = re.compile(r"[ \t]*[,;/]")
_IPYTHON_HINT_REST = re.compile(r"\n[ \t]*[,;/]")


def _may_be_ipython(source: str) -> bool:
    """``_IPYTHON_HINT.search(source)`` as a yes/no: its cheap part alone when no ``%!?`` occurs."""
    if "%" in source or "!" in source or "?" in source:
        return _IPYTHON_HINT.search(source) is not None
    return _IPYTHON_HINT_FIRST.match(source) is not None or _IPYTHON_HINT_REST.search(source) is not None


#: IPython's line magics and shell aliases (its defaults, see tests): the words automagic runs as ``%word``.
LINE_MAGICS = frozenset(
    """alias alias_magic autoawait autocall automagic bookmark cat cd code_wrap colors conda config cp debug dhist
    dirs doctest_mode ed edit env gui hist history killbgscripts ldir lf lk ll load load_ext loadpy logoff logon
    logstart logstate logstop ls lsmagic lx macro magic mamba matplotlib micromamba mkdir mv notebook page
    pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint precision prun psearch psource pushd pwd pycat pylab
    quickref recall rehashx reload_ext rep rerun reset reset_selective rm rmdir run save sc set_env sx system tb
    time timeit unalias unload_ext uv who who_ls whos xdel xmode""".split()
)


def _magic_name(body: str) -> str:
    word = body.strip().split(None, 1)
    return word[0] if word else ""


def _strip_flags(arg: str) -> str:
    """`-n 10 -r 3 f(x)` -> `f(x)` for %timeit-style flags."""
    parts = arg.split()
    out: list[str] = []
    skip = False
    for i, part in enumerate(parts):
        if skip:
            skip = False
            continue
        if not out and part.startswith("-"):
            if part in ("-n", "-r", "-o", "-p", "-l", "-s", "-T", "-D", "-d") and i + 1 < len(parts):
                skip = part not in ("-o", "-q", "-d", "-D")
            continue
        out.append(part)
    return " ".join(out)


def _timeit_setup(arg: str) -> str:
    """The setup statement of ``%%timeit -n1 -r10 c, z, m = initialize(size)``, which runs before the body
    and binds what the body reads; empty when there is none or it is no Python."""
    setup = _strip_flags(arg)
    try:
        ast.parse(setup)
    except PARSE_ERRORS:
        return ""
    return setup


def _magic_python(text: str, name: str) -> str:
    """The Python a line magic runs in the user namespace (``%time f(x)`` -> ``f(x)``), else ``get_ipython()``
    reading what the line interpolates (:func:`_shell_python`)."""
    if name in PYTHON_LINE_MAGICS:
        expr = _strip_flags(text.lstrip("%").strip()[len(name) :])
        if expr:
            return expr
    return _shell_python(text)


#: ``{expr}`` in a shell command or a line magic, which IPython replaces by the value of ``expr`` before it runs
#: the line; not ``{{``, nor the shell's own ``${VAR}``
_INTERPOLATED = re.compile(r"(?<![{$])\{([^{}\n]+)\}(?!\})")


def _shell_python(text: str) -> str:
    """``get_ipython()``, called with the expressions the line interpolates: ``!{sys.executable} -m pip list``
    reads ``sys`` (``get_ipython()((sys.executable))``), so its import is used. Braces that are no Python
    expression are the shell's (``{print $1}``, ``{}``), and so is a comma list (``data/{train,test}``, brace
    expansion): IPython leaves those as written."""
    exprs = []
    for m in _INTERPOLATED.finditer(text):
        expr = _field_expression(m.group(0))
        if expr is None:
            continue
        try:
            node = ast.parse(expr, mode="eval").body
        except PARSE_ERRORS:
            continue
        if not isinstance(node, ast.Tuple):
            exprs.append(f"({expr})")
    return f"get_ipython()({', '.join(exprs)})" if exprs else "get_ipython()"


def _field_expression(field_text: str) -> str | None:
    """The Python IPython evaluates for one ``{…}`` field, split as its ``FullEvalFormatter`` splits it
    (``string.Formatter.parse``): ``{x!r}`` evaluates ``x`` then converts it; a ``:spec`` is put back
    (``{s[1:3]}`` slices, while ``{x:>10}`` is no expression and IPython leaves the line as written);
    ``None`` when the formatter refuses the field (``{a != b}``)."""
    try:
        parsed = list(string.Formatter().parse(field_text.strip()))
    except ValueError:
        return None
    if len(parsed) != 1:
        return None
    _, name, spec, _ = parsed[0]
    if name is None:
        return None
    return (f"{name}:{spec}" if spec else name).strip()


def _replacement(text: str, help_end: bool, unit: CodeUnit, lineno: int) -> str:
    """Our Python for one construct IPython found (its text from the escape on); records its :class:`Magic`.

    Not IPython's own replacement (``get_ipython().run_line_magic('time', 'f(x)')``): the
    analysis must see the Python that a ``%time`` runs, and nothing of a shell command's text.
    """
    if help_end or text.startswith("?"):
        unit.magics.append(Magic(lineno, "help", text.strip("?% ").strip(), text))
        return "get_ipython()"
    if text.startswith("!"):
        unit.magics.append(Magic(lineno, "shell", _magic_name(text.lstrip("!")), text))
        return _shell_python(text)
    if text.startswith("%"):
        name = _magic_name(text.lstrip("%"))
        unit.magics.append(Magic(lineno, "line", name, text))
        return _magic_python(text, name)
    # the autocall escapes (``/f x`` -> ``f(x)``): IPython's own replacement is the Python that runs
    from IPython.core import inputtransformer2 as it2

    unit.magics.append(Magic(lineno, "line", "autocall", text))
    calls = cast("dict[str, Callable[[str], str]]", it2.tr)
    return calls[text[0]](text[1:]) if text[:1] in calls else "get_ipython()"


def _ipython_to_python(source: str, unit: CodeUnit) -> str:
    """IPython syntax to Python, one construct at a time, keeping every line where it was.

    IPython's own token transformers (``IPython.core.inputtransformer2``: ``MagicAssign``,
    ``SystemAssign``, ``EscapedCommand``, ``HelpEnd``) decide what is IPython syntax: they
    tokenize, so a ``%`` inside a string or a bracket is left alone, and they know how far a
    backslash-continued ``!cmd \\`` line runs. We do not use ``TransformerManager.transform_cell``
    whole: it joins a continued command into one line, drops leading blank lines and turns a
    cell magic into one line, which would move every line number after it. So each construct
    IPython finds becomes our one-line replacement followed by as many blank lines as it spanned.
    """
    from IPython.core import inputtransformer2 as it2

    lines = [ln + "\n" for ln in source.split("\n")]
    # IPython's classes are untyped: name what mypy needs of them
    finders = cast(
        "tuple[Callable[[list[list[Any]]], Any], ...]",
        tuple(f.find for f in (it2.MagicAssign, it2.SystemAssign, it2.EscapedCommand, it2.HelpEnd)),
    )
    start = 0
    for _ in range(it2.TRANSFORM_LOOP_LIMIT):
        last = _last_hint_line(lines, start)
        if last is None:
            break
        try:
            # tokens up to the last line that may hold IPython syntax: Python's tokenizer is slow, and
            # a magic is most often at the top of a cell (an unfinished bracket or string there is fine)
            tokens = it2.make_tokens_by_line(lines[: last + 1])
        except (SyntaxError, ValueError):  # the tokenizer's IndentationError, a NUL byte: the parse will say it
            break
        found = [c for c in (find(tokens) for find in finders) if c is not None]
        for construct in sorted(found, key=it2.TokenTransformBase.sortby):
            try:
                spanned = len(lines) - len(construct.transform(lines)) + 1
            except SyntaxError:  # ``a b?`` is no help call: IPython leaves it too
                continue
            first, col = construct.start_line, construct.start_col
            text = it2.assemble_continued_line(lines, (first, col), first + spanned - 1).strip()
            head = lines[first][:col]
            if isinstance(construct, (it2.MagicAssign, it2.SystemAssign)):
                unit.magic_bindings.extend((t, first + 1) for t in _NAME.findall(head.rstrip().rstrip("=")))
            new = head + _replacement(text, isinstance(construct, it2.HelpEnd), unit, first + 1)
            lines[first : first + spanned] = [new + "\n"] + ["\n"] * (spanned - 1)
            start = first + spanned
            break
        else:
            break
    return "".join(lines)[:-1]


def _last_hint_line(lines: list[str], start: int) -> int | None:
    """The index of the last line that may hold IPython syntax, if one does from ``start`` on."""
    for i in range(len(lines) - 1, start - 1, -1):
        if _IPYTHON_HINT.search(lines[i]):
            return i
    return None


def _single_line(source: str) -> tuple[int, str] | None:
    """(index, stripped text) of the one non-blank line of ``source``, or None."""
    lines = source.split("\n")
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    return (filled[0], lines[filled[0]].strip()) if len(filled) == 1 else None


def automagic_python(source: str) -> str | None:
    """The Python our analysis reads for a one-line cell that is not Python but starts with a magic's
    name (``cd ..``, ``pip install x``), line for line; None for any other cell.

    IPython runs such a line as ``%cd ..`` (automagic) at run time, in its prefilter, which
    needs the live namespace and is applied to single-line cells only; no transformer
    of IPython's does it statically, so this is ours (the analysis and black both need it).
    """
    found = _single_line(source)
    if found is None or _magic_name(found[1]) not in LINE_MAGICS:
        return None
    lines = source.split("\n")
    lines[found[0]] = _magic_python("%" + found[1], _magic_name(found[1]))
    return "\n".join(lines)


def _automagic(source: str, unit: CodeUnit) -> str | None:
    """:func:`automagic_python`, with the magic recorded in ``unit``."""
    python = automagic_python(source)
    found = _single_line(source)
    if python is not None and found is not None:
        unit.magics.append(Magic(found[0] + 1, "line", _magic_name(found[1]), found[1]))
    return python


_AST_LOCK = threading.Lock()
_TOP_LEVEL_AWAIT_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

#: What parsing user code may raise instead of answering: a syntax error, a NUL byte
#: (ValueError), input nested too deeply for the parser (RecursionError, MemoryError) and
#: CPython's own SystemError (see :func:`parse_python`). Catch all of them around a parse.
PARSE_ERRORS: tuple[type[Exception], ...] = (SyntaxError, ValueError, RecursionError, MemoryError, SystemError)


#: CPython 3.11+ refuses a tree deeper than about this ("maximum recursion depth exceeded during
#: ast construction", 3 x the default recursion limit); 3.10 builds it, and native code that walks
#: it later (black, compiled with mypyc) overflows the C stack and kills the process.
_MAX_AST_DEPTH = 3000


def _refuse_too_deep(tree: ast.AST) -> None:
    """On 3.10, raise the RecursionError that 3.11+ raises while building a too-deep tree."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_AST_DEPTH:
            raise RecursionError("maximum recursion depth exceeded during ast construction")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _parse(source: str, mode: str, flags: int) -> Any:
    """``compile`` under the lock, retried; an AST with ``PyCF_ONLY_AST`` in ``flags``, else bytecode."""
    for attempt in range(3):
        try:
            with _AST_LOCK:
                tree = compile(source, "<unknown>", mode, flags=flags, dont_inherit=True)
            if sys.version_info < (3, 11) and isinstance(tree, ast.AST):
                _refuse_too_deep(tree)
            return tree
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc) or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def parse_python(source: str, *, top_level_await: bool = False, type_comments: bool = False) -> ast.Module:
    """``ast.parse``, serialised across threads and retried on CPython's spurious ``SystemError``.

    CPython 3.11 keeps the AST constructor's recursion counter per interpreter, not per
    thread, so two threads parsing at once (a server answering concurrent requests) can
    fail with "AST constructor recursion depth mismatch" (python/cpython#106905). The
    lock keeps our own parses apart; the retry absorbs a collision with another
    library's parse (black's). ``top_level_await`` accepts ``await`` outside a function,
    as IPython does; ``type_comments`` keeps ``# type:`` comments, as ``ast.parse`` does with it.
    Raises what ``ast.parse`` raises: one of :data:`PARSE_ERRORS`.
    """
    flags = _TOP_LEVEL_AWAIT_FLAGS if top_level_await else ast.PyCF_ONLY_AST
    if type_comments:
        flags |= ast.PyCF_TYPE_COMMENTS
    tree = _parse(source, "exec", flags)
    assert isinstance(tree, ast.Module)
    return tree


def compile_python(source: str, *, top_level_await: bool = False) -> None:
    """Compile ``source`` to bytecode as importing it does (``top_level_await``: as IPython runs a cell),
    with :func:`parse_python`'s lock and retry: the compiler refuses what the parser accepts (``await``
    outside an async function, ``return`` outside a function, ``nonlocal`` at module level). Raises one
    of :data:`PARSE_ERRORS`."""
    parse_python(source, top_level_await=top_level_await)  # its depth limit first
    _parse(source, "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if top_level_await else 0)


def parse_expression(source: str) -> ast.Expression:
    """``ast.parse(source, mode="eval")`` with :func:`parse_python`'s lock and retry."""
    tree = _parse(source, "eval", ast.PyCF_ONLY_AST)
    assert isinstance(tree, ast.Expression)
    return tree


def parse_problem(exc: BaseException) -> str:
    """One line on why a parse failed: ``line 3: invalid syntax`` or ``nested too deeply``."""
    if isinstance(exc, SyntaxError):
        return f"line {exc.lineno}: {exc.msg}" if exc.lineno else str(exc.msg)
    if isinstance(exc, (RecursionError, MemoryError)):
        return f"nested too deeply to parse ({type(exc).__name__})"
    return f"cannot be parsed: {type(exc).__name__}"


def _cell_magic_outputs(name: str, args: str) -> list[str]:
    """Names a non-Python cell magic leaves in the namespace: ``%%bigquery df``, ``%%sql rows <<``, ``%%R -o x``."""
    words = args.split()
    if name == "bigquery" and words and _NAME.fullmatch(words[0]):
        return [words[0]]  # google-cloud-bigquery: the first positional argument is the destination
    if name == "sql" and "<<" in words:
        before = words[words.index("<<") - 1] if words.index("<<") > 0 else ""
        return [before] if _NAME.fullmatch(before) else []  # ipython-sql / jupysql: ``name <<``
    if name == "R":  # rpy2: ``-o a,b`` copies R variables out to Python
        return [n for i, w in enumerate(words[:-1]) if w in ("-o", "--output") for n in words[i + 1].split(",") if _NAME.fullmatch(n)]
    return []


def _foreign_unit(cell: Cell, language: str) -> CodeUnit:
    """A cell in another language: as many blank lines as it has, nothing to analyse, no syntax error."""
    empty = ast.Module(body=[], type_ignores=[])
    return CodeUnit(cell=cell, python="\n" * cell.source.count("\n"), foreign=True, language=language, tree=empty)


#: Cells longer than this are not parsed or analysed: CPython's parser needs about 1 KiB of memory
#: per character of a long literal (a 5 MB line: 9 s and 2.4 GB); the ``cell-too-large`` finding says
#: so instead. The server operator's ``c.JupyterProd.max_cell_kib`` replaces it at start-up.
MAX_ANALYSED_CELL_CHARS = 200_000


def to_python(cell: Cell) -> CodeUnit:
    """Translate one code cell; parse it; record magics and syntax errors."""
    unit = CodeUnit(cell=cell, python=cell.source)
    if cell.language is not None and not is_python_language(cell.language):
        return _foreign_unit(cell, cell.language)
    if len(cell.source) > MAX_ANALYSED_CELL_CHARS:
        unit.too_large = True
        unit.python = "\n" * cell.source.count("\n")
        unit.tree = ast.Module(body=[], type_ignores=[])
        return unit
    source = cell.source
    lines = source.split("\n") if "%%" in source else []  # a cell magic needs "%%": skip the split otherwise
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        header = lines[first].strip()
        body = header[2:]
        name = _magic_name(body)
        unit.magics.append(Magic(first + 1, "cell", name, header))
        if name in PYTHON_CELL_MAGICS:
            args = body[len(name) :].split()
            if name == "capture":
                for arg in args:
                    if not arg.startswith("-") and _NAME.fullmatch(arg):
                        unit.magic_bindings.append((arg, first + 1))
            lines[first] = _timeit_setup(body[len(name) :]) if name == "timeit" else ""
            source = "\n".join(lines)
        else:
            foreign = _foreign_unit(cell, name.lower())
            foreign.magics = unit.magics
            foreign.magic_bindings = [(n, first + 1) for n in _cell_magic_outputs(name, body[len(name) :])]
            return foreign
    if source.lstrip("\r\n")[:1] in (" ", "\t"):
        # IPython's ``leading_indent`` cleanup: a cell indented as a whole runs (textwrap.dedent keeps lines)
        source = textwrap.dedent(source)
    if _may_be_ipython(source):
        source = _ipython_to_python(source, unit)
    unit.python = source
    try:
        unit.tree = parse_python(source)
        return unit
    except SyntaxError as exc:
        unit.syntax_error = (exc.lineno, exc.msg)
    except (ValueError, RecursionError, MemoryError, SystemError) as exc:
        unit.syntax_error = (None, f"cannot be parsed: {type(exc).__name__}")
        return unit
    magic = _automagic(source, unit)
    if magic is not None:
        try:
            unit.tree = parse_python(magic)
        except PARSE_ERRORS:
            unit.magics.pop()
        else:
            unit.python, unit.syntax_error = magic, None
    return unit


# ---------------------------------------------------------------------------
# The per-cell cache: one translation, parse and set of facts per distinct cell source

#: bump when the translation changes what it produces for a source (keys of a persisted cache)
TRANSLATION_VERSION = "9"
#: at most this many distinct cell sources, and about this much memory, are kept
UNIT_CACHE_ITEMS = 20_000
UNIT_CACHE_BYTES = 64 * 1024 * 1024
#: estimated bytes held by a cached unit per character of its source plus its translation (the tree,
#: the statements and events, the facts): tracemalloc after the fast checks of a bench/generate.py
#: notebook of 1000 code cells measured 53 (32.5 MiB for 1000 cells); 64 MiB holds about 2000 such cells
_BYTES_PER_CHAR = 56


def source_hash(source: str) -> str:
    """The cell's identity in the cache and in the delta protocol: sha256 of its UTF-8 text, hex.

    The frontend computes the same (``src/api.ts`` ``sourceHash``); tests check they agree.
    """
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def unit_bytes(unit: CodeUnit) -> int:
    """Estimated memory a translated cell holds (its tree, statements, facts): what caches bound."""
    return 512 + _BYTES_PER_CHAR * (len(unit.cell.source) + len(unit.python))


_UNITS: LockedLRU[str, CodeUnit] = LockedLRU(max_bytes=UNIT_CACHE_BYTES, sizeof=unit_bytes)


def unit_cache() -> LockedLRU[str, CodeUnit]:
    """The process-wide cache of translated cells, keyed by :func:`source_hash` (tests clear it)."""
    return _UNITS


def _translate_source(source: str) -> CodeUnit:
    return to_python(Cell(index=0, cell_id=None, cell_type="code", source=source, metadata={}))


def unit_of(cell: Cell) -> CodeUnit:
    """``to_python(cell)`` through the cache: a cell whose source was seen costs a hash and a copy.

    The cached unit is shared (its tree, magics and facts are never mutated, promotion deep-copies
    before rewriting); only ``cell`` differs between the cells that have this source. A cell whose
    metadata gives it another language is not Python whatever its source: it bypasses the cache.
    """
    if cell.language is not None and not is_python_language(cell.language):
        return to_python(cell)
    template = _UNITS.get_or_compute(source_hash(cell.source), lambda: _translate_source(cell.source), UNIT_CACHE_ITEMS)
    unit: CodeUnit = object.__new__(CodeUnit)
    unit.__dict__.update(template.__dict__)
    unit.cell = cell
    return unit


def unit_fact(unit: CodeUnit, key: str, compute: Callable[[CodeUnit], T]) -> T:
    """What ``compute`` derives from the unit's source alone, computed once per distinct source.

    ``compute`` must not depend on the cell's position, id or outputs: the result is shared by
    every cell with this source, in every notebook, until the cache evicts it.
    """
    facts = unit.facts
    try:
        return cast(T, facts[key])
    except KeyError:
        value = facts[key] = compute(unit)
        return value


#: facts derived from a text alone (a markdown cell, an output), by kind: (len(text), value)
_TEXT_FACTS: LockedLRU[tuple[str, str], tuple[int, Any]] = LockedLRU(
    max_bytes=16 * 1024 * 1024, sizeof=lambda v: 256 + 2 * v[0]
)


def text_fact(kind: str, text: str, compute: Callable[[str], T]) -> T:
    """:func:`unit_fact` for any text (sources of every cell type, outputs): once per distinct text."""
    key = (kind, text)
    hit = _TEXT_FACTS.get(key)
    if hit is None:
        hit = (len(text), compute(text))
        _TEXT_FACTS.put(key, hit, UNIT_CACHE_ITEMS)
    return cast(T, hit[1])


def clear_caches() -> None:
    """Forget every cached translation and fact."""
    _UNITS.clear()
    _TEXT_FACTS.clear()


@contextlib.contextmanager
def fresh_caches() -> Iterator[None]:
    """Run with empty caches, then restore the warm ones: a from-scratch report next to an incremental one."""
    global _UNITS, _TEXT_FACTS
    saved = _UNITS, _TEXT_FACTS
    _UNITS = LockedLRU(max_bytes=UNIT_CACHE_BYTES, sizeof=unit_bytes)
    _TEXT_FACTS = LockedLRU(max_bytes=saved[1].max_bytes, sizeof=lambda v: 256 + 2 * v[0])
    try:
        yield
    finally:
        _UNITS, _TEXT_FACTS = saved


def iter_code_units(nb: Notebook) -> Iterator[CodeUnit]:
    yield from nb.units()
