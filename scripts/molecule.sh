#!/usr/bin/env bash
# The molecule scenarios on real nodes (systemd containers under podman).
# Sets up the harness (scripts/setup-harness.sh), then runs `molecule test`
# for each scenario under extensions/molecule/ (or only those named as
# arguments) and prints the wall time of the set-up and of each scenario.
# The collection under test is this checkout, found through build/collections;
# molecule's own collection install (prerun) and galaxy step are off.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

[ -x build/venv/bin/molecule ] || scripts/setup-venv.sh
start=$SECONDS
scripts/setup-harness.sh
setup_time=$((SECONDS - start))

export PATH="$top/build/venv/bin:$PATH"
export ANSIBLE_CONFIG="$top/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$top/build/collections:$top/build/harness/collections"
export CONTAINERS_CONF="$top/build/harness/containers.conf"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"

# Refuse to test anything but the checkout.
found=$(ansible-galaxy collection list kata.node 2>/dev/null | awk '/^# /{print $2}' | head -n1)
if [ "$found" != "$top/build/collections/ansible_collections" ]; then
  echo "kata.node resolves to '${found:-nothing}', not to this checkout; run scripts/setup-venv.sh" >&2
  exit 1
fi

if [ $# -gt 0 ]; then
  scenarios=("$@")
else
  # default (the harness itself) first, then the others in name order.
  scenarios=(default)
  for file in extensions/molecule/*/molecule.yml; do
    name=$(basename "$(dirname "$file")")
    [ "$name" = default ] || scenarios+=("$name")
  done
fi

declare -A took
status=0
for name in "${scenarios[@]}"; do
  printf '\n--- molecule scenario %s ---\n' "$name"
  t0=$SECONDS
  if molecule test --scenario-name "$name"; then
    took[$name]="$((SECONDS - t0))s"
  else
    took[$name]="$((SECONDS - t0))s FAILED"
    status=1
  fi
done

printf '\n--- molecule timings ---\n'
printf '%-14s %s\n' set-up "${setup_time}s"
for name in "${scenarios[@]}"; do
  printf '%-14s %s\n' "$name" "${took[$name]}"
done
printf '%-14s %s\n' total "$((SECONDS - start))s"
exit $status
