#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/, bodies in juno-fuzz/src/lib.rs) under
# libFuzzer for SECONDS each (default 60), from the committed seeds and regressions, and
# prints each target's executions, corpus and findings. A finding (a crashing input) is
# copied to fuzz/regressions/TARGET/, where CI's short pass (juno-fuzz/tests/short_pass.rs)
# replays it from then on: commit it with the fix.
#
#   bash tests/fuzz.sh [SECONDS] [TARGET ...]
#
# Needs nightly Rust and cargo-fuzz (`cargo +nightly install cargo-fuzz`); CI runs only the
# stable short pass. Work files go to target/fuzz-work (FUZZ_WORK).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
shift || true
work=${FUZZ_WORK:-$root/target/fuzz-work}
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs nightly Rust and cargo-fuzz: cargo +nightly install cargo-fuzz" >&2
    exit 1
fi
cd "$root/fuzz"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
findings=0
for t in "${targets[@]}"; do
    corpus="$work/corpus/$t"
    artifacts="$work/artifacts/$t"
    rm -rf "$artifacts"
    mkdir -p "$corpus" "$artifacts" "$root/fuzz/regressions/$t"
    cp "$root/fuzz/seeds/$t/"* "$corpus/" 2>/dev/null || true
    cp "$root/fuzz/regressions/$t/"* "$corpus/" 2>/dev/null || true
    log="$work/$t.log"
    status=0
    started=$SECONDS
    cargo +nightly fuzz run "$t" "$corpus" -- \
        -max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    runs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
    if [ "$runs" -eq 0 ]; then
        # A crash ends the run before the final stats: take the last progress line's count.
        runs=$(grep -ao '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    fi
    found=0
    for f in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        [ -e "$f" ] || continue
        cp "$f" "$root/fuzz/regressions/$t/"
        found=$((found + 1))
    done
    findings=$((findings + found))
    printf '%-18s %10s executions in %ss (build included), corpus %4s inputs, %s findings%s\n' \
        "$t" "${runs:-0}" "$((SECONDS - started))" "$(ls "$corpus" | wc -l)" "$found" \
        "$([ "$status" -ne 0 ] && echo " (exit $status; see $log)")"
done
echo "fuzz.sh: $findings findings in total"
[ "$findings" -eq 0 ]
