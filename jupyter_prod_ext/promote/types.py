"""JSON shapes of ``POST promote`` and ``jupyter-prod promote --format json`` (docs/API.md).

Mirrored by ``IPromoteResult`` in ``src/api.ts``: keys are public contracts.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

UnmovedChoice = Literal["parameter", "move", "cancel"]
DriftState = Literal["cell-changed", "module-edited"]


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
    choices: list[UnmovedChoice]


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
    warnings: list[str]
    drift: list[DriftDict]
    tests_path: str | None
    untested: list[str]
    written: list[str]


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
