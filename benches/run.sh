#!/usr/bin/env bash
# The performance report in one command (issue #12): runs the criterion suites, the C and
# Python boundary benchmarks, the Python workloads of issue #15, `juno demo` and the HTTP
# load test, then writes BENCHMARKS.md with benches/report.py from what this run measured.
#
#   bash benches/run.sh [--quick] [--out DIR] [--skip-criterion] [--no-report]
#
#   --quick           Python workloads at reduced sizes, 5 s per HTTP route, criterion's
#                     --quick mode: checks the pipeline in minutes; the report then judges
#                     only the criterion targets.
#   --out DIR         where the raw results go (default target/bench-report); the ones the
#                     report reads are copied to benches/results/DATE/ (commit them with
#                     BENCHMARKS.md, so every figure can be traced to a file).
#   --skip-criterion  reuse DIR/criterion from an earlier run (the report says which run).
#   --no-report       measure only; write BENCHMARKS.md later with benches/report.py DIR.
#
# A full run took 21 minutes on 2 cores (2026-12-07), most of it the criterion suites
# and their million-row databases. Run it on a quiet machine: the load average before and after is
# recorded in the report. Needs what CI installs, plus `wrk` (Debian) for the HTTP figures;
# without wrk those rows say "not run".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
quick=0 skip_criterion=0 report=1
out="${CARGO_TARGET_DIR:-$root/target}/bench-report"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1 ;;
        --out) out="$2"; shift ;;
        --skip-criterion) skip_criterion=1 ;;
        --no-report) report=0 ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
step() { printf '\n==== %s (at %d s) ====\n' "$*" "$SECONDS"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(load1)
# What is built now is what is measured: record which commit, and whether exactly it.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=false
git diff --quiet HEAD -- 2>/dev/null || dirty=true
if [[ $skip_criterion == 0 ]]; then
    rm -rf "$out/criterion" "$out/percentiles"
fi
rm -f "$out"/{python,web,demo,overhead-python,overhead-c}.json

step "building: the benches, the release C library and a release wheel"
cargo bench --locked -p juno-benches --no-run
cargo build --locked --release -p juno-ffi
venv="$out/venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
maturin_req=$("$venv/bin/python" - <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print(next(r for r in tomllib.load(f)["build-system"]["requires"] if r.startswith("maturin")))
EOF
)
"$venv/bin/pip" install --quiet --disable-pip-version-check "$maturin_req"
rm -rf "$out/wheels"
"$venv/bin/maturin" build --release --locked --quiet --out "$out/wheels"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall \
    "$(ls "$out"/wheels/*.whl)[web]"

if [[ $skip_criterion == 0 ]]; then
    step "criterion suites (cargo bench -p juno-benches)"
    crit_args=(--noplot)
    [[ $quick == 1 ]] && crit_args+=(--quick)
    CRITERION_HOME="$out/criterion" JUNO_BENCH_OUT="$out" \
        cargo bench --locked -p juno-benches -- "${crit_args[@]}"
fi

step "boundary overhead: Rust, C, Python"
gcc -std=c11 -Wall -Wextra -Werror -O2 -I"$root/include" -o "$out/overhead-c" \
    benches/c/overhead.c "$target_dir/release/libjuno.a" -lpthread -ldl -lm
"$out/overhead-c" 15 2000 >"$out/overhead-c.json"
"$venv/bin/python" benches/python_overhead.py --json >"$out/overhead-python.json"
cat "$out/overhead-c.json" "$out/overhead-python.json"

step "Python workloads (benches/python/run.py)"
py_args=(--json "$out/python.json")
[[ $quick == 1 ]] && py_args+=(--quick)
"$venv/bin/python" benches/python/run.py "${py_args[@]}"

step "juno demo, end to end (5 runs)"
"$venv/bin/python" - "$venv/bin/juno" "$out/demo.json" <<'EOF'
import json, subprocess, sys, tempfile, time
juno, out = sys.argv[1], sys.argv[2]
runs = []
for _ in range(5):
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        subprocess.run([juno, "--db", f"{d}/demo.db", "demo"], check=True, stdout=subprocess.DEVNULL)
        runs.append(time.perf_counter() - t)
json.dump({"wall_s": runs}, open(out, "w"))
print("juno demo wall time (s):", " ".join(f"{r:.2f}" for r in runs))
EOF

step "HTTP API under load (benches/python/web_load.py)"
if command -v wrk >/dev/null; then
    web_args=(--json "$out/web.json")
    [[ $quick == 1 ]] && web_args+=(--seconds 5)
    "$venv/bin/python" benches/python/web_load.py "${web_args[@]}"
else
    echo "wrk not installed (apt-get install wrk): the HTTP rows will say 'not run'"
fi

finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_after=$(load1)
"$venv/bin/python" - "$out/machine.json" <<EOF
import json, platform, re, subprocess, sys
cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
mem_kb = int(re.search(r"MemTotal:\s*(\d+)", open("/proc/meminfo").read()).group(1))
json.dump({
    "started": "$started", "finished": "$finished",
    "commit": "$commit",
    "dirty": $( [[ $dirty == true ]] && echo True || echo False ),
    "cpu": cpu.group(1).strip() if cpu else platform.processor(),
    "cores": __import__("os").cpu_count(),
    "memory": f"{mem_kb / 1048576:.0f} GiB",
    "kernel": f"Linux {platform.release()}",
    "rustc": subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip(),
    "python": f"Python {platform.python_version()}",
    "load_before": "$load_before", "load_after": "$load_after",
    "quick": bool($quick),
}, open(sys.argv[1], "w"), indent=2)
EOF

if [[ $report == 1 ]]; then
    step "writing BENCHMARKS.md"
    # The figures the report is built from go into the repository beside it (a few
    # hundred KB of JSON: criterion's estimates, not its samples), so every figure in
    # BENCHMARKS.md can be traced and the page rebuilt with benches/report.py.
    keep="benches/results/$(date -u +%Y-%m-%d)"
    rm -rf "$keep" && mkdir -p "$keep"
    (cd "$out" && cp ./*.json "$root/$keep/")
    [[ -d "$out/percentiles" ]] && cp -r "$out/percentiles" "$keep/"
    (cd "$out" && find criterion -path '*/new/estimates.json' -exec cp --parents {} "$root/$keep/" \;)
    "$venv/bin/python" benches/report.py "$keep"
fi
step "done; raw results in $out"
