"""The import-linter contracts (pyproject, run by `lint-imports` in scripts/test.sh) cover every module.

import-linter cannot say "every submodule but the shells", so the engine is a
list: a module added to the package without a line there would escape both the
"engine never imports the server, the CLI, tornado or jupyter_server" contract
and the layers. This test fails until it has its line.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Any

import jupyter_prod_ext

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
SHELLS = {"server", "cli"}
NOT_CODE = {"_version", "__main__", "labextension"}


def _contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == contract_id)


def _submodules() -> set[str]:
    return {m.name for m in pkgutil.iter_modules(jupyter_prod_ext.__path__)} - NOT_CODE


def _layer_members(layers: list[str]) -> set[str]:
    return {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}


def test_engine_contract_lists_every_module_but_the_shells() -> None:
    listed = {m.removeprefix("jupyter_prod_ext.") for m in _contract("engine-without-shells")["source_modules"]}
    missing = _submodules() - SHELLS - listed
    assert not missing, f"add jupyter_prod_ext.{sorted(missing)} to source_modules of engine-without-shells"
    assert listed <= _submodules(), f"no such modules: {sorted(listed - _submodules())}"


def test_engine_contract_forbids_the_shells_and_the_web_stack() -> None:
    forbidden = set(_contract("engine-without-shells")["forbidden_modules"])
    assert forbidden == {"jupyter_prod_ext.server", "jupyter_prod_ext.cli", "tornado", "jupyter_server"}


def test_every_module_has_a_layer() -> None:
    layered = _layer_members(_contract("engine-layers")["layers"])
    missing = _submodules() - layered
    assert not missing, f"put {sorted(missing)} in a layer of engine-layers (pyproject.toml)"
    assert layered <= _submodules(), f"no such modules: {sorted(layered - _submodules())}"


def test_package_contracts_list_every_part() -> None:
    """A package with its own layers contract (typecheck, gitops, promote) names each of its modules in a layer."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    parts = [c for c in config["contracts"] if c["type"] == "layers" and c["containers"] != ["jupyter_prod_ext"]]
    assert {c["containers"][0] for c in parts} >= {
        "jupyter_prod_ext.typecheck",
        "jupyter_prod_ext.gitops",
        "jupyter_prod_ext.promote",
    }
    for contract in parts:
        package = importlib.import_module(contract["containers"][0])
        modules = {m.name for m in pkgutil.iter_modules(package.__path__)}
        layered = _layer_members(contract["layers"])
        assert modules == layered, f"{contract['id']}: layers name {sorted(layered)}, package has {sorted(modules)}"
