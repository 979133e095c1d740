"""POST /jupyter-prod/format through a real jupyter_server (pytest-jupyter)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from .wire_answers import call

LONG_CALL = "result = some_function(argument_one, argument_two, argument_three)"


def notebook(*sources: str, markdown_first: bool = True) -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_markdown_cell("# Notes")] if markdown_first else []
    cells += [nbformat.v4.new_code_cell(src) for src in sources]
    nb.cells = cells
    return nb


async def post(jp_fetch: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return await call(jp_fetch, "jupyter-prod/format", body)


async def test_formats_the_editor_content_with_project_black_config(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "pyproject.toml").write_text("[tool.black]\nline-length = 40\n", encoding="utf-8")
    nb = notebook(LONG_CALL, "%matplotlib inline\n!ls\nx=[1,2]", "y = (", "%%bash\necho   hi")
    code, answer = await post(jp_fetch, {"path": "analysis.ipynb", "notebook": nb})
    assert code == 200, answer
    by_cell = {c["cell"]: c for c in answer["cells"]}
    assert set(by_cell) == {1, 2, 4}
    assert by_cell[1]["changed"]
    assert all(len(line) <= 40 for line in by_cell[1]["source"].splitlines())
    assert by_cell[1]["cell_id"] == nb.cells[1].id
    assert by_cell[2] == {
        "cell": 2,
        "cell_id": nb.cells[2].id,
        "source": "%matplotlib inline\n!ls\nx = [1, 2]",
        "changed": True,
    }
    assert by_cell[4]["changed"] is False and by_cell[4]["source"] == "%%bash\necho   hi"
    assert [e["cell"] for e in answer["errors"]] == [3]
    assert "cannot parse" in answer["errors"][0]["message"]
    # nothing is written: the frontend applies the sources
    assert not (jp_root_dir / "analysis.ipynb").exists()


async def test_reads_the_file_when_no_content_is_sent(jp_fetch: Any, jp_root_dir: Path) -> None:
    folder = jp_root_dir / "work"
    folder.mkdir()
    nbformat.write(notebook("a=1", "b = 2"), str(folder / "n.ipynb"))
    code, answer = await post(jp_fetch, {"path": "work/n.ipynb", "cells": [2]})
    assert code == 200, answer
    assert answer == {
        "cells": [{"cell": 2, "cell_id": answer["cells"][0]["cell_id"], "source": "b = 2", "changed": False}],
        "errors": [],
    }


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({"path": "../outside.ipynb"}, 403, "path"),
        ({"path": "missing.ipynb"}, 404, "not-found"),
        ({"path": "n.ipynb", "notebook": "text"}, 400, "input"),
        ({"path": "n.ipynb", "cells": ["1"]}, 400, "input"),
        ({"path": "n.ipynb", "cells": [0]}, 400, "input"),  # a markdown cell
        ({"path": "n.ipynb", "cells": [99]}, 400, "input"),
        ({"path": 3}, 400, "input"),
    ],
)
async def test_bad_requests_answer_json_errors(
    jp_fetch: Any, jp_root_dir: Path, body: dict[str, Any], status: int, kind: str
) -> None:
    nbformat.write(notebook("a = 1"), str(jp_root_dir / "n.ipynb"))
    code, answer = await post(jp_fetch, body)
    assert code == status, answer
    assert answer["kind"] == kind
    assert "\n" not in answer["error"]


async def test_invalid_notebook_and_config_errors(jp_fetch: Any, jp_root_dir: Path) -> None:
    code, answer = await post(jp_fetch, {"path": "n.ipynb", "notebook": {"cells": []}})
    assert (code, answer["kind"]) == (422, "notebook")
    (jp_root_dir / "pyproject.toml").write_text("[tool.black]\nline-length = 'wide'\n", encoding="utf-8")
    code, answer = await post(jp_fetch, {"path": "n.ipynb", "notebook": notebook("a=1")})
    assert (code, answer["kind"]) == (422, "config")
    assert "line-length" in answer["error"]


async def test_requires_authentication(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "jupyter-prod",
            "format",
            method="POST",
            body=json.dumps({"path": "n.ipynb"}),
            headers={"Authorization": ""},
        )
    assert info.value.code in (401, 403)
