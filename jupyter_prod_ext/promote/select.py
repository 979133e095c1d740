"""Selection: which top-level statements the user asked to promote.

Cells are given by index (0-based among all cells, like ``Finding.cell``) or
cell id; definitions by name (the last top-level definition of that name, the
one later cells see). Input mistakes (no such cell, no such name) raise
:class:`InputError`; everything about *what* was selected is decided later.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..analysis import DefUse, Stmt
from ..errors import InputError
from ..notebook import CodeUnit, Notebook, cell_number, no_cell_index


@dataclass
class Program:
    """A notebook with its analysis and the lookups promotion needs."""

    nb: Notebook
    du: DefUse
    units: dict[int, CodeUnit] = field(default_factory=dict)
    #: (id(stmt), name) -> the statement whose binding a use of ``name`` in ``stmt`` reads
    sources: dict[tuple[int, str], Stmt | None] = field(default_factory=dict)
    #: (id(stmt), name) -> resolution status
    status: dict[tuple[int, str], str] = field(default_factory=dict)

    @classmethod
    def build(cls, nb: Notebook, du: DefUse) -> Program:
        prog = cls(nb, du, {u.cell.index: u for u in nb.units()})
        for r in du.resolutions:
            key = (id(r.stmt), r.event.name)
            if key not in prog.status or (prog.status[key] != "ok" and r.status == "ok"):
                prog.status[key] = r.status
                prog.sources[key] = r.source
        return prog

    def cell_lines(self, cell: int) -> list[str]:
        return self.units[cell].python.split("\n")

    def stmt_first_line(self, stmt: Stmt) -> int:
        """First line of the statement in its cell, decorators included."""
        node = stmt.node
        first = stmt.line
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in node.decorator_list:
                first = min(first, d.lineno)
        return first

    def stmt_text(self, stmt: Stmt) -> str:
        """The statement's Python text: its whole lines, or, when it shares a line (``a = 1; b = 2``), its
        own segment of them as written, with the line's comment when it ends the line."""
        first, last = self.stmt_first_line(stmt), stmt.end_line
        sharing = [
            s
            for s in self.du.stmts_of_cell(stmt.cell)
            if s is not stmt and s.node is not None and not (s.end_line < first or s.line > last)
        ]
        lines = self.cell_lines(stmt.cell)[first - 1 : last]
        if sharing and stmt.node is not None:
            return self._segment(stmt.node, lines)
        return "\n".join(lines).rstrip()

    @staticmethod
    def _segment(node: ast.AST, lines: list[str]) -> str:
        """``node``'s own text in ``lines`` (its first to last line; ast columns are UTF-8 bytes)."""
        start, end = getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None)
        raw = [ln.encode("utf-8") for ln in lines]
        tail = raw[-1][end:] if end is not None else b""
        raw[-1] = raw[-1][:end] if end is not None else raw[-1]
        raw[0] = raw[0][start:]
        if tail.strip().startswith(b"#"):  # the line's comment is about the statement that ends it
            raw[-1] += tail
        return b"\n".join(raw).decode("utf-8").rstrip()

    def source_text(self, stmt: Stmt) -> str:
        """The statement's lines as the user wrote them (magics included), for messages."""
        lines = self.nb.cells[stmt.cell].source.split("\n")[self.stmt_first_line(stmt) - 1 : stmt.end_line]
        return "\n".join(lines).rstrip()

    def cell_of(self, ref: int | str) -> int:
        if isinstance(ref, bool):
            raise InputError("'cells' must hold cell indexes (numbers) or cell ids (strings).")
        if isinstance(ref, int):
            if not 0 <= ref < len(self.nb.cells):
                raise InputError(no_cell_index(ref, len(self.nb.cells)))
            index = ref
        else:
            found = [c.index for c in self.nb.cells if c.cell_id == ref]
            if not found:
                if ref.strip().isdigit():
                    return self.cell_of(int(ref.strip()))
                raise InputError(f"There is no cell with id '{ref}' in the notebook.")
            index = found[0]
        if self.nb.cells[index].cell_type != "code":
            raise InputError(
                f"Cell {cell_number(index)} (index {index}) is a {self.nb.cells[index].cell_type} cell; "
                "only code cells can be promoted."
            )
        return index

    def definition(self, name: str) -> Stmt:
        """The last top-level statement that defines ``name`` (def, class or assignment)."""
        binds = [(s, e) for s, e in self.du.bindings.get(name, []) if not e.deferred and s.node is not None]
        # a definition wins over a later reassignment (``score = score(data)``)
        cands = [s for s, e in binds if e.how in ("def", "class")] or [
            s for s, e in binds if e.how == "assign"
        ]
        if not cands:
            raise InputError(f"No top-level function, class or constant named '{name}' in the notebook.")
        return cands[-1]


def node_names(stmt: Stmt) -> list[str]:
    return stmt.bound_names()


def stmt_label(stmt: Stmt) -> str:
    names = stmt.bound_names()
    if stmt.kind in ("def", "class") and names:
        return names[-1]
    return ", ".join(names) if names else f"cell {cell_number(stmt.cell)}"
