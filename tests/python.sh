#!/usr/bin/env bash
# Builds the Python package (debug profile, shared target dir) into .venv and runs its
# checks: pytest, stubtest on the hand-written stub, mypy --strict on the package and tests.
#
# Needs only python3.11+, a Rust toolchain and a C compiler; everything else comes from
# PyPI (maturin from pyproject's [build-system], pytest and mypy from its `test` extra).
#   bash tests/python.sh            # from anywhere
#   PYTHON=python3.12 bash tests/python.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then
            PYTHON="$candidate"
            break
        fi
    done
fi
if [[ -z "$PYTHON" ]]; then
    echo "tests/python.sh: no python3 found" >&2
    exit 1
fi
"$PYTHON" - <<'EOF'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"tests/python.sh: Python 3.11+ is needed, found {sys.version.split()[0]}")
EOF

VENV="$ROOT/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "==> creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"

# One source of versions: pyproject.toml.
MATURIN_REQ="$(python - <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    requires = tomllib.load(f)["build-system"]["requires"]
print(next(r for r in requires if r.startswith("maturin")))
EOF
)"
echo "==> installing $MATURIN_REQ"
python -m pip install --quiet --disable-pip-version-check "$MATURIN_REQ"

# The dashboard's browser test drives Debian's Chromium through chromium-driver.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "==> installing chromium and chromium-driver (apt-get)"
    SUDO=""
    if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
        chromium chromium-driver >/dev/null
fi

# Two cores are shared with other builds: keep cargo to two jobs.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
echo "==> maturin develop (debug profile, extras: test, web)"
maturin develop --locked --jobs "$CARGO_BUILD_JOBS" --extras test,web

echo "==> pytest"
python -m pytest

echo "==> stubtest juno._juno"
python -m mypy.stubtest juno._juno

echo "==> mypy --strict python/juno python/tests"
python -m mypy

echo "==> benches/python_overhead.py (smoke run; figures from a debug build mean little)"
python benches/python_overhead.py --repeat 3 --number 200

echo "==> benches/python/run.py --quick (smoke run of issue #15's suite: every workload runs)"
python benches/python/run.py --quick --repeat 1

echo "==> python checks passed"
