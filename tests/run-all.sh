#!/usr/bin/env bash
# Runs every JUNO test: Rust (core, C ABI, header drift), C (AddressSanitizer/UBSan and
# valgrind), Python (pytest and stubtest). Installs what the tests need into .venv.
# Needs only Rust, Python 3.11, gcc and valgrind. `.ci/run` calls exactly this script.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_TERM_COLOR=never
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

section() { printf '\n==== %s ====\n' "$*"; }

section "rust: format and lints"
cargo fmt --all -- --check
cargo clippy --locked -p juno-core -p juno-ffi -p juno-py --all-targets -- -D warnings

section "rust: juno-core and juno-ffi tests (unit, integration, doctests, header drift)"
cargo test --locked

section "c: tests/c under sanitizers and valgrind"
bash tests/c/run.sh

section "python: pytest and stubtest"
bash tests/python.sh

section "all suites passed"
