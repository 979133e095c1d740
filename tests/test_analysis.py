"""Def-use analysis: scopes, order across cells, and what counts as a use."""

from __future__ import annotations

from jupyter_prod_ext.analysis import DefUse, analyse
from jupyter_prod_ext.notebook import notebook_from_dict

from .nbutil import make_nb


def run(*cells: str) -> DefUse:
    return analyse(notebook_from_dict(make_nb(*cells)))


def statuses(du: DefUse) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in du.resolutions:
        out.setdefault(r.event.name, set()).add(r.status)
    return out


def test_use_resolves_to_earlier_cell() -> None:
    du = run("x = 1", "print(x)")
    assert statuses(du)["x"] == {"ok"}


def test_use_before_definition_is_later() -> None:
    du = run("print(y)", "y = 2")
    r = next(r for r in du.resolutions if r.event.name == "y")
    assert r.status == "later" and r.source is not None and r.source.cell == 1


def test_undefined_and_builtins() -> None:
    s = statuses(run("print(len([]), nowhere, display, _3, _i2)"))
    assert s["nowhere"] == {"undefined"}
    assert s["print"] == s["len"] == s["display"] == s["_3"] == s["_i2"] == {"provided"}


def test_function_bodies_are_deferred() -> None:
    du = run("def f():\n    return helper()", "def helper():\n    return 1", "f()")
    r = next(r for r in du.resolutions if r.event.name == "helper")
    assert r.event.deferred and r.status == "ok"


def test_function_locals_and_params_are_not_module_uses() -> None:
    s = statuses(run("def f(a, *args, k=1, **kw):\n    b = a + k\n    return [b for _ in args], kw"))
    assert set(s) == set()  # nothing at module level is read


def test_class_body_not_visible_to_methods() -> None:
    s = statuses(run("class A:\n    q = 1\n    r = q + 1\n    def m(self):\n        return q"))
    assert s["q"] == {"undefined"}  # the method's q is a global that does not exist


def test_comprehension_scope_and_walrus() -> None:
    du = run("data = [1, 2]\nys = [z * 2 for z in data if (w := z) > 0]\nprint(w)")
    s = statuses(du)
    assert "z" not in s
    assert s["w"] == {"ok"}
    assert s["data"] == {"ok"}


def test_global_in_function_binds_module_name() -> None:
    du = run("def setup():\n    global CONFIG\n    CONFIG = {}", "setup()\nprint(CONFIG)")
    assert statuses(du)["CONFIG"] == {"ok"}


def test_del_then_use() -> None:
    du = run("x = 1", "del x", "print(x)")
    assert "deleted" in statuses(du)["x"]


def test_star_import_makes_analysis_inexact() -> None:
    du = run("from math import *", "print(sqrt(2))")
    assert statuses(du)["sqrt"] == {"star"}
    assert du.star_imports and du.star_imports[0][1] == "math"


def test_pylab_magic_is_a_star_import() -> None:
    du = run("%pylab inline", "plot(rand(3))")
    assert statuses(du)["plot"] == {"star"}


def test_try_except_import_error_binds_in_both_branches() -> None:
    du = run("try:\n    import ujson as json\nexcept ImportError:\n    import json", "json.dumps({})")
    assert statuses(du)["json"] == {"ok"}
    assert len(du.bindings["json"]) == 2


def test_type_checking_imports() -> None:
    du = run(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pathlib import Path",
        "def f(p: 'Path') -> None:\n    pass",
    )
    assert statuses(du)["TYPE_CHECKING"] == {"ok"}


def test_magic_bindings() -> None:
    du = run("%%capture out\nprint(1)", "out.show()", "files = !ls", "print(files)")
    s = statuses(du)
    assert s["out"] == {"ok"} and s["files"] == {"ok"}


def test_augassign_reads_first() -> None:
    du = run("total += 1")
    assert statuses(du)["total"] == {"undefined"}


def test_used_bindings_tracks_imports() -> None:
    du = run("import os\nimport sys", "print(os.getcwd())")
    used = {e.name for name, bs in du.bindings.items() for s, e in bs if du.is_used(s, e)}
    assert "os" in used and "sys" not in used


def test_statement_free_names_for_promotion() -> None:
    du = run("K = 3", "def helper(x):\n    return x * K", "@decorate\ndef f(y, z=DEFAULT):\n    return helper(y)")
    f = next(s for s in du.stmts if s.kind == "def" and "f" in s.bound_names())
    assert set(f.free_names()) == {"decorate", "DEFAULT", "helper"}


def test_match_statement_bindings() -> None:
    du = run("match cmd:\n    case [a, *rest]:\n        print(a, rest)\n    case {'k': v, **others}:\n        print(v, others)")
    s = statuses(du)
    assert s["cmd"] == {"undefined"}
    for name in ("a", "rest", "v", "others"):
        assert s[name] == {"ok"}
