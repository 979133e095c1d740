"""The wire contract (jupyter_prod_ext/wire.py): its committed JSON Schema is current, its Literals are the
engine's reasons, and request validation gives one-line errors.

The TypeScript side (src/wire.ts, generated from the schema) is held current by src/__tests__/wire.spec.ts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest

from jupyter_prod_ext import wire
from jupyter_prod_ext.errors import InputError
from jupyter_prod_ext.promote.types import Reason

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "api"


def test_committed_schema_is_current() -> None:
    for name, text in wire.schema_files().items():
        committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/api/{name} is stale: run python -m jupyter_prod_ext.wire --write docs/api"


def test_check_mode_reports_a_stale_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert wire.main(["--write", str(tmp_path)]) == 0
    assert wire.main(["--check", str(tmp_path)]) == 0
    (tmp_path / "wire.json").write_text("{}", encoding="utf-8")
    assert wire.main(["--check", str(tmp_path)]) == 1
    assert "stale" in capsys.readouterr().err


def test_every_route_has_its_shapes() -> None:
    from jupyter_prod_ext.server.routes import ROUTES

    assert {name for name, _ in ROUTES} == set(wire.ROUTES)
    schema = wire.wire_schema()
    for verbs in schema["x-routes"].values():
        for entry in verbs.values():
            assert "response" in entry


def test_refusal_reasons_are_the_engines() -> None:
    assert set(get_args(wire.RefusalReason)) == {r.value for r in Reason}


def test_drift_the_issue_named_is_gone() -> None:
    defs = wire.wire_schema()["$defs"]
    assert defs["CommitResultDict"]["properties"]["branch"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert defs["PublicProgress"]["properties"]["total"]["type"] == "integer"
    details = defs["ErrorBody"]["properties"]["details"]["anyOf"]
    assert {"$ref": "#/$defs/CommitRefusalDetails"} in details


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'path' is missing: it must be a string path relative to the server root."),
        ({"path": 3}, "'path' must be a string path relative to the server root."),
        ({"path": "a.ipynb", "cells": [True]}, "'cells' must be a list of cell indices (integers)."),
        ({"path": "a.ipynb", "cells": [1.5]}, "'cells' must be a list of cell indices (integers)."),
        ({"path": "a.ipynb", "notebook": "text"}, "'notebook' must be the notebook's JSON object."),
    ],
)
def test_validation_is_one_line(body: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as info:
        wire.validate(body, wire.FormatRequest)
    assert info.value.message == message


def test_validation_accepts_what_the_frontend_sends() -> None:
    wire.validate({"path": "a.ipynb", "cells": [0, 2], "extra": True}, wire.FormatRequest)
    wire.validate({"path": "a.ipynb", "checks": "all", "select": ["secret"]}, wire.CheckRequest)
    wire.validate({"path": "a.ipynb", "checks": ["secret"]}, wire.CheckRequest)
    wire.validate({"path": "a", "to": "m.py", "cells": [0, "id-1"], "unmoved": {"x": "move"}}, wire.PromoteRequest)
    wire.validate({"path": "a", "timeout": 3, "cell_timeout": None}, wire.RunRequest)
    with pytest.raises(InputError, match="'timeout' must be a number of seconds"):
        wire.validate({"path": "a", "timeout": True}, wire.RunRequest)
    with pytest.raises(InputError, match="'checks' must be"):
        wire.validate({"path": "a", "checks": "slow"}, wire.CheckRequest)
    with pytest.raises(InputError, match="'unmoved' must be a map of names"):
        wire.validate({"path": "a", "to": "m.py", "unmoved": {"x": "drop"}}, wire.PromoteRequest)


def test_schema_is_json_schema() -> None:
    import jsonschema  # jupyter_server's own dependency (jupyter_events)

    schema = json.loads((SCHEMA_DIR / "wire.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_families_are_the_registrys() -> None:
    from jupyter_prod_ext.checks.registry import CHECKS, FAMILIES

    assert get_args(wire.Family) == FAMILIES
    assert {spec.family for spec in CHECKS.values()} <= set(FAMILIES)


def test_commit_gate_is_one_rule() -> None:
    """The rule the gate applies and the ``commit_gate`` every finding carries are the same function."""
    from jupyter_prod_ext.checks.registry import commit_gate

    assert commit_gate("secret", "warning") == "always"
    assert commit_gate("secret", "error") == "always"
    assert commit_gate("undefined-name", "error") == "unless-allowed"
    assert commit_gate("long-cell", "warning") is None
    assert set(get_args(wire.CommitGate)) == {"always", "unless-allowed"}


def test_answers_off_contract_fail() -> None:
    from .wire_answers import check_answer

    check_answer("version", "GET", 200, b'{"version": "1.0", "api": 1}')
    with pytest.raises(AssertionError, match="off-contract"):
        check_answer("version", "GET", 200, b'{"version": "1.0", "api": 1, "extra": 2}')
    with pytest.raises(AssertionError, match="off-contract"):
        check_answer("run", "GET", 200, b'{"state": "running", "cell": null, "total": null, "cells_run": 0}')
    with pytest.raises(AssertionError, match="off-contract"):
        check_answer("check", "POST", 400, b'{"error": "e", "kind": "nope", "details": null}')


async def test_every_answer_in_the_suite_is_checked(jp_fetch: Any) -> None:
    """conftest's jp_fetch is the checking one: handler tests check their answers without asking."""
    response = await jp_fetch("jupyter-prod", "version")
    assert json.loads(response.body)["api"] == 1
    assert jp_fetch.__qualname__.startswith("checked_fetch")


def test_cli_json_is_on_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--format json`` of check, checks, status and commit prints what docs/api/wire.json's x-cli says."""
    import subprocess

    from jupyter_prod_ext.cli.main import main

    from .nbutil import make_nb, write_nb
    from .wire_answers import check_cli_output

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in (("user.name", "T"), ("user.email", "t@example.com"), ("init.defaultBranch", "main")):
        subprocess.run(["git", "config", "--global", key, value], check=True, timeout=30)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    nb = write_nb(tmp_path / "nb.ipynb", make_nb(("import os\nprint(nowhere)", 1), markdown_title="N"))
    runs = {
        "check": ["check", "--fast", "--format", "json", str(nb)],
        "checks": ["checks", "--format", "json"],
        "status": ["status", "--format", "json", str(nb)],
        "commit": ["commit", "--format", "json", "--allow-findings", "-m", "first", str(nb)],
    }
    for command, argv in runs.items():
        rc = main(argv)
        out, err = capsys.readouterr()
        assert rc in (0, 1), (command, err)
        check_cli_output(command, out)
    with pytest.raises(AssertionError, match="off-contract"):
        check_cli_output("checks", '[{"id": "x"}]')
