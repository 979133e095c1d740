"""Promotion engine: slice, module, merge, drift, rewrite (real black, real mypy, real files)."""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
import threading
import tokenize
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.analysis import analyse
from jupyter_prod_ext.errors import InputError, PathError
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.promote import PromoteOptions, promote
from jupyter_prod_ext.promote.rewrite import apply_edits, verify
from jupyter_prod_ext.promote.select import Program
from jupyter_prod_ext.promote.textedit import add_parameters_text
from jupyter_prod_ext.promote.types import PromoteResultDict, Reason
from jupyter_prod_ext.typecheck import TypecheckSettings

from . import nbutil
from .nbutil import cell_sources, make_nb

PYPROJECT = """\
[project]
name = "demo"
version = "0.1"

[tool.black]
line-length = 100

[tool.mypy]
ignore_missing_imports = true
"""

MYPY = TypecheckSettings(backend="mypy")


def make_project(tmp_path: Path, *sources: str, outputs: dict[int, str] | None = None) -> tuple[Path, Path]:
    """:func:`nbutil.make_project` with this file's black and mypy settings."""
    return nbutil.make_project(tmp_path, *sources, outputs=outputs, pyproject=PYPROJECT)


#: where :func:`run` promotes to unless told otherwise
FEATURES = "src/demo_pkg/features.py"


def features(root: Path) -> str:
    """The text of the module :func:`run` promotes to by default."""
    return (root / FEATURES).read_text(encoding="utf-8")


def run(
    root: Path, nb: Path, *, typecheck: bool = False, write_notebook: bool = True, **kw: Any
) -> PromoteResultDict:
    kw.setdefault("to", FEATURES)
    return promote(
        nb,
        PromoteOptions(**kw),
        project_root=root,
        write_notebook=write_notebook,
        typecheck_settings=MYPY,
        run_typecheck=typecheck,
    )


def promoted(root: Path, nb: Path, **kw: Any) -> PromoteResultDict:
    """:func:`run`, which must succeed (its problems shown when it does not)."""
    r = run(root, nb, **kw)
    assert r["ok"], r["problems"]
    return r


def pyflakes(path: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "pyflakes", str(path)], capture_output=True, text=True, timeout=60
    )
    return proc.stdout + proc.stderr


def black_check(path: Path) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", str(path)], capture_output=True, timeout=60
    )
    return proc.returncode


BASIC = (
    "import os\nimport numpy as np\nimport pandas as pd\nfrom collections import OrderedDict, Counter",
    "THRESHOLD = 0.5\nSCALE = THRESHOLD * 2\nLABEL = f'scale {SCALE}'",
    "def clean(x):\n    return x * SCALE",
    "def score(values):\n    # the score of some values\n    c = Counter(values)\n"
    "    return sum(clean(v) for v in c) + np.pi",
    "df = pd.read_csv('data.csv')",
    "score([1, 2])",
    "total = score([3])\nprint(total, os.sep)",
)


def test_slice_transitive_helpers_constants_and_only_used_imports(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, *BASIC)
    r = promoted(root, nb, names=["score"], typecheck=True)
    src = r["module_source"]
    assert "import numpy as np" in src
    assert "from collections import Counter" in src and "OrderedDict" not in src
    assert "import os" not in src and "pandas" not in src
    assert "LABEL" not in src  # not needed by score
    assert (
        src.index("THRESHOLD = 0.5") < src.index("SCALE = ") < src.index("def clean") < src.index("def score")
    )
    assert '__all__ = ["score"]' in src
    assert src.startswith('"""Promoted from analysis.ipynb by jupyter-prod.')
    reasons = {(s["name"], s["reason"]) for s in r["slice"]}
    assert ("clean", "called by score") in reasons
    assert ("SCALE", "constant used by clean") in reasons
    assert ("THRESHOLD", "constant used by SCALE") in reasons
    assert ("np", "import used by score") in reasons
    assert ("Counter", "import used by score") in reasons
    assert r["typecheck"]["ran"] and r["typecheck"]["errors"] == []
    module = root / "src/demo_pkg/features.py"
    assert module.read_text() == src
    assert (root / "src/demo_pkg/__init__.py").is_file() and not (root / "src/__init__.py").exists()
    assert pyflakes(module) == "" and black_check(module) == 0
    assert sorted(r["written"]) == ["analysis.ipynb", "src/demo_pkg/__init__.py", "src/demo_pkg/features.py"]
    data = json.loads(nb.read_text())
    assert data["nbformat"] == 4 and data["nbformat_minor"] == 5
    assert "from demo_pkg.features import score" in "".join(data["cells"][0]["source"])
    assert all("def score" not in "".join(c["source"]) for c in data["cells"])
    meta = data["metadata"]["jupyter_prod"]
    assert meta["modules"] == ["src/demo_pkg/features.py"]
    assert {p["name"] for p in meta["promoted"]} == {"THRESHOLD", "SCALE", "clean", "score"}
    assert any("pip install -e ." in w for w in r["warnings"])
    # the rewritten notebook still defines every name its cells use
    nb2 = notebook_from_dict(data)
    assert [x for x in analyse(nb2).resolutions if x.status == "undefined"] == []


def test_mypy_errors_map_to_cell_and_line(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "def f(x: int) -> str:\n    y = 1\n    return x + y")
    r = run(root, nb, names=["f"], typecheck=True, dry_run=True)
    assert r["ok"]
    errors = r["typecheck"]["errors"]
    assert errors, r["typecheck"]
    e = errors[0]
    assert (e["cell"], e["cell_line"]) == (0, 3)
    assert r["module_source"].split("\n")[e["module_line"] - 1].strip() == "return x + y"


def test_import_alias_and_from_import_trimmed(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "import numpy as np, json\nfrom os import path as osp, sep",
        "def f(p):\n    return osp.join(p, 'x'), np.zeros(1)",
    )
    r = promoted(root, nb, names=["f"], dry_run=True)
    src = r["module_source"]
    assert "import numpy as np" in src and "from os import path as osp" in src
    assert "json" not in src and "sep" not in src


def test_star_import_refused_with_explanation(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "from math import *", "def f(x):\n    return sqrt(x)")
    r = run(root, nb, names=["f"], dry_run=True)
    assert not r["ok"]
    assert any("from math import *" in p and "sqrt" in p for p in r["problems"])
    # a function that only uses explicit names is fine next to a star import
    root2, nb2 = make_project(tmp_path / "b", "from math import *\nimport os", "def g():\n    return os.sep")
    assert run(root2, nb2, names=["g"], dry_run=True)["ok"]


def test_decorators_classes_and_nested_functions(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "import functools",
        "def logged(fn):\n    @functools.wraps(fn)\n    def inner(*a):\n        return fn(*a)\n    return inner",
        "def helper(v):\n    return v + 1",
        "class Model:\n    def __init__(self, k):\n        self.k = k\n\n    def predict(self, v):\n"
        "        return helper(v) * self.k",
        "@logged\ndef run(v):\n    def nested(w):\n        return Model(2).predict(w)\n    return nested(v)",
    )
    r = promoted(root, nb, names=["run"], typecheck=True)
    reasons = {s["name"]: s["reason"] for s in r["slice"]}
    assert reasons["logged"] == "decorator used by run"
    assert reasons["Model"] == "class used by run"
    assert reasons["helper"] == "called by Model"
    assert reasons["functools"] == "import used by logged"
    module = root / "src/demo_pkg/features.py"
    assert pyflakes(module) == ""
    sys.path.insert(0, str(root / "src"))
    try:
        import importlib

        mod = importlib.import_module("demo_pkg.features")
        assert mod.run(3) == 8
    finally:
        sys.path.remove(str(root / "src"))
        for name in [m for m in sys.modules if m.startswith("demo_pkg")]:
            del sys.modules[name]


def test_global_side_effects_refused(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path, "count = 0", "def bump():\n    global count\n    count += 1\n    return count"
    )
    r = run(root, nb, names=["bump"], dry_run=True)
    assert not r["ok"]
    assert any("global" in p and "count" in p and "return the new value" in p for p in r["problems"])


def test_magics_are_refused(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "def f():\n    files = !ls\n    return files",
        "%matplotlib inline\nx = 1\ny = x + 1",
        "print(y)",
    )
    r = run(root, nb, names=["f"], dry_run=True)
    assert not r["ok"] and any("!ls" in p for p in r["problems"])
    r = run(root, nb, cells=[1], as_function="setup", dry_run=True)
    assert not r["ok"] and any("%matplotlib inline" in p for p in r["problems"])


def test_an_automagic_with_options_is_refused_as_a_magic(tmp_path: Path) -> None:
    """``ls -a`` alone in a cell (ipython-books/cookbook-2nd-code) is IPython's ``%ls -a``: making a function
    of it was refused with 'step uses `ls`, which no cell defines' and the same for `a`, an option."""
    root, nb = make_project(tmp_path, "pwd", "ls -a", "x = 1")
    r = run(root, nb, cells=[0, 1, 2], as_function="step", dry_run=True)
    assert _reasons(r) == ["magic", "magic"]
    assert r["problems"] == [
        "step runs `pwd` alone on a line, which IPython runs as the magic `%pwd`; a module cannot run magics.",
        "step runs `ls -a` alone on a line, which IPython runs as the magic `%ls -a`; a module cannot run magics.",
    ]


def test_a_name_of_python_2_says_what_to_port(tmp_path: Path) -> None:
    """A Python 2 notebook (donnemartin/data-science-ipython-notebooks' TensorFlow exercises): promoting
    ``sample`` was refused with 'uses `vocabulary_size`, which no cell defines before it' though a ``print x``
    cell defines it, and the same for ``xrange``. Each line now says what to fix: that cell, or the builtin."""
    root, nb = make_project(
        tmp_path,
        "size = 27\nprint size",
        "def sample(n):\n    return [i % size for i in xrange(n)]",
    )
    r = run(root, nb, names=["sample"], dry_run=True)
    assert r["problems"] == [
        "sample uses `xrange`, a builtin of Python 2 that Python 3 has not; port it first (range).",
        "sample uses `size`, which cell 1 may define, but that cell is not valid Python (line 2: Missing "
        "parentheses in call to 'print'. Did you mean print(...)?); fix it first.",
    ]


def test_a_string_annotation_written_as_a_note_is_said_to_be_one(tmp_path: Path) -> None:
    """``def kinetic_energy(mass: 'kg') -> 'J':`` (ipython-books/cookbook-2nd-code, annotations as notes):
    mypy reads the strings as types, so the promotion is refused as any name the module lacks; the line
    said only 'Name "kg" is not defined', about a name nobody wrote as one. It says where it comes from."""
    fn = 'def kinetic_energy(mass: "kg", velocity: "m/s") -> "J":\n    return 0.5 * mass * velocity**2'
    root, nb = make_project(tmp_path, fn, "kinetic_energy(2, 3)")
    r = run(root, nb, names=["kinetic_energy"], typecheck=True, dry_run=True)
    assert _reasons(r) == ["mypy-name-defined", "mypy-name-defined"]
    assert r["problems"][0] == (
        'src/demo_pkg/features.py line 6: Name "kg" is not defined (the string annotation naming it is read by '
        "mypy as a type: import or define kg, or keep the note in the docstring); nothing was written."
    )


def test_unmoved_data_parameter_and_move(tmp_path: Path) -> None:
    sources = (
        "import pandas as pd",
        "df = pd.DataFrame({'a': [1, 2]})",
        "def helper(n):\n    return df.a.sum() + n",
        "def total(n):\n    return helper(n) * 2",
        "total(1)",
        "other = df.a.max()",
    )
    root, nb = make_project(tmp_path, *sources)
    r = run(root, nb, names=["total"], dry_run=True)
    assert not r["ok"]
    assert [u["name"] for u in r["unmoved"]] == ["df"]
    assert r["unmoved"][0]["choices"] == ["parameter", "move", "cancel"] and r["unmoved"][0]["cell"] == 1
    assert any("parameter or move" in p for p in r["problems"])

    r = promoted(root, nb, names=["total"], unmoved={"df": "parameter"}, write_notebook=False)
    src = r["module_source"]
    assert "def helper(n, *, df):" in src and "def total(n, *, df):" in src and "helper(n, df=df)" in src
    assert "read_csv" not in src and "pd.DataFrame" not in src
    replaced = [e for e in r["notebook_edits"] if e["op"] == "replace"]
    assert any(e["source"] == "total(1, df=df)" for e in replaced)  # type: ignore[typeddict-item]

    root2, nb2 = make_project(tmp_path / "m", *sources)
    r = promoted(root2, nb2, names=["total"], unmoved={"df": "move"}, dry_run=True)
    assert "df = pd.DataFrame" in r["module_source"] and "import pandas as pd" in r["module_source"]
    assert any("moved on request" in w for w in r["warnings"])
    # the later cell that reads df now gets it from the module
    assert any(
        e["op"] == "replace" and "import total, df" in e["source"] for e in r["notebook_edits"]  # type: ignore[typeddict-item]
    )

    r = run(root2, nb2, names=["total"], unmoved={"df": "cancel"}, dry_run=True)
    assert not r["ok"] and any(p.startswith("Cancelled") for p in r["problems"])


def test_as_function_params_returns_and_call(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "import pandas as pd\nimport numpy as np",
        "raw = pd.DataFrame({'a': [1.0, 2.0]})",
        "def norm(s):\n    return s / s.max()",
        "LIMIT = 3",
        "clean = raw.dropna().head(LIMIT)\nclean['b'] = norm(clean.a)\nscratch = 1",
        "means = clean.mean()\nlog = np.log(means)",
        "print(clean.shape, log)",
    )
    r = promoted(root, nb, cells=[4, 5], as_function="prepare", typecheck=True)
    src = r["module_source"]
    assert "def prepare(raw, LIMIT):" in src and "return clean, log" in src
    assert "LIMIT = 3" not in src  # the notebook's values are arguments, not copies
    assert "def norm(s):" in src and "import numpy as np" in src and "pandas" not in src
    item = next(s for s in r["slice"] if s["kind"] == "statements")
    assert "of raw, LIMIT" in item["reason"] and "returning clean, log" in item["reason"]
    data = json.loads(nb.read_text())
    sources = ["".join(c["source"]) for c in data["cells"]]
    assert "clean, log = prepare(raw, LIMIT)" in sources
    assert len(sources) == 6
    assert [x for x in analyse(notebook_from_dict(data)).resolutions if x.status == "undefined"] == []
    flakes = pyflakes(root / "src/demo_pkg/features.py")
    assert "undefined name" not in flakes and "imported but unused" not in flakes
    assert "'scratch' is assigned to but never used" in flakes  # the cells' own dead store, kept as written


def test_cells_selection_keeps_statements_that_are_not_definitions(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "import math\n\ndef area(r):\n    return math.pi * r ** 2\n\narea(2)")
    r = promoted(root, nb, cells=[0], dry_run=True)
    edit = next(e for e in r["notebook_edits"] if e["op"] == "replace")
    assert edit["source"] == "from demo_pkg.features import area\narea(2)"  # type: ignore[typeddict-item]
    assert any("stay in the notebook" in w for w in r["warnings"])
    # the preview can offer the statements as a function, named by the cell's number (Cell 1)
    assert r["function_offer"] == "cell_1"
    f = run(root, nb, cells=[0], as_function="cell_1", dry_run=True)
    assert f["ok"] and f["function_offer"] == "cell_1", f["problems"]
    assert "def cell_1():" in f["module_source"] and "area(2)" in f["module_source"]
    root2, nb2 = make_project(tmp_path / "b", "total = sum([1, 2])\nprint(total)")
    assert run(root2, nb2, cells=[0], dry_run=True)["function_offer"] == "compute_total"
    # a one-letter name (the file of a with) is passed over for the first longer one, then taken alone
    root4, nb4 = make_project(tmp_path / "d", 'with open("a.txt") as f:\n    raw_text = f.read()\nprint(raw_text)')
    assert run(root4, nb4, cells=[0], dry_run=True)["function_offer"] == "compute_raw_text"
    root5, nb5 = make_project(tmp_path / "e", "for i in range(3):\n    print(i)")
    assert run(root5, nb5, cells=[0], dry_run=True)["function_offer"] == "compute_i"
    root3, nb3 = make_project(tmp_path / "c", "def f():\n    return 1")
    assert run(root3, nb3, cells=[0], dry_run=True)["function_offer"] is None


def test_a_cell_that_does_not_parse_is_its_only_problem(tmp_path: Path) -> None:
    """No choice helps a cell that does not parse: the preview says so, and offers no function of it."""
    root, nb = make_project(tmp_path, "def broken(:\n    pass", "x = 1")
    r = run(root, nb, cells=[0], dry_run=True)
    assert not r["ok"]
    assert [x["reason"] for x in r["refusals"]] == ["does-not-parse"], r["problems"]
    assert r["function_offer"] is None
    root2, nb2 = make_project(tmp_path / "b", "import math")
    lone = run(root2, nb2, cells=[0], dry_run=True)
    assert lone["problems"] == [
        "Cell 1 defines no function, class or constant, so promoting the definitions only would write an empty "
        "module; make a function of the cells instead ('Make a function of the cells' in the dialog, "
        "--as-function NAME on the command line)."
    ]


def test_definitions_only_of_a_cell_without_definitions_previews_no_module(tmp_path: Path) -> None:
    """'Definitions only' on cells of plain statements previewed a module of a docstring alone, which
    the dialog offered to write: now the one line says what to do, the module is shown unchanged (no
    diff), and no warning repeats the problem."""
    root, nb = make_project(tmp_path, "x = 1", "print(x)\nx")
    r = run(root, nb, cells=[1], dry_run=True)
    assert [x["reason"] for x in r["refusals"]] == ["nothing-to-promote"], r["problems"]
    assert r["problems"][0].startswith("Cell 2 defines no function, class or constant")
    assert r["module_source"] == "" and r["module_diff"] == "" and r["slice"] == []
    assert r["warnings"] == [] and r["function_offer"] == "cell_2"  # Cell 2's function
    existing = root / FEATURES
    existing.parent.mkdir(parents=True)
    existing.write_text('"""Mine."""\n\n\ndef kept() -> int:\n    return 1\n', encoding="utf-8")
    again = run(root, nb, cells=[1], dry_run=True)
    assert again["module_source"] == existing.read_text(encoding="utf-8") and again["module_diff"] == ""
    # the function of the cells is what it offers, and that promotes
    done = run(root, nb, cells=[1], as_function="cell_2")
    assert done["ok"], done["problems"]
    assert "def kept()" in features(root) and "def cell_2(x):" in features(root)


def test_rewrite_verification_refuses_lost_names(tmp_path: Path) -> None:
    root, nb_path = make_project(tmp_path, "def f():\n    return 1", "x = f()")
    raw = json.loads(nb_path.read_text())
    nb = notebook_from_dict(raw)
    prog = Program.build(nb, analyse(nb))
    problems = verify(prog, raw, [{"op": "delete", "cell": 0, "cell_id": nb.cells[0].cell_id}], "n.ipynb")
    assert problems and problems[0].reason is Reason.NOTEBOOK_LOSES_NAME
    assert "`f`" in problems[0].message and "cell 2" in problems[0].message
    assert verify(prog, raw, [], "n.ipynb") == []


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, *BASIC)
    before = nb.read_bytes()
    r = run(root, nb, names=["score"], dry_run=True, tests=True)
    assert r["ok"] and r["dry_run"] and r["written"] == []
    assert r["module_diff"].startswith("--- /dev/null\n+++ b/src/demo_pkg/features.py")
    assert "-def score(values):" in r["notebook_diff"]
    assert nb.read_bytes() == before
    assert not (root / "src").exists() and not (root / "tests").exists()


def test_merge_keeps_unrelated_code_byte_for_byte(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path, "import os\nimport numpy as np", "def f():\n    return np.ones(2), os.sep"
    )
    module = root / "src/demo_pkg/features.py"
    module.parent.mkdir(parents=True)
    old = (
        '"""Hand-written helpers."""\n'
        "import sys   # keep this odd spacing\n\n"
        "__all__ = ['existing']\n\n"
        "def existing( a,b ):\n"
        "    '''Not black-formatted on purpose.'''\n"
        "    return a+b+len(sys.argv)   # comment\n"
        "\n\nCONFIG = {'a':1}\n"
    )
    module.write_text(old)
    promoted(root, nb, names=["f"])
    new = module.read_text()
    for chunk in (
        '"""Hand-written helpers."""\nimport sys   # keep this odd spacing\n',
        "def existing( a,b ):\n    '''Not black-formatted on purpose.'''\n    return a+b+len(sys.argv)   # comment\n\n\nCONFIG = {'a':1}\n",
    ):
        assert chunk in new
    assert '__all__ = ["existing", "f"]' in new
    assert "import os\nimport numpy as np\n" in new
    assert new.rstrip().endswith("def f():\n    return np.ones(2), os.sep")
    assert pyflakes(module) == ""


def test_repromotion_after_edit_and_hand_edited_module(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "def f(x):\n    return x + 1", "def g(x):\n    return 2 * x", "f(1)")
    module = root / "src/demo_pkg/features.py"
    r = promoted(root, nb, names=["f", "g"], rewrite=False)
    # the cell changes: promote again updates the module, drift says why
    data = json.loads(nb.read_text())
    data["cells"][0]["source"] = "def f(x):\n    return x + 100"
    nb.write_text(json.dumps(data, indent=1))
    r = promoted(root, nb, names=["f"], rewrite=False)
    assert [(d["name"], d["state"]) for d in r["drift"]] == [("f", "cell-changed")]
    assert "return x + 100" in module.read_text() and "return 2 * x" in module.read_text()
    # a hand edit in the module is never overwritten without force
    module.write_text(module.read_text().replace("return 2 * x", "return 3 * x  # tuned by hand"))
    r = run(root, nb, names=["g"], rewrite=False)
    assert not r["ok"]
    assert any("edited by hand" in p for p in r["problems"])
    drift = [d for d in r["drift"] if d["state"] == "module-edited"]
    assert drift and drift[0]["name"] == "g" and "tuned by hand" in (drift[0]["module_text"] or "")
    assert "tuned by hand" in module.read_text()
    r = run(root, nb, names=["g"], rewrite=False, force=True)
    assert r["ok"] and "return 2 * x" in module.read_text()


def test_existing_definition_not_from_this_notebook_is_refused(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "def f():\n    return 1")
    module = root / "src/demo_pkg/features.py"
    module.parent.mkdir(parents=True)
    module.write_text("def f():\n    return 'theirs'\n")
    r = run(root, nb, names=["f"])
    assert not r["ok"] and any("not promoted from this notebook" in p for p in r["problems"])
    assert module.read_text() == "def f():\n    return 'theirs'\n"


def test_tests_generation(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "def square(x):\n    return x * x",
        "def noisy(x):\n    return [x]",
        "square(3)",
        "noisy(2)",
        outputs={2: "9", 3: "<object at 0x1>"},
    )
    r = promoted(root, nb, names=["square", "noisy"], tests=True, rewrite=False)
    assert r["tests_path"] == "tests/test_features.py" and r["untested"] == ["noisy"]
    text = (root / "tests/test_features.py").read_text()
    assert "assert square(3) == 9" in text and "noisy" not in text.split("import", 1)[1].split("\n")[0]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "PYTHONPATH": str(root / "src")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("to", "error"),
    [
        ("src/demo_pkg/features.txt", InputError),
        ("src/demo-pkg/features.py", InputError),
        ("src/pkg/class.py", InputError),
        ("../outside.py", PathError),
        ("/abs/mod.py", PathError),
    ],
)
def test_target_validation(tmp_path: Path, to: str, error: type[Exception]) -> None:
    root, nb = make_project(tmp_path, "def f():\n    return 1")
    with pytest.raises(error):
        run(root, nb, names=["f"], to=to)


def test_input_errors(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "def f():\n    return 1", "x = f()")
    with pytest.raises(InputError, match="No top-level"):
        run(root, nb, names=["nope"])
    with pytest.raises(InputError, match=re.escape("There is no cell index 7: the notebook has 2 cells (indexes 0-1).")):
        run(root, nb, cells=[7])
    with pytest.raises(InputError, match="Nothing selected"):
        run(root, nb)
    r = run(root, nb, names=["x"], dry_run=True)
    assert not r["ok"] and _reasons(r) == ["computed-with-effects"]


def test_concurrent_promotions_into_one_module_serialize(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "def f():\n    return 1", "def g():\n    return 2")
    results: list[PromoteResultDict] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            results.append(run(root, nb, names=[name], write_notebook=False))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("f", "g")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(r["ok"] for r in results)
    text = (root / "src/demo_pkg/features.py").read_text()
    assert "def f():" in text and "def g():" in text


def test_apply_edits_keeps_structure(tmp_path: Path) -> None:
    raw = make_nb("a = 1", "b = 2")
    out = apply_edits(
        raw,
        [
            {"op": "replace", "cell": 0, "cell_id": None, "source": "a = 3"},
            {"op": "delete", "cell": 1, "cell_id": None},
            {"op": "metadata", "metadata": {"jupyter_prod": {"modules": ["m.py"]}}},
        ],
    )
    assert ["".join(c["source"]) for c in out["cells"]] == ["a = 3"]
    assert out["metadata"]["jupyter_prod"] == {"modules": ["m.py"]}
    assert out["metadata"]["kernelspec"] == raw["metadata"]["kernelspec"]
    assert "".join(raw["cells"][0]["source"]) == "a = 1"


def test_second_promotion_uses_the_module_not_a_self_import(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "import math",
        "def area(r):\n    return math.pi * r ** 2",
        "def report(r):\n    return f'{area(r):.1f}'",
        "report(2)",
    )
    assert run(root, nb, names=["area"])["ok"]
    promoted(root, nb, names=["report"])
    text = (root / "src/demo_pkg/features.py").read_text()
    assert "from demo_pkg" not in text and text.count("def area") == 1 and "def report" in text
    assert '__all__ = ["area", "report"]' in text
    data = json.loads(nb.read_text())
    sources = "\n".join("".join(c["source"]) for c in data["cells"])
    assert "from demo_pkg.features import area\nfrom demo_pkg.features import report" in sources
    assert {p["name"] for p in data["metadata"]["jupyter_prod"]["promoted"]} == {"area", "report"}
    assert pyflakes(root / "src/demo_pkg/features.py") == ""


def test_pure_constructor_constants_move_and_data_does_not(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "import re\nfrom pathlib import Path\nimport numpy as np",
        "DATA = Path('data') / 'raw'\nWORD = re.compile(r'\\w+')\nsquare = lambda v: v * v\nARR = np.arange(3)",
        "def words(name):\n    return WORD.findall(str(DATA / name)), square(2)",
        "def total():\n    return ARR.sum()",
    )
    r = promoted(root, nb, names=["words"], dry_run=True)
    kinds = {s["name"]: s["kind"] for s in r["slice"]}
    assert kinds["DATA"] == kinds["WORD"] == kinds["square"] == "constant"
    r = run(root, nb, names=["total"], dry_run=True)
    assert [u["name"] for u in r["unmoved"]] == ["ARR"]  # a call into numpy may do anything


def test_definition_wins_over_later_reassignment_and_alias_conflicts(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "import numpy as np",
        "def f():\n    return np.zeros(1)",
        "import jax.numpy as np",
        "def g():\n    return np.ones(1)",
        "def h():\n    return f(), g()",
        "f = f()",
    )
    r = promoted(root, nb, names=["f"], dry_run=True, rewrite=False)
    assert "def f():" in r["module_source"]
    r = run(root, nb, names=["h"], dry_run=True, rewrite=False)
    assert not r["ok"] and any("two different places" in p for p in r["problems"])


def test_odd_notebook_names_and_unreadable_modules(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "def f():\n    return 1")
    odd = nb.rename(root / 'we"ird\\name.ipynb')
    r = promoted(root, odd, names=["f"], dry_run=True, tests=True)
    assert ast_ok(r["module_source"]) and 'we\\"ird\\\\name.ipynb' in r["module_source"]
    module = root / "src/demo_pkg/features.py"
    module.parent.mkdir(parents=True)
    module.write_bytes(b"x = '\xff'\n")
    with pytest.raises(InputError, match="not UTF-8"):
        run(root, odd, names=["f"])


def ast_ok(text: str) -> bool:
    import ast

    ast.parse(text)
    return True


# -- issue 12: choices that work, verified modules ------------------------------------------------

PRICES = "prices = [float(line) for line in open('prices.txt')]"


def _unmoved(r: PromoteResultDict, name: str) -> Any:
    return next(u for u in r["unmoved"] if u["name"] == name)


def _reasons(r: PromoteResultDict) -> list[str]:
    return [p["reason"] for p in r["refusals"]]


def _load(source: str) -> dict[str, Any]:
    """Run the module text as Python does at import (a NameError here is a broken module)."""
    namespace: dict[str, Any] = {"__name__": "promoted"}
    exec(compile(source, "promoted.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    "definition",
    [
        "def first(x, p=prices[0]):\n    return x + p",  # default argument
        "import functools\n@functools.lru_cache(maxsize=len(prices))\ndef first(x):\n    return x",  # decorator
        "class first(type(prices)):\n    pass",  # base class
        "class first:\n    top = max(prices)",  # class attribute
    ],
    ids=["default", "decorator", "base-class", "class-attribute"],
)
def test_a_name_read_at_definition_time_cannot_become_a_parameter(tmp_path: Path, definition: str) -> None:
    (tmp_path / "prices.txt").write_text("1.5\n2.5\n", encoding="utf-8")
    root, nb = make_project(tmp_path, PRICES, definition, "first")
    (root / "prices.txt").write_text("1.5\n2.5\n", encoding="utf-8")
    r = run(root, nb, names=["first"], dry_run=True)
    u = _unmoved(r, "prices")
    assert not r["ok"] and _reasons(r) == ["unmoved-data"]
    assert u["choices"] == ["move", "cancel"] and u["suggested"] == "move"
    assert (
        "parameter" not in u["consequences"]
        and "runs whenever the module is imported" in u["consequences"]["move"]
    )
    assert "read" in u["reason"] and "first" in u["reason"]

    r = run(root, nb, names=["first"], unmoved={"prices": "parameter"}, dry_run=True)
    assert not r["ok"] and set(_reasons(r)) <= {"read-at-definition", "not-a-function"}, r["refusals"]
    assert r["written"] == []

    r = promoted(root, nb, names=["first"], unmoved={"prices": "move"})
    src = features(root)
    assert PRICES.replace("'", '"') in src
    import os

    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert "first" in _load(src)
    finally:
        os.chdir(cwd)
    assert pyflakes(root / "src/demo_pkg/features.py") == ""


def _print_cells(root: Path, sources: list[str]) -> str:
    """What the notebook's code prints when its cells run in order in a fresh Python, from the project
    root with the project's ``src`` importable (as a kernel started there would)."""
    proc = subprocess.run(
        [sys.executable, "-c", "\n".join(sources)],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_default_that_is_a_data_name_becomes_a_none_sentinel_parameter(tmp_path: Path) -> None:
    cells = [
        PRICES,
        'def first(x, p=prices, *, scale=1):\n    """Doc."""\n    return (x + p[0]) * scale',
        "print(first(1), first(1, [5.0]), first(1, p=[7.0], scale=2))",
    ]
    root, nb = make_project(tmp_path, *cells)
    (root / "prices.txt").write_text("1.5\n2.5\n", encoding="utf-8")
    before = _print_cells(root, cells)
    assert before == "2.5 6.0 16.0\n"

    r = run(root, nb, names=["first"], dry_run=True)
    u = _unmoved(r, "prices")
    assert u["choices"] == ["parameter", "move", "cancel"] and u["suggested"] == "parameter"
    assert "The default `p=prices` of `first` becomes `p=None`" in u["consequences"]["parameter"]

    r = run(root, nb, names=["first"], unmoved={"prices": "parameter"}, typecheck=True)
    assert r["ok"] and r["typecheck"]["ran"], r["problems"]
    module = root / "src/demo_pkg/features.py"
    src = module.read_text(encoding="utf-8")
    assert "def first(x, p=None, *, scale=1, prices):" in src
    assert '"""Doc."""\n    if p is None:\n        p = prices\n' in src
    assert pyflakes(module) == "" and black_check(module) == 0
    first = _load(src)["first"]
    assert first(1, prices=[2.0]) == 3.0 and first(1, [5.0], prices=[2.0]) == 6.0
    after = cell_sources(nb)
    assert after[-1] == (
        "print(first(1, prices=prices), first(1, [5.0], prices=prices), first(1, p=[7.0], scale=2, prices=prices))"
    )
    assert _print_cells(root, after) == before  # the notebook computes what it did before


@pytest.mark.parametrize(
    "definition",
    [
        "def first(x, prices=prices):\n    return x + prices[0]",  # the parameter has the data's name
        "def first(x, p=prices, q=prices[1]):\n    return x + p[0] + q",  # another default reads it too
        "def first(x, p=prices) -> type(prices):\n    return x + p[0]",  # so does the annotation
    ],
    ids=["same-name", "other-default", "annotation"],
)
def test_a_default_sentinel_only_where_it_is_faithful(tmp_path: Path, definition: str) -> None:
    root, nb = make_project(tmp_path, PRICES, definition, "first(1)")
    r = run(root, nb, names=["first"], dry_run=True)
    assert _unmoved(r, "prices")["choices"] == ["move", "cancel"]
    r = run(root, nb, names=["first"], unmoved={"prices": "parameter"}, dry_run=True)
    assert not r["ok"] and _reasons(r) == ["read-at-definition"]


def test_no_default_sentinel_for_a_name_bound_twice(tmp_path: Path) -> None:
    # the default holds the first list; a parameter read when called would see the second
    root, nb = make_project(tmp_path, PRICES, "def first(x, p=prices):\n    return x + p[0]", "prices = [9.0]", "first(1)")
    r = run(root, nb, names=["first"], dry_run=True)
    assert _unmoved(r, "prices")["choices"] == ["move", "cancel"]


def test_pure_expressions_over_constants_move_without_asking(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "MONTHS = ['jan', 'feb', 'mar']",
        "INPUT_CHARS = ''.join(sorted(set(''.join(MONTHS) + '0123456789')))\n"
        "SIZES = [len(m) * 2 for m in MONTHS]\nRANGE = list(range(len(SIZES)))",
        "def date_str_to_ids(date_str, chars=INPUT_CHARS):\n    return [chars.index(c) for c in date_str] + RANGE",
        "ids = date_str_to_ids('jan1')",
    )
    r = run(root, nb, names=["date_str_to_ids"])
    assert r["ok"] and r["unmoved"] == [], r["problems"]
    kinds = {s["name"]: s["kind"] for s in r["slice"]}
    assert kinds["MONTHS"] == kinds["INPUT_CHARS"] == kinds["SIZES"] == kinds["RANGE"] == "constant"
    src = features(root)
    chars = "".join(sorted(set("janfebmar0123456789")))
    assert _load(src)["date_str_to_ids"]("jan1") == [chars.index(c) for c in "jan1"] + [0, 1, 2]
    assert pyflakes(root / "src/demo_pkg/features.py") == ""


def test_a_helper_that_also_reads_the_name_and_the_notebook_calls_pass_it(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "import statistics",
        PRICES,
        "def spread():\n    return max(prices) - min(prices)",
        "def price_summary(label):\n    return f'{label}: {statistics.mean(prices)} ± {spread()}'",
        "print(price_summary('all'))",
    )
    r = run(root, nb, names=["price_summary"], dry_run=True)
    u = _unmoved(r, "prices")
    assert u["choices"] == ["parameter", "move", "cancel"] and u["suggested"] == "parameter"
    assert u["consequences"]["parameter"] == (
        "`price_summary`, `spread` take `prices` as an argument; the notebook's calls pass `prices=prices`."
    )
    r = promoted(root, nb, names=["price_summary"], unmoved={"prices": "parameter"})
    src = features(root)
    assert "def price_summary(label, *, prices):" in src and "spread(prices=prices)" in src
    assert _load(src)["price_summary"]("p", prices=[1.0, 3.0]) == "p: 2.0 ± 2.0"
    cells = cell_sources(nb)
    assert "print(price_summary('all', prices=prices))" in cells
    assert any("from demo_pkg.features import price_summary" in c and "import statistics" in c for c in cells)
    assert PRICES in cells  # the data stays where it is


def test_a_name_read_only_in_a_nested_function_becomes_a_parameter(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        PRICES,
        "def outer(n):\n    def inner():\n        return prices[:n]\n    return inner()",
        "outer(1)",
    )
    promoted(root, nb, names=["outer"], unmoved={"prices": "parameter"})
    src = features(root)
    assert _load(src)["outer"](1, prices=[4.0, 5.0]) == [4.0]
    assert cell_sources(nb)[2] == "outer(1, prices=prices)"


def test_the_module_is_verified_before_it_is_written() -> None:
    from jupyter_prod_ext.promote.verify import verify_module

    bad = "import os\nimport sys\n\n\ndef f(x=LIMIT):\n    return sys.argv, y\n"
    found = {(p.reason, p.message.split("`")[1]) for p in verify_module(bad, None, {"LIMIT"}, "m.py")}
    assert found == {
        (Reason.READ_AT_DEFINITION, "LIMIT"),
        (Reason.MODULE_UNDEFINED_NAME, "y"),
        (Reason.MODULE_UNUSED_IMPORT, "os"),
    }
    # what the module already had is the user's, not the promotion's
    assert verify_module(bad + "\n\nZ = 1\n", bad, {"LIMIT"}, "m.py") == []
    ok = '"""Doc."""\n\nfrom __future__ import annotations\n\nimport os\n\n__all__ = ["os", "g"]\n\n\ndef g():\n    return __name__\n'
    assert verify_module(ok, None, set(), "m.py") == []
    assert verify_module("def (:\n", None, set(), "m.py")[0].reason is Reason.MODULE_DOES_NOT_PARSE


def test_apply_refuses_a_result_that_differs_from_the_preview(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "def f():\n    return 1", "f()")
    preview = run(root, nb, names=["f"], dry_run=True, write_notebook=False)
    assert preview["ok"] and len(preview["preview_sha256"]) == 64
    stale = run(root, nb, names=["f"], expect="0" * 64, write_notebook=False)
    assert not stale["ok"] and _reasons(stale) == ["preview-drift"] and stale["written"] == []
    assert not (root / "src/demo_pkg/features.py").exists()
    done = run(root, nb, names=["f"], expect=preview["preview_sha256"], write_notebook=False)
    assert done["ok"] and done["written"] and done["preview_sha256"] == preview["preview_sha256"]


def test_a_cell_of_another_language_is_refused_by_name(tmp_path: Path) -> None:
    root, nb = make_project(tmp_path, "x = 1", "SELECT a FROM t")
    data = json.loads(nb.read_text(encoding="utf-8"))
    data["cells"][1]["metadata"]["vscode"] = {"languageId": "sql"}
    nb.write_text(json.dumps(data), encoding="utf-8")
    r = run(root, nb, cells=[1], as_function="query", dry_run=True)
    assert not r["ok"] and any("Cell 2 is a `sql` cell (not Python)" in p for p in r["problems"]), r[
        "problems"
    ]


def test_round_trip_a_hand_edit_goes_back_to_the_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jupyter_prod_ext.checks import Context
    from jupyter_prod_ext.checks.engine import run_checks
    from jupyter_prod_ext.cli.main import main
    from jupyter_prod_ext.notebook import load_notebook

    root, nb = make_project(
        tmp_path, "import math", "def area(r):\n    return math.pi * r**2", "print(area(2))"
    )
    assert run(root, nb, names=["area"], rewrite=False)["ok"]
    module = root / "src/demo_pkg/features.py"

    def drift() -> list[Any]:
        ctx = Context(nb=load_notebook(nb), file=nb, project_root=root)
        return [f for f in run_checks(ctx, ["promoted-drift"])["findings"]]

    assert drift() == []  # the cell and the module agree
    module.write_text(module.read_text().replace("math.pi * r**2", "math.pi * r * r"), encoding="utf-8")
    (found,) = drift()
    assert found["check"] == "promoted-drift" and found["cell"] == 1 and found["line"] == 1
    assert "edited by hand in src/demo_pkg/features.py" in found["message"]
    assert found["fix"]["description"] == "Update cell from module"
    assert found["fix"]["cells"] == {"1": "def area(r):\n    return math.pi * r * r"}

    # the CLI's way back: the cell takes the module's version and the ledger says they are in sync
    assert main(["promote", str(nb), "--pull", "volume"]) == 2
    assert "`volume` was not promoted from this notebook" in capsys.readouterr().err
    assert main(["promote", str(nb), "--pull", "area"]) == 0
    assert "pulled area from src/demo_pkg/features.py into cell 2" in capsys.readouterr().out
    cells = cell_sources(nb)
    assert cells[1] == "def area(r):\n    return math.pi * r * r" and cells[2] == "print(area(2))"
    assert drift() == []
    # promoting again is a plain re-promotion now (no hand edit to protect)
    again = run(root, nb, names=["area"], rewrite=False, dry_run=True)
    assert again["ok"] and again["drift"] == [], again["problems"]

    # a cell edited since it was promoted is a reminder to promote it again (no fix)
    data = json.loads(nb.read_text())
    data["cells"][1]["source"] = "def area(r):\n    return round(math.pi * r * r, 2)"
    nb.write_text(json.dumps(data), encoding="utf-8")
    (found,) = drift()
    assert "changed in this cell since it was promoted" in found["message"] and found["fix"] is None


def _drift_findings(nb: Path, root: Path) -> list[Any]:
    from jupyter_prod_ext.checks import Context
    from jupyter_prod_ext.checks.engine import run_checks
    from jupyter_prod_ext.notebook import load_notebook

    ctx = Context(nb=load_notebook(nb), file=nb, project_root=root)
    return list(run_checks(ctx, ["promoted-drift"])["findings"])


def _run_cells(sources: list[str]) -> str:
    """Run the notebook's code cells in order in one namespace (as a kernel would); what they print."""
    import contextlib
    import io

    out = io.StringIO()
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(out):
        for source in sources:
            exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102 - the test's own notebook
    return out.getvalue()


def _gain_scale(module: Path) -> None:
    """A hand edit in the module: ``area`` gains a required keyword-only parameter."""
    text = module.read_text(encoding="utf-8")
    edited = text.replace("def area(r):", "def area(r, *, scale):").replace("r**2", "r**2 * scale")
    assert edited != text
    module.write_text(edited, encoding="utf-8")


def test_update_from_module_keeps_calls_valid_when_a_keyword_only_parameter_is_gained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jupyter_prod_ext.cli.main import main

    cells = [
        "import math",
        "def area(r):\n    return math.pi * r**2",
        "scale = 3",
        "print(round(area(2), 3))",
        "def doubled(r):\n    return 2 * area(r)",
        "print(round(doubled(1), 3))",
    ]
    root, nb = make_project(tmp_path, *cells)
    assert run(root, nb, names=["area"], rewrite=False)["ok"]
    _gain_scale(root / "src/demo_pkg/features.py")

    (found,) = _drift_findings(nb, root)
    pulled = "def area(r, *, scale):\n    return math.pi * r**2 * scale"
    assert found["fix"]["cells"] == {
        "1": pulled,
        "3": "print(round(area(2, scale=scale), 3))",
        "4": "def doubled(r):\n    return 2 * area(r, scale=scale)",
    }
    # the cell alone would break the notebook's calls; with the fix they run and use the notebook's scale
    with pytest.raises(TypeError, match="scale"):
        _run_cells([pulled if i == 1 else c for i, c in enumerate(cells)])
    fixed = [found["fix"]["cells"].get(str(i), c) for i, c in enumerate(cells)]
    assert _run_cells(fixed) == "37.699\n18.85\n"

    # the CLI's way back writes the same cells; the notebook on disk runs
    assert main(["promote", str(nb), "--pull", "area"]) == 0
    assert "pulled area from src/demo_pkg/features.py into cell 2" in capsys.readouterr().out
    written = cell_sources(nb)
    assert written == fixed
    assert _run_cells(written) == "37.699\n18.85\n"
    assert _drift_findings(nb, root) == []


def test_update_from_module_is_refused_when_the_notebook_has_no_value_for_a_gained_keyword(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jupyter_prod_ext.cli.main import main

    root, nb = make_project(tmp_path, "import math", "def area(r):\n    return math.pi * r**2", "print(area(2))")
    assert run(root, nb, names=["area"], rewrite=False)["ok"]
    _gain_scale(root / "src/demo_pkg/features.py")
    reason = (
        "`area` in src/demo_pkg/features.py now needs the keyword-only `scale`, and cell 3 calls it with no "
        "`scale` defined before; define it or pass a value there, then update the cell from the module again."
    )
    (found,) = _drift_findings(nb, root)
    assert found["fix"] is None and found["hint"] == reason
    assert "was edited by hand in src/demo_pkg/features.py" in found["message"]

    before = nb.read_bytes()
    assert main(["promote", str(nb), "--pull", "area"]) == 2
    err = capsys.readouterr().err.strip()
    assert reason in err and "\n" not in err and "Traceback" not in err
    assert nb.read_bytes() == before


def test_as_function_passes_a_parameter_to_a_helper_that_reads_data(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        PRICES,
        "def price_summary(label):\n    return f'{label}: {sum(prices)}'",
        "print(price_summary('all'))",
    )
    r = run(root, nb, cells=[2], as_function="report", dry_run=True)
    assert not r["ok"] and _unmoved(r, "prices")["suggested"] == "parameter"
    r = promoted(root, nb, cells=[2], as_function="report", unmoved={"prices": "parameter"})
    src = features(root)
    assert "def report(prices):" in src and 'price_summary("all", prices=prices)' in src
    assert "def price_summary(label, *, prices):" in src
    assert cell_sources(nb)[2].endswith("report(prices)")


def test_notebook_calls_with_a_trailing_comma_get_the_parameter(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        PRICES,
        "def total(scale, label='x'):\n    return sum(prices) * scale",
        "total(\n    2,\n    label='y',  # the label, shown\n)\ntotal(3)\ntotal(4, )",
    )
    promoted(root, nb, names=["total"], unmoved={"prices": "parameter"})
    assert cell_sources(nb)[2] == (
        "total(\n    2,\n    label='y', prices=prices,  # the label, shown\n)\ntotal(3, prices=prices)\n"
        "total(4, prices=prices)"
    )


def test_mypy_name_defined_in_promoted_code_refuses(tmp_path: Path) -> None:
    # a string annotation is a name only mypy resolves: it is our bug if the module does not define it
    root, nb = make_project(tmp_path, "def f(x) -> 'Missing':\n    return x", "f(1)")
    r = run(root, nb, names=["f"], typecheck=True, write_notebook=False)
    assert r["typecheck"]["ran"], r["typecheck"]
    assert not r["ok"] and _reasons(r) == ["mypy-name-defined"] and r["written"] == []
    assert "Missing" in r["problems"][0] and not (root / "src/demo_pkg/features.py").exists()


# -- a function that gains a parameter is edited as text: the user's comments stay ---------------


def _comments(text: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]


def test_a_function_that_gains_a_parameter_keeps_every_comment(tmp_path: Path) -> None:
    helper = (
        "def spread(\n"
        "    low=0,  # the floor\n"
        "    **options,  # passed on\n"
        "):\n"
        "    # widest gap\n"
        "    return max(prices) - min(prices) + low  # range\n"
    )
    summary = (
        "def price_summary(\n"
        "    label,  # shown first\n"
        "    digits=2,\n"
        ") -> str:  # one line of text\n"
        '    """The mean and spread of the prices."""\n'
        "    # the mean of what was loaded\n"
        "    mean = round(statistics.mean(prices), digits)\n"
        "\n"
        "    # how far apart they are\n"
        "    gap = spread(\n"
        "        low=0,  # no floor\n"
        "    )\n"
        "    return f'{label}: {mean} ± {gap}'  # done\n"
    )
    cells = ["import statistics", PRICES, helper, summary, "print(price_summary('all'))"]
    root, nb = make_project(tmp_path, *cells)
    r = promoted(root, nb, names=["price_summary"], unmoved={"prices": "parameter"}, typecheck=True)
    module = root / "src/demo_pkg/features.py"
    src = module.read_text(encoding="utf-8")
    kept = _comments(src)
    assert all(c in kept for c in _comments(helper) + _comments(summary)), kept
    assert "def spread(\n    low=0,  # the floor\n    *,\n    prices,\n    **options,  # passed on\n):" in src
    assert '"""The mean and spread of the prices."""\n    # the mean of what was loaded\n' in src
    assert "    gap = spread(\n        low=0,\n        prices=prices,  # no floor\n    )\n" in src
    assert pyflakes(module) == "" and black_check(module) == 0
    assert r["typecheck"]["ran"] and r["typecheck"]["errors"] == [], r["typecheck"]
    namespace = _load(src)
    assert namespace["price_summary"]("p", prices=[1.0, 3.0]) == "p: 2.0 ± 2.0"
    assert namespace["spread"](1, prices=[1.0, 3.0], extra=True) == 3.0


@pytest.mark.parametrize(
    ("definition", "call", "expected"),
    [
        ("def f():  # none yet\n    return sum(prices)  # all", "f(prices=[1, 2])", 3),
        ("def f(a, b,):\n    return a + b + sum(prices)", "f(1, 2, prices=[3])", 6),
        ("def f(a, *args):  # varargs\n    return a + sum(args) + sum(prices)", "f(1, 2, prices=[3])", 6),
        ("def f(a, *, k=1):\n    return a * k + sum(prices)", "f(1, k=2, prices=[1])", 3),
        ("def f(a, /, b=1, **kw):\n    return a + b + len(kw) + sum(prices)", "f(1, x=0, prices=[1])", 4),
        (
            "def f(\n    a,  # first\n    *,\n    k=1,  # keyword\n    **kw,  # the rest\n):\n"
            "    return a + k + sum(prices)",
            "f(1, prices=[2])",
            4,
        ),
        (
            "@functools.wraps(len)  # keeps the name\ndef f(a, key=lambda x: x * 2):\n    return key(a) + sum(prices)",
            "f(1, prices=[2]) if f.__name__ == 'len' else None",
            4,
        ),
        (
            "async def f(a) -> dict[str, int]:  # coroutine\n    return {'n': a + sum(prices)}",
            "asyncio.run(f(1, prices=[2]))",
            {"n": 3},
        ),
        ("def f(a): return a + sum(prices)  # one line", "f(1, prices=[2])", 3),
    ],
    ids=["empty", "trailing-comma", "varargs", "keyword-only", "kwargs", "multi-line", "decorator", "async", "one-line"],
)
def test_a_new_parameter_is_inserted_into_the_def_line_as_written(definition: str, call: str, expected: Any) -> None:
    out = add_parameters_text(definition, ["prices"], {}, {})
    assert _comments(out) == _comments(definition)
    node = ast.parse(definition).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    lines = definition.split("\n")
    body = "\n".join([lines[node.body[0].lineno - 1][node.body[0].col_offset :], *lines[node.body[0].lineno :]])
    assert out.endswith(body) and len(out.split("\n")) == len(lines)  # only the header changed
    assert eval(call, _load("import asyncio, functools\n" + out)) == expected


@pytest.mark.parametrize(
    ("definition", "header", "resolve"),
    [
        (
            'def first(x: float, p: list[float] = prices) -> float:  # head\n    """Doc."""  # doc\n'
            "    # first price\n    return x + p[0]",
            "def first(x: float, p: list[float] | None = None) -> float:  # head",
            '    """Doc."""  # doc\n    if p is None:\n        p = prices\n    # first price\n',
        ),
        (
            "def first(x: float, *, p: 'list[float]' = prices) -> float:\n    return x + p[0]  # add",
            "def first(x: float, *, p: 'list[float] | None' = None) -> float:",
            "    if p is None:\n        p = prices\n    return x + p[0]  # add",
        ),
        (
            "def first(x: float, p: list[float] | None = prices) -> float: return x + (p or [0.0])[0]",
            "def first(x: float, p: list[float] | None = None) -> float:",
            "    if p is None:\n        p = prices\n    return x",
        ),
    ],
    ids=["docstring", "string-annotation", "one-line-already-optional"],
)
def test_an_annotated_default_sentinel_is_optional(definition: str, header: str, resolve: str) -> None:
    out = add_parameters_text(definition, [], {}, {"p": "prices"})
    assert out.startswith(header + "\n") and resolve in out, out
    assert _comments(out) == _comments(definition)
    assert _load(out + "\nprices = [2.0]")["first"](1.0) == 3.0


def test_an_annotated_default_sentinel_passes_mypy(tmp_path: Path) -> None:
    definition = "def first(x: float, p: list[float] = prices) -> float:\n    # the first one\n    return x + p[0]"
    root, nb = make_project(tmp_path, PRICES, definition, "print(first(1))")
    r = promoted(root, nb, names=["first"], unmoved={"prices": "parameter"}, typecheck=True)
    src = features(root)
    assert (
        "def first(x: float, p: list[float] | None = None, *, prices) -> float:\n"
        "    if p is None:\n        p = prices\n    # the first one\n" in src
    ), src
    assert r["typecheck"]["ran"] and r["typecheck"]["errors"] == [], r["typecheck"]
    assert _load(src)["first"](1.0, prices=[2.0]) == 3.0


@pytest.mark.parametrize(
    ("requires", "header"),
    [
        (">=3.8", "def first(x: float, p: Optional[list[float]] = None, *, prices) -> float:"),
        ("~=3.9.2", "def first(x: float, p: Optional[list[float]] = None, *, prices) -> float:"),
        (">=3.10,<4", "def first(x: float, p: list[float] | None = None, *, prices) -> float:"),
        ("not a specifier", "def first(x: float, p: list[float] | None = None, *, prices) -> float:"),
    ],
)
def test_without_a_black_target_the_sentinel_follows_requires_python(
    tmp_path: Path, requires: str, header: str
) -> None:
    """black infers its targets from ``requires-python``; the ``None`` sentinel's annotation follows it too."""
    definition = "def first(x: float, p: list[float] = prices) -> float:\n    return x + p[0]"
    root, nb = make_project(tmp_path, PRICES, definition, "print(first(1))")
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('version = "0.1"', f'version = "0.1"\nrequires-python = "{requires}"'), encoding="utf-8")
    promoted(root, nb, names=["first"], unmoved={"prices": "parameter"})
    src = features(root)
    assert header in src, src
    assert _load(src)["first"](1.0, prices=[2.0]) == 3.0


def test_as_function_keeps_comments_and_multi_line_strings_as_written(tmp_path: Path) -> None:
    body = (
        'query = """\n'
        "SELECT *\n"
        "  FROM t\n"
        '"""  # the query, as the database gets it\n'
        "# count its lines\n"
        "n = len(query.split('\\n')) + len(rows)  # with the rows\n"
        "# done"
    )
    cells = ["rows = [1, 2]", body, "# next: more\nm = n + 1", "print(query, m)"]
    root, nb = make_project(tmp_path, *cells)
    promoted(root, nb, cells=[1, 2], as_function="count_lines", typecheck=True)
    module = root / "src/demo_pkg/features.py"
    src = module.read_text(encoding="utf-8")
    assert _comments(src) == [*_comments(body), "# next: more"]
    assert '    query = """\nSELECT *\n  FROM t\n"""  # the query, as the database gets it\n    # count its lines\n' in src
    assert _load(src)["count_lines"]([7]) == ("\nSELECT *\n  FROM t\n", 6)
    assert pyflakes(module) == "" and black_check(module) == 0


def test_a_statement_that_shares_a_line_moves_as_written(tmp_path: Path) -> None:
    root, nb = make_project(
        tmp_path,
        "LOW = 1; HIGH = (2 +  # two\n    1)  # three",
        "def within(x):\n    return LOW <= x <= HIGH",
        "within(2)",
    )
    promoted(root, nb, names=["within"])
    src = features(root)
    assert "LOW = 1\nHIGH = 2 + 1  # two  # three\n" in src, src  # black joins the two comments
    assert _load(src)["within"](2) is True


@pytest.mark.parametrize(
    ("target", "header", "typing_import"),
    [
        ('["py39", "py312"]', "def first(x: float, p: Optional[list[float]] = None, *, prices) -> float:", True),
        ('["py310"]', "def first(x: float, p: list[float] | None = None, *, prices) -> float:", False),
    ],
    ids=["py39", "py310"],
)
def test_an_annotated_default_sentinel_follows_the_projects_target_version(
    tmp_path: Path, target: str, header: str, typing_import: bool
) -> None:
    definition = "def first(x: float, p: list[float] = prices) -> float:\n    return x + p[0]  # first"
    root, nb = make_project(tmp_path, PRICES, definition, "print(first(1))")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace("line-length = 100", f"line-length = 100\ntarget-version = {target}"),
        encoding="utf-8",
    )
    r = promoted(root, nb, names=["first"], unmoved={"prices": "parameter"}, typecheck=True)
    module = root / "src/demo_pkg/features.py"
    src = module.read_text(encoding="utf-8")
    assert header in src and ("from typing import Optional\n" in src) == typing_import, src
    assert r["typecheck"]["ran"] and r["typecheck"]["errors"] == [], r["typecheck"]
    assert pyflakes(module) == "" and black_check(module) == 0
    assert _load(src)["first"](1.0, prices=[2.0]) == 3.0
