#!/usr/bin/env bash
# Builds juno-ffi and runs the C tests (test_juno.c, test_governance.c, test_engines.c,
# test_forecast.c, test_cycle.c, test_batch.c, test_audit.c), the example (example.c) and
# null_params.c, generated from include/juno.h by null_params.py (NULL for every pointer):
#   (a) under AddressSanitizer + UndefinedBehaviorSanitizer, linked against the static
#       library target/debug/libjuno.a;
#   (b) a plain build under valgrind (errors and definite leaks fail the run).
# Works from any directory. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

locked=()
if [[ -f Cargo.lock ]]; then locked=(--locked); fi
cargo build -j2 -p juno-ffi "${locked[@]}"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
lib="$target_dir/debug/libjuno.a"
[[ -f "$lib" ]] || { echo "run.sh: $lib not found" >&2; exit 1; }

out="$(mktemp -d "${TMPDIR:-/tmp}/juno-c-tests.XXXXXX")"
trap 'rm -rf "$out"' EXIT

cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -g -I"$root/include" -I"$here")
libs=("$lib" -lpthread -ldl -lm)
san=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
fixture="$root/tests/fixtures/memory_fixture.json"
gov_fixture="$root/tests/fixtures/governance_fixture.json"
engines_fixture="$root/tests/fixtures/engines_fixture.json"
forecast_fixture="$root/tests/fixtures/forecast_fixture.json"
cycle_fixture="$root/tests/fixtures/cycle_fixture.json"

# Every pointer parameter of every function, NULL in turn (generated from the header).
mkdir -p "$out/np"
python3 "$here/null_params.py" "$root/include/juno.h" "$out/null_params.c" "$out/np"
gcc "${cflags[@]}" "${san[@]}" -o "$out/null_params-asan" "$out/null_params.c" "${libs[@]}"
gcc "${cflags[@]}" -O1 -o "$out/null_params" "$out/null_params.c" "${libs[@]}"

for prog in test_juno test_governance test_engines test_forecast test_cycle test_batch test_audit test_log test_eval example; do
  gcc "${cflags[@]}" "${san[@]}" -o "$out/$prog-asan" "$here/$prog.c" "$here/mini_json.c" "${libs[@]}"
  gcc "${cflags[@]}" -O1 -o "$out/$prog" "$here/$prog.c" "$here/mini_json.c" "${libs[@]}"
done

# LeakSanitizer stays on: it is how a leaked juno, juno_buf or juno_error is found.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
run() {
  local label="$1"; shift
  echo "== $label"
  if ! "$@"; then
    echo "run.sh: FAILED: $label" >&2
    status=1
  fi
}

mkdir -p "$out/asan" "$out/valgrind"
run "test_juno (ASan+UBSan)" "$out/test_juno-asan" "$fixture" "$out/asan"
run "test_governance (ASan+UBSan)" "$out/test_governance-asan" "$gov_fixture" "$out/asan"
run "test_engines (ASan+UBSan)" "$out/test_engines-asan" "$engines_fixture"
run "test_forecast (ASan+UBSan)" "$out/test_forecast-asan" "$forecast_fixture"
run "test_cycle (ASan+UBSan)" "$out/test_cycle-asan" "$cycle_fixture"
run "test_batch (ASan+UBSan)" "$out/test_batch-asan"
run "test_audit (ASan+UBSan)" "$out/test_audit-asan" "$out/asan"
run "test_log (ASan+UBSan)" "$out/test_log-asan"
# The real-data check (forward protocol) runs under ASan only: under valgrind it would
# take many minutes; the small files exercise the same code there.
shared_data="${JUNO_SHARED_DATA:-$root/../shared/data}"
run "test_eval (ASan+UBSan)" "$out/test_eval-asan" "$out/asan" "$shared_data"
run "example (ASan+UBSan)" "$out/example-asan" "$out/asan/example.db"
run "null_params (ASan+UBSan)" "$out/null_params-asan"

valgrind=(valgrind --quiet --error-exitcode=1 --leak-check=full
  --errors-for-leak-kinds=definite --show-leak-kinds=definite)
run "test_juno (valgrind)" "${valgrind[@]}" "$out/test_juno" "$fixture" "$out/valgrind"
run "test_governance (valgrind)" "${valgrind[@]}" "$out/test_governance" "$gov_fixture" "$out/valgrind"
run "test_engines (valgrind)" "${valgrind[@]}" "$out/test_engines" "$engines_fixture"
run "test_forecast (valgrind)" "${valgrind[@]}" "$out/test_forecast" "$forecast_fixture"
run "test_cycle (valgrind)" "${valgrind[@]}" "$out/test_cycle" "$cycle_fixture"
run "test_batch (valgrind)" "${valgrind[@]}" "$out/test_batch"
run "test_audit (valgrind)" "${valgrind[@]}" "$out/test_audit" "$out/valgrind"
run "test_log (valgrind)" "${valgrind[@]}" "$out/test_log"
run "test_eval (valgrind)" "${valgrind[@]}" "$out/test_eval" "$out/valgrind"
run "example (valgrind)" "${valgrind[@]}" "$out/example" "$out/valgrind/example.db"
run "null_params (valgrind)" "${valgrind[@]}" "$out/null_params"

if [[ $status -eq 0 ]]; then
  echo "run.sh: all C tests passed"
fi
exit $status
