"""A rename the panel did not see, found by git against real repositories (gitops/renames.py).

The notebooks are real ones (tests/data/corpus/jupytext, with their outputs) or built with nbformat;
every case runs git's own rename detection in a real repository, and the tests that say a pair must
not be taken first show that git alone (its 50% similarity) would take it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest

from jupyter_prod_ext.errors import GitError
from jupyter_prod_ext.gitops.commit import commit_notebook
from jupyter_prod_ext.gitops.renames import _blob_texts
from jupyter_prod_ext.gitops.repository import find_repo
from jupyter_prod_ext.gitops.status import repo_status

from .gitutil import git, new_repo
from .nbedits import cleared, read_with_ids, without_ids

CORPUS = Path(__file__).parent / "data" / "corpus" / "jupytext"

pytestmark = pytest.mark.usefixtures("git_home")


@pytest.fixture
def repo(git_home: Path, tmp_path: Path) -> Path:
    """:func:`new_repo` with a first commit: HEAD exists."""
    return new_repo(tmp_path, readme=True)


def real(name: str) -> nbformat.NotebookNode:
    """A notebook of the jupytext corpus (outputs and all), as nbformat 4.5: each cell with its id."""
    return read_with_ids(CORPUS / name)


def write(path: Path, nb: nbformat.NotebookNode) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path


def committed(repo: Path, files: dict[str, nbformat.NotebookNode]) -> None:
    for rel, nb in files.items():
        write(repo / rel, nb)
    git(repo, "add", *files)
    git(repo, "commit", "-q", "-m", "notebooks")


def head_changes(repo: Path) -> list[str]:
    """The last commit's changes, deletions and additions apart (git's own display would pair by content)."""
    return git(repo, "show", "--no-renames", "--name-status", "--format=", "HEAD").split("\n")[:-1]


def git_pairs(repo: Path, old: str, new: str) -> bool:
    """Whether git alone (``add -A``'s 50% similarity) records ``old`` -> ``new`` as a rename; the real index is left as it was."""
    index = repo / ".git" / "index"
    saved = index.read_bytes()
    try:
        git(repo, "add", "-A", "--", old, new)
        return f"{old}\t{new}" in git(repo, "diff", "--cached", "-M", "--name-status", "HEAD").replace("\n", "\t\n")
    finally:
        index.write_bytes(saved)


# --- across folders --------------------------------------------------------------------------------


def test_a_notebook_moved_to_another_folder_while_closed_is_committed_as_its_move(repo: Path) -> None:
    """A real notebook with outputs in HEAD, moved in a terminal and its outputs cleared: detected anyway."""
    nb = real("text_outputs_and_images.ipynb")
    committed(repo, {"drafts/report.ipynb": nb, "drafts/other.ipynb": real("plotly_graphs.ipynb")})
    (repo / "drafts" / "report.ipynb").unlink()
    (repo / "drafts" / "other.ipynb").unlink()  # another deletion of the user's: stays uncommitted
    write(repo / "final" / "report.ipynb", cleared(nb))

    result = commit_notebook(repo / "final" / "report.ipynb", "move", confine_to=repo)

    assert head_changes(repo) == ["D\tdrafts/report.ipynb", "A\tfinal/report.ipynb"]
    assert "Renamed from drafts/report.ipynb (its removal is committed too)." in result["message"]
    assert git(repo, "status", "--porcelain", "--", "drafts") == " D drafts/other.ipynb\n"


def test_a_move_without_cell_ids_is_found_by_the_notebooks_stripped_of_outputs(repo: Path) -> None:
    """nbformat 4.4 (no ids): HEAD's copy with its images and the new one without are the same code."""
    nb = without_ids(real("text_outputs_and_images.ipynb"))
    committed(repo, {"a/plots.ipynb": nb})
    (repo / "a" / "plots.ipynb").unlink()
    new = cleared(nb)
    new.cells[1].source += "\nprint('edited after the move')"
    write(repo / "b" / "plots-v2.ipynb", new)
    assert not git_pairs(repo, "a/plots.ipynb", "b/plots-v2.ipynb")  # git alone sees the outputs go

    commit_notebook(repo / "b" / "plots-v2.ipynb", "move", confine_to=repo)

    assert head_changes(repo) == ["D\ta/plots.ipynb", "A\tb/plots-v2.ipynb"]


def test_two_deleted_copies_in_two_folders_are_no_move_to_guess(repo: Path) -> None:
    nb = real("plotly_graphs.ipynb")
    committed(repo, {"x/nb.ipynb": nb, "y/nb.ipynb": nb})  # one file copied: the same cell ids too
    (repo / "x" / "nb.ipynb").unlink()
    (repo / "y" / "nb.ipynb").unlink()
    write(repo / "z" / "nb.ipynb", nb)

    commit_notebook(repo / "z" / "nb.ipynb", "new", confine_to=repo)

    assert head_changes(repo) == ["A\tz/nb.ipynb"]


def test_cell_ids_tell_which_of_two_deleted_look_alikes_was_moved(repo: Path) -> None:
    """The same code written twice (each notebook its own ids): the moved one kept its ids."""
    nb = real("plotly_graphs.ipynb")
    twin = copy.deepcopy(nb)
    for cell in twin.cells:
        cell.id = nbformat.corpus.words.generate_corpus_id()
    committed(repo, {"x/nb.ipynb": nb, "y/twin.ipynb": twin})
    (repo / "x" / "nb.ipynb").unlink()
    (repo / "y" / "twin.ipynb").unlink()
    write(repo / "z" / "nb.ipynb", cleared(nb))

    commit_notebook(repo / "z" / "nb.ipynb", "move", confine_to=repo)

    assert head_changes(repo) == ["D\tx/nb.ipynb", "A\tz/nb.ipynb"]


def test_a_look_alike_without_ids_beside_the_one_with_them_is_still_a_choice_left_to_the_user(repo: Path) -> None:
    """One deleted notebook shares the ids, another (nbformat 4.4) is as like: never a guess."""
    nb = real("plotly_graphs.ipynb")
    committed(repo, {"x/nb.ipynb": nb, "y/old-copy.ipynb": without_ids(nb)})
    (repo / "x" / "nb.ipynb").unlink()
    (repo / "y" / "old-copy.ipynb").unlink()
    write(repo / "z" / "nb.ipynb", cleared(nb))

    commit_notebook(repo / "z" / "nb.ipynb", "new", confine_to=repo)

    assert head_changes(repo) == ["A\tz/nb.ipynb"]


def test_a_move_out_of_the_server_root_is_not_found(repo: Path) -> None:
    nb = real("plotly_graphs.ipynb")
    committed(repo, {"private/nb.ipynb": nb})
    (repo / "private" / "nb.ipynb").unlink()
    write(repo / "served" / "nb.ipynb", nb)

    commit_notebook(repo / "served" / "nb.ipynb", "new", confine_to=repo / "served")

    assert head_changes(repo) == ["A\tserved/nb.ipynb"]


# --- notebooks from one template --------------------------------------------------------------------


def from_template(template: nbformat.NotebookNode, own: list[str]) -> nbformat.NotebookNode:
    """A copy of ``template`` (its cells and their ids) with cells of its own appended."""
    nb = copy.deepcopy(template)
    nb.cells += [nbformat.v4.new_code_cell(src) for src in own]
    return nb


TEMPLATE_OWN = (
    [
        "df = load('2023.csv')\ndf.describe()",
        "monthly = df.groupby('month')['sales'].sum()",
        "plot(monthly, title='2023 sales by month')",
        "top = df.nlargest(10, 'sales')\ntop",
        "report(df, monthly, top, to='q4.pdf')",
    ],
    [
        "train, test = split(load('images/'), 0.8)",
        "model = fit(train, epochs=3, lr=1e-3)\nmodel.summary()",
        "scores = evaluate(model, test)\nscores",
        "confusion(model, test).plot()",
        "save(model, 'model.pkl')",
    ],
)


@pytest.mark.parametrize("ids", [True, False], ids=["cell ids", "nbformat 4.4"])
def test_a_deleted_notebook_from_the_same_template_is_not_the_new_ones_old_name(repo: Path, ids: bool) -> None:
    """Two notebooks copied from one template, each with work of its own: git pairs them, the commit does not."""
    template = real("Notebook with function and cell metadata 164.ipynb")
    old, new = (from_template(template, own) for own in TEMPLATE_OWN)
    if not ids:
        old, new = without_ids(old), without_ids(new)
    committed(repo, {"exp/sales.ipynb": old})
    (repo / "exp" / "sales.ipynb").unlink()
    write(repo / "exp" / "model.ipynb", new)
    assert git_pairs(repo, "exp/sales.ipynb", "exp/model.ipynb")  # git alone would take it

    commit_notebook(repo / "exp" / "model.ipynb", "new experiment", confine_to=repo)

    assert head_changes(repo) == ["A\texp/model.ipynb"]
    assert git(repo, "status", "--porcelain", "--", "exp/sales.ipynb") == " D exp/sales.ipynb\n"


def test_a_renamed_notebook_edited_since_keeps_enough_of_its_ids(repo: Path) -> None:
    """Renamed, then a cell deleted, one edited and two added: still its rename."""
    nb = real("Notebook with function and cell metadata 164.ipynb")
    committed(repo, {"exp/draft.ipynb": nb})
    (repo / "exp" / "draft.ipynb").unlink()
    new = cleared(nb)
    del new.cells[-1]
    new.cells[1].source += "\nprint('edited')"
    new.cells += [nbformat.v4.new_code_cell(src) for src in TEMPLATE_OWN[0][:3]]
    write(repo / "exp" / "final.ipynb", new)

    commit_notebook(repo / "exp" / "final.ipynb", "rename", confine_to=repo)

    assert head_changes(repo) == ["D\texp/draft.ipynb", "A\texp/final.ipynb"]


# --- jupytext pairs ----------------------------------------------------------------------------------


def paired(nb: nbformat.NotebookNode, formats: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.metadata["jupytext"] = {"formats": formats}
    return nb


def percent_text(nb: nbformat.NotebookNode, fmt: str = "py:percent") -> str:
    import jupytext

    text: str = jupytext.writes(nb, fmt=fmt)
    return text


@pytest.mark.parametrize("fmt", ["py:percent", "py:light"])
def test_a_notebook_and_its_paired_script_renamed_together_are_committed_as_renames(repo: Path, fmt: str) -> None:
    nb = paired(real("plotly_graphs.ipynb"), f"ipynb,{fmt}")
    write(repo / "old.ipynb", nb)
    (repo / "old.py").write_text(percent_text(nb, fmt), encoding="utf-8")
    git(repo, "add", "old.ipynb", "old.py")
    git(repo, "commit", "-q", "-m", "pair")
    for suffix in (".ipynb", ".py"):  # jupytext renames the pair together; here a terminal does
        (repo / f"old{suffix}").rename(repo / f"new{suffix}")

    result = commit_notebook(repo / "new.ipynb", "rename", confine_to=repo)

    assert sorted(head_changes(repo)) == ["A\tnew.ipynb", "A\tnew.py", "D\told.ipynb", "D\told.py"]
    assert "Renamed from old.ipynb, old.py" in result["message"]
    assert git(repo, "status", "--porcelain", "--", "old.ipynb", "old.py") == ""


def test_a_paired_script_committed_as_the_notebook_brings_the_pairs_renames(repo: Path) -> None:
    """The open document is the ``.py`` (a text notebook): its pair's ``.ipynb`` tells the old name."""
    nb = paired(real("plotly_graphs.ipynb"), "notebooks//ipynb,scripts//py:percent")
    write(repo / "notebooks" / "old.ipynb", nb)
    (repo / "scripts").mkdir()
    (repo / "scripts" / "old.py").write_text(percent_text(nb), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pair")
    (repo / "notebooks" / "old.ipynb").rename(repo / "notebooks" / "new.ipynb")
    (repo / "scripts" / "old.py").rename(repo / "scripts" / "new.py")

    commit_notebook(repo / "scripts" / "new.py", "rename", confine_to=repo)

    assert sorted(head_changes(repo)) == [
        "A\tnotebooks/new.ipynb", "A\tscripts/new.py", "D\tnotebooks/old.ipynb", "D\tscripts/old.py"
    ]


def renamed_pair(repo: Path) -> None:
    """``old.ipynb`` paired with ``old.py`` (percent) committed, then both renamed ``new`` as jupytext does."""
    nb = paired(real("plotly_graphs.ipynb"), "ipynb,py:percent")
    write(repo / "old.ipynb", nb)
    (repo / "old.py").write_text(percent_text(nb), encoding="utf-8")
    git(repo, "add", "old.ipynb", "old.py")
    git(repo, "commit", "-q", "-m", "pair")
    (repo / "old.ipynb").rename(repo / "new.ipynb")
    (repo / "old.py").rename(repo / "new.py")


def test_the_panels_rename_of_a_paired_notebook_brings_the_scripts_rename(repo: Path) -> None:
    renamed_pair(repo)

    result = commit_notebook(repo / "new.ipynb", "rename", renamed_from=[repo / "old.ipynb"], confine_to=repo)

    assert sorted(head_changes(repo)) == ["A\tnew.ipynb", "A\tnew.py", "D\told.ipynb", "D\told.py"]
    assert "Renamed from old.ipynb, old.py" in result["message"]


def test_the_panels_rename_of_a_paired_script_opened_as_the_notebook_brings_the_ipynbs(repo: Path) -> None:
    """The open document is the ``.py``: the panel names its old ``.py``; the ``.ipynb``'s follows."""
    renamed_pair(repo)

    commit_notebook(repo / "new.py", "rename", renamed_from=[repo / "old.py"], confine_to=repo)

    assert sorted(head_changes(repo)) == ["A\tnew.ipynb", "A\tnew.py", "D\told.ipynb", "D\told.py"]


def test_a_paired_script_left_out_of_the_commit_keeps_its_old_name(repo: Path) -> None:
    renamed_pair(repo)

    commit_notebook(repo / "new.ipynb", "notebook only", paths=[repo / "new.ipynb"], confine_to=repo)

    assert sorted(head_changes(repo)) == ["A\tnew.ipynb", "D\told.ipynb"]  # new.py is not committed: old.py stays
    assert git(repo, "status", "--porcelain", "--", "old.py") == " D old.py\n"


def test_a_deleted_file_that_is_no_notebook_is_no_candidate(repo: Path) -> None:
    """A deleted notebook HEAD holds that is not valid JSON is no candidate, and no error."""
    (repo / "broken.ipynb").write_text("{not json", encoding="utf-8")
    git(repo, "add", "broken.ipynb")
    git(repo, "commit", "-q", "-m", "broken")
    (repo / "broken.ipynb").unlink()
    write(repo / "nb.ipynb", real("plotly_graphs.ipynb"))

    commit_notebook(repo / "nb.ipynb", "new", confine_to=repo)

    assert head_changes(repo) == ["A\tnb.ipynb"]


CONFIGS = {
    "jupytext.toml": 'formats = "ipynb,py:percent"\n',
    ".jupytext.yml": "formats: ipynb,py:percent\n",
    "pyproject.toml": '[project]\nname = "p"\n\n[tool.jupytext]\nformats = "ipynb,py:percent"\n',
}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_a_pair_made_by_a_jupytext_config_is_committed_and_renamed_together(repo: Path, config: str) -> None:
    """No pairing in the notebook's metadata: the project's jupytext configuration pairs every notebook."""
    nb = real("plotly_graphs.ipynb")
    (repo / config).write_text(CONFIGS[config], encoding="utf-8")
    write(repo / "work" / "old.ipynb", nb)
    (repo / "work" / "old.py").write_text(percent_text(nb), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pair")
    assert [f["path"] for f in repo_status(repo / "work" / "old.ipynb")["files"]] == ["work/old.ipynb", "work/old.py"]
    (repo / "work" / "old.ipynb").rename(repo / "work" / "new.ipynb")
    (repo / "work" / "old.py").rename(repo / "work" / "new.py")

    result = commit_notebook(repo / "work" / "new.ipynb", "rename", confine_to=repo)

    assert result["files"] == ["work/new.ipynb", "work/new.py"]
    assert sorted(head_changes(repo)) == [
        "A\twork/new.ipynb", "A\twork/new.py", "D\twork/old.ipynb", "D\twork/old.py"
    ]
    assert "Renamed from work/old.ipynb, work/old.py" in result["message"]


def test_a_python_jupytext_config_is_never_run_and_pairs_nothing(repo: Path) -> None:
    """``.jupytext.py`` is code jupytext would execute: the server reads no pairing from it."""
    ran = repo.parent / "config-ran"
    (repo / ".jupytext.py").write_text(
        f"open({str(ran)!r}, 'w').close()\nformats = 'ipynb,py:percent'\n", encoding="utf-8"
    )
    nb = real("plotly_graphs.ipynb")
    write(repo / "nb.ipynb", nb)
    (repo / "nb.py").write_text(percent_text(nb), encoding="utf-8")

    result = commit_notebook(repo / "nb.ipynb", "add", confine_to=repo)

    assert result["files"] == ["nb.ipynb"]
    assert not ran.exists()


def test_a_jupytext_config_above_the_repository_is_not_the_projects(repo: Path) -> None:
    (repo.parent / "jupytext.toml").write_text('formats = "ipynb,py:percent"\n', encoding="utf-8")
    nb = real("plotly_graphs.ipynb")
    write(repo / "nb.ipynb", nb)
    (repo / "nb.py").write_text(percent_text(nb), encoding="utf-8")

    assert commit_notebook(repo / "nb.ipynb", "add", confine_to=repo)["files"] == ["nb.ipynb"]


# --- the preview: what the status says a commit would record -----------------------------------------


def loose_objects(repo: Path) -> set[str]:
    return {str(p.relative_to(repo / ".git" / "objects")) for p in (repo / ".git" / "objects").rglob("*") if p.is_file()}


def test_the_status_names_each_files_old_name_as_the_commit_records_it(repo: Path) -> None:
    """Moved while closed with its paired script: both rows say what they were renamed from, and the
    commit then records exactly those; the status wrote nothing into the repository."""
    nb = paired(real("plotly_graphs.ipynb"), "ipynb,py:percent")
    write(repo / "drafts" / "old.ipynb", nb)
    (repo / "drafts" / "old.py").write_text(percent_text(nb), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pair")
    (repo / "final").mkdir()
    for suffix in (".ipynb", ".py"):
        (repo / "drafts" / f"old{suffix}").rename(repo / "final" / f"new{suffix}")
    before = loose_objects(repo)

    files = repo_status(repo / "final" / "new.ipynb", confine_to=repo)["files"]

    assert files == [
        {"path": "final/new.ipynb", "state": "untracked", "renamed_from": ["drafts/old.ipynb"]},
        {"path": "final/new.py", "state": "untracked", "renamed_from": ["drafts/old.py"]},
    ]
    assert loose_objects(repo) == before
    commit_notebook(repo / "final" / "new.ipynb", "move", confine_to=repo)
    assert sorted(head_changes(repo)) == [
        "A\tfinal/new.ipynb", "A\tfinal/new.py", "D\tdrafts/old.ipynb", "D\tdrafts/old.py"
    ]
    assert "renamed_from" not in repo_status(repo / "final" / "new.ipynb", confine_to=repo)["files"][0]


def test_the_status_takes_the_panels_earlier_names_like_the_commit(repo: Path) -> None:
    """A rewritten notebook git would not pair: the name the panel saw is the rename all the same."""
    committed(repo, {"a.ipynb": real("plotly_graphs.ipynb")})
    (repo / "a.ipynb").unlink()
    write(repo / "b.ipynb", real("text_outputs_and_images.ipynb"))
    assert "renamed_from" not in repo_status(repo / "b.ipynb", confine_to=repo)["files"][0]

    files = repo_status(repo / "b.ipynb", renamed_from=[repo / "a.ipynb", repo / "never.ipynb"], confine_to=repo)

    assert files["files"] == [{"path": "b.ipynb", "state": "untracked", "renamed_from": ["a.ipynb"]}]


# --- what git cannot be given as text ---------------------------------------------------------------


def with_lone_surrogate(nb: nbformat.NotebookNode) -> str:
    """``nb`` as JSON whose first cell holds ``"\\ud800"``: valid JSON, no UTF-8 text (Python reads it as a lone surrogate)."""
    nb = copy.deepcopy(nb)
    nb.cells[0].source = "s = '\ud800'\n" + nb.cells[0].source
    return json.dumps(nb, indent=1, ensure_ascii=True) + "\n"


@pytest.mark.parametrize("which", ["deleted", "new"])
def test_a_lone_surrogate_in_a_cell_leaves_the_status_and_the_rename_working(repo: Path, which: str) -> None:
    """A cell source holding a lone surrogate, in the deleted notebook or the new one: the status still
    answers for the new notebook (it used to raise UnicodeEncodeError writing the cells' text), and the
    rename is found all the same."""
    nb = real("plotly_graphs.ipynb")
    old = repo / "drafts" / "old.ipynb"
    old.parent.mkdir()
    old.write_text(with_lone_surrogate(nb), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "surrogate")
    old.unlink()
    new = repo / "final" / "new.ipynb"
    new.parent.mkdir()
    new.write_text(with_lone_surrogate(nb) if which == "new" else nbformat.writes(nb) + "\n", encoding="utf-8")

    files = repo_status(new, confine_to=repo)["files"]

    assert files == [{"path": "final/new.ipynb", "state": "untracked", "renamed_from": ["drafts/old.ipynb"]}]


def test_a_blob_cat_file_calls_missing_is_a_git_error_not_a_crash(repo: Path) -> None:
    """``cat-file --batch`` answers ``<oid> missing`` for an object gone from the store (pruned between
    the listing and the read): a GitError, which the rename detection takes as "no rename"."""
    present = git(repo, "rev-parse", "HEAD:README.md").strip()
    repo_ = find_repo(repo)
    assert repo_ is not None
    assert _blob_texts(repo_, [present]) == [b"readme\n"]

    with pytest.raises(GitError, match="no contents for 0123456789abcdef0123456789abcdef01234567"):
        _blob_texts(repo_, [present, "0123456789abcdef0123456789abcdef01234567"])
