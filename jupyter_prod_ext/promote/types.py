"""JSON shapes of ``POST promote`` and ``jupyter-prod promote --format json`` (docs/API.md).

Mirrored by ``IPromoteResult`` in ``src/api.ts``: keys are public contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..wire import (  # the shapes live in the wire contract; re-exported so these imports keep working
    DeleteEdit as DeleteEdit,
)
from ..wire import (
    DriftDict as DriftDict,
)
from ..wire import (
    DriftState as DriftState,
)
from ..wire import (
    EditDict as EditDict,
)
from ..wire import (
    InsertEdit as InsertEdit,
)
from ..wire import (
    LedgerRecord as LedgerRecord,
)
from ..wire import (
    MetadataEdit as MetadataEdit,
)
from ..wire import (
    PromoteResultDict as PromoteResultDict,
)
from ..wire import (
    RefusalDict as RefusalDict,
)
from ..wire import (
    ReplaceEdit as ReplaceEdit,
)
from ..wire import (
    SliceItemDict as SliceItemDict,
)
from ..wire import (
    TypecheckDict as TypecheckDict,
)
from ..wire import (
    TypeErrorDict as TypeErrorDict,
)
from ..wire import (
    UnmovedChoice as UnmovedChoice,
)
from ..wire import (
    UnmovedDict as UnmovedDict,
)


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

