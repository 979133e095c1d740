"""How well the commit finds a rename the panel did not see (gitops/renames.py), on notebooks of the corpus.

``.venv/bin/python bench/renames.py`` (about a minute): for each notebook of at least four cells in
``tests/data/corpus/jupytext`` it builds, in real repositories, the cases below, commits the new
notebook with ``commit_notebook`` and says whether the old name's removal went in, old and new in one
folder and in two. Renames must be found (R*), notebooks from one template must not (F*).

R1 renamed, outputs cleared; R2 renamed, then a cell deleted, one edited, two added; R3 as R2 in
nbformat 4.4 (no ids); R4 a 4.4 notebook renamed and saved as 4.5 (new ids), one cell edited; F1 two
copies of a template (half the notebook's cells, their ids shared) with three cells each of their own;
F2 as F1, each notebook with its own ids; F3 as F1 in 4.4. ``similarity`` is git's score of the two
notebooks' cell texts (what detection compares), ``ids`` the share of cell ids in common.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from jupyter_prod_ext.gitops.commit import commit_notebook
from jupyter_prod_ext.gitops.renames import cells_text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.nbedits import cleared, read_with_ids, without_ids  # noqa: E402

CORPUS = REPO / "tests" / "data" / "corpus" / "jupytext"
Nb = Any


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60).stdout


def fresh_ids(nb: Nb) -> Nb:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell["id"] = nbformat.corpus.words.generate_corpus_id()
    return nb


def edited(nb: Nb, rng: random.Random, added: list[str]) -> Nb:
    nb = cleared(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code:
        code[0].source += "\nprint('edited after the rename')"
    if len(nb.cells) > 3:
        del nb.cells[rng.randrange(1, len(nb.cells))]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in added]
    return nb


def similarity(old: Nb, new: Nb) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        git(d, "init", "-q")
        (d / "a.txt").write_text(cells_text(json.loads(nbformat.writes(old))), encoding="utf-8")
        git(d, "add", ".")
        git(d, "commit", "-qm", "a")
        (d / "a.txt").unlink()
        (d / "b.txt").write_text(cells_text(json.loads(nbformat.writes(new))), encoding="utf-8")
        git(d, "add", "-A")
        out = git(d, "diff", "--cached", "-M1%", "--name-status")
        return int(out[1:4]) if out.startswith("R") else 0


def shared(old: Nb, new: Nb) -> float | None:
    a = {c.get("id") for c in old.cells} - {None}
    b = {c.get("id") for c in new.cells} - {None}
    return len(a & b) / len(a | b) if a and b else None


def found(old: Nb, new: Nb, old_rel: str, new_rel: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        git(d, "init", "-q")
        (d / old_rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(old, d / old_rel)
        git(d, "add", ".")
        git(d, "commit", "-qm", "old")
        (d / old_rel).unlink()
        (d / new_rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(new, d / new_rel)
        commit_notebook(d / new_rel, "new", confine_to=d)
        return old_rel in git(d, "show", "--no-renames", "--name-status", "--format=", "HEAD").split()


def cases(nb: Nb, rng: random.Random, pool: list[str]) -> dict[str, tuple[Nb, Nb]]:
    other = rng.sample(pool, 6)
    half = max(2, len(nb.cells) // 2)
    a, b = copy.deepcopy(nb), copy.deepcopy(nb)
    a.cells = copy.deepcopy(nb.cells[:half]) + [nbformat.v4.new_code_cell(s) for s in other[:3]]
    b.cells = copy.deepcopy(nb.cells[:half]) + [nbformat.v4.new_code_cell(s) for s in other[3:]]
    old44 = without_ids(nb)
    return {
        "R1 renamed, outputs cleared": (nb, cleared(nb)),
        "R2 renamed, edited since": (nb, edited(nb, rng, other[:2])),
        "R3 as R2, nbformat 4.4": (old44, without_ids(edited(nb, rng, other[:1]))),
        "R4 4.4 renamed, saved as 4.5": (old44, fresh_ids(edited(nb, rng, other[:1]))),
        "F1 one template, ids shared": (a, cleared(b)),
        "F2 one template, own ids": (fresh_ids(a), fresh_ids(cleared(b))),
        "F3 one template, nbformat 4.4": (without_ids(a), without_ids(cleared(b))),
    }


def main() -> None:
    os.environ.update(
        GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
    )  # fmt: skip
    nbs = {p.name: read_with_ids(p) for p in sorted(CORPUS.glob("*.ipynb"))}
    nbs = {name: nb for name, nb in nbs.items() if len(nb.cells) >= 4}
    rng = random.Random(1)
    pool = [c.source for nb in nbs.values() for c in nb.cells if c.cell_type == "code" and len(c.source) > 20]
    rows: dict[str, list[tuple[str, int, float | None, bool, bool]]] = {}
    for name, nb in nbs.items():
        for label, (old, new) in cases(nb, rng, pool).items():
            here: Callable[[str, str], bool] = lambda o, n: found(old, new, o, n)  # noqa: E731, B023
            row = (name, similarity(old, new), shared(old, new), here("old.ipynb", "new.ipynb"), here("x/old.ipynb", "y/new.ipynb"))
            rows.setdefault(label, []).append(row)
    for label, rs in rows.items():
        scores = sorted(r[1] for r in rs)
        ids = [r[2] for r in rs if r[2] is not None]
        print(
            f"{label}: found {sum(r[3] for r in rs)}/{len(rs)} in one folder, {sum(r[4] for r in rs)}/{len(rs)} "
            f"across folders; similarity {scores}; ids shared {min(ids):.2f}-{max(ids):.2f}" if ids else
            f"{label}: found {sum(r[3] for r in rs)}/{len(rs)} in one folder, {sum(r[4] for r in rs)}/{len(rs)} "
            f"across folders; similarity {scores}"
        )  # fmt: skip


if __name__ == "__main__":
    main()
