"""Traversal suite: every route, every path argument, every hostile path; then the disk is checked.

Outside the server root sits :class:`hostile.OutsideWorld` (a notebook, a
sentinel file, a module), reachable from inside the root only through
symlinks; the root also holds hidden folders (the server's ``allow_hidden`` is
False, the default). Every request is refused with a 4xx, and afterwards every
file outside the root and in the hidden folders has the same bytes and mtime,
and nothing new appeared next to the root.

Not covered here, by design: the type checker's cache lives outside the root
(``$XDG_CACHE_HOME/jupyter_prod``), a folder the server chooses, never the user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.errors import InputError, PathError, ProdError
from jupyter_prod_ext.paths import resolve_under
from jupyter_prod_ext.server.routes import ROUTES

from . import hostile
from .gitutil import first_commit, git, server_git_identity  # noqa: F401 - autouse: the server's HOME knows who commits
from .hostile import (
    BAD_MODULE_TARGETS,
    GOOD_MODULE_TARGETS,
    TRAVERSAL_PATHS,
    URL_ENCODED_PATHS,
    OutsideWorld,
    assert_one_line,
    assert_refused,
    call,
    count_case,
    expand_path,
    nb_dict,
)

ROUTE_NAMES = {name for name, _ in ROUTES}

#: (label, route, method, how the hostile path is placed in the request)
SLOTS: list[tuple[str, str, str]] = [
    ("check.path", "check", "POST"),
    ("check.path+notebook", "check", "POST"),
    ("format.path", "format", "POST"),
    ("format.path+notebook", "format", "POST"),
    ("promote.path", "promote", "POST"),
    ("promote.to", "promote", "POST"),
    ("commit.path", "commit", "POST"),
    ("commit.paths", "commit", "POST"),
    ("status.path", "status", "GET"),
    ("run.path", "run", "POST"),
    ("run.path+notebook", "run", "POST"),
    ("run-progress.path", "run", "GET"),
    ("run-cancel.path", "run", "DELETE"),
]

EXTRA_TARGETS = ["src_escape/mod.py", "escape/pkg/mod.py", "../{outside_name}/pkg/mod.py", "{outside}/pkg/mod.py"]


def _request(slot: str, hostile_path: str) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    ok_nb = nb_dict("def f(x):\n    return x + 1")
    if slot == "check.path":
        return {"path": hostile_path, "checks": "all"}, None
    if slot == "check.path+notebook":
        return {"path": hostile_path, "notebook": ok_nb}, None
    if slot == "format.path":
        return {"path": hostile_path}, None
    if slot == "format.path+notebook":
        return {"path": hostile_path, "notebook": ok_nb}, None
    if slot == "promote.path":
        return {"path": hostile_path, "cells": [0], "to": "src/pkg/mod.py"}, None
    if slot == "promote.to":
        return {"path": "nb.ipynb", "cells": [0], "to": hostile_path}, None
    if slot == "commit.path":
        return {"path": hostile_path, "message": "m", "allow_findings": True}, None
    if slot == "commit.paths":
        return {"path": "nb.ipynb", "paths": ["nb.ipynb", hostile_path], "message": "m", "allow_findings": True}, None
    if slot == "run.path":
        return {"path": hostile_path, "timeout": 20}, None
    if slot == "run.path+notebook":
        return {"path": hostile_path, "notebook": ok_nb, "timeout": 20}, None
    return None, {"path": hostile_path}


@pytest.fixture
def world(jp_root_dir: Path) -> OutsideWorld:
    root = jp_root_dir
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("def f(x):\n    return x + 1")), "utf-8")
    (root / "src" / "pkg").mkdir(parents=True)
    first_commit(root, "nb.ipynb")
    w = OutsideWorld.install(root)
    # the outside folder is a git repository too: a commit that escaped would land there
    git(w.dir, "init", "-q")
    w.snapshot()
    return w


def _cases() -> list[tuple[str, str]]:
    out = []
    for label, _route, _ in SLOTS:
        paths = list(TRAVERSAL_PATHS)
        if label == "promote.to":
            paths += EXTRA_TARGETS + [p for p in BAD_MODULE_TARGETS if p.startswith(("..", "/", "src/."))]
        out += [(label, p) for p in paths]
    return out


CASES = _cases()


@pytest.mark.parametrize("label", [s[0] for s in SLOTS])
async def test_traversal_is_refused_and_nothing_outside_changes(
    label: str, jp_fetch: Any, world: OutsideWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    route, method = next((r, m) for lab, r, m in SLOTS if lab == label)
    if route not in ROUTE_NAMES:
        pytest.skip(f"route {route} is not registered yet")
    seen = 0
    for lab, template in CASES:
        if lab != label:
            continue
        path = expand_path(template, world)
        body, params = _request(label, path)
        count_case("traversal")
        seen += 1
        code, data = await call(jp_fetch, route, method=method, body=body, params=params, timeout=60)
        assert 400 <= code < 500, (label, repr(path), code, data)
        data = assert_refused(code, data)
        if "escape" in path or world.name in path or path.startswith("/"):
            # leaving the root is a path error (403), or for `to` an input error (400), never "not found"
            assert code in (400, 403), (label, path, code, data)
        assert world.name not in json.dumps(data) or path.count(world.name), (label, path, data)
        assert "SECRET" not in json.dumps(data), (label, path, data)
        world.assert_untouched()
    assert seen >= len(TRAVERSAL_PATHS)


async def test_url_encoded_query_forms(
    jp_serverapp: Any, http_server_client: Any, jp_base_url: str, jp_auth_header: dict[str, str],
    world: OutsideWorld,
) -> None:
    """Percent-encoded forms sent raw (the server decodes them once): refused, nothing outside touched."""
    routes = [("status", "GET"), ("run", "GET"), ("run", "DELETE")]
    for route, method in routes:
        if route not in ROUTE_NAMES:
            continue
        for template in URL_ENCODED_PATHS:
            count_case("traversal")
            query = expand_path(template, world)
            url = f"{jp_base_url}jupyter-prod/{route}?path={query}"
            resp = await http_server_client.fetch(url, method=method, headers=jp_auth_header, raise_error=False)
            data = json.loads(resp.body)
            if "%25" in template and route == "run" and resp.code == 200:
                # decoded once, `%252e%252e` is the literal name `%2e%2e` inside the root: no run there
                assert data["state"] == "idle", data
            else:
                assert 400 <= resp.code < 500, (route, method, query, resp.code, data)
                assert_refused(resp.code, data)
            world.assert_untouched()


async def test_json_body_with_url_encoded_forms_are_literal_names(jp_fetch: Any, world: OutsideWorld) -> None:
    """In a JSON body, `%2e%2e` is a file name, not `..`: not found (404), nothing outside read."""
    for template in URL_ENCODED_PATHS:
        count_case("traversal")
        code, data = await call(jp_fetch, "check", body={"path": expand_path(template, world)})
        assert_refused(code, data, expect=(403, 404))
    world.assert_untouched()


async def test_symlinks_inside_the_root_still_work(jp_fetch: Any, world: OutsideWorld) -> None:
    """The confinement is about where a path leads, not about symlinks as such."""
    (world.root / "notebooks").mkdir()
    (world.root / "notebooks" / "real.ipynb").write_text(json.dumps(nb_dict("x = 1")), "utf-8")
    (world.root / "alias").symlink_to(world.root / "notebooks")
    code, data = await call(jp_fetch, "check", body={"path": "alias/real.ipynb"})
    assert code == 200, data


# --- in process: the one confinement function and module targets ------------------------------


@pytest.mark.parametrize("template", TRAVERSAL_PATHS)
def test_resolve_under_refuses(template: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    w = OutsideWorld.install(root)
    path = expand_path(template, w)
    with pytest.raises(ProdError) as exc:
        resolve_under(root, path, must_exist=True, allow_hidden=False)
    assert_one_line(exc.value.message)
    assert exc.value.status in (403, 404)
    if "escape" in path or w.name in path or path.startswith("/"):
        assert isinstance(exc.value, PathError)


@pytest.mark.parametrize("target", BAD_MODULE_TARGETS)
def test_bad_module_targets_are_refused_in_one_line(target: str, tmp_path: Path) -> None:
    from jupyter_prod_ext.promote.target import validate_target

    with pytest.raises((InputError, PathError)) as exc:
        validate_target(tmp_path, target, allow_hidden=False)
    assert_one_line(exc.value.message)


@pytest.mark.parametrize("target", GOOD_MODULE_TARGETS)
def test_good_module_targets_are_accepted(target: str, tmp_path: Path) -> None:
    from jupyter_prod_ext.promote.target import validate_target

    t = validate_target(tmp_path, target, allow_hidden=False)
    assert t.path == (tmp_path / target).resolve()
    assert all(part.isidentifier() for part in t.dotted.split("."))


def test_counts_registered() -> None:
    assert len(CASES) >= len(SLOTS) * len(TRAVERSAL_PATHS)
    assert hostile.TRAVERSAL_PATHS


async def test_bad_module_targets_over_http(jp_fetch: Any, world: OutsideWorld) -> None:
    """Every malformed `to` is refused in one line (400 input or 403 path), and nothing is written."""
    if "promote" not in ROUTE_NAMES:
        pytest.skip("promote is not routed yet")
    before = sorted(str(p) for p in world.root.rglob("*"))
    for target in BAD_MODULE_TARGETS:
        count_case("traversal")
        code, data = await call(jp_fetch, "promote", body={"path": "nb.ipynb", "cells": [0], "to": target})
        assert code in (400, 403), (target, code, data)
        assert_refused(code, data)
    assert sorted(str(p) for p in world.root.rglob("*")) == before
    world.assert_untouched()
