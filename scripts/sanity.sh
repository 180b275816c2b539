#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed where ansible-test
# wants it (…/ansible_collections/kata/node). Works offline except for PyPI.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv="$top/build/venv"
# KATA_SANITY_DIR lets parallel runs use separate copies.
dest="${KATA_SANITY_DIR:-$top/build/sanity}/ansible_collections/kata/node"

rm -rf "$dest"
mkdir -p "$dest"
# Tracked and new (not ignored) files only, so build output never leaks in.
(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 -r ls -d 2>/dev/null | tr '\n' '\0' |
  tar --null -T - -cf -) | tar -C "$dest" -xf -

# ansible-test fetches a pip bootstrap script from the internet; give it a
# local one that uses ensurepip instead (the only download left is PyPI).
shim_dir="$HOME/.ansible/test/cache"
mkdir -p "$shim_dir"
for name in get_pip_25_2.py get_pip_24_2.py; do
  cat > "$shim_dir/$name" <<'PY'
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
sys.exit(subprocess.call([sys.executable, "-m", "pip"] + sys.argv[1:]))
PY
done

cd "$dest"
PATH="$venv/bin:$PATH" ansible-test sanity --venv --python 3.12 --color no "$@"
