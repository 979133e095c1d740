"""Hostile notebooks and arguments through the ``jupyter-prod`` CLI.

The contract: exit 0 or 1 with a report, or exit 2 and one ``jupyter-prod: ...``
line on stderr; never a traceback. The bulk runs ``cli.main.main`` in process
(same code path, no interpreter start-up per case); a few cases run the real
console script in a subprocess to prove the exit status and stderr end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_prod_ext.cli.main import SUBCOMMANDS, main

from .hostile import (
    BAD_MODULE_TARGETS,
    assert_cli_error,
    count_case,
    named_hostile_notebooks,
    nb_dict,
    notebook_texts,
)

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def _run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _assert_cli_contract(code: int, out: str, err: str) -> None:
    assert "Traceback (most recent call last)" not in err + out, err[-3000:]
    assert code in (0, 1, 2), (code, err[-2000:])
    if code == 2:
        line = assert_cli_error(code, err)
        assert line.startswith(("jupyter-prod:", "jupyter-prod: error:", "usage:")), line


@settings(FUZZ, max_examples=120)
@given(raw=notebook_texts())
def test_fuzz_check_command(raw: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    count_case("cli-check")
    path = tmp_path / "fuzz.ipynb"
    path.write_bytes(raw)
    code, out, err = _run_main(["check", str(path), "--format", "json", "--fast"], capsys)
    _assert_cli_contract(code, out, err)
    data = json.loads(out)
    assert len(data["notebooks"]) + len(data["errors"]) == 1
    if code == 2:
        assert len([ln for ln in err.split("\n") if ln.strip()]) == 1, err


TOKENS = st.sampled_from(
    ["--format", "json", "text", "sarif", "github", "--fail-on", "never", "warning", "--select", "--ignore",
     "secret", "--fast", "--timeout", "-1", "0", "1e309", "nan", "--cell-timeout", "--normalize", "nope",
     "nb.ipynb", "missing.ipynb", "r.ipynb", ".", "..", "/etc/passwd", "\x00", "--", "-m", "-h"]
) | st.text(max_size=8)


@settings(FUZZ, max_examples=80)
@given(command=st.sampled_from(["check", "status", "checks", "bogus"]), args=st.lists(TOKENS, max_size=5))
def test_fuzz_argv(command: str, args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Random arguments to the read-only commands (run and commit would start kernels or write)."""
    count_case("cli-argv")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb_dict("x = 1")), "utf-8")
    (tmp_path / "r.ipynb").write_text(json.dumps(nb_dict("x <- 1", language="R")), "utf-8")
    if "-h" in args:
        args = [a for a in args if a != "-h"]
    try:
        code, out, err = _run_main([command, *args], capsys)
    except ValueError as exc:
        # os.fspath of an argument with a NUL byte: that is a bug (reported below), not a pass
        pytest.fail(f"ValueError escaped the CLI for {[command, *args]!r}: {exc}")
    _assert_cli_contract(code, out, err)


NAMES = ["truncated", "not-utf8", "json-list", "r-kernel", "julia-kernel", "deep-0", "deep-3", "nbformat-2",
         "nbformat-3-broken", "nul-in-source", "dup-ids"]


#: run starts a kernel for every notebook it accepts: four cover it (three refused, one that runs)
RUN_NAMES = ("truncated", "r-kernel", "deep-0", "not-utf8")
CLI_CASES = [
    (c, n) for c in ("check", "commit", "status", "promote", "run") for n in NAMES if c != "run" or n in RUN_NAMES
]


@pytest.mark.parametrize("command,name", CLI_CASES)
def test_named_hostile_files_per_command(
    name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if command not in SUBCOMMANDS:
        pytest.skip(f"no {command} command yet")
    count_case("cli-named")
    monkeypatch.chdir(tmp_path)
    raw = dict(named_hostile_notebooks())[name]
    path = tmp_path / "h.ipynb"
    path.write_bytes(raw)
    argv = {
        "check": ["check", str(path)],
        "commit": ["commit", str(path), "-m", "hostile"],
        "status": ["status", str(path)],
        "promote": ["promote", str(path), "--cells", "0", "--to", "src/pkg/h.py", "--dry-run"],
        "run": ["run", str(path), "--timeout", "60", "--cell-timeout", "20"],
    }[command]
    code, out, err = _run_main(argv, capsys)
    _assert_cli_contract(code, out, err)
    if name in ("r-kernel", "julia-kernel") and command == "check":
        assert code == 2 and "not a Python notebook" in err
    if name in ("truncated", "not-utf8", "json-list") and command in ("check", "commit", "promote"):
        assert code == 2, (code, err)


@pytest.mark.parametrize("target", BAD_MODULE_TARGETS)
def test_promote_refuses_bad_module_targets(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if "promote" not in SUBCOMMANDS:
        pytest.skip("no promote command yet")
    count_case("cli-bad-target")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb_dict("def f(x: int) -> int:\n    return x")), "utf-8")
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    code, out, err = _run_main(["promote", "nb.ipynb", "--cells", "0", "--to", target], capsys)
    _assert_cli_contract(code, out, err)
    assert code == 2, (code, out, err)
    assert len([ln for ln in err.split("\n") if ln.strip()]) == 1, err
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert not (tmp_path / "src").exists() or not any((tmp_path / "src").rglob("*.py"))


def test_missing_file_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in (["check", "nope.ipynb"], ["commit", "nope.ipynb", "-m", "x"], ["status", "nope.ipynb"]):
        count_case("cli-named")
        code, out, err = _run_main(argv, capsys)
        _assert_cli_contract(code, out, err)
        assert code == 2, (argv, code, out, err)


@pytest.mark.parametrize(
    "argv,expect",
    [
        (["check", "{dir}/r.ipynb"], "not a Python notebook"),
        (["check", "{dir}/broken.ipynb"], "not valid JSON"),
        (["commit", "{dir}/broken.ipynb", "-m", "x"], "not valid JSON"),
        (["run", "{dir}/broken.ipynb"], "not valid JSON"),
    ],
)
def test_console_script_end_to_end(argv: list[str], expect: str, tmp_path: Path) -> None:
    """The real entry point in a subprocess: exit 2, one stderr line, no traceback."""
    count_case("cli-subprocess")
    (tmp_path / "r.ipynb").write_text(json.dumps(nb_dict("x <- 1", language="R")), "utf-8")
    (tmp_path / "broken.ipynb").write_text('{"nbformat": 4, "cells": [', "utf-8")
    args = [a.replace("{dir}", str(tmp_path)) for a in argv]
    res = subprocess.run([sys.executable, "-m", "jupyter_prod_ext", *args], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    line = assert_cli_error(res.returncode, res.stderr)
    assert expect in line, res.stderr
    assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1, res.stderr
    assert "Traceback (most recent call last)" not in res.stdout



@pytest.mark.parametrize(
    "locale_env",
    [
        {"LANG": "C"},  # a fresh container's locale: Python's UTF-8 mode, readable non-ASCII
        {"LC_ALL": "C", "PYTHONUTF8": "0"},  # an ASCII stdout (like a Latin-1 locale without UTF-8 mode)
    ],
    ids=["lang-c", "ascii-stdout"],
)
def test_console_script_non_ascii_under_c_locale(locale_env: dict[str, str], tmp_path: Path) -> None:
    """A notebook with non-ASCII names and text under the C locale: the report, never a traceback.

    An ASCII stdout used to end every `check` and `run` on a UnicodeEncodeError at the report's
    first dash; what it cannot show is now printed as a backslash escape.
    """
    count_case("cli-subprocess")
    (tmp_path / "café.ipynb").write_text(json.dumps(nb_dict("naïve = 'wörld ✓'\nprint(naïve, ünbound)")), "utf-8")
    keep = ("PATH", "HOME", "SYSTEMROOT", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k in keep} | locale_env
    res = subprocess.run([sys.executable, "-m", "jupyter_prod_ext", "check", "café.ipynb", "--fast"],
                         capture_output=True, text=True, encoding="utf-8", errors="strict", timeout=120,
                         cwd=tmp_path, env=env)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr + res.stdout, res.stderr
    expected = "'ünbound' is not defined" if "PYTHONUTF8" not in locale_env else "'\\xfcnbound' is not defined"
    assert expected in res.stdout, res.stdout
