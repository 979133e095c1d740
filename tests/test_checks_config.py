"""Configuration ([tool.jupyter-prod]), selection, severity overrides, waivers and the score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.checks import CHECKS
from jupyter_prod_ext.checks.api import check_notebook, check_path
from jupyter_prod_ext.checks.score import round_half_up, score
from jupyter_prod_ext.errors import ConfigError, InputError
from jupyter_prod_ext.notebook import notebook_from_dict

from .nbutil import make_nb, write_nb

LONG = "\n".join(f"v{i} = {i}" for i in range(12))


def test_pyproject_ignore_severity_and_threshold(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "nb.ipynb", make_nb("import os", LONG))
    base = check_path(nb, checks="fast")
    assert {"unused-import"} <= {f["check"] for f in base["findings"]}
    assert "cell-too-long" not in {f["check"] for f in base["findings"]}  # 12 lines < 60
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jupyter-prod]\nmax-cell-lines = 10\nseverity = {"unused-import" = "error"}\n'
    )
    report = check_path(nb, checks="fast")
    by = {f["check"]: f for f in report["findings"]}
    assert by["cell-too-long"]["message"].startswith("The cell has 12 lines (the limit is 10)")
    assert by["unused-import"]["severity"] == "error"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jupyter-prod]\nignore = ["cell-too-long"]\nmax-cell-lines = 10\nseverity = {"unused-import" = "error"}\n'
    )
    report = check_path(nb, checks="fast")
    assert "cell-too-long" not in report["summary"]["checks_run"]
    assert "cell-too-long" not in {f["check"] for f in report["findings"]}
    assert report["summary"]["errors"] == 1


def test_select_ids_and_families(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.jupyter-prod]\nselect = ["dataflow", "secret"]\n')
    nb = write_nb(tmp_path / "nb.ipynb", make_nb("import os"))
    run = check_path(nb, checks="all")["summary"]["checks_run"]
    assert set(run) == {s.id for s in CHECKS.values() if s.family == "dataflow"} | {"secret"}
    # the caller's ignore removes a family from that
    run = check_path(nb, checks="fast", ignore=["dataflow"])["summary"]["checks_run"]
    assert run == ["secret"]


def test_bad_config_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.jupyter-prod]\nseverity = {"unused-import" = "fatal"}\n')
    nb = write_nb(tmp_path / "nb.ipynb", make_nb("x = 1"))
    with pytest.raises(ConfigError):
        check_path(nb)


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('select = ["dataflw"]', "select: 'dataflw' is no check id or family (did you mean 'dataflow'?"),
        ('ignore = ["unused-imports"]', "ignore: 'unused-imports' is no check id or family (did you mean 'unused-import'?"),
        ('severity = {"zzz-check" = "error"}', "severity: 'zzz-check' is no check id or family (`jupyter-prod checks`"),
    ],
)
def test_a_mistyped_check_id_in_the_project_config_is_a_config_error(tmp_path: Path, table: str, said: str) -> None:
    """select = ["dataflw"] ran no check: every notebook scored 100 and a CI gate passed."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.jupyter-prod]\n{table}\n", encoding="utf-8")
    nb = write_nb(tmp_path / "nb.ipynb", make_nb("print(undefined)"))
    with pytest.raises(ConfigError, match="^pyproject.toml \\[tool.jupyter-prod\\] ") as refused:
        check_path(nb, checks="fast")
    assert said in refused.value.message and "\n" not in refused.value.message


def test_the_clean_runs_check_ids_are_known_to_a_selection(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.jupyter-prod]\nignore = ["run-error", "output-changed"]\n')
    nb = write_nb(tmp_path / "nb.ipynb", make_nb("x = 1"))
    assert check_path(nb, checks="fast")["summary"]["checks_run"]


def test_unknown_check_id_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Unknown check id"):
        check_notebook(notebook_from_dict(make_nb("x = 1")), checks=["no-such-check"])


def test_fast_excludes_slow_checks() -> None:
    run = check_notebook(notebook_from_dict(make_nb("x = 1")), checks="fast")["summary"]["checks_run"]
    assert set(run) == {s.id for s in CHECKS.values() if not s.slow}
    assert {"not-black-formatted", "type-error", "not-in-git", "uncommitted-changes"}.isdisjoint(run)


def test_waivers_land_in_waived_and_do_not_cost() -> None:
    data = make_nb(
        "import os  # prod: ignore[unused-import]",
        "# prod: ignore[unused-import, undefined-name]\nimport sys\nprint(nowhere)",
        "import json",
        "import re",
    )
    data["cells"][3]["metadata"]["jupyter_prod"] = {"ignore": ["unused-import"]}
    report = check_notebook(notebook_from_dict(data), checks=["unused-import", "undefined-name"])
    assert [(f["check"], f["cell"]) for f in report["findings"]] == [("unused-import", 2)]
    assert sorted((f["check"], f["cell"]) for f in report["waived"]) == [
        ("undefined-name", 1), ("unused-import", 0), ("unused-import", 1), ("unused-import", 3)
    ]  # fmt: skip
    assert report["summary"]["waived"] == 4
    assert report["score"] == score(report["findings"]) == 93


def test_score_formula() -> None:
    assert score([]) == 100

    def f(check: str, sev: str) -> dict[str, object]:
        return {"check": check, "severity": sev}

    assert score([f("a", "error")]) == 80  # type: ignore[list-item]
    assert score([f("a", "warning")] * 10) == round(100 * 0.93**3)  # type: ignore[list-item]
    assert score([f("a", "error")] * 50 + [f("b", "error")] * 50) >= 0  # type: ignore[list-item]


SCORE_CASES = json.loads((Path(__file__).parent / "data" / "score_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SCORE_CASES["cases"], ids=lambda c: c["name"])
def test_score_shared_cases(case: dict[str, Any]) -> None:
    """The cases the panel's scoreOf (src/reports.ts) is tested on too (src/__tests__/model.spec.ts): the panel
    scores a merged report itself (a fast answer plus the slow checks' kept findings), so its score is this one's."""
    assert score(case["findings"]) == case["score"]


def test_score_rounds_a_tie_up_as_the_panel() -> None:
    """Python's round takes 82.5 to 82, the panel's Math.round to 83: the score rounds as the panel."""
    assert [round_half_up(c["value"]) for c in SCORE_CASES["rounding"]] == [c["rounded"] for c in SCORE_CASES["rounding"]]
