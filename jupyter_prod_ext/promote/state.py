"""What the steps of a promotion share: the request, what was read, and each step's product.

Steps fill the state in order (see ``pipeline.STEPS``); each product starts empty, so a step
that has nothing to do (a dry run, a refusal) leaves it so and the answer is still complete.
Problems are typed (:class:`Problem` with a :class:`Reason`): steps look at ``blocked``, never
at message text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..config import ProjectConfig, load_config
from .function import FunctionPiece
from .module import Block, LineMap, local_packages
from .mypy_check import not_run
from .options import PromoteOptions, RunSettings
from .plan import Plan
from .select import Program
from .slice import SliceResult
from .source import Source
from .target import Target
from .types import DriftDict, EditDict, Problem, Reason, TypecheckDict, UnmovedDict


@dataclass
class ModuleDraft:
    """The module as it would be written (render, then merge)."""

    blocks: list[Block] = field(default_factory=list)
    #: the ``as_function`` function, when cells become one
    function: FunctionPiece | None = None
    #: function name -> the keyword-only parameters it gains (data chosen as parameters)
    takes: dict[str, list[str]] = field(default_factory=dict)
    #: names for ``__all__`` (the selected definitions)
    exported: list[str] = field(default_factory=list)
    text: str = ""
    line_map: LineMap = field(default_factory=list)
    #: black could not format the generated text (then nothing is merged)
    black_error: str | None = None
    #: the module file's text before the promotion (None: no such file)
    old: str | None = None
    drift: list[DriftDict] = field(default_factory=list)


@dataclass
class NotebookDraft:
    """The notebook's edits (rewrite, then the ledger) and their diff."""

    edits: list[EditDict] = field(default_factory=list)
    diff: str = ""


@dataclass
class TestsDraft:
    path: str | None = None
    text: str | None = None
    untested: list[str] = field(default_factory=list)


@dataclass
class State:
    options: PromoteOptions
    settings: RunSettings
    source: Source
    target: Target
    prog: Program
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)
    slice: SliceResult = field(default_factory=SliceResult)
    unmoved: list[UnmovedDict] = field(default_factory=list)
    module: ModuleDraft = field(default_factory=ModuleDraft)
    notebook: NotebookDraft = field(default_factory=NotebookDraft)
    tests: TestsDraft = field(default_factory=TestsDraft)
    preview_sha256: str = ""
    typecheck: TypecheckDict = field(default_factory=lambda: not_run("Not run."))
    written: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """Something stops the promotion as asked: later checks are skipped and nothing is written."""
        return bool(self.problems)

    def refuse(self, reason: Reason, message: str) -> None:
        self.problems.append(Problem(reason, message))

    @property
    def root(self) -> Path:
        return self.target.root

    @cached_property
    def config(self) -> ProjectConfig:
        """The project's configuration for the module's folder (black's mode, mypy's config); read once,
        when the module is rendered (a bad ``pyproject.toml`` is a one-line error then)."""
        folder = self.target.path.parent
        return load_config(folder if folder.is_dir() else self.root, self.root)

    @cached_property
    def local(self) -> set[str]:
        """First-party import names: the project's packages and the target's own."""
        return local_packages(self.root) | {self.target.dotted.split(".")[0]}

    @property
    def tests_file(self) -> Path:
        return self.root / "tests" / f"test_{self.target.stem}.py"
