"""Portability checks: magics, machine paths, randomness, undeclared dependencies, file names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_prod_ext.checks.api import check_notebook, check_path
from jupyter_prod_ext.checks.deps import installed_names
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.types import FindingDict

from .nbutil import make_nb, write_nb


def run(cells: tuple[str, ...], *ids: str, **kw: Any) -> list[FindingDict]:
    return check_notebook(notebook_from_dict(make_nb(*cells)), checks=list(ids), **kw)["findings"]


# -- ipython-magic ----------------------------------------------------------------------------------


def test_each_magic_line_reported_with_install_advice() -> None:
    cells = (
        "!pip install requests\n%pip install pandas",
        "%matplotlib inline\nfiles = !ls\n!rm -rf build",
        "%%bash\necho hi",
        "ls",
        "x = 1",
    )
    found = run(cells, "ipython-magic")
    where = [(f["cell"], f["line"]) for f in found]
    assert where == [(0, 1), (0, 2), (1, 1), (1, 2), (1, 3), (2, 1), (3, 1)]
    installs = [f for f in found if f["cell"] == 0]
    assert all("pyproject" in f["hint"] for f in installs)
    assert found[2]["severity"] == "info"  # %matplotlib only configures display
    assert "automagic" in found[-1]["message"]


# -- absolute-path -----------------------------------------------------------------------------------


def test_absolute_paths() -> None:
    cells = (
        "df = read('/home/alice/data.csv')",
        'p = r"C:\\Users\\bob\\file.txt"',
        "q = open('~/notes.txt')",
        "t = '/tmp/scratch.bin'",
        "ok = ['https://example.com/home/x', '/dev/null', 'data/rel.csv', 'a/home/b']",
        "# a comment about /home/alice is not a literal",
    )
    found = run(cells, "absolute-path")
    assert [(f["cell"], f["severity"]) for f in found] == [(0, "warning"), (1, "warning"), (2, "warning"), (3, "info")]
    assert "/home/alice/data.csv" in found[0]["message"]


def test_absolute_path_quotes_exactly_the_path() -> None:
    """A Windows folder ending in a backslash, in a plain string and inside another string's escaped
    quotes (restated from public notebooks): the message quotes the path the string holds, never the
    backslash that escapes the closing quote, on the line the path is on."""
    cells = (
        'p = "C:\\\\data\\\\"',
        'x = 1\ncmd = "open(\\"D:\\\\out\\\\\\")"',
        "cfg = '{\\\"root\\\": \\\"/home/ann/proj\\\"}'",
        'q = r"C:\\Users\\bob\\\\"',  # raw: as written
    )
    for source in cells:
        compile(source, "<cell>", "exec")  # each is valid Python
    found = run(cells, "absolute-path")
    quoted = [(f["cell"], f["line"], f["message"].split("' is a path")[0][1:]) for f in found]
    assert quoted == [
        (0, 1, "C:\\data\\"),
        (1, 2, "D:\\out\\"),
        (2, 1, "/home/ann/proj"),
        (3, 1, "C:\\Users\\bob\\\\"),
    ]


# -- unseeded-randomness ------------------------------------------------------------------------------


def test_unseeded_randomness_found() -> None:
    cells = (
        "import random\nimport numpy as np\nfrom sklearn.model_selection import train_test_split",
        "a = random.random()\nb = random.choice([1, 2])",  # one finding for the random module
        "c = np.random.rand(3)",
        "rng = np.random.default_rng()",
        "X_tr, X_te = train_test_split([1, 2, 3, 4])",
    )
    found = run(cells, "unseeded-randomness")
    assert [(f["cell"], f["line"]) for f in found] == [(1, 1), (2, 1), (3, 1), (4, 1)]


def test_seeded_randomness_is_clean() -> None:
    cells = (
        "import random\nimport numpy as np\nimport torch\nfrom sklearn.ensemble import RandomForestClassifier",
        "random.seed(0)\nnp.random.seed(0)\ntorch.manual_seed(0)",
        "a = random.random()\nc = np.random.rand(3)\nt = torch.rand(2)",
        "rng = np.random.default_rng(42)\nd = rng.normal()",
        "m = RandomForestClassifier(random_state=0)\nm2 = RandomForestClassifier()",  # numpy seeded: fine
    )
    assert run(cells, "unseeded-randomness") == []


def test_seed_after_use_does_not_count() -> None:
    found = run(("import torch\nx = torch.randn(3)", "torch.manual_seed(1)"), "unseeded-randomness")
    assert len(found) == 1 and found[0]["cell"] == 0


def test_only_a_frameworks_seed_everything_call_seeds_every_generator() -> None:
    """``tf.compat.v1.set_random_seed`` seeds TensorFlow alone and a notebook's own ``set_seed`` what its body
    seeds (Python's ``random`` here): both hid the unseeded NumPy and PyTorch draws after them; the known
    frameworks' calls, resolved through their imports, still seed all three."""
    draws = "a = random.random()\nc = np.random.rand(3)\nt = torch.rand(2)"
    imports = "import random\nimport numpy as np\nimport torch\nimport tensorflow as tf"
    found = run((imports, "tf.compat.v1.set_random_seed(0)", draws), "unseeded-randomness")
    assert [(f["cell"], f["line"]) for f in found] == [(2, 1), (2, 2), (2, 3)], found
    own = "def set_seed(s):\n    random.seed(s)\n\nset_seed(0)"
    found = run((imports, own, draws), "unseeded-randomness")
    assert [(f["cell"], f["line"]) for f in found] == [(2, 2), (2, 3)], found
    for seed in (
        "from transformers import set_seed\nset_seed(0)",
        "import accelerate.utils\naccelerate.utils.set_seed(0)",
        "import lightning as L\nL.seed_everything(0)",
        "from pytorch_lightning import seed_everything\nseed_everything(0)",
        "import pyro\npyro.set_rng_seed(0)",
        "tf.keras.utils.set_random_seed(0)",
        "import keras\nkeras.utils.set_random_seed(0)",
    ):
        assert run((imports, seed, draws), "unseeded-randomness") == [], seed


# -- missing-dependency --------------------------------------------------------------------------------


IMPORTS = (
    "import os\nimport numpy as np\nimport pandas\nfrom sklearn.linear_model import LinearRegression\n"
    "import cv2\nimport yaml\nimport helpers\nimport mypkg.sub\nfrom . import sibling\nimport requests",
)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "helpers.py").write_text("X = 1\n")
    (tmp_path / "src" / "mypkg").mkdir(parents=True)
    (tmp_path / "src" / "mypkg" / "__init__.py").write_text("")
    return write_nb(tmp_path / "nb.ipynb", make_nb(*IMPORTS))


def test_missing_dependency_against_pyproject_and_requirements(tmp_path: Path) -> None:
    nb = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\ndependencies = ["NumPy>=1.26", "scikit_learn"]\n'
        '[project.optional-dependencies]\nvision = ["opencv-python-headless"]\n'
    )
    (tmp_path / "requirements-dev.txt").write_text("# dev\nPyYAML==6.0  # config\n-r other.txt\n")
    found = check_path(nb, checks=["missing-dependency"])["findings"]
    assert sorted(f["message"].split("'")[1] for f in found) == ["pandas", "requests"]
    assert all(f["severity"] == "warning" for f in found)


def test_missing_dependency_environment_yml_and_poetry(tmp_path: Path) -> None:
    nb = _project(tmp_path)
    (tmp_path / "environment.yml").write_text(
        "name: demo\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy\n  - pandas>=2\n"
        "  - scikit-learn\n  - py-opencv\n  - pip\n  - pip:\n    - requests\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npython = "^3.11"\npyyaml = "*"\n')
    assert check_path(nb, checks=["missing-dependency"])["findings"] == []


def test_no_declaration_file_is_one_info(tmp_path: Path) -> None:
    nb = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")  # declares nothing
    found = check_path(nb, checks=["missing-dependency"])["findings"]
    assert len(found) == 1 and found[0]["severity"] == "info" and "declares no dependencies" in found[0]["message"]


def test_stdlib_only_is_clean(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "nb.ipynb", make_nb("import os, json, sys\nfrom IPython.display import display"))
    assert check_path(nb, checks=["missing-dependency"])["findings"] == []


def test_an_import_tried_with_a_fallback_is_optional(tmp_path: Path) -> None:
    """statsmodels' chi2_fitting example: ``try: from StringIO import StringIO / except ImportError:
    from io import StringIO`` asked for a 'StringIO' distribution; a fallback makes the first optional.
    A handler that installs and imports the same module again is no fallback: that one is needed."""
    (tmp_path / "requirements.txt").write_text("pandas\n")
    nb = write_nb(
        tmp_path / "nb.ipynb",
        make_nb(
            "import pandas as pd\ntry:\n    from StringIO import StringIO\nexcept ImportError:\n"
            "    from io import StringIO\ndata = pd.read_csv(StringIO('x\\n1'))",
            "try:\n    import ujson as json\nexcept (ImportError, ValueError):\n    import json\nprint(json)",
            "try:\n    import shap\nexcept ImportError:\n    !pip install shap\n    import shap\nprint(shap)",
            "try:\n    import xgboost\nfinally:\n    pass\nprint(xgboost)",
        ),
    )
    found = check_path(nb, checks=["missing-dependency"])["findings"]
    assert [(f["cell"], f["message"].split("'")[1]) for f in found] == [(2, "shap"), (3, "xgboost")]


# -- non-portable-name ---------------------------------------------------------------------------------


def test_non_portable_names(tmp_path: Path) -> None:
    data = make_nb("x = 1")
    for name in ("Untitled3.ipynb", "analysis-Copy1.ipynb", "my analysis.ipynb", "données.ipynb"):
        found = check_path(write_nb(tmp_path / name, data), checks=["non-portable-name"])["findings"]
        assert len(found) == 1 and found[0]["cell"] is None, name
    assert check_path(write_nb(tmp_path / "sales_report.ipynb", data), checks=["non-portable-name"])["findings"] == []


# -- seen in real notebooks (tensorflow/docs, huggingface/notebooks): issue 17 ------------------------


def test_home_config_files_and_mount_points_are_not_machine_paths() -> None:
    cells = (
        "token_file = pathlib.Path('~/.kaggle/kaggle.json').expanduser()",
        "from google.colab import drive\ndrive.mount('/content/drive')",
        "data = torch.load('/content/molecules.pkl')\npath = '~/Downloads/ECL.csv'",
    )
    found = run(cells, "absolute-path")
    assert [(f["cell"], f["line"]) for f in found] == [(2, 1), (2, 2)]


def test_python_cell_magics_are_not_another_tool() -> None:
    found = run(("%%capture\n!pip install x\nimport os", "%%bash\nls"), "ipython-magic")
    by_cell = {f["cell"]: f["message"] for f in found if f["line"] == 1}
    assert "another tool" not in by_cell[0] and "the Python under it runs" in by_cell[0]
    assert "another tool" in by_cell[1]


def test_a_magic_the_notebook_registers_is_not_another_tool() -> None:
    """``%%backend torch`` runs through the notebook's own ``@register_cell_magic def backend`` (Python
    that the notebook wrote), which a public notebook's finding called "another tool"."""
    cells = (
        "from IPython.core.magic import register_cell_magic",
        "@register_cell_magic\ndef backend(line, cell):\n    get_ipython().run_cell(cell)",
        "%%backend torch\ndef step(x):\n    return x",
        "%%bash\nls",
    )
    by_cell = {f["cell"]: f["message"] for f in run(cells, "ipython-magic")}
    assert by_cell[2] == (
        "`%%backend torch` runs the cell through the notebook's own magic `%%backend` (registered in cell 2); "
        "a Python module has no magics."
    )
    assert "another tool" in by_cell[3]


def test_an_automagic_install_is_an_install() -> None:
    found = run(("pip install --quiet requests",), "ipython-magic")
    assert len(found) == 1 and "installs packages" in found[0]["message"]


def test_an_install_lines_packages_are_its_words_as_the_shell_and_pip_read_them() -> None:
    """An option of pip's that takes a value (``--trusted-host pypi.org``, ``--no-binary :all:``) names no
    package; a quoted requirement with spaces is one word, cut by no shell operator inside the quotes."""
    lines = {
        "%pip install --trusted-host pypi.org --trusted-host files.pythonhosted.org requests": {"requests"},
        "!pip install --no-binary :all: --only-binary numpy --proxy proxy.local:3128 lxml": {"lxml"},
        "!pip install --timeout 60 --retries 3 --root-user-action ignore --use-feature truststore rich": {"rich"},
        "!pip install --report report.json --progress-bar off --global-option build_ext httpx": {"httpx"},
        '%pip install "pandas >= 2" "numpy > 1.26, < 3" -q': {"pandas", "numpy"},
        "!pip install 'scikit-learn>=1.3' 2>&1 | tail -n 1": {"scikit-learn"},
        "!pip install torch > /dev/null && echo done # then restart": {"torch"},
        "!pip install pandas>=2 polars > log.txt seaborn": {"pandas", "polars", "seaborn"},  # '>' redirects to '=2'
        "!pip install 'unbalanced quote scipy": {"quote", "scipy"},  # no closing quote: split at spaces
    }
    assert {line: set(installed_names(line)) for line in lines} == lines


def test_probes_and_text_for_another_machine_are_not_machine_paths() -> None:
    cells = (
        'IS_WORKBENCH = os.path.exists(\n    "/opt/deeplearning/metadata/env_version"\n)',
        'ON_COLAB = Path("/content/drive").is_dir()',
        '%%bash\ncat << EOF > Dockerfile\nCMD ["serve", "--model-store", "/home/model-server/store"]\nEOF\ncp "/home/bob/x.csv" .',
        '%%writefile Dockerfile\nCOPY model.bin "/home/model-server/model.bin"',
        'data = open("/home/alice/data.csv")',
    )
    found = run(cells, "absolute-path")
    assert [(f["cell"], f["line"]) for f in found] == [(2, 5), (4, 1)]


def test_mentions_random_is_the_hint_regex() -> None:
    """The unseeded-randomness prefilter (``in`` per word, capitals by ``memchr`` first) answers as the one
    regex alternation of the same words did, on each word alone, inside code and in near misses."""
    import re

    from jupyter_prod_ext.checks.randomness import mentions_random

    hint = re.compile(
        r"random|rand|seed|shuffle|Forest|KMeans|train_test_split|Boost|Tree|MLP|SGD|TSNE|Bagging|Isolation|"
        r"ShuffleSplit|make_"
    )
    words = hint.pattern.split("|")
    texts = [*words, *(f"x = f({w}_1)\n# {w.lower()}" for w in words), *(w[:-1] + " " + w[-1] for w in words)]
    texts += ["", "import numpy as np\nnp.mean(x)", "Shuffle", "RAND", "make", "train_test", "KMean", "Tre", "MLPs"]
    for text in texts:
        assert mentions_random(text) == bool(hint.search(text)), text
