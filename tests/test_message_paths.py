"""Error messages of server routes name paths relative to the server root, never absolutely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.config import load_config
from jupyter_prod_ext.errors import ConfigError, NotFoundError
from jupyter_prod_ext.gitops.commit import commit_notebook
from jupyter_prod_ext.server.base import redact_root

from .gitutil import first_commit, server_git_identity  # noqa: F401 - autouse: the server's HOME knows who commits
from .hostile import call, nb_dict


def test_redact_root() -> None:
    root = Path("/srv/notebooks")
    assert redact_root("No such notebook: '/srv/notebooks/a/nb.ipynb'.", root) == "No such notebook: 'a/nb.ipynb'."
    assert redact_root("git add failed in /srv/notebooks: boom", root) == "git add failed in the server root: boom"
    assert redact_root("'/srv/notebooks2/x' stays", root) == "'/srv/notebooks2/x' stays"
    assert redact_root("anything /x", Path("/")) == "anything /x"


def test_engine_messages_use_the_display_root(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as exc:
        commit_notebook(tmp_path / "sub" / "gone.ipynb", "m", display_root=tmp_path)
    assert exc.value.message == "No such notebook: 'sub/gone.ipynb'."
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 'wide'\n", "utf-8")
    with pytest.raises(ConfigError) as cexc:
        load_config(tmp_path, tmp_path)
    assert str(tmp_path) not in cexc.value.message and cexc.value.message.startswith("pyproject.toml:")


async def test_config_error_over_http_has_no_absolute_path(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "pyproject.toml").write_text("[tool.black]\nline-length = 'wide'\n", "utf-8")
    for route in ("format", "check"):
        code, data = await call(jp_fetch, route, body={"path": "n.ipynb", "notebook": nb_dict("a=1")})
        assert code == 422 and data["kind"] == "config", data
        assert str(jp_root_dir) not in data["error"] and "pyproject.toml" in data["error"], data


async def test_git_state_error_over_http_has_no_absolute_path(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "nb.ipynb").write_text(json.dumps(nb_dict("x = 1")), "utf-8")
    head = first_commit(jp_root_dir)
    (jp_root_dir / "nb.ipynb").write_text(json.dumps(nb_dict("x = 2")), "utf-8")
    (jp_root_dir / ".git" / "MERGE_HEAD").write_text(head + "\n", "utf-8")
    code, data = await call(
        jp_fetch, "commit", body={"path": "nb.ipynb", "message": "m", "allow_findings": True}
    )
    assert code >= 400 and "merge is in progress" in data["error"], data
    assert str(jp_root_dir) not in data["error"] and "the server root" in data["error"], data
