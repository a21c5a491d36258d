#!/usr/bin/env bash
# Installs the C library the way C and C++ users expect (the layout cargo-c gives
# rustls-ffi):
#
#   PREFIX/include/juno.h
#   LIBDIR/libjuno.a
#   LIBDIR/libjuno.so.X.Y.Z, libjuno.so.ABI (the soname) -> it, libjuno.so -> libjuno.so.ABI
#   LIBDIR/pkgconfig/juno.pc           cc app.c $(pkg-config --cflags --libs juno)
#   LIBDIR/cmake/juno/junoConfig.cmake find_package(juno) -> juno::juno, juno::juno_static
#
# ABI is the ABI version the soname carries (JUNO_ABI_VERSION in juno.h): 0.minor while
# the version is 0.x, the major from 1.0.
#
# Usage: juno-ffi/install.sh [--prefix DIR] [--libdir DIR] [--destdir DIR] [--profile P]
#   --prefix   where it is installed (default /usr/local)
#   --libdir   the library directory (default PREFIX/lib)
#   --destdir  a staging root the files go under, as for packagers (DESTDIR)
#   --profile  the Cargo profile to build: release (default) or dev
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix=/usr/local
libdir=""
destdir=""
profile=release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --libdir) libdir="$2"; shift 2 ;;
    --destdir) destdir="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 2 ;; esac
libdir="${libdir:-$prefix/lib}"
case "$libdir" in /*) ;; *) echo "install.sh: --libdir must be absolute" >&2; exit 2 ;; esac
case "$profile" in
  release) outdir=release ;;
  dev) outdir=debug ;;
  *) echo "install.sh: --profile is release or dev" >&2; exit 2 ;;
esac
if [[ "$(uname -s)" != Linux ]]; then
  echo "install.sh: only Linux is supported so far (the soname and pkg-config layout)" >&2
  exit 2
fi

cd "$root"
locked=()
if [[ -f Cargo.lock ]]; then locked=(--locked); fi
cargo build -p juno-ffi --profile "$profile" "${locked[@]}"
target="${CARGO_TARGET_DIR:-$root/target}/$outdir"

version=$(sed -n 's/^#define JUNO_VERSION_STRING "\(.*\)"/\1/p' include/juno.h)
abi=$(sed -n 's/^#define JUNO_ABI_VERSION "\(.*\)"/\1/p' include/juno.h)
[[ -n "$version" && -n "$abi" ]] || { echo "install.sh: no version in include/juno.h" >&2; exit 1; }
soname=$(readelf -d "$target/libjuno.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ "$soname" != "libjuno.so.$abi" ]]; then
  echo "install.sh: $target/libjuno.so has soname '$soname', not libjuno.so.$abi" >&2
  exit 1
fi

inc="$destdir$prefix/include"
lib="$destdir$libdir"
install -d "$inc" "$lib/pkgconfig" "$lib/cmake/juno"
install -m 644 include/juno.h "$inc/juno.h"
install -m 644 "$target/libjuno.a" "$lib/libjuno.a"
install -m 755 "$target/libjuno.so" "$lib/libjuno.so.$version"
ln -sf "libjuno.so.$version" "$lib/libjuno.so.$abi"
ln -sf "libjuno.so.$abi" "$lib/libjuno.so"

# What a static link needs besides libjuno.a (rustc --print native-static-libs, Linux).
static_libs="-lpthread -ldl -lm"

# libdir relative to prefix when it lies under it, so `pkg-config --define-prefix` can
# relocate the tree.
pc_libdir="$libdir"
case "$libdir" in "$prefix"/*) pc_libdir="\${prefix}${libdir#"$prefix"}" ;; esac
cat > "$lib/pkgconfig/juno.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=$pc_libdir

Name: juno
Description: JUNO: governed, explainable automation of agile delivery (C interface)
Version: $version
Libs: -L\${libdir} -ljuno
Libs.private: $static_libs
Cflags: -I\${includedir}
PC

# The CMake package finds itself relative to its own directory, so an installed tree can
# be moved (a DESTDIR staging root, a relocated prefix).
rel_prefix=$(python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' \
  "$prefix" "$libdir/cmake/juno" 2>/dev/null || echo "../../..")
rel_lib=$(python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' \
  "$libdir" "$prefix" 2>/dev/null || echo "lib")
cat > "$lib/cmake/juno/junoConfig.cmake" <<CMAKE
# find_package(juno) for C and C++ users: the imported targets juno::juno (the shared
# library) and juno::juno_static. Installed by juno-ffi/install.sh.
include(CMakeFindDependencyMacro)
find_dependency(Threads)
get_filename_component(_juno_prefix "\${CMAKE_CURRENT_LIST_DIR}/$rel_prefix" ABSOLUTE)
set(juno_VERSION "$version")
set(juno_ABI_VERSION "$abi")
if(NOT TARGET juno::juno)
  add_library(juno::juno SHARED IMPORTED)
  set_target_properties(juno::juno PROPERTIES
    IMPORTED_LOCATION "\${_juno_prefix}/$rel_lib/libjuno.so.$version"
    IMPORTED_SONAME "libjuno.so.$abi"
    INTERFACE_INCLUDE_DIRECTORIES "\${_juno_prefix}/include")
endif()
if(NOT TARGET juno::juno_static)
  add_library(juno::juno_static STATIC IMPORTED)
  set_target_properties(juno::juno_static PROPERTIES
    IMPORTED_LOCATION "\${_juno_prefix}/$rel_lib/libjuno.a"
    INTERFACE_INCLUDE_DIRECTORIES "\${_juno_prefix}/include"
    INTERFACE_LINK_LIBRARIES "Threads::Threads;\${CMAKE_DL_LIBS};m")
endif()
unset(_juno_prefix)
CMAKE

cat > "$lib/cmake/juno/junoConfigVersion.cmake" <<CMAKE
# A request is met by this version when it asks for the same ABI (0.minor while 0.x, the
# major from 1.0) and no later version.
set(PACKAGE_VERSION "$version")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(PACKAGE_FIND_VERSION)
  if(PACKAGE_FIND_VERSION VERSION_LESS_EQUAL PACKAGE_VERSION)
    if("$abi" MATCHES "^0\\\\.")
      set(_want "\${PACKAGE_FIND_VERSION_MAJOR}.\${PACKAGE_FIND_VERSION_MINOR}")
    else()
      set(_want "\${PACKAGE_FIND_VERSION_MAJOR}")
    endif()
    if(_want STREQUAL "$abi")
      set(PACKAGE_VERSION_COMPATIBLE TRUE)
    endif()
    unset(_want)
  endif()
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
CMAKE

echo "installed JUNO $version (ABI $abi) under ${destdir}$prefix"
