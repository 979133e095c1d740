"""The steps of a promotion, in the order ``pipeline.STEPS`` runs them; each a short function over
:class:`State`.

A step reads what the steps before it left in the state, adds its own product, and adds typed
problems (:class:`Problem`, a :class:`Reason` and one line) and warnings. Checks that only make
sense on a promotion nothing has stopped yet (verification, the notebook rewrite, mypy) look at
``st.blocked``; nothing branches on message text. The mechanisms live in the modules named by
the imports (slice, module, merge, rewrite, ...), which know nothing of the state.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json

from ..analysis import Stmt, future_annotations
from ..atomic import atomic_write_text, sha256_text
from ..errors import ConflictError, InputError
from ..jupytext_io import dumps_notebook, update_pair
from ..notebook import PARSE_ERRORS, cell_number, cell_numbers, compile_python, parse_problem, parse_python
from ..paths import relative_to_root
from . import ledger
from .choices import unmoved_entry, unmoved_problems
from .function import (
    add_parameters,
    build_function,
    lost_display,
    pass_parameters,
    returned_names,
    returned_value,
    shown_values,
)
from .merge import has_future_annotations, merge_module, read_existing
from .module import Block, LineMap, attach_formatted, build_module, format_text, import_lines
from .mypy_check import check_module, not_run
from .plan import plan_selection
from .rewrite import apply_edits, plan_rewrite
from .rewrite import verify as verify_notebook
from .select import Program
from .slice import ImportNeed, Piece, compute_slice, dotted_reads, is_plain_import, side_effect_imports
from .state import State
from .target import importability_warning
from .testgen import MARKER, build_tests
from .textedit import needs_optional_import
from .types import EditDict, LedgerRecord, Problem, PromoteResultDict, Reason, SliceItemDict
from .verify import verify_module

# -- select, slice ------------------------------------------------------------------------------


def select(st: State) -> None:
    """What the request names: definitions, or cells as a function; cells that cannot move at all."""
    st.plan = plan_selection(st.prog, st.options)
    st.problems += st.plan.problems
    st.warnings += st.plan.warnings


def slice_selection(st: State) -> None:
    """What the selection needs from the notebook, transitively; the data names the user decides on."""
    choices = {k: v for k, v in st.options.unmoved.items() if v in ("parameter", "move")}
    st.slice = compute_slice(st.prog, st.plan.roots, choices=choices, bodies=st.plan.bodies)
    st.problems += st.slice.problems
    st.warnings += st.slice.warnings
    st.problems += _import_conflicts(st.slice.imports)
    _own_imports(st)
    st.slice.imports += _side_effect_imports(st)
    st.unmoved = [unmoved_entry(u, st.options.unmoved.get(u.name)) for u in st.slice.unmoved]
    st.problems += unmoved_problems(st.unmoved, st.options.unmoved)


def _import_conflicts(imports: list[ImportNeed]) -> list[Problem]:
    """One name imported from two places: the module can hold only one of them."""
    bound_to: dict[str, tuple[str, str | None]] = {}
    problems: list[Problem] = []
    for need in imports:
        # ``import a`` and ``import a.b`` bind ``a`` to one package: the module carries both
        key = (need.module.split(".")[0] if is_plain_import(need) else need.module, need.name)
        if bound_to.setdefault(need.bound, key) != key:
            problems.append(
                Problem(
                    Reason.NAME_CONFLICT,
                    f"`{need.bound}` is imported from two different places in the notebook ({bound_to[need.bound][0]} "
                    f"and {need.module}) and the selection needs both; give them different names.",
                )
            )
    return problems


def _side_effect_imports(st: State) -> list[ImportNeed]:
    """Imports nothing reads that ran before the selection: the module carries them, so that imported
    alone it runs under what they registered, as the promoted code did in the notebook."""
    selected = [s for s, _ in st.plan.roots] + [s for s, _ in st.plan.bodies]
    have = {(i.module, i.name) for i in st.slice.imports}
    packages = {i.module.split(".")[0] for i in st.slice.imports if not i.module.startswith(".")}
    carried = [
        i
        for i in side_effect_imports(st.prog, selected, packages)
        if (i.module, i.name) not in have and i.module != st.target.dotted
    ]
    read = dotted_reads([p.stmt for p in st.slice.pieces] + [s for s, _ in st.plan.bodies])
    for need in carried:
        if is_plain_import(need) and need.module in read:
            # ``import xml.etree.ElementTree`` carried for its package, and read as such by the moved code
            # (``xml.etree.ElementTree.fromstring``): an import in use, which needs no noqa
            need.side_effect = False
            need.reason = f"import used by the promoted code (cell {cell_number(need.stmt.cell)})"
    return carried


def _own_imports(st: State) -> None:
    """Names the notebook already imports from the target module are defined there: no self-import."""
    own = [i for i in st.slice.imports if i.module == st.target.dotted and i.name is not None]
    if not own:
        return
    defined = ledger.module_texts(read_existing(st.target.path))
    for need in own:
        if need.name not in defined:
            st.refuse(
                Reason.MODULE_CONFLICT,
                f"The notebook imports `{need.name}` from {st.target.dotted}, but {st.target.rel} does not define it.",
            )
    st.slice.imports = [i for i in st.slice.imports if i not in own]


# -- render -------------------------------------------------------------------------------------


def render(st: State) -> None:
    """The module's blocks (functions gain the parameters chosen), then its text as black writes it."""
    if _nothing_moves(st):
        return  # no module to preview: the module stays as it is (see merge)
    texts = _add_parameters(st)
    st.module.blocks = _piece_blocks(st, texts)
    if st.options.as_function and st.plan.bodies:
        _function_block(st, st.options.as_function)
    exported = st.module.exported
    for b in st.module.blocks:
        if b.selected:
            exported.extend(n for n in b.names if not n.startswith("_") and n not in exported)
    _module_text(st)


def _nothing_moves(st: State) -> bool:
    """The selection names nothing that can move (its one-line problem says why): previewing a module of
    a docstring alone would offer to write an empty module."""
    return not st.plan.roots and not st.plan.bodies


def _add_parameters(st: State) -> dict[str, str]:
    """Functions that read data chosen as a parameter take it as keyword-only: their new texts."""
    if not st.slice.parameters:
        return {}
    funcs = [
        (p.name, p.stmt.node, st.prog.stmt_text(p.stmt))
        for p in st.slice.pieces
        if p.kind == "function" and p.stmt.node is not None
    ]
    legacy = _before_union_syntax(st)
    texts, st.module.takes = add_parameters(funcs, st.slice.parameters, st.slice.sentinels, legacy=legacy)
    if legacy:
        _import_optional(st, [p for p in st.slice.pieces if p.name in texts])
    for fname, plist in st.module.takes.items():
        st.warnings.append(
            f"`{fname}` gains the keyword-only parameter{'s' if len(plist) > 1 else ''} "
            f"{', '.join(plist)}; notebook calls of it are updated to pass "
            f"{', '.join(f'{p}={p}' for p in plist)}."
        )
    return texts


def _before_union_syntax(st: State) -> bool:
    """Whether the project supports a Python before 3.10 (black's ``target-version``, else
    ``requires-python``, as black reads them) and the module has no ``from __future__ import
    annotations``: then a ``None`` default's annotation is ``Optional[T]``, not ``T | None`` (a
    TypeError there)."""
    oldest = st.config.oldest_python
    future = any(i.module == "__future__" and i.name == "annotations" for i in st.slice.imports)
    return oldest is not None and oldest < (3, 10) and not future


def _import_optional(st: State, pieces: list[Piece]) -> None:
    """``from typing import Optional`` for the sentinels that need it (merged with the user's own)."""
    for p in pieces:
        if needs_optional_import(p.stmt.node, st.slice.sentinels.get(p.name, {})):
            need = ImportNeed(p.stmt, "Optional", "typing", "Optional", None, f"import used by {p.name}")
            st.slice.imports.append(need)
            return


def _piece_blocks(st: State, texts: dict[str, str]) -> list[Block]:
    """A block per moved piece; a name the selection needs from two cells is refused."""
    blocks: list[Block] = []
    names_seen: dict[str, int] = {}
    for piece in st.slice.pieces:
        if not piece.names:
            # the def-use analysis gave up on this statement (its own RecursionError): the pipeline
            # answers as for any code too deep to handle, not with a block that has no name
            raise RecursionError(f"cell {cell_number(piece.stmt.cell)} line {piece.stmt.line} is nested too deeply")
        block = _block_of_piece(st.prog, piece, texts.get(piece.name) if piece.kind == "function" else None)
        if block.name in names_seen:
            st.refuse(
                Reason.NAME_CONFLICT,
                f"`{block.name}` is defined in cell {cell_number(names_seen[block.name])} and again in cell {cell_number(block.cell)}, and "
                "the selection needs both; give them different names.",
            )
            continue
        names_seen[block.name] = block.cell
        blocks.append(block)
    return blocks


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


def _function_block(st: State, name: str) -> None:
    """``as_function``: the cells' statements as one function of the data they read."""
    plan, takes = st.plan, st.module.takes
    body = [s for s, _ in plan.bodies]
    returns = returned_names(st.prog, body, plan.cells)
    shown = shown_values(st.prog, plan.cells)
    kept = returned_value(shown, body, returns)
    after = plan.shown_after
    st.warnings += [lost_display(st.prog, s, name, returns) for s in shown if s is not kept and s is not after]
    fpiece = build_function(st.prog, name, body, plan.cells, list(st.slice.parameters), returns, kept)
    fpiece.after = st.prog.stmt_text(after) if after is not None else ""
    if takes:  # moved helpers that gained parameters get them from the function's own
        fpiece.text = pass_parameters(fpiece.text, takes)
    if name in {b.name for b in st.module.blocks}:
        st.refuse(Reason.NAME_CONFLICT, f"`{name}` is already a name in the selection; choose another function name.")
    st.module.function = fpiece
    st.module.blocks.append(
        Block(
            names=[name],
            kind="function",
            text=fpiece.text,
            line_map=fpiece.line_map,
            cell=plan.cells[0],
            cell_id=st.source.nb.cells[plan.cells[0]].cell_id,
            selected=True,
            source_sha256=ledger.text_hash("\n".join(st.prog.stmt_text(s) for s in body)),
        )
    )


def _lazy_annotations(st: State) -> bool:
    """The selection ran after ``from __future__ import annotations``: its annotations were never
    evaluated, and may name what is defined below them (a class annotated with a later class, which the
    module then refused as undefined), so the module starts with that import too."""
    selected = [s for s, _ in st.plan.roots] + [s for s, _ in st.plan.bodies]
    if not selected:
        return False
    first = min((s.cell, s.line) for s in selected)
    return any(
        isinstance(s.node, ast.ImportFrom) and future_annotations(s.node) and (s.cell, s.line) < first
        for s in st.prog.du.stmts
    )


def _module_text(st: State) -> None:
    """A fresh module of the blocks, formatted by black with the project's settings and mapped to cells."""
    m, config = st.module, st.config
    imports = import_lines(st.slice.imports, st.local)
    if _lazy_annotations(st):
        imports = ["from __future__ import annotations", *([""] + imports if imports else [])]
    fresh = build_module(f"Promoted from {st.source.rel} by jupyter-prod.", imports, m.exported, m.blocks)
    m.text, m.line_map = fresh.text, fresh.line_map
    formatted, m.black_error = format_text(fresh.text, config.black)
    if m.black_error is not None:
        st.refuse(Reason.BLACK_FAILED, f"black cannot format the generated module ({m.black_error}).")
        return
    try:
        lmap = attach_formatted(formatted, m.blocks)
    except PARSE_ERRORS as exc:
        m.black_error = parse_problem(exc)
        st.refuse(Reason.BLACK_FAILED, f"The generated module cannot be read back after black ({m.black_error}).")
        return
    m.text, m.line_map = formatted, lmap


# -- merge, verify ------------------------------------------------------------------------------


def merge(st: State) -> None:
    """Into the module already there: blocks spliced in place, every other byte kept; hand edits
    since the last promotion are refused unless forced."""
    m, target = st.module, st.target
    m.old = read_existing(target.path)
    if _nothing_moves(st):
        m.text = m.old or ""
        return
    if m.old is None or not m.old.strip() or m.black_error is not None:
        return
    recs = ledger.records(st.source.nb.metadata)
    promoting = {b.name for b in m.blocks}
    recorded = {r["name"] for r in recs if r["module"] == target.rel}
    m.drift, edited = ledger.drift(recs, target.rel, m.old, _notebook_sources(st.prog, sorted(recorded)), promoting)
    for name in sorted(edited & promoting):
        if not st.options.force:
            st.refuse(
                Reason.HAND_EDITED,
                f"`{name}` in {target.rel} was edited by hand since it was promoted; force the promotion to "
                "overwrite it (its current text is shown with the drift).",
            )
    replaceable = set(promoting) if st.options.force else recorded & promoting
    merged = merge_module(
        m.old,
        m.blocks,
        st.slice.imports,
        m.exported,
        replaceable=replaceable | (edited & promoting),
        local=st.local,
        mode=st.config.black,
        display=target.rel,
        lazy_annotations=_lazy_annotations(st),
    )
    st.problems += merged.problems
    st.warnings += merged.warnings
    m.text, m.line_map = merged.text, merged.line_map


def _notebook_sources(prog: Program, names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        try:
            stmt = prog.definition(name)
        except InputError:
            continue
        out[name] = prog.stmt_text(stmt)
    return out


def verify(st: State) -> None:
    """The module is analysed as it would be written: what the promotion would break is refused."""
    if not st.blocked:
        body = {name for stmt, _ in st.plan.bodies for name in stmt.bound_names()}
        in_function = (st.options.as_function, body) if st.options.as_function and body else None
        lazy = _lazy_annotation_names(st)
        st.problems += verify_module(
            st.module.text, st.module.old, set(st.slice.parameters), st.target.rel, in_function, lazy, _cells_compile(st)
        )


def _cells_compile(st: State) -> bool:
    """Whether the cells the moved code comes from compile as IPython runs them: one that does not (a
    ``def`` with ``async with`` in it) is the author's error, copied as written, not the promotion's."""
    cells = {p.stmt.cell for p in st.slice.pieces} | {s.cell for s, _ in st.plan.bodies}
    try:
        for cell in sorted(cells):
            compile_python(st.prog.units[cell].python, top_level_await=True)
    except PARSE_ERRORS:
        return False
    return True


def _lazy_annotation_names(st: State) -> frozenset[str]:
    """Names the moved code's annotations read, when the notebook never evaluated them (they ran under
    ``from __future__ import annotations``) and the module as written will (it lacks that import)."""
    if not _lazy_annotations(st):
        return frozenset()
    try:
        if has_future_annotations(parse_python(st.module.text)):
            return frozenset()
    except PARSE_ERRORS:
        return frozenset()  # verify_module says that the module does not parse
    names: set[str] = set()
    for piece in st.slice.pieces:
        for node in ast.walk(piece.stmt.node) if piece.stmt.node is not None else ():
            notes = [node.annotation] if isinstance(node, (ast.arg, ast.AnnAssign)) else []
            notes += [node.returns] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
            names.update(n.id for note in notes if note is not None for n in ast.walk(note) if isinstance(n, ast.Name))
    return frozenset(names)


# -- the notebook -------------------------------------------------------------------------------


def rewrite(st: State) -> None:
    """The notebook's edits: promoted code out, one import in, calls pass new parameters; the
    rewritten notebook is analysed again and may not gain an undefined name."""
    if not st.options.rewrite or st.blocked:
        return
    removed = [s for s, _ in st.plan.roots] + [s for s, _ in st.plan.bodies]
    removed += [p.stmt for p in st.slice.pieces if p.kind == "statement"]
    removed += [st.plan.shown_after] if st.plan.shown_after is not None else []  # it follows the call
    fpiece = st.module.function
    rw = plan_rewrite(
        st.prog,
        removed,
        st.plan.removable_imports,
        _import_line(st, removed),
        call=(st.plan.cells[0], fpiece.call_source()) if fpiece is not None else None,
        selected_cells=st.plan.cells,
        call_params=st.module.takes,
    )
    st.problems += verify_notebook(st.prog, st.source.raw, rw.edits, st.source.rel, removed)
    st.notebook.edits, st.notebook.diff = rw.edits, rw.diff
    hint = importability_warning(st.target, st.source.path.parent)
    if hint:
        st.warnings.append(hint)


def _import_line(st: State, removed: list[Stmt]) -> str:
    """``from pkg.mod import ...``: the selected names, and moved data names cells left behind still read."""
    import_names = [n for b in st.module.blocks if b.selected for n in b.names]
    removed_ids = {id(s) for s in removed}
    for p in st.slice.pieces:
        if p.kind != "statement":
            continue
        for n in p.names:
            users = [
                r
                for r in st.prog.du.resolutions
                if r.source is p.stmt and r.event.name == n and id(r.stmt) not in removed_ids
            ]
            if users and n not in import_names:
                import_names.append(n)
    already = _imported_from(st.prog, st.target.dotted)
    import_names = [n for n in import_names if n not in already]
    return f"from {st.target.dotted} import {', '.join(dict.fromkeys(import_names))}" if import_names else ""


def _imported_from(prog: Program, module: str) -> set[str]:
    """Names the notebook already imports from ``module`` under their own name."""
    out: set[str] = set()
    for stmt in prog.du.stmts:
        node = stmt.node
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module:
            out.update(a.name for a in node.names if a.asname is None or a.asname == a.name)
    return out


def record(st: State) -> None:
    """The ledger of what went where, always (also without a rewrite): drift and commit read it."""
    new_records: list[LedgerRecord] = [
        {
            "name": b.name,
            "kind": b.kind,
            "module": st.target.rel,
            "notebook": st.source.rel,
            "cell_id": b.cell_id,
            "cell": b.cell,
            "source_sha256": b.source_sha256,
            "module_sha256": ledger.text_hash(b.formatted or b.text),
        }
        for b in st.module.blocks
    ]
    metadata = ledger.updated_metadata(st.source.nb.metadata, new_records, st.target.rel)
    st.notebook.edits.append({"op": "metadata", "metadata": {ledger.META_KEY: metadata}})


# -- tests, approval, type check ----------------------------------------------------------------


def generate_tests(st: State) -> None:
    """Regression tests from results the notebook shows, when asked; never over a file we did not write."""
    if not st.options.tests:
        return
    functions = [b.name for b in st.module.blocks if b.selected and b.kind == "function"]
    tests = build_tests(st.prog, functions, st.target.dotted, st.source.rel)
    st.tests.untested = tests.untested
    file = st.tests_file
    if tests.text is None:
        return
    if file.parent.exists() and not file.parent.is_dir():
        st.warnings.append("tests/ in the project is a file, not a folder; the tests were not written.")
        return
    existing = read_existing(file)
    if existing is not None and MARKER not in existing:
        st.warnings.append(
            f"tests/{file.name} exists and was not generated by jupyter-prod; tests were not written."
        )
        return
    text, err = format_text(tests.text, st.config.black)
    st.tests.text = text if err is None else tests.text
    st.tests.path = relative_to_root(st.root, file)


def approve(st: State) -> None:
    """The preview is what gets applied: a result other than the approved preview's is refused."""
    st.preview_sha256 = _fingerprint(st.module.text, st.notebook.edits, st.tests.text)
    if st.options.expect is not None and st.options.expect != st.preview_sha256 and not st.blocked:
        st.refuse(
            Reason.PREVIEW_DRIFT,
            "The notebook or the module changed since the preview, so the result would differ from what "
            "was shown; nothing was written. Preview again.",
        )


def _fingerprint(module_text: str, edits: list[EditDict], tests_text: str | None) -> str:
    """What a result shows: the module, the notebook edits and the tests (not the type check)."""
    payload = json.dumps([module_text, edits, tests_text], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def type_check(st: State) -> None:
    """mypy on the module as it would be written; its errors are warnings but ``name-defined`` in our lines."""
    if st.blocked:
        st.typecheck = not_run("Not run: the promotion is blocked (see problems).")
        return
    if not st.settings.run_typecheck:
        st.typecheck = not_run("Not run (disabled).")
        return
    try:
        parse_python(st.module.text)
    except PARSE_ERRORS as exc:
        st.refuse(Reason.MODULE_DOES_NOT_PARSE, f"The module would not parse ({parse_problem(exc)}).")
        st.typecheck = not_run("Not run: the module does not parse.")
        return
    st.typecheck, ours = check_module(
        st.module.text, st.target.rel, st.root, st.config, st.module.line_map, st.settings.typecheck
    )
    st.problems += ours
    count = len(st.typecheck["errors"])
    if count:
        st.warnings.append(
            f"mypy finds {count} type error{'' if count == 1 else 's'} in the module (listed with the type "
            f"check); the promotion does not depend on {'it' if count == 1 else 'them'}."
        )


# -- write, answer ------------------------------------------------------------------------------


def write(st: State) -> None:
    """Module, tests, then notebook, each compared with what was read: a file changed meanwhile is a
    conflict (nothing overwritten). Only a promotion nothing stopped, and not a dry run."""
    if st.blocked or st.options.dry_run:
        return
    src = st.source
    if st.settings.write_notebook and src.text is not None:
        # fail before the first write, so a module never lands without its notebook edits
        current = read_existing(src.path)
        if current is None or sha256_text(current) != sha256_text(src.text):
            raise ConflictError(f"{src.rel} changed on disk during the promotion; nothing was written, try again.")
    for folder in st.target.package_dirs:
        init = folder / "__init__.py"
        if not init.exists():
            atomic_write_text(init, "", expected_sha256=sha256_text(""))
            st.written.append(relative_to_root(st.root, init))
    atomic_write_text(st.target.path, st.module.text, expected_sha256=sha256_text(st.module.old or ""))
    st.written.append(st.target.rel)
    if st.tests.text is not None:
        prev = read_existing(st.tests_file)
        atomic_write_text(st.tests_file, st.tests.text, expected_sha256=sha256_text(prev or ""))
        st.written.append(relative_to_root(st.root, st.tests_file))
    if st.settings.write_notebook:
        _write_notebook(st)


def _write_notebook(st: State) -> None:
    """The notebook with its edits (only the ledger without a rewrite), and the other files of its pair."""
    src = st.source
    if src.original_major != 4:
        st.warnings.append(
            f"{src.rel} is nbformat {src.original_major}; it was not rewritten (open and save it in Jupyter "
            "to upgrade it, then promote again)."
        )
        return
    edits = st.notebook.edits
    apply: list[EditDict] = edits if st.options.rewrite else [e for e in edits if e["op"] == "metadata"]
    new_raw = apply_edits(src.raw, apply)
    text = dumps_notebook(new_raw, src.path, src.text_nb)
    atomic_write_text(src.path, text, expected_sha256=sha256_text(src.text) if src.text is not None else None)
    st.written.append(src.rel)
    pair_written, pair_warnings = update_pair(src.path, src.raw, new_raw, src.text_nb.fmt if src.text_nb else None, st.root)
    st.written += [relative_to_root(st.root, p) for p in pair_written]
    st.warnings += pair_warnings


def answer(st: State) -> PromoteResultDict:
    """The ``PromoteResult`` of docs/API.md: the same for the route, the CLI and a dry run."""
    problems = st.problems
    return {
        "version": 1,
        "ok": not problems,
        "dry_run": st.options.dry_run,
        "module_path": st.target.rel,
        "module_source": st.module.text,
        "module_diff": _diff(st.module.old or "", st.module.text, st.target.rel),
        "notebook_diff": st.notebook.diff,
        "notebook_edits": st.notebook.edits,
        "slice": _slice_items(st),
        "unmoved": st.unmoved,
        "typecheck": st.typecheck,
        "problems": [p.message for p in problems],
        "refusals": [{"reason": p.reason.value, "message": p.message} for p in problems],
        "warnings": list(dict.fromkeys(st.warnings)),
        "drift": st.module.drift,
        "tests_path": st.tests.path,
        "untested": st.tests.untested,
        "written": st.written,
        "preview_sha256": st.preview_sha256,
        "function_offer": st.plan.function_offer,
    }


def _diff(old: str, new: str, rel: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            "/dev/null" if not old else f"a/{rel}",
            f"b/{rel}",
        )
    )


def _slice_items(st: State) -> list[SliceItemDict]:
    """What moves and why: pieces, imports, and the function of the cells."""
    items: list[SliceItemDict] = [
        {"name": p.name, "kind": p.kind, "cell": p.stmt.cell, "cell_id": p.stmt.cell_id, "reason": p.reason}
        for p in st.slice.pieces
    ]
    items += [
        {"name": i.bound, "kind": "import", "cell": i.stmt.cell, "cell_id": i.stmt.cell_id, "reason": i.reason}
        for i in st.slice.imports
    ]
    fpiece, cells = st.module.function, st.plan.cells
    if fpiece is not None:
        items.append(
            {
                "name": fpiece.name,
                "kind": "statements",
                "cell": cells[0],
                "cell_id": st.source.nb.cells[cells[0]].cell_id,
                "reason": (
                    f"cells {cell_numbers(cells)} as a function"
                    + (f" of {', '.join(fpiece.params)}" if fpiece.params else "")
                    + (f" returning {', '.join(fpiece.returns)}" if fpiece.returns else "")
                    + (" returning the value its last line showed" if fpiece.shows else "")
                ),
            }
        )
    return items
