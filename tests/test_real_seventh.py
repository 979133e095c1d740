"""Constructs of public notebooks a seventh sweep found answered wrongly, restated in
``tests/data/real/seventhsweep.ipynb`` (cells written for this project; the notebooks are not redistributed).

The sweep took 897 notebooks of eight other repositories (a cloud vendor's generative-AI samples, a model
hub's cookbook, two machine-learning books' notebooks, a scientific-Python cookbook, TensorFlow examples, a
data-science collection, pandas exercises) through every check, promotion and route.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.checks.api import check_path
from jupyter_prod_ext.errors import NotPythonError

from .nbutil import fast_findings_of_copy

SEVENTH = Path(__file__).resolve().parent / "data" / "real" / "seventhsweep.ipynb"


def _fast_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, beside: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    return fast_findings_of_copy(SEVENTH, tmp_path, monkeypatch, beside=beside)


def _of(check: str, findings: list[dict[str, Any]]) -> list[tuple[str | None, int | None, str, str]]:
    return [(f["cell_id"], f["line"], f["message"], f["hint"]) for f in findings if f["check"] == check]


NONE_DECLARED = (
    "The project declares no dependencies (no pyproject [project] dependencies, requirements*.txt or "
    "environment.yml in the notebook's folder or a folder above it within the project)"
)


def test_a_notebook_that_installs_its_packages_is_told_to_declare_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%pip install google-genai pandas`` and ``!{sys.executable} -m pip install scikit-learn`` in a project
    that declares nothing: the notebook installs what it imports, so "nobody can install what this notebook
    imports" was wrong (415 public notebooks read so). The finding is on the install line and says to move
    its packages into a declaration, which another environment reads."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert _of("missing-dependency", findings) == [
        (
            "install",
            1,
            f"{NONE_DECLARED}; this notebook installs its packages itself (the install lines in cells 4, 5, 25), which "
            "only its own kernel runs, so no other environment gets what it imports (clearbox, fastcore, google, pandas, sklearn, …).",
            "Move the packages of the install lines in cells 4, 5, 25 into a requirements.txt or a [project] "
            "dependencies list in pyproject.toml beside the notebook or in the project's root folder.",
        )
    ]
    installs = [(cid, line, msg) for cid, line, msg, _ in _of("ipython-magic", findings) if "install" in str(cid)]
    assert installs == [
        ("install", 1, "`%pip install --upgrade --quiet google-genai pandas` installs packages from inside the notebook."),
        (
            "install",
            2,
            '`%pip install --quiet "git+https://github.com/example/clearb…` installs packages from inside the notebook.',
        ),
        (
            "install-sys",
            3,
            "`!{sys.executable} -m pip install --quiet 'scikit-learn>=1.3'` installs packages from inside the "
            "notebook.",
        ),
    ]


def test_an_undeclared_import_the_notebook_installs_names_its_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A requirements.txt that lists pandas (and sympy) only: scikit-learn, google-genai and clearbox, which the notebook's
    install lines install, are named as the install line names them (not 'google', the namespace the import
    reads; a repository's name for ``git+https://…/clearbox.git@v1``) with the line to move them from. The
    first import of ``google`` is the genai one: ``from google.colab import auth`` above is Colab's own."""
    findings = _fast_findings(tmp_path, monkeypatch, {"requirements.txt": "pandas>=2\nsympy\n"})
    assert _of("missing-dependency", findings) == [
        (
            "imports",
            2,
            "'sklearn' is imported but 'scikit-learn' is not declared in requirements.txt; the install line in "
            "cell 5 installs it only in this kernel.",
            "Declare 'scikit-learn' in requirements.txt and drop it from the install line in cell 5.",
        ),
        (
            "imports",
            3,
            "'google' is imported but 'google-genai' is not declared in requirements.txt; the install line in "
            "cell 4 installs it only in this kernel.",
            "Declare 'google-genai' in requirements.txt and drop it from the install line in cell 4.",
        ),
        (
            "imports",
            5,
            "'clearbox' is imported but 'clearbox' is not declared in requirements.txt; the install line in "
            "cell 4 installs it only in this kernel.",
            "Declare 'clearbox' in requirements.txt and drop it from the install line in cell 4.",
        ),
        (
            "mk-class",
            1,
            "'fastcore' is imported but 'fastcore' is not declared in requirements.txt; the install line in "
            "cell 25 installs it only in this kernel.",
            "Declare 'fastcore' in requirements.txt and drop it from the install line in cell 25.",
        ),
    ]


def test_a_licence_header_cell_before_the_title_is_no_missing_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A code cell of comments only (the licence header every notebook of a cloud vendor's samples starts with)
    runs and shows nothing: the ``# Seventh sweep`` cell after it is the notebook's title (310 of 897 public
    notebooks were told they had none). So is a markdown cell of credit before it: an "Open in Colab" badge
    and its words, ``**Author:** …``, ``Created by …``, a copyright and licence line (81 notebooks)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f for f in findings if f["check"] == "missing-title"] == []


def test_private_names_of_a_widgets_javascript_and_an_escaped_lookup_are_no_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A graph widget's HTML output holds minified JavaScript whose class lists its private methods
    (``{key:"_getDistanceToBezierEdge2",value:function…}``): names, not random-looking secrets in 'key' (two
    public notebooks got 30 errors each). ``SECRET_TOKEN="$$HF_TOKEN"`` is Cloud Build's escaped ``$HF_TOKEN``,
    a lookup, not a credential."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f for f in findings if f["check"] == "secret"] == []


def test_a_value_a_shell_line_interpolates_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """IPython fills ``{expr}`` of a ``!`` line with the value of ``expr``: ``!{sys.executable} -m pip install``
    reads ``sys``, whose import is used (two public notebooks were told to remove it), and ``{bucket}`` reads
    the bucket. Shell braces are not Python (``data/{train,test}``, awk's ``{print $1}``). A name defined
    nowhere is said as IPython runs it: the braces stay as written, no NameError."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert _of("unused-import", findings) == []
    assert _of("undefined-name", findings) == [
        (
            "shell-values",
            3,
            "'project_id' is not defined anywhere in the notebook.",
            "Define it in an earlier cell; IPython cannot fill in the `{…}` and runs the line with the braces as "
            "written.",
        )
    ]


def test_the_setup_statement_of_a_timeit_cell_binds_what_its_body_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%%timeit -n1 -r10 c, z, m = initialize(200)``: the statement after the options runs before each timed
    run of the body, which reads ``c``, ``z`` and ``m`` (a public notebook was told 'c' is defined nowhere,
    another that 'm_gpu' is used before the cell that defines it)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    early = [f for f in findings if f["check"] in ("undefined-name", "use-before-definition") and f["cell_id"] == "timed"]
    assert early == []


def test_an_import_or_function_a_cell_that_does_not_parse_names_is_not_unused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``print textwrap.fill(letters(5))`` is a Python 2 statement: the cell does not parse (invalid-syntax says
    so), and nobody can tell what it reads, so 'textwrap' and 'letters', which it names, are not "never used"
    (29 imports and 7 functions of 18 public notebooks, Python 2 tutorials mostly, were reported so)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    unused = [f for f in findings if f["check"] in ("unused-import", "unused-definition")]
    assert [f["message"] for f in unused if f["cell_id"] == "py2-helpers"] == []
    assert [f["cell_id"] for f in findings if f["check"] == "invalid-syntax"] == ["py2-print"]


def test_a_writefile_cell_is_said_to_write_its_file_and_memit_runs_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%%writefile Dockerfile`` writes the file the cell holds (31 public notebooks write a Dockerfile, a
    handler or a config so): it is no "other tool" to call with subprocess; the file can be committed. The
    body of memory_profiler's ``%%memit`` is Python the notebook runs, as ``%%timeit``'s is: its names are
    read and bound (``squares``), not "another tool"."""
    findings = _fast_findings(tmp_path, monkeypatch)
    magics = {cid: (msg, hint) for cid, _, msg, hint in _of("ipython-magic", findings)}
    assert magics["dockerfile"] == (
        "`%%writefile Dockerfile` writes the cell's text to Dockerfile when the notebook runs; a Python module "
        "does not.",
        "Commit the file itself (or write it with pathlib.Path(...).write_text()), and keep this step out of the "
        "promoted code.",
    )
    assert magics["memory"][0] == (
        "`%%memit` is an IPython cell magic: the Python under it runs, the magic itself does not in a module."
    )


def test_a_branch_on_the_runtime_is_no_top_level_logic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``if "google.colab" in sys.modules: auth.authenticate_user()`` sets the notebook up for where it runs: no
    logic to wrap in a function and promote (289 findings of 272 public notebooks). A loop is still reported."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [(f["cell_id"], f["line"]) for f in findings if f["check"] == "top-level-code"] == [("retry", 1)]


def test_the_symbols_sympy_var_makes_are_defined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SymPy's ``var('a x')`` injects the symbols ``a`` and ``x`` into the notebook's namespace (its documented
    purpose), so ``solve(x**2 - a, x)`` reads defined names (a public notebook was told ``x`` was used before a
    later ``x = Symbol('x')``, an error)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f for f in findings if f["cell_id"] == "symbols" and f["family"] == "dataflow"] == []


def test_a_path_in_python_source_held_in_a_string_is_the_other_machines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``handler_source = \"\"\"import json ... def load(model_dir='/opt/huggingface/model')\"\"\"``, written to a file
    for a serving container: the path is the container's, as in a ``%%writefile`` cell (three public notebooks
    were told it is a path on one machine). The notebook's own ``open('/opt/notes.txt')`` still is."""
    findings = _fast_findings(tmp_path, monkeypatch)
    paths = [(cid, line, msg) for cid, line, msg, _ in _of("absolute-path", findings)]
    assert paths == [("handler", 9, "'/opt/notes.txt' is a path on one machine; the notebook fails anywhere else.")]


def test_the_set_up_before_the_imports_is_no_code_that_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cloud vendor's notebooks install, restart the kernel (``app.kernel.do_shutdown(True)``), authenticate in
    Colab (``if "google.colab" in sys.modules:``) and check the Python version (``assert sys.version_info >= …``)
    before they import: set-up, not code after which imports come late (360 findings of 240 public notebooks
    named one of those cells). The imports after ``bucket = …`` still come late. ``from google.colab import
    auth`` is Colab's own module, no 'google' distribution to declare (75 notebooks listed it)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    late = {f["message"].rsplit(" after ", 1)[1] for f in findings if f["check"] == "imports-not-at-top"}
    assert late == {"cell 9 already ran code."}


def test_python_s_own_question_ends_the_syntax_error_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python says "Missing parentheses in call to 'print'. Did you mean print(...)?": the message ends with its
    question mark, not "?." (168 findings of 56 public notebooks of Python 2 read so)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    [message] = [f["message"] for f in findings if f["check"] == "invalid-syntax"]
    assert message.startswith("Syntax error: Missing parentheses in call to 'print'.")
    assert not message.endswith("?.") and message.endswith(("?", ".")), message


def test_a_configuration_guard_of_a_set_up_cell_is_no_top_level_logic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cloud vendor's set-up cell: Colab form fields (``PROJECT_ID = "[your-project-id]"  # @param``), then
    ``if PROJECT_ID == "[your-project-id]" …: PROJECT_ID = …`` or ``if not API_KEY: raise ValueError(…)``, which
    check that the reader filled the configuration in: nothing to wrap in a function and promote (198 findings
    of the sweep). A loop is still reported."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [(f["cell_id"], f["line"]) for f in findings if f["check"] == "top-level-code"] == [("retry", 1)]


def test_the_class_fastcore_mk_class_makes_is_defined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fastcore's ``mk_class("Point", "x", "y")`` creates ``Point`` in the calling module's namespace, as SymPy's
    ``var`` does its symbols: ``Point(1, 2)`` reads a defined name (nbdev notebooks were told it is defined
    nowhere)."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f for f in findings if f["cell_id"] == "mk-class" and f["family"] == "dataflow"] == []


def test_the_pip_install_of_a_vs_code_shell_cell_is_an_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A VS Code shell cell (``metadata.vscode.languageId: "shellscript"``) runs ``pip install --quiet fastcore``
    as ``!pip install`` does: the notebook installs fastcore itself (the declarations' findings name that line,
    above), and the cell's shell (``if [ -d data ]; then …``) is no Python syntax error."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f for f in findings if f["cell_id"] == "vscode-shell"] == []


def _not_python(name: str, tmp_path: Path) -> str:
    target = tmp_path / name
    shutil.copyfile(SEVENTH.parent / name, target)
    with pytest.raises(NotPythonError) as raised:
        check_path(target, checks="fast")
    return raised.value.message.replace(str(target), name)


def test_a_notebook_whose_kernel_names_its_language_is_not_checked_as_python(tmp_path: Path) -> None:
    """A SageMath notebook whose metadata names its kernel (``kernelspec.name: sagemath``) and no language was
    checked as Python (``R.<x> = PolynomialRing(QQ)`` an invalid-syntax error). The kernel's name says it."""
    assert _not_python("seventh_sage.ipynb", tmp_path) == (
        "seventh_sage.ipynb: not a Python notebook (its language is 'sage'); jupyter-prod checks Python notebooks only."
    )


def test_a_notebook_without_metadata_whose_code_is_not_python_is_not_checked(tmp_path: Path) -> None:
    """A Julia notebook saved without metadata: three of its four code cells do not parse as Python (``using
    LinearAlgebra``, ``A = [1 2; 3 4]``, ``function f(x) … end``), so it is said to be no Python notebook, in
    one line, as one whose metadata names another language. A Python 2 notebook without metadata (``print
    "hello"``) is still Python: its syntax errors are Python 2's, which invalid-syntax reports."""
    assert _not_python("seventh_julia.ipynb", tmp_path) == (
        "seventh_julia.ipynb: not a Python notebook (its metadata names no language, and 3 of its 4 code cells "
        "are not Python); jupyter-prod checks Python notebooks only."
    )
    target = tmp_path / "seventh_python2.ipynb"
    shutil.copyfile(SEVENTH.parent / target.name, target)
    report = check_path(target, checks="fast")
    assert [f["cell_id"] for f in report["findings"] if f["check"] == "invalid-syntax"] == ["greet", "pair", "value"]


def test_a_function_a_string_the_notebook_evaluates_reads_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data-science book's ``display`` helper shows ``eval`` of each string it is given: ``make_df`` is read by
    ``display("make_df('AB')")``, ``square`` by ``eval("square(4)")``, so neither is "never used". ``cube``,
    named in a string ``print`` only prints, still is."""
    findings = _fast_findings(tmp_path, monkeypatch)
    assert [f["message"] for f in findings if f["check"] == "unused-definition"] == [
        "The function 'cube' is defined but never used in the notebook."
    ]
