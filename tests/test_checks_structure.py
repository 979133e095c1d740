"""Structure checks: imports first, sizes, top-level logic, empty cells, a title."""

from __future__ import annotations

from typing import Any

import nbformat.v4 as v4
import pytest

from jupyter_prod_ext.checks.api import check_notebook
from jupyter_prod_ext.checks.base import Context, Settings
from jupyter_prod_ext.checks.engine import run_checks
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.types import FindingDict

from .nbutil import make_nb


def run(data: dict[str, Any], *ids: str, settings: Settings | None = None) -> list[FindingDict]:
    nb = notebook_from_dict(data)
    if settings is not None:
        return run_checks(Context(nb=nb, settings=settings), list(ids))["findings"]
    return check_notebook(nb, checks=list(ids))["findings"]


def test_imports_not_at_top() -> None:
    data = make_nb(
        '"""Doc."""\nimport sys\nsys.path.insert(0, "src")\nimport os',  # setup between imports is fine
        "%matplotlib inline",
        "x = os.getcwd()",
        "import json\nfrom pathlib import Path",
        "y = json.dumps(x)",
    )
    found = run(data, "imports-not-at-top")
    assert len(found) == 1
    f = found[0]
    assert f["cell"] == 3 and f["line"] == 1 and "json, Path" in f["message"] and "cell 3" in f["message"]


def test_imports_only_at_top_is_clean() -> None:
    assert run(make_nb("import os\nimport sys", "try:\n    import ujson\nexcept ImportError:\n    pass", "x = 1"),
               "imports-not-at-top") == []  # fmt: skip


def test_cell_too_long_uses_setting() -> None:
    data = make_nb("\n".join(f"a{i} = {i}" for i in range(12)), "b = 1")
    assert run(data, "cell-too-long") == []  # default limit 60
    found = run(data, "cell-too-long", settings=Settings(max_cell_lines=10))
    assert [f["cell"] for f in found] == [0] and "12 lines" in found[0]["message"]


def test_notebook_too_long() -> None:
    data = make_nb(*[f"a{i} = {i}" for i in range(5)])
    assert run(data, "notebook-too-long", settings=Settings(max_notebook_cells=5)) == []
    found = run(data, "notebook-too-long", settings=Settings(max_notebook_cells=4))
    assert len(found) == 1 and found[0]["cell"] is None


def test_top_level_code_low_noise() -> None:
    data = make_nb(
        "import os",
        "def f(x):\n    for i in range(x):\n        print(i)",  # inside a function: fine
        "df = load()\ndf.head()",  # two statements: fine
        "for i in range(3):\n    print(i)",
        "\n".join(f"v{i} = {i}" for i in range(9)),
        "if __name__ == '__main__':\n    f(1)",
    )
    found = run(data, "top-level-code")
    assert [(f["cell"], f["severity"]) for f in found] == [(3, "info"), (4, "info")]


@pytest.mark.parametrize(
    "source, reported",
    [
        ('if PROJECT_ID == "[your-project-id]":\n    PROJECT_ID = "demo"', False),
        ("if not API_KEY:\n    raise ValueError('Set API_KEY')", False),
        ("if not results:\n    raise ValueError('no results')", True),  # a result, not configuration
        ('if op == "<":\n    a = 1', True),  # no placeholder
        ('if tok == "[CLS]":\n    a = 1', True),  # a special token, no placeholder
        ('if not API_KEY:\n    for i in range(3):\n        print(i)', True),  # a loop in the branch
        ("\n".join(f'V{i} = "{i}"  # @param' for i in range(9)), False),  # a Colab form
        ("\n".join(f'V{i} = "{i}"  # a value' for i in range(9)), True),
    ],
)
def test_a_configuration_guard_is_no_top_level_logic(source: str, reported: bool) -> None:
    assert bool(run(make_nb(source), "top-level-code")) is reported


def test_empty_cells() -> None:
    data = make_nb("x = 1", "  \n")
    data["cells"].append(v4.new_markdown_cell(""))
    found = run(data, "empty-cell")
    assert [f["cell"] for f in found] == [1, 2]


def test_missing_title() -> None:
    assert len(run(make_nb("x = 1"), "missing-title")) == 1
    assert run(make_nb("x = 1", markdown_title="Sales report"), "missing-title") == []
    data = make_nb("x = 1")
    data["cells"].insert(0, v4.new_markdown_cell("Some text without heading"))
    assert len(run(data, "missing-title")) == 1
    data["cells"][0] = v4.new_markdown_cell("## Analysis\nText")
    data["cells"].insert(0, v4.new_raw_cell("---\ntitle: x\n---"))  # front matter before the title
    assert run(data, "missing-title") == []


@pytest.mark.parametrize(
    "first, reported",
    [
        ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://x.org/nb)", False),
        ('<a href="https://x.org/nb" target="_parent"><img src="https://x.org/badge.svg" alt="Colab"/></a>', False),
        ("[This file has been moved](https://x.org/new)", True),  # a link with words is content
        ("Some words first.", True),
        ("Copyright 2024 Example Corp.\n\n**Author:** Jane Doe", False),  # credit
        ("Licensed under the Apache License, Version 2.0 (the \"License\");\nyou may not use this file", False),
        ("Author: Jane Doe\n\nThis notebook trains a model.", True),  # credit, then content
        ("Author: Jane Doe\nThis notebook trains a model.", True),
        ("By the way, this notebook is old.", True),
        # a banner written in HTML around an image (a book's cover, its author and repository: 66 notebooks of
        # the eighth sweep put their heading in the next cell)
        (
            '<table style="width:100%">\n<tr>\n<td>\nCode for the <a href="https://x.org">Book</a> by Jane Doe<br>'
            '\n</td>\n<td>\n<a href="https://x.org"><img src="https://x.org/cover.webp" width="100px"></a>\n</td>'
            "\n</tr>\n</table>",
            False,
        ),
        ('<div>\n<img src="logo.png"/>\n</div>\n\nThis notebook trains a model.', True),  # banner, then content
        ("<p>This notebook trains a model.</p>", True),  # HTML without an image is content
    ],
)
def test_a_title_may_follow_badges_but_not_content(first: str, reported: bool) -> None:
    nb = make_nb("x = 1", markdown_title="Title")
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": first})
    assert bool(run(nb, "missing-title")) is reported


def test_a_title_may_follow_nbdev_and_quarto_set_up_cells_only() -> None:
    nb = make_nb("#|default_exp core", "#| echo: false\nimport os", markdown_title=None)
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "# Core\n> The core functions"})
    assert run(nb, "missing-title") == []
    nb["cells"].insert(2, {"cell_type": "code", "metadata": {}, "source": "import sys", "outputs": [], "execution_count": None})
    assert len(run(nb, "missing-title")) == 1
