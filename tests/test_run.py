"""Reproducibility runs with real ipykernel kernels on small crafted notebooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import nbformat.v4 as v4
import pytest

from jupyter_prod_ext.cli.run_cmd import _render
from jupyter_prod_ext.errors import ConflictError, ToolError
from jupyter_prod_ext.execution.compare import diff_outputs, normalize_text, visible_lines
from jupyter_prod_ext.execution.registry import RunRegistry
from jupyter_prod_ext.execution.runner import RunProgress, run_file, run_notebook

from .installed import child_env
from .nbutil import kernel_nb, write_nb

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def code(source: str, *outputs: dict[str, Any], count: int | None = None) -> Any:
    cell = v4.new_code_cell(source, execution_count=count)
    cell.outputs = list(outputs)
    return cell


def stdout(text: str) -> Any:
    return v4.new_output("stream", name="stdout", text=text)


def result(text: str, **extra: str) -> Any:
    return v4.new_output("execute_result", data={"text/plain": text, **extra}, execution_count=1)


def exists(pid: int | None) -> bool:
    """Whether /proc still lists the process (a zombie counts: it was not reaped)."""
    return pid is not None and Path(f"/proc/{pid}").exists()


def running(pid: int) -> bool:
    """Alive and not a zombie (orphans are reaped by init, which may be slow)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pred: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pred():
            return True
        time.sleep(0.05)
    return not pred()


class Recorder:
    def __init__(self) -> None:
        self.events: list[RunProgress] = []
        #: the kernel's connection file, read from its command line once it runs a cell
        self.connection_file: Path | None = None

    def __call__(self, progress: RunProgress) -> None:
        self.events.append(progress)
        if self.connection_file is None and progress["kernel_pid"] and progress["cell"] is not None:
            self.connection_file = connection_file(progress["kernel_pid"])

    def pid(self, key: str) -> int | None:
        return next((e[key] for e in reversed(self.events) if e[key]), None)  # type: ignore[literal-required]


# --- compare (no kernel) --------------------------------------------------------


def test_writefile_overwriting_is_writing_even_with_exact_outputs() -> None:
    """%%writefile says 'Overwriting' when the file was there, as on every run again in the notebook's folder:
    the allowance sat with the library versions that ``--exact-outputs`` turns off, so an exact run again
    reported the cell changed. It always applies; another file's name stays different."""
    for exact in (False, True):
        assert normalize_text("[stdout] Overwriting first.py", (), exact=exact) == "[stdout] Writing first.py"
        assert normalize_text("Overwriting a.py", exact=exact) != normalize_text("Writing b.py", exact=exact)


def test_normalisation_of_volatile_text() -> None:
    assert normalize_text("<Foo object at 0x7f3a2c1d4e50>") == normalize_text(
        "<Foo object at 0x55d0c0ffee11>"
    )
    assert normalize_text("now 2026-11-27 09:56:14.123456") == normalize_text("now 2024-01-02 23:01:00.5")
    assert normalize_text("Wall time: 1.23 s") == normalize_text("Wall time: 850 ms")
    assert normalize_text("took 12 ms") == normalize_text("took 3.5 s")
    assert normalize_text("t=1795672574.25") == normalize_text("t=1795672999.5")
    # unseeded randomness stays visible
    assert normalize_text("0.8444218515250481") != normalize_text("0.7579544029403025")
    assert normalize_text("at 0x7f3a2c1d4e50", ()) != normalize_text("at 0x7f3a2c1d4e51", ())
    # the forms of the repr of an object without one, by IPython and Python version, are one
    html = {"<IPython.core.display.HTML object>", "<IPython.core.display.HTML at 0x7f3a2c1d4e50>", "<HTML at 0x7f3a>"}
    assert {normalize_text(t) for t in html} == {"<HTML object>"}
    assert normalize_text("<__main__.Point at 0x7f3a2c1d4e50>") == normalize_text("<__main__.Point object at 0x55d0c0ffee11>")
    # another class, more text, or not an object's repr at all stays different
    assert normalize_text("<__main__.Point at 0x7f3a2c1d4e50>") != normalize_text("<__main__.Segment at 0x7f3a2c1d4e50>")
    assert normalize_text("<Point object>") != normalize_text("Point(x=1, y=2)")
    assert normalize_text("<bound method P.f of <m.P object at 0x7f3a2c1d4e50>>") == "<bound method P.f of <P object>>"
    assert normalize_text("<module>") == "<module>" and normalize_text("<Figure size 640x480>") == "<Figure size 640x480>"
    assert normalize_text("<HTML object>", ()) != normalize_text("<HTML at 0x7f3a2c1d4e50>", ())


def test_visible_lines_join_streams_and_compare_images_by_mime() -> None:
    chunks = [stdout("a\nb"), v4.new_output("stream", name="stderr", text="w\n"), stdout("c\n")]
    assert visible_lines(chunks) == ["[stdout] a", "[stdout] bc", "[stderr] w"]
    img_a = v4.new_output("display_data", data={"image/png": "AAAA", "text/plain": "<Figure>"})
    img_b = v4.new_output("display_data", data={"image/png": "BBBB", "text/plain": "<Figure>"})
    svg = v4.new_output("display_data", data={"image/svg+xml": "<svg/>", "text/plain": "<Figure>"})
    assert diff_outputs([img_a], [img_b]) is None
    assert diff_outputs([img_a], [svg]) == ["-<image/png>", "+<image/svg+xml>"]


# --- runs with real kernels ------------------------------------------------------


def test_reproducible_notebook(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "data.txt").write_text("hello\n")
    nb = kernel_nb(
        v4.new_markdown_cell("# Title"),
        code("import os, sys\nprint(sys.executable)", stdout(sys.executable + "\n")),
        code("print(open('data.txt').read().strip(), os.path.basename(os.getcwd()))", stdout("hello proj\n")),
        code("[i * i for i in range(4)]", result("[0, 1, 4, 9]")),
        code(
            f"from IPython.display import Image, display\nimport base64\n"
            f"display(Image(data=base64.b64decode('{PNG_1PX}')))",
            v4.new_output(
                "display_data",
                data={"image/png": "c2F2ZWQ=", "text/plain": "<IPython.core.display.Image object>"},
            ),
        ),
        code("import random\nrandom.random()"),  # no saved output: nothing to reproduce
        code("   "),
    )
    path = write_nb(folder / "good.ipynb", nb)
    before = sorted(p.name for p in folder.iterdir())
    seen = Recorder()
    report = run_file(path, timeout=60, cell_timeout=30, on_progress=seen)

    assert report["findings"] == [], report["findings"]
    assert report["score"] == 100
    run = report["run"]
    assert run["reproduced"] is True and run["state"] == "done"
    assert run["cells_run"] == run["total"] == 5
    assert run["changed"] == []
    assert 0 < run["seconds"] < 60
    assert report["summary"]["checks_run"] == ["run-error", "run-timeout", "output-changed"]
    assert report["summary"]["code_cells"] == 6
    # the file is untouched and nothing was written next to it
    assert json.loads(path.read_text()) == nb
    assert sorted(p.name for p in folder.iterdir()) == before
    # the worker and the kernel are gone (reaped, not zombies)
    assert {e["state"] for e in seen.events} == {"running", "done"}
    worker, kernel = seen.pid("worker_pid"), seen.pid("kernel_pid")
    assert worker and kernel
    assert wait_gone(lambda: exists(worker) or exists(kernel))


def test_failing_cell_is_reported_with_its_line(tmp_path: Path) -> None:
    nb = kernel_nb(
        code("x = 1", count=1),
        code("def ratio(a, b):\n    return a / b", count=2),
        v4.new_markdown_cell("text"),
        code("y = 2\nratio(y, 0)\nprint('unreached')", stdout("1.0\n"), count=3),
        code("print('after')", stdout("after\n"), count=4),
    )
    report = run_notebook(nb, cwd=tmp_path, timeout=60, cell_timeout=30, path="fail.ipynb")
    assert report["path"] == "fail.ipynb"
    [finding] = report["findings"]
    assert finding["check"] == "run-error" and finding["severity"] == "error"
    assert finding["cell"] == 3 and finding["line"] == 2
    assert finding["cell_id"] == nb["cells"][3]["id"]
    assert "ZeroDivisionError: division by zero" in finding["message"]
    assert finding["fix"] is None
    # described by the check registry like every finding; a run never gates a commit
    assert finding["family"] == "execution" and "commit_gate" not in finding
    run = report["run"]
    assert run["reproduced"] is False and run["cells_run"] == 3 and run["total"] == 4
    assert run["changed"] == []  # the failing cell is not compared, later cells never ran
    assert report["score"] == 50


def test_hidden_state_fails_the_run(tmp_path: Path) -> None:
    # Saved after running the second cell first, then the first: works only out of order.
    nb = kernel_nb(
        code("print(total)", stdout("42\n"), count=2),
        code("total = 41 + 1", count=1),
    )
    report = run_notebook(nb, cwd=tmp_path, timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert finding["check"] == "run-error" and finding["cell"] == 0 and finding["line"] == 1
    assert "NameError" in finding["message"]
    assert "Hidden state" in finding["hint"] and "cell 2" in finding["hint"]
    assert report["run"]["reproduced"] is False


def test_a_cell_asking_for_input_says_so(tmp_path: Path) -> None:
    """input() cannot be answered in a clean run: the finding names the cause, not "reproduce it"."""
    nb = kernel_nb(code("x = 1", count=1), code("name = input('Your name? ')\nprint(name)", count=2))
    report = run_notebook(nb, cwd=tmp_path, timeout=60, cell_timeout=30)
    [finding] = report["findings"]
    assert finding["check"] == "run-error" and finding["cell"] == 1 and finding["line"] == 1
    assert finding["message"].startswith("Asks for input (input(), getpass.getpass())")
    assert "StdinNotImplementedError" in finding["message"]
    assert "environment variable" in finding["hint"] and "reproduce" not in finding["hint"]


def test_volatile_output_is_normalised_but_unseeded_randomness_is_flagged(tmp_path: Path) -> None:
    nb = kernel_nb(
        code("import datetime, time, random", count=1),
        code("print(datetime.datetime.now())", stdout("2020-01-01 00:00:00.000001\n"), count=2),
        code("object()", result("<object at 0x7f0000000000>"), count=3),
        code(
            "t = time.perf_counter()\nprint(f'took {time.perf_counter() - t:.3f} s')",
            stdout("took 9.000 s\n"),
        ),
        code("random.random()", result("0.5"), count=5),
        code("random.seed(0)\nround(random.random(), 6)", result("0.844422"), count=6),
    )
    report = run_notebook(nb, cwd=tmp_path, timeout=60, cell_timeout=30)
    assert report["run"]["changed"] == [4]
    [finding] = report["findings"]
    assert finding["check"] == "output-changed" and finding["severity"] == "warning" and finding["cell"] == 4
    assert finding["family"] == "execution"
    assert "-0.5" in finding["message"] and "\n+0." in finding["message"]
    assert report["run"]["reproduced"] is False and report["score"] == 90


def test_run_checks_are_registered_but_never_run_by_the_checks_engine() -> None:
    from jupyter_prod_ext.checks.registry import CHECKS, RUN_CHECKS, commit_gate, spec_of
    from jupyter_prod_ext.execution.runner import CHECKS_RUN

    assert CHECKS_RUN == ["run-error", "run-timeout", "output-changed"]
    for check_id in CHECKS_RUN:
        spec = spec_of(check_id)
        assert spec is not None and spec.producer == "run" and spec.family == "execution"
        assert check_id not in CHECKS and commit_gate(check_id, spec.severity) is None
    assert {s.severity for s in RUN_CHECKS.values()} == {"error", "warning"}


def test_the_worker_starts_through_the_one_process_helper(tmp_path: Path) -> None:
    """procs.start_process: a session of its own (group-killable), a one-line error when it cannot start."""
    import subprocess as sp

    from jupyter_prod_ext.procs import kill_group_id, start_process

    with pytest.raises(ToolError, match="was not found; install it or fix PATH"):
        start_process([str(tmp_path / "missing")], cwd=tmp_path, env=None, stdin=None, stdout=None, stderr=None)
    proc = start_process(["sleep", "30"], cwd=tmp_path, env=None, stdin=sp.DEVNULL, stdout=sp.DEVNULL, stderr=None)
    assert os.getpgid(proc.pid) == proc.pid  # leads its own group
    kill_group_id(proc.pid)
    assert proc.wait(timeout=10) == -9


def test_infinite_loop_times_out_and_leaves_no_process(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    nb = kernel_nb(
        code(
            "import subprocess\n"
            f"child = subprocess.Popen(['sleep', '600'])\nopen({str(pidfile)!r}, 'w').write(str(child.pid))"
        ),
        code("while True:\n    pass", stdout("never\n")),
        code("print('after')", stdout("after\n")),
    )
    seen = Recorder()
    report = run_notebook(nb, cwd=tmp_path, timeout=60, cell_timeout=2, on_progress=seen)
    [finding] = report["findings"]
    assert finding["check"] == "run-timeout" and finding["cell"] == 1
    assert finding["family"] == "execution"
    assert "per-cell timeout of 2 s" in finding["message"]
    assert report["run"]["cells_run"] == 1 and report["run"]["state"] == "done"
    worker, kernel = seen.pid("worker_pid"), seen.pid("kernel_pid")
    assert worker and kernel
    assert wait_gone(lambda: exists(worker) or exists(kernel))
    # the kernel's own children die with its process group
    child = int(pidfile.read_text())
    assert wait_gone(lambda: running(child))


def test_overall_timeout_kills_worker_and_kernel(tmp_path: Path) -> None:
    nb = kernel_nb(code("x = 1"), code("while True:\n    pass"))
    seen = Recorder()
    started = time.monotonic()
    report = run_notebook(nb, cwd=tmp_path, timeout=8, cell_timeout=60, on_progress=seen)
    assert time.monotonic() - started < 8 + 6  # the timeout plus the stop grace
    [finding] = report["findings"]
    assert finding["check"] == "run-timeout" and "overall timeout of 8 s" in finding["message"]
    # the cell that was running (on a very loaded machine the kernel may still be starting)
    last_running = [e["cell"] for e in seen.events if e["state"] == "running"][-1]
    assert finding["cell"] == last_running
    # (the kernel's cleanup is asserted by the cancel tests, which wait for it to run cell 1)
    worker, kernel = seen.pid("worker_pid"), seen.pid("kernel_pid")
    assert worker
    assert wait_gone(lambda: exists(worker) or exists(kernel))


def test_cancel_event_stops_the_run(tmp_path: Path) -> None:
    nb = kernel_nb(code("x = 1"), code("while True:\n    pass"))
    cancel = threading.Event()
    seen = Recorder()

    def on_progress(p: RunProgress) -> None:
        seen(p)
        if p["cell"] == 1:
            cancel.set()

    report = run_notebook(
        nb, cwd=tmp_path, timeout=60, cell_timeout=60, on_progress=on_progress, cancel_event=cancel
    )
    assert report["run"]["state"] == "cancelled" and report["run"]["reproduced"] is False
    assert report["findings"] == [] and report["score"] == 0
    worker, kernel = seen.pid("worker_pid"), seen.pid("kernel_pid")
    assert worker and kernel
    assert wait_gone(lambda: exists(worker) or exists(kernel))
    # the stopped kernel's connection file (it holds the kernel's key) went with the run's folder
    assert seen.connection_file is not None and not seen.connection_file.exists()


def connection_file(kernel_pid: int) -> Path | None:
    """The connection file a running kernel was started with (its ``-f`` argument)."""
    try:
        argv = Path(f"/proc/{kernel_pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    return Path(argv[argv.index(b"-f") + 1].decode()) if b"-f" in argv else None


def test_a_worker_whose_parent_dies_leaves_no_file(tmp_path: Path) -> None:
    """The server killed (kill -9) mid-run: the worker sees its stdin close, stops the kernel and removes
    the run's private folder, connection file included, which the dead server cannot."""
    from jupyter_prod_ext.execution.runner import _BOOT, _package_root

    private = tmp_path / "jupyter-prod-run-x"
    private.mkdir()
    (private / "notebook.ipynb").write_text(json.dumps(kernel_nb(code("import time\ntime.sleep(120)"))))
    worker = subprocess.Popen(
        [sys.executable, "-c", _BOOT, _package_root(), "--input", str(private / "notebook.ipynb"),
         "--cwd", str(tmp_path), "--kernel", "python3", "--cell-timeout", "120"],
        cwd=private, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env(), start_new_session=True,
    )  # fmt: skip
    assert worker.stdin is not None and worker.stdout is not None
    kernel, running_cell = None, False
    for line in worker.stdout:
        event = json.loads(line)
        kernel = event["pid"] if event["event"] == "kernel" else kernel
        running_cell = running_cell or event["event"] == "cell"
        if kernel is not None and running_cell:
            break
    assert kernel is not None
    started_with = connection_file(kernel)
    assert started_with is not None and started_with.parent == private and started_with.exists()
    worker.stdin.close()  # what the parent's death does
    assert worker.wait(timeout=30) == 3
    assert wait_gone(lambda: exists(kernel))
    assert not private.exists()


def test_missing_kernelspec_is_one_clear_line(tmp_path: Path) -> None:
    nb = kernel_nb(code("1 + 1"), kernel="ir")
    with pytest.raises(ToolError) as err:
        run_notebook(nb, cwd=tmp_path, timeout=10, cell_timeout=10)
    # names the kernels the user can switch to
    assert err.value.message.startswith(
        "kernel 'ir' is not installed: install it or change the notebook's kernel (installed: "
    )
    assert "python3" in err.value.message


def test_registry_refuses_a_second_run_and_cancels_queued_ones(tmp_path: Path) -> None:
    registry = RunRegistry(max_concurrent=1)
    first = registry.claim("/nb/a.ipynb")
    with pytest.raises(ConflictError) as err:
        registry.claim("/nb/a.ipynb")
    assert err.value.status == 409 and "already in progress" in err.value.message
    assert registry._acquire_slot(first)  # the only slot is taken
    queued = registry.claim("/nb/b.ipynb")
    answer: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: answer.update(registry.run(queued, kernel_nb(code("1")), cwd=tmp_path, path="b.ipynb"))
    )
    thread.start()
    time.sleep(0.3)
    assert registry.progress("/nb/b.ipynb")["state"] == "queued"
    assert registry.cancel("/nb/b.ipynb") is True
    thread.join(5)
    assert answer["run"]["state"] == "cancelled" and answer["run"]["cells_run"] == 0
    assert registry.progress("/nb/b.ipynb")["state"] == "cancelled"
    assert registry.cancel("/nb/b.ipynb") is False
    registry._release_slot()
    registry.release(first)
    assert registry.progress("/nb/a.ipynb")["state"] == "done"
    assert registry.progress("/nb/never.ipynb") == {"state": "idle", "cell": None, "total": 0, "cells_run": 0}


# --- the CLI ---------------------------------------------------------------------


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyter_prod_ext", "run", *args],
        cwd=cwd,
        env=child_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_json_and_exit_codes(tmp_path: Path) -> None:
    write_nb(tmp_path / "ok.ipynb", kernel_nb(code("print(6 * 7)", stdout("42\n"))))
    write_nb(tmp_path / "rand.ipynb", kernel_nb(code("import random\nrandom.random()", result("0.5"))))
    write_nb(tmp_path / "r.ipynb", kernel_nb(code("1 + 1"), kernel="ir"))
    done = cli(
        "ok.ipynb", "rand.ipynb", "--timeout", "60", "--cell-timeout", "30", "--format", "json", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["version"] == 1 and out["errors"] == []
    ok, rand = out["notebooks"]
    assert ok["path"] == "ok.ipynb" and ok["run"]["reproduced"] is True and ok["score"] == 100
    assert rand["run"]["changed"] == [0] and rand["findings"][0]["check"] == "output-changed"
    assert "NOT reproduced" in _render(rand) and "output-changed" in _render(rand)

    missing = cli("r.ipynb", "--format", "json", cwd=tmp_path)
    assert missing.returncode == 2
    [error] = json.loads(missing.stdout)["errors"]
    assert error["path"] == "r.ipynb"
    assert error["message"].startswith("kernel 'ir' is not installed: install it or change the notebook's kernel")
    # the error line names the notebook: several may be run at once
    assert missing.stderr.startswith("jupyter-prod: r.ipynb: kernel 'ir' is not installed"), missing.stderr
    usage = cli("ok.ipynb", "--timeout", "-3", cwd=tmp_path)
    assert usage.returncode == 2 and "--timeout" in usage.stderr
