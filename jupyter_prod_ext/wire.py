"""The wire contract: every JSON shape the REST API and the CLI's ``--format json`` speak, defined once.

Requests and answers of every route (docs/API.md) are TypedDicts here, kinds and reasons are
Literals. Everything else derives from this module: ``docs/api/wire.json`` (JSON Schema, written by
``python -m jupyter_prod_ext.wire --write docs/api``), ``src/wire.ts`` (TypeScript, generated from that
schema by ``jlpm build:wire``) and the server's request validation (``server/base.py`` calls
:func:`validate`). ``tests/test_wire.py`` fails when the committed schema is stale,
``src/__tests__/wire.spec.ts`` when the TypeScript is. (The schema is not under ``schema/``: JupyterLab reads
every JSON file there, subfolders included, as a settings schema.)

Feature modules re-export their shapes from here (``jupyter_prod_ext.types``, ``promote.types``, ...),
so old import paths keep working. Keys are public contracts: extend, never rename.

This module sits at the bottom of the layers (it imports only ``errors``): every engine module may use it.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

# typing's own NotRequired is 3.11+; typing_extensions' TypedDict understands it on 3.10 too
from typing_extensions import NotRequired, Required, TypedDict, get_type_hints, is_typeddict

from .errors import InputError


@dataclass(frozen=True)
class Wire:
    """Metadata of a field (``Annotated[T, Wire(...)]``): how it reads in an error, and its TypeScript type.

    ``expect`` completes "'key' must be ..." in the one-line 400 of a malformed request;
    ``ts`` names a TypeScript type the frontend already has (nbformat's), instead of a generated one.
    """

    expect: str | None = None
    ts: str | None = None


# ---------------------------------------------------------------------------------------------------------
# Kinds and reasons

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
Family = Literal["execution", "dataflow", "structure", "portability", "security", "hygiene", "quality", "vcs"]
#: how a finding stops a commit: "always" (a secret: history outlives any later fix), "unless-allowed"
#: (an error finding; the user may commit anyway). Decided by the server (``gitops/gate.py``), shown by the UI.
CommitGate = Literal["always", "unless-allowed"]
ErrorKind = Literal[
    "error", "input", "path", "not-found", "conflict", "refused", "git", "too-large", "notebook", "config",
    "tool", "internal", "http",
]  # fmt: skip
UnmovedChoice = Literal["parameter", "move", "cancel"]
DriftState = Literal["cell-changed", "module-edited"]
RefusalReason = Literal[
    "not-python", "does-not-parse", "nothing-to-promote", "computed-with-effects", "unmoved-data", "cancelled",
    "name-conflict", "magic", "star-import", "undefined-name", "global-statement", "not-a-function",
    "read-at-definition", "hand-edited", "module-conflict", "black-failed", "module-undefined-name",
    "module-unused-import", "module-does-not-parse", "mypy-name-defined", "notebook-loses-name",
    "notebook-invalid", "preview-drift",
]  # fmt: skip
SliceKind = Literal["function", "class", "constant", "import", "statement", "statements"]
CommitRefusalReason = Literal["secrets", "findings", "hook", "hook-modified"]
FileState = Literal["untracked", "modified", "staged", "clean", "ignored"]
GitOperation = Literal["merge", "rebase", "cherry-pick", "revert"]
RunState = Literal["idle", "queued", "running", "done", "cancelled"]
Normalization = Literal["addresses", "timestamps", "durations"]
ChecksPreset = Literal["fast", "all"]
SupersededStage = Literal["waiting", "running"]

#: the editor's current nbformat JSON (validated by the notebook reader, typed by nbformat on the TS side)
NotebookJSON = Annotated[dict[str, Any], Wire(expect="the notebook's JSON object", ts="nbformat.INotebookContent")]


# ---------------------------------------------------------------------------------------------------------
# Findings and reports (POST check, jupyter-prod check --format json)


class Fix(TypedDict):
    """An exact edit that resolves a finding: new source for whole cells."""

    description: str
    #: cell index -> full new source of that cell
    cells: dict[str, str]


class FindingDict(TypedDict):
    check: str
    severity: Severity
    cell: int | None
    cell_id: str | None
    line: int | None
    message: str
    hint: str
    #: only present when the fix is exact (e.g. black's output for a cell)
    fix: Fix | None
    #: the check's family (execution, dataflow, ...): how the panel groups findings (absent: the finding
    #: comes from no registered check, e.g. a clean run's)
    family: NotRequired[Family]
    #: the line in the file, for a notebook kept as text (jupytext ``.py``/``.md``): where CI annotations point
    file_line: NotRequired[int]
    #: whether and how this finding stops a commit (absent: it does not)
    commit_gate: NotRequired[CommitGate]


class ReportSummary(TypedDict):
    errors: int
    warnings: int
    infos: int
    waived: int
    code_cells: int
    checks_run: list[str]
    #: the checks a ``"fast"`` request never runs (black, mypy, git), whether or not this one ran them:
    #: their findings stay as the last request that ran them found them, and a waiver of one only hides
    #: a finding, so the panel hides it without running the tool again (absent from Clean Run reports)
    slow_checks: NotRequired[list[str]]
    #: the names in the request's ``select``/``ignore`` (the panel's settings) that are no check id and no
    #: family: a typo there hides nothing, so the panel says so (server answers only, when there are some)
    unknown_checks: NotRequired[list[str]]


class ReportDict(TypedDict):
    path: str
    score: int
    findings: list[FindingDict]
    waived: list[FindingDict]
    summary: ReportSummary
    #: names this report in the server (``POST check`` of the editor's notebook, sent or as a delta): the
    #: next request's ``findings_base`` (absent from the CLI's reports and from checks of the file on disk)
    report_id: NotRequired[str]
    #: names the cells list of this delta request, held by the server: the next request's ``cells_base``
    #: (only in answers to a ``delta`` request)
    cells_id: NotRequired[str]


#: an item of a findings delta: ``[start, stop]``, the base list's findings ``start`` to ``stop - 1`` kept,
#: or a finding not in the base
FindingsDeltaItem = list[int] | FindingDict


class ReportDeltaDict(TypedDict):
    """``POST check``'s answer when the request named (``findings_base``) one of the last two reports the
    server answered for this notebook: the new ``findings`` and ``waived`` are that report's lists with each
    delta replayed in order (ranges of the base list, new findings); everything else as in a full report."""

    path: str
    score: int
    summary: ReportSummary
    report_id: str
    #: the report this delta applies to (the request's ``findings_base``)
    findings_base: str
    findings_delta: list[FindingsDeltaItem]
    waived_delta: list[FindingsDeltaItem]
    #: names the cells list of this delta request, held by the server: the next request's ``cells_base``
    cells_id: NotRequired[str]


class FileErrorDict(TypedDict):
    path: str
    message: str


class CheckOutputDict(TypedDict):
    version: int
    notebooks: list[ReportDict]
    errors: list[FileErrorDict]


class MissingAnswer(TypedDict):
    """``POST check`` to a delta whose hashes the server lacks: send again with these sources."""

    missing: list[str]
    #: names the cells list of this delta request, held by the server: the next request's ``cells_base``
    cells_id: NotRequired[str]


class MissingCellsBaseAnswer(TypedDict):
    """``POST check`` to a delta whose ``cells_base`` the server no longer holds (evicted, another tab's
    requests, a restarted server): send the request again with every cell (no ``cells_base``, no ranges)."""

    missing_cells_base: Literal[True]


class CheckRequest(TypedDict):
    path: Annotated[str, Wire(expect="a string path relative to the server root")]
    notebook: NotRequired[NotebookJSON]
    #: the notebook as a delta (src/delta.ts; validated by ``delta.notebook_from_delta``)
    delta: NotRequired[Annotated[dict[str, Any], Wire(expect="an object with a 'cells' list (see docs/API.md)", ts="IDeltaNotebook")]]
    checks: NotRequired[
        Annotated[ChecksPreset | list[str] | None, Wire(expect='"fast", "all" or a list of check ids')]
    ]
    #: only run/report these check ids or families
    select: NotRequired[Annotated[list[str] | None, Wire(expect="a list of check ids")]]
    #: never report these check ids or families
    ignore: NotRequired[Annotated[list[str] | None, Wire(expect="a list of check ids")]]
    #: the ``report_id`` of the report the client holds: the answer may then be a findings delta against it
    findings_base: NotRequired[Annotated[str | None, Wire(expect="a report id (an answer's 'report_id')")]]


class CheckListRow(TypedDict):
    """One line of ``jupyter-prod checks --format json``."""

    id: str
    family: Family
    severity: Severity
    speed: Literal["fast", "slow"]
    description: str


class SupersededDetails(TypedDict):
    """``details`` of the 409 ``kind: "conflict"`` answer to a ``check``/``format`` replaced by a newer one
    of the same notebook: before it ran (``waiting``), or while it ran (``running``: its black and one-shot
    mypy were killed; its run on the warm mypy daemon finished, its answer dropped, unless stuck past
    ``typecheck_cancel_grace``)."""

    reason: Literal["superseded"]
    stage: SupersededStage


class ErrorBody(TypedDict):
    """Body of every non-2xx answer of our routes."""

    error: str
    kind: ErrorKind
    #: structured reason: a commit refusal, "no-repo", "superseded", "not-python", or null
    details: CommitRefusalDetails | NoRepoDetails | SupersededDetails | NotPythonDetails | None


# ---------------------------------------------------------------------------------------------------------
# POST format


class FormatRequest(TypedDict):
    path: Annotated[str, Wire(expect="a string path relative to the server root")]
    notebook: NotRequired[NotebookJSON]
    #: default: all code cells
    cells: NotRequired[Annotated[list[int] | None, Wire(expect="a list of cell indices (integers)")]]


class CellFormatDict(TypedDict):
    cell: int
    cell_id: str | None
    source: str
    changed: bool


class CellFormatErrorDict(TypedDict):
    cell: int
    message: str


class FormatAnswerDict(TypedDict):
    cells: list[CellFormatDict]
    errors: list[CellFormatErrorDict]


# ---------------------------------------------------------------------------------------------------------
# POST promote, jupyter-prod promote [--pull] --format json


class PromoteRequest(TypedDict):
    path: Annotated[str, Wire(expect="a string path relative to the server root")]
    notebook: NotRequired[NotebookJSON]
    cells: NotRequired[Annotated[list[int | str], Wire(expect="a list of cell indexes or cell ids")]]
    names: NotRequired[Annotated[list[str], Wire(expect="a list of definition names")]]
    to: Annotated[str, Wire(expect="the target module path relative to the project root, e.g. src/pkg/mod.py")]
    as_function: NotRequired[str | None]
    dry_run: NotRequired[bool]
    rewrite: NotRequired[bool]
    tests: NotRequired[bool]
    force: NotRequired[bool]
    unmoved: NotRequired[Annotated[dict[str, UnmovedChoice], Wire(expect='a map of names to "parameter" or "move"')]]
    #: ``preview_sha256`` of the preview the user approved: refused if the result would differ
    expect: NotRequired[
        Annotated[str | None, Wire(expect="the preview_sha256 of the preview that was shown")]
    ]


class RefusalDict(TypedDict):
    reason: RefusalReason
    message: str


class SliceItemDict(TypedDict):
    name: str
    kind: SliceKind
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


class PulledDict(TypedDict):
    name: str
    module: str
    cell: int


class PullResultDict(TypedDict):
    """``jupyter-prod promote NOTEBOOK --pull NAMES --format json``."""

    ok: bool
    dry_run: bool
    pulled: list[PulledDict]
    notebook_edits: list[EditDict]
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


# ---------------------------------------------------------------------------------------------------------
# POST commit, GET status


class CommitRequest(TypedDict):
    path: Annotated[str, Wire(expect="a string path relative to the server root")]
    #: default: the notebook, the other files of its jupytext pair and the modules promoted from them
    paths: NotRequired[Annotated[list[str] | None, Wire(expect="a list of paths relative to the server root")]]
    message: Annotated[str, Wire(expect="a string (the commit message)")]
    code_only: NotRequired[bool]
    allow_findings: NotRequired[bool]
    init: NotRequired[bool]
    #: the notebook's earlier paths (it was renamed): a tracked one gone from disk has its removal committed
    renamed_from: NotRequired[Annotated[list[str], Wire(expect="a list of paths relative to the server root")]]


class GateResultDict(TypedDict):
    blocked: bool
    findings: list[FindingDict]


class CommitResultDict(TypedDict):
    commit: str
    short: str
    #: null when HEAD is detached
    branch: str | None
    files: list[str]
    code_only: bool
    hook_output: str
    gate: GateResultDict
    #: one line for a notification: what was committed, and whether the disk copy differs
    message: str


class CommitRefusalDetails(TypedDict):
    """``details`` of a 409 ``kind: "refused"`` answer to ``POST commit`` (always these keys)."""

    reason: CommitRefusalReason
    findings: list[FindingDict]
    #: hook output, verbatim
    output: str
    modified: list[str]


class NoRepoDetails(TypedDict):
    """``details`` of the 404 when the notebook is in no git repository."""

    reason: Literal["no-repo"]


class NotPythonDetails(TypedDict):
    """``details`` of the 422 ``kind: "notebook"`` answer about a notebook in another language (R, Julia,
    ...): not a broken notebook but one the checks do not apply to, so the panel shows a note, not an error."""

    reason: Literal["not-python"]


class FileStatusDict(TypedDict):
    path: str
    state: FileState
    #: the tracked names this file had, gone from disk, whose removal a commit of it records (a rename:
    #: the panel's ``renamed_from``, else git's own rename detection); absent when none
    renamed_from: NotRequired[list[str]]


class LogEntryDict(TypedDict):
    commit: str
    short: str
    subject: str
    author: str
    date: str


class StatusDict(TypedDict):
    repo: str | None
    #: the project root (POST promote's ``to`` is relative to it), relative to the same root as ``repo``
    project: str
    branch: str | None
    head: str | None
    detached: bool
    operation: GitOperation | None
    files: list[FileStatusDict]
    log: list[LogEntryDict]


# ---------------------------------------------------------------------------------------------------------
# POST / GET / DELETE run, jupyter-prod run --format json


class RunRequest(TypedDict):
    path: Annotated[str, Wire(expect="a string path relative to the server root")]
    notebook: NotRequired[NotebookJSON]
    timeout: NotRequired[Annotated[float | None, Wire(expect="a number of seconds")]]
    cell_timeout: NotRequired[Annotated[float | None, Wire(expect="a number of seconds")]]
    normalize: NotRequired[
        Annotated[list[Normalization] | None, Wire(expect="a list of names (addresses, timestamps, durations)")]
    ]


class RunInfo(TypedDict):
    #: code cells that finished (the failing one included)
    cells_run: int
    #: code cells with source (what a full run executes)
    total: int
    seconds: float
    #: indexes of cells whose output changed
    changed: list[int]
    reproduced: bool
    #: "done" (ran to the end or to the first failure) or "cancelled"
    state: RunState


class RunReport(TypedDict):
    path: str
    score: int
    findings: list[FindingDict]
    waived: list[FindingDict]
    summary: ReportSummary
    run: RunInfo


class PublicProgress(TypedDict):
    """What ``GET run`` answers."""

    state: RunState
    #: index (0-based among all cells) of the cell running now
    cell: int | None
    #: code cells with source (what a full run executes)
    total: int
    #: code cells that finished
    cells_run: int


class CancelRunAnswer(PublicProgress):
    """What ``DELETE run`` answers: whether a run was cancelled, and the progress."""

    cancelled: bool


class RunOutputDict(TypedDict):
    """``jupyter-prod run --format json``."""

    version: int
    notebooks: list[RunReport]
    errors: list[FileErrorDict]


class VersionDict(TypedDict):
    """``GET version``: lets the frontend detect a version mismatch."""

    version: str
    api: int


# ---------------------------------------------------------------------------------------------------------
# The routes, and what is exported

#: route -> verb -> (request body or query, answer); the answer of an error is always :class:`ErrorBody`
ROUTES: dict[str, dict[str, tuple[type | None, Any]]] = {
    "check": {"POST": (CheckRequest, ReportDict | ReportDeltaDict | MissingAnswer | MissingCellsBaseAnswer)},
    "format": {"POST": (FormatRequest, FormatAnswerDict)},
    "promote": {"POST": (PromoteRequest, PromoteResultDict)},
    "commit": {"POST": (CommitRequest, CommitResultDict)},
    "status": {"GET": (None, StatusDict)},
    "run": {"POST": (RunRequest, RunReport), "GET": (None, PublicProgress), "DELETE": (None, CancelRunAnswer)},
    "version": {"GET": (None, VersionDict)},
}

#: what the CLI's ``--format json`` prints, by subcommand
CLI_OUTPUTS: dict[str, Any] = {
    "check": CheckOutputDict,
    "checks": list[CheckListRow],
    "promote": PromoteResultDict,
    "promote --pull": PullResultDict,
    "commit": CommitResultDict,
    "status": StatusDict,
    "run": RunOutputDict,
}

#: named unions and literals: one definition each in the schema (and one TypeScript type)
ALIASES: dict[str, Any] = {
    "Severity": Severity,
    "Family": Family,
    "CommitGate": CommitGate,
    "ErrorKind": ErrorKind,
    "UnmovedChoice": UnmovedChoice,
    "DriftState": DriftState,
    "RefusalReason": RefusalReason,
    "SliceKind": SliceKind,
    "CommitRefusalReason": CommitRefusalReason,
    "FileState": FileState,
    "GitOperation": GitOperation,
    "RunState": RunState,
    "Normalization": Normalization,
    "ChecksPreset": ChecksPreset,
    "EditDict": EditDict,
}

#: TypedDicts exported even though no route names them directly
EXTRA_TYPES: tuple[type, ...] = (ErrorBody, LedgerRecord)

_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def ts_name(name: str) -> str:
    """The TypeScript name of a wire type: TypedDicts ``IName`` (``Dict`` dropped), aliases as they are."""
    if name in ALIASES and name != "EditDict":
        return name
    return "I" + name.removesuffix("Dict")


# ---------------------------------------------------------------------------------------------------------
# JSON Schema


def _split(tp: Any) -> tuple[Any, Wire | None]:
    """``(type, Wire metadata)`` of a possibly ``Annotated`` type."""
    if get_origin(tp) is Annotated:
        inner, *meta = get_args(tp)
        return inner, next((m for m in meta if isinstance(m, Wire)), None)
    return tp, None


def _unwrap_required(tp: Any) -> tuple[Any, bool]:
    origin = get_origin(tp)
    if origin is NotRequired or origin is Required:
        return get_args(tp)[0], origin is Required
    return tp, True


@functools.cache
def fields(td: type) -> dict[str, tuple[Any, bool]]:
    """A TypedDict's fields: name -> (type, required), inherited ones included.

    Computed once per TypedDict (``get_type_hints`` was most of a request's validation); callers only read it.
    """
    hints = get_type_hints(td, include_extras=True)
    out: dict[str, tuple[Any, bool]] = {}
    for name, tp in hints.items():
        inner, required = _unwrap_required(tp)
        out[name] = (inner, required and getattr(td, "__total__", True))
    return out


def field_docs(td: type) -> dict[str, str]:
    """The ``#:`` comment lines above each field of a TypedDict, joined: its description in the schema."""
    try:
        lines = inspect.getsource(td).splitlines()
    except (OSError, TypeError):  # pragma: no cover - no source (a frozen build): no descriptions
        return {}
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"([A-Za-z_]\w*)\s*:", stripped)
        if match and pending:
            docs[match.group(1)] = " ".join(pending)
        pending = []
    return docs


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


class _SchemaWriter:
    """Turns wire types into JSON Schema with one ``$defs`` entry per TypedDict and named alias."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": f"#/$defs/{name}"}

    def of(self, tp: Any) -> dict[str, Any]:
        tp, meta = _split(tp)
        schema = self._plain(tp)
        if meta is not None and meta.ts is not None:
            schema = {**schema, "tsType": meta.ts}
        return schema

    def _plain(self, tp: Any) -> dict[str, Any]:
        for name, alias in ALIASES.items():
            if tp == alias:
                return self._alias(name, alias)
        return self._structural(tp)

    def _alias(self, name: str, alias: Any) -> dict[str, Any]:
        if name not in self.defs:
            self.defs[name] = {}  # placeholder against recursion
            self.defs[name] = {"title": ts_name(name), **self._structural(alias)}
        return self.ref(name)

    def _structural(self, tp: Any) -> dict[str, Any]:
        origin = get_origin(tp)
        if tp in _SCALARS:
            return {"type": _SCALARS[tp]}
        if tp is Any or tp is object:
            return {}
        if origin is Literal:
            values = list(get_args(tp))
            return {"type": "string", "enum": values} if all(isinstance(v, str) for v in values) else {"enum": values}
        if _is_union(tp):
            return {"anyOf": [self.of(arg) for arg in get_args(tp)]}
        if origin in (list, tuple):
            return {"type": "array", "items": self.of(get_args(tp)[0])}
        if origin is dict:
            value = get_args(tp)[1]
            return {"type": "object", "additionalProperties": self.of(value)}
        if is_typeddict(tp):
            return self._typeddict(tp)
        raise TypeError(f"no JSON Schema for {tp!r}")

    def _typeddict(self, td: type) -> dict[str, Any]:
        name = td.__name__
        if name not in self.defs:
            self.defs[name] = {}
            props: dict[str, Any] = {}
            required: list[str] = []
            docs = {}
            for base in reversed(td.__mro__):
                if is_typeddict(base):
                    docs.update(field_docs(base))
            docs.update(field_docs(td))
            for key, (tp, req) in fields(td).items():
                props[key] = self.of(tp)
                if key in docs and "$ref" not in props[key]:  # next to a $ref it would fork the named type
                    props[key] = {"description": docs[key].replace("``", "`"), **props[key]}
                if req:
                    required.append(key)
            schema: dict[str, Any] = {"title": ts_name(name), "type": "object", "properties": props}
            if required:
                schema["required"] = required
            if not name.endswith("Request"):
                # answers carry exactly these keys; requests may carry more (ignored), as they always could
                schema["additionalProperties"] = False
            doc = (td.__doc__ or "").strip()
            if doc and not doc.startswith(name + "("):
                schema["description"] = " ".join(doc.split()).replace("``", "`")
            self.defs[name] = schema
        return self.ref(name)


def wire_schema() -> dict[str, Any]:
    """One JSON Schema document: every wire type under ``$defs``, the routes and CLI outputs by reference."""
    writer = _SchemaWriter()
    routes: dict[str, Any] = {}
    for route, verbs in ROUTES.items():
        routes[route] = {}
        for verb, (request, answer) in verbs.items():
            entry: dict[str, Any] = {"response": writer.of(answer)}
            if request is not None:
                entry = {"request": writer.of(request), **entry}
            routes[route][verb] = entry
    cli = {name: writer.of(tp) for name, tp in CLI_OUTPUTS.items()}
    for tp in EXTRA_TYPES:
        writer.of(tp)
    for alias in ALIASES.values():
        writer.of(alias)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "Generated by `python -m jupyter_prod_ext.wire --write docs/api` from "
        "jupyter_prod_ext/wire.py; do not edit.",
        "title": "jupyter-prod wire contract",
        "x-routes": routes,
        "x-cli": cli,
        "$defs": dict(sorted(writer.defs.items())),
    }


def schema_files() -> dict[str, str]:
    """File name -> text of what ``--write`` puts into ``docs/api``."""
    return {"wire.json": json.dumps(wire_schema(), indent=2, ensure_ascii=False) + "\n"}


# ---------------------------------------------------------------------------------------------------------
# Validation of request bodies (server/base.py)


def _describe(tp: Any) -> str:
    """How a type reads in "'key' must be ...", when the field gives no ``expect``."""
    tp, meta = _split(tp)
    if meta is not None and meta.expect:
        return meta.expect
    origin = get_origin(tp)
    if tp is bool:
        return "true or false"
    if tp in (int, float):
        return "a number"
    if tp is str:
        return "a string"
    if origin is Literal:
        return "one of " + ", ".join(json.dumps(v) for v in get_args(tp))
    if _is_union(tp):
        return " or ".join(_describe(a) for a in get_args(tp) if a is not type(None))
    if origin is list:
        return "a list"
    if origin is dict or is_typeddict(tp):
        return "an object"
    return "valid"


def _matches(value: Any, tp: Any) -> bool:
    """Whether ``value`` (parsed JSON) has type ``tp``: JSON's types, so ``true`` is no number."""
    tp, _ = _split(tp)
    origin = get_origin(tp)
    if tp is Any or tp is object:
        return True
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is Literal:
        return any(value == v and type(value) is type(v) for v in get_args(tp))
    if _is_union(tp):
        return any(_matches(value, a) for a in get_args(tp))
    if origin is list:
        return isinstance(value, list) and all(_matches(v, get_args(tp)[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_matches(v, get_args(tp)[1]) for v in value.values())
    if is_typeddict(tp):
        return isinstance(value, dict) and _first_problem(value, tp) is None
    raise TypeError(f"cannot validate {tp!r}")


def _first_problem(body: dict[str, Any], td: type) -> str | None:
    for key, (tp, required) in fields(td).items():
        if key not in body:
            if required:
                return f"'{key}' is missing: it must be {_describe(tp)}."
            continue
        if not _matches(body[key], tp):
            return f"'{key}' must be {_describe(tp)}."
    return None


def validate(body: dict[str, Any], request: type) -> None:
    """Raise :class:`InputError` (one line, HTTP 400) when ``body`` does not fit the ``request`` TypedDict.

    Keys the TypedDict does not name are left alone (clients always could send more); meaning (a path
    inside the root, a known check id) is checked by the engine.
    """
    problem = _first_problem(body, request)
    if problem is not None:
        raise InputError(problem)


# ---------------------------------------------------------------------------------------------------------
# python -m jupyter_prod_ext.wire --write docs/api


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("--write", "--check"):
        sys.stderr.write("usage: python -m jupyter_prod_ext.wire (--write | --check) DIR\n")
        return 2
    folder = Path(argv[1])
    stale = []
    for name, text in schema_files().items():
        target = folder / name
        if argv[0] == "--write":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        elif not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(str(target))
    if stale:
        sys.stderr.write(f"stale: {', '.join(stale)}; run python -m jupyter_prod_ext.wire --write {folder}\n")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - the command line
    raise SystemExit(main(sys.argv[1:]))
