#!/usr/bin/env bash
# The whole test suite: unit and integration tests (pytest), ansible-test
# sanity, ansible-lint, and the molecule scenarios on real nodes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/build/venv/bin:$PATH"
export ANSIBLE_CONFIG="$top/ansible.cfg"

stage() { printf '\n=== %s ===\n' "$1"; SECONDS=0; }
took() { printf '=== %s: %ss ===\n' "$1" "$SECONDS"; }

stage pytest; pytest -n 2 -q; took pytest
stage sanity; scripts/sanity.sh; took sanity
stage ansible-lint; scripts/lint.sh; took ansible-lint
if [ -x scripts/molecule.sh ]; then
  stage molecule; scripts/molecule.sh; took molecule
fi
