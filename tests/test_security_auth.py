"""Authentication, XSRF and authorization on every route.

* no token: 403 on every verb of every route;
* a browser session (the login cookie) that POSTs without the XSRF token: 403;
  the same cookie with the XSRF token works (so the 403 is XSRF, not a bad cookie);
* a server whose authorizer only allows ``read``: check, status and version
  answer; format, promote, commit and run are 403 and write nothing.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.auth import Authorizer

from jupyter_prod_ext.server.routes import ROUTES

from .gitutil import first_commit, git_identity, head_commit
from .hostile import assert_refused, call, nb_dict

ROUTE_NAMES = {name for name, _ in ROUTES}

#: (route, method) for every verb a route answers
VERBS: list[tuple[str, str]] = [
    ("check", "POST"),
    ("format", "POST"),
    ("promote", "POST"),
    ("commit", "POST"),
    ("status", "GET"),
    ("run", "POST"),
    ("run", "GET"),
    ("run", "DELETE"),
    ("version", "GET"),
]
READ_VERBS = {("check", "POST"), ("status", "GET"), ("version", "GET")}


class ReadOnlyAuthorizer(Authorizer):  # type: ignore[misc]
    """Allows reading only (a viewer account)."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return action == "read"


def _body(route: str) -> dict[str, Any]:
    return {
        "check": {"path": "nb.ipynb"},
        "format": {"path": "nb.ipynb"},
        "promote": {"path": "nb.ipynb", "cells": [0], "to": "src/pkg/mod.py"},
        "commit": {"path": "nb.ipynb", "message": "m", "allow_findings": True},
        "run": {"path": "nb.ipynb", "timeout": 30},
    }.get(route, {})


@pytest.fixture
def project(jp_root_dir: Path, jp_home_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git_identity(jp_home_dir, monkeypatch)
    root = jp_root_dir
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("def f(x):\n    return x + 1\n", "print(f(1))")), "utf-8")
    (root / "src" / "pkg").mkdir(parents=True)
    first_commit(root)
    return root


def _url(base: str, route: str, method: str) -> str:
    query = "?path=nb.ipynb" if method in ("GET", "DELETE") and route != "version" else ""
    return f"{base}jupyter-prod/{route}{query}"


@pytest.mark.parametrize("route,method", VERBS)
async def test_no_token_is_403(
    route: str, method: str, jp_serverapp: Any, http_server_client: Any, jp_base_url: str, project: Path
) -> None:
    if route not in ROUTE_NAMES:
        pytest.skip(f"{route} not routed yet")
    before = head_commit(project)
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if method == "POST":
        kwargs["body"] = json.dumps(_body(route))
    resp = await http_server_client.fetch(_url(jp_base_url, route, method), **kwargs)
    assert resp.code == 403, (route, method, resp.code, resp.body[:300])
    # a wrong token is no better than none
    resp = await http_server_client.fetch(
        _url(jp_base_url, route, method), headers={"Authorization": "token wrong"}, **kwargs
    )
    assert resp.code == 403, (route, method, resp.code)
    assert head_commit(project) == before
    assert not (project / "src" / "pkg" / "mod.py").exists()


async def _login_cookies(http_server_client: Any, base: str, token: str) -> dict[str, str]:
    """Log in the way a browser does (token in the URL once); return the cookies the server set."""
    resp = await http_server_client.fetch(
        f"{base}login?next={base}api/status", method="POST", raise_error=False, follow_redirects=False,
        body=f"password={token}", headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    cookies: dict[str, str] = {}
    for header in resp.headers.get_list("Set-Cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        cookies.update({k: m.value for k, m in jar.items()})
    if not any(k.startswith("username-") for k in cookies):
        # older flow: visiting a page with ?token= sets the login cookie
        resp = await http_server_client.fetch(f"{base}api/me?token={token}", raise_error=False)
        for header in resp.headers.get_list("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(header)
            cookies.update({k: m.value for k, m in jar.items()})
    return cookies


@pytest.mark.parametrize("route,method", [v for v in VERBS if v[1] != "GET"])
async def test_cookie_post_without_xsrf_is_403(
    route: str, method: str, jp_serverapp: Any, http_server_client: Any, jp_base_url: str, project: Path
) -> None:
    if route not in ROUTE_NAMES:
        pytest.skip(f"{route} not routed yet")
    token = jp_serverapp.identity_provider.token
    cookies = await _login_cookies(http_server_client, jp_base_url, token)
    login = {k: v for k, v in cookies.items() if k.startswith("username-")}
    assert login, f"could not obtain a login cookie: {cookies}"
    cookie_header = "; ".join(f"{k}={v}" for k, v in login.items())
    before = head_commit(project)
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if method == "POST":
        kwargs["body"] = json.dumps(_body(route))
    url = _url(jp_base_url, route, method)
    resp = await http_server_client.fetch(url, headers={"Cookie": cookie_header}, **kwargs)
    assert resp.code == 403, (route, method, resp.code, resp.body[:300])
    assert b"XSRF" in resp.body or b"xsrf" in resp.body, resp.body[:300]
    assert head_commit(project) == before
    assert not (project / "src" / "pkg" / "mod.py").exists()
    # control: the same session with the XSRF token (cookie + header, as JupyterLab sends it) is let in
    if route in ("check",) and method == "POST":
        xsrf = "2|abcdef01|0123456789abcdef0123456789abcdef|1700000000"
        headers = {"Cookie": f"{cookie_header}; _xsrf={xsrf}", "X-XSRFToken": xsrf}
        resp = await http_server_client.fetch(url, headers=headers, **kwargs)
        assert resp.code == 200, (resp.code, resp.body[:300])


@pytest.fixture
def jp_server_config(jp_server_config: Any) -> Any:  # type: ignore[no-untyped-def]
    return jp_server_config


class TestReadOnly:
    @pytest.fixture
    def jp_server_config(self) -> dict[str, Any]:
        return {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_prod_ext": True},
                "allow_unauthenticated_access": False,
                "authorizer_class": ReadOnlyAuthorizer,
            }
        }

    @pytest.mark.parametrize("route,method", VERBS)
    async def test_read_only_user(self, route: str, method: str, jp_fetch: Any, project: Path) -> None:
        if route not in ROUTE_NAMES:
            pytest.skip(f"{route} not routed yet")
        before = head_commit(project)
        params = {"path": "nb.ipynb"} if method in ("GET", "DELETE") and route != "version" else None
        code, data = await call(jp_fetch, route, method=method, body=_body(route), params=params)
        if (route, method) in READ_VERBS:
            assert code == 200, (route, method, code, data)
        else:
            assert code == 403, (route, method, code, data)
            assert_refused(code, data)
        assert head_commit(project) == before
        assert not (project / "src" / "pkg" / "mod.py").exists()
