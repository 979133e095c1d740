"""No function of the package is over MAX_LINES lines unless its docstring says why.

Issue 16 and CONTRIBUTING ask for short functions named for their step: a long
function hides its steps. A function longer than :data:`MAX_LINES` (from its
``def`` line to its last line) passes only with a reason in its docstring, on a
line that starts with ``Long:``. :data:`OWNED_ELSEWHERE` names packages left out
while their long functions are rewritten in a change of their own (none now).
"""

from __future__ import annotations

import ast
from pathlib import Path

from .installed import PACKAGE_DIR

MAX_LINES = 80
#: sub-packages whose refactor into short steps is another change's (issue 16); not checked yet
OWNED_ELSEWHERE: tuple[str, ...] = ()
NOT_CODE = ("labextension",)


def long_functions(source: str, limit: int = MAX_LINES) -> list[tuple[str, int, int]]:
    """``(qualified name, first line, length)`` of each function over ``limit`` lines without a ``Long:`` reason."""
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > limit and not _has_reason(child):
                    found.append((name, child.lineno, length))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(ast.parse(source), "")
    return found


def _has_reason(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    doc = ast.get_docstring(fn) or ""
    return any(line.strip().startswith("Long:") and len(line.strip()) > len("Long:") + 10 for line in doc.splitlines())


def _checked_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR).parts
        if parts[0] in OWNED_ELSEWHERE or parts[0] in NOT_CODE:
            continue
        files.append(path)
    return files


def test_no_long_function_without_a_reason() -> None:
    files = _checked_files()
    assert len(files) > 50, f"the package was not found at {PACKAGE_DIR}"
    offenders = [
        f"{path.relative_to(PACKAGE_DIR).as_posix()}:{line} {name} ({length} lines)"
        for path in files
        for name, line, length in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, (
        f"functions over {MAX_LINES} lines: split them into named steps, or give the reason in the docstring "
        "on a line 'Long: ...':\n" + "\n".join(offenders)
    )


def test_the_rule_sees_a_long_function_and_accepts_a_reason() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES))
    long_one = f"def f():\n{body}\n"
    reasoned = f'def g():\n    """Build the table.\n\n    Long: one literal table, read top to bottom.\n    """\n{body}'
    method = f"class C:\n    async def h(self):\n    {body.replace(chr(10) + '    ', chr(10) + '        ')}"
    assert long_functions(long_one) == [("f", 1, MAX_LINES + 1)]
    assert long_functions(reasoned) == []
    assert [name for name, _, _ in long_functions(method)] == ["C.h"]
    assert long_functions("def short():\n    return 1\n") == []
