#!/usr/bin/env bash
# Run the Python suite against the built wheel on every CPython from 3.10 to 3.13 this machine has.
#
#   bash scripts/test-pythons.sh [WHEEL] [pytest args...]
#   bash scripts/test-pythons.sh --which     # only print the interpreter each version would use
#
# WHEEL defaults to a fresh build (scripts/build-wheel.sh; the frontend must be built: setup.sh does it).
# For each version: a virtual environment of its own with the wheel installed as users get it (not
# editable) plus the test extras, and pytest run from a copy of the repository WITHOUT the package, so
# only the installed wheel can be imported (tests/conftest.py refuses to run otherwise and prints the
# package's path in the header). Interpreters come from pyenv ($(pyenv root)/versions/3.1x.y) or PATH
# (python3.1x, python3). JUPYTER_PROD_PYTHONS="3.10 3.12" narrows the list. A version not found is
# reported and skipped, except under CI (CI=true, as .ci/run sets), where it fails the run.
#
# Every version runs the whole suite, one version after another, each with one pytest process: the
# suite has timing-sensitive tests (timeouts, SIGKILL mid-write, concurrent requests, kernels) that
# are honest only on an unloaded machine, and CI has 2 cores, so running versions or xdist workers
# side by side would trade flakiness for minutes. Nothing is version-independent enough to skip: the
# engine parses code with `ast` and `tokenize`, whose output differs between versions.
#
# The venvs are kept in .venvs/py3.X between runs, keyed by the interpreter's version and a hash of
# pyproject.toml: a second run only reinstalls the wheel (--no-deps). A fresh clone builds them from
# nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WANTED=${JUPYTER_PROD_PYTHONS:-"3.10 3.11 3.12 3.13"}
VENVS=$ROOT/.venvs

# pyenv_root: where pyenv keeps its versions: `pyenv root`, else $PYENV_ROOT or ~/.pyenv, else the
# folder above a shims folder on PATH (a PATH with pyenv's shims and not pyenv, as a Dockerfile or
# `pyenv init --path` sets, or a HOME that is not pyenv's: the python3.1X shims answer only for the
# selected version, so 3 of the 4 versions went unfound; test.sh puts .venv/bin before them)
pyenv_root() {
  local root dir dirs
  root=$( (command -v pyenv >/dev/null && pyenv root) 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  if [ ! -d "$root/versions" ]; then
    IFS=: read -ra dirs <<< "$PATH"
    for dir in "${dirs[@]}"; do
      case $dir in */shims) [ ! -d "${dir%/shims}/versions" ] || { root=${dir%/shims}; break; } ;; esac
    done
  fi
  echo "$root"
}
PYENV_VERSIONS_ROOT=$(pyenv_root)

# find_python 3.X: the newest CPython 3.X (pyenv first, then PATH) that can make a venv, or nothing
find_python() {
  local want=$1 pyenv_root=$PYENV_VERSIONS_ROOT candidates=() py
  if [ -d "$pyenv_root/versions" ]; then
    while IFS= read -r dir; do candidates+=("$dir/bin/python3"); done \
      < <(find "$pyenv_root/versions" -maxdepth 1 -name "$want.*" | sort -V -r)
  fi
  for name in "python$want" python3; do
    py=$(command -v "$name" 2>/dev/null) && candidates+=("$py")
  done
  for py in "${candidates[@]}"; do
    [ -x "$py" ] || continue
    if "$py" -c "import sys, ensurepip, venv; sys.exit(sys.implementation.name != 'cpython' or '%d.%d' % sys.version_info[:2] != '$want')" \
      >/dev/null 2>&1; then
      echo "$py"
      return
    fi
  done
}

if [ "${1:-}" = --which ]; then
  for version in $WANTED; do echo "$version: $(find_python "$version" || true)"; done
  exit 0
fi

WHEEL=""
if [ $# -gt 0 ]; then WHEEL=$1; shift; fi
[ -n "$WHEEL" ] || WHEEL=$(bash scripts/build-wheel.sh)
WHEEL=$(cd "$(dirname "$WHEEL")" && pwd)/$(basename "$WHEEL")

# ensure_venv PY DIR: DIR holds a venv of PY with the wheel and the test extras (each step checked:
# the function runs inside an `if`, where set -e does not apply)
ensure_venv() {
  local py=$1 dir=$2 key wheel_sum
  key=$({ "$py" -c 'import sys; print(sys.version)'; cat pyproject.toml; } | sha256sum | cut -c1-16)
  wheel_sum=$(sha256sum "$WHEEL" | cut -c1-16)
  if [ "$(cat "$dir/.key" 2>/dev/null)" != "$key" ]; then
    rm -rf "$dir"
    "$py" -m venv "$dir" || return 1
    "$dir/bin/python" -m pip install -q --upgrade pip || return 1
    "$dir/bin/python" -m pip install -q "$WHEEL[test]" || return 1
    echo "$key" > "$dir/.key"
  elif [ "$(cat "$dir/.wheel" 2>/dev/null)" != "$wheel_sum" ]; then
    "$dir/bin/python" -m pip install -q --no-deps --force-reinstall "$WHEEL" || return 1
  fi
  echo "$wheel_sum" > "$dir/.wheel"
}

# the repository as the working tree has it, minus the package: tests, their data, pyproject's pytest settings
SUITE=$(mktemp -d "${TMPDIR:-/tmp}/jupyter-prod-suite.XXXXXX")
trap 'rm -rf "$SUITE"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z -co --exclude-standard -- . ':(exclude)jupyter_prod_ext' \
    | tar --null --no-recursion --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$SUITE"
else  # an unpacked source archive: everything but the package and what builds or runs it
  tar --exclude=./jupyter_prod_ext --exclude=./.venv --exclude=./.venvs --exclude=./.demo --exclude=./build \
    --exclude=node_modules -cf - . | tar -xf - -C "$SUITE"
fi

# run_suite VENV [pytest args]: pytest in the copy, with that venv first on PATH and no PYTHONPATH
run_suite() {
  local venv=$1
  shift
  (
    cd "$SUITE" || exit 1
    unset PYTHONPATH
    export PATH="$venv/bin:$PATH" JUPYTER_PROD_TEST_INSTALLED=1 JUPYTER_PROD_WHEEL="$WHEEL"
    python -c 'import jupyter_prod_ext as p; print("test-pythons: testing", p.__file__)' || exit 1
    pytest -q -p no:cacheprovider "$@"
  )
}

ran=() missing=() failed=()
for version in $WANTED; do
  py=$(find_python "$version")
  if [ -z "$py" ]; then
    missing+=("$version")
    continue
  fi
  full=$("$py" -c 'import platform; print(platform.python_version())')
  printf '\n---- pytest on CPython %s (%s), wheel %s ----\n' "$full" "$py" "$(basename "$WHEEL")"
  start=$(date +%s)
  if ensure_venv "$py" "$VENVS/py$version" && run_suite "$VENVS/py$version" "$@"; then
    ran+=("$full")
  else
    failed+=("$full")
  fi
  echo "test-pythons: CPython $full took $(( $(date +%s) - start )) s"
done

echo
echo "test-pythons: passed on CPython ${ran[*]:-(none)}"
[ ${#failed[@]} -eq 0 ] || echo "test-pythons: FAILED on CPython ${failed[*]}"
[ ${#missing[@]} -eq 0 ] || echo "test-pythons: not found on this machine: ${missing[*]} (pyenv install, or python3.X on PATH)"
if [ ${#failed[@]} -gt 0 ] || [ ${#ran[@]} -eq 0 ]; then exit 1; fi
# CI promises all four versions: a CI machine without one of them is a failure, not a quiet pass
if [ -n "${CI:-}" ] && [ "${CI:-}" != false ] && [ ${#missing[@]} -gt 0 ]; then exit 1; fi
