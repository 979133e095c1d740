"""What scripts/setup.sh decides before it installs anything, on machines unlike the developer's.

A new user's `python3` may be too old or too new while a supported CPython sits beside it, and
their npm may reach the registry only through a private CA or a proxy that yarn (jlpm) does not
read from npm's configuration. Both used to fail late and obscurely (pip's "requires a different
Python" after minutes of installs; thousands of yarn "self-signed certificate" traces).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIND_PYTHON = REPO / "scripts" / "find-python.sh"


def executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def find_python(path: str, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), **(extra or {})}
    return subprocess.run(["/bin/bash", str(FIND_PYTHON), *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def tools(tmp_path: Path) -> Path:
    """A PATH folder whose python3 does not run (as one too old to parse our probe would not)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    executable(folder / "python3", "#!/bin/sh\nexit 1\n")
    return folder


def test_a_bad_python3_is_passed_over_for_a_supported_python3_x(tmp_path: Path) -> None:
    folder = tools(tmp_path)
    good = folder / f"python3.{sys.version_info[1]}"
    good.symlink_to(sys.executable)
    found = find_python(str(folder))
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(good)


def test_without_a_supported_python_setup_says_what_is_needed_in_one_line(tmp_path: Path) -> None:
    found = find_python(str(tools(tmp_path)))
    assert found.returncode == 2 and found.stdout == ""
    lines = found.stderr.splitlines()
    assert len(lines) == 1, found.stderr
    assert "needs CPython 3.10 to 3.13" in lines[0] and "JUPYTER_PROD_PYTHON" in lines[0]


def test_jupyter_prod_python_is_the_only_candidate_when_set(tmp_path: Path) -> None:
    folder = tools(tmp_path)
    (folder / f"python3.{sys.version_info[1]}").symlink_to(sys.executable)
    chosen = find_python(str(folder), extra={"JUPYTER_PROD_PYTHON": sys.executable})
    assert chosen.returncode == 0 and chosen.stdout.strip() == sys.executable
    refused = find_python(str(folder), extra={"JUPYTER_PROD_PYTHON": str(folder / "python3")})
    assert refused.returncode == 2 and "python3 does not run" in refused.stderr


def yarn_env(tmp_path: Path, npm_config: str, **env: str) -> dict[str, str]:
    """The YARN_* variables scripts/yarn-env.sh exports, given what `npm config get` prints."""
    folder = tmp_path / "npmbin"
    folder.mkdir()
    executable(folder / "npm", "#!/bin/sh\ncat <<'END'\n" + npm_config + "END\n")
    script = f"source {REPO / 'scripts' / 'yarn-env.sh'} && env"
    out = subprocess.run(["/bin/bash", "-c", script], env={"PATH": f"{folder}:/usr/bin:/bin", **env},
                         capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    return dict(line.split("=", 1) for line in out.splitlines() if line.startswith("YARN_"))


def test_jlpm_gets_npms_registry_ca_file_and_proxies(tmp_path: Path) -> None:
    cafile = tmp_path / "corp-ca.pem"
    cafile.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    got = yarn_env(tmp_path, f"registry=https://npm.example.test/\ncafile={cafile}\n"
                   "https-proxy=http://proxy.test:3128\nproxy=null\n")  # fmt: skip
    assert got["YARN_NPM_REGISTRY_SERVER"] == "https://npm.example.test"
    assert got["YARN_CA_FILE_PATH"] == str(cafile)
    assert got["YARN_HTTPS_PROXY"] == "http://proxy.test:3128"
    assert "YARN_HTTP_PROXY" not in got


def test_the_users_own_yarn_settings_win(tmp_path: Path) -> None:
    got = yarn_env(tmp_path, "registry=https://npm.example.test/\ncafile=/nonexistent.pem\n",
                   YARN_NPM_REGISTRY_SERVER="https://mine.test")  # fmt: skip
    assert got["YARN_NPM_REGISTRY_SERVER"] == "https://mine.test"
    assert "YARN_CA_FILE_PATH" not in got  # an unreadable CA file would break every fetch


def demo_copy(folder: Path, *python: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(REPO / "scripts" / "demo-copy.sh"), str(folder), *python],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


def git_out(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30,
                          check=True).stdout  # fmt: skip


def test_a_second_demo_run_reopens_the_users_copy_with_their_changes(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    first = demo_copy(work)
    assert first.returncode == 0, first.stderr
    assert git_out(work, "log", "--format=%s").splitlines() == ["Demo project: exploration notebook"]
    assert git_out(work, "status", "--porcelain") == ""
    notebook = work / "churn_analysis.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("churn", "CHURN", 1), encoding="utf-8")
    (work / "mine.py").write_text("x = 1\n", encoding="utf-8")
    # what JupyterLab and Python write beside the files is ignored (demo/.gitignore), not "untracked"
    for scratch in (".ipynb_checkpoints/churn_analysis-checkpoint.ipynb", "churn/__pycache__/features.pyc"):
        (work / scratch).parent.mkdir(parents=True, exist_ok=True)
        (work / scratch).write_text("{}", encoding="utf-8")
    again = demo_copy(work)
    assert again.returncode == 0 and "reopening your copy" in again.stdout, again.stderr
    assert git_out(work, "status", "--porcelain").splitlines() == [" M churn_analysis.ipynb", "?? mine.py"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".demo-draft")]


def test_the_demo_carries_the_metadata_its_kernel_writes_so_it_opens_unchanged(tmp_path: Path) -> None:
    """JupyterLab writes the kernel's kernelspec and language_info when it starts: other values made the
    demo notebook show as changed at once (galata demo.spec opens it)."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    kernelspec = {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
    language_info = dict(IPythonKernel.language_info)
    shipped = json.loads((REPO / "demo" / "churn_analysis.ipynb").read_text(encoding="utf-8"))["metadata"]
    # shipped: all of it but the Python version, which is the user's
    assert shipped["kernelspec"] == kernelspec
    assert {**shipped["language_info"], "version": None} == {**language_info, "version": None}
    # demo.sh's copy, made with the demo's Python: that Python's version too, committed as it is
    work = tmp_path / "demo"
    made = demo_copy(work, sys.executable)
    assert made.returncode == 0, made.stderr
    copied = json.loads((work / "churn_analysis.ipynb").read_text(encoding="utf-8"))["metadata"]
    assert copied == {"kernelspec": kernelspec, "language_info": language_info}
    assert git_out(work, "status", "--porcelain") == ""


def test_the_demo_never_copies_over_a_folder_that_is_not_its_copy(tmp_path: Path) -> None:
    work = tmp_path / "notes"
    work.mkdir()
    (work / "notes.txt").write_text("mine\n", encoding="utf-8")
    refused = demo_copy(work)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
    assert "not empty and not a demo copy" in refused.stderr
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert demo_copy(empty).returncode == 0 and (empty / "churn_analysis.ipynb").is_file()


def test_setup_refuses_a_nodejs_older_than_18_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    executable(folder / "node", "#!/bin/sh\necho v16.20.2\n")
    setup = subprocess.run(["/bin/bash", str(REPO / "scripts" / "setup.sh")], capture_output=True, text=True,
                           env={"PATH": f"{folder}:/usr/bin:/bin", "HOME": str(tmp_path),
                                "JUPYTER_PROD_VENV": str(tmp_path / "venv")}, timeout=60, check=False)  # fmt: skip
    assert setup.returncode == 2 and setup.stdout == "", setup.stdout
    assert setup.stderr.splitlines() == [
        "setup: Node.js 18+ is needed to build the JupyterLab extension (found v16.20.2); "
        "install it (e.g. 'apt-get install nodejs npm')."
    ]
    assert not (tmp_path / "venv").exists()


def make_venv(venv: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/bash", str(REPO / "scripts" / "make-venv.sh"), str(venv)], capture_output=True,
                          text=True, env={"PATH": os.environ["PATH"], "HOME": str(venv.parent)}, timeout=300,
                          check=False)  # fmt: skip


def test_a_venv_an_interrupted_setup_left_without_pip_gets_its_pip(tmp_path: Path) -> None:
    """Ctrl-C while `python -m venv` runs ensurepip leaves a python and no pip; setup used to fail on
    "No module named pip" on every later run, until the user found and removed the venv."""
    venv = tmp_path / "a venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    repaired = make_venv(venv)
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stdout.splitlines() == [f"setup: {venv} has no pip (an interrupted setup); installing it"]
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert pip.returncode == 0 and str(venv) in pip.stdout, pip.stderr
    again = make_venv(venv)
    assert again.returncode == 0 and again.stdout == "", again.stdout + again.stderr


def test_pythons_are_found_through_pyenvs_shims_alone(tmp_path: Path) -> None:
    """A PATH with pyenv's shims and not pyenv (a Dockerfile's ENV PATH, `pyenv init --path`), or a HOME
    that is not pyenv's: the python3.1X shims answer only for the selected version, and the suite
    found one CPython of four (CI then fails: it promises all four)."""
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    root = tmp_path / "a pyenv"
    (root / "shims").mkdir(parents=True)
    executable(root / "shims" / "python3", "#!/bin/sh\necho 'pyenv: no version selected' >&2\nexit 127\n")
    interpreter = root / "versions" / f"{here}.99" / "bin" / "python3"
    interpreter.parent.mkdir(parents=True)
    interpreter.symlink_to(os.path.realpath(sys.executable))
    venv_bin = tmp_path / "venv" / "bin"  # test.sh puts the setup's .venv/bin first
    venv_bin.mkdir(parents=True)
    executable(venv_bin / "python3", "#!/bin/sh\nexit 1\n")
    which = subprocess.run(["/bin/bash", str(REPO / "scripts" / "test-pythons.sh"), "--which"], capture_output=True,
                           text=True, env={"PATH": f"{venv_bin}:{root / 'shims'}:/usr/bin:/bin", "HOME": str(tmp_path),
                                           "JUPYTER_PROD_PYTHONS": here}, timeout=60, check=False)  # fmt: skip
    assert which.returncode == 0, which.stderr
    assert which.stdout.splitlines() == [f"{here}: {interpreter}"]
