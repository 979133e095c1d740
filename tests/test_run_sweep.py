"""Clean Run on notebooks that restate what real public notebooks did to it (tests/data/run/), with real
ipykernel kernels: each case once gave a wrong verdict or message."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.errors import ToolError
from jupyter_prod_ext.execution.compare import MAX_COMPARED_CHARS, same_value_text
from jupyter_prod_ext.execution.runner import _joined_magics, _kernel_program, _reader, check_kernel, run_file

from .installed import child_env
from .test_run import cli, running

DATA = Path(__file__).parent / "data" / "run"


def copied(name: str, tmp_path: Path) -> Path:
    """The notebook ``name`` of tests/data/run in a folder of its own."""
    target = tmp_path / name
    shutil.copyfile(DATA / name, target)
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_crlf_output_is_compared_as_displayed(tmp_path: Path) -> None:
    """`ls` in IPython prints CRLF line ends: every line once compared as empty, so a changed output
    was reported as reproduced and the diff showed bare '+' lines."""
    nb = copied("crlf_output.ipynb", tmp_path)
    before = digest(nb)
    report = run_file(nb, timeout=60, cell_timeout=30)
    assert [(f["check"], f["cell"]) for f in report["findings"]] == [("output-changed", 3)]
    assert report["findings"][0]["message"].splitlines()[1:] == ["-[stdout] old value", "+[stdout] new value"]
    assert report["run"]["changed"] == [3] and report["run"]["cells_run"] == 3
    assert digest(nb) == before


def test_an_error_the_saved_output_shows_is_called_meant(tmp_path: Path) -> None:
    """Teaching notebooks (WhirlwindTourOfPython) raise on purpose and save the error: the hint said
    'fix the cell' or 'hidden state'; it names the tag that lets the run go on, which the run honours."""
    report = run_file(copied("intended_error.ipynb", tmp_path), timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert (finding["check"], finding["cell"], finding["line"]) == ("run-error", 2, 1)
    assert finding["message"] == (
        "Raised TypeError: 'tuple' object does not support item assignment when run top to bottom in a fresh "
        "kernel, as its saved output shows; the run stopped there."
    )
    assert "'raises-exception'" in finding["hint"] and "reproduce it" not in finding["hint"]

    tagged = run_file(copied("intended_error_tagged.ipynb", tmp_path), timeout=60, cell_timeout=30)
    [finding] = tagged["findings"]  # went past the tagged cell 3; cell 4's NameError is shown on purpose
    assert (finding["check"], finding["cell"]) == ("run-error", 3)
    assert "as its saved output shows" in finding["message"] and "Hidden state" not in finding["hint"]
    assert tagged["run"]["cells_run"] == 3 and tagged["run"]["changed"] == []


def test_a_long_exception_message_is_one_short_line(tmp_path: Path) -> None:
    """An exception carrying megabytes (or a %%bash script's many lines) once went whole into the
    one-line finding and the answer."""
    report = run_file(copied("long_error.ipynb", tmp_path), timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert (finding["check"], finding["cell"], finding["line"]) == ("run-error", 2, 2)
    assert finding["message"].startswith("Raised Boom: boom boom ")
    assert "…" in finding["message"] and "\n" not in finding["message"]
    assert len(finding["message"]) < 300


def test_a_process_started_in_its_own_session_ends_with_the_run(tmp_path: Path) -> None:
    """A server the notebook starts with start_new_session=True escaped the kernel's group kill and ran on
    under init after every Clean Run."""
    report = run_file(copied("escaping_server.ipynb", tmp_path), timeout=60, cell_timeout=30)
    server = int((tmp_path / "server.pid").read_text())
    try:
        assert report["run"]["reproduced"] is True
        deadline = time.monotonic() + 5
        while running(server) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(server)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server, signal.SIGKILL)


def worker_events(nb: Path, private: Path) -> list[dict[str, Any]]:
    """The progress events of a worker run on ``nb`` (copied into ``private``, as the runner does)."""
    private.mkdir()
    shutil.copyfile(nb, private / "notebook.ipynb")
    argv = [
        sys.executable, "-m", "jupyter_prod_ext.execution.worker", "--input", str(private / "notebook.ipynb"),
        "--cwd", str(nb.parent), "--kernel", "python3", "--cell-timeout", "30",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env(), text=True)
    assert proc.stdout is not None and proc.stdin is not None
    events = [json.loads(line) for line in proc.stdout]
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    return events


def test_a_flood_of_output_does_not_reach_the_server(tmp_path: Path) -> None:
    """Cells print 3 MB each (a training log): every line once travelled to the server and stayed there
    until the report (70 to 128 MiB more for 40 MB printed), though a cell saved without output is never
    compared; now such a cell sends no line and a compared one at most a million characters."""
    nb = copied("output_flood.ipynb", tmp_path)
    done = {e["cell"]: e["lines"] for e in worker_events(nb, tmp_path / "private") if e["event"] == "cell_done"}
    assert done[1] == []
    assert sum(len(line) + 1 for line in done[2]) <= MAX_COMPARED_CHARS + 100
    assert done[2][-1] == f"… output cut after {MAX_COMPARED_CHARS} characters"

    [finding] = run_file(nb, timeout=60, cell_timeout=30)["findings"]  # the saved short output differs
    assert (finding["check"], finding["cell"]) == ("output-changed", 2)
    assert finding["message"].splitlines()[1] == "-[stdout] a training log saved short"
    assert len(finding["message"]) < 2000


def test_a_missing_package_says_to_install_it(tmp_path: Path) -> None:
    """The most frequent failure on public notebooks (numpy, pandas, matplotlib, rpy2, plotly): the hint said
    'fix the cell', which has nothing to fix."""
    [finding] = run_file(copied("missing_package.ipynb", tmp_path), timeout=60, cell_timeout=30)["findings"]
    assert (finding["check"], finding["cell"], finding["line"]) == ("run-error", 2, 2)
    assert "No module named 'jp_prod_absent_package'" in finding["message"]
    assert finding["hint"].startswith("'jp_prod_absent_package' is not installed where the notebook's kernel runs")
    assert "requirements" in finding["hint"] and "fix the cell" not in finding["hint"]


def test_a_package_version_read_while_the_package_is_absent_says_to_install_it(tmp_path: Path) -> None:
    """``importlib.metadata.version("torch")`` raises PackageNotFoundError where torch is not installed (a new
    user's Clean Run of a real notebook): the hint said 'fix the cell', which has nothing to fix."""
    [finding] = run_file(copied("missing_metadata.ipynb", tmp_path), timeout=60, cell_timeout=30)["findings"]
    assert (finding["check"], finding["cell"]) == ("run-error", 2)
    assert "PackageNotFoundError" in finding["message"]
    assert finding["hint"].startswith("'jp-prod-absent-package' is not installed where the notebook's kernel runs")
    assert "fix the cell" not in finding["hint"]


def test_sys_exit_says_it_stops_the_run(tmp_path: Path) -> None:
    report = run_file(copied("sys_exit.ipynb", tmp_path), timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert (finding["check"], finding["cell"]) == ("run-error", 2)
    assert finding["message"].startswith("Raised SystemExit: 3 ")
    assert finding["hint"].startswith("sys.exit() stops the whole run at this cell: remove it")
    assert report["run"]["cells_run"] == 2


def test_exit_stops_the_run_at_its_cell(tmp_path: Path) -> None:
    """exit() in a cell asks ipykernel to shut down 0.1 s later: the cells sent meanwhile still ran and the
    run was called reproduced. It stops at that cell and says a production notebook should not exit."""
    nb = copied("exit_call.ipynb", tmp_path)
    report = run_file(nb, timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert (finding["check"], finding["cell"]) == ("run-error", 2)
    assert finding["message"] == "Calls exit(), which shuts the kernel down: a run top to bottom stops at this cell."
    assert finding["hint"].startswith("A notebook meant for production should not call exit(): remove it")
    assert report["run"]["reproduced"] is False and report["run"]["cells_run"] == 2
    assert not (tmp_path / "after_exit.txt").exists()
    shown = cli(nb.name, "--timeout", "60", cwd=tmp_path)
    assert shown.returncode == 1, shown.stderr
    assert "run-error      cell 3: Calls exit(), which shuts the kernel down" in shown.stdout


def test_quit_is_named_as_the_cell_spells_it(tmp_path: Path) -> None:
    nb = json.loads((DATA / "exit_call.ipynb").read_text())
    nb["cells"][2]["source"] = ["quit()"]
    (tmp_path / "quit.ipynb").write_text(json.dumps(nb))
    [finding] = run_file(tmp_path / "quit.ipynb", timeout=60, cell_timeout=30)["findings"]
    assert finding["message"].startswith("Calls quit(), which shuts the kernel down")
    assert not (tmp_path / "after_exit.txt").exists()


class _ClosedUnderTheReader(io.BytesIO):
    """The worker's stdout closed by the runner while the reader thread is in a read (a stopped run)."""

    def __next__(self) -> bytes:
        if self.tell() == 0:
            self.seek(1)
            return b'{"event": "cell", "cell": 0}\n'
        raise ValueError("PyMemoryView_FromBuffer(): info->buf must not be NULL")


def test_the_event_reader_ends_quietly_when_its_stream_is_closed() -> None:
    """A kernel that never got ready hit the overall timeout, and the reader thread printed its traceback
    in the terminal (a race between the release of the stopped worker and the reader)."""
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()
    _reader(_ClosedUnderTheReader(b"x"), events)
    assert events.get_nowait() == {"event": "cell", "cell": 0}
    assert events.get_nowait() is None


def test_a_kernel_that_never_gets_ready_is_named_as_the_cause(tmp_path: Path, monkeypatch: Any) -> None:
    """No cell ran, yet the hint sent the user to look for an infinite loop or a wait on input."""
    monkeypatch.setenv("JUPYTER_PATH", str(DATA))  # its kernels/never_ready kernelspec
    report = run_file(copied("never_ready.ipynb", tmp_path), timeout=3, cell_timeout=3)
    [finding] = report["findings"]
    assert (finding["check"], finding["cell"]) == ("run-timeout", None)
    assert finding["message"] == "The run hit its overall timeout of 3 s before the kernel was ready."
    assert finding["hint"].startswith("The kernel did not get ready in time: check that it starts in a terminal")
    assert "infinite loop" not in finding["hint"]


def test_a_kernel_that_dies_at_start_says_why(tmp_path: Path, monkeypatch: Any) -> None:
    """A kernelspec whose Python lacks ipykernel only got 'Kernel died before replying to kernel_info';
    the reason was in the kernel's stderr, which nobody saw."""
    monkeypatch.setenv("JUPYTER_PATH", str(DATA))  # its kernels/no_ipykernel kernelspec
    [finding] = run_file(copied("no_ipykernel.ipynb", tmp_path), timeout=30, cell_timeout=10)["findings"]
    assert (finding["check"], finding["cell"]) == ("run-error", None)
    assert finding["message"].endswith(
        "The kernel's last words: /usr/bin/python3: No module named ipykernel_launcher"
    ), finding["message"]


def test_a_notebook_saved_with_another_kernel_runs_in_the_chosen_one(tmp_path: Path) -> None:
    """7 of 95 public notebooks name a kernel not installed here (conda-base-py, python2) and could not be
    run at all from the CLI; --kernel picks an installed one."""
    copied("conda_kernel.ipynb", tmp_path)
    refused = cli("conda_kernel.ipynb", "--timeout", "60", cwd=tmp_path)
    assert refused.returncode == 2 and "kernel 'conda-base-py' is not installed" in refused.stderr
    done = cli("conda_kernel.ipynb", "--timeout", "60", "--kernel", "python3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("conda_kernel.ipynb: reproduced — score 100/100, 1/1 cells")


def test_a_kernel_whose_program_is_gone_is_the_environments_fault(tmp_path: Path) -> None:
    """A kernelspec of a deleted conda environment (its Python gone) scored 50 with a run-error finding
    'FileNotFoundError', exit 1, while a kernel not installed is exit 2: both are the environment's fault."""
    nb = copied("missing_program.ipynb", tmp_path)
    env = {"JUPYTER_PATH": str(DATA)}  # its kernels/missing_program kernelspec
    refused = cli(nb.name, "--timeout", "60", cwd=tmp_path, env=env)
    assert refused.returncode == 2 and refused.stdout == ""
    [line] = refused.stderr.splitlines()
    assert line.startswith(
        "jupyter-prod: missing_program.ipynb: kernel 'missing_program' cannot start: its program "
        "'/opt/jp-prod-absent-env/bin/python' does not exist: install it (or recreate its environment), or "
        "change the notebook's kernel (installed: "
    ), line
    assert "python3" in line and line.endswith("; jupyter-prod run --kernel NAME runs in one)")
    done = cli(nb.name, "--timeout", "60", "--kernel", "python3", cwd=tmp_path, env=env)
    assert done.returncode == 0 and done.stdout.startswith("missing_program.ipynb: reproduced"), done.stderr


def test_object_reprs_of_another_ipython_are_not_changes(tmp_path: Path) -> None:
    """Saved with another IPython, <IPython.core.display.HTML at 0x7f...> is now <IPython.core.display.HTML
    object>, and <__main__.Point object at 0x...> (print) <__main__.Point at 0x...> (IPython): each was
    reported changed. A class that is another one now (Point saved, Segment shown) still is."""
    report = run_file(copied("object_reprs.ipynb", tmp_path), timeout=60, cell_timeout=30)
    assert report["run"]["cells_run"] == 4 and report["run"]["changed"] == [4]
    [finding] = report["findings"]
    assert finding["check"] == "output-changed"
    assert finding["message"].splitlines()[1:] == ["-<Point object>", "+<Segment object>"]
    kept = run_file(tmp_path / "object_reprs.ipynb", timeout=60, cell_timeout=30, normalize=())
    assert kept["run"]["changed"] == [1, 2, 3, 4]  # without the addresses rule, every form counts


def test_only_a_program_known_before_launch_is_checked() -> None:
    """The names jupyter_client replaces by its Python, templates and paths relative to the notebook's folder
    (where the kernel starts) are left to the launch; an absolute path or a name on PATH is checked."""
    assert [_kernel_program([p], "/spec") for p in ("python3", "./env/bin/python", "{prefix}/python")] == [None] * 3
    assert _kernel_program(["{resource_dir}/run.sh"], "/spec") == "/spec/run.sh"
    assert _kernel_program(["/opt/env/bin/python"], "/spec") == "/opt/env/bin/python"
    assert _kernel_program(["R", "--slave"], "/spec") == "R"


def test_a_kernel_program_on_the_path_its_kernelspec_sets_is_no_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jupyter_client starts a kernel with its kernelspec's env (``${PATH}`` filled in): a program found
    only there starts, and was refused as 'not on PATH' (looked up on the server's own PATH)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "mykernel-prod").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (tools / "mykernel-prod").chmod(0o755)
    for name, env in (("own-path", {"PATH": f"{tools}:${{PATH}}"}), ("no-path", {})):
        spec = tmp_path / "share" / "kernels" / name
        spec.mkdir(parents=True)
        argv = ["mykernel-prod", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": name, "env": env}), "utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share"))
    check_kernel("own-path")
    with pytest.raises(ToolError, match="its program 'mykernel-prod' is not on PATH"):
        check_kernel("no-path")


def test_an_empty_kernel_name_is_a_usage_error(tmp_path: Path) -> None:
    """`--kernel "$KERNEL"` with the variable unset ran the notebook's own kernel, silently."""
    nb = copied("crlf_output.ipynb", tmp_path)  # its own kernel, python3, is installed
    for empty in ("", " "):
        usage = cli(nb.name, "--kernel", empty, cwd=tmp_path)
        assert usage.returncode == 2 and usage.stdout == ""
        assert usage.stderr.splitlines()[-1] == (
            "jupyter-prod: error: argument --kernel: the kernel name is empty: name an installed kernel "
            "(jupyter kernelspec list), or leave --kernel out to run the notebook's own"
        ), usage.stderr
    with pytest.raises(ToolError, match="^kernel '' is not installed"):  # the engine does not fall back either
        run_file(nb, kernel="")


def zombies_under(parent: int) -> int:
    """Exited children of ``parent`` not reaped yet, from /proc."""
    count = 0
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            count += state == "Z" and int(ppid) == parent
    return count


def test_orphans_that_exit_are_reaped_during_the_run(tmp_path: Path) -> None:
    """The worker adopts the orphans a cell leaves (subreaper) and killed them at the end only: each
    short-lived one stayed a zombie, holding its pid, until then (500 here; thousands reach a pids limit).
    They are reaped as they exit, and the kernel's own exit is still jupyter_client's to see."""
    nb = copied("orphan_flood.ipynb", tmp_path)
    workers: list[int] = []
    most = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal most
        while not done.wait(0.05):
            if workers:
                most = max(most, zombies_under(workers[0]))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        report = run_file(
            nb, timeout=120, cell_timeout=60, on_progress=lambda p: p["worker_pid"] and workers.append(p["worker_pid"])
        )
    finally:
        done.set()
        sampler.join()
    assert report["findings"] == [] and report["run"]["reproduced"] is True  # cell 4 saw no zombie left
    assert workers and most < 300, most
    # the kernel's own death is still seen as such
    died = json.loads(nb.read_text())
    died["cells"].append({"cell_type": "code", "id": "dies", "metadata": {}, "outputs": [], "source": "os._exit(7)"})
    nb.write_text(json.dumps(died))
    [finding] = run_file(nb, timeout=120, cell_timeout=60)["findings"]
    assert (finding["check"], finding["cell"]) == ("run-error", 4)
    assert finding["message"].startswith("The kernel died while this cell ran")



def test_a_missing_module_is_the_notebooks_own_file_only_when_a_cell_names_that_file() -> None:
    """'utils' is missing: a cell running data_utils.py names no utils.py (the package hint stays)."""
    from jupyter_prod_ext.execution.runner import _missing_module_hint

    longer = [{"cell_type": "code", "source": "!python data_utils.py"}, {"cell_type": "code", "source": "import utils"}]
    assert _missing_module_hint(longer, 1, "utils").startswith("'utils' is not installed")
    fetched = [{"cell_type": "code", "source": "!wget -q https://example.org/utils.py"}, longer[1]]
    assert _missing_module_hint(fetched, 1, "utils").startswith("'utils' is the file utils.py")


def test_run_reads_no_configuration_above_the_folder_the_user_works_in(tmp_path: Path) -> None:
    """``run`` looked for ``pyproject.toml`` up to ``/``, unlike ``check`` and the server: a file above the
    folder the user works in (outside git) turned ``exact-outputs`` on. It stops where ``check`` stops."""
    (tmp_path / "pyproject.toml").write_text("[tool.jupyter-prod]\nexact-outputs = true\n", "utf-8")
    work = tmp_path / "work"
    work.mkdir()
    nb = copied("library_versions.ipynb", work)
    shown = json.loads(cli(nb.name, "--format", "json", cwd=work).stdout)
    assert shown["notebooks"][0]["run"]["changed"] == [8, 9, 10]
    (work / "pyproject.toml").write_text("[tool.jupyter-prod]\nexact-outputs = true\n", "utf-8")
    assert json.loads(cli(nb.name, "--format", "json", cwd=work).stdout)["notebooks"][0]["run"]["changed"] == EXACT


def test_a_python2_builtin_bound_by_a_later_cell_is_hidden_state() -> None:
    """``print(file)`` then ``file = "data.csv"``: the Python 2 hint ("'file' is a builtin of Python 2") came
    before the look for a later cell that binds the name, and sent the user to port code that was run out of
    order. The Python 2 hint is given only when no cell binds the name."""
    from jupyter_prod_ext.execution.runner import _hidden_state_hint

    cells = [{"cell_type": "code", "source": "print(file)"}, {"cell_type": "code", "source": 'file = "data.csv"'}]
    hint = _hidden_state_hint(cells, 0, "name 'file' is not defined")
    assert hint is not None and hint.startswith("Hidden state: 'file' is only defined in cell 2, which runs later")
    alone = _hidden_state_hint(cells[:1], 0, "name 'file' is not defined")
    assert alone is not None and alone.startswith("'file' is a builtin of Python 2")


def test_a_changed_listing_of_files_is_hinted_as_one(tmp_path: Path) -> None:
    """``!ls`` saved where the folder held other files (public notebooks list their data folders): the hint
    said to seed randomness. A listing is said to depend on the files present, another shell command on the
    machine; only a cell of Python keeps the randomness hint."""
    report = run_file(copied("shell_listing.ipynb", tmp_path), timeout=60, cell_timeout=30)
    hints = {f["cell_id"]: f["hint"] for f in report["findings"]}
    assert report["run"]["changed"] == [1, 2, 3, 4], report["findings"]
    listing = (
        "The cell lists files (ls): its output is whatever the folder holds when it runs, and files were added or "
        "removed since it was saved. List only the files the notebook itself reads or writes (sorted, e.g. "
        "sorted(Path('data').glob('*.csv'))), or clear the cell's output before saving."
    )
    assert hints["listing"] == hints["listed"] == listing
    assert hints["version"].startswith("The cell runs a shell command (python), whose output depends on the machine")
    assert hints["other"].startswith("Seed randomness")


def test_a_line_magic_spelled_with_a_space_runs_as_in_nbformat_3(tmp_path: Path) -> None:
    """``% load_ext autoreload`` (and ``% matplotlib inline``), valid when nbformat 3 notebooks were saved,
    is an unknown magic ``%`` to today's IPython: the run stopped with a UsageError and the generic hint.
    It runs as ``%load_ext autoreload``; a line continuing a modulo (``     % 3)``) stays Python."""
    report = run_file(copied("spaced_magics.ipynb", tmp_path), timeout=60, cell_timeout=30)
    assert report["run"]["reproduced"] and report["run"]["cells_run"] == 3, report["findings"]
    assert _joined_magics("% matplotlib inline\nx = (1\n     % 2)") == "%matplotlib inline\nx = (1\n     % 2)"



def test_a_percent_line_inside_a_string_or_a_cell_magic_is_the_users_text(tmp_path: Path) -> None:
    """Every line starting ``% name`` was rewritten to ``%name``: ``%%writefile paper.tex`` then ``% Preamble``
    wrote altered text into the user's file, and ``\"\"\"\\n% d items\\n\"\"\" % n`` changed a printf format.
    Only a spaced magic that starts a logical line of Python, outside strings and cell magics, is joined."""
    report = run_file(copied("spaced_magic_text.ipynb", tmp_path), timeout=60, cell_timeout=30)
    assert report["run"]["reproduced"] and report["run"]["cells_run"] == 3, report["findings"]
    assert (tmp_path / "paper.tex").read_text() == "% Preamble\n\\documentclass{article}\n"
    assert _joined_magics('s = """\n% d items\n""" % n') == 's = """\n% d items\n""" % n'
    assert _joined_magics('s = """\n% d items\n') == 's = """\n% d items\n'  # unclosed: left as written
    assert _joined_magics("# on\nif x:\n    % time f()") == "# on\nif x:\n    %time f()"
    assert _joined_magics("y = 1 + \\\n% x") == "y = 1 + \\\n% x"


EXACT = [2, 3, 4, 5, 6, 7, 8, 9, 10]  # every value another library version shows otherwise, and the real changes


def test_exact_outputs_makes_no_allowance_for_library_versions(tmp_path: Path) -> None:
    """A project whose pinned environment must reproduce every digit could not turn the library-version
    allowances off (9 significant digits, NumPy 2 reprs, figure sizes, IPython's wrapping, pandas' class
    paths): ``--exact-outputs`` and ``exact-outputs = true`` in ``[tool.jupyter-prod]`` compare as shown."""
    nb = copied("library_versions.ipynb", tmp_path)
    assert run_file(nb, timeout=60, cell_timeout=30)["run"]["changed"] == [8, 9, 10]
    exact = run_file(nb, timeout=60, cell_timeout=30, exact_outputs=True)
    assert exact["run"]["changed"] == EXACT
    wrapped = next(f for f in exact["findings"] if f["cell_id"] == "wrapped")["message"].splitlines()
    assert wrapped[1:3] == ["-(0.7038631514645926, 0.16111690750716465, 0.1350199410282429)", "+(np.float64(0.7038631514645923),"]
    flag = json.loads(cli(nb.name, "--exact-outputs", "--format", "json", cwd=tmp_path).stdout)
    assert flag["notebooks"][0]["run"]["changed"] == EXACT
    (tmp_path / "pyproject.toml").write_text("[tool.jupyter-prod]\nexact-outputs = true\n", encoding="utf-8")
    configured = json.loads(cli(nb.name, "--format", "json", cwd=tmp_path).stdout)
    assert configured["notebooks"][0]["run"]["changed"] == EXACT
    (tmp_path / "pyproject.toml").write_text("[tool.jupyter-prod]\nexact-outputs = 'yes'\n", encoding="utf-8")
    wrong = cli(nb.name, cwd=tmp_path)
    assert wrong.returncode == 2 and wrong.stderr.endswith(
        "[tool.jupyter-prod] exact-outputs must be true or false, not 'yes'.\n"
    ), wrong.stderr


def test_a_books_saved_outputs_are_compared_as_the_same_measures(tmp_path: Path) -> None:
    """ipython-books/cookbook-2nd-code saved %timeit wrapped after 'of 7 runs,' and in IPython 5's words,
    NumPy 1's summarised arrays (NumPy 2 adds ``shape=(2000,)``) and %%writefile's 'Overwriting' (the file
    was there): each was a changed output, hinted 'seed randomness'. They are the same outputs now; a
    listing made in Python, a measure of time and an address (read by the notebook's own ``aid``) that changed
    are hinted as what they are."""
    report = run_file(copied("book_outputs.ipynb", tmp_path), timeout=120, cell_timeout=60)
    hints = {f["cell_id"]: f["hint"] for f in report["findings"]}
    assert sorted(hints) == ["address", "listing", "timing"], report["findings"]
    assert hints["address"].startswith("The cell shows memory addresses (aid(), which reads where an object lives)")
    assert hints["listing"].startswith("The cell lists files (glob()): its output is whatever the folder holds")
    assert hints["timing"].startswith("The cell measures time (%timeit, %time, %prun, cProfile)")


def test_a_notebook_of_numpy_1_11_and_python_2_is_told_what_changed(tmp_path: Path) -> None:
    """Notebooks saved in 2016 (donnemartin/data-science-ipython-notebooks): NumPy before 1.14 spaced its
    arrays (``array([ 3.14,  4.  ])``), wrapped a dtype onto a line of its own, showed a record as a
    tuple and a whole float of a record as ``55.0`` (``55. `` now): each the same value, each reported changed with 'seed randomness'. What did change is said as
    what it is: a version, the clock (read in the cell, or through a name set from it earlier), a cell whose code was taken out (pandas_exercises' solutions), Python 2's
    list where Python 3 shows ``range(0, 4)``, a builtin of Python 2 ('Hidden state: nothing in the notebook defines xrange').
    Python 2's ``datetime.timedelta(6, 40171, 885211)`` is Python 3's ``datetime.timedelta(days=6, …)``; NumPy 2's
    ``np.void((…), dtype=…)`` in a list, a recarray's ``np.record((…), dtype=…)`` and a record of some fields
    (``dtype={'names': …}``) are NumPy 1's tuples. A later cell
    printing the profile ``%%prun -T prun.txt`` wrote is hinted as a measure of time, not randomness."""
    report = run_file(copied("python2_era.ipynb", tmp_path), timeout=60, cell_timeout=30)
    hints = {f["cell_id"]: f["hint"] for f in report["findings"]}
    assert sorted(hints) == ["answer", "clock", "elapsed", "profile", "py2", "range", "version"], report["findings"]
    assert hints["profile"].startswith("The cell shows prun.txt, the profile %prun wrote (-T/-D): its times differ")
    assert hints["elapsed"].startswith("The cell reads the clock through dt_now (set from now() in an earlier cell)")
    assert hints["range"].startswith("Python 2 showed a list where Python 3 shows a lazy range object")
    assert hints["version"].startswith("The cell shows a version of the environment (__version__)")
    assert hints["clock"].startswith("The cell reads the clock (datetime.now())")
    assert hints["answer"].startswith("The cell has no code (comments only), yet its saved output shows a result")
    assert hints["py2"] == "'xrange' is a builtin of Python 2, which the notebook was written for: port the cell to Python 3 (range)."


@pytest.mark.parametrize(
    "older, newer",
    [
        ("datetime.timedelta(0)", "datetime.timedelta(0)"),
        ("datetime.timedelta(0, 5)", "datetime.timedelta(seconds=5)"),
        ("datetime.timedelta(-1, 86399)", "datetime.timedelta(days=-1, seconds=86399)"),
        ("datetime.timedelta(2, 0, 7)", "datetime.timedelta(days=2, microseconds=7)"),
        ("[('a', 1), ('b', 2)]", "[np.void(('a', 1), dtype=[('n', '<U1'), ('v', '<i8')]), np.void(('b', 2), dtype=[('n', '<U1'), ('v', '<i8')])]"),
    ],
)
def test_the_same_value_shown_by_python_2_or_numpy_1_is_the_same_text(older: str, newer: str) -> None:
    assert same_value_text(older) == same_value_text(newer)


def test_a_record_without_its_dtype_or_closed_is_left_as_written() -> None:
    for text in ["np.void(b'\\x00')", "np.void(('a', 1)", "np.record(('a', 1), names='n')"]:
        assert same_value_text(text) == text
