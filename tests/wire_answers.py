"""Every answer of our routes in the suite is checked against the wire contract's JSON Schema.

``conftest.py`` wraps pytest-jupyter's ``jp_fetch`` with :func:`checked_fetch`: whatever a handler test
asks, the answer (2xx: the route's ``x-routes`` response; otherwise :class:`ErrorBody`) must validate
against ``docs/api/wire.json``. So an answer that drifts from the schema (a new key, a wrong type) fails
the test that provoked it, not only a hand-written sample.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema  # jupyter_server's own dependency (jupyter_events)
from tornado.httpclient import HTTPClientError

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "api" / "wire.json"
NAMESPACE = "jupyter-prod"


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


def answer_schema(route: str, method: str, status: int) -> dict[str, Any] | None:
    """The schema an answer of ``method route`` with ``status`` must have (None: not one of our JSON answers)."""
    schema = _schema()
    if status >= 400:
        ref: dict[str, Any] = {"$ref": "#/$defs/ErrorBody"}
    else:
        verbs = schema["x-routes"].get(route, {})
        if method not in verbs:
            return None
        ref = verbs[method]["response"]
    return {**ref, "$defs": schema["$defs"]}


def check_cli_output(command: str, text: str) -> None:
    """Fail when ``jupyter-prod COMMAND --format json`` printed something off the contract (``x-cli``)."""
    schema = _schema()
    found = {**schema["x-cli"][command], "$defs": schema["$defs"]}
    errors = list(jsonschema.Draft202012Validator(found).iter_errors(json.loads(text)))
    assert not errors, f"jupyter-prod {command} --format json is off-contract: {errors[0].message}"


def check_answer(route: str, method: str, status: int, body: bytes) -> None:
    """Fail (AssertionError, one line) when the answer does not fit the contract."""
    found = answer_schema(route, method, status)
    if found is None or not body:
        return
    data = json.loads(body)
    if status >= 400 and data.get("kind") == "http":
        return  # tornado's own errors (405, auth) answer through write_error: still {"error","kind","details"}
    errors = sorted(jsonschema.Draft202012Validator(found).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, f"{method} {route} answered off-contract: {errors[0].message} at {list(errors[0].path)}"


def checked_fetch(fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``jp_fetch`` that also checks every answer of our routes against the schema."""

    async def wrapper(*parts: str, **kwargs: Any) -> Any:
        route = parts[1].split("?")[0] if len(parts) > 1 and parts[0] == NAMESPACE else None
        method = str(kwargs.get("method", "GET")).upper()
        try:
            response = await fetch(*parts, **kwargs)
        except HTTPClientError as exc:
            if route is not None and exc.response is not None:
                check_answer(route, method, exc.code, exc.response.body)
            raise
        if route is not None:
            check_answer(route, method, response.code, response.body)
        return response

    return wrapper


async def call(
    jp_fetch: Any, route: str, body: dict[str, Any] | str | None = None, **params: str
) -> tuple[int, Any]:
    """Ask ``route`` (its path: ``"jupyter-prod/check"``): POST ``body`` (JSON, or a string sent as it is),
    or without one GET with ``params`` as the query; the status code and the JSON answer, an error's too."""
    raw = body if body is None or isinstance(body, str) else json.dumps(body)
    try:
        if raw is None:
            resp = await jp_fetch(*route.split("/"), params=params or None)
        else:
            resp = await jp_fetch(*route.split("/"), method="POST", body=raw)
    except HTTPClientError as exc:
        assert exc.response is not None
        return exc.code, json.loads(exc.response.body)
    return resp.code, json.loads(resp.body)
