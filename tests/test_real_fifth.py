"""Constructs of public notebooks a fifth sweep found answered wrongly, restated in
``tests/data/real/fifthsweep.ipynb`` (cells written for this project; the notebooks are not redistributed).

The sweep took 441 notebooks of eight other repositories (two LLM vendors' cookbooks, a vector database's
examples, an agent framework's examples and its course, a document parser's examples, two nbdev libraries)
through every check, promotion and route.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .nbutil import fast_findings_of_copy

FIFTH = Path(__file__).resolve().parent / "data" / "real" / "fifthsweep.ipynb"


#: the fake keys the notebook's ``{…-key}`` stand for, assembled here so that no file holds one
KEYS = {
    "{mistral-key}": "WiL9dv4wtfUQ1VQ3" + "OZRkt4aQng5VP2pv",
    "{tavily-key}": "tvly-" + "9O5yqeZ1LGKN9bemzYumle29nmwYfq48",
    "{langsmith-key}": "lsv2_pt_" + "98428ea491b1e6d543d7202cf486ea62_965174b7b0",
}


def _fast_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    return fast_findings_of_copy(FIFTH, tmp_path, monkeypatch, KEYS)


def test_a_redefined_name_names_the_other_cells_as_people_number_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``messages = []`` in cells 4 and 6 (each read by the cell below): the finding on cell 6 names cell 4, as
    JupyterLab and every other message number cells, not the 0-based index 1 (a public notebook read "cell 8:
    'messages' is also defined in cell(s) 2" for a binding in cell 3)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    redefined = [(f["cell_id"], f["message"]) for f in findings if f["check"] == "redefined-name"]
    assert redefined == [
        ("second-chat", "'messages' is also defined in cell(s) 4; cells that read it see whichever ran last.")
    ]


def test_a_name_a_star_import_provides_is_not_used_before_its_explicit_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``from os.path import *``, ``join(...)`` reads the star import's ``join``: a ``from os.path import
    join`` further down is not where it comes from, so no use-before-definition error (a public nbdev notebook
    got 47, one per ``test_eq`` above its ``from fastcore.test import test_eq``). A function the notebook
    defines further down is still used before its definition."""
    findings = _fast_findings(tmp_path, monkeypatch)
    early = [(f["cell_id"], f["message"]) for f in findings if f["check"] == "use-before-definition"]
    assert early == [
        (
            "chunk-path",
            "'describe' is used here but only defined later, in cell 12 (line 1); it works only if that cell has "
            "run first in this kernel.",
        )
    ]


def test_definitions_of_an_nbdev_export_cell_are_not_unused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An nbdev notebook is the source of a library: what its ``#|export`` (``#| export``) cells define goes
    into the module, for the library's users, so "defined but never used in the notebook" is wrong there (40
    findings in two public nbdev libraries). A function of a ``#|hide`` cell nothing calls is still unused."""
    findings = _fast_findings(tmp_path, monkeypatch)
    unused = [(f["cell_id"], f["message"]) for f in findings if f["check"] == "unused-definition"]
    assert unused == [("hidden-scratch", "The function 'scratch_helper' is defined but never used in the notebook.")]


def test_a_path_in_a_comment_is_not_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``# fn = Path('/Users/me/x.py')`` does not run: it reads no path, so it is no "path on one machine; the
    notebook fails anywhere else" (two public notebooks kept their author's path so). The path of the line
    that runs is still reported, a comment after it notwithstanding."""
    findings = _fast_findings(tmp_path, monkeypatch)
    paths = [(f["cell_id"], f["line"], f["message"]) for f in findings if f["check"] == "absolute-path"]
    assert paths == [
        ("load-notes", 2, "'/content/notes.txt' is a path on one machine; the notebook fails anywhere else.")
    ]


def test_service_keys_of_ai_cookbooks_and_unquoted_env_settings_are_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys of the services AI cookbooks call (Tavily, LangSmith, Pinecone, Groq, LlamaCloud, ...) are
    found by their format, also where no name says what they are (``TavilyClient("tvly-…")``, a client's repr
    in an output); ``%env MISTRAL_API_KEY=…`` sets a key without quotes, judged by its name as an assignment
    is. Placeholders (``llx-...``, ``pcsk_...``, ``gsk_xxx…``, ``$OPENAI_API_KEY``) are not keys (the sweep's
    cookbooks hold dozens, none reported)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    secrets = [(f["cell_id"], f["line"], f["message"]) for f in findings if f["check"] == "secret"]
    assert secrets == [
        ("env-keys", 1, "This cell contains a hard-coded credential in 'MISTRAL_API_KEY': WiL9…(32 chars)."),
        ("search-client", 1, "This cell contains a Tavily API key: tvly…(37 chars)."),
        ("tracing-client", None, "The cell's output contains a LangSmith API key: lsv2…(51 chars)."),
    ], secrets


def test_a_title_below_badges_or_nbdev_set_up_is_a_title(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An "Open In Colab" badge cell and nbdev's ``#|default_exp`` cell come before the ``# Title`` cell: the
    notebook starts with a title all the same (its page shows the badge, then the title; nbdev takes the first
    heading as the page's title). 112 of 194 missing-title findings of the sweep were such notebooks."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f for f in findings if f["check"] == "missing-title"] == []


def test_an_import_repeated_in_its_own_cell_says_which_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``from llama_index.core.workflow import Workflow`` on line 2 and again on line 4 of one cell: the first is
    redundant "on line 4 of this cell", not "again in cell 19" (the cell reported; a public notebook read so)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    unused = [(f["cell_id"], f["line"], f["message"]) for f in findings if f["check"] == "unused-import"]
    assert unused == [
        ("workflow-imports", 1, "'Any' is imported but never used (from typing.Any)."),
        (
            "workflow-imports",
            2,
            "'Workflow' is imported here and again on line 4 of this cell before any use: this import is redundant.",
        ),
    ]
