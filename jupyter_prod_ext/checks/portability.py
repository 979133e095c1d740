"""Portability: what ties the notebook to one machine, one kernel or one lucky run."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePath

from ..analysis import automagic_words, import_binds, optional_import_lines
from ..notebook import PYTHON_CELL_MAGICS, Magic, cell_number, cell_numbers
from ..types import Severity
from . import deps
from .base import Context, Finding
from .dataflow import registered_magics
from .registry import check
from .secrets import mask_secrets

#: magics that only configure the notebook's display or reloading: harmless, but still not Python
_BENIGN_MAGICS = frozenset({"matplotlib", "autoreload", "load_ext", "reload_ext", "config", "time", "timeit"})


def _magic_finding(ctx: Context, cell: int, m: Magic, registered: dict[str, int]) -> Finding:
    # a finding quotes the line, never a credential in it (``%env GH=ghp_…``): masked before it is cut
    quoted = mask_secrets(m.text)
    text = quoted if len(quoted) <= 60 else quoted[:59] + "…"
    if deps.INSTALL_LINE.match(m.text):
        return ctx.finding(
            "ipython-magic",
            "warning",
            cell,
            m.line,
            f"`{text}` installs packages from inside the notebook.",
            "Declare the dependency in pyproject.toml (or requirements.txt / environment.yml) and remove the line.",
        )
    if m.kind == "cell" and m.name in PYTHON_CELL_MAGICS:
        msg = f"`{text}` is an IPython cell magic: the Python under it runs, the magic itself does not in a module."
        hint = "Drop the magic line when the code moves to a module (time or capture it with Python if needed)."
    elif m.kind == "cell" and m.name in registered:
        where = cell_number(registered[m.name])
        msg = f"`{text}` runs the cell through the notebook's own magic `%%{m.name}` (registered in cell {where}); "
        msg += "a Python module has no magics."
        hint = "Call the function behind the magic from Python, or keep this step out of the promoted code."
    elif m.kind == "cell" and m.name in ("writefile", "file"):
        target = m.text.split()[-1] if len(m.text.split()) > 1 else "a file"
        msg = f"`{text}` writes the cell's text to {target} when the notebook runs; a Python module does not."
        hint = "Commit the file itself (or write it with pathlib.Path(...).write_text()), and keep this step out of the promoted code."
    elif m.kind == "cell":
        msg = f"`{text}` runs the cell with another tool; a Python module cannot."
        hint = "Use subprocess.run([...]) or a Python library, or keep this step out of the promoted code."
    elif m.kind == "shell":
        msg = f"`{text}` is a shell command; it does not run in a Python module."
        hint = "Use subprocess.run([...], check=True) or pathlib/shutil instead."
    elif m.kind == "help":
        msg = f"`{text}` is IPython help syntax; it is not Python."
        hint = "Remove it before committing."
    else:
        msg = f"`{text}` is an IPython magic; it does not run in a Python module."
        hint = "Replace it with plain Python, or keep it only in the notebook, outside promoted code."
    severity: Severity = "info" if m.kind == "line" and m.name in _BENIGN_MAGICS else "warning"
    return ctx.finding("ipython-magic", severity, cell, m.line, msg, hint)


def _magic_registrations(ctx: Context) -> dict[str, int]:
    """The cell magics the notebook registers itself (``@register_cell_magic def backend``), each with
    the first cell that does: their cells run through the notebook's own Python, not another tool."""
    registered: dict[str, int] = {}
    for unit in ctx.units:
        for name in sorted(registered_magics(unit)):
            registered.setdefault(name, unit.cell.index)
    return registered


@check("ipython-magic", "portability", "warning", "A `%magic`, `!shell` or `?help` line will not run in a module.")
def ipython_magic(ctx: Context) -> Iterator[Finding]:
    registered = _magic_registrations(ctx)
    for unit in ctx.units:
        for m in unit.magics:
            yield _magic_finding(ctx, unit.cell.index, m, registered)
    for stmt in ctx.defuse.automagics:
        name, *flags = automagic_words(stmt.node) or ("?",)
        typed = " ".join([name, *(f"-{f}" for f in flags)])
        yield ctx.finding(
            "ipython-magic",
            "warning",
            stmt.cell,
            stmt.line,
            f"`{typed}` alone runs IPython's `%{typed}` automagic; in a module it is an undefined name.",
            "Write the magic explicitly, or replace it with Python (os.listdir, os.getcwd, ...).",
        )


#: a quote (``"``, or ``\"`` inside another string) and a path up to the closing quote; an escape pair
#: (``\\``) is part of the path, an escaped quote (``\"``) ends it: ``"open(\"C:\\data\\\")"``
#: holds the path ``C:\data\`` and no more
_PATH = re.compile(
    r"""(?<![\w'"])(?P<prefix>[rRbBuUfF]{0,2})(['"])"""
    r"""(?P<path>(?:/(?:home|Users|root|mnt|media|Volumes|opt|srv|data|scratch|gpfs|content|kaggle|tmp|var/folders)/"""
    r"""|[A-Za-z]:(?:\\\\|\\|/)(?=[\w .$-])|~[/\\])(?:[^'"\\\n]|\\[^'"\n])*)"""
)
_ESCAPED = re.compile(r"""\\([\\'"])""")


def _path_value(m: re.Match[str]) -> str:
    r"""The path as the string holds it: ``"C:\\data\\"`` is ``C:\data\`` (a raw string is as written;
    escapes other than a backslash or a quote are left as written, which is what a Windows path meant)."""
    path = m.group("path")
    return path if "r" in m.group("prefix").lower() else _ESCAPED.sub(r"\1", path)


_MOUNT = re.compile(r"\.mount\(\s*$")
#: ``os.path.exists("/opt/x")``, ``Path("/opt/x").is_file()``: a probe, which answers on any machine
_PROBE_BEFORE = re.compile(r"(?:exists|isfile|isdir|access|islink)\(\s*$")
_PROBE_AFTER = re.compile(r"""["']\s*\)\s*\.\s*(?:exists|is_file|is_dir)\(""")
#: ``%%writefile Dockerfile``: the file's paths are those of the machine or image that will read it
_WRITES_FILE = re.compile(r"%%(?:writefile|file)\b")
_HEREDOC = re.compile(r"""<<-?\s*['"]?([A-Za-z_]\w*)['"]?[^\n]*\n""")


def _not_this_machine(src: str, m: re.Match[str], path: str) -> bool:
    """A path that is no data of this machine's: the checks of this function say why, one by one."""
    if path.startswith("~/."):
        return True  # a tool's own file in the home folder (``~/.kaggle/kaggle.json``): found the same way anywhere
    before = src[max(0, m.start() - 200) : m.start()]
    if _MOUNT.search(before) or _PROBE_BEFORE.search(before):
        return True  # the mount point ``drive.mount()`` requires; a probe for the machine it runs on
    return _PROBE_AFTER.match(src, m.end()) is not None


def _commented_out(src: str, start: int) -> bool:
    """Whether the quote at ``start`` is inside a ``#`` comment (``# fn = Path('/Users/me/x.py')``): a line
    that does not run reads no path. The quotes before it on its line are followed, so ``"#"`` is no comment."""
    quote, escaped = "", False
    for ch in src[src.rfind("\n", 0, start) + 1 : start]:
        if escaped:
            escaped = False
        elif quote:
            escaped, quote = ch == "\\", "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return True
    return False


def _heredocs(src: str) -> list[tuple[int, int]]:
    """Spans of shell here-documents (``cat << EOF > Dockerfile``): text for another machine or image."""
    spans = []
    for m in _HEREDOC.finditer(src):
        end = re.compile(rf"^\s*{re.escape(m.group(1))}\s*$", re.MULTILINE).search(src, m.end())
        spans.append((m.end(), end.start() if end else len(src)))
    return spans


_TRIPLE_QUOTED = re.compile(r'(?s)("""|\'\'\')(.*?)\1')
_PYTHON_SOURCE = re.compile(r"^[ \t]*(?:def|class|import|from[ \t]+[\w.]+[ \t]+import)[ \t]", re.MULTILINE)


def _code_strings(src: str) -> list[tuple[int, int]]:
    """Spans of triple-quoted strings that hold Python source (a serving container's handler module, which
    the notebook writes to a file): their paths are those of the machine that runs that file."""
    return [
        (m.start(2), m.end(2)) for m in _TRIPLE_QUOTED.finditer(src) if _PYTHON_SOURCE.search(m.group(2)) is not None
    ]


_PATH_STARTS = ("'/", '"/', "'~", '"~', ":\\", ":/")


@check(
    "absolute-path",
    "portability",
    "warning",
    "A string literal holds an absolute or home-relative path that exists only on one machine.",
    scope="cell",
)
def absolute_path(ctx: Context) -> Iterator[Finding]:
    for cell in ctx.nb.code_cells:
        src = cell.source
        if not any(p in src for p in _PATH_STARTS) or _WRITES_FILE.match(src.lstrip()):
            continue  # no quote followed by a path start: skip the regex (runs on every keystroke)
        elsewhere = (_heredocs(src) if "<<" in src else []) + (_code_strings(src) if '""' in src or "''" in src else [])
        for m in _PATH.finditer(src):
            path = _path_value(m)
            line = src.count("\n", 0, m.start("path")) + 1
            shown = path if len(path) <= 60 else path[:59] + "…"
            if _not_this_machine(src, m, path) or any(a <= m.start() < b for a, b in elsewhere):
                continue
            if "#" in src and _commented_out(src, m.start()):
                continue
            if path.startswith("/tmp/"):
                yield ctx.finding(
                    "absolute-path",
                    "info",
                    cell.index,
                    line,
                    f"'{shown}' is a fixed temporary path; concurrent runs would share it.",
                    "Use tempfile.mkdtemp() or tempfile.NamedTemporaryFile().",
                )
                continue
            yield ctx.finding(
                "absolute-path",
                "warning",
                cell.index,
                line,
                f"'{shown}' is a path on one machine; the notebook fails anywhere else.",
                "Use a path relative to the project (pathlib.Path(__file__).parent / 'data', or a config value).",
            )


# -- dependencies --------------------------------------------------------------------------------------


@check(
    "missing-dependency",
    "portability",
    "warning",
    "A third-party module is imported but not declared in the project's dependencies (the nearest "
    "requirements*.txt, pyproject.toml or environment.yml from the notebook's folder up to the git top level; "
    "outside git, up to the server root, or for the CLI the current folder or folder given that holds it, else home).",
)
def missing_dependency(ctx: Context) -> Iterator[Finding]:
    root = ctx.project_root
    if root is None:
        return
    first: dict[str, tuple[int, int]] = {}
    for unit in ctx.units:
        optional = optional_import_lines(unit)
        for line, _, module in import_binds(unit):
            if not module or module.startswith(".") or line in optional:
                continue
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or deps.is_runtime(module):
                continue
            where = (unit.cell.index, line)
            if top not in first or where < first[top]:
                first[top] = where
    if not first:
        return
    nb_dir = ctx.file.parent if ctx.file is not None else None
    start = nb_dir.resolve() if nb_dir is not None else root
    found = deps.declaring_folder(start, ctx.ceiling if nb_dir is not None else root)
    local = (root,) if found is None or found[0] == root else (root, found[0])
    written = _written_modules(ctx)
    candidates = {
        m: w for m, w in first.items() if m not in written and not any(deps.is_local(m, r, nb_dir) for r in local)
    }
    if not candidates:
        return
    installs = _installs(ctx)
    if found is None:
        yield _none_declared(ctx, candidates, installs)
        return
    folder, declared = found
    sources = _declared_in(folder, start, declared)
    for module, (cell, line) in sorted(candidates.items(), key=lambda kv: kv[1]):
        if deps.is_declared(module, declared):
            continue
        installed = _installed_at(module, installs)
        dist = installed[0] if installed is not None else deps.distribution_for(module)
        message = f"'{module}' is imported but '{dist}' is not declared in {sources}"
        hint = f"Add '{dist}' to the project's dependencies."
        if installed is not None:
            install_cell = cell_number(installed[1][0])
            message += f"; the install line in cell {install_cell} installs it only in this kernel"
            hint = f"Declare '{dist}' in {sources} and drop it from the install line in cell {install_cell}."
        yield ctx.finding("missing-dependency", "warning", cell, line, message + ".", hint)


def _written_modules(ctx: Context) -> frozenset[str]:
    """The modules the notebook writes itself beside it (``%%writefile mnist_setup.py``, ``%%file
    pkg/model.py``) before importing them: its own code, no distribution to declare."""
    found: set[str] = set()
    for unit in ctx.units:
        for m in unit.magics:
            words = m.text.split()
            if m.kind != "cell" or m.name not in ("writefile", "file") or not words[-1].endswith(".py"):
                continue
            parts = [p for p in words[-1].strip("'\"").replace("\\", "/").split("/") if p not in ("", ".")]
            if parts and not words[-1].startswith(("/", "~", "..")):
                found.add(parts[0].removesuffix(".py"))
    return frozenset(found)


#: the languages of a shell cell (VS Code's ``shellscript`` cell, ``%%bash``, ``%%sh``): its ``pip install``
#: lines install as ``!pip install`` does
_SHELLS = frozenset({"shellscript", "bash", "sh", "shell", "zsh"})


def _installs(ctx: Context) -> dict[str, tuple[int, int]]:
    """The distributions the notebook installs itself (``%pip install``, ``!pip install``, a shell cell's
    ``pip install``), normalized, each with its first install line: what it needs, said where only its own
    kernel reads it."""
    found: dict[str, tuple[int, int]] = {}
    for unit in ctx.units:
        lines = [(m.line, m.text) for m in unit.magics]
        if unit.foreign and unit.language in _SHELLS:
            lines = sorted([*lines, *((i, line) for i, line in enumerate(unit.cell.source.splitlines(), 1))])
        for number, text in lines:
            for name in deps.installed_names(text.strip()):
                found.setdefault(name, (unit.cell.index, number))
    return found


def _installed_at(module: str, installs: dict[str, tuple[int, int]]) -> tuple[str, tuple[int, int]] | None:
    """The distribution of the notebook's install lines that provides ``module`` (``google-genai`` for
    ``google``) and its first install line."""
    for name, where in sorted(installs.items(), key=lambda kv: kv[1]):
        if deps.is_declared(module, deps.Declared(frozenset({name}), "")):
            return name, where
    return None


def _none_declared(
    ctx: Context, candidates: dict[str, tuple[int, int]], installs: dict[str, tuple[int, int]]
) -> Finding:
    """The one finding of a project that declares nothing; a notebook that installs its own packages is told
    to move them from its install line, which no other environment runs, into a declaration."""
    cell, line = min(candidates.values())
    listed = f"{', '.join(sorted(candidates)[:5])}{', …' if len(candidates) > 5 else ''}"
    none = (
        "The project declares no dependencies (no pyproject [project] dependencies, requirements*.txt or "
        "environment.yml in the notebook's folder or a folder above it within the project)"
    )
    where = "a requirements.txt or a [project] dependencies list in pyproject.toml beside the notebook or in the project's root folder"
    lines = sorted({found[1] for m in candidates if (found := _installed_at(m, installs)) is not None})
    if not lines:
        return ctx.finding(
            "missing-dependency",
            "info",
            cell,
            line,
            f"{none}, so nobody can install what this notebook imports ({listed}).",
            f"Add {where}.",
        )
    indexes = sorted({c for c, _ in lines})
    cells = f"line in cell {cell_numbers(indexes)}" if len(indexes) == 1 else f"lines in cells {cell_numbers(indexes)}"
    return ctx.finding(
        "missing-dependency",
        "info",
        lines[0][0],
        lines[0][1],
        f"{none}; this notebook installs its packages itself (the install {cells}), which only its "
        f"own kernel runs, so no other environment gets what it imports ({listed}).",
        f"Move the packages of the install {cells} into {where}.",
    )


def _declared_in(folder: Path, start: Path, declared: deps.Declared) -> str:
    """The declaring files as the notebook's folder reaches them (``../requirements.txt``): the same
    words from the CLI and the server, and never an absolute path."""
    up = "../" * (len(start.parts) - len(folder.parts)) if start.is_relative_to(folder) else ""
    return " and ".join(f"{up}{name}" for name in declared.files)


# -- file name ----------------------------------------------------------------------------------------

_COPY = re.compile(r"(?:-|\s)Copy\d*$|^Copy of ", re.IGNORECASE)


@check(
    "non-portable-name",
    "portability",
    "warning",
    "The file name is a default (`Untitled`, `-Copy1`) or has spaces or non-ASCII characters.",
)
def non_portable_name(ctx: Context) -> Iterator[Finding]:
    name = PurePath(str(ctx.file) if ctx.file is not None else ctx.nb.path.replace("\\", "/")).name
    stem = name[:-6] if name.endswith(".ipynb") else name
    if not stem or stem.startswith("<"):
        return
    problems: list[str] = []
    if stem.lower().startswith("untitled"):
        problems.append("it is Jupyter's default name")
    if _COPY.search(stem):
        problems.append("it is a copy's default name")
    if any(ch.isspace() for ch in stem):
        problems.append("it contains spaces")
    if not stem.isascii():
        problems.append("it contains non-ASCII characters")
    if not problems:
        return
    suggestion = unicodedata.normalize("NFKD", _COPY.sub("", stem)).encode("ascii", "ignore").decode()
    suggestion = re.sub(r"[^\w.-]+", "_", suggestion).strip("_").lower()
    if not suggestion or suggestion.startswith("untitled"):
        suggestion = "sales_forecast"  # an example of a descriptive name
    yield ctx.finding(
        "non-portable-name",
        "warning",
        None,
        None,
        f"The file name '{name}' is not a good name to commit: {'; '.join(problems)}.",
        f"Rename it to something descriptive in lower_snake_case (e.g. '{suggestion}.ipynb').",
    )
