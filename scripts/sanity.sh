#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed where ansible-test
# wants it (…/ansible_collections/kata/node). Works offline except for PyPI.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv="$top/build/venv"
# The copy must live outside this checkout: inside it, git ignores build/ and
# ansible-test would skip every file. KATA_SANITY_DIR gives parallel runs their own copy.
dest="${KATA_SANITY_DIR:-${TMPDIR:-/tmp}/kata-node-sanity}/ansible_collections/kata/node"

rm -rf "$dest"
mkdir -p "$dest"
# Tracked and new (not ignored) files only, so build output never leaks in.
(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 -r ls -d 2>/dev/null | tr '\n' '\0' |
  tar --null -T - -cf -) | tar -C "$dest" -xf -

# ansible-test fetches a pip bootstrap script from the internet; give it a
# local one that uses ensurepip instead (the only download left is PyPI).
shim_dir="$HOME/.ansible/test/cache"
mkdir -p "$shim_dir"
shim=$(mktemp)
cat > "$shim" <<'PY'
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args))
PY
for name in get_pip_25_2.py get_pip_24_2.py; do
  if ! cmp -s "$shim" "$shim_dir/$name"; then
    cp "$shim" "$shim_dir/$name.$$" && mv -f "$shim_dir/$name.$$" "$shim_dir/$name"
  fi
done
rm -f "$shim"

cd "$dest"
PATH="$venv/bin:$PATH" ansible-test sanity --venv --python 3.12 --color no "$@"
