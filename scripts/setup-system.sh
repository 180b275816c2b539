#!/usr/bin/env bash
# System packages the tests need: a real containerd (validator and sandboxed
# daemon), runc, shellcheck for ansible-test. Idempotent; skips apt when all
# are present.
set -euo pipefail
packages=(containerd runc shellcheck git)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages (${missing[*]}); run this script as root." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
