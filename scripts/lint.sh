#!/usr/bin/env bash
# ansible-lint with the production profile, offline.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/build/venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$top/build/collections"
exec ansible-lint --offline --profile production "$@"
