"""What a promotion is asked to do (:class:`PromoteOptions`, the request) and how the caller runs it
(:class:`RunSettings`: the CLI writes the notebook itself, the server returns edits)."""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field

from ..errors import InputError
from ..typecheck import TypecheckSettings

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
            if not (self.as_function.isidentifier() and not keyword.iskeyword(self.as_function)):
                raise InputError(f"'as_function' must be a Python identifier, not '{self.as_function}'.")
            if not self.cells or self.names:
                raise InputError("'as_function' turns cells into a function: give 'cells' and no 'names'.")
        for name, choice in self.unmoved.items():
            if choice not in CHOICES:
                raise InputError(f"'unmoved.{name}' must be one of {', '.join(CHOICES)}, not '{choice}'.")


@dataclass(frozen=True)
class RunSettings:
    """How the caller runs the promotion; none of it changes what the preview shows but the type check."""

    #: also write the rewritten notebook (the CLI); the server returns ``notebook_edits`` instead
    write_notebook: bool = False
    typecheck: TypecheckSettings | None = None
    run_typecheck: bool = True
