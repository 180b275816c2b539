#!/usr/bin/env bash
# Print the path of a Python 3.12 interpreter (ansible-core 2.21 needs >= 3.12 on the controller).
set -eu
for candidate in "${KATA_NODE_PYTHON:-}" python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 python3.13 python3; do
  [ -n "$candidate" ] || continue
  exe=$(command -v "$candidate" 2>/dev/null) || continue
  if "$exe" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$exe"
    exit 0
  fi
done
echo "No Python >= 3.12 found: install python3.12 or set KATA_NODE_PYTHON to its path." >&2
exit 1
