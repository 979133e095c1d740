"""A module made by Promote carries the imports the notebook keeps only for what importing does
(real black, a fresh interpreter importing the written module)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_prod_ext.promote import PromoteOptions, promote
from jupyter_prod_ext.promote.types import PromoteResultDict

from .installed import child_env
from .nbutil import cell_sources, make_project

#: registers a handler when imported; nothing reads its name (as ``import geopandas.accessors``)
PLUGINS = 'from demo_pkg import registry\n\nregistry.HANDLERS["shout"] = str.upper\n'
EFFECT = "import demo_pkg.plugins  # registers the handlers"


def project(tmp_path: Path, *sources: str) -> tuple[Path, Path]:
    """:func:`nbutil.make_project` with a package ``demo_pkg`` whose ``plugins`` registers a handler."""
    root, nb = make_project(tmp_path, *sources)
    pkg = root / "src" / "demo_pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "registry.py").write_text("HANDLERS: dict[str, object] = {}\n", encoding="utf-8")
    (pkg / "plugins.py").write_text(PLUGINS, encoding="utf-8")
    return root, nb


def run(root: Path, nb: Path, **kw: object) -> PromoteResultDict:
    return promote(
        nb,
        PromoteOptions(to="src/demo_pkg/speech.py", **kw),  # type: ignore[arg-type]
        project_root=root,
        write_notebook=True,
        run_typecheck=False,
    )


def import_alone(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter that sees the project's ``src`` only."""
    env = child_env()
    env["PYTHONPATH"] = str(root / "src")
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root, env=env
    )


def lint(root: Path) -> str:
    """What ruff's pyflakes rules say about the project's ``src`` (noqa markers honoured, as a user's ruff)."""
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F", "--no-cache", "-q", str(root / "src")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    return (proc.stdout + proc.stderr) if proc.returncode else ""


SHOUT = 'def shout(text):\n    return registry.HANDLERS["shout"](text)'


def test_a_new_module_carries_an_import_kept_for_its_side_effect(tmp_path: Path) -> None:
    """The function ran after ``import demo_pkg.plugins`` registered its handler; the module lacked that
    import, so imported alone it failed (KeyError). It carries it now, marked for ruff, and the notebook
    keeps it too."""
    root, nb = project(tmp_path, f"{EFFECT}\nfrom demo_pkg import registry", SHOUT, "shout('hi')")
    answer = run(root, nb, cells=[1])
    assert answer["ok"], answer["problems"]
    module = (root / "src/demo_pkg/speech.py").read_text(encoding="utf-8")
    assert "import demo_pkg.plugins  # noqa: F401\n" in module, module
    assert [(i["name"], i["cell"]) for i in answer["slice"] if i["reason"] == "imported for its side effect (cell 1)"] == [
        ("demo_pkg", 0)
    ]
    assert cell_sources(nb)[0].startswith(EFFECT)
    alone = import_alone(root, "from demo_pkg.speech import shout; print(shout('hi'))")
    assert alone.returncode == 0 and alone.stdout == "HI\n", alone.stderr
    assert lint(root) == ""


def test_only_imports_that_ran_before_and_that_nothing_reads(tmp_path: Path) -> None:
    """An import the notebook reads is not a side effect (the code takes what it uses); one after the
    promoted code did not run under it; a module that already imports it gets no second one."""
    root, nb = project(
        tmp_path,
        "import json\nimport csv as unread\nfrom os import sep\nfrom demo_pkg import registry",
        SHOUT,
        EFFECT,
        "print(json.dumps(shout('hi')))",
    )
    answer = run(root, nb, cells=[1], dry_run=True)
    assert answer["ok"], answer["problems"]
    # an alias or a from-import nothing reads is a leftover, not the side-effect idiom
    for absent in ("plugins", "json", "csv", "sep"):
        assert absent not in answer["module_source"], answer["module_source"]
    for have in ("", "import demo_pkg.plugins  # noqa: F401\n"):
        root2, nb2 = project(tmp_path / str(len(have)), f"{EFFECT}\nfrom demo_pkg import registry", SHOUT)
        speech = root2 / "src/demo_pkg/speech.py"
        speech.write_text(f'"""Mine."""\n\n{have}', encoding="utf-8")
        merged = run(root2, nb2, cells=[1])
        assert merged["ok"], merged["problems"]
        assert speech.read_text(encoding="utf-8").count("import demo_pkg.plugins") == 1, merged["module_source"]
        alone = import_alone(root2, "from demo_pkg.speech import shout; print(shout('hi'))")
        assert alone.stdout == "HI\n", alone.stderr


def test_a_leftover_top_level_import_is_not_carried_as_a_side_effect(tmp_path: Path) -> None:
    """A plain ``import os`` nothing reads is a leftover (unused-import reports it): it landed in every
    promoted module as ``import os  # noqa: F401``. A submodule's plain import and a known registration
    (``from mpl_toolkits.mplot3d import Axes3D``, carried as written) still are side effects."""
    root, nb = project(
        tmp_path,
        f"import os\nimport json\n{EFFECT}\nfrom mpl_toolkits.mplot3d import Axes3D\nfrom demo_pkg import registry",
        SHOUT,
        "print(json.dumps(shout('hi')))",
    )
    answer = run(root, nb, cells=[1], dry_run=True)
    assert answer["ok"], answer["problems"]
    source = answer["module_source"]
    assert "import os" not in source and "json" not in source, source
    assert "import demo_pkg.plugins  # noqa: F401\n" in source, source
    assert "from mpl_toolkits.mplot3d import Axes3D  # noqa: F401\n" in source, source


#: reads the package's name as ``geopandas.read_file`` does; ``demo_pkg.registry`` is there only once
#: ``demo_pkg.plugins`` ran (it imports it), as ``.geo`` is only once ``geopandas.accessors`` ran
SHOUT_PKG = 'def shout(text):\n    return demo_pkg.registry.HANDLERS["shout"](text)'


@pytest.mark.parametrize(
    "imports",
    [
        ("import demo_pkg.plugins\nimport demo_pkg",),
        ("import demo_pkg.plugins", "import demo_pkg"),
        ("import demo_pkg, demo_pkg.plugins",),
        ("import demo_pkg.plugins\nimport demo_pkg.registry",),
    ],
)
def test_a_side_effect_import_of_a_package_the_code_reads_is_carried(tmp_path: Path, imports: tuple[str]) -> None:
    """``import geopandas.accessors`` binds ``geopandas`` too, so code reading ``geopandas`` made it look
    read: the module got ``import geopandas`` alone and, imported alone, lacked the registration
    (here AttributeError). ``import a, a.b`` was refused as "imported from two different places"."""
    root, nb = project(tmp_path, *imports, SHOUT_PKG, "shout('hi')")
    answer = run(root, nb, cells=[len(imports)])
    assert answer["ok"], answer["problems"]
    module = (root / "src/demo_pkg/speech.py").read_text(encoding="utf-8")
    assert "import demo_pkg.plugins" in module, module
    alone = import_alone(root, "from demo_pkg.speech import shout; print(shout('hi'))")
    assert alone.returncode == 0 and alone.stdout == "HI\n", alone.stderr
    assert lint(root) == ""


def test_a_submodule_import_is_added_beside_the_package_import_a_module_has(tmp_path: Path) -> None:
    """The module already says ``import demo_pkg``; the promoted code reads ``demo_pkg.registry``, which
    the notebook imported as ``import demo_pkg.registry``: same name, same package, so nothing was added
    and the module, imported alone, failed (AttributeError)."""
    root, nb = project(tmp_path, "import demo_pkg.plugins", "import demo_pkg.registry", SHOUT_PKG)
    speech = root / "src/demo_pkg/speech.py"
    speech.write_text('"""Mine."""\n\nimport demo_pkg\n', encoding="utf-8")
    answer = run(root, nb, cells=[2])
    assert answer["ok"], answer["problems"]
    text = speech.read_text(encoding="utf-8")
    assert text.count("import demo_pkg.registry\n") == 1 and text.count("import demo_pkg.plugins") == 1, text
    alone = import_alone(root, "from demo_pkg.speech import shout; print(shout('hi'))")
    assert alone.returncode == 0 and alone.stdout == "HI\n", alone.stderr


#: restates public notebooks' submodule imports (scipy under ``sp``, pyro's several submodules)
SUBMODULES = Path(__file__).resolve().parent / "data" / "promote" / "submodules.ipynb"


@pytest.mark.parametrize("name", ["shout_alias", "shout_from", "shout_plain"])
def test_submodule_imports_of_public_notebooks_move_with_the_package(tmp_path: Path, name: str) -> None:
    """A cell reads ``demo_pkg`` itself, so ``import demo_pkg.plugins`` (binding that name) looked read:
    a function reading the package as ``dp``, through ``from demo_pkg import registry`` or as
    ``demo_pkg`` got a module without the registration (KeyError, or AttributeError for ``dp.registry``).
    The module now carries every plain submodule import of a package it imports from."""
    root, nb = project(tmp_path, *cell_sources(SUBMODULES))
    answer = run(root, nb, names=[name])
    assert answer["ok"], answer["problems"]
    alone = import_alone(root, f"from demo_pkg.speech import {name}; print({name}('hi'))")
    assert alone.returncode == 0 and alone.stdout == "HI\n", alone.stderr
    assert lint(root) == ""


def test_a_carried_submodule_import_the_code_reads_has_no_noqa(tmp_path: Path) -> None:
    """``import demo_pkg.registry`` binds ``demo_pkg`` before ``import demo_pkg`` binds it again: the module
    carries it with the package (its submodules may register), and the moved code reads it as
    ``demo_pkg.registry.HANDLERS``. It kept ``# noqa: F401``, which said the import was unused: only
    ``demo_pkg.plugins``, which nothing reads, is marked."""
    nb_cells = (
        "import demo_pkg.registry\nimport demo_pkg.plugins",
        "import demo_pkg\nprint(demo_pkg.__name__)",
        'def shout(text):\n    return demo_pkg.registry.HANDLERS["shout"](text)',
    )
    root, nb = project(tmp_path, *nb_cells)
    answer = run(root, nb, names=["shout"])
    assert answer["ok"], answer["problems"]
    module = (root / "src/demo_pkg/speech.py").read_text(encoding="utf-8")
    imports = [line for line in module.splitlines() if line.startswith("import ")]
    assert imports == ["import demo_pkg", "import demo_pkg.plugins  # noqa: F401", "import demo_pkg.registry"], module
    alone = import_alone(root, "from demo_pkg.speech import shout; print(shout('hi'))")
    assert alone.returncode == 0 and alone.stdout == "HI\n", alone.stderr
    assert lint(root) == ""


def test_a_submodule_import_for_an_aliased_package_stays_with_that_package(tmp_path: Path) -> None:
    """``import demo_pkg as dp`` + ``import demo_pkg.registry`` (scipy's ``import scipy as sp`` + ``import
    scipy.fftpack`` for ``sp.fftpack.fft``, ipython-books/cookbook-2nd-code): the submodule import serves the
    aliased package. A function reading only ``json`` got ``import demo_pkg.registry  # noqa: F401``, a
    dependency on demo_pkg it does not have; one reading ``dp`` still carries it."""
    cells = (
        "import json\nimport demo_pkg as dp\nimport demo_pkg.registry",
        "def dump(value):\n    return json.dumps(value)",
        "def handlers():\n    return dp.registry.HANDLERS",
        "print(dp.registry.HANDLERS, dump(1))",
    )
    root, nb = project(tmp_path, *cells)
    plain = run(root, nb, names=["dump"], dry_run=True)
    assert plain["ok"], plain["problems"]
    assert "demo_pkg" not in plain["module_source"], plain["module_source"]
    aliased = run(root, nb, names=["handlers"], dry_run=True)
    assert aliased["ok"], aliased["problems"]
    assert "import demo_pkg as dp\nimport demo_pkg.registry  # noqa: F401\n" in aliased["module_source"]


FUTURE = "from __future__ import annotations"
LATER = "def area(s: Shape) -> float:\n    return s.w * s.h\n\n\nclass Shape:\n    w = 2.0\n    h = 3.0"


def test_an_existing_module_without_annotations_gains_the_future_import(tmp_path: Path) -> None:
    """``area`` is annotated with ``Shape``, defined below it, which the notebook allowed under the future
    import. A new module gets that import; an existing one without it was refused with 'promote what
    defines it too' (it was promoted). One with no annotations of its own gains it: nothing of it
    changes meaning, and the module imports alone."""
    root, nb = project(tmp_path, FUTURE, LATER, "area(Shape())")
    speech = root / "src/demo_pkg/speech.py"
    speech.write_text('"""Mine."""\n\n# helpers\ndef twice(x):\n    return 2 * x\n', encoding="utf-8")
    answer = run(root, nb, cells=[1])
    assert answer["ok"], answer["problems"]
    text = speech.read_text(encoding="utf-8")
    assert text.startswith(f'"""Mine."""\n\n{FUTURE}\n\n# helpers\ndef twice(x):\n'), text
    alone = import_alone(root, "from demo_pkg.speech import Shape, area, twice; print(area(Shape()), twice(2))")
    assert alone.stdout == "6.0 4\n", alone.stderr


def test_an_existing_module_with_annotations_says_what_to_do(tmp_path: Path) -> None:
    """The future import would turn the module's own annotations into strings (a dataclass's ``ClassVar``,
    a pydantic model): not ours to decide, so the refusal says what to do, and nothing is written."""
    root, nb = project(tmp_path, FUTURE, LATER)
    speech = root / "src/demo_pkg/speech.py"
    mine = '"""Mine."""\n\nimport dataclasses\n\n\n@dataclasses.dataclass\nclass Point:\n    x: int\n'
    speech.write_text(mine, encoding="utf-8")
    answer = run(root, nb, cells=[1])
    assert answer["problems"] == [
        "The promoted annotations read `Shape` before it is defined, as the notebook allows under `from "
        "__future__ import annotations`, but src/demo_pkg/speech.py lacks that import and has annotations of "
        "its own, so it was not added; add it at the top of src/demo_pkg/speech.py (then check that its own "
        "annotations still work as strings, e.g. dataclasses, pydantic) and promote again, or promote into a "
        "new module."
    ]
    assert speech.read_text(encoding="utf-8") == mine
    speech.write_text(mine.replace("import dataclasses", f"{FUTURE}\n\nimport dataclasses"), encoding="utf-8")
    assert run(root, nb, cells=[1])["ok"]  # as the line says


#: a model formula calls a notebook function and an import from a string: patsy evaluates it in the
#: namespace of the code that builds the model, which is the module's once ``fit`` is promoted
FORMULA = (
    "import statsmodels.formula.api as smf\nimport numpy as np",
    "def double_it(v):\n    return v * 2",
    "def fit(data):\n    return smf.ols('y ~ double_it(x) + np.log(x) + C(group)', data).fit()",
    "print(double_it(3))\nmodel = fit({'x': [1.0, 2.0], 'y': [2.0, 4.0], 'group': ['a', 'b']})",
)


def test_names_a_model_formula_calls_move_with_the_promoted_code(tmp_path: Path) -> None:
    """``smf.ols("y ~ double_it(x) + np.log(x)", df)`` promoted without ``double_it`` and ``np`` built a
    module whose model fails at run time (patsy: name 'double_it' is not defined); patsy's own ``C`` is no
    name of the notebook and is left alone. ``np``, read by the formula only, is marked for linters: ruff's
    fix would otherwise remove it as unused."""
    root, nb = project(tmp_path, *FORMULA)
    r = run(root, nb, names=["fit"])
    assert r["ok"], r["problems"]
    src = (root / "src/demo_pkg/speech.py").read_text(encoding="utf-8")
    assert "def double_it(v):" in src and "import numpy as np  # noqa: F401" in src and "C =" not in src
    reasons = {(s["name"], s["reason"]) for s in r["slice"]}
    assert ("double_it", "called by a model formula of fit") in reasons
    assert ("np", "import used by a model formula of fit") in reasons
    assert lint(root) == ""
    root, nb = project(tmp_path / "b", *FORMULA)
    function = run(root, nb, cells=[3], as_function="run_fit", dry_run=True)
    assert function["ok"], function["problems"]
    assert "def double_it(v):" in function["module_source"]


#: the formula engine statsmodels uses, called as the notebook calls it (statsmodels itself is no test
#: dependency: ``smf.ols(formula, data)`` hands the formula and the caller's frame to patsy the same way)
PATSY = (
    "import patsy\nimport numpy as np",
    "def double_it(v):\n    return v * 2",
    "def design(data):\n    return patsy.dmatrices('y ~ double_it(x) + np.log(z)', data)",
    "data = {'x': np.array([1.0, 2.0]), 'z': np.array([1.0, np.e]), 'y': np.array([0.0, 1.0])}\n"
    "y, X = patsy.dmatrices('y ~ double_it(x) + np.log(z)', data)",
    "print(y, X)",
)
#: builds the model in a fresh interpreter from the module alone, on a dict of numpy arrays
FIT = (
    "import numpy as np\nfrom demo_pkg.speech import {call}\n"
    "data = {{'x': np.array([1.0, 2.0]), 'z': np.array([1.0, np.e]), 'y': np.array([0.0, 1.0])}}\n"
    "y, X = {call}({args})\nprint(X.design_info.column_names, np.asarray(X).round(6).tolist())"
)
FITTED = "['Intercept', 'double_it(x)', 'np.log(z)'] [[1.0, 2.0, 0.0], [1.0, 4.0, 1.0]]\n"


@pytest.mark.parametrize(
    ("options", "call", "args"),
    [({"names": ["design"]}, "design", "data"), ({"cells": [3], "as_function": "design_of"}, "design_of", "")],
)
def test_a_promoted_formula_builds_its_model_from_the_module_alone(
    tmp_path: Path, options: dict[str, object], call: str, args: str
) -> None:
    """patsy (``EvalEnvironment.capture``) looks up the names a formula calls in the frame that builds the
    model: the promoted function's, whose globals are the module's. So ``double_it`` and ``np`` must be
    names of that module, not of the notebook: the model is built for real from the module alone."""
    root, nb = project(tmp_path, *PATSY)
    answer = run(root, nb, **options)
    assert answer["ok"], answer["problems"]
    fitted = import_alone(root, FIT.format(call=call, args=args))
    assert fitted.returncode == 0 and fitted.stdout == FITTED, fitted.stderr
    assert lint(root) == ""


@pytest.mark.parametrize("by_name", [False, True])
def test_a_formula_the_notebook_passes_to_a_promoted_function_calls_the_module(tmp_path: Path, by_name: bool) -> None:
    """``design(formula, data)`` hands the notebook's formula to patsy, which evaluates it in ``design``'s
    frame: the module's globals once promoted. ``double_it`` stayed in the notebook, so the model failed
    (NameError) when built from the module; it moves now."""
    build = "def design(formula, data):\n    return patsy.dmatrices(formula, data)"
    call = PATSY[3].replace("patsy.dmatrices(", "design(")
    if by_name:  # ``FORMULA = "..."`` then ``design(FORMULA, data)``
        call = "FORMULA = 'y ~ double_it(x) + np.log(z)'\n" + call.replace("'y ~ double_it(x) + np.log(z)'", "FORMULA")
    root, nb = project(tmp_path, PATSY[0], PATSY[1], build, call, PATSY[4])
    answer = run(root, nb, names=["design"])
    assert answer["ok"], answer["problems"]
    assert ("double_it", "called by a model formula passed to design") in {
        (s["name"], s["reason"]) for s in answer["slice"]
    }
    fitted = import_alone(root, FIT.format(call="design", args="'y ~ double_it(x) + np.log(z)', data"))
    assert fitted.returncode == 0 and fitted.stdout == FITTED, fitted.stderr
    assert cell_sources(nb)[1] == PATSY[1]  # the notebook keeps its own, as for any dependency
    assert lint(root) == ""


def test_an_import_a_model_formula_left_in_the_notebook_reads_stays(tmp_path: Path) -> None:
    """The promoted cell's ``import numpy as np`` moves with ``logged``; the notebook's own formula
    (``"y ~ np.log(x)"``) still reads it, so the notebook keeps it (it lost it, and the model failed there)."""
    root, nb = project(
        tmp_path,
        "import statsmodels.formula.api as smf",
        "import numpy as np\n\ndef logged(v):\n    return np.log(v)",
        "model = smf.ols('y ~ np.log(x)', {'x': [1.0], 'y': [2.0]}).fit()",
    )
    r = run(root, nb, cells=[1])
    assert r["ok"], r["problems"]
    assert cell_sources(nb)[:2] == ["import statsmodels.formula.api as smf\nfrom demo_pkg.speech import logged",
                                    "import numpy as np"]  # fmt: skip


def test_a_path_with_a_tilde_is_no_model_formula(tmp_path: Path) -> None:
    """``pd.read_csv('~/data/train.csv')`` read ``train`` as a formula's call, so promoting ``load`` (with a
    later ``train = load()``) was refused: "1 name the selection reads (train) is data computed in the notebook"."""
    root, nb = project(
        tmp_path,
        "import pandas as pd",
        "def load():\n    return pd.read_csv('~/data/train.csv')",
        "train = load()\nprint(len(train))",
    )
    r = run(root, nb, names=["load"], dry_run=True)
    assert r["ok"], r["problems"]
    assert "def load():" in r["module_source"] and "train" not in {s["name"] for s in r["slice"]}


#: ``design`` builds its model with an explicit ``eval_env``: where the formula's names are looked up
EVAL_ENV = (
    "import patsy\nimport numpy as np",
    "def double_it(v):\n    return v * 2",
    "def design(data):\n    return patsy.dmatrices('y ~ double_it(x) + np.log(z)', data, eval_env={env})",
)


@pytest.mark.parametrize("env", ["0", "patsy.EvalEnvironment.capture()"])
def test_a_formula_built_where_it_is_with_an_explicit_eval_env_moves_its_names(tmp_path: Path, env: str) -> None:
    """``eval_env=0`` and ``EvalEnvironment.capture()`` say patsy's default in words: the formula is
    evaluated in ``design``'s frame, the module's, so ``double_it`` and ``np`` move, as without it."""
    root, nb = project(tmp_path, *(c.format(env=env) for c in EVAL_ENV), PATSY[3], PATSY[4])
    answer = run(root, nb, names=["design"])
    assert answer["ok"], answer["problems"]
    fitted = import_alone(root, FIT.format(call="design", args="data"))
    assert fitted.returncode == 0 and fitted.stdout == FITTED, fitted.stderr
    assert lint(root) == ""


def test_a_formula_given_its_own_namespace_moves_nothing_it_calls(tmp_path: Path) -> None:
    """``eval_env=patsy.EvalEnvironment([{...}])``: patsy reads ``double_it`` from that namespace, not the
    module's. The notebook's ``double_it`` was moved all the same, a definition the module never calls."""
    own = "patsy.EvalEnvironment([{'double_it': lambda v: v * 2, 'np': np}])"
    root, nb = project(tmp_path, *(c.format(env=own) for c in EVAL_ENV), PATSY[3], PATSY[4])
    answer = run(root, nb, names=["design"])
    assert answer["ok"], answer["problems"]
    module = (root / "src/demo_pkg/speech.py").read_text(encoding="utf-8")
    assert "def double_it" not in module and "import numpy as np\n" in module, module
    fitted = import_alone(root, FIT.format(call="design", args="data"))
    assert fitted.returncode == 0 and fitted.stdout == FITTED, fitted.stderr
    assert lint(root) == ""


@pytest.mark.parametrize("env", ["1", "depth"])
def test_a_formula_evaluated_in_a_callers_namespace_is_refused(tmp_path: Path, env: str) -> None:
    """``eval_env=1`` (or a depth computed elsewhere) looks the formula's names up in whoever calls
    ``design``: nothing the module can hold. It was promoted, and built from the module alone the model
    failed (patsy: name 'double_it' is not defined); it is refused in one line, and nothing is written."""
    cells = [c.format(env=env) for c in EVAL_ENV]
    root, nb = project(tmp_path, "depth = 1", *cells)
    before = nb.read_text(encoding="utf-8")
    answer = run(root, nb, names=["design"])
    assert not answer["ok"]
    assert answer["problems"] == [
        f"design (cell 4) builds a model formula with `eval_env={env}`, so what the formula calls is looked up in "
        "a namespace the module cannot know (a caller's); use the default eval_env (where the model is built) "
        "or a patsy.EvalEnvironment of its own."
    ]
    assert not (root / "src/demo_pkg/speech.py").exists() and nb.read_text(encoding="utf-8") == before
