"""Hygiene checks: output size (configurable) and outputs in the file."""

from __future__ import annotations

import base64

import nbformat.v4 as v4

from jupyter_prod_ext.checks.base import Context, Settings
from jupyter_prod_ext.checks.engine import run_checks
from jupyter_prod_ext.notebook import notebook_from_dict

from .nbutil import make_nb


def test_large_output_counts_images_and_is_configurable() -> None:
    data = make_nb(("plot()", 1), ("x = 1", 2))
    png = base64.b64encode(b"\x89PNG" + bytes(600 * 1024)).decode()
    data["cells"][0]["outputs"] = [v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    data["cells"][1]["outputs"] = [v4.new_output("stream", name="stdout", text="small\n")]
    nb = notebook_from_dict(data)
    found = run_checks(Context(nb=nb), ["large-output"])["findings"]
    assert [f["cell"] for f in found] == [0] and "limit is 500 KB" in found[0]["message"]
    big = Settings(extra={"large-output-kb": 2000})
    assert run_checks(Context(nb=nb, settings=big), ["large-output"])["findings"] == []


def test_outputs_present() -> None:
    data = make_nb(("print(1)", 1), "x = 1")
    nb = notebook_from_dict(data)
    assert run_checks(Context(nb=nb), ["outputs-present"])["findings"] == []
    data["cells"][0]["outputs"] = [v4.new_output("stream", name="stdout", text="1\n")]
    found = run_checks(Context(nb=notebook_from_dict(data)), ["outputs-present"])["findings"]
    assert len(found) == 1 and found[0]["severity"] == "info" and found[0]["message"].startswith("1 cell")
