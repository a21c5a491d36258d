#!/usr/bin/env bash
# Runs every JUNO test: Rust (core, C ABI, header and ABI drift), C (AddressSanitizer/UBSan
# and valgrind), Python (pytest and stubtest), packaging (tests/packaging.sh). Installs
# what the tests need into .venv.
# Needs only Rust, Python 3.11, gcc and valgrind. `.ci/run` calls exactly this script.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_TERM_COLOR=never
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

# Run as root (as CI is), the storage-fault tests can mount the small file systems they
# fill and make read-only: there, being unable to is a failure, not a skip.
if [ "$(id -u)" = 0 ]; then
    export JUNO_REQUIRE_MOUNT=1
fi

# Each heading shows the seconds since the start, so a slow suite is easy to find.
section() { printf '\n==== %s (at %d s) ====\n' "$*" "$SECONDS"; }

# rust-toolchain.toml pins the compiler. Machines here have one stable toolchain and no
# route to static.rust-lang.org, so give rustup the pinned name for it when it is that
# version, instead of letting rustup try (and fail) to download it.
pinned=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
if command -v rustup >/dev/null && ! rustup toolchain list | grep -q "^$pinned"; then
    have=$(rustc +stable --version | awk '{print $2}')
    if [ "$have" != "$pinned" ]; then
        echo "rust-toolchain.toml pins Rust $pinned; this machine's stable is $have" >&2
        exit 1
    fi
    rustup toolchain link "$pinned" "$(rustc +stable --print sysroot)"
fi

section "rust: format and lints"
cargo fmt --all -- --check
# The whole workspace, benches included: a bench that no longer compiles fails here.
cargo clippy --locked --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p juno-core -p juno-eval -p juno-ffi

section "supply chain: cargo deny (licences, bans, sources)"
bash tests/supply-chain.sh

section "rust: juno-core, juno-eval and juno-ffi tests (unit, integration, layering, doctests, header drift)"
cargo test --locked

section "c: tests/c under sanitizers and valgrind"
bash tests/c/run.sh

section "python: pytest and stubtest"
bash tests/python.sh

section "packaging: the C library installed (pkg-config, CMake, C++), the wheel in a clean venv, the crate"
bash tests/packaging.sh

section "all suites passed"
