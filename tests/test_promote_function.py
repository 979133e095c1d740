"""Cells promoted as a function keep what their last line showed (real black, a real kernel)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat.v4 as v4

from jupyter_prod_ext.execution.runner import run_file
from jupyter_prod_ext.promote import PromoteOptions, promote
from jupyter_prod_ext.promote.types import PromoteResultDict, Reason
from jupyter_prod_ext.promote.verify import verify_module

from .nbutil import git_project, kernel_nb, make_nb, write_nb


def project(tmp_path: Path, nb: dict[str, Any]) -> tuple[Path, Path]:
    """A git project whose root holds the notebook (its kernel imports modules written beside it)."""
    root = git_project(tmp_path)
    return root, write_nb(root / "analysis.ipynb", nb)


def as_function(
    root: Path, nb: Path, cells: list[int], *, dry_run: bool = False, name: str = "area_of"
) -> PromoteResultDict:
    return promote(
        nb,
        PromoteOptions(to="shapes.py", cells=list(cells), as_function=name, dry_run=dry_run),
        project_root=root,
        write_notebook=True,
        run_typecheck=False,
    )


def test_the_call_shows_what_the_cells_last_line_showed_in_a_clean_kernel(tmp_path: Path) -> None:
    """The cell's last expression was its output; as a function it was a statement, and the call that
    replaced the cell showed nothing. The function returns it, and a clean run of the promoted notebook
    reproduces the output the cell had."""
    shown = v4.new_output("execute_result", data={"text/plain": "12.57"}, execution_count=2)
    cell = v4.new_code_cell("r = 2\narea = math.pi * r ** 2\nround(area, 2)", execution_count=2)
    cell.outputs = [shown]
    root, nb = project(tmp_path, kernel_nb(v4.new_code_cell("import math", execution_count=1), cell))
    assert run_file(nb, timeout=120, cell_timeout=60)["run"]["reproduced"] is True  # as saved, before

    answer = as_function(root, nb, [1])
    assert answer["ok"], answer["problems"]
    assert "    return round(area, 2)\n" in answer["module_source"]
    assert answer["warnings"] == []
    data = json.loads(nb.read_text(encoding="utf-8"))
    [call] = [c for c in data["cells"] if c["id"] == cell["id"]]
    assert "".join(call["source"]).splitlines()[-1] == "area_of()"
    call["outputs"], call["execution_count"] = [shown], 2  # what the person saw in that cell
    nb.write_text(json.dumps(data), encoding="utf-8")

    report = run_file(nb, timeout=120, cell_timeout=60)
    assert report["findings"] == [], report["findings"]
    assert report["run"]["reproduced"] is True and report["run"]["changed"] == []


def test_cells_that_await_become_an_async_function_whose_call_is_awaited(tmp_path: Path) -> None:
    """IPython runs a cell's top-level ``await``; as the body of a plain ``def`` it parsed (``ast.parse``
    accepts it) but failed to compile, so the written module raised SyntaxError when imported. The
    function is ``async def`` and the cell awaits its call, which a clean kernel runs and shows."""
    shown = v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=2)
    cell = v4.new_code_cell("await asyncio.sleep(0)\nvalue = 6 * 7\nvalue", execution_count=2)
    cell.outputs = [shown]
    root, nb = project(tmp_path, kernel_nb(v4.new_code_cell("import asyncio", execution_count=1), cell))
    answer = as_function(root, nb, [1], name="answer")
    assert answer["ok"], answer["problems"]
    assert "async def answer():\n    await asyncio.sleep(0)\n" in answer["module_source"]
    data = json.loads(nb.read_text(encoding="utf-8"))
    [call] = [c for c in data["cells"] if c["id"] == cell["id"]]
    assert "".join(call["source"]).splitlines()[-1] == "await answer()"
    call["outputs"], call["execution_count"] = [shown], 2
    nb.write_text(json.dumps(data), encoding="utf-8")
    report = run_file(nb, timeout=120, cell_timeout=60)
    assert report["findings"] == [], report["findings"]
    assert report["run"]["reproduced"] is True


def test_a_module_that_parses_but_does_not_compile_is_refused() -> None:
    """The module is compiled as importing it would be, not only parsed: what only the compiler refuses
    is refused before anything is written, unless the module already failed so (not the promotion's)."""
    text = "def f():\n    await g()\n"
    [problem] = verify_module(text, None, set(), "m.py")
    assert problem.reason is Reason.MODULE_DOES_NOT_PARSE
    assert problem.message == (
        "The module would not compile (line 2: 'await' outside async function); nothing was written."
    )
    assert verify_module(text + "\n\ndef g():\n    return 1\n", text, set(), "m.py") == []


def test_a_shown_line_that_reads_what_the_function_returns_stays_after_the_call(tmp_path: Path) -> None:
    """Later cells read ``area``, so the call assigns it (``area = area_of()``) and shows nothing; the
    cell's shown last line reads only ``area``, so it stays in the notebook after the call and shows the
    same value in a clean kernel, with the later cell's output."""
    shown = v4.new_output("execute_result", data={"text/plain": "12.57"}, execution_count=2)
    cell = v4.new_code_cell("r = 2\narea = math.pi * r ** 2\nround(area, 2)", execution_count=2)
    cell.outputs = [shown]
    later = v4.new_code_cell("print(area > 12)", execution_count=3)
    later.outputs = [v4.new_output("stream", name="stdout", text="True\n")]
    root, nb = project(tmp_path, kernel_nb(v4.new_code_cell("import math", execution_count=1), cell, later))
    answer = as_function(root, nb, [1])
    assert answer["ok"], answer["problems"]
    assert answer["warnings"] == [] and "round" not in answer["module_source"]
    assert "    return area\n" in answer["module_source"]
    data = json.loads(nb.read_text(encoding="utf-8"))
    [call] = [c for c in data["cells"] if c["id"] == cell["id"]]
    assert "".join(call["source"]).endswith("area = area_of()\nround(area, 2)")
    call["outputs"], call["execution_count"] = [shown], 2
    nb.write_text(json.dumps(data), encoding="utf-8")
    report = run_file(nb, timeout=120, cell_timeout=60)
    assert report["findings"] == [], report["findings"]
    assert report["run"]["reproduced"] is True and report["run"]["changed"] == []


def test_a_last_line_that_ran_and_showed_nothing_is_no_shown_value(tmp_path: Path) -> None:
    """``plt.style.use('classic')`` or ``pdb.set_trace()`` ends a cell that ran and showed nothing (the
    value is None): the warning said the cell 'showed the value of its last line' and the call would not
    show it (ipython-books/cookbook-2nd-code, donnemartin's matplotlib notebooks). A cell saved without
    having run may still show one."""
    ran = make_nb(("import math\nimport random", 1), ("r = 2\nrandom.seed(r)", 2), ("area = math.pi * r ** 2\nprint(area)", 3))
    root, nb = project(tmp_path, ran)
    quiet = as_function(root, nb, [1, 2], dry_run=True)
    assert quiet["ok"], quiet["problems"]
    assert not [w for w in quiet["warnings"] if "showed" in w], quiet["warnings"]
    never_ran = make_nb("import math\nimport random", "r = 2\nrandom.seed(r)", "area = math.pi * r ** 2\nprint(area)")
    root2, nb2 = project(tmp_path / "b", never_ran)
    assert [w for w in as_function(root2, nb2, [1, 2], dry_run=True)["warnings"] if "showed" in w] == [
        "Cell 2 showed the value of its last line `random.seed(r)`; the call of `area_of` will not show it (one "
        "call shows one value, the last cell's): display it in a cell after the call."
    ]


def test_a_cell_edited_after_it_ran_still_shows_its_last_value(tmp_path: Path) -> None:
    """A count and no result was believed for any last line: ``r = 2`` ran, ``r`` was added and the notebook
    saved without running it again (its outputs are of the old source), and the 'showed the value' warning
    was dropped. Only a call known to return None (``random.seed(r)``) is believed to have shown nothing."""
    edited = make_nb(("import math", 1), ("r = 2\nr", 2), ("area = math.pi * r ** 2\narea", 3))
    root, nb = project(tmp_path, edited)
    assert [w for w in as_function(root, nb, [1, 2], dry_run=True)["warnings"] if "showed" in w] == [
        "Cell 2 showed the value of its last line `r`; the call of `area_of` will not show it (one call "
        "shows one value, the last cell's): display it in a cell after the call."
    ]


def test_a_shown_value_the_call_cannot_show_is_said_in_one_line(tmp_path: Path) -> None:
    """Only the last value can be the call's: another cell's shown value, or one when later cells need
    the function's names, is a warning; a last line ending in ``;`` or a ``print`` showed no value."""
    root, nb = project(
        tmp_path, make_nb("import math", "r = 2\nr", "area = math.pi * r ** 2\nround(area, r)", "print(area)")
    )
    lost = as_function(root, nb, [1, 2], dry_run=True)
    assert lost["ok"], lost["problems"]
    assert lost["warnings"] == [
        f"Cell {n} showed the value of its last line `{line}`; the call of `area_of` will not show it "
        "(`area_of` returns area for later cells): display it in a cell after the call."
        for n, line in ((2, "r"), (3, "round(area, r)"))  # it reads r, which the function does not return
    ]
    assert "    return area\n" in lost["module_source"]
    root2, nb2 = project(tmp_path / "b", make_nb("import math", "r = 2\nr", "area = math.pi * r ** 2\narea"))
    last = as_function(root2, nb2, [1, 2], dry_run=True)
    assert "    r\n" in last["module_source"] and "    return area\n" in last["module_source"]
    assert [w for w in last["warnings"] if "showed" in w] == [
        "Cell 2 showed the value of its last line `r`; the call of `area_of` will not show it (one call "
        "shows one value, the last cell's): display it in a cell after the call."
    ]
    for quiet in ("r = 2\nround(r * 1.5);  # no output", "r = 2\nprint(r)"):
        root3, nb3 = project(tmp_path / str(len(quiet)), make_nb(quiet))
        silent = as_function(root3, nb3, [0], dry_run=True)
        assert silent["ok"] and "return" not in silent["module_source"], silent["module_source"]
        assert not [w for w in silent["warnings"] if "showed" in w]
