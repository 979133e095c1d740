"""mypy's output mapped back to the notebook: parsing its lines (JSON or text) and taking absolute
paths out of the messages a client reads.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..procs import last_line
from .settings import TypeErrorItem

_TEXT_RE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<sev>error|note|warning): "
    r"(?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


@dataclass(frozen=True)
class _Raw:
    file: str
    line: int
    column: int | None
    severity: str
    code: str | None
    message: str
    hint: str | None


def _one_line(text: str) -> str:
    """A finding's message and hint are one line; mypy's JSON hint for missing stubs spans three
    ("Hint: ...pip install types-x", "(or run mypy --install-types ...)", "See https://...")."""
    return " ".join(text.split())


def _parse_line(line: str) -> _Raw | None:
    line = line.rstrip("\r")
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict) or "file" not in data or "line" not in data:
            return None
        column = data.get("column")
        return _Raw(
            file=str(data["file"]),
            line=max(int(data["line"]), 1),
            # mypy's JSON columns are 0-based; ours are 1-based like the text output
            column=int(column) + 1 if isinstance(column, int) and column >= 0 else None,
            severity=str(data.get("severity") or "error"),
            code=data.get("code") or None,
            message=_one_line(str(data.get("message", ""))),
            hint=_one_line(str(data.get("hint") or "")).removeprefix("Hint: ") or None,
        )
    match = _TEXT_RE.match(line)
    if match is None:
        return None
    return _Raw(
        file=match["file"],
        line=max(int(match["line"]), 1),
        column=int(match["col"]) if match["col"] else None,
        severity=match["sev"],
        code=match["code"],
        message=match["msg"],
        hint=None,
    )


_Mapper = Callable[[_Raw], list[TypeErrorItem]]
#: index = line - 1 in a generated module -> (cell index, 1-based line in the cell), None for our own lines
LineMap = Sequence[tuple[int, int] | None]
#: the names of our generated modules, as mypy qualifies a type with them ("_jpnb_..._....Record")
_GENERATED = re.compile(r"\b(?:_jpnb_[0-9a-f]+_[0-9a-f]+(?:_\d+)?|jupyter_prod_nb_[0-9a-f]+)\.")


def _elsewhere(raw: _Raw, project_root: Path, module_line: int | None = None) -> TypeErrorItem:
    """A message about a file that is not a notebook cell: its path, relative inside the project."""
    return TypeErrorItem(
        None,
        raw.line,
        raw.column,
        raw.severity,
        raw.code,
        raw.message,
        raw.hint,
        module_line,
        _display_path(raw.file, project_root),
    )


def cells_mapper(line_maps: Mapping[Path, LineMap], project_root: Path) -> _Mapper:
    """Messages about the generated modules (``line_maps``' keys: resolved paths) go to ``(cell, line)``;
    lines we added are dropped.

    A type named through a generated module loses that prefix: the user never sees those modules.
    """
    by_path = dict(line_maps)  # keys resolved by the caller: a thousand realpath calls per check add up

    def mapper(raw: _Raw) -> list[TypeErrorItem]:
        line_map = by_path.get(Path(raw.file))  # mypy prints the absolute paths it was given
        if line_map is None:
            try:
                line_map = by_path.get(_abs(raw.file, project_root))
            except OSError:
                line_map = None
        if line_map is None:
            return [_elsewhere(raw, project_root)]
        where = line_map[raw.line - 1] if raw.line <= len(line_map) else None
        if where is None:  # our prelude or header
            return []
        cell, line = where
        message = _GENERATED.sub("", raw.message)
        hint = _GENERATED.sub("", raw.hint) if raw.hint else raw.hint
        return [TypeErrorItem(cell, line, raw.column, raw.severity, raw.code, message, hint, raw.line)]

    return mapper


def file_mapper(target: Path, project_root: Path) -> _Mapper:
    """Messages about one checked ``.py`` file keep its lines (``module_line`` = ``line``)."""

    def mapper(raw: _Raw) -> list[TypeErrorItem]:
        own = _same_file(raw.file, target, project_root)
        return [_elsewhere(raw, project_root, raw.line if own else None)]

    return mapper


def _has_messages(out: str) -> bool:
    return any(_parse_line(line) is not None for line in out.splitlines())


def _parse(out: str) -> list[_Raw]:
    raws: list[_Raw] = []
    for line in out.splitlines():
        raw = _parse_line(line)
        if raw is None:
            continue
        if raw.severity == "note" and raws and raws[-1].line == raw.line and raws[-1].file == raw.file:
            # Text output: a note right after its error is the error's hint.
            if raws[-1].severity == "error" and raws[-1].hint is None and not line.startswith("{"):
                raws[-1] = dataclasses.replace(raws[-1], hint=raw.message)
                continue
        raws.append(raw)
    return raws


def _failure_reason(rc: int, out: str, err: str) -> str:
    noise = ("Daemon started", "Restarting", "Traceback")
    detail = last_line(err + "\n" + out, limit=300, skip=lambda ln: ln.startswith(noise)) or f"exit status {rc}"
    return f"mypy failed (exit status {rc}): {detail}"


def _abs(file: str, project_root: Path) -> Path:
    # mypy runs with cwd = project root: a relative path in its output is relative to that.
    path = Path(file)
    return (path if path.is_absolute() else project_root / path).resolve()


def _same_file(file: str, target: Path, project_root: Path) -> bool:
    try:
        return _abs(file, project_root) == target.resolve()
    except OSError:
        return False


def _display_path(file: str, project_root: Path) -> str:
    """Relative to the project inside it; outside it (a stub in site-packages) the file name only."""
    path = _abs(file, project_root)
    try:
        return path.relative_to(project_root.resolve()).as_posix()
    except ValueError:
        return path.name


#: an absolute POSIX path in a tool's message (group 1: its last component)
_ABS_PATH = re.compile(r"(?<![\w.~/])/(?:[^\s'\":,()\[\]/]+/)+([^\s'\":,()\[\]/]*)")


def without_paths(text: str, project_root: Path) -> str:
    """``text`` without absolute paths: relative inside the project, the file name elsewhere.

    mypy's messages name its executable, its cache and the checked files by absolute path; an
    answer of the server must not reveal where its files (or its tools) are.
    """
    for root in dict.fromkeys((str(project_root), str(Path(project_root).resolve()))):
        if len(root) > 1:
            text = text.replace(root + "/", "")
    return _ABS_PATH.sub(lambda m: m.group(1) or "/", text)
