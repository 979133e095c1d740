"""Static guarantees: nothing user-supplied can reach a shell, and every subprocess has a timeout.

A source scan (AST, not grep, so comments and strings do not count) of the
whole package: no ``shell=True``, no ``os.system``/``os.popen``/``os.exec*``
with a string, no ``subprocess.getoutput``, no ``asyncio.create_subprocess_shell``,
no ``eval``/``exec`` of anything but a constant.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .installed import PACKAGE_DIR

PACKAGE = PACKAGE_DIR
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts)

FORBIDDEN_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("os", "spawnl"),
    ("os", "spawnlp"),
    ("os", "execl"),
    ("os", "execlp"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"),
    ("pty", "spawn"),
    ("commands", "getoutput"),
}
SUBPROCESS_FUNCS = {"run", "Popen", "call", "check_call", "check_output"}


def _dotted(node: ast.AST) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
        for kw in node.keywords:
            if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                out.append(f"{where}: shell={ast.unparse(kw.value)}")
        if name[-2:] in FORBIDDEN_CALLS or (len(name) == 1 and name[0] in {"system", "popen"}):
            out.append(f"{where}: {'.'.join(name)}()")
        if name and name[-1] in ("eval", "exec") and len(name) == 1:
            if not (node.args and isinstance(node.args[0], ast.Constant)):
                out.append(f"{where}: {name[0]}() of a non-constant")
        if name and name[-1] in SUBPROCESS_FUNCS and (len(name) == 1 or name[-2] == "subprocess"):
            if node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)):
                out.append(f"{where}: subprocess.{name[-1]} with a string command (use an argv list)")
    return out


def test_package_sources_found() -> None:
    assert len(SOURCES) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_shell_anywhere(path: Path) -> None:
    assert _problems(path) == []


def test_every_blocking_subprocess_call_has_a_timeout() -> None:
    """``run``/``check_output``/``call`` without ``timeout=`` can hang a request forever (CONTRIBUTING)."""
    missing = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                if len(name) == 2 and name[0] == "subprocess" and name[1] in {"run", "call", "check_call",
                                                                              "check_output"}:
                    if not any(kw.arg == "timeout" for kw in node.keywords):
                        missing.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert missing == []


def test_the_scanner_catches_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os, subprocess\n"
        "os.system('ls ' + x)\n"
        "subprocess.run(cmd, shell=True)\n"
        "subprocess.Popen('ls -l')\n"
        "eval(user)\n",
        encoding="utf-8",
    )
    global PACKAGE
    saved = PACKAGE
    PACKAGE = tmp_path
    try:
        problems = _problems(bad)
    finally:
        PACKAGE = saved
    assert len(problems) == 4, problems


def test_zz_case_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """The figures of the robustness run (generated cases, traversal cases, faults) for this session.

    Runs last among the robustness/security files (alphabetical order); with a subset of the files
    selected it reports that subset.
    """
    from .hostile import counts_line

    with capsys.disabled():
        print("\n" + counts_line())
