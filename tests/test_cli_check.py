"""``jupyter-prod check`` / ``jupyter-prod checks``: formats, exit codes, selection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jupyter_prod_ext.checks import CHECKS
from jupyter_prod_ext.cli.main import main

from .nbutil import make_nb, write_nb

REPO = Path(__file__).resolve().parent.parent


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def nbs(tmp_path: Path) -> dict[str, Path]:
    return {
        "clean": write_nb(tmp_path / "clean.ipynb", make_nb(("x = 1", 1), ("print(x)", 2), markdown_title="Clean")),
        "warn": write_nb(tmp_path / "warn.ipynb", make_nb(("import os", 1), markdown_title="Warn")),
        "error": write_nb(
            tmp_path / "sub" / "error.ipynb", make_nb(("print(nowhere)", 1), ("y = 2", 2), markdown_title="Err")
        ),
    }


def test_json_and_exit_codes(capsys: pytest.CaptureFixture[str], nbs: dict[str, Path]) -> None:
    rc, out, _ = cli(capsys, "check", "--fast", "--format", "json", str(nbs["clean"]))
    data = json.loads(out)
    assert rc == 0 and data["version"] == 1 and data["errors"] == []
    assert data["notebooks"][0]["score"] == 100 or data["notebooks"][0]["summary"]["errors"] == 0
    rc, _, _ = cli(capsys, "check", "--fast", "--format", "json", str(nbs["warn"]))
    assert rc == 0  # warnings do not fail by default
    rc, _, _ = cli(capsys, "check", "--fast", "--fail-on", "warning", str(nbs["warn"]))
    assert rc == 1
    rc, _, _ = cli(capsys, "check", "--fast", str(nbs["error"]))
    assert rc == 1
    rc, _, _ = cli(capsys, "check", "--fast", "--fail-on", "never", str(nbs["error"]))
    assert rc == 0


def test_folder_select_ignore(capsys: pytest.CaptureFixture[str], nbs: dict[str, Path], tmp_path: Path) -> None:
    rc, out, _ = cli(capsys, "check", "--fast", "--format", "json", "--select", "dataflow", str(tmp_path))
    data = json.loads(out)
    assert len(data["notebooks"]) == 3 and rc == 1
    for r in data["notebooks"]:
        assert {CHECKS[c].family for c in r["summary"]["checks_run"]} == {"dataflow"}
    rc, out, _ = cli(capsys, "check", "--fast", "--format", "json", "--ignore", "undefined-name,hygiene", str(tmp_path))
    data = json.loads(out)
    run = set(data["notebooks"][0]["summary"]["checks_run"])
    assert "undefined-name" not in run and "outputs-present" not in run and "unused-import" in run
    assert rc == 0


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--select", "unused-imports", "'unused-imports' is no check id or family (did you mean 'unused-import'?"),
        ("--ignore", "secret,securty", "'securty' is no check id or family (did you mean 'security'?"),
        ("--select", "zzz", "'zzz' is no check id or family (`jupyter-prod checks` lists them)"),
    ],
)
def test_a_mistyped_check_id_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], nbs: dict[str, Path], option: str, value: str, said: str
) -> None:
    """A typo selected nothing: every notebook scored 100 and a CI gate passed on what it should stop."""
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--fast", option, value, str(nbs["error"])])
    _, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert f"jupyter-prod: error: argument {option}: {said}" in err


def test_fast_versus_all(capsys: pytest.CaptureFixture[str], nbs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                         tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _, out, _ = cli(capsys, "check", "--fast", "--format", "json", str(nbs["clean"]))
    assert not any(CHECKS[c].slow for c in json.loads(out)["notebooks"][0]["summary"]["checks_run"])
    _, out, _ = cli(capsys, "check", "--format", "json", str(nbs["clean"]))
    assert set(json.loads(out)["notebooks"][0]["summary"]["checks_run"]) == set(CHECKS)


def test_unreadable_file_exit_2_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    rc, out, err = cli(capsys, "check", "--fast", "--format", "json", str(bad))
    assert rc == 2 and json.loads(out)["errors"][0]["path"] == str(bad)
    assert err.count("\n") == 1 and "bad.ipynb" in err and "Traceback" not in err


def test_github_annotations(capsys: pytest.CaptureFixture[str], nbs: dict[str, Path]) -> None:
    rc, out, _ = cli(capsys, "check", "--fast", "--format", "github", "--select", "undefined-name", str(nbs["error"]))
    assert rc == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("::error file=") and ",line=1,title=undefined-name::" in line
    assert "cell 2, line 1: 'nowhere' is not defined" in line
    assert "\n" not in line.split("::", 2)[2]


SARIF_MINIMAL_SCHEMA: dict[str, Any] = {
    # The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that code-scanning uploads require.
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {
                                                    "type": "object",
                                                    "required": ["text"],
                                                    "properties": {"text": {"type": "string"}},
                                                },
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {"enum": ["none", "note", "warning", "error"]}
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {
                                    "type": "object",
                                    "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
                                    "properties": {"text": {"type": "string"}},
                                },
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "properties": {"uri": {"type": "string", "minLength": 1}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {"startLine": {"type": "integer", "minimum": 1}},
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                                "properties": {"type": "object"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_sarif_validates(capsys: pytest.CaptureFixture[str], nbs: dict[str, Path], tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    rc, out, _ = cli(capsys, "check", "--fast", "--format", "sarif", ".")
    assert rc == 1
    doc = json.loads(out)
    jsonschema.validate(doc, SARIF_MINIMAL_SCHEMA)
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "jupyter-prod"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules))
    undefined = [r for r in run["results"] if r["ruleId"] == "undefined-name"]
    assert len(undefined) == 1
    res = undefined[0]
    assert res["level"] == "error" and rules[res["ruleIndex"]] == "undefined-name"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/error.ipynb"
    assert res["properties"] == {"cell": 1, "cell_id": res["properties"]["cell_id"], "line": 1}
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}


def test_sarif_uri_of_a_name_with_spaces(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    write_nb(tmp_path / "my nb.ipynb", make_nb("print(nowhere)"))
    monkeypatch.chdir(tmp_path)
    _, out, _ = cli(capsys, "check", "--fast", "--format", "sarif", "--select", "undefined-name", "my nb.ipynb")
    doc = json.loads(out)
    jsonschema.validate(doc, SARIF_MINIMAL_SCHEMA)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20nb.ipynb"


def test_checks_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = cli(capsys, "checks")
    assert rc == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(CHECKS)
    assert any(ln.split()[:4] == ["type-error", "quality", "warning", "slow"] for ln in lines)
    rc, out, _ = cli(capsys, "checks", "--format", "json")
    rows = json.loads(out)
    assert {r["id"] for r in rows} == set(CHECKS)
    assert all(set(r) == {"id", "family", "severity", "speed", "description"} for r in rows)


def test_module_entry_point_and_precommit_hook(nbs: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_prod_ext", "check", "--fast", "--format", "json", str(nbs["clean"])],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["notebooks"][0]["path"] == str(nbs["clean"])
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "jupyter-prod-check")
    assert hook["entry"] == "jupyter-prod check" and hook["language"] == "python"
    assert hook["files"] == r"\.ipynb$" and hook["args"] == ["--fast"]


def _r_notebook() -> dict[str, Any]:
    data = make_nb(("x <- c(1, 2)", 1))
    data["metadata"] = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}, "language_info": {"name": "R"}}
    return data


def test_non_python_notebook_in_a_folder_is_skipped_with_a_note(
    capsys: pytest.CaptureFixture[str], nbs: dict[str, Path], tmp_path: Path
) -> None:
    r_nb = write_nb(tmp_path / "analysis_r.ipynb", _r_notebook())
    rc, out, err = cli(capsys, "check", "--fast", "--format", "json", "--fail-on", "never", str(tmp_path))
    report = json.loads(out)
    assert rc == 0 and report["errors"] == []
    assert str(r_nb) not in [r["path"] for r in report["notebooks"]] and len(report["notebooks"]) == 3
    assert err == f"jupyter-prod: skipped {r_nb}: not a Python notebook (its language is 'r'); jupyter-prod checks Python notebooks only.\n"
    # named explicitly, it is still an error (exit 2)
    rc, out, err = cli(capsys, "check", "--fast", "--format", "json", str(r_nb))
    assert rc == 2 and json.loads(out)["errors"][0]["path"] == str(r_nb) and "not a Python notebook" in err


def test_cells_of_another_language_are_not_python(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = make_nb(("import pandas as pd", 1), ("SELECT *\nFROM sales\nWHERE id = 1", 2), ("const x = 1;", 3))
    data["cells"][1]["metadata"]["vscode"] = {"languageId": "sql"}
    data["cells"][2]["metadata"]["vscode"] = {"languageId": "javascript"}
    path = write_nb(tmp_path / "mixed.ipynb", data)
    rc, out, _ = cli(capsys, "check", "--fast", "--format", "json", str(path))
    found = json.loads(out)["notebooks"][0]["findings"]
    assert [f for f in found if f["check"] == "invalid-syntax"] == []
    assert not any(f["severity"] == "error" for f in found), found
    assert rc == 0


def test_cached_report_follows_a_dependency_file_above_the_notebook(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside a repository the CLI reads requirements.txt from above the notebook's folder (up to the
    current one), which the project fingerprint does not cover: declaring the dependency there must not
    answer the old report."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    nb = write_nb(tmp_path / "proj" / "sub" / "nb.ipynb", make_nb(("import numpy\nimport pandas", 1)))
    requirements = tmp_path / "proj" / "requirements.txt"
    requirements.write_text("numpy\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "proj")
    argv = ("check", "--select", "missing-dependency", "--format", "json", str(nb))

    def messages() -> list[str]:
        _, out, _ = cli(capsys, *argv)
        return [f["message"] for f in json.loads(out)["notebooks"][0]["findings"]]

    assert messages() == ["'pandas' is imported but 'pandas' is not declared in ../requirements.txt."]
    assert messages() == ["'pandas' is imported but 'pandas' is not declared in ../requirements.txt."]  # cached
    requirements.write_text("numpy\npandas\n", encoding="utf-8")
    assert messages() == []


def dependency_messages(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, list[str]]:
    """missing-dependency's messages for each notebook ``check`` reports, by the name it shows."""
    _, out, _ = cli(capsys, "check", "--select", "missing-dependency", "--format", "json", *argv)
    return {n["path"]: [f["message"] for f in n["findings"]] for n in json.loads(out)["notebooks"]}


def test_outside_git_dependency_files_are_looked_for_no_higher_than_the_current_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A requirements.txt above the folder the CLI runs in is not the notebook's project: it was read
    however far up it was (up to ``/``). The same notebook checked from that folder reads it, and the
    cache tells the two runs apart."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "requirements.txt").write_text("numpy\n", encoding="utf-8")
    nb = write_nb(tmp_path / "work" / "nb.ipynb", make_nb(("import numpy", 1)))
    argv = ("--cache-dir", str(tmp_path / "cache"), str(nb))
    monkeypatch.chdir(tmp_path / "work")
    none = dependency_messages(capsys, *argv)[str(nb)]
    assert len(none) == 1 and none[0].startswith("The project declares no dependencies"), none
    monkeypatch.chdir(tmp_path)
    assert dependency_messages(capsys, *argv) == {str(nb): []}
    monkeypatch.chdir(tmp_path / "work")
    assert dependency_messages(capsys, *argv) == {str(nb): none}


def test_outside_git_a_folder_named_or_the_home_folder_bounds_the_search(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cd project/notebooks && jupyter-prod check ..`` reads ``project/requirements.txt`` (the folder
    named holds the notebook and is higher than the current one); a notebook outside both is bounded by
    the home folder, and one outside that too by its own folder. Nothing above any of them is read."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "requirements.txt").write_text("pandas\n", encoding="utf-8")  # above everything: never read
    project = tmp_path / "home" / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "requirements.txt").write_text("numpy\n", encoding="utf-8")
    code = make_nb(("import numpy\nimport pandas", 1))
    write_nb(project / "notebooks" / "nb.ipynb", code)
    monkeypatch.chdir(project / "notebooks")
    pandas = ["'pandas' is imported but 'pandas' is not declared in ../requirements.txt."]
    assert dependency_messages(capsys, "--no-cache", "..") == {str(Path("..") / "notebooks" / "nb.ipynb"): pandas}
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    named = str(project / "notebooks" / "nb.ipynb")
    assert dependency_messages(capsys, "--no-cache", named) == {named: pandas}  # home bounds it
    outside = write_nb(tmp_path / "outside" / "deep" / "nb.ipynb", code)
    (tmp_path / "outside" / "requirements.txt").write_text("numpy\npandas\n", encoding="utf-8")
    none = dependency_messages(capsys, "--no-cache", str(outside))[str(outside)]
    assert len(none) == 1 and none[0].startswith("The project declares no dependencies"), none


def test_check_reads_no_configuration_above_the_folder_the_user_works_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check`` looked for ``[tool.jupyter-prod]`` up to ``/``: a ``pyproject.toml`` above the folder the
    user works in (outside git) hid its checks. It stops where ``run`` and the dependency files stop."""
    (tmp_path / "pyproject.toml").write_text('[tool.jupyter-prod]\nignore = ["undefined-name"]\n', "utf-8")
    work = tmp_path / "work"
    nb = write_nb(work / "nb.ipynb", make_nb(("print(nowhere)", 1), markdown_title="Work"))
    monkeypatch.chdir(work)
    rc, out, _ = cli(capsys, "check", "--fast", "--no-cache", "--format", "json", nb.name)
    assert rc == 1 and [f["check"] for f in json.loads(out)["notebooks"][0]["findings"]].count("undefined-name") == 1
    (work / "pyproject.toml").write_text('[tool.jupyter-prod]\nignore = ["undefined-name"]\n', "utf-8")
    rc, out, _ = cli(capsys, "check", "--fast", "--no-cache", "--format", "json", nb.name)
    assert "undefined-name" not in [f["check"] for f in json.loads(out)["notebooks"][0]["findings"]]
