"""JSON shapes of ``POST promote`` and ``jupyter-prod promote --format json`` (docs/API.md).

Mirrored by ``IPromoteResult`` in ``src/api.ts``: keys are public contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, TypedDict

UnmovedChoice = Literal["parameter", "move", "cancel"]
DriftState = Literal["cell-changed", "module-edited"]


class Reason(str, Enum):
    """Why a promotion is refused: the contract clients branch on (``refusals[].reason``), never the text."""

    NOT_PYTHON = "not-python"
    DOES_NOT_PARSE = "does-not-parse"
    NOTHING_TO_PROMOTE = "nothing-to-promote"
    COMPUTED_WITH_EFFECTS = "computed-with-effects"
    UNMOVED_DATA = "unmoved-data"
    CANCELLED = "cancelled"
    NAME_CONFLICT = "name-conflict"
    MAGIC = "magic"
    STAR_IMPORT = "star-import"
    UNDEFINED_NAME = "undefined-name"
    GLOBAL_STATEMENT = "global-statement"
    NOT_A_FUNCTION = "not-a-function"
    READ_AT_DEFINITION = "read-at-definition"
    HAND_EDITED = "hand-edited"
    MODULE_CONFLICT = "module-conflict"
    BLACK_FAILED = "black-failed"
    MODULE_UNDEFINED_NAME = "module-undefined-name"
    MODULE_UNUSED_IMPORT = "module-unused-import"
    MODULE_DOES_NOT_PARSE = "module-does-not-parse"
    MYPY_NAME_DEFINED = "mypy-name-defined"
    NOTEBOOK_LOSES_NAME = "notebook-loses-name"
    NOTEBOOK_INVALID = "notebook-invalid"
    PREVIEW_DRIFT = "preview-drift"


@dataclass(frozen=True)
class Problem:
    """One reason a promotion cannot go ahead: a typed reason and the one line the user reads."""

    reason: Reason
    message: str


class RefusalDict(TypedDict):
    reason: str
    message: str


class SliceItemDict(TypedDict):
    name: str
    #: "function", "class", "constant", "import", "statements" (an ``as_function`` body)
    kind: str
    cell: int
    cell_id: str | None
    reason: str


class UnmovedDict(TypedDict):
    name: str
    cell: int
    line: int | None
    reason: str
    #: only the choices that work: no "parameter" for a name read at definition time
    choices: list[UnmovedChoice]
    #: choice -> what it does, in the user's words (one line each)
    consequences: dict[str, str]
    #: the choice the preview suggests
    suggested: UnmovedChoice


class TypeErrorDict(TypedDict):
    module_line: int
    cell: int | None
    cell_line: int | None
    message: str


class TypecheckDict(TypedDict):
    ran: bool
    message: str
    errors: list[TypeErrorDict]


class DriftDict(TypedDict):
    name: str
    state: DriftState
    message: str
    #: the definition's current text in the module (to pull it back into a cell), or null
    module_text: str | None


class ReplaceEdit(TypedDict):
    op: Literal["replace"]
    cell: int
    cell_id: str | None
    source: str


class DeleteEdit(TypedDict):
    op: Literal["delete"]
    cell: int
    cell_id: str | None


class InsertEdit(TypedDict):
    op: Literal["insert"]
    cell: int
    source: str
    cell_type: Literal["code"]


class MetadataEdit(TypedDict):
    """Set these top-level notebook metadata keys (each replaced whole)."""

    op: Literal["metadata"]
    metadata: dict[str, Any]


EditDict = ReplaceEdit | DeleteEdit | InsertEdit | MetadataEdit


class PromoteResultDict(TypedDict):
    version: int
    ok: bool
    dry_run: bool
    module_path: str
    module_source: str
    module_diff: str
    notebook_diff: str
    notebook_edits: list[EditDict]
    slice: list[SliceItemDict]
    unmoved: list[UnmovedDict]
    typecheck: TypecheckDict
    problems: list[str]
    #: the problems with their typed reasons (same order as ``problems``)
    refusals: list[RefusalDict]
    warnings: list[str]
    drift: list[DriftDict]
    tests_path: str | None
    untested: list[str]
    written: list[str]
    #: fingerprint of what this result shows (module text, notebook edits); a request carrying it
    #: as ``expect`` is refused if the result would differ (the preview is what gets applied)
    preview_sha256: str
    #: when the selected cells hold statements that are not definitions: a name for promoting them as a
    #: function (``as_function``) the preview can offer; null otherwise
    function_offer: str | None


class LedgerRecord(TypedDict):
    """One promoted definition, kept in the notebook's ``metadata.jupyter_prod.promoted``."""

    name: str
    kind: str
    module: str
    notebook: str
    cell_id: str | None
    cell: int
    source_sha256: str
    module_sha256: str
