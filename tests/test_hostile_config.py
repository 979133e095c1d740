"""No code from a project file without the operator's consent (issue 14), against real servers and real mypy.

A repository's ``pyproject.toml`` names a mypy plugin and a ``python_executable``
that each write a marker file when run. Checking a notebook through the server
must never create a marker: the server builds mypy's configuration from the
project's checking options only. ``c.JupyterProd.trust_project_config = True``
restores the project's configuration whole (the marker appears: the test can fail).
The CLI keeps the whole configuration but writes no mypy report anywhere.
A read-only user gets the fast checks only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .hostile import nb_dict
from .live_server import live_server, server_env

REPO = Path(__file__).resolve().parent.parent

EVIL_PLUGIN = """\
from pathlib import Path
Path(__file__).with_name("PLUGIN_RAN").write_text("the project's plugin ran in the checker")
from mypy.plugin import Plugin
def plugin(version: str) -> type[Plugin]:
    return Plugin
"""
FAKE_PYTHON = "#!/bin/sh\ntouch \"$(dirname \"$0\")/PYTHON_RAN\"\nexec python3 \"$@\"\n"


def _evil_project(root: Path) -> Path:
    project = root / "proj"
    project.mkdir(parents=True)
    (project / "evil_plugin.py").write_text(EVIL_PLUGIN, encoding="utf-8")
    fake = project / "fakepy.sh"
    fake.write_text(FAKE_PYTHON, encoding="utf-8")
    fake.chmod(0o755)
    (project / "pyproject.toml").write_text(
        "[tool.mypy]\n"
        'plugins = ["evil_plugin.py"]\n'
        'python_executable = "./fakepy.sh"\n'
        'junit_xml = "../outside-report.xml"\n'
        "disallow_untyped_defs = true\n"
        "[[tool.mypy.overrides]]\n"
        'module = "notthere.*"\n'
        "ignore_missing_imports = true\n",
        encoding="utf-8",
    )
    nb = nb_dict("import notthere.sub\n\ndef f(x):\n    return x\n\ny: int = 'a'")
    (project / "nb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return project


def _type_findings(body: dict[str, object]) -> list[str]:
    findings = body["findings"]
    assert isinstance(findings, list)
    return [f["message"] for f in findings if f["check"] == "type-error"]


def _markers(project: Path) -> list[str]:
    return sorted(p.name for p in project.parent.rglob("*") if p.name in ("PLUGIN_RAN", "PYTHON_RAN"))


def test_a_project_file_runs_no_code_in_the_server_unless_trusted(tmp_path: Path) -> None:
    root = tmp_path / "root"
    project = _evil_project(root)
    args = ("--JupyterProd.typecheck_backend=mypy",)
    with live_server(root, tmp_path / "home", *args) as server:
        status, body, _ = server.post("check", {"path": "proj/nb.ipynb", "checks": "all"}, timeout=180)
        assert status == 200, body
        messages = _type_findings(body)
        # the checking options were taken: strictness, and the per-module override of the import
        assert any("missing a type annotation" in m for m in messages), messages
        assert any("Incompatible types in assignment" in m for m in messages), messages
        assert not any("notthere" in m for m in messages), messages
        assert _markers(project) == []
        assert not (root / "outside-report.xml").exists() and not (tmp_path / "outside-report.xml").exists()
    with live_server(root, tmp_path / "home2", *args, "--JupyterProd.trust_project_config=True") as server:
        status, body, _ = server.post("check", {"path": "proj/nb.ipynb", "checks": "all"}, timeout=180)
        assert status == 200, body
        assert _markers(project) == ["PLUGIN_RAN", "PYTHON_RAN"]  # the operator's consent: the plugin is the project's again
        assert not (root / "outside-report.xml").exists()


def test_the_cli_keeps_the_project_config_but_writes_no_report(tmp_path: Path) -> None:
    project = _evil_project(tmp_path / "work")
    env = server_env(tmp_path / "home")
    res = subprocess.run(
        [sys.executable, "-m", "jupyter_prod_ext", "check", "nb.ipynb", "--no-cache", "--jobs", "1", "--format", "json"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode in (0, 1), res.stderr
    report = json.loads(res.stdout)["notebooks"][0]
    assert any("missing a type annotation" in m for m in _type_findings(report))
    assert "PLUGIN_RAN" in _markers(project)  # the user's own project: its plugin is theirs to run
    assert not (tmp_path / "work" / "outside-report.xml").exists()
    assert not any(p.name.endswith(".xml") for p in (tmp_path / "work").rglob("*"))


def test_read_only_users_get_the_fast_checks_only(tmp_path: Path) -> None:
    root = tmp_path / "root"
    project = _evil_project(root)
    marker = tmp_path / "MYPY_RAN"
    fake_mypy = tmp_path / "fake-mypy.sh"
    fake_mypy.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 0\n", encoding="utf-8")
    fake_mypy.chmod(0o755)
    args = (
        "--ServerApp.authorizer_class=tests.test_security_auth.ReadOnlyAuthorizer",
        "--JupyterProd.typecheck_backend=mypy",
        f"--JupyterProd.mypy_command={fake_mypy}",
    )
    with live_server(root, tmp_path / "home", *args) as server:
        for checks in ("all", ["type-error", "not-black-formatted", "secret"]):
            status, body, _ = server.post("check", {"path": "proj/nb.ipynb", "checks": checks}, timeout=60)
            assert status == 200, body
            assert not {"type-error", "not-black-formatted", "not-in-git"} & set(body["summary"]["checks_run"])
        status, body, _ = server.post("promote", {"path": "proj/nb.ipynb", "cells": [0], "to": "m.py", "dry_run": True})
        assert status == 403, body
    assert not marker.exists()
    assert _markers(project) == []
    assert os.path.exists(project / "nb.ipynb")
