"""``promote``: one entry point for the server route and the CLI, a pipeline of named steps.

Refusal style: a promotion that cannot be done *as asked* (unmoved data, a hand
edited module, magics, a star import, a rewrite that would break later cells)
is an answer, not an error: ``ok: false`` with one line per reason in
``problems`` and a typed reason in ``refusals`` (HTTP 200, CLI exit 1), so the
dialog can show the preview and the choices next to the reasons. Malformed
requests raise :class:`InputError` / :class:`PathError` (400/403, exit 2); a
file changed by someone else between read and write raises
:class:`ConflictError` (409, exit 2) and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..analysis import analyse
from ..errors import InputError
from ..paths import shown_path
from ..typecheck import TypecheckSettings
from . import steps
from .options import PromoteOptions, RunSettings
from .select import Program
from .source import module_lock, read_source
from .state import State
from .target import validate_target
from .types import PromoteResultDict

#: The promotion after the notebook is read, in order. Each step is a function over :class:`State`
#: (see ``steps.py``); a problem in one does not stop the next, so the preview shows everything.
STEPS: tuple[Callable[[State], None], ...] = (
    steps.select,  # what the request names; cells that cannot move at all
    steps.slice_selection,  # what that needs from the notebook; data names the user decides on
    steps.render,  # the module's blocks and text, formatted by black
    steps.merge,  # into the module already there, every other byte kept; hand edits refused
    steps.verify,  # the module as written, analysed: nothing broken is ever written
    steps.rewrite,  # the notebook's edits, analysed again
    steps.record,  # the ledger of what went where
    steps.generate_tests,  # regression tests from shown results, when asked
    steps.approve,  # the result must be the preview the user approved
    steps.type_check,  # mypy: warnings, but name-defined in our lines refuses
    steps.write,  # module, tests, notebook; only when nothing stopped it
)


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
    settings = RunSettings(
        write_notebook=write_notebook, typecheck=typecheck_settings, run_typecheck=run_typecheck
    )
    root = Path(project_root).resolve()
    nb_path = Path(notebook_path).resolve()
    nb_rel = shown_path(root, nb_path)
    target = validate_target(root, options.to, allow_hidden=allow_hidden)
    with module_lock(target.path, root, typecheck_settings):
        source = read_source(nb_path, nb_rel, content)  # inside the lock: sees what the promotion before wrote
        with _not_too_deep(nb_rel):
            st = State(options, settings, source, target, Program.build(source.nb, analyse(source.nb)))
            for step in STEPS:
                step(st)
            return steps.answer(st)


@contextmanager
def _not_too_deep(nb_rel: str) -> Iterator[None]:
    """ast.unparse and copy.deepcopy recurse once per nesting level: a statement that parses
    (CPython's parser goes deeper) can still be too deep to re-render."""
    try:
        yield
    except RecursionError:
        raise InputError(
            f"{nb_rel}: the selected code is nested too deeply to promote (e.g. a very long chain "
            "of + or calls in one expression); split it into smaller statements."
        ) from None
