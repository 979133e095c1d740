"""``promote``: one entry point for the server route and the CLI.

Refusal style: a promotion that cannot be done *as asked* (unmoved data, a hand
edited module, magics, a star import, a rewrite that would break later cells)
is an answer, not an error: ``ok: false`` with one line per reason in
``problems`` (HTTP 200, CLI exit 1), so the dialog can show the preview and
the choices next to the reasons. Malformed requests raise :class:`InputError`
/ :class:`PathError` (400/403, exit 2); a file changed by someone else between
read and write raises :class:`ConflictError` (409, exit 2) and nothing is lost.
"""

from __future__ import annotations

import ast
import copy
import difflib
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import notebook as nbmod
from .. import notebook as notebook_mod
from ..analysis import Stmt, analyse
from ..atomic import atomic_write_text, sha256_text
from ..config import ProjectConfig, load_config
from ..errors import ConflictError, InputError, NotebookError
from ..jupytext_io import TextNotebook, dumps_notebook, is_text_notebook_path, read_text_notebook, update_pair
from ..locks import LockTimeout, exclusive
from ..notebook import (
    PARSE_ERRORS,
    Notebook,
    _upgrade,
    notebook_from_dict,
    notebook_from_text,
    parse_problem,
    parse_python,
)
from ..paths import relative_to_root, shown_path
from ..typecheck import TypecheckSettings, cache_dir_for, check_module_file, write_if_changed
from . import ledger
from .function import (
    FunctionPiece,
    add_parameters,
    build_function,
    pass_parameters,
    returned_names,
    split_cells,
)
from .merge import merge_module, read_existing
from .module import Block, LineMap, attach_formatted, build_module, format_text, import_lines, local_packages
from .rewrite import apply_edits, plan_rewrite, verify
from .select import Program
from .slice import Piece, Unmoved, compute_slice, is_static
from .target import Target, importability_warning, validate_target
from .testgen import MARKER, build_tests
from .types import (
    DriftDict,
    EditDict,
    LedgerRecord,
    Problem,
    PromoteResultDict,
    Reason,
    SliceItemDict,
    TypecheckDict,
    TypeErrorDict,
    UnmovedChoice,
    UnmovedDict,
)
from .verify import verify_module

CHOICES = ("parameter", "move", "cancel")


@dataclass
class PromoteOptions:
    to: str
    cells: list[int | str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    as_function: str | None = None
    dry_run: bool = False
    rewrite: bool = True
    tests: bool = False
    force: bool = False
    unmoved: dict[str, str] = field(default_factory=dict)
    #: ``preview_sha256`` of the dry run the user approved: refused if the result would differ
    expect: str | None = None

    def validate(self) -> None:
        if not self.cells and not self.names:
            raise InputError("Nothing selected: give 'cells' (indexes or ids) and/or 'names' of definitions.")
        if self.as_function is not None:
            if not (self.as_function.isidentifier() and not _keyword(self.as_function)):
                raise InputError(f"'as_function' must be a Python identifier, not '{self.as_function}'.")
            if not self.cells or self.names:
                raise InputError("'as_function' turns cells into a function: give 'cells' and no 'names'.")
        for name, choice in self.unmoved.items():
            if choice not in CHOICES:
                raise InputError(f"'unmoved.{name}' must be one of {', '.join(CHOICES)}, not '{choice}'.")


def _keyword(name: str) -> bool:
    import keyword

    return keyword.iskeyword(name)


# -- per-module locks ---------------------------------------------------------------------------

LOCK_TIMEOUT = 120.0


@contextmanager
def module_lock(path: Path, root: Path, settings: TypecheckSettings | None = None) -> Iterator[None]:
    """Promotions into one module run one at a time: threads of this process, then other processes
    (the CLI next to a server) through a lock file in the project's cache folder, outside the repository.
    Writes also compare hashes, so even an editor saving the module meanwhile is a conflict, not a loss."""
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:16]
    try:
        with exclusive(f"promote:{path}", cache_dir_for(root, settings) / f"promote-{digest}.lock", LOCK_TIMEOUT):
            yield
    except LockTimeout:
        raise ConflictError(
            f"Another promotion into {path.name} is still running; try again when it ends."
        ) from None


# -- helpers ------------------------------------------------------------------------------------


def _diff(old: str, new: str, rel: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            "/dev/null" if not old else f"a/{rel}",
            f"b/{rel}",
        )
    )


def _empty_typecheck(message: str) -> TypecheckDict:
    return {"ran": False, "message": message, "errors": []}


def _short(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= 50 else one[:49] + "…"


@dataclass
class _Plan:
    roots: list[tuple[Stmt, str]] = field(default_factory=list)
    bodies: list[tuple[Stmt, str]] = field(default_factory=list)
    removable_imports: list[Stmt] = field(default_factory=list)
    cells: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: a function name to offer when the selected cells hold statements that stay behind (or already one)
    function_offer: str | None = None


def _function_name(prog: Program, cells: list[int]) -> str:
    """A name for a function of the cells' statements: from the first name they compute, else the cell."""
    for cell in cells:
        for stmt in prog.du.stmts_of_cell(cell):
            for name in stmt.bound_names():
                if (
                    stmt.kind not in ("def", "class", "import")
                    and name.isidentifier()
                    and not name.startswith("_")
                ):
                    return f"compute_{name.lower()}"
    return f"cell_{cells[0]}" if cells else "steps"


def _plan(prog: Program, opts: PromoteOptions, slicer_static: Callable[[Stmt], bool]) -> _Plan:
    plan = _Plan()
    plan.cells = sorted(dict.fromkeys(prog.cell_of(c) for c in opts.cells))
    for cell in plan.cells:
        unit = prog.units[cell]
        if unit.foreign:
            plan.problems.append(
                Problem(
                    Reason.NOT_PYTHON,
                    f"Cell {cell} is a `{unit.magics[0].text if unit.magics else unit.language}` cell (not Python); "
                    "it cannot be promoted.",
                )
            )
        elif unit.too_large:  # over the analysis budget: never parsed (see notebook.MAX_ANALYSED_CELL_CHARS)
            plan.problems.append(
                Problem(
                    Reason.DOES_NOT_PARSE,
                    f"Cell {cell} is too large to promote ({len(unit.cell.source):,} characters; the limit is "
                    f"{nbmod.MAX_ANALYSED_CELL_CHARS:,}); load its data from a file at run time instead.",
                )
            )
        elif unit.syntax_error is not None:
            line, msg = unit.syntax_error
            plan.problems.append(
                Problem(
                    Reason.DOES_NOT_PARSE,
                    f"Cell {cell} does not parse (line {line}: {msg}); fix it before promoting.",
                )
            )
    if opts.as_function:
        plan.function_offer = opts.as_function
        lifted, body = split_cells(prog, plan.cells)
        for stmt in lifted:
            if stmt.kind == "import":
                plan.removable_imports.append(stmt)
            else:
                plan.roots.append((stmt, f"defined in selected cell {stmt.cell}"))
        plan.bodies = [(s, opts.as_function) for s in body]
        if not body:
            plan.problems.append(
                Problem(
                    Reason.NOTHING_TO_PROMOTE,
                    "The selected cells hold only definitions and imports; promote them as they are, not as a function.",
                )
            )
    else:
        for cell in plan.cells:
            kept: list[str] = []
            for stmt in prog.du.stmts_of_cell(cell):
                if stmt.kind in ("def", "class") or (stmt.kind == "assign" and slicer_static(stmt)):
                    plan.roots.append((stmt, f"selected (cell {cell})"))
                elif stmt.kind == "import":
                    plan.removable_imports.append(stmt)
                elif stmt.node is not None:
                    kept.append(_short(prog.source_text(stmt)))
            if kept:
                plan.function_offer = _function_name(prog, plan.cells)
                plan.warnings.append(
                    f"Cell {cell}: statements that are not definitions stay in the notebook ({'; '.join(kept)}); "
                    "promote the cells as a function to move them too."
                )
        if plan.cells and not plan.roots:
            plan.function_offer = _function_name(prog, plan.cells)
            plan.problems.append(
                Problem(
                    Reason.NOTHING_TO_PROMOTE,
                    f"Cells {', '.join(map(str, plan.cells))} define no function, class or constant; "
                    "promote them as a function to make a function of their statements.",
                )
            )
    for name in opts.names:
        stmt = prog.definition(name)
        if stmt.kind not in ("def", "class") and not slicer_static(stmt):
            plan.problems.append(
                Problem(
                    Reason.COMPUTED_WITH_EFFECTS,
                    f"`{name}` (cell {stmt.cell}) is computed by code with effects, not a definition; "
                    "promote the cells that compute it as a function instead.",
                )
            )
            continue
        if all(s is not stmt for s, _ in plan.roots):
            plan.roots.append((stmt, "selected"))
    return plan


def _block_of_piece(prog: Program, piece: Piece, text: str | None = None) -> Block:
    stmt = piece.stmt
    first = prog.stmt_first_line(stmt)
    source = prog.stmt_text(stmt)
    body = text if text is not None else source
    n = len(body.split("\n"))
    lmap: LineMap = [(stmt.cell, min(first + i, stmt.end_line)) for i in range(n)]
    return Block(
        names=list(piece.names),
        kind=piece.kind,
        text=body,
        line_map=lmap,
        cell=stmt.cell,
        cell_id=stmt.cell_id,
        selected=piece.selected,
        source_sha256=ledger.text_hash(source),
    )


def _imported_from(prog: Program, module: str) -> set[str]:
    """Names the notebook already imports from ``module`` under their own name."""
    out: set[str] = set()
    for stmt in prog.du.stmts:
        node = stmt.node
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module:
            out.update(a.name for a in node.names if a.asname is None or a.asname == a.name)
    return out


def _notebook_sources(prog: Program, names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        try:
            stmt = prog.definition(name)
        except InputError:
            continue
        out[name] = prog.stmt_text(stmt)
    return out


def _quoted(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _unmoved_entry(u: Unmoved, chosen: str | None) -> UnmovedDict:
    """A name that cannot move as it is, with only the choices that work and what each one does."""
    choices: list[UnmovedChoice] = (
        ["parameter", "move", "cancel"] if u.can_be_parameter else ["move", "cancel"]
    )
    consequences: dict[str, str] = {
        "move": f"`{_short(u.stmt_text)}` moves to the module too and runs whenever the module is imported.",
        "cancel": "Nothing is promoted; the notebook stays as it is.",
    }
    if u.can_be_parameter:
        consequences["parameter"] = (
            f"{_quoted(u.users)} {'get' if len(u.users) > 1 else 'gets'} a `{u.name}` argument; "
            f"the notebook's calls pass `{u.name}={u.name}`."
        )
    why = ""
    if u.at_definition:
        why = f"; {_quoted(u.at_definition)} read{'' if len(u.at_definition) > 1 else 's'} it when defined"
    elif u.not_functions:
        why = f"; {_quoted(u.not_functions)} cannot take it as an argument"
    suggested: UnmovedChoice = "parameter" if u.can_be_parameter else "move"
    for choice in choices:
        if choice == chosen:
            suggested = choice
    return {
        "name": u.name,
        "cell": u.stmt.cell,
        "line": u.stmt.line,
        "reason": f"{u.reason}, used by {_quoted(u.users)}{why}.",
        "choices": choices,
        "consequences": consequences,
        "suggested": suggested,
    }


def _unmoved_problems(unmoved: list[UnmovedDict], chosen: dict[str, str]) -> list[Problem]:
    """Cancelled names stop the promotion; names without a choice need one."""
    cancelled = [u["name"] for u in unmoved if chosen.get(u["name"]) == "cancel"]
    if cancelled:
        return [
            Problem(
                Reason.CANCELLED,
                f"Cancelled: {_quoted(cancelled)} stay{'' if len(cancelled) > 1 else 's'} in the notebook, "
                "so the promotion cannot go ahead.",
            )
        ]
    open_names = [u["name"] for u in unmoved if chosen.get(u["name"]) not in ("parameter", "move")]
    if not open_names:
        return []
    many = len(open_names) > 1
    return [
        Problem(
            Reason.UNMOVED_DATA,
            f"{len(open_names)} name{'s' if many else ''} the selection reads ({', '.join(open_names)}) "
            f"{'are' if many else 'is'} data computed in the notebook: choose parameter or move for "
            f"{'each' if many else 'it'}, or cancel.",
        )
    ]


def _our_name_errors(typecheck: TypecheckDict, display: str) -> list[Problem]:
    """mypy's ``name-defined`` in lines that came from the notebook: the def-use check missed it, so
    the promotion is refused (other mypy errors stay warnings: missing third-party stubs are common)."""
    return [
        Problem(
            Reason.MYPY_NAME_DEFINED,
            f"{display} line {e['module_line']}: {e['message'].removesuffix('  [name-defined]')}; "
            "nothing was written.",
        )
        for e in typecheck["errors"]
        if e["message"].endswith("[name-defined]") and e["cell"] is not None
    ]


def _fingerprint(module_text: str, edits: list[EditDict], tests_text: str | None) -> str:
    """What a result shows: the module, the notebook edits and the tests (not the type check)."""
    payload = json.dumps([module_text, edits, tests_text], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _typecheck(
    text: str,
    target_rel: str,
    root: Path,
    config: ProjectConfig,
    lmap: LineMap,
    settings: TypecheckSettings | None,
) -> TypecheckDict:
    cache = cache_dir_for(root, settings)
    digest = hashlib.sha256(target_rel.encode("utf-8")).hexdigest()[:16]
    candidate = cache / f"jupyter_prod_promote_{digest}.py"
    write_if_changed(candidate, text)
    result = check_module_file(candidate, root, config, settings=settings)
    if not result.ran:
        return _empty_typecheck(result.message or "The type check could not run.")
    errors: list[TypeErrorDict] = []
    for item in result.errors:
        if item.module_line is None or item.severity != "error":
            continue
        where = lmap[item.module_line - 1] if 0 < item.module_line <= len(lmap) else None
        message = item.message + (f"  [{item.code}]" if item.code else "")
        errors.append(
            {
                "module_line": item.module_line,
                "cell": where[0] if where else None,
                "cell_line": where[1] if where else None,
                "message": message,
            }
        )
    summary = (
        "mypy: no errors." if not errors else f"mypy: {len(errors)} error{'s' if len(errors) > 1 else ''}."
    )
    return {"ran": True, "message": summary, "errors": errors}


# -- the entry point ----------------------------------------------------------------------------


def promote(
    notebook_path: Path,
    options: PromoteOptions,
    *,
    project_root: Path,
    content: dict[str, Any] | None = None,
    write_notebook: bool = False,
    allow_hidden: bool = True,
    typecheck_settings: TypecheckSettings | None = None,
    run_typecheck: bool = True,
) -> PromoteResultDict:
    """Promote the selection of ``notebook_path`` into ``options.to`` (relative to ``project_root``).

    ``content``: the editor's notebook JSON (else the file is read).
    ``write_notebook``: also write the rewritten notebook (the CLI; the server
    returns ``notebook_edits`` instead).
    """
    options.validate()
    root = Path(project_root).resolve()
    nb_path = Path(notebook_path).resolve()
    nb_rel = shown_path(root, nb_path)
    target = validate_target(root, options.to, allow_hidden=allow_hidden)

    with module_lock(target.path, root, typecheck_settings):
        # read inside the lock: a promotion that waited sees what the one before it wrote
        nb_text: str | None = None
        text_nb = (
            read_text_notebook(nb_path, nb_rel)
            if content is None and is_text_notebook_path(nb_path)
            else None
        )
        if text_nb is not None:  # a jupytext .py/.md: edited as nbformat JSON, written back in its format
            nb, nb_text, raw = text_nb.notebook, text_nb.text, copy.deepcopy(text_nb.raw)
        elif content is None:
            data = notebook_mod.read_notebook_bytes(nb_path, nb_rel)
            nb = notebook_from_text(data, nb_rel)  # size, UTF-8, JSON and nbformat errors, one line each
            nb_text = data.decode("utf-8")
            raw = json.loads(nb_text.lstrip("\ufeff"))
        else:
            raw = content
            nb = notebook_from_dict(raw, nb_rel)
        original_major = raw.get("nbformat") if isinstance(raw, dict) else None
        if original_major != 4:
            # edits are cell indexes of the v4 model: work on the same upgraded JSON the model was built from
            raw = _upgrade(raw)
        if not nb.is_python:
            raise NotebookError(
                f"{nb_rel} is a {nb.language} notebook; only Python notebooks can be promoted."
            )
        try:
            return _promote_locked(
                nb_path,
                nb_rel,
                nb_text,
                raw,
                nb,
                target,
                options,
                write_notebook,
                typecheck_settings,
                run_typecheck,
                original_major,
                text_nb,
            )
        except RecursionError:
            # ast.unparse and copy.deepcopy recurse once per nesting level: a statement that
            # parses (CPython's parser goes deeper) can still be too deep to re-render
            raise InputError(
                f"{nb_rel}: the selected code is nested too deeply to promote (e.g. a very long chain "
                "of + or calls in one expression); split it into smaller statements."
            ) from None


def _promote_locked(
    nb_path: Path,
    nb_rel: str,
    nb_text: str | None,
    raw: dict[str, Any],
    nb: Notebook,
    target: Target,
    opts: PromoteOptions,
    write_notebook: bool,
    settings: TypecheckSettings | None,
    run_typecheck: bool,
    original_major: object,
    text_nb: TextNotebook | None = None,
) -> PromoteResultDict:
    root: Path = target.root
    prog = Program.build(nb, analyse(nb))
    static = functools.partial(is_static, prog)
    plan = _plan(prog, opts, static)
    problems, warnings = list(plan.problems), list(plan.warnings)
    choices = {k: v for k, v in opts.unmoved.items() if v in ("parameter", "move")}
    sl = compute_slice(prog, plan.roots, choices=choices, bodies=plan.bodies)
    problems += sl.problems
    warnings += sl.warnings
    bound_to: dict[str, tuple[str, str | None]] = {}
    for need in sl.imports:
        key = (need.module, need.name)
        if bound_to.setdefault(need.bound, key) != key:
            problems.append(
                Problem(
                    Reason.NAME_CONFLICT,
                    f"`{need.bound}` is imported from two different places in the notebook ({bound_to[need.bound][0]} "
                    f"and {need.module}) and the selection needs both; give them different names.",
                )
            )
    # names the notebook already imports from the target module are defined there: no self-import
    own = [i for i in sl.imports if i.module == target.dotted and i.name is not None]
    if own:
        defined = ledger.module_texts(read_existing(target.path))
        for need in own:
            if need.name not in defined:
                problems.append(
                    Problem(
                        Reason.MODULE_CONFLICT,
                        f"The notebook imports `{need.name}` from {target.dotted}, but {target.rel} does not define it.",
                    )
                )
        sl.imports = [i for i in sl.imports if i not in own]
    unmoved = [_unmoved_entry(u, opts.unmoved.get(u.name)) for u in sl.unmoved]
    problems += _unmoved_problems(unmoved, opts.unmoved)

    # -- blocks -----------------------------------------------------------------------------
    fpiece: FunctionPiece | None = None
    takes: dict[str, list[str]] = {}
    param_texts: dict[str, str] = {}
    if sl.parameters:
        funcs = [(p.name, p.stmt.node) for p in sl.pieces if p.kind == "function" and p.stmt.node is not None]
        param_texts, takes = add_parameters(funcs, sl.parameters)
        for fname, plist in takes.items():
            warnings.append(
                f"`{fname}` gains the keyword-only parameter{'s' if len(plist) > 1 else ''} "
                f"{', '.join(plist)}; notebook calls of it are updated to pass "
                f"{', '.join(f'{p}={p}' for p in plist)}."
            )
    blocks: list[Block] = []
    names_seen: dict[str, int] = {}
    for piece in sl.pieces:
        block = _block_of_piece(
            prog, piece, param_texts.get(piece.name) if piece.kind == "function" else None
        )
        if block.name in names_seen:
            problems.append(
                Problem(
                    Reason.NAME_CONFLICT,
                    f"`{block.name}` is defined in cell {names_seen[block.name]} and again in cell {block.cell}, and "
                    "the selection needs both; give them different names.",
                )
            )
            continue
        names_seen[block.name] = block.cell
        blocks.append(block)
    if opts.as_function and plan.bodies:
        body = [s for s, _ in plan.bodies]
        params = list(sl.parameters)
        returns = returned_names(prog, body, plan.cells)
        fpiece = build_function(prog, opts.as_function, body, plan.cells, params, returns)
        if takes:  # moved helpers that gained parameters get them from the function's own
            fpiece.text = pass_parameters(fpiece.text, takes)
        if opts.as_function in names_seen:
            problems.append(
                Problem(
                    Reason.NAME_CONFLICT,
                    f"`{opts.as_function}` is already a name in the selection; choose another function name.",
                )
            )
        blocks.append(
            Block(
                names=[opts.as_function],
                kind="function",
                text=fpiece.text,
                line_map=fpiece.line_map,
                cell=plan.cells[0],
                cell_id=nb.cells[plan.cells[0]].cell_id,
                selected=True,
                source_sha256=ledger.text_hash("\n".join(prog.stmt_text(s) for s in body)),
            )
        )
    exported: list[str] = []
    for b in blocks:
        if b.selected:
            exported.extend(n for n in b.names if not n.startswith("_") and n not in exported)

    # -- module text ------------------------------------------------------------------------
    config = load_config(target.path.parent if target.path.parent.is_dir() else root, root)
    local = local_packages(root) | {target.dotted.split(".")[0]}
    imports = import_lines(sl.imports, local)
    docstring = f"Promoted from {nb_rel} by jupyter-prod."
    fresh = build_module(docstring, imports, exported, blocks)
    formatted, black_error = format_text(fresh.text, config.black)
    lmap: LineMap = fresh.line_map
    if black_error is not None:
        problems.append(
            Problem(Reason.BLACK_FAILED, f"black cannot format the generated module ({black_error}).")
        )
        module_text = fresh.text
    else:
        try:
            lmap = attach_formatted(formatted, blocks)
        except PARSE_ERRORS as exc:
            black_error = parse_problem(exc)
            problems.append(
                Problem(
                    Reason.BLACK_FAILED,
                    f"The generated module cannot be read back after black ({black_error}).",
                )
            )
            module_text = fresh.text
        else:
            module_text = formatted
    old = read_existing(target.path)
    old_sha = sha256_text(old if old is not None else "")
    recs = ledger.records(nb.metadata)
    promoting = {b.name for b in blocks}
    drift: list[DriftDict] = []
    if old is not None and old.strip() and black_error is None:
        recorded = {r["name"] for r in recs if r["module"] == target.rel}
        drift, edited = ledger.drift(
            recs, target.rel, old, _notebook_sources(prog, sorted(recorded)), promoting
        )
        for name in sorted(edited & promoting):
            if not opts.force:
                problems.append(
                    Problem(
                        Reason.HAND_EDITED,
                        f"`{name}` in {target.rel} was edited by hand since it was promoted; force the promotion to overwrite it "
                        "(its current text is shown with the drift).",
                    )
                )
        replaceable = set(promoting) if opts.force else recorded & promoting
        merged = merge_module(
            old,
            blocks,
            sl.imports,
            exported,
            replaceable=replaceable | (edited & promoting),
            local=local,
            mode=config.black,
            display=target.rel,
        )
        problems += merged.problems
        warnings += merged.warnings
        module_text, lmap = merged.text, merged.line_map
    if not problems:
        problems += verify_module(module_text, old, set(sl.parameters), target.rel)
    module_diff = _diff(old or "", module_text, target.rel)

    # -- notebook rewrite -------------------------------------------------------------------
    edits: list[EditDict] = []
    notebook_diff = ""
    if opts.rewrite and not problems:
        import_names = [n for b in blocks if b.selected for n in b.names]
        moved_data = [p.stmt for p in sl.pieces if p.kind == "statement"]
        removed = [s for s, _ in plan.roots] + [s for s, _ in plan.bodies] + moved_data
        removed_ids = {id(s) for s in removed}
        for p in sl.pieces:
            if p.kind == "statement":
                for n in p.names:
                    users = [
                        r
                        for r in prog.du.resolutions
                        if r.source is p.stmt and r.event.name == n and id(r.stmt) not in removed_ids
                    ]
                    if users and n not in import_names:
                        import_names.append(n)
        already = _imported_from(prog, target.dotted)
        import_names = [n for n in import_names if n not in already]
        import_line = (
            f"from {target.dotted} import {', '.join(dict.fromkeys(import_names))}" if import_names else ""
        )
        call = (plan.cells[0], fpiece.call_source()) if fpiece is not None else None
        rw = plan_rewrite(
            prog,
            removed,
            plan.removable_imports,
            import_line,
            call=call,
            selected_cells=plan.cells,
            call_params=takes,
        )
        problems += verify(prog, raw, rw.edits, nb_rel)
        edits = rw.edits
        notebook_diff = rw.diff
        hint = importability_warning(target, nb_path.parent)
        if hint:
            warnings.append(hint)

    # -- ledger -----------------------------------------------------------------------------
    new_records: list[LedgerRecord] = [
        {
            "name": b.name,
            "kind": b.kind,
            "module": target.rel,
            "notebook": nb_rel,
            "cell_id": b.cell_id,
            "cell": b.cell,
            "source_sha256": b.source_sha256,
            "module_sha256": ledger.text_hash(b.formatted or b.text),
        }
        for b in blocks
    ]
    edits.append(
        {
            "op": "metadata",
            "metadata": {ledger.META_KEY: ledger.updated_metadata(nb.metadata, new_records, target.rel)},
        }
    )

    # -- tests ------------------------------------------------------------------------------
    tests_path: str | None = None
    tests_text: str | None = None
    untested: list[str] = []
    tests_file = root / "tests" / f"test_{target.stem}.py"
    if opts.tests:
        functions = [b.name for b in blocks if b.selected and b.kind == "function"]
        tests = build_tests(prog, functions, target.dotted, nb_rel)
        untested = tests.untested
        if tests.text is not None and tests_file.parent.exists() and not tests_file.parent.is_dir():
            warnings.append("tests/ in the project is a file, not a folder; the tests were not written.")
        elif tests.text is not None:
            existing = read_existing(tests_file)
            if existing is not None and MARKER not in existing:
                warnings.append(
                    f"tests/{tests_file.name} exists and was not generated by jupyter-prod; tests were not written."
                )
            else:
                text, err = format_text(tests.text, config.black)
                tests_text = text if err is None else tests.text
                tests_path = relative_to_root(root, tests_file)

    # -- the preview is what gets applied ---------------------------------------------------
    fingerprint = _fingerprint(module_text, edits, tests_text)
    if opts.expect is not None and opts.expect != fingerprint and not problems:
        problems.append(
            Problem(
                Reason.PREVIEW_DRIFT,
                "The notebook or the module changed since the preview, so the result would differ from what "
                "was shown; nothing was written. Preview again.",
            )
        )

    # -- type check -------------------------------------------------------------------------
    typecheck: TypecheckDict
    if problems:
        typecheck = _empty_typecheck("Not run: the promotion is blocked (see problems).")
    elif not run_typecheck:
        typecheck = _empty_typecheck("Not run (disabled).")
    else:
        try:
            parse_python(module_text)
        except PARSE_ERRORS as exc:
            problems.append(
                Problem(Reason.MODULE_DOES_NOT_PARSE, f"The module would not parse ({parse_problem(exc)}).")
            )
            typecheck = _empty_typecheck("Not run: the module does not parse.")
        else:
            typecheck = _typecheck(module_text, target.rel, root, config, lmap, settings)
            problems += _our_name_errors(typecheck, target.rel)
            if typecheck["errors"]:
                warnings.append(
                    f"mypy reports {len(typecheck['errors'])} error(s) in the module (see typecheck); "
                    "the promotion does not depend on them."
                )

    ok = not problems
    written: list[str] = []
    if ok and not opts.dry_run:
        if write_notebook and nb_text is not None:
            # fail before the first write, so a module never lands without its notebook edits
            current = read_existing(nb_path)
            if current is None or sha256_text(current) != sha256_text(nb_text):
                raise ConflictError(
                    f"{nb_rel} changed on disk during the promotion; nothing was written, try again."
                )
        for folder in target.package_dirs:
            init = folder / "__init__.py"
            if not init.exists():
                atomic_write_text(init, "", expected_sha256=sha256_text(""))
                written.append(relative_to_root(root, init))
        atomic_write_text(target.path, module_text, expected_sha256=old_sha)
        written.append(target.rel)
        if tests_text is not None:
            prev = read_existing(tests_file)
            atomic_write_text(tests_file, tests_text, expected_sha256=sha256_text(prev or ""))
            written.append(relative_to_root(root, tests_file))
        if write_notebook:
            if original_major != 4:
                warnings.append(
                    f"{nb_rel} is nbformat {original_major}; it was not rewritten (open and save it in Jupyter "
                    "to upgrade it, then promote again)."
                )
            else:
                apply: list[EditDict] = edits if opts.rewrite else [e for e in edits if e["op"] == "metadata"]
                new_raw = apply_edits(raw, apply)
                text = dumps_notebook(new_raw, nb_path, text_nb)
                atomic_write_text(
                    nb_path, text, expected_sha256=sha256_text(nb_text) if nb_text is not None else None
                )
                written.append(nb_rel)
                pair_written, pair_warnings = update_pair(
                    nb_path, raw, new_raw, text_nb.fmt if text_nb else None
                )
                written += [relative_to_root(root, p) for p in pair_written]
                warnings += pair_warnings

    slice_items: list[SliceItemDict] = [
        {"name": p.name, "kind": p.kind, "cell": p.stmt.cell, "cell_id": p.stmt.cell_id, "reason": p.reason}
        for p in sl.pieces
    ]
    slice_items += [
        {
            "name": i.bound,
            "kind": "import",
            "cell": i.stmt.cell,
            "cell_id": i.stmt.cell_id,
            "reason": i.reason,
        }
        for i in sl.imports
    ]
    if fpiece is not None:
        slice_items.append(
            {
                "name": fpiece.name,
                "kind": "statements",
                "cell": plan.cells[0],
                "cell_id": nb.cells[plan.cells[0]].cell_id,
                "reason": (
                    f"cells {', '.join(map(str, plan.cells))} as a function"
                    + (f" of {', '.join(fpiece.params)}" if fpiece.params else "")
                    + (f" returning {', '.join(fpiece.returns)}" if fpiece.returns else "")
                ),
            }
        )
    return {
        "version": 1,
        "ok": ok,
        "dry_run": opts.dry_run,
        "module_path": target.rel,
        "module_source": module_text,
        "module_diff": module_diff,
        "notebook_diff": notebook_diff,
        "notebook_edits": edits,
        "slice": slice_items,
        "unmoved": unmoved,
        "typecheck": typecheck,
        "problems": [p.message for p in problems],
        "refusals": [{"reason": p.reason.value, "message": p.message} for p in problems],
        "warnings": list(dict.fromkeys(warnings)),
        "drift": drift,
        "tests_path": tests_path,
        "untested": untested,
        "written": written,
        "preview_sha256": fingerprint,
        "function_offer": plan.function_offer,
    }
