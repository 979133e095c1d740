"""Commit engine against real git repositories (no mocked git)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from jupyter_prod_ext.cli.main import main as cli_main
from jupyter_prod_ext.errors import (
    ConflictError,
    GitError,
    InputError,
    NotebookError,
    NotFoundError,
    PathError,
    RefusedError,
)
from jupyter_prod_ext.gitops import runner
from jupyter_prod_ext.gitops.commit import commit_notebook, strip_notebook_text
from jupyter_prod_ext.gitops.gate import gate
from jupyter_prod_ext.types import FindingDict, ReportDict

from .gitutil import git, head_commit, new_repo
from .installed import child_env
from .nbutil import save_nb

pytestmark = pytest.mark.usefixtures("git_home")

# --- helpers -------------------------------------------------------------------------


def write_nb(path: Path, source: str = "x = 1\nprint(x)", *, outputs: bool = True, modules: list[str] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    if outputs:
        cell.execution_count = 7
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
        cell.metadata["ExecuteTime"] = {"end_time": "2024-01-01T00:00:00"}
        cell.metadata["collapsed"] = False
        cell.metadata["scrolled"] = True
        cell.metadata["execution"] = {"iopub.status.idle": "2024-01-01"}
        cell.metadata["tags"] = ["keep-me"]
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return save_nb(path, nb, modules)


@pytest.fixture
def repo(git_home: Path, tmp_path: Path) -> Path:
    """:func:`new_repo` with a first commit: HEAD exists."""
    return new_repo(tmp_path, readme=True)


def conflicting_branches(repo: Path) -> None:
    """Branches ``side`` and ``main`` (checked out) each change README.md: a merge, cherry-pick or rebase
    of ``side`` stops on the conflict, with that operation in progress."""
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "README.md").write_text("side\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "side")
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("main\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "main")


def head_files(root: Path, rev: str = "HEAD") -> list[str]:
    return [p for p in git(root, "ls-tree", "-r", "--name-only", "-z", rev).split("\0") if p]


def changed_in(root: Path, rev: str = "HEAD") -> list[str]:
    out = git(root, "show", "--name-only", "-z", "--format=", rev)
    return sorted(p for p in out.split("\0") if p.strip())


def porcelain(root: Path) -> dict[str, str]:
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    return {rec[3:]: rec[:2] for rec in out.split("\0") if rec}


def finding(check: str, severity: str = "error", cell: int | None = 1) -> FindingDict:
    return {"check": check, "severity": severity, "cell": cell, "cell_id": None, "line": 1,  # type: ignore[typeddict-item]
            "message": f"{check} here", "hint": "fix it", "fix": None}


def report(*findings: FindingDict) -> ReportDict:
    fl = list(findings)
    return {
        "path": "nb.ipynb", "score": 50, "findings": fl, "waived": [],
        "summary": {"errors": sum(f["severity"] == "error" for f in fl), "warnings": 0, "infos": 0,
                    "waived": 0, "code_cells": 1, "checks_run": []},
    }


def hook(root: Path, name: str, body: str) -> Path:
    path = root / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)
    return path


def project(repo: Path) -> tuple[Path, Path, Path]:
    """A notebook and two modules recorded as promoted from it."""
    m1 = repo / "src" / "pkg" / "clean.py"
    m2 = repo / "src" / "pkg" / "io.py"
    m1.parent.mkdir(parents=True)
    m1.write_text("def clean(x):\n    return x\n", encoding="utf-8")
    m2.write_text("def load():\n    return 1\n", encoding="utf-8")
    nb = write_nb(repo / "analysis" / "nb.ipynb", modules=["src/pkg/clean.py", "src/pkg/io.py"])
    return nb, m1, m2


# --- the basic contract --------------------------------------------------------------


def test_commits_notebook_and_promoted_modules_only(repo: Path) -> None:
    nb, m1, m2 = project(repo)
    (repo / "other.txt").write_text("staged by the user\n", encoding="utf-8")
    git(repo, "add", "other.txt")
    (repo / "README.md").write_text("readme, edited and staged\n", encoding="utf-8")
    git(repo, "add", "README.md")
    (repo / "scratch.txt").write_text("untracked\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (nb, m1, m2, repo / "other.txt", repo / "README.md", repo / "scratch.txt")}

    result = commit_notebook(nb, "Add analysis")

    assert changed_in(repo) == ["analysis/nb.ipynb", "src/pkg/clean.py", "src/pkg/io.py"]
    assert head_commit(repo) == result["commit"]
    assert result["short"] == result["commit"][:7]
    assert result["branch"] == "main"
    assert result["files"] == ["analysis/nb.ipynb", "src/pkg/clean.py", "src/pkg/io.py"]
    assert result["code_only"] is True
    assert git(repo, "log", "-1", "--format=%s%n%an <%ae>").splitlines() == ["Add analysis", "Test User <test@example.com>"]
    # the user's other staged changes: still staged, not in the commit
    assert "other.txt" not in head_files(repo)
    assert git(repo, "show", "HEAD:README.md") == "readme\n"
    status = porcelain(repo)
    assert status["other.txt"] == "A "
    assert status["README.md"] == "M "
    assert status["scratch.txt"] == "??"
    assert status["analysis/nb.ipynb"] == " M"  # committed without outputs; disk keeps them
    assert "src/pkg/clean.py" not in status and "src/pkg/io.py" not in status
    # nothing on disk changed
    assert {p: p.read_bytes() for p in before} == before


def test_code_only_strips_outputs_but_disk_keeps_them(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    result = commit_notebook(nb, "nb")
    committed = json.loads(git(repo, "show", "HEAD:nb.ipynb"))
    code = committed["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert code["metadata"] == {"tags": ["keep-me"]}
    assert "widgets" not in committed["metadata"]
    assert committed["metadata"]["kernelspec"]["name"] == "python3"
    on_disk = json.loads(nb.read_text(encoding="utf-8"))
    assert on_disk["cells"][1]["outputs"] and on_disk["cells"][1]["execution_count"] == 7
    assert "without outputs; the file on disk keeps its outputs" in result["message"]
    assert porcelain(repo) == {"nb.ipynb": " M"}
    # git diff shows exactly the outputs as the uncommitted difference
    assert '"outputs": []' in git(repo, "diff", "nb.ipynb")
    assert git(repo, "diff", "--cached") == ""


def test_stripped_format_matches_nbformat_and_clean_notebook_stays_clean(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb", outputs=False)
    text = nb.read_text(encoding="utf-8")
    assert strip_notebook_text(text) == text  # no churn for a notebook that has nothing to strip
    result = commit_notebook(nb, "clean nb")
    assert "without outputs" not in result["message"]
    assert porcelain(repo) == {}
    assert git(repo, "show", "HEAD:nb.ipynb") == text
    uni = strip_notebook_text(text.replace("x = 1", "x = 'é ü 日本'"))
    assert "日本" in uni and uni.endswith("}\n") and '\n "cells": [' in uni


def test_with_outputs_commits_the_file_as_is(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    result = commit_notebook(nb, "with outputs", code_only=False)
    assert result["code_only"] is False
    assert git(repo, "show", "HEAD:nb.ipynb") == nb.read_text(encoding="utf-8")
    assert porcelain(repo) == {}


def test_invalid_notebook_is_a_notebook_error(repo: Path) -> None:
    nb = repo / "bad.ipynb"
    nb.write_text("{not json", encoding="utf-8")
    with pytest.raises(NotebookError):
        commit_notebook(nb, "bad", paths=[nb])
    assert changed_in(repo) == ["README.md"]


def test_explicit_paths_replace_the_default_list(repo: Path) -> None:
    nb, m1, m2 = project(repo)
    commit_notebook(nb, "only one module", paths=[nb, m1])
    assert changed_in(repo) == ["analysis/nb.ipynb", "src/pkg/clean.py"]
    assert porcelain(repo)["src/pkg/io.py"] == "??"


def test_empty_message_and_nothing_to_commit(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(InputError, match="message is empty"):
        commit_notebook(nb, "  \n\n ")
    commit_notebook(nb, "first")
    with pytest.raises(GitError, match="Nothing to commit"):
        commit_notebook(nb, "again")


def test_message_whitespace_cleanup(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    commit_notebook(nb, "\n\nSubject line   \n\n\n\nBody  \n\n")
    assert git(repo, "log", "-1", "--format=%B") == "Subject line\n\nBody\n\n"


def test_executable_bit_is_kept(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    script = repo / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n", encoding="utf-8")
    script.chmod(0o755)
    commit_notebook(nb, "x", paths=[nb, script])
    assert git(repo, "ls-tree", "HEAD", "run.sh").startswith("100755 ")


# --- repository states -------------------------------------------------------------------


def test_no_repository_is_not_found_with_reason(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "lonely" / "nb.ipynb")
    with pytest.raises(NotFoundError) as info:
        commit_notebook(nb, "x")
    assert getattr(info.value, "details", None) == {"reason": "no-repo"}
    assert info.value.status == 404 and info.value.kind == "not-found"


def test_init_creates_repository_and_first_commit_has_no_parent(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    nb = write_nb(folder / "nb.ipynb")
    result = commit_notebook(nb, "first", init=True)
    assert (folder / ".git").is_dir()
    assert git(folder, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(folder, "log", "-1", "--format=%P").strip() == ""
    assert result["branch"] == "main"
    assert "commit (initial): first" in git(folder, "reflog", "-1", "--format=%gs")
    write_nb(nb, "x = 2")
    second = commit_notebook(nb, "second")
    assert git(folder, "log", "-1", "--format=%P").strip() == result["commit"]
    assert second["commit"] != result["commit"]


def test_unborn_branch_keeps_other_staged_files(tmp_path: Path) -> None:
    root = tmp_path / "unborn"
    root.mkdir()
    git(root, "init", "-q")
    (root / "staged.txt").write_text("s\n", encoding="utf-8")
    git(root, "add", "staged.txt")
    nb = write_nb(root / "nb.ipynb")
    commit_notebook(nb, "first")
    assert head_files(root) == ["nb.ipynb"]
    assert porcelain(root) == {"staged.txt": "A ", "nb.ipynb": " M"}


def test_init_root_must_hold_the_notebook(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "a" / "nb.ipynb")
    with pytest.raises(PathError):
        commit_notebook(nb, "x", init=True, init_root=tmp_path / "b")


def test_detached_head_is_refused(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach", "HEAD")
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(GitError, match="detached") as info:
        commit_notebook(nb, "x")
    assert "git switch" in info.value.message
    assert changed_in(repo) == ["README.md"]


def test_merge_in_progress_is_refused(repo: Path) -> None:
    conflicting_branches(repo)
    git(repo, "merge", "side", check=False)
    assert (repo / ".git" / "MERGE_HEAD").exists()
    nb = write_nb(repo / "nb.ipynb")
    head = head_commit(repo)
    with pytest.raises(GitError, match="merge is in progress") as info:
        commit_notebook(nb, "x")
    assert "git merge --abort" in info.value.message
    assert head_commit(repo) == head


def test_cherry_pick_in_progress_is_refused(repo: Path) -> None:
    conflicting_branches(repo)
    git(repo, "cherry-pick", "side", check=False)
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(GitError, match="cherry-pick is in progress"):
        commit_notebook(nb, "x")


def test_missing_identity_names_the_commands(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-home"
    empty.mkdir()
    monkeypatch.setenv("HOME", str(empty))
    # git may guess an identity from the host name; make "configured or nothing" explicit
    git(repo, "config", "user.useConfigOnly", "true")
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(GitError) as info:
        commit_notebook(nb, "x")
    msg = info.value.message
    assert 'git config --global user.name "Your Name"' in msg
    assert "git config --global user.email you@example.com" in msg
    assert changed_in(repo) == ["README.md"]


def test_paths_with_spaces_and_non_ascii(repo: Path) -> None:
    nb = write_nb(repo / "my notebooks" / "Análisis ñ 日本.ipynb", modules=["src/módulo x/ütil s.py"])
    mod = repo / "src" / "módulo x" / "ütil s.py"
    mod.parent.mkdir(parents=True)
    mod.write_text("A = 1\n", encoding="utf-8")
    weird = repo / "[draft] *.py"
    weird.write_text("B = 2\n", encoding="utf-8")
    result = commit_notebook(nb, "unicode", paths=[nb, mod, weird])
    assert changed_in(repo) == sorted(["my notebooks/Análisis ñ 日本.ipynb", "src/módulo x/ütil s.py", "[draft] *.py"])
    assert result["files"][0] == "my notebooks/Análisis ñ 日本.ipynb"
    # default list from metadata works with these names too
    write_nb(nb, "y = 2", modules=["src/módulo x/ütil s.py"])
    mod.write_text("A = 2\n", encoding="utf-8")
    commit_notebook(nb, "again")
    assert changed_in(repo) == sorted(["my notebooks/Análisis ñ 日本.ipynb", "src/módulo x/ütil s.py"])


def test_path_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(PathError, match="outside the git repository"):
        commit_notebook(nb, "x", paths=[nb, outside])
    link = repo / "link.py"
    link.symlink_to(outside)
    with pytest.raises(PathError, match="outside"):
        commit_notebook(nb, "x", paths=[nb, link])
    with pytest.raises(PathError, match="outside the server root"):
        commit_notebook(nb, "x", confine_to=repo / "sub")
    with pytest.raises(PathError, match=".git"):
        commit_notebook(nb, "x", paths=[nb, repo / ".git" / "config"])
    with pytest.raises(NotFoundError):
        commit_notebook(nb, "x", paths=[nb, repo / "missing.py"])
    with pytest.raises(PathError, match="not a regular file"):
        commit_notebook(nb, "x", paths=[nb, repo / "README.md", repo])
    assert changed_in(repo) == ["README.md"]


def test_module_recorded_outside_the_repository(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb", modules=["../escape.py"])
    (repo.parent / "escape.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(PathError):
        commit_notebook(nb, "x")


def test_ignored_file_is_refused(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\n", encoding="utf-8")
    nb = write_nb(repo / "nb.ipynb")
    log = repo / "run.log"
    log.write_text("x\n", encoding="utf-8")
    with pytest.raises(GitError, match="ignored"):
        commit_notebook(nb, "x", paths=[nb, log])


# --- the gate --------------------------------------------------------------------------------


def test_gate_function() -> None:
    gate(None, False)
    gate(report(finding("style", "warning"), finding("note", "info")), False)
    with pytest.raises(RefusedError) as info:
        gate(report(finding("undefined-name")), False)
    assert info.value.details == {"reason": "findings", "findings": [finding("undefined-name")], "output": "", "modified": []}
    gate(report(finding("undefined-name")), True)
    with pytest.raises(RefusedError) as info:
        gate(report(finding("secret", "warning", cell=3), finding("undefined-name")), True)
    details = info.value.details
    assert isinstance(details, dict) and details["reason"] == "secrets"
    assert [f["check"] for f in details["findings"]] == ["secret"]
    assert "cell 4" in info.value.message and "\n" not in info.value.message
    assert "waive a false positive (Waive in the panel, or # prod: ignore[secret] on its line)" in info.value.message


def test_secret_blocks_even_with_allow_findings(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    (repo / "x.txt").write_text("x\n", encoding="utf-8")
    git(repo, "add", "x.txt")
    index_before = (repo / ".git" / "index").read_bytes()
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x", gate_report=report(finding("secret")), allow_findings=True)
    assert info.value.details["reason"] == "secrets"  # type: ignore[index]
    assert info.value.status == 409 and info.value.kind == "refused"
    assert changed_in(repo) == ["README.md"]
    assert (repo / ".git" / "index").read_bytes() == index_before


def test_waived_secret_does_not_block(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    rep = report()
    rep["waived"] = [finding("secret")]
    commit_notebook(nb, "x", gate_report=rep)
    assert changed_in(repo) == ["nb.ipynb"]


def test_error_findings_block_unless_allowed(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    rep = report(finding("undefined-name"), finding("long-cell", "warning"))
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x", gate_report=rep)
    assert info.value.details["reason"] == "findings"  # type: ignore[index]
    result = commit_notebook(nb, "x", gate_report=rep, allow_findings=True)
    assert result["gate"] == {"blocked": False, "findings": rep["findings"]}


def test_gate_applies_only_when_the_notebook_is_committed(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    mod = repo / "mod.py"
    mod.write_text("x = 1\n", encoding="utf-8")
    commit_notebook(nb, "module only", paths=[mod], gate_report=report(finding("secret")))
    assert changed_in(repo) == ["mod.py"]


# --- hooks ------------------------------------------------------------------------------------


def test_failing_pre_commit_hook_output_verbatim(repo: Path) -> None:
    hook(repo, "pre-commit", 'echo "line one"\necho "  indented two"\necho "err three" >&2\nexit 3\n')
    nb = write_nb(repo / "nb.ipynb")
    (repo / "x.txt").write_text("x\n", encoding="utf-8")
    git(repo, "add", "x.txt")
    index_before = (repo / ".git" / "index").read_bytes()
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x")
    details = info.value.details
    assert isinstance(details, dict)
    assert details["reason"] == "hook"
    assert details["output"] == "line one\n  indented two\nerr three\n"
    assert "pre-commit hook failed (exit 3)" in info.value.message
    assert changed_in(repo) == ["README.md"]
    assert (repo / ".git" / "index").read_bytes() == index_before


def test_pre_commit_hook_sees_only_the_commit(repo: Path) -> None:
    hook(repo, "pre-commit", 'echo "cwd=$(pwd)"\ngit diff --cached --name-only\n')
    nb = write_nb(repo / "nb.ipynb")
    (repo / "x.txt").write_text("x\n", encoding="utf-8")
    git(repo, "add", "x.txt")
    result = commit_notebook(nb, "x")
    assert result["hook_output"] == f"cwd={repo}\nnb.ipynb\n"
    assert porcelain(repo)["x.txt"] == "A "


def test_non_executable_hook_is_skipped(repo: Path) -> None:
    hook(repo, "pre-commit", "exit 1\n").chmod(0o644)
    nb = write_nb(repo / "nb.ipynb")
    commit_notebook(nb, "x")
    assert changed_in(repo) == ["nb.ipynb"]


def test_hook_that_modifies_files_is_refused(repo: Path) -> None:
    hook(repo, "pre-commit", 'echo "reformatted mod.py"\necho "# formatted" >> mod.py\n')
    nb = write_nb(repo / "nb.ipynb")
    mod = repo / "mod.py"
    mod.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x", paths=[nb, mod])
    details = info.value.details
    assert isinstance(details, dict)
    assert details["reason"] == "hook-modified"
    assert details["modified"] == ["mod.py"]
    assert details["output"] == "reformatted mod.py\n"
    assert "a hook changed files; review and retry" in info.value.message
    assert changed_in(repo) == ["README.md"]


def test_hook_that_stages_other_files_is_refused(repo: Path) -> None:
    hook(repo, "pre-commit", 'echo sneaky > sneaky.txt\ngit add sneaky.txt\n')
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x")
    assert info.value.details["modified"] == ["sneaky.txt"]  # type: ignore[index]
    assert changed_in(repo) == ["README.md"]


def test_commit_msg_hooks_and_post_commit(repo: Path) -> None:
    hook(repo, "prepare-commit-msg", 'echo "prepare $2"\n')
    hook(repo, "commit-msg", 'printf "\\nTicket: ABC-1\\n" >> "$1"\necho "msg ok"\n')
    hook(repo, "post-commit", 'echo "posted $(git rev-parse --short HEAD)"\nexit 9\n')
    nb = write_nb(repo / "nb.ipynb")
    result = commit_notebook(nb, "Subject")
    assert git(repo, "log", "-1", "--format=%B") == "Subject\n\nTicket: ABC-1\n\n"
    assert result["hook_output"] == f"prepare message\nmsg ok\nposted {result['short']}\n"


def test_commit_msg_hook_rejects(repo: Path) -> None:
    hook(repo, "commit-msg", 'echo "message must mention a ticket" >&2\nexit 1\n')
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x")
    assert info.value.details["output"] == "message must mention a ticket\n"  # type: ignore[index]
    assert "commit-msg hook failed" in info.value.message


def test_core_hooks_path_is_honoured(repo: Path) -> None:
    hooks = repo / "githooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\necho from-hooks-path\nexit 1\n", encoding="utf-8")
    (hooks / "pre-commit").chmod(0o755)
    git(repo, "config", "core.hooksPath", "githooks")
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x", paths=[nb])
    assert info.value.details["output"] == "from-hooks-path\n"  # type: ignore[index]


def test_hook_timeout_kills_it(repo: Path) -> None:
    hook(repo, "pre-commit", "echo started\nsleep 30 &\nsleep 30\n")
    nb = write_nb(repo / "nb.ipynb")
    t0 = time.monotonic()
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x", hook_timeout=1)
    assert time.monotonic() - t0 < 10
    assert "did not finish within 1 s" in info.value.message
    assert info.value.details["output"] == "started\n"  # type: ignore[index]


def test_branch_moved_during_commit_loses_nothing(repo: Path) -> None:
    # a hook that commits on the branch behind our back: our compare-and-swap must fail, theirs survive
    hook(repo, "pre-commit", "env -u GIT_INDEX_FILE git commit -q --allow-empty -m sneaky --no-verify\n")
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(ConflictError, match="moved"):
        commit_notebook(nb, "x")
    assert git(repo, "log", "-1", "--format=%s").strip() == "sneaky"


# --- locking and concurrency ---------------------------------------------------------------------


def test_index_lock_held_waits_then_fails(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    t0 = time.monotonic()
    with pytest.raises(ConflictError) as info:
        commit_notebook(nb, "x")
    waited = time.monotonic() - t0
    assert runner.INDEX_LOCK_WAIT - 0.2 <= waited < runner.INDEX_LOCK_WAIT + 5
    assert str(lock) in info.value.message and "another git process holds the index lock" in info.value.message.lower()
    assert changed_in(repo) == ["README.md"]


def test_index_lock_released_within_the_wait(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb")
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    timer = threading.Timer(1.0, lock.unlink)
    timer.start()
    try:
        t0 = time.monotonic()
        commit_notebook(nb, "x")
        assert time.monotonic() - t0 >= 0.9
    finally:
        timer.join()
    assert changed_in(repo) == ["nb.ipynb"]


def test_concurrent_commits_from_threads(repo: Path) -> None:
    notebooks = [write_nb(repo / f"nb{i:02d}.ipynb", f"x = {i}") for i in range(20)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def work(nb: Path) -> None:
        try:
            barrier.wait()
            commit_notebook(nb, f"commit {nb.name}", paths=[nb])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(nb,)) for nb in notebooks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    subjects = git(repo, "log", "--format=%s").splitlines()
    assert sorted(s for s in subjects if s.startswith("commit ")) == sorted(f"commit {nb.name}" for nb in notebooks)
    assert len(subjects) == 21
    assert sorted(f for f in head_files(repo) if f.endswith(".ipynb")) == sorted(nb.name for nb in notebooks)
    assert {k: v for k, v in porcelain(repo).items()} == {nb.name: " M" for nb in notebooks}


def test_repo_lock_excludes_another_process(repo: Path) -> None:
    """A CLI commit beside the server: the repository lock is a file lock too, not only a thread lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_REPO_LOCK, str(repo), str(repo / ".git")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        t0 = time.monotonic()
        with pytest.raises(ConflictError, match="still running after 0.3 s") as info:
            with runner.repo_lock(repo, repo / ".git", wait=0.3):
                pass
        assert 0.25 <= time.monotonic() - t0 < 5
        assert str(repo.parent) not in info.value.message  # names the folder, not where it is on disk
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    nb = write_nb(repo / "nb.ipynb")
    commit_notebook(nb, "after the other process")
    assert changed_in(repo) == ["nb.ipynb"]


_HOLD_REPO_LOCK = """
import sys
from pathlib import Path
from jupyter_prod_ext.gitops.runner import repo_lock
with repo_lock(Path(sys.argv[1]), Path(sys.argv[2])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_runner_timeout_kills_the_process_group(tmp_path: Path) -> None:
    t0 = time.monotonic()
    with pytest.raises(runner.ProcessTimeout, match="did not finish within 0.5 s"):
        runner.run_process(["sh", "-c", "sleep 30 & sleep 30"], cwd=tmp_path, env=runner.git_env(), timeout=0.5)
    assert time.monotonic() - t0 < 5


def test_git_env_never_prompts() -> None:
    env = runner.git_env()
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_EDITOR"] == "true"
    assert env["GIT_PAGER"] == "cat" and env["LC_ALL"] == "C"


# --- CLI --------------------------------------------------------------------------------------------


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, cwd: Path) -> int:
    monkeypatch.chdir(cwd)
    return cli_main(args)


def test_cli_commit_exit_codes(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    nb, m1, m2 = project(repo)
    assert _cli(["commit", "analysis/nb.ipynb", "-m", "cli commit"], monkeypatch, repo) == 0
    out, err = capsys.readouterr()
    assert out.strip() == head_commit(repo)
    assert "without outputs" in err
    assert changed_in(repo) == ["analysis/nb.ipynb", "src/pkg/clean.py", "src/pkg/io.py"]

    hook(repo, "pre-commit", 'echo "first"\necho "second" >&2\nexit 1\n')
    write_nb(nb, "y = 2")
    assert _cli(["commit", "analysis/nb.ipynb", "-m", "x"], monkeypatch, repo) == 1
    out, err = capsys.readouterr()
    assert "pre-commit hook failed" in err and "first\nsecond\n" in err

    assert _cli(["commit", "analysis/nb.ipynb", "-m", "x", "--format", "json"], monkeypatch, repo) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["kind"] == "refused" and body["details"]["output"] == "first\nsecond\n"
    (repo / ".git" / "hooks" / "pre-commit").unlink()

    assert _cli(["commit", "analysis/nb.ipynb", "src/pkg/io.py", "-m", "json", "--with-outputs", "--format", "json"],
                monkeypatch, repo) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["files"] == ["analysis/nb.ipynb", "src/pkg/io.py"] and body["code_only"] is False


def test_cli_gate_refuses_error_findings(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write_nb(repo / "nb.ipynb", "print(undefined_thing)")
    assert _cli(["commit", "nb.ipynb", "-m", "x"], monkeypatch, repo) == 1
    err = capsys.readouterr().err
    assert "Commit refused" in err and "undefined" in err
    assert _cli(["commit", "nb.ipynb", "-m", "x", "--allow-findings"], monkeypatch, repo) == 0


def test_cli_no_repo_and_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "proj"
    write_nb(folder / "nb.ipynb")
    assert _cli(["commit", "nb.ipynb", "-m", "x"], monkeypatch, folder) == 2
    assert "not in a git repository" in capsys.readouterr().err
    assert _cli(["commit", "nb.ipynb", "-m", "x", "--init"], monkeypatch, folder) == 0
    assert (folder / ".git").is_dir()
    with pytest.raises(SystemExit) as info:
        _cli(["commit", "nb.ipynb"], monkeypatch, folder)  # no -m
    assert info.value.code == 2


def test_conflicted_notebook_mid_merge_reports_the_merge(repo: Path) -> None:
    nb = write_nb(repo / "nb.ipynb", "x = 0", outputs=False)
    commit_notebook(nb, "base")
    git(repo, "checkout", "-q", "-b", "side")
    write_nb(nb, "x = 'side'", outputs=False)
    commit_notebook(nb, "side")
    git(repo, "checkout", "-q", "main")
    write_nb(nb, "x = 'main'", outputs=False)
    commit_notebook(nb, "main")
    git(repo, "merge", "side", check=False)
    assert "<<<<<<<" in nb.read_text(encoding="utf-8")
    with pytest.raises(GitError, match="merge is in progress"):
        commit_notebook(nb, "x")


def test_rebase_in_progress_is_refused(repo: Path) -> None:
    conflicting_branches(repo)
    git(repo, "rebase", "side", check=False)
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(GitError, match="rebase is in progress") as info:
        commit_notebook(nb, "x")
    assert "git rebase --abort" in info.value.message


def test_hook_without_shebang_runs_in_sh(repo: Path) -> None:
    path = repo / ".git" / "hooks" / "pre-commit"
    path.write_text('echo "no shebang"\nexit 4\n', encoding="utf-8")
    path.chmod(0o755)
    nb = write_nb(repo / "nb.ipynb")
    with pytest.raises(RefusedError) as info:
        commit_notebook(nb, "x")
    assert info.value.details["output"] == "no shebang\n"  # type: ignore[index]


def test_clean_filters_apply_like_git_add(repo: Path) -> None:
    (repo / ".gitattributes").write_text("*.up filter=upper\n", encoding="utf-8")
    git(repo, "config", "filter.upper.clean", "tr a-z A-Z")
    nb = write_nb(repo / "nb.ipynb")
    a, b, c = repo / "a.up", repo / "b.up", repo / "c.py"
    a.write_text("hello\n", encoding="utf-8")
    b.write_text("world\n", encoding="utf-8")
    c.write_text("plain\n", encoding="utf-8")
    commit_notebook(nb, "filters", paths=[nb, a, b, c])
    assert git(repo, "show", "HEAD:a.up") == "HELLO\n" and git(repo, "show", "HEAD:b.up") == "WORLD\n"
    assert git(repo, "show", "HEAD:c.py") == "plain\n"
    assert git(repo, "status", "--porcelain", "--", "a.up", "b.up", "c.py") == ""


def test_special_and_oversized_files(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_prod_ext.errors import TooLargeError
    from jupyter_prod_ext.gitops import confinement

    nb = write_nb(repo / "nb.ipynb")
    fifo = repo / "pipe.py"
    os.mkfifo(fifo)
    with pytest.raises(PathError, match="not a regular file"):
        commit_notebook(nb, "x", paths=[nb, fifo])  # must not block reading the pipe
    big = repo / "big.csv"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(confinement, "MAX_FILE_BYTES", 1024)
    with pytest.raises(TooLargeError):
        commit_notebook(nb, "x", paths=[nb, big])
    assert changed_in(repo) == ["README.md"]


# --- a renamed notebook ----------------------------------------------------------------


def renamed_notebook(repo: Path) -> Path:
    """``old.ipynb`` committed, then renamed on disk to ``new.ipynb`` as JupyterLab does (git sees a deletion)."""
    write_nb(repo / "old.ipynb")
    git(repo, "add", "old.ipynb")
    git(repo, "commit", "-q", "-m", "old")
    (repo / "old.ipynb").rename(repo / "new.ipynb")
    return repo / "new.ipynb"


def test_rename_commits_the_old_names_removal_and_nothing_else(repo: Path) -> None:
    for name in ("gone.txt", "staged.txt"):
        (repo / name).write_text(f"{name}\n", encoding="utf-8")
    git(repo, "add", "gone.txt", "staged.txt")
    git(repo, "commit", "-q", "-m", "others")
    new = renamed_notebook(repo)
    (repo / "gone.txt").unlink()  # the user's own deletion, not staged
    (repo / "staged.txt").write_text("changed\n", encoding="utf-8")
    git(repo, "add", "staged.txt")  # the user's own staged change

    result = commit_notebook(new, "rename", renamed_from=[repo / "old.ipynb"], confine_to=repo)

    status, *names = git(repo, "diff", "--name-status", "-M", "HEAD~1", "HEAD").split()
    assert status.startswith("R") and names == ["old.ipynb", "new.ipynb"]  # R51: committed without outputs
    assert "Renamed from old.ipynb" in result["message"]
    assert result["files"] == ["new.ipynb"]
    # the removal is staged in the real index too; the user's other work is as it was
    # (new.ipynb keeps its outputs on disk: modified against the code-only commit)
    assert sorted(git(repo, "status", "--porcelain").splitlines()) == [" D gone.txt", " M new.ipynb", "M  staged.txt"]


def test_rename_leaves_alone_what_is_not_a_tracked_file_gone_from_disk(repo: Path, tmp_path: Path) -> None:
    new = renamed_notebook(repo)
    write_nb(new, "\n".join(f"other_{i} = {i} * {i}" for i in range(40)))  # nothing like old.ipynb: no rename to git
    outside = tmp_path / "outside.ipynb"  # outside the server root (and the repository)
    (repo / "README.md").unlink()  # tracked and gone, but the user's deletion: only named paths count
    commit_notebook(
        new,
        "m",
        renamed_from=[repo / "untracked-old.ipynb", outside, repo / ".git" / "HEAD", repo / "new.ipynb", repo],
        confine_to=repo,
    )
    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == ["A", "new.ipynb"]
    assert sorted(git(repo, "status", "--porcelain").splitlines()) == [" D README.md", " D old.ipynb", " M new.ipynb"]


def test_rename_git_detects_is_committed_when_the_panel_named_no_earlier_path(repo: Path) -> None:
    """Renamed while closed (file browser, terminal) or before a reload: git pairs the deletion itself."""
    (repo / "gone.ipynb").write_bytes((repo / "README.md").read_bytes())  # another tracked notebook, deleted
    write_nb(repo / "unrelated.ipynb", "\n".join(f"u{i} = {i} ** 3" for i in range(60)))
    git(repo, "add", "gone.ipynb", "unrelated.ipynb")
    git(repo, "commit", "-q", "-m", "others")
    (repo / "gone.ipynb").unlink()
    (repo / "unrelated.ipynb").unlink()
    new = renamed_notebook(repo)

    result = commit_notebook(new, "rename", confine_to=repo)

    status, *names = git(repo, "diff", "--name-status", "-M", "HEAD~1", "HEAD").split()
    assert status.startswith("R") and names == ["old.ipynb", "new.ipynb"]
    assert "Renamed from old.ipynb" in result["message"]
    # the user's other deletions (git pairs neither with the notebook) stay uncommitted
    assert sorted(git(repo, "status", "--porcelain").splitlines()) == [
        " D gone.ipynb", " D unrelated.ipynb", " M new.ipynb"
    ]


def test_rename_git_detects_in_a_folder_takes_the_deletion_git_pairs_and_only_that(repo: Path) -> None:
    (repo / "work").mkdir()
    (repo / "elsewhere").mkdir()
    write_nb(repo / "work" / "a.ipynb", "\n".join(f"a{i} = {i}" for i in range(30)))
    write_nb(repo / "work" / "b.ipynb", "\n".join(f"b{i} = {i} + 1" for i in range(30)))
    write_nb(repo / "elsewhere" / "copy.ipynb", "\n".join(f"b{i} = {i} + 1" for i in range(30)))
    git(repo, "add", "work", "elsewhere")
    git(repo, "commit", "-q", "-m", "three notebooks")
    (repo / "work" / "a.ipynb").unlink()
    (repo / "elsewhere" / "copy.ipynb").unlink()  # b's twin, in another folder: not the notebook's old name
    (repo / "work" / "b.ipynb").rename(repo / "work" / "b2.ipynb")
    git(repo, "rm", "-q", "--cached", "work/b.ipynb")  # a staged deletion is still one HEAD holds

    commit_notebook(repo / "work" / "b2.ipynb", "rename b", confine_to=repo)

    assert git(repo, "diff", "--name-status", "-M", "HEAD~1", "HEAD").split()[1:] == ["work/b.ipynb", "work/b2.ipynb"]
    assert {" D work/a.ipynb", " D elsewhere/copy.ipynb"} <= set(git(repo, "status", "--porcelain").splitlines())


def test_two_deleted_twins_of_the_notebook_are_no_rename_git_may_choose(repo: Path) -> None:
    """Two deleted notebooks as like the new one: which one it was renamed from is the user's to say."""
    write_nb(repo / "twin1.ipynb", "\n".join(f"t{i} = {i}" for i in range(30)))
    (repo / "twin2.ipynb").write_bytes((repo / "twin1.ipynb").read_bytes())  # a copy: the same cell ids too
    git(repo, "add", "twin1.ipynb", "twin2.ipynb")
    git(repo, "commit", "-q", "-m", "twins")
    (repo / "twin1.ipynb").rename(repo / "new.ipynb")
    (repo / "twin2.ipynb").unlink()

    commit_notebook(repo / "new.ipynb", "new", confine_to=repo)

    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == ["A", "new.ipynb"]


def test_rename_git_detects_at_the_top_of_the_repository_with_a_literal_name(repo: Path) -> None:
    write_nb(repo / "[draft] *.ipynb")
    git(repo, "add", "[draft] *.ipynb")
    git(repo, "commit", "-q", "-m", "draft")
    (repo / "[draft] *.ipynb").rename(repo / "[final] ?.ipynb")
    commit_notebook(repo / "[final] ?.ipynb", "rename", confine_to=repo)
    assert git(repo, "diff", "--name-status", "-M", "HEAD~1", "HEAD").split("\t")[1:] == [
        "[draft] *.ipynb", "[final] ?.ipynb\n"
    ]


def test_rename_git_detects_is_not_taken_for_a_notebook_already_tracked(repo: Path) -> None:
    new = renamed_notebook(repo)
    git(repo, "add", "new.ipynb")
    git(repo, "commit", "-q", "-m", "copy", "--", "new.ipynb")  # new.ipynb tracked: an edit, not a rename
    write_nb(new, "x = 1\nprint(x + 1)")
    commit_notebook(new, "edit", confine_to=repo)
    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == ["M", "new.ipynb"]
    assert " D old.ipynb" in git(repo, "status", "--porcelain").splitlines()


def test_rename_is_not_committed_without_the_notebook(repo: Path) -> None:
    new = renamed_notebook(repo)
    (repo / "mod.py").write_text("A = 1\n", encoding="utf-8")
    commit_notebook(new, "m", paths=[repo / "mod.py"], renamed_from=[repo / "old.ipynb"], confine_to=repo)
    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == ["A", "mod.py"]
    assert " D old.ipynb" in git(repo, "status", "--porcelain").splitlines()


def test_rename_out_of_a_folder_outside_the_server_root_is_not_committed(repo: Path) -> None:
    root = repo / "served"
    root.mkdir()
    new = renamed_notebook(repo)
    (repo / "new.ipynb").rename(root / "new.ipynb")
    commit_notebook(root / "new.ipynb", "m", renamed_from=[repo / "old.ipynb"], confine_to=root)
    assert new.exists() is False
    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == ["A", "served/new.ipynb"]
