#!/usr/bin/env bash
# Packaging checks (the three ecosystems), as their users meet them:
#   C/C++  juno-ffi/install.sh into a temporary prefix; the exported symbols are exactly the
#          header's functions; the soname carries the ABI version; tests/c/example.c built
#          with nothing but `pkg-config --cflags --libs juno`; the C++ example built with
#          CMake's find_package(juno), shared and static; the header compiled as C99, C11
#          and C++11.
#   Python the wheel (abi3) and the sdist built with maturin; the wheel installed in a
#          clean venv and `juno demo` run with no Rust on PATH; `import juno` pulls no
#          web framework; the sdist holds what a build from source needs.
#   Rust   juno-core packages for crates.io (`cargo package`); its public API has no
#          breaking change against juno-core/semver-baseline (cargo-semver-checks) unless
#          the version says so.
# The ABI list is checked by juno-ffi/tests/abi.rs (cargo test).
#
# Builds reuse the dev profile the other suites built (JUNO_PACKAGING_PROFILE=release for
# what ships); the layout and checks are the same.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
profile="${JUNO_PACKAGING_PROFILE:-dev}"
work="$(mktemp -d "${TMPDIR:-/tmp}/juno-packaging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
step() { printf '==> %s\n' "$*"; }
fail() { echo "packaging.sh: FAILED: $*" >&2; exit 1; }

# ---- C and C++ --------------------------------------------------------------------------
prefix="$work/prefix"
step "juno-ffi/install.sh --prefix $prefix --profile $profile"
bash juno-ffi/install.sh --prefix "$prefix" --profile "$profile"
abi=$(sed -n 's/^#define JUNO_ABI_VERSION "\(.*\)"/\1/p' include/juno.h)
version=$(sed -n 's/^#define JUNO_VERSION_STRING "\(.*\)"/\1/p' include/juno.h)
for f in include/juno.h lib/libjuno.a "lib/libjuno.so.$abi" lib/libjuno.so \
         lib/pkgconfig/juno.pc lib/cmake/juno/junoConfig.cmake \
         lib/cmake/juno/junoConfigVersion.cmake; do
  [[ -e "$prefix/$f" ]] || fail "$f was not installed"
done

step "exported symbols = the header's functions"
nm -D --defined-only "$prefix/lib/libjuno.so" | awk '$2 == "T" {print $3}' | sort > "$work/exported"
grep -o '^[a-z_][a-z_0-9 *]* \**\(juno_[a-z0-9_]*\)(' include/juno.h \
  | sed 's/.*\(juno_[a-z0-9_]*\)($/\1/' | sort -u > "$work/declared"
if ! diff -u "$work/declared" "$work/exported"; then
  fail "the library exports other functions than include/juno.h declares (- declared, + exported)"
fi
echo "$(wc -l < "$work/exported") functions, no others"

step "an example built with pkg-config only"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[[ "$(pkg-config --modversion juno)" == "$version" ]] \
  || fail "pkg-config --modversion juno"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -Itests/c -o "$work/example" tests/c/example.c \
  tests/c/mini_json.c $(pkg-config --cflags --libs juno)
readelf -d "$work/example" | grep -q "NEEDED.*\[libjuno.so.$abi\]" \
  || fail "the example does not need libjuno.so.$abi"
LD_LIBRARY_PATH="$prefix/lib" "$work/example" "$work/example.db" > "$work/example.out"
grep -q "recall" "$work/example.out" || fail "the example printed no recall"
echo "example ran against libjuno.so.$abi"

step "the header as C99, C11 and C++11"
printf '#include <juno.h>\nint main(void) { return juno_version() == 0; }\n' > "$work/h.c"
cp "$work/h.c" "$work/h.cpp"
for std in c99 c11; do
  cc -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$prefix/include" "$work/h.c"
done
c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$prefix/include" "$work/h.cpp"

step "the C++ example with CMake find_package(juno)"
tools="$work/tools"
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --disable-pip-version-check "cmake>=3.20,<5"
"$tools/bin/cmake" -S examples/cpp -B "$work/cpp" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release > "$work/cmake.log" || { cat "$work/cmake.log"; fail "cmake configure"; }
"$tools/bin/cmake" --build "$work/cpp" -j 2 > "$work/cmake-build.log" \
  || { cat "$work/cmake-build.log"; fail "cmake build"; }
"$work/cpp/juno_cpp_example"
"$work/cpp/juno_cpp_example_static" > /dev/null
# The example asks for the ABI it was written against; the next one is refused.
wanted=$(sed -n 's/.*find_package(juno \([0-9.]*\) REQUIRED).*/\1/p' examples/cpp/CMakeLists.txt)
[[ "$wanted" == "$abi" ]] || fail "examples/cpp asks for juno $wanted, the ABI is $abi"
next="${abi%.*}.$(( ${abi##*.} + 1 ))"
mkdir -p "$work/cpp-wrong"
sed "s/find_package(juno $wanted REQUIRED)/find_package(juno $next REQUIRED)/" \
  examples/cpp/CMakeLists.txt > "$work/cpp-wrong/CMakeLists.txt"
cp examples/cpp/main.cpp "$work/cpp-wrong/"
if "$tools/bin/cmake" -S "$work/cpp-wrong" -B "$work/cpp-wrong/b" -DCMAKE_PREFIX_PATH="$prefix" \
     > /dev/null 2>&1; then
  fail "find_package(juno $next) accepted version $version"
fi

# ---- Python -----------------------------------------------------------------------------
step "the wheel and the sdist (maturin)"
if [[ ! -x .venv/bin/maturin ]]; then
  fail "no .venv with maturin: run tests/python.sh first (it creates .venv from pyproject.toml)"
fi
# shellcheck disable=SC1091
source .venv/bin/activate
maturin_profile=()
if [[ "$profile" == dev ]]; then maturin_profile=(--profile dev); fi
maturin build --locked --jobs "${CARGO_BUILD_JOBS:-2}" "${maturin_profile[@]}" --out "$work/dist" --quiet
maturin sdist --out "$work/dist" > /dev/null
deactivate
wheel=$(ls "$work"/dist/*.whl)
sdist=$(ls "$work"/dist/*.tar.gz)
case "$(basename "$wheel")" in
  *-cp311-abi3-*.whl) echo "wheel: $(basename "$wheel")" ;;
  *) fail "the wheel is not abi3: $(basename "$wheel")" ;;
esac
python3 - "$wheel" "$sdist" <<'PY'
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1:]
names = set(zipfile.ZipFile(wheel).namelist())
for need in ("juno/__init__.py", "juno/py.typed", "juno/_juno.pyi", "juno/_juno.abi3.so",
             "juno/web/__init__.py", "juno/web/openapi.py",
             "juno/web/templates/juno/dashboard.html"):
    assert need in names, f"the wheel has no {need}"
entry = next(n for n in names if n.endswith("entry_points.txt"))
scripts = zipfile.ZipFile(wheel).read(entry).decode().replace(" ", "")
assert "juno=juno.cli:main" in scripts, "no console script"
meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
assert "Provides-Extra: web" in meta, "no web extra"
assert not any(l.startswith("Requires-Dist:") and "extra ==" not in l for l in meta.splitlines()), \
    "import juno must need nothing else"
files = tarfile.open(sdist).getnames()
top = files[0].split("/")[0]
for need in ("Cargo.toml", "Cargo.lock", "pyproject.toml", "juno-core/src/lib.rs",
             "juno-py/src/lib.rs", "python/juno/__init__.py", "python/juno/py.typed"):
    assert f"{top}/{need}" in files, f"the sdist has no {need}"
print(f"sdist: {len(files)} files; wheel: {len(names)} files, typed, console script, extras")
PY

step "the wheel in a clean venv, no Rust on PATH: juno demo"
python3 -m venv "$work/clean"
"$work/clean/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
env -i HOME="$work" PATH="$work/clean/bin:/usr/bin:/bin" LANG=C.UTF-8 bash -c '
  set -euo pipefail
  if command -v cargo || command -v rustc; then echo "Rust is on PATH" >&2; exit 1; fi
  cd "$HOME"
  python -c "import juno, sys; assert \"flask\" not in sys.modules; print(\"import juno:\", juno.__version__)"
  juno demo > demo.out
  tail -n 5 demo.out
' || fail "juno demo from the wheel"

step "the wheel with its web extra in a clean venv: juno demo --serve answers over HTTP"
python3 -m venv "$work/web"
# flask and waitress come from PyPI; the wheel is the one just built.
"$work/web/bin/pip" install --quiet --disable-pip-version-check "$wheel[web]"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
( cd "$work" && exec "$work/web/bin/juno" demo --db "$work/web-demo.db" --serve --port "$port" \
    > "$work/serve.out" 2>&1 ) &
server=$!
for _ in $(seq 1 120); do
  grep -q "serving on" "$work/serve.out" 2>/dev/null && break
  sleep 0.5
done
token=$(awk '$1 == "director" {print $2}' "$work/serve.out")
health=$(curl -sf "http://127.0.0.1:$port/health" || true)
denied=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v2/status" || true)
status=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v2/status" || true)
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
echo "health: $health"
echo "status without a token: $denied"
echo "status as director: ${status:0:120}…"
[[ "$health" == *'"ok"'* && "$denied" == 401 && "$status" == *'"audit": {"ok": true'* ]] \
  || { cat "$work/serve.out" >&2; fail "juno demo --serve from the wheel"; }

# ---- Rust -------------------------------------------------------------------------------
step "juno-core packages for crates.io"
cargo package -p juno-core --locked --no-verify --allow-dirty --quiet
crate="${CARGO_TARGET_DIR:-$root/target}/package/juno-core-$version.crate"
[[ -f "$crate" ]] || fail "no $crate"
echo "$(basename "$crate"): $(tar tzf "$crate" | wc -l) files"

step "juno-core's public API against its baseline (cargo-semver-checks)"
# The baseline is the commit of the API last published (juno-core/semver-baseline). A
# breaking change fails until the version is bumped (the minor while 0.x); a release moves
# the baseline forward.
semver_version=0.51.0
tools_root="${CARGO_TARGET_DIR:-$root/target}/tools"
csc="$tools_root/bin/cargo-semver-checks"
if [[ ! -x "$csc" ]] || ! "$csc" --version | grep -q "$semver_version"; then
  # From crates.io, once per target directory (about 5 minutes on 2 cores; a debug build of
  # the tool took longer here: 7.5 minutes).
  cargo install cargo-semver-checks --locked --version "$semver_version" \
    --root "$tools_root" --quiet
fi
baseline=$(tr -d '[:space:]' < juno-core/semver-baseline)
git cat-file -e "$baseline^{commit}" 2>/dev/null \
  || fail "the semver baseline $baseline is not in this clone's history"
"$csc" semver-checks check-release -p juno-core --baseline-rev "$baseline"

echo "packaging.sh: all packaging checks passed"
