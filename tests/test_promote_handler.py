"""POST /jupyter-prod/promote through a real jupyter_server (pytest-jupyter), and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_prod_ext.cli.main import main

from .nbutil import cell_sources, git_project, make_nb, write_nb
from .wire_answers import call

SOURCES = (
    "import math\nimport pandas as pd",
    "def area(r):\n    return math.pi * r ** 2",
    "df = pd.DataFrame({'r': [1, 2]})",
    "def total(frame):\n    return sum(area(r) for r in frame.r)",
    "def uses_df():\n    return len(df)",
    "total(df)",
)


async def post(jp_fetch: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return await call(jp_fetch, "jupyter-prod/promote", body)


def project(base: Path) -> Path:
    return git_project(base, "[tool.black]\nline-length = 100\n")


async def test_promote_writes_module_and_returns_edits(jp_fetch: Any, jp_root_dir: Path) -> None:
    root = project(jp_root_dir)
    nb = make_nb(*SOURCES)
    code, r = await post(
        jp_fetch,
        {"path": "proj/analysis.ipynb", "notebook": nb, "names": ["total"], "to": "src/demo_pkg/geo.py"},
    )
    assert code == 200, r
    assert r["ok"], r["problems"]
    assert r["version"] == 1 and r["module_path"] == "src/demo_pkg/geo.py"
    assert set(r) >= {
        "version", "ok", "dry_run", "module_path", "module_source", "module_diff", "notebook_diff",
        "notebook_edits", "slice", "unmoved", "typecheck", "problems", "warnings", "drift", "tests_path",
        "untested", "written",
    }  # fmt: skip
    assert r["typecheck"]["ran"], r["typecheck"]
    assert (root / "src/demo_pkg/geo.py").read_text() == r["module_source"]
    assert sorted(r["written"]) == ["src/demo_pkg/__init__.py", "src/demo_pkg/geo.py"]
    ops = [e["op"] for e in r["notebook_edits"]]
    assert ops == ["replace", "delete", "metadata"]
    assert r["notebook_edits"][0]["source"].endswith("from demo_pkg.geo import total")
    assert r["notebook_edits"][1]["cell"] == 3
    meta = r["notebook_edits"][2]["metadata"]["jupyter_prod"]
    assert meta["modules"] == ["src/demo_pkg/geo.py"]
    # the server never writes the notebook: the frontend applies the edits
    assert not (root / "analysis.ipynb").exists()


async def test_refusal_is_ok_false_with_problems(jp_fetch: Any, jp_root_dir: Path) -> None:
    project(jp_root_dir)
    nb = make_nb(*SOURCES)
    body = {"path": "proj/analysis.ipynb", "notebook": nb, "names": ["uses_df"], "to": "src/demo_pkg/geo.py"}
    code, r = await post(jp_fetch, body)
    assert code == 200 and not r["ok"]
    assert r["unmoved"][0]["name"] == "df" and r["written"] == []
    code, r = await post(jp_fetch, {**body, "unmoved": {"df": "parameter"}, "dry_run": True})
    assert code == 200 and r["ok"], r["problems"]
    assert "def uses_df(*, df):" in r["module_source"]


@pytest.mark.parametrize(
    ("to", "status", "kind"),
    [
        ("../../outside.py", 403, "path"),
        ("../elsewhere.py", 403, "path"),
        ("src/demo_pkg/geo.txt", 400, "input"),
        ("src/demo-pkg/geo.py", 400, "input"),
    ],
)
async def test_bad_targets(jp_fetch: Any, jp_root_dir: Path, to: str, status: int, kind: str) -> None:
    root = project(jp_root_dir)
    code, r = await post(
        jp_fetch, {"path": "proj/analysis.ipynb", "notebook": make_nb(*SOURCES), "names": ["area"], "to": to}
    )
    assert (code, r["kind"]) == (status, kind), r
    assert not (root / "src").exists() and not (jp_root_dir / "outside.py").exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"path": "proj/analysis.ipynb", "to": "a.py"}, 400),
        ({"path": "proj/analysis.ipynb", "names": "area", "to": "a.py"}, 400),
        ({"path": "proj/analysis.ipynb", "names": ["area"], "to": "a.py", "dry_run": "yes"}, 400),
        ({"path": "proj/analysis.ipynb", "names": ["area"], "to": "a.py", "unmoved": {"df": "drop"}}, 400),
        ({"path": "proj/missing.ipynb", "names": ["area"], "to": "a.py"}, 404),
        ({"path": "../x.ipynb", "names": ["area"], "to": "a.py"}, 403),
    ],
)
async def test_bad_requests(jp_fetch: Any, jp_root_dir: Path, body: dict[str, Any], status: int) -> None:
    project(jp_root_dir)
    code, r = await post(jp_fetch, body)
    assert code == status, r
    assert set(r) == {"error", "kind", "details"}


async def test_requires_authentication(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "jupyter-prod",
            "promote",
            method="POST",
            body=json.dumps({"path": "n.ipynb", "names": ["f"], "to": "m.py"}),
            headers={"Authorization": ""},
        )
    assert info.value.code in (401, 403)


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    nb = write_nb(root / "analysis.ipynb", make_nb(*SOURCES))
    before = nb.read_bytes()
    args = [str(nb), "--names", "total", "--to", "src/demo_pkg/geo.py"]
    assert main(["promote", *args, "--dry-run", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["dry_run"] and nb.read_bytes() == before
    assert main(["promote", str(nb), "--names", "uses_df", "--to", "src/demo_pkg/geo.py"]) == 1
    assert "unmoved: df" in capsys.readouterr().out
    assert main(["promote", str(nb), "--names", "nope", "--to", "src/demo_pkg/geo.py"]) == 2
    assert "No top-level" in capsys.readouterr().err
    assert main(["promote", str(nb), "--names", "total", "--to", "../x.py"]) == 2
    assert main(["promote", *args]) == 0
    text = capsys.readouterr().out
    assert "wrote src/demo_pkg/geo.py" in text and "wrote analysis.ipynb" in text
    data = json.loads(nb.read_text(encoding="utf-8"))
    assert nb.read_text(encoding="utf-8") == json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    assert data["metadata"]["jupyter_prod"]["modules"] == ["src/demo_pkg/geo.py"]
    assert (
        main(
            [
                "promote",
                str(nb),
                "--cells",
                "2",
                "--to",
                "src/demo_pkg/geo.py",
                "--unmoved",
                "df=parameter",
                "--dry-run",
            ]
        )
        == 1
    )


def test_cli_usage_error_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_prod_ext", "promote", "x.ipynb"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2 and "--to" in proc.stderr


def test_cli_as_function_and_tests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    nb_data = make_nb(
        "import math",
        "def hyp(a, b):\n    return math.sqrt(a * a + b * b)",
        "hyp(3, 4)",
        "sides = [3, 4]\nlongest = hyp(*sides)",
        "print(longest)",
    )
    nb_data["cells"][2]["outputs"] = [
        {"output_type": "execute_result", "execution_count": 1, "data": {"text/plain": "5.0"}, "metadata": {}}
    ]
    nb = write_nb(root / "work" / "geometry.ipynb", nb_data)
    argv = ["promote", str(nb), "--names", "hyp", "--to", str(root / "geo" / "shapes.py"), "--tests"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "tests: tests/test_shapes.py" in out and "wrote geo/__init__.py" in out
    assert "assert hyp(3, 4) == 5.0" in (root / "tests" / "test_shapes.py").read_text()
    assert 'sys.path.insert(0, "..")' in out  # the notebook's folder is not the import base
    argv = ["promote", str(nb), "--cells", "2", "--as-function", "longest_side", "--to", "geo/shapes.py"]
    assert main(argv) == 0
    capsys.readouterr()
    text = (root / "geo" / "shapes.py").read_text()
    assert "def longest_side():" in text and "return longest" in text and "def hyp(a, b):" in text
    cells = cell_sources(nb)
    assert "longest = longest_side()" in cells


async def test_special_files_are_clean_refusals(jp_fetch: Any, jp_root_dir: Path) -> None:
    """A folder, a FIFO (must not block a thread) and a dangling symlink where the notebook should be."""
    import os

    (jp_root_dir / "folder.ipynb").mkdir()
    os.mkfifo(jp_root_dir / "fifo.ipynb")
    (jp_root_dir / "dangling.ipynb").symlink_to(jp_root_dir / "nowhere.ipynb")
    (jp_root_dir / "big.ipynb").write_text(json.dumps(make_nb("x = '" + "a" * 200 + "'")), encoding="utf-8")
    expected = {"folder.ipynb": 422, "fifo.ipynb": 422, "dangling.ipynb": 404}
    for name, status in expected.items():
        code, r = await post(jp_fetch, {"path": name, "cells": [0], "to": "src/pkg/m.py"})
        assert code == status, (name, r)
        assert "\n" not in r["error"]


async def test_oversized_notebook_is_413(
    jp_fetch: Any, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jupyter_prod_ext.notebook as notebook_mod

    (jp_root_dir / "big.ipynb").write_text(
        json.dumps(make_nb("x = '" + "a" * 20_000 + "'")), encoding="utf-8"
    )
    monkeypatch.setattr(notebook_mod, "MAX_NOTEBOOK_BYTES", 10_000)
    code, r = await post(jp_fetch, {"path": "big.ipynb", "cells": [0], "to": "src/pkg/m.py", "dry_run": True})
    assert (code, r["kind"]) == (413, "too-large") and "limit is 9.8 KiB" in r["error"]


def test_two_processes_promoting_into_one_module_both_land(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "src" / "demo_pkg").mkdir(parents=True)
    for name in ("a", "b"):
        write_nb(root / f"{name}.ipynb", make_nb(f"def from_{name}(x):\n    return x", f"from_{name}(1)"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "jupyter_prod_ext", "promote", str(root / f"{name}.ipynb"), "--names",
             f"from_{name}", "--to", "src/demo_pkg/shared.py"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in ("a", "b")
    ]  # fmt: skip
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
    text = (root / "src" / "demo_pkg" / "shared.py").read_text()
    assert "def from_a(x):" in text and "def from_b(x):" in text
    assert '"from_a"' in text and '"from_b"' in text
