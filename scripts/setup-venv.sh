#!/usr/bin/env bash
# Create build/venv with the pinned controller and test tooling, and link the
# repository as the collection kata.node under build/collections. Idempotent:
# the venv is rebuilt only when the requirement files change.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv="$top/build/venv"
stamp="$venv/.requirements.sha256"
want=$(cat "$top"/requirements/*.txt | sha256sum | cut -d' ' -f1)

if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python=$("$top/scripts/python312.sh")
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$top/requirements/test.txt" -c "$top/requirements/constraints.txt"
  echo "$want" > "$stamp"
fi

# ansible and pytest find the collection as ansible_collections.kata.node.
link="$top/build/collections/ansible_collections/kata/node"
mkdir -p "$(dirname "$link")"
[ -L "$link" ] || ln -s ../../../.. "$link"
