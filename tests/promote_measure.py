"""Promote every top-level function and class of a set of notebooks, as a user following the preview would.

Shared by ``tests/test_promote_corpus.py`` (the vendored notebooks) and ``bench/promote_corpus.py`` (the larger
set). Each definition is promoted with a dry run; names the preview asks about get the choice it suggests, and
the dry run is repeated until it is complete or refused for another reason. A complete result is then checked
by tools that are not the engine: the module with ``pyflakes`` (undefined names, unused imports) and ``black
--check``; the rewritten notebook (its cells' Python, in order) with ``pyflakes`` against the original, so a
notebook that gains an undefined name is counted.
"""

from __future__ import annotations

import ast
import collections
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_prod_ext.errors import ProdError
from jupyter_prod_ext.notebook import Notebook, load_notebook, notebook_from_dict
from jupyter_prod_ext.promote import PromoteOptions, promote
from jupyter_prod_ext.promote.rewrite import apply_edits
from jupyter_prod_ext.promote.types import PromoteResultDict

#: refusals caused by what the notebook itself contains (not something promotion could do better)
NOTEBOOK_CAUSED = frozenset(
    {
        "magic",
        "star-import",
        "undefined-name",
        "global-statement",
        "name-conflict",
        "does-not-parse",
        "not-python",
    }
)
#: refusals that mean the engine would have produced something broken and caught it
ENGINE_CAUGHT = frozenset(
    {"module-undefined-name", "module-unused-import", "module-does-not-parse", "mypy-name-defined",
     "notebook-loses-name", "notebook-invalid", "black-failed", "read-at-definition"}
)  # fmt: skip


@dataclass
class Measure:
    notebooks: int = 0
    skipped_notebooks: int = 0
    attempted: int = 0
    complete: int = 0
    #: definitions completed only after following the preview's suggested choices
    with_choices: int = 0
    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    broken_modules: list[str] = field(default_factory=list)
    notebooks_gaining_undefined: list[str] = field(default_factory=list)
    #: pyflakes reports on the author's own noqa lines, on names only inside strings, or on an undefined name
    #: the notebook has too (listed, not counted)
    not_counted: list[str] = field(default_factory=list)

    #: definitions refused for at least one reason in the notebook's own code
    refused_by_notebook: int = 0

    @property
    def complete_share(self) -> float:
        """Complete modules among the definitions that the notebook's own code does not rule out."""
        base = self.attempted - self.refused_by_notebook
        return self.complete / base if base else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "notebooks": self.notebooks,
            "skipped_notebooks": self.skipped_notebooks,
            "attempted": self.attempted,
            "complete": self.complete,
            "complete_after_choices": self.with_choices,
            "refused_by_reason": dict(sorted(self.refused.items())),
            "refused_by_notebook_code": self.refused_by_notebook,
            "complete_share": round(self.complete_share, 4),
            "broken_modules": self.broken_modules,
            "notebooks_gaining_undefined": self.notebooks_gaining_undefined,
            "pyflakes_not_counted": self.not_counted,
        }


def definitions(nb: Notebook) -> list[str]:
    names = [
        node.name
        for unit in nb.units()
        if unit.tree is not None
        for node in unit.tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    return list(dict.fromkeys(names))


def promote_as_suggested(nb_path: Path, root: Path, name: str) -> tuple[PromoteResultDict, bool]:
    """The dry run after following the preview's suggestions (as the dialog does); whether any was needed."""
    choices: dict[str, str] = {}
    for _ in range(7):  # as the preview: the first dry run and up to 6 rounds of suggestions
        result = promote(
            nb_path,
            PromoteOptions(to="pkg/mod.py", names=[name], dry_run=True, unmoved=dict(choices)),
            project_root=root,
            run_typecheck=False,
        )
        # names without a choice, or whose choice stopped working (a moved statement now reads it)
        open_names = {
            u["name"]: u["suggested"] for u in result["unmoved"] if choices.get(u["name"]) not in u["choices"]
        }
        if result["ok"] or not open_names:
            return result, bool(choices)
        choices.update(open_names)
    return result, bool(choices)


def _notebook_python(nb: Notebook) -> str:
    """The notebook's code cells as one script (IPython syntax translated), for pyflakes."""
    return "\n".join(unit.python for unit in nb.units() if unit.syntax_error is None) + "\n"


def _undefined_by_file(folder: Path) -> dict[str, set[str]]:
    """pyflakes' undefined names of every script in ``folder`` (one run), by file stem."""
    proc = subprocess.run(
        [sys.executable, "-m", "pyflakes", str(folder)], capture_output=True, text=True, timeout=900
    )
    out: dict[str, set[str]] = collections.defaultdict(set)
    for line in proc.stdout.splitlines():
        found = re.search(r"undefined name '([^']+)'", line)
        if found:
            out[Path(line.split(":", 1)[0]).name.removesuffix(".py")].add(found.group(1))
    return out


def _not_ours(module: Path, report: str) -> bool:
    """A pyflakes report that is not a broken module: on a line the notebook's author marked ``# noqa``
    (copied as written), or a name that occurs only inside a string (``OutputPath("Dataset")``), which
    pyflakes reads as a forward reference but Python never evaluates there."""
    parts = report.split(":", 3)
    lines = module.read_text(encoding="utf-8").split("\n")
    if len(parts) > 2 and parts[1].isdigit() and "# noqa" in lines[int(parts[1]) - 1]:
        return True
    found = re.search(r"undefined name '([^']+)'", report)
    if found is None:
        return False
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return not any(isinstance(n, ast.Name) and n.id == found.group(1) for n in ast.walk(tree))


def _authors_own(report: str, notebook_undefined: set[str]) -> bool:
    """An undefined name pyflakes reports in the notebook itself too (``x = [f(p) for p in x]`` in a
    function, an UnboundLocalError the author wrote): copied as written, not broken by the promotion."""
    found = re.search(r"undefined name '([^']+)'", report)
    return found is not None and found.group(1) in notebook_undefined


def measure(paths: list[Path], work: Path) -> Measure:
    """Promote every definition of every notebook in ``paths`` into a scratch project under ``work``."""
    root = work / "proj"
    (root / ".git").mkdir(parents=True)
    modules = work / "modules"
    modules.mkdir()
    books = work / "notebooks"
    books.mkdir()
    m = Measure()
    where: dict[str, str] = {}
    #: module key -> the script of the notebook it came from
    source_of: dict[str, str] = {}
    #: rewritten notebook script -> (original notebook script, what was promoted)
    rewrites: dict[str, tuple[str, str]] = {}
    for index, nb_path in enumerate(paths):
        try:
            nb = load_notebook(nb_path)
        except ProdError:
            m.skipped_notebooks += 1  # invalid notebooks are the model's tests, not ours
            continue
        if not nb.is_python:
            m.skipped_notebooks += 1
            continue
        m.notebooks += 1
        copy = root / "nb" / f"n{index}_{re.sub(r'[^A-Za-z0-9_]', '_', nb_path.stem)}.ipynb"
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(nb_path, copy)
        raw = json.loads(copy.read_text(encoding="utf-8"))
        (books / f"{copy.stem}.py").write_text(_notebook_python(nb), encoding="utf-8")
        for name in definitions(nb):
            m.attempted += 1
            result, chose = promote_as_suggested(copy, root, name)
            assert result["written"] == [], result["written"]
            if not result["ok"]:
                assert result["problems"] and len(result["refusals"]) == len(result["problems"]), result
                reasons = {r["reason"] for r in result["refusals"]}
                m.refused.update(reasons)
                m.refused_by_notebook += bool(reasons & NOTEBOOK_CAUSED)
                continue
            m.complete += 1
            m.with_choices += chose
            key = f"m{m.complete}"
            where[key] = f"{nb_path.name}:{name}"
            source_of[key] = copy.stem
            (modules / f"{key}.py").write_text(result["module_source"], encoding="utf-8")
            if raw.get("nbformat") == 4:
                after = notebook_from_dict(apply_edits(raw, result["notebook_edits"]), copy.name)
                (books / f"{copy.stem}.{key}.py").write_text(_notebook_python(after), encoding="utf-8")
                rewrites[f"{copy.stem}.{key}"] = (copy.stem, f"{nb_path.name}:{name}")
    assert list(root.rglob("*.py")) == []  # dry runs wrote nothing
    undefined = _undefined_by_file(books)
    for script, (original, label) in rewrites.items():
        gained = undefined.get(script, set()) - undefined.get(original, set())
        if gained:
            m.notebooks_gaining_undefined.append(f"{label}: {sorted(gained)}")
    flakes = subprocess.run(
        [sys.executable, "-m", "pyflakes", str(modules)], capture_output=True, text=True, timeout=600
    )
    for line in flakes.stdout.splitlines():
        if "undefined name" in line or "imported but unused" in line or "invalid syntax" in line:
            key = Path(line.split(":", 1)[0]).stem
            report = f"{where.get(key, key)}: {line.split(':', 3)[-1].strip()}"
            if _not_ours(modules / f"{key}.py", line) or _authors_own(line, undefined.get(source_of.get(key, ""), set())):
                m.not_counted.append(report)
            else:
                m.broken_modules.append(report)
    black = subprocess.run(
        [sys.executable, "-m", "black", "--check", str(modules)], capture_output=True, text=True, timeout=600
    )
    for line in black.stderr.splitlines():
        if line.startswith("would reformat"):
            key = Path(line.split()[-1]).stem
            m.broken_modules.append(f"{where.get(key, key)}: not black-clean")
    return m
