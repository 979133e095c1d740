"""The registry of checks: stable ids, family, default severity, fast or slow, how a finding gates a commit.

Every finding the server sends is described from here (:func:`describe`: its family and its
``commit_gate``), whichever feature produced it: the checks engine runs :data:`CHECKS`; the Clean
Run (``execution.runner``) produces the findings of :data:`RUN_CHECKS`, registered with
:func:`produced_by_run` so they are described like every other finding.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from ..notebook import CodeUnit
from ..procs import Cancelled, request_cancelled
from ..types import FindingDict, Severity
from ..wire import CommitGate, Family
from .base import Context, Finding

CheckFn = Callable[[Context], Iterable[Finding]]
#: what a check's findings depend on, so that a one-cell edit re-runs only what it must
#: (``checks/incremental.py``): ``cell``, each cell's findings on that cell alone (its source,
#: outputs, metadata; the settings); ``names``, each finding on the dataflow events of one name
#: (``Finding.subject``); ``notebook``, anything (re-run on every request)
Scope = Literal["cell", "names", "notebook"]
#: for a ``notebook`` check that reads code units only: True when its findings cannot change
#: because a code cell changed from the first unit to the second
StableWhen = Callable[[CodeUnit, CodeUnit], bool]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    family: Family
    severity: Severity
    description: str
    fn: CheckFn
    #: slow checks (black, mypy, git) run on save or on demand, not on every keystroke
    slow: bool = False
    #: reads cell outputs: a delta request without such a check may leave outputs out (src/delta.ts)
    outputs: bool = False
    #: "check": run by the checks engine; "run": produced by the Clean Run, never run by the engine
    producer: Literal["check", "run"] = "check"
    scope: Scope = "notebook"
    stable_when: StableWhen | None = None


#: the checks the checks engine runs (``checks: "fast" | "all" | [ids]``)
CHECKS: dict[str, CheckSpec] = {}
#: the checks whose findings the Clean Run produces (``POST run``, ``jupyter-prod run``)
RUN_CHECKS: dict[str, CheckSpec] = {}

log = logging.getLogger(__name__)

FAMILIES: tuple[Family, ...] = ("execution", "dataflow", "structure", "portability", "security", "hygiene", "quality", "vcs")

def unknown_ids(names: Iterable[str]) -> list[str]:
    """The names that are no check id (engine or Clean Run) and no family, sorted.

    A mistyped id in a selection (``--select``, the panel's settings) selects or hides nothing,
    silently: a CI gate then passes on what it was meant to stop. The CLI refuses it and the
    server's answer names it, from this one rule."""
    return sorted({n for n in names if n not in CHECKS and n not in RUN_CHECKS and n not in FAMILIES})


def closest_id(name: str) -> str | None:
    """The check id or family ``name`` most likely mistypes (``unused-imports``: ``unused-import``)."""
    import difflib

    known = [*CHECKS, *RUN_CHECKS, *FAMILIES]
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return match[0] if match else None


def unknown_id_problem(names: Iterable[str]) -> str | None:
    """What is wrong with a selection naming a check that does not exist, or ``None``.

    One wording for every place a user names checks (``--select``, ``[tool.jupyter-prod]``), with the
    id the typo most likely meant, so each place only adds where the name was read."""
    unknown = unknown_ids(names)
    if not unknown:
        return None
    guess = closest_id(unknown[0])
    hint = f"did you mean '{guess}'? " if guess else ""
    return f"'{unknown[0]}' is no check id or family ({hint}`jupyter-prod checks` lists them)"


#: the check whose findings no user choice lets into a commit
SECRET_CHECK = "secret"


def commit_gate(check: str, severity: str) -> CommitGate | None:
    """How a finding stops a commit: the gate's one rule, read by ``gitops.gate`` and sent to the UI.

    A secret always blocks (a leaked key in git history outlives any later fix, so "allow findings"
    cannot let it through); any other error blocks unless the user allows findings; the rest never do.
    Each finding of a report carries the answer (``commit_gate``), so the panel shows what the server
    will decide instead of deriving it again. A Clean Run's finding never gates: the gate reads the
    readiness report, not a run.
    """
    if check in RUN_CHECKS:
        return None
    if check == SECRET_CHECK:
        return "always"
    if severity == "error":
        return "unless-allowed"
    return None


def check(
    id: str,
    family: Family,
    severity: Severity,
    description: str,
    *,
    slow: bool = False,
    outputs: bool = False,
    scope: Scope = "notebook",
    stable_when: StableWhen | None = None,
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under a stable, public id."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family}")

    def deco(fn: CheckFn) -> CheckFn:
        spec = CheckSpec(id, family, severity, description, fn, slow, outputs, scope=scope, stable_when=stable_when)
        _register(CHECKS, spec)
        return fn

    return deco


def produced_by_run(id: str, family: Family, severity: Severity, description: str) -> CheckSpec:
    """Register a check whose findings the Clean Run produces (the engine never runs it)."""
    return _register(RUN_CHECKS, CheckSpec(id, family, severity, description, _not_run_by_the_engine, producer="run"))


def _not_run_by_the_engine(ctx: Context) -> Iterable[Finding]:
    return ()


def _register(table: dict[str, CheckSpec], spec: CheckSpec) -> CheckSpec:
    if spec.family not in FAMILIES:
        raise ValueError(f"unknown family {spec.family}")
    if spec.id in CHECKS or spec.id in RUN_CHECKS:
        raise ValueError(f"check id {spec.id} registered twice")
    table[spec.id] = spec
    return spec


def spec_of(check_id: str) -> CheckSpec | None:
    """The registered check of that id, whichever feature produces its findings."""
    return CHECKS.get(check_id) or RUN_CHECKS.get(check_id)


def describe(finding: FindingDict, *, active: bool = False) -> FindingDict:
    """The finding with its family and, when it counts (not waived), how it stops a commit (in place)."""
    spec = spec_of(finding["check"])
    if spec is not None:
        finding["family"] = spec.family
    gate = commit_gate(finding["check"], finding["severity"]) if active else None
    if gate is not None:
        finding["commit_gate"] = gate
    return finding


def run_spec(spec: CheckSpec, ctx: Context) -> list[Finding]:
    """One check's findings, the project's severity overrides applied; a crash becomes an info finding."""
    try:
        found = list(spec.fn(ctx))
    except Exception as exc:  # noqa: BLE001 - a broken check must not take the report down with it
        if isinstance(exc, Cancelled) or request_cancelled():
            # a newer request replaced this one and its tools were stopped: whatever that made the check
            # raise is no crash (no traceback, no finding), and this answer is dropped anyway
            return []
        log.exception("jupyter-prod: check %s crashed", spec.id)
        found = [
            ctx.finding(
                spec.id,
                "info",
                None,
                None,
                f"The check could not run on this notebook ({type(exc).__name__}: {exc}).",
                "This is a bug in jupyter-prod; please report it with the notebook.",
            )
        ]
    overrides = ctx.settings.severity
    if overrides:
        for f in found:
            override = overrides.get(f.check)
            if override is not None:
                f.severity = override
    return found
