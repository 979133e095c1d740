"""Structure: how the notebook is laid out (imports first, sizes, a title, empty cells)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..notebook import Cell, CodeUnit, cell_number, unit_fact
from .base import Context, Finding
from .registry import check

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S|^\s*<h[1-6][\s>]", re.MULTILINE | re.IGNORECASE)
_IMPORTS = (ast.Import, ast.ImportFrom)
_IMPORT_TYPES = frozenset(_IMPORTS)
_GUARD_TYPES = frozenset({ast.Try, ast.If})
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CONTROL = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)
_CONTROL_TYPES = frozenset(_CONTROL)
_NOT_SCRIPT = frozenset({ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
#: simple top-level statements in one cell from which it counts as "a script"
TOP_LEVEL_STATEMENTS = 8


def _root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_setup(node: ast.stmt, modules: set[str]) -> bool:
    """``sys.path.insert(...)``, ``warnings.filterwarnings(...)``, ``pd.options.x = 1``: configuration
    of imported modules, which belongs with the imports. So are a requirement checked before the work
    (``assert sys.version_info >= (3, 7)``), a branch that sets the notebook up for where it runs
    (``if "google.colab" in sys.modules: auth.authenticate_user()``) and the restart of the kernel after
    an install (``app.kernel.do_shutdown(True)``, with the ``app = IPython.Application.instance()`` it needs)."""
    if isinstance(node, ast.Assert) or (isinstance(node, ast.If) and _tests_the_runtime(node.test)):
        return True
    if _restarts_the_kernel(node):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        root = _root(node.value)
        return root in modules or root == "get_ipython"  # a magic (``%matplotlib inline``) is setup too
    if isinstance(node, ast.Assign):
        return all(isinstance(t, (ast.Attribute, ast.Subscript)) and _root(t) in modules for t in node.targets)
    return False


def _restarts_the_kernel(node: ast.stmt) -> bool:
    """``app.kernel.do_shutdown(True)`` / ``IPython.Application.instance().kernel.do_shutdown(True)`` and
    ``app = IPython.Application.instance()``: the restart a notebook does after installing packages."""
    value = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return False
    if value.func.attr == "do_shutdown":
        return True
    owner = value.func.value
    return (
        isinstance(node, ast.Assign)
        and value.func.attr == "instance"
        and isinstance(owner, ast.Attribute)
        and owner.attr == "Application"
    )


def _is_guard(node: ast.stmt) -> bool:
    """``try: import x / except ImportError`` and ``if TYPE_CHECKING:`` are imports too."""
    if isinstance(node, ast.Try):
        return all(isinstance(s, _IMPORTS) for s in node.body)
    if isinstance(node, ast.If):
        t = node.test
        return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
            isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
        )
    return False


@check("imports-not-at-top", "structure", "warning", "Imports appear after cells that already run code.")
def imports_not_at_top(ctx: Context) -> Iterator[Finding]:
    modules: set[str] = set()
    code_seen_in: int | None = None
    for unit in ctx.units:
        tree = unit.tree
        if tree is None or unit.foreign:
            continue
        if code_seen_in is not None:
            # past the first code cell only imports matter (cheap: this runs on every keystroke)
            late = unit_fact(unit, "late-imports", _imports_of)
            if late:
                yield _late_imports(ctx, unit.cell.index, late, code_seen_in)
            continue
        for node in tree.body:
            if isinstance(node, _IMPORTS):
                modules.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif not (_is_guard(node) or _is_docstring(node) or _is_setup(node, modules)):
                code_seen_in = unit.cell.index


def _imports_of(unit: CodeUnit) -> list[ast.stmt]:
    """The cell's top-level imports (guards included): once per distinct source."""
    assert unit.tree is not None
    return [n for n in unit.tree.body if type(n) in _IMPORT_TYPES or (type(n) in _GUARD_TYPES and _is_guard(n))]


def _late_imports(ctx: Context, cell: int, late: list[ast.stmt], code_cell: int) -> Finding:
    names = [a.name for n in late if isinstance(n, _IMPORTS) for a in n.names if a.name != "*"] or ["*"]
    shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
    return ctx.finding(
        "imports-not-at-top",
        "warning",
        cell,
        late[0].lineno,
        f"Import of {shown} after cell {cell_number(code_cell)} already ran code.",
        "Move imports to the first code cell so the notebook's dependencies are visible in one place.",
    )


def _line_count(source: str) -> int:
    text = source.rstrip("\n")
    return text.count("\n") + 1 if text.strip() else 0


@check("cell-too-long", "structure", "warning", "A code cell has more lines than `max-cell-lines`.", scope="cell")
def cell_too_long(ctx: Context) -> Iterator[Finding]:
    limit = ctx.settings.max_cell_lines
    for cell in ctx.nb.code_cells:
        n = _line_count(cell.source)
        if n > limit:
            yield ctx.finding(
                "cell-too-long",
                "warning",
                cell.index,
                None,
                f"The cell has {n} lines (the limit is {limit}).",
                "Split it into cells that each do one step, or move its functions into a module.",
            )


@check("notebook-too-long", "structure", "warning", "The notebook has more code cells than `max-notebook-cells`.")
def notebook_too_long(ctx: Context) -> Iterator[Finding]:
    limit = ctx.settings.max_notebook_cells
    n = len(ctx.nb.code_cells)
    if n > limit:
        yield ctx.finding(
            "notebook-too-long",
            "warning",
            None,
            None,
            f"The notebook has {n} code cells (the limit is {limit}).",
            "Split it into several notebooks, or promote reusable parts into modules.",
        )


#: flags notebooks set for the runtime they are in (``IN_COLAB = "google.colab" in sys.modules``)
_RUNTIME_FLAGS = frozenset({"IN_COLAB", "COLAB", "IS_COLAB", "ON_COLAB", "RUNNING_IN_COLAB", "IN_KAGGLE", "IS_KAGGLE"})


def _tests_the_runtime(test: ast.expr) -> bool:
    """``"google.colab" in sys.modules``, ``"COLAB_GPU" in os.environ``, ``IN_COLAB`` (and ``or``/``and``/``not``
    of them): the branch sets the notebook up for where it runs (authenticate, install), no logic to promote."""
    if isinstance(test, ast.BoolOp):
        return all(_tests_the_runtime(v) for v in test.values)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _tests_the_runtime(test.operand)
    if isinstance(test, ast.Name):
        return test.id in _RUNTIME_FLAGS
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn)):
        where = test.comparators[0]
        return (
            isinstance(test.left, ast.Constant)
            and isinstance(where, ast.Attribute)
            and isinstance(where.value, ast.Name)
            and (where.value.id, where.attr) in (("sys", "modules"), ("os", "environ"))
        )
    return False


#: a value a notebook's reader replaces before running it (``"[your-project-id]"``, ``"<YOUR_API_KEY>"``,
#: ``"xxx"``, ``"<insert key>"``); a special token such as ``"[CLS]"`` is none
_PLACEHOLDER = re.compile(
    r"your|insert|changeme|change[ _-]me|placeholder|fill[ _-]?(?:me|in)|replace[ _-]?me|\bx{3,}\b|\btodo\b",
    re.IGNORECASE,
)
#: the names a configuration guard tests: CONSTANT_STYLE, or a key, token, secret, password or project
_CONFIG_NAME = re.compile(r"\A[A-Z][A-Z0-9_]*\Z|(?i:(?:\A|_)key\Z|token|secret|password|project)")
_GUARD_BODY = frozenset({ast.Raise, ast.Assign, ast.AnnAssign, ast.Expr, ast.Pass})


def _is_config_guard(node: ast.stmt) -> bool:
    """``if PROJECT_ID == "[your-project-id]": PROJECT_ID = …`` or ``if not API_KEY: raise ValueError(…)``: a
    set-up cell checks that the reader filled its configuration in, no logic to move. Its branches only raise,
    assign, call (``print``) or guard again."""
    if not isinstance(node, ast.If) or not _tests_configuration(node.test):
        return False
    return all(type(s) in _GUARD_BODY or _is_config_guard(s) for s in (*node.body, *node.orelse))


def _tests_configuration(test: ast.expr) -> bool:
    if isinstance(test, ast.BoolOp):
        return all(_tests_configuration(v) for v in test.values)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Name) and _CONFIG_NAME.search(test.operand.id) is not None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)):
        return False
    value = test.comparators[0]
    if not isinstance(value, ast.Constant) or not isinstance(test.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        return False
    if isinstance(value.value, str) and _PLACEHOLDER.search(value.value):
        return True  # the placeholder itself says what the name is
    return (value.value is None or value.value == "") and _CONFIG_NAME.search(test.left.id) is not None


_FORM_PARAM = re.compile(r"#\s*@param\b")


def _is_form_field(node: ast.stmt, lines: list[str]) -> bool:
    """``PROJECT_ID = "[your-project-id]"  # @param {type: "string"}``: a Colab form's field, configuration."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or not isinstance(node.value, ast.Constant):
        return False
    line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    return _FORM_PARAM.search(line) is not None


def _script_like(unit: CodeUnit) -> ast.stmt | None:
    """The first statement that makes this cell substantial top-level logic, else None."""
    tree = unit.tree
    if tree is None or unit.foreign:
        return None
    simple: list[ast.stmt] = []
    # a form field's line holds "@param": the cells without it (most) are not split into lines
    lines = unit.python.splitlines() if "@param" in unit.python else None
    for node in tree.body:
        t = type(node)
        if t in _CONTROL_TYPES:
            if _is_guard(node) or (isinstance(node, ast.If) and _tests_the_runtime(node.test)) or _is_config_guard(node):
                continue
            if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
                left = node.test.left
                if isinstance(left, ast.Name) and left.id == "__name__":
                    continue
            return node
        if t not in _NOT_SCRIPT and not _is_docstring(node) and not (lines and _is_form_field(node, lines)):
            simple.append(node)
    return simple[0] if len(simple) >= TOP_LEVEL_STATEMENTS else None


@check(
    "top-level-code",
    "structure",
    "info",
    "A cell holds substantial logic (loops, branches, long scripts) outside functions: a promotion candidate.",
    scope="cell",
)
def top_level_code(ctx: Context) -> Iterator[Finding]:
    for unit in ctx.units:
        node = unit_fact(unit, "script-like", _script_like)
        if node is None:
            continue
        what = "a loop or branch" if isinstance(node, _CONTROL) else "many statements"
        yield ctx.finding(
            "top-level-code",
            "info",
            unit.cell.index,
            node.lineno,
            f"This cell runs {what} at top level, outside any function.",
            "Wrap the logic in a function (then promote it into a module) so it can be tested and reused.",
        )


@check("empty-cell", "structure", "info", "A cell has no content.", scope="cell")
def empty_cell(ctx: Context) -> Iterator[Finding]:
    for cell in ctx.nb.cells:
        if cell.cell_type in ("code", "markdown") and not cell.source.strip():
            yield ctx.finding(
                "empty-cell", "info", cell.index, None, f"This {cell.cell_type} cell is empty.", "Delete it."
            )


#: what a markdown cell of badges holds besides them: images (``![Open In Colab](…)``), the links around them
#: (``[![…](…)](…)``, an empty ``[](…)`` once the image is gone) and HTML tags (``<a href=…><img …/></a>``)
_BADGE_PARTS = (re.compile(r"!\[[^\]]*\]\([^)]*\)"), re.compile(r"\[\s*\]\([^)]*\)"), re.compile(r"<[^>]*>"))
#: an HTML image, the mark of a banner (``<img src="cover.webp" …>``)
_IMAGE_TAG = re.compile(r"<img\b", re.IGNORECASE)
#: a line of credit a notebook opens with (``Copyright 2024 …``, ``**Author:** …``, ``Created by …``, an "Open in
#: Colab" line whose badge is text): who wrote it and under which terms, no content of the page
_CREDIT_LINE = re.compile(
    r"[\s*_>]*(?:copyright\b|©|\(c\)\s|authors?(?:\(s\))?\s*:|(?:written|created|contributed|maintained|adapted)"
    r"\s+by\b|by\s*:|licen[cs]e[d]?\b|spdx-license-identifier|(?:open|run|view)\s+(?:it\s+)?(?:in|on)\s+"
    r"(?:colab|google colab|kaggle|github|binder|sagemaker|vertex ai|nbviewer)\b)",
    re.IGNORECASE,
)
#: a paragraph of licence text (``Licensed under the Apache License …``, ``Unless required by applicable law …
#: distributed under the License``) or its address alone
_LICENCE_TEXT = re.compile(r"\blicen[cs]e|\A\s*<?https?://\S+\s*\Z", re.IGNORECASE)
#: a code cell that is nbdev's or Quarto's set-up (``#|default_exp core``, ``#|hide``, ``#| echo: false``): the
#: page they build takes its title from the first heading, wherever it is
_DIRECTIVE_FIRST = re.compile(r"\A\s*#\s?\|")


def _page_header(cell: Cell) -> bool:
    """A cell before the title that is no content of the page: badges, a set-up cell of nbdev or Quarto, a
    code cell of comments only (the licence header of a vendor's samples: ``# Copyright 2025 Google LLC``), a
    markdown cell of credit (``Copyright …``, ``Author: …``, a licence) or an HTML banner around an image."""
    if cell.cell_type == "code":
        return _DIRECTIVE_FIRST.match(cell.source) is not None or _comments_only(cell.source)
    if cell.cell_type != "markdown" or not cell.source.strip():
        return False
    text = cell.source
    for part in _BADGE_PARTS:
        text = part.sub("", text)
    if _HEADING.search(text) is not None:
        return False
    return not text.strip() or _credit_only(text) or _html_banner(cell.source)


def _html_banner(source: str) -> bool:
    """Whether a markdown cell is a banner: HTML blocks only, around an image (a book's cover with its author and
    repository, a project's logo). Markdown text after the block is content ("…</div>" then what it does)."""
    paragraphs = re.split(r"\n\s*\n", source.strip())
    return _IMAGE_TAG.search(source) is not None and all(p.lstrip().startswith("<") for p in paragraphs)


def _credit_only(text: str) -> bool:
    """Whether a markdown cell holds credit only: each paragraph lines of credit (``Copyright …``, ``Author:
    …``) or licence text. A paragraph of anything else is content ("Author: X" then what the notebook does)."""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in paragraph.splitlines() if line.strip()]
        if not all(_CREDIT_LINE.match(line) for line in lines) and not _LICENCE_TEXT.search(paragraph):
            return False
    return True


def _comments_only(source: str) -> bool:
    """Whether a code cell holds comments and blank lines only: it runs nothing and shows nothing."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in source.splitlines())


@check(
    "missing-title",
    "structure",
    "info",
    "The notebook does not start with a markdown cell with a heading (badges, nbdev or Quarto set-up cells, "
    "credit (copyright, author, licence), an HTML banner around an image and code cells of comments only, such "
    "as a licence header, may come before it).",
)
def missing_title(ctx: Context) -> Iterator[Finding]:
    """The first cell must be a heading; before it may come raw front matter, badges (an "Open in Colab" cell),
    the set-up cells of nbdev and Quarto notebooks, which put the first heading at the top of the page, and
    code cells of comments only (a licence header)."""
    cells = [c for c in ctx.nb.cells if c.cell_type != "raw"]  # raw front matter may come first
    if not cells:
        return
    first = cells[0]
    top = next((c for c in cells if not _page_header(c)), None)
    if top is not None and top.cell_type == "markdown" and _HEADING.search(top.source):
        return
    yield ctx.finding(
        "missing-title",
        "info",
        first.index,
        None,
        "The notebook does not start with a title.",
        "Add a first markdown cell with a `# Title` and a sentence on what the notebook does.",
    )
