"""``c.JupyterProd.*``: the server operator's mypy command, timeout and body limit reach the engine."""

from __future__ import annotations

import io
import json
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from jupyter_prod_ext.cli.main import main
from jupyter_prod_ext.server.settings import SETTINGS_KEY, ServerSettings, settings_from_config
from jupyter_prod_ext.typecheck import DEFAULT_TIMEOUT, TypecheckSettings

from .hostile import call, nb_dict

#: answers mypy's ``--help`` probe at once, then hangs on the real run
HANGING_MYPY = '#!/bin/sh\ncase "$*" in *--help*) echo "--output FORMAT"; exit 0;; esac\nsleep 300\n'


def _hanging_mypy(folder: Path) -> str:
    script = folder / "slow-mypy"
    script.write_text(HANGING_MYPY, "utf-8")
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def slow_mypy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return _hanging_mypy(tmp_path)


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], slow_mypy: str) -> dict[str, Any]:
    return {
        **jp_server_config,
        "JupyterProd": {
            "typecheck_timeout": 1,
            "typecheck_backend": "mypy",
            "mypy_command": [slow_mypy],
            "max_body_mib": 0.05,
        },
    }


def test_settings_from_config() -> None:
    assert settings_from_config(Config()) == ServerSettings()
    c = Config()
    c.JupyterProd.mypy_command = ["/opt/py", "-m", "mypy"]
    c.JupyterProd.typecheck_timeout = 7
    c.JupyterProd.max_body_mib = 2
    got = settings_from_config(c)
    assert got.typecheck.mypy_command == ("/opt/py", "-m", "mypy") and got.typecheck.timeout == 7
    assert got.typecheck.dmypy_command is None and got.typecheck.backend == "daemon"
    assert got.max_body_bytes == 2 * 1024 * 1024
    c.JupyterProd.isolate_notebook_mib = 0.5
    c.JupyterProd.isolate_notebook_cells = 300
    c.JupyterProd.worker_memory_mib = 3000
    got = settings_from_config(c)
    assert got.isolate_bytes == 512 * 1024 and got.isolate_cells == 300 and got.isolated_memory_mib == 3000
    assert got.typecheck.cancel_grace == 10.0  # a cancelled check's daemon run may go on that long
    c.JupyterProd.typecheck_cancel_grace = 2.5
    assert settings_from_config(c).typecheck.cancel_grace == 2.5


async def test_configured_timeout_and_mypy_reach_the_type_check(
    jp_fetch: Any, jp_root_dir: Path, jp_web_app: Any, slow_mypy: str
) -> None:
    settings = jp_web_app.settings[SETTINGS_KEY]
    assert settings.typecheck.timeout == 1 and settings.typecheck.mypy_command == (slow_mypy,)
    (jp_root_dir / "nb.ipynb").write_text(json.dumps(nb_dict("x: int = 'no'")), "utf-8")
    started = time.monotonic()
    code, data = await call(jp_fetch, "check", body={"path": "nb.ipynb", "checks": ["type-error"]})
    assert code == 200, data
    tc = [f for f in data["findings"] if f["check"] == "type-error"]
    assert len(tc) == 1 and "could not run" in tc[0]["message"] and "longer than 1 s" in tc[0]["message"], tc
    assert time.monotonic() - started < 15


async def test_configured_body_limit(jp_fetch: Any, jp_root_dir: Path) -> None:
    code, data = await call(jp_fetch, "check", body={"path": "nb.ipynb", "notebook": nb_dict("x = '" + "a" * 60_000 + "'")})
    assert code == 413 and data["kind"] == "too-large" and "51.2 KiB" in data["error"], data


def test_cli_mypy_timeout(tmp_path: Path, slow_mypy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TypecheckSettings, "mypy_argv", lambda self: [slow_mypy])
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps(nb_dict("x: int = 'no'")), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", str(nb), "--select", "type-error", "--format", "json", "--mypy-timeout", "1.5"])
    assert code in (0, 1), err.getvalue()
    findings = json.loads(out.getvalue())["notebooks"][0]["findings"]
    assert any("longer than 1.5 s" in f["message"] for f in findings), findings
    assert DEFAULT_TIMEOUT > 1.5


def test_an_invalid_setting_leaves_the_extension_running_with_defaults(caplog: pytest.LogCaptureFixture) -> None:
    import logging
    from types import SimpleNamespace

    from jupyter_prod_ext import _load_jupyter_server_extension

    added: list[Any] = []
    web_app = SimpleNamespace(settings={"base_url": "/"}, add_handlers=lambda host, handlers: added.extend(handlers))
    c = Config()
    c.JupyterProd.typecheck_timeout = -1
    app = SimpleNamespace(config=c, web_app=web_app, log=logging.getLogger("test-jp"))
    with caplog.at_level(logging.ERROR, "test-jp"):
        _load_jupyter_server_extension(app)
    assert web_app.settings[SETTINGS_KEY] == ServerSettings() and added
    assert "typecheck_timeout" in caplog.text


def test_budget_settings_reach_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_prod_ext import formatting, notebook
    from jupyter_prod_ext.checks import quality
    from jupyter_prod_ext.server.settings import PROCESS_LIMITS, apply_budgets

    for limit in PROCESS_LIMITS:  # restored after the test
        monkeypatch.setattr(limit.module, limit.attribute, getattr(limit.module, limit.attribute))
    defaults = (notebook.MAX_ANALYSED_CELL_CHARS, quality.SLOW_NOTEBOOK_CHARS, quality.SLOW_NOTEBOOK_CELLS)
    before = formatting.BUDGET
    try:
        apply_budgets(Config())  # nothing set: the engine keeps its defaults
        assert (notebook.MAX_ANALYSED_CELL_CHARS, quality.SLOW_NOTEBOOK_CHARS, quality.SLOW_NOTEBOOK_CELLS) == defaults
        c = Config()
        c.JupyterProd.max_cell_kib = 2
        c.JupyterProd.max_notebook_code_kib = 3.5
        c.JupyterProd.max_notebook_code_cells = 4
        c.JupyterProd.max_black_cell_kib = 1.5
        c.JupyterProd.worker_memory_mib = 512
        c.JupyterProd.black_timeout = 5
        apply_budgets(c)
        assert (notebook.MAX_ANALYSED_CELL_CHARS, quality.SLOW_NOTEBOOK_CHARS, quality.SLOW_NOTEBOOK_CELLS) == (
            2048, 3584, 4
        )
        assert formatting.BUDGET == formatting.FormatBudget(
            cell_chars=1536, timeout=5.0, memory_mib=512, idle_seconds=300.0
        )
    finally:
        formatting.set_budget(before)


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_cell_kib", 0.5), ("worker_memory_mib", 10), ("max_body_mib", 0), ("slow_queue", 0), ("black_timeout", 0),
     ("typecheck_cancel_grace", -1)],
)
def test_a_setting_below_its_minimum_is_refused(name: str, value: float) -> None:
    from traitlets import TraitError

    from jupyter_prod_ext.server.settings import JupyterProd

    c = Config()
    c.JupyterProd[name] = value
    with pytest.raises(TraitError, match=name):
        JupyterProd(config=c)
