"""Merge promoted definitions into an existing module without touching anything else.

The old file is never re-generated or re-formatted: edits are splices by the
line ranges of its top-level AST nodes (a same-named definition is replaced in
place, new definitions are appended, missing imports go after the last
top-level import, ``__all__`` is extended when it is a plain list or tuple).
Every other byte of the file is kept as it was.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..analysis import future_annotations
from ..errors import InputError, PathError
from ..notebook import PARSE_ERRORS, parse_problem, parse_python
from .module import Block, LineMap, all_line, find_nodes, format_text, import_lines, node_range
from .slice import ImportNeed, is_plain_import
from .types import Problem, Reason

if TYPE_CHECKING:
    from black.mode import Mode


@dataclass
class MergeResult:
    text: str
    line_map: LineMap
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


def _import_bindings(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Top-level imports of the old module: bound name -> (module, imported name)."""
    out: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = (a.name if a.asname else a.name.split(".")[0], None)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = (base, a.name)
    return out


def _imported_modules(tree: ast.Module) -> set[tuple[str, str | None]]:
    out: set[tuple[str, str | None]] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out.update((a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.update(("." * node.level + (node.module or ""), a.name) for a in node.names)
    return out


def _need_key(need: ImportNeed) -> tuple[str, str | None]:
    if need.name is None:
        return (need.module if need.asname else need.module.split(".")[0], None)
    return (need.module, need.name)


def _all_names(node: ast.stmt) -> list[str] | None:
    if not (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "__all__"
        and isinstance(node.value, (ast.List, ast.Tuple))
    ):
        return None
    names: list[str] = []
    for elt in node.value.elts:
        if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
            return None
        names.append(elt.value)
    return names


def map_blocks(text: str, blocks: list[Block]) -> LineMap:
    """Line map of ``text`` for the lines that belong to ``blocks`` (found by name)."""
    lines = text.split("\n")
    lmap: LineMap = [None] * len(lines)
    try:
        tree = parse_python(text)
    except PARSE_ERRORS:
        return lmap
    nodes = find_nodes(tree)
    for block in blocks:
        node = nodes.get(block.name)
        if node is None or not block.line_map:
            continue
        first, last = node_range(node)
        for ln in range(first, last + 1):
            lmap[ln - 1] = block.line_map[min(ln - first, len(block.line_map) - 1)]
    return lmap


@dataclass
class _Splices:
    """The old module's lines and the edits to make in them, applied from the bottom up."""

    lines: list[str]
    nl: str
    nodes: dict[str, ast.stmt]
    imported: dict[str, tuple[str, str | None]]
    #: (module, imported name or None) of every top-level import, as written (``import a.b``: ("a.b", None))
    modules: set[tuple[str, str | None]]
    #: (first line, last line, replacement lines); last < first means "insert before first"
    splices: list[tuple[int, int, list[str]]] = field(default_factory=list)
    #: formatted blocks of new definitions, appended at the end
    appended: list[str] = field(default_factory=list)

    def as_lines(self, text: str) -> list[str]:
        return [ln + self.nl for ln in text.split("\n")]

    def text(self) -> str:
        lines = list(self.lines)
        for first, last, repl in sorted(self.splices, key=lambda s: (s[0], s[1]), reverse=True):
            if last < first:
                lines[first - 1 : first - 1] = repl
            else:
                lines[first - 1 : last] = repl
        text = "".join(lines)
        for block_text in self.appended:
            text = text.rstrip("\r\n") + self.nl + self.nl + self.nl + block_text.replace("\n", self.nl) + self.nl
        return text


def merge_module(
    old: str,
    blocks: list[Block],
    needs: list[ImportNeed],
    exported: list[str],
    *,
    replaceable: set[str],
    local: set[str],
    mode: Mode,
    display: str,
    lazy_annotations: bool = False,
) -> MergeResult:
    """Splice ``blocks`` (already formatted) and ``needs`` into ``old``.

    ``replaceable``: names whose existing definition may be replaced (promoted
    from this notebook and not edited by hand since, or ``force``).
    ``lazy_annotations``: the blocks ran under ``from __future__ import annotations``; a module
    without it gains it when it has no annotations of its own (nothing of it changes meaning).
    """
    try:
        tree = parse_python(old)
    except PARSE_ERRORS as exc:
        return MergeResult(
            old,
            [],
            [
                Problem(
                    Reason.MODULE_CONFLICT,
                    f"{display} does not parse ({parse_problem(exc)}); fix it before promoting into it.",
                )
            ],
        )
    result = MergeResult("", [])
    lines = old.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    nl = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    edit = _Splices(lines, nl, find_nodes(tree), _import_bindings(tree), _imported_modules(tree))
    _place_blocks(edit, blocks, replaceable, display, result)
    new_needs = _missing_imports(edit, needs, display, result)
    if new_needs:
        _add_imports(edit, tree, [ln + nl for ln in import_lines(new_needs, local) if ln])
    if lazy_annotations and not has_future_annotations(tree) and not annotated(tree):
        _add_future_annotations(edit, tree)  # after _add_imports: at the same line, it goes above them
    _extend_all(edit, tree, exported, mode, display, result)
    if result.problems:
        return MergeResult(old, [], result.problems, result.warnings)
    result.text = edit.text()
    result.line_map = map_blocks(result.text.replace("\r\n", "\n"), blocks)
    return result


def _place_blocks(
    edit: _Splices, blocks: list[Block], replaceable: set[str], display: str, result: MergeResult
) -> None:
    """A same-named definition is replaced in place (when it may be), a new one appended."""
    for block in blocks:
        name = block.name
        if name in edit.imported:
            result.problems.append(
                Problem(
                    Reason.MODULE_CONFLICT,
                    f"{display} already imports a `{name}`; rename the definition in the notebook or remove that import.",
                )
            )
            continue
        node = edit.nodes.get(name)
        if node is None:
            edit.appended.append(block.formatted)
            result.added.append(name)
            continue
        first, last = node_range(node)
        if name not in replaceable:
            result.problems.append(
                Problem(
                    Reason.MODULE_CONFLICT,
                    f"{display} already defines `{name}` (line {first}) and it was not promoted from this notebook; "
                    "rename one of them, or force the promotion to replace it.",
                )
            )
            continue
        edit.splices.append((first, last, edit.as_lines(block.formatted)))
        result.replaced.append(name)


def _missing_imports(
    edit: _Splices, needs: list[ImportNeed], display: str, result: MergeResult
) -> list[ImportNeed]:
    """The imports the old module lacks; one bound to something else there is a conflict."""
    new_needs: list[ImportNeed] = []
    for need in needs:
        if need.side_effect:  # binds nothing the code reads: only whether the module imports it matters
            if (need.module, need.name) not in edit.modules:
                new_needs.append(need)
            continue
        have = edit.imported.get(need.bound)
        if have is not None:
            if have == _need_key(need) and is_plain_import(need) and (need.module, None) not in edit.modules:
                new_needs.append(need)  # ``import a`` there, ``import a.b`` needed: the submodule's own line
            elif have != _need_key(need):
                result.problems.append(
                    Problem(
                        Reason.MODULE_CONFLICT,
                        f"{display} binds `{need.bound}` to `{have[0]}` already, but the promoted code needs "
                        f"`{need.module}`; use one name for one thing.",
                    )
                )
            continue
        if need.bound in edit.nodes:
            result.problems.append(
                Problem(
                    Reason.MODULE_CONFLICT,
                    f"{display} defines `{need.bound}`, which the promoted code imports; rename one of them.",
                )
            )
            continue
        new_needs.append(need)
    return new_needs


def _add_imports(edit: _Splices, tree: ast.Module, new_lines: list[str]) -> None:
    """After the last top-level import, else after the docstring, else at the top."""
    import_nodes = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if import_nodes:
        after = max(n.end_lineno or n.lineno for n in import_nodes)
        edit.splices.append((after + 1, after, new_lines))
        return
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        after = body[0].end_lineno or body[0].lineno
        edit.splices.append((after + 1, after, [edit.nl, *new_lines]))
    else:
        edit.splices.append((1, 0, [*new_lines, edit.nl]))


def has_future_annotations(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and future_annotations(n) for n in tree.body)


def annotated(tree: ast.Module) -> bool:
    """Whether the module has an annotation anywhere: ``from __future__ import annotations`` would turn
    it into a string, which code reading annotations at run time (dataclasses' ``ClassVar``, pydantic,
    ``functools.singledispatch``) may then fail to resolve."""
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) or (isinstance(node, ast.arg) and node.annotation is not None):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            return True
    return False


def _add_future_annotations(edit: _Splices, tree: ast.Module) -> None:
    """The future import right after the docstring, else before the first statement (a header of
    comments stays first)."""
    body = tree.body
    line = "from __future__ import annotations" + edit.nl
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        after = body[0].end_lineno or body[0].lineno
        edit.splices.append((after + 1, after, [edit.nl, line]))
    elif body:
        at = node_range(body[0])[0]
        edit.splices.append((at, at - 1, [line, edit.nl]))
    else:
        edit.splices.append((1, 0, [line]))


def _extend_all(
    edit: _Splices, tree: ast.Module, exported: list[str], mode: Mode, display: str, result: MergeResult
) -> None:
    """A literal ``__all__`` gains the exported names; a computed one is left to the user (a warning)."""
    all_node = next((n for n in tree.body if _all_names(n) is not None), None)
    if all_node is not None:
        current = _all_names(all_node) or []
        wanted = current + [n for n in exported if n not in current]
        if wanted != current:
            text, error = format_text(all_line(wanted) + "\n", mode)
            first, last = node_range(all_node)
            edit.splices.append(
                (first, last, edit.as_lines(text.rstrip("\n")) if error is None else edit.as_lines(all_line(wanted)))
            )
    elif exported and any(isinstance(n, ast.Assign) and "__all__" in _targets(n) for n in tree.body):
        result.warnings.append(f"{display} computes `__all__`; add {', '.join(exported)} to it yourself.")


def _targets(node: ast.Assign) -> list[str]:
    return [t.id for t in node.targets if isinstance(t, ast.Name)]


def read_existing(path: Path) -> str | None:
    """The file's text, None when it does not exist; unreadable files are a one-line error."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise InputError(
            f"'{path.name}' is not UTF-8 text; promotion only merges into UTF-8 modules."
        ) from None
    except IsADirectoryError:
        raise InputError(f"'{path.name}' is a folder, not a module.") from None
    except OSError as exc:
        raise PathError(f"'{path.name}' cannot be read ({exc.strerror or exc}).") from None
