"""Notebooks kept as text through jupytext: percent/light ``.py`` scripts, Markdown and MyST ``.md``.

Many people pair their notebooks with a ``.py`` (percent format) for clean diffs, or keep only the
script. jupytext is an optional dependency: it is imported on first use, and a text notebook read
without it is a one-line :class:`NotebookError` naming the package to install. Parsing, format
detection, writing and pairing are jupytext's own (``jupytext.reads``/``writes``,
``jupytext.formats``, ``jupytext.paired_paths``), never a parser of ours.

Which files are text notebooks:

* a file named explicitly (CLI argument, server path) with a suffix of :data:`TEXT_SUFFIXES` is read
  through jupytext;
* a folder walk takes a ``.py`` only when it has a jupytext header or ``# %%`` cells, and a ``.md``
  only when its front matter has jupytext or kernelspec metadata (:func:`looks_like_text_notebook`):
  a plain module or README is never a source of findings. A text file paired with an ``.ipynb``
  that the walk also found is left out: the ``.ipynb`` (which has the outputs) is checked once.

Positions: findings keep their cell index and line in the cell; :attr:`TextNotebook.cell_lines`
maps each cell to the file line of its first source line, so CI annotations point at the file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import ConflictError, NotebookError, NotPythonError, ProdError
from .notebook import (
    Cell,
    Notebook,
    cell_number,
    import_nbformat,
    notebook_from_dict,
    notebook_from_text,
    read_notebook_bytes,
)
from .types import ReportDict

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Suffixes read through jupytext when a file is named explicitly (Python scripts and Markdown flavours).
TEXT_SUFFIXES = frozenset({".py", ".md", ".markdown", ".myst", ".mystnb", ".mnb", ".Rmd"})

#: Checks that say nothing on a text notebook: it never holds outputs or execution counts.
TEXT_NOTEBOOK_IGNORED = ("never-executed",)

#: Folder walks only take these, and only when :func:`looks_like_text_notebook` says so.
DISCOVERED_SUFFIXES = frozenset({".py", ".md"})

_PY_HEADER = re.compile(r"\A(?:#!.*\n)?(?:#.*coding[:=].*\n)?# ---[ \t]*\n((?:#.*\n)*?)# ---[ \t]*$", re.MULTILINE)
_PERCENT_CELL = re.compile(r"^# ?%%(?:[ \t]|$)", re.MULTILINE)
_MD_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$", re.MULTILINE | re.DOTALL)
_PAIRED_IPYNB = re.compile(r"^\W*formats\s*:.*\bipynb\b", re.MULTILINE)
_NOTEBOOK_KEYS = re.compile(r"^\W*(?:jupytext|kernelspec)\s*:", re.MULTILINE)
#: How much of a file the folder walk reads to decide (a header is at the top; ``# %%`` is early).
_SNIFF_BYTES = 256 * 1024


def is_text_notebook_path(path: Path | str) -> bool:
    """Whether a file named explicitly is read through jupytext (by its suffix)."""
    return Path(path).suffix in TEXT_SUFFIXES


def _sniff(path: Path) -> tuple[str, str | None] | None:
    """The start of a ``.py``/``.md`` file and its jupytext header (YAML), or None when unreadable."""
    if path.suffix not in DISCOVERED_SUFFIXES:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES).decode("utf-8", errors="replace").replace("\r\n", "\n")
    except OSError:
        return None
    found = (_PY_HEADER if path.suffix == ".py" else _MD_FRONT_MATTER).match(head)
    return head, found.group(1) if found is not None else None


def looks_like_text_notebook(path: Path) -> bool:
    """Whether a folder walk takes this ``.py``/``.md`` as a notebook (see the module docstring)."""
    sniffed = _sniff(path)
    if sniffed is None:
        return False
    head, header = sniffed
    if header is not None and _NOTEBOOK_KEYS.search(header):
        return True
    return path.suffix == ".py" and _PERCENT_CELL.search(head) is not None


def declares_ipynb_pair(path: Path) -> bool:
    """Whether the header pairs this text notebook with an ``.ipynb`` (``formats: ipynb,py:percent``)."""
    sniffed = _sniff(path)
    return sniffed is not None and sniffed[1] is not None and _PAIRED_IPYNB.search(sniffed[1]) is not None


#: Folders a walk never enters: hidden ones (.git, .venv), checkpoints, caches, installed packages.
_SKIPPED_DIRS = frozenset({".ipynb_checkpoints", "__pycache__", "node_modules", "site-packages"})


def discover_notebooks(folder: Path) -> list[Path]:
    """The notebooks under ``folder``: every ``.ipynb``, and the ``.py``/``.md`` that are notebooks.

    A text notebook paired with an ``.ipynb`` next to it (same name) is left out: the pair is
    checked once, through the ``.ipynb``, which has the outputs. Virtual environments (a folder
    with ``pyvenv.cfg``) are not entered.
    """
    found: list[Path] = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS and not (Path(top, d) / "pyvenv.cfg").exists()
        )
        names = set(files)
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = Path(top, name)
            if p.suffix == ".ipynb":
                found.append(p)
            elif looks_like_text_notebook(p):
                if p.with_suffix(".ipynb").name in names and declares_ipynb_pair(p):
                    continue
                found.append(p)
    return sorted(found)


class MissingJupytextError(NotPythonError):
    """A text notebook met without jupytext installed.

    Like a notebook in another language, it is skipped with a note when a folder walk meets it
    (a repository of ``# %%`` scripts does not fail the check of its ``.ipynb``); a file named
    explicitly is still an error.
    """

    @property
    def details(self) -> dict[str, str] | None:
        """No ``not-python`` reason: the panel shows it as the error it is (install jupytext), not
        as the quiet note of a notebook in another language."""
        return None


def require_jupytext(name: str) -> ModuleType:
    """``jupytext``, imported on first use; without it, the one-line error that says what to install."""
    try:
        import_nbformat()  # jupytext imports nbformat: without the slow IRI format checker
        import jupytext
    except ImportError:
        raise MissingJupytextError(f"reading {name} needs jupytext: pip install jupytext") from None
    module: ModuleType = jupytext
    return module


class _DropJupytextLog(logging.Filter):
    """jupytext logs its own parse warnings on the root logger; a report says what matters itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("[jupytext]")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    root = logging.getLogger()
    flt = _DropJupytextLog()
    root.addFilter(flt)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(flt)


@dataclass(frozen=True)
class TextNotebook:
    """A text notebook as read: the model, the JSON it came from, and how to write it back."""

    notebook: Notebook
    #: nbformat v4 JSON (plain dicts) as jupytext read it, without cell ids (text files have none)
    raw: dict[str, Any]
    text: str
    #: jupytext's long-form format: extension and format_name (``{".py", "percent"}``)
    fmt: dict[str, str]
    #: per cell index: the 1-based file line of the cell's first source line (None: not located)
    cell_lines: tuple[int | None, ...]

    def file_line(self, cell: int | None, line: int | None) -> int | None:
        """The file line of ``line`` (1-based, in the cell) of cell ``cell``."""
        if cell is None or not 0 <= cell < len(self.cell_lines):
            return None
        start = self.cell_lines[cell]
        if start is None:
            return None
        return start + (line - 1 if line else 0)

    @property
    def formats(self) -> str | None:
        """The pairing (``metadata.jupytext.formats``, e.g. ``ipynb,py:percent``), if any."""
        return jupytext_formats(self.raw)


def jupytext_formats(raw: dict[str, Any]) -> str | None:
    meta = raw.get("metadata")
    jmeta = meta.get("jupytext") if isinstance(meta, dict) else None
    formats = jmeta.get("formats") if isinstance(jmeta, dict) else None
    if isinstance(formats, list):
        formats = ",".join(str(f) for f in formats)
    return formats if isinstance(formats, str) and formats.strip() else None


def text_notebook_from_text(text: str, suffix: str, name: str) -> TextNotebook:
    """Parse ``text`` (the content of a ``suffix`` file) with jupytext; errors are one line naming ``name``."""
    jupytext = require_jupytext(name)
    text = text.lstrip("\ufeff")
    try:
        with _quiet():
            node = jupytext.reads(text, fmt={"extension": suffix})
    except Exception as exc:  # noqa: BLE001 - jupytext raises many types (YAML, JSON, its own) for bad text
        problem = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        raise NotebookError(f"{name}: cannot be read as a jupytext notebook ({problem}).") from None
    raw: dict[str, Any] = json.loads(json.dumps(node))
    for cell in raw.get("cells", []):
        if isinstance(cell, dict):
            cell.pop("id", None)  # jupytext makes random ids on every read: a text notebook has none
    rep = raw.get("metadata", {}).get("jupytext", {}).get("text_representation", {})
    fmt = {"extension": suffix}
    if isinstance(rep, dict) and isinstance(rep.get("format_name"), str):
        fmt["format_name"] = rep["format_name"]
    nb = notebook_from_dict(raw, name)
    lines = locate_cells(text, [c.source for c in nb.cells])
    return TextNotebook(nb, raw, text, fmt, lines)


def read_text_notebook(path: Path, name: str | None = None) -> TextNotebook:
    """Read a text notebook file (size, device and UTF-8 checks as for ``.ipynb``)."""
    shown = name or str(path)
    return text_notebook_from_bytes(read_notebook_bytes(path, shown), path.suffix, shown)


def text_notebook_from_bytes(data: bytes, suffix: str, name: str) -> TextNotebook:
    """A text notebook from bytes already read (the commit gate checks what it commits)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotebookError(f"{name}: the file is not UTF-8 text.") from None
    return text_notebook_from_text(text, suffix, name)


def load_text_notebook(path: Path, name: str) -> Notebook:
    """The model only (what ``notebook.load_notebook`` hands out for a text notebook)."""
    return read_text_notebook(path, name).notebook


# --- positions ----------------------------------------------------------------------------


def _same_line(file_line: str, cell_line: str) -> bool:
    """A cell line as the text file shows it: as is, or commented (Markdown in a script, a magic)."""
    f = file_line.rstrip()
    c = cell_line.rstrip()
    if f == c:
        return True
    if not c:
        return f in ("", "#")
    return f in (f"# {c}", f"#{c}")


def locate_cells(text: str, sources: list[str]) -> tuple[int | None, ...]:
    """The 1-based file line of each cell's first source line.

    jupytext does not report positions, but every format keeps a cell's lines in order and
    verbatim (or commented out: Markdown and magics in a script), so each cell is found by its
    first non-blank line, searching forward from the end of the previous cell. A cell that is not
    found (one jupytext makes up, such as sphinx-gallery's ``%matplotlib inline``) gets ``None``
    and does not move the search.
    """
    lines = text.splitlines()
    cursor = 0
    out: list[int | None] = []
    for source in sources:
        start = _find_cell(lines, source.split("\n"), cursor)
        out.append(start)
        if start is not None:
            cursor = start - 1 + len(source.split("\n"))
    return tuple(out)


def _find_cell(lines: list[str], cell: list[str], cursor: int) -> int | None:
    """The 1-based line of ``cell``'s line 1, anchored on its first non-blank line that the file shows.

    A cell magic (``%%html``) may live in the cell's marker instead (``# %% language="html"``):
    then the next line is the anchor.
    """
    for k, anchor in enumerate(cell):
        if not anchor.strip():
            continue
        hit = next((p for p in range(cursor, len(lines)) if _same_line(lines[p], anchor)), None)
        if hit is not None and hit - k >= 0:
            return hit - k + 1
        if not anchor.lstrip().startswith("%%"):
            return None
    return None


def with_file_lines(report: ReportDict, tn: TextNotebook) -> ReportDict:
    """Add ``file_line`` (the text file's line) to each finding that has a cell position."""
    for f in [*report["findings"], *report["waived"]]:
        line = tn.file_line(f["cell"], f["line"])
        if line is not None:
            f["file_line"] = line
    return report


# --- writing back -------------------------------------------------------------------------------


def writes_like(raw: dict[str, Any], tn: TextNotebook) -> str:
    """``raw`` (edited) as text in ``tn``'s own format, as jupytext itself saves it.

    Cells that were not edited come back as they were; like any jupytext save, the header gets
    jupytext's ``text_representation`` (with its version) when it had a header without it.
    ``metadata.jupyter_prod`` (the promotion ledger) is kept in the header: jupytext's default
    filter would drop it, and with it what tells a later promotion which module text it wrote.
    """
    return _writes(raw, tn.fmt, tn.notebook.path)


def _writes(raw: dict[str, Any], fmt: dict[str, str], name: str) -> str:
    jupytext = require_jupytext(name)
    data = json.loads(json.dumps(raw))
    meta = data.setdefault("metadata", {})
    if "jupyter_prod" in meta:
        jmeta = meta.setdefault("jupytext", {})
        current = jmeta.get("notebook_metadata_filter")
        keys = [k.strip() for k in current.split(",")] if isinstance(current, str) and current.strip() else []
        if "jupyter_prod" not in keys:
            jmeta["notebook_metadata_filter"] = ",".join(["jupyter_prod", *keys])
    with _quiet():
        text: str = jupytext.writes(_node(data), fmt=dict(fmt))
    return text


def _node(raw: dict[str, Any]) -> Any:
    """``raw`` as an nbformat node, list sources joined: jupytext's writers expect strings."""
    nbformat = import_nbformat()
    return nbformat.reads(json.dumps(raw), as_version=4)


# --- pairing ------------------------------------------------------------------------------------


def paired_files(
    path: Path, raw: dict[str, Any], fmt: dict[str, str] | None = None, *, ceiling: Path | None
) -> list[Path]:
    """The other files of ``path``'s jupytext pair (``metadata.jupytext.formats``, else the jupytext
    configuration at or below ``ceiling``: :func:`config_formats`) that exist.

    An ``.ipynb`` whose pairing cannot be resolved because jupytext is not installed stands
    alone (it is readable without it); a text notebook already needed jupytext to be read.
    """
    pair = pair_paths(path, raw, fmt, ceiling=ceiling)
    return [p for p in pair if os.path.realpath(p) != os.path.realpath(path) and p.is_file()]


def pair_paths(
    path: Path, raw: dict[str, Any], fmt: dict[str, str] | None = None, *, ceiling: Path | None
) -> list[Path]:
    """Every path of the jupytext pair ``raw``'s formats make of ``path`` (``path`` among them), in the
    formats' order, whether the files exist or not; ``[]`` when ``raw`` names no pairing.

    The order is the formats', so the pairs of two names of one notebook (before and after a rename)
    correspond member by member.
    """
    if path.suffix == ".ipynb":
        try:
            import jupytext  # noqa: F401
        except ImportError:
            return []
    formats = jupytext_formats(raw) or config_formats(path, ceiling)
    if formats is None:
        return []
    require_jupytext(path.name)
    from jupytext.formats import long_form_one_format
    from jupytext.paired_paths import InconsistentPath, paired_paths

    own = dict(fmt) if fmt else {"extension": path.suffix}
    try:
        with _quiet():
            pairs = paired_paths(str(path), long_form_one_format(own), formats)
    except InconsistentPath as exc:
        raise NotebookError(f"{path.name}: its jupytext pairing '{formats}' is inconsistent ({exc}).") from None
    return [Path(other) for other, _ in pairs]


#: jupytext's configuration files, in its order of precedence within a folder. ``.jupytext.py`` is
#: Python that jupytext would run: it is never read here (a folder with it has no pairing we know of).
_CONFIG_FILES = (
    "jupytext", "jupytext.toml", "jupytext.yml", "jupytext.yaml", "jupytext.json",
    ".jupytext", ".jupytext.toml", ".jupytext.yml", ".jupytext.yaml", ".jupytext.json", ".jupytext.py",
)  # fmt: skip


def config_formats(path: Path, ceiling: Path | None) -> str | None:
    """The pairing a jupytext configuration file gives ``path`` (``formats = "ipynb,py:percent"``), as
    jupytext's contents manager pairs a notebook without ``jupytext.formats`` metadata; else ``None``.

    The nearest configuration counts, from the notebook's folder up to the repository's top (a folder
    holding ``.git``) or ``ceiling`` (the project's bound outside a repository: the server root, the
    CLI's :func:`~jupyter_prod_ext.paths.cli_ceiling`), whichever comes first: a ``jupytext.toml`` left
    above the folder the user works in is not this project's; jupytext's global configuration (the
    user's home) is not the project's either. One that
    cannot be read pairs nothing (jupytext itself then refuses to open the notebook and says why).
    """
    found = _config_file(path.parent, ceiling)
    if found is None or found.name == ".jupytext.py":
        return None
    from jupytext.config import load_jupytext_configuration_file

    try:
        with _quiet():
            config = load_jupytext_configuration_file(str(found))
            formats = config.default_formats(str(path)) if config is not None else None
    except Exception:  # noqa: BLE001 - jupytext raises many types for a bad TOML/YAML/JSON file
        return None
    return formats if isinstance(formats, str) and formats.strip() else None


def _config_file(folder: Path, ceiling: Path | None) -> Path | None:
    """The nearest jupytext configuration file at or above ``folder``, up to the repository's top or
    ``ceiling`` (inclusive)."""
    here = Path(os.path.abspath(folder))
    stop = Path(os.path.realpath(ceiling)) if ceiling is not None else None
    while True:
        for name in _CONFIG_FILES:
            if (here / name).is_file():
                return here / name
        if _declares_jupytext(here / "pyproject.toml"):
            return here / "pyproject.toml"
        if (here / ".git").exists() or here.parent == here or Path(os.path.realpath(here)) == stop:
            return None
        here = here.parent


def _declares_jupytext(pyproject: Path) -> bool:
    """``pyproject.toml`` has a ``[tool.jupytext]`` table (jupytext's configuration in it)."""
    if not pyproject.is_file():
        return False
    try:
        doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = doc.get("tool")
    return isinstance(tool, dict) and tool.get("jupytext") is not None


def raw_from_bytes(path: Path, data: bytes, name: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The nbformat JSON of a notebook file's bytes (``.ipynb`` or text), and its jupytext format."""
    shown = name or path.name
    if is_text_notebook_path(path):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NotebookError(f"{shown}: the file is not UTF-8 text.") from None
        tn = text_notebook_from_text(text, path.suffix, shown)
        return tn.raw, tn.fmt
    notebook_from_text(data, shown)  # one-line errors for bad UTF-8, JSON or nbformat
    raw: dict[str, Any] = json.loads(data.decode("utf-8-sig"))
    return raw, {"extension": ".ipynb"}


def _code_of(path: Path, data: bytes) -> list[str]:
    return [c.source for c in _code_cells(path, data)]


def _code_cells(path: Path, data: bytes) -> list[Cell]:
    raw, _ = raw_from_bytes(path, data)
    return notebook_from_dict(raw, path.name).code_cells


def pair_of(notebook: Path, ceiling: Path | None) -> list[Path]:
    """The files paired with ``notebook`` (jupytext), read from the notebook itself; [] when unreadable."""
    try:
        raw, fmt = raw_from_bytes(notebook, read_notebook_bytes(notebook, notebook.name))
    except ProdError:
        return []
    return paired_files(notebook, raw, fmt, ceiling=ceiling)


def check_pair_agrees(notebook: Path, contents: dict[Path, bytes], ceiling: Path | None) -> None:
    """Refuse a commit where two files of ``notebook``'s pair disagree in code.

    ``contents``: the bytes about to be committed, by real path. Only the pair of the notebook is
    compared (a promoted ``.py`` module is not a notebook). Outputs and metadata may differ: the
    ``.ipynb`` goes in code-only, the text file as it is.
    """
    real = Path(os.path.realpath(notebook))
    own = contents.get(real)
    if own is None:
        return
    raw, fmt = raw_from_bytes(real, own, notebook.name)
    cells = _code_cells(real, own)
    mine = [c.source for c in cells]
    for other in paired_files(real, raw, fmt, ceiling=ceiling):
        other_real = Path(os.path.realpath(other))
        if other_real not in contents:
            continue
        theirs = _code_of(other_real, contents[other_real])
        if theirs != mine:
            pairs = zip(mine, theirs, strict=False)
            k = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(mine), len(theirs)))
            where = f"cell {cell_number(cells[k].index)} of {notebook.name}" if k < len(cells) else "the number of code cells"
            raise ConflictError(
                f"{notebook.name} and {other.name} are a jupytext pair but differ in code ({where}); "
                f"nothing was committed: sync them (jupytext --sync {notebook.name}, or save the notebook in "
                "Jupyter) and commit again."
            )


# --- promotion: write back in the notebook's own format, keep the pair in step ------------------


def dumps_notebook(raw: dict[str, Any], path: Path, text_nb: TextNotebook | None) -> str:
    """The text of the notebook file ``path`` for ``raw``: jupytext's format, or nbformat's JSON layout."""
    if text_nb is not None:
        return writes_like(raw, text_nb)
    return json.dumps(raw, indent=1, ensure_ascii=False) + "\n"


def update_pair(
    path: Path, before: dict[str, Any], after: dict[str, Any], fmt: dict[str, str] | None, ceiling: Path | None
) -> tuple[list[Path], list[str]]:
    """Rewrite the other files of ``path``'s pair after the notebook went from ``before`` to ``after``.

    An ``.ipynb`` gets the new inputs with its own outputs kept where a cell did not change
    (``jupytext.combine``); a text file is rewritten in its own format. A paired file that did not
    match ``before`` in code (the pair was out of step) is left alone, with a warning: overwriting it
    would lose what only it has. Answers (files written, warnings).
    """
    from .atomic import atomic_write_text, sha256_text

    written: list[Path] = []
    warnings_: list[str] = []
    old_code = [c.get("source") for c in before.get("cells", []) if c.get("cell_type") == "code"]
    old_code = ["".join(s) if isinstance(s, list) else s for s in old_code]
    for other in paired_files(path, before, fmt, ceiling=ceiling):
        try:
            data = read_notebook_bytes(other, other.name)
            if _code_of(other, data) != old_code:
                warnings_.append(
                    f"{other.name} (paired with {path.name}) differed from it before the promotion and was not "
                    f"updated: sync them with jupytext --sync {path.name}."
                )
                continue
            new_text = _pair_text(other, data, after)
            atomic_write_text(other, new_text, expected_sha256=sha256_text(data.decode("utf-8")))
        except (ProdError, UnicodeDecodeError) as exc:
            reason = exc.message if isinstance(exc, ProdError) else "not UTF-8 text"
            warnings_.append(
                f"{other.name} (paired with {path.name}) was not updated ({reason}): sync them with "
                f"jupytext --sync {path.name}."
            )
            continue
        written.append(other)
    return written, warnings_


def _pair_text(other: Path, data: bytes, after: dict[str, Any]) -> str:
    require_jupytext(other.name)
    nbformat = import_nbformat()

    raw, fmt = raw_from_bytes(other, data)
    if other.suffix == ".ipynb":
        from jupytext.combine import combine_inputs_with_outputs

        with _quiet():
            combined = combine_inputs_with_outputs(_node(after), _node(raw), fmt=fmt)
        out: str = nbformat.writes(combined)  # Jupyter's own layout, as when it saves the notebook
        return out if out.endswith("\n") else out + "\n"
    return _writes(after, fmt, other.name)


__all__ = [
    "DISCOVERED_SUFFIXES",
    "MissingJupytextError",
    "check_pair_agrees",
    "config_formats",
    "declares_ipynb_pair",
    "discover_notebooks",
    "dumps_notebook",
    "pair_of",
    "raw_from_bytes",
    "update_pair",
    "TEXT_NOTEBOOK_IGNORED",
    "TEXT_SUFFIXES",
    "TextNotebook",
    "is_text_notebook_path",
    "load_text_notebook",
    "locate_cells",
    "looks_like_text_notebook",
    "pair_paths",
    "paired_files",
    "read_text_notebook",
    "require_jupytext",
    "text_notebook_from_text",
    "with_file_lines",
    "writes_like",
]
