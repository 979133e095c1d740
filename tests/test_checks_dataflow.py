"""Dataflow checks on crafted notebooks: what each must find, and what it must not."""

from __future__ import annotations

from jupyter_prod_ext.checks.api import check_notebook
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.types import FindingDict

from .nbutil import make_nb


def run(cells: tuple[str, ...], *ids: str) -> list[FindingDict]:
    return check_notebook(notebook_from_dict(make_nb(*cells)), checks=list(ids))["findings"]


def names(found: list[FindingDict]) -> set[str]:
    return {f["message"].split("'")[1] for f in found}


# -- undefined-name and the scope rules ------------------------------------------------------------


def test_undefined_name_found() -> None:
    found = run(("print(nowhere)",), "undefined-name")
    assert len(found) == 1 and found[0]["cell"] == 0 and found[0]["line"] == 1


def test_comprehension_global_del() -> None:
    cells = (
        "squares = [i * i for i in range(3)]\nprint(i)",  # i does not leak from a comprehension
        "def f():\n    global counter\n    counter = 1",
        "f()\nprint(counter)",
        "tmp = 1\ndel tmp\nprint(tmp)",
    )
    found = run(cells, "undefined-name")
    assert {(f["cell"], f["message"].split("'")[1]) for f in found} == {(0, "i"), (3, "tmp")}
    assert any("deleted" in f["message"] for f in found)


def test_star_import_one_info_and_no_undefined() -> None:
    cells = ("from os.path import *", "print(join('a', 'b'))", "print(exists('x'))")
    assert run(cells, "undefined-name") == []
    star = run(cells, "star-import")
    assert len(star) == 1 and star[0]["severity"] == "info" and "os.path" in star[0]["message"]


def test_pylab_is_a_star_import() -> None:
    cells = ("%pylab inline", "plot(arange(3))")
    assert run(cells, "undefined-name") == []
    star = run(cells, "star-import")
    assert len(star) == 1 and "%pylab" in star[0]["message"]


def test_try_import_error_and_type_checking() -> None:
    cells = (
        "try:\n    import ujson as json\nexcept ImportError:\n    import json",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pathlib import Path",
        "def f(p: 'Path') -> str:\n    return json.dumps(str(p))",
        "f('x')",
    )
    assert run(cells, "undefined-name", "unused-import") == []


def test_names_bound_by_magics() -> None:
    cells = ("%%capture out\nprint(1)", "files = !ls", "print(out.stdout, files)")
    assert run(cells, "undefined-name") == []


def test_bare_automagic_is_not_undefined() -> None:
    assert run(("ls", "pwd"), "undefined-name") == []
    # bound: then it is a name like any other
    assert run(("ls = [1]", "ls"), "undefined-name") == []
    # not alone on its line: a real undefined name
    assert len(run(("print(ls)",), "undefined-name")) == 1


def test_an_automagic_with_options_is_no_undefined_name() -> None:
    """``ls -a`` in a one-line cell (ipython-books/cookbook-2nd-code's git recipes) is Python's ``ls - a``:
    'ls' and 'a' were undefined names; IPython runs it as ``%ls -a``, the ipython-magic check says so.
    Spaced as a subtraction (``ls - a``) it is Python."""
    found = run(("ls -a", "ls -la -h"), "undefined-name", "ipython-magic")
    assert [(f["check"], f["message"]) for f in found] == [
        ("ipython-magic", "`ls -a` alone runs IPython's `%ls -a` automagic; in a module it is an undefined name."),
        ("ipython-magic", "`ls -la -h` alone runs IPython's `%ls -la -h` automagic; in a module it is an undefined name."),
    ]
    assert names(run(("ls - a",), "undefined-name")) == {"ls", "a"}


def test_a_builtin_of_python_2_is_said_to_port() -> None:
    """``xrange`` in a Python 2 notebook: the hint said to define or import it in an earlier cell."""
    [found] = run(("for i in xrange(3):\n    pass",), "undefined-name")
    assert found["hint"] == "It is a builtin of Python 2, which Python 3 has not: port the cell (range)."


# -- use-before-definition ---------------------------------------------------------------------------


def test_use_before_definition_names_later_cell() -> None:
    found = run(("print(total)", "x = 1", "total = 3"), "use-before-definition")
    assert len(found) == 1
    f = found[0]
    assert f["cell"] == 0 and f["severity"] == "error" and "cell 3" in f["message"]
    assert run(("print(total)", "total = 3"), "undefined-name") == []  # not both


def test_use_before_definition_not_for_functions_called_later() -> None:
    assert run(("def f():\n    return helper()", "def helper():\n    return 1", "f()"), "use-before-definition") == []


# -- redefined-name ------------------------------------------------------------------------------------


def test_redefined_name_when_read_across_cells() -> None:
    found = run(("df = 1", "print(df)", "df = 2", "print(df)"), "redefined-name")
    assert len(found) == 1 and found[0]["cell"] == 2 and "cell(s) 1" in found[0]["message"]


def test_redefined_name_low_noise() -> None:
    cells = (
        "for i in range(3):\n    pass",
        "for i in range(2):\n    pass",  # loop variables
        "_ = 1",
        "_ = 2",  # throwaway
        "fig = 1\nprint(fig)",
        "fig = 2\nprint(fig)",  # cell-local temporaries, never read elsewhere
        "data = [3, 1]",
        "data = sorted(data)",  # a pipeline step reads its input
        "print(data)",
        "import os",
        "import os",  # the same import twice
        "print(os.sep)",
    )
    assert run(cells, "redefined-name") == []


# -- unused-import / unused-definition ----------------------------------------------------------------


def test_what_a_timeit_cell_binds_is_local_to_it() -> None:
    """IPython compiles a ``%%timeit`` cell (setup and body) into a function: what it binds is no global, so a
    later cell that reads it fails in a fresh kernel; its setup still binds what its body reads, and what it
    reads of the notebook's globals is a use."""
    cells = (
        "import math\nsizes = [1, 2, 3]",
        "%%timeit -n1 -r3 total, scale = 0, 2\nimport json\nfor s in sizes:\n    total += math.sqrt(s) * scale",
        "print(total, json)",
    )
    assert names(run(cells, "undefined-name")) == {"total", "json"}
    assert run(cells, "unused-import", "use-before-definition") == []


def test_unused_import() -> None:
    found = run(("import os, sys\nfrom json import dumps as jd", "print(sys.argv)"), "unused-import")
    assert names(found) == {"os", "jd"}
    assert all(f["severity"] == "warning" for f in found)


def test_a_shell_line_reads_a_field_as_ipythons_formatter_evaluates_it() -> None:
    """IPython's ``FullEvalFormatter`` fills ``{x!r}`` with ``x`` converted, and ``{s[1:3]}`` and
    ``{d['a:b']}`` with the expression; ``{w:>10}`` and ``{v != 2}`` are no expression to it (the line runs as
    written), so they read nothing."""
    cells = (
        "import pprint, json, os, sys\ns, d = 'abc', {'a:b': 1}",
        "def shown():\n    return 1\ndef width():\n    return 2",
        "!echo {pprint!r} {json.dumps(d)!s} {shown()!a}\n!echo {s[1:3]} {d['a:b']}\n!echo {os:>10} {width()!r:>3}",
        "!echo {sys != 2}",
    )
    assert names(run(cells, "unused-import")) == {"os", "sys"}
    assert names(run(cells, "unused-definition")) == {"width"}


def test_unused_import_exceptions() -> None:
    cells = (
        "from __future__ import annotations",
        "import numpy as np\n__all__ = ['np']",
        "import json\ndef f():\n    return json.dumps({})",  # used in a function body
        "try:\n    import ujson\nexcept ImportError:\n    ujson = None",
    )
    assert run(cells, "unused-import") == []


def test_side_effect_imports_are_not_unused() -> None:
    """``Axes3D`` is never read, yet deleting its import breaks ``projection='3d'`` (a public notebook's
    pattern, restated); other registration imports likewise. An ordinary unused import still is, and its
    hint says how to keep one imported for its side effect."""
    cells = (
        "import matplotlib.pyplot as plt\nfrom mpl_toolkits.mplot3d import Axes3D\nimport os",
        "fig = plt.figure()\nax = fig.add_subplot(111, projection='3d')",
        "import hvplot.pandas\nfrom sklearn.experimental import enable_iterative_imputer\nimport mpl_toolkits.mplot3d",
        "from sklearn.impute import IterativeImputer\nimputer = IterativeImputer()",
    )
    found = run(cells, "unused-import")
    assert [(f["cell"], f["line"]) for f in found] == [(0, 3)]
    assert "'os' is imported but never used" in found[0]["message"]
    assert "# prod: ignore[unused-import]" in found[0]["hint"]
    assert found[0]["fix"] is None


def test_a_plain_submodule_import_nothing_reads_is_unused_unless_a_known_registration() -> None:
    """``import os.path`` binds ``os``: when nothing reads ``os`` it is a leftover (ruff's F401 says so
    too), as is ``import my_project.plugins`` (its hint says to waive one kept for its effect); a known
    registration (``import hvplot.pandas``) is not, nor a plain import whose package is read."""
    cells = (
        "import os\nimport my_project.plugins\nimport xml.dom as dom\nfrom tqdm import tqdm",
        "import os.path\nimport hvplot.pandas\nimport logging.config",
        "x = 1",
        "logging.config.dictConfig({})",
    )
    found = run(cells, "unused-import")
    assert [(f["cell"], f["message"].split("'")[1]) for f in found] == [
        (0, "os"), (0, "my_project.plugins"), (0, "dom"), (0, "tqdm"), (1, "os.path")
    ]  # fmt: skip
    assert found[4]["message"] == "'os.path' is imported but never used."
    assert "# prod: ignore[unused-import]" in found[1]["hint"]


def test_plain_imports_of_one_package_are_used_by_a_read_of_it_like_ruff() -> None:
    """``import a.b`` and ``import a.c`` load both submodules into the one ``a``: a later ``a.c.x`` reaches
    only the second binding, yet ``a.b`` is there too, so neither is reported (ruff's F401 neither); with
    nothing reading ``a`` both are, and the same submodule twice is still redundant."""
    used = ("import xml.dom", "import xml.etree", "print(xml.etree.ElementTree)")
    assert run(used, "unused-import") == []
    assert run(("import os.path\nimport os", "os.getcwd()"), "unused-import") == []
    assert run(("import os.path", "os.getcwd()", "import os.path.join"), "unused-import") == []
    unread = run(("import xml.dom", "import xml.etree", "x = 1"), "unused-import")
    assert [(f["cell"], f["message"]) for f in unread] == [
        (0, "'xml.dom' is imported but never used."), (1, "'xml.etree' is imported but never used.")
    ]  # fmt: skip
    twice = run(("import xml.dom", "import xml.dom", "print(xml.dom)"), "unused-import")
    assert [(f["cell"], f["message"]) for f in twice] == [
        (0, "'xml.dom' is imported here and again in cell 2 before any use: this import is redundant.")
    ]
    rebound = run(("import xml.dom", "xml = None", "print(xml)"), "unused-import")
    assert [f["message"] for f in rebound] == ["'xml.dom' is imported but never used."]


def test_unused_definition() -> None:
    cells = (
        "def used():\n    return 1",
        "def unused():\n    return 2",
        "class Unused:\n    pass",
        "def exported():\n    pass\n__all__ = ['exported']",
        "import functools\n@functools.lru_cache\ndef registered():\n    pass",
        "used()",
    )
    found = run(cells, "unused-definition")
    assert names(found) == {"unused", "Unused"}
    assert all(f["severity"] == "info" for f in found)


def test_a_name_only_a_path_or_prose_with_a_tilde_holds_is_still_unused() -> None:
    """``'~/data/train.csv'`` is no model formula: ``train`` and ``models`` there call nothing, so the
    function and the import stay unused; a real formula's ``np.log(...)`` still uses ``np``."""
    cells = (
        "import pandas as pd\nimport numpy as np\nimport models\nimport s",
        "def train(df):\n    return df",
        "df = pd.read_csv('~/data/train.csv')\nlog = pd.read_csv('~user/logs/models.v2.csv')",
        "print('approx ~ 3.5 s.')\nfit = ols('y ~ np.log(x)', df)",
    )
    assert names(run(cells, "unused-definition")) == {"train"}
    assert names(run(cells, "unused-import")) == {"models", "s"}


def test_a_branch_only_some_python_3_takes_is_checked() -> None:
    """``sys.version_info < (3, 11)`` holds on 3.10 and the ``else`` of ``>= (3, 12)`` on 3.11: both run on a
    Python 3, so an undefined name there is one (Python 3 read as 3.12.0 alone dropped them); a branch no
    Python 3 takes (``< (3, 0)``, ``[0] < 3``) is still Python 2's only."""
    cells = (
        "import sys",
        "if sys.version_info < (3, 11):\n    cfg = tomli.loads(text)\nelse:\n    cfg = None",
        "if sys.version_info >= (3, 12):\n    fast = 1\nelse:\n    fast = slow_path()",
        "if sys.version_info < (3, 0):\n    s = unicode(s)\nif sys.version_info[0] < 3:\n    s = raw_input()",
    )
    assert names(run(cells, "undefined-name")) == {"tomli", "text", "slow_path"}


# -- seen in real notebooks (tensorflow/docs, huggingface/notebooks): issue 17 ------------------------


def test_a_name_bound_further_down_the_same_loop_is_defined() -> None:
    src = "for epoch in range(3):\n  if epoch > 0:\n    load(path)\n  path = save()"
    found = run(("load = save = print", src), "undefined-name", "use-before-definition")
    assert found == []
    # not in a plain block: there the use really comes first
    assert names(run(("if flag:\n  print(later)\n  later = 1", ), "undefined-name")) == {"later", "flag"}


def test_names_of_a_cell_that_does_not_parse_are_not_undefined_elsewhere() -> None:
    broken = "images = pipe(prompt).images\nfor i, image in enumerate(images):\n    image.save(p) print(p)"
    found = run(("prompt = 'x'\npipe = p = None", broken, "show(images)\nprint(other)"), "undefined-name")
    assert names(found) == {"show", "other"}


def test_an_import_repeated_before_its_use_is_called_redundant_not_unused() -> None:
    found = run(("import matplotlib.pyplot as plt\nimport os", "x = 1", "import matplotlib.pyplot as plt\nplt.plot([x])"), "unused-import")
    messages = {f["message"] for f in found}
    assert messages == {
        "'plt' is imported here and again in cell 3 before any use: this import is redundant.",
        "'os' is imported but never used.",
    }


# -- seen in GoogleCloudPlatform/vertex-ai-samples (held-out set, issue 17) -----------------------------


def test_a_name_tested_with_globals_first_is_not_undefined() -> None:
    src = 'if "IMPORT_FILES" in globals():\n    FILE = IMPORT_FILES[0]\nelse:\n    FILE = IMPORT_FILE'
    assert names(run(("IMPORT_FILE = 'a.csv'", src), "undefined-name")) == set()


def test_exit_code_of_a_shell_escape_is_provided() -> None:
    assert run(("!ls missing\nif _exit_code == 0:\n    print('found')",), "undefined-name") == []


def test_names_bound_by_data_cell_magics() -> None:
    cells = (
        "%%bigquery event_dates --project $PROJECT_ID\nSELECT 1",
        "%%sql rows <<\nSELECT 2",
        "%%R -o fit,summary_df\nfit <- lm(y ~ x)",
        "print(event_dates, rows, fit, summary_df, missing_one)",
    )
    found = run(cells, "undefined-name", "use-before-definition")
    assert names(found) == {"missing_one"}
