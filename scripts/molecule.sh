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

# KATA_MOLECULE_JOBS=N runs N scenarios at a time (default 2; their nodes
# and socket directories never clash); with N > 1 each logs to
# build/harness/logs/<name>.log, whose tail is printed when it fails.
# KATA_MOLECULE_JOBS=1 streams the output of one scenario after the other.
jobs="${KATA_MOLECULE_JOBS:-2}"
logs="$top/build/harness/logs"
mkdir -p "$logs"
rm -f "$logs"/*.time

run_one() {
  local name=$1 t0=$SECONDS result=""
  if [ "$jobs" -gt 1 ]; then
    molecule test --scenario-name "$name" > "$logs/$name.log" 2>&1 || result=" FAILED"
  else
    printf '\n--- molecule scenario %s ---\n' "$name"
    molecule test --scenario-name "$name" || result=" FAILED"
  fi
  echo "$((SECONDS - t0))s$result" > "$logs/$name.time"
}

for name in "${scenarios[@]}"; do
  if [ "$jobs" -gt 1 ]; then
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    echo "--- molecule scenario $name (log: build/harness/logs/$name.log)"
    run_one "$name" &
  else
    run_one "$name"
  fi
done
wait

status=0
printf '\n--- molecule timings ---\n'
printf '%-14s %s\n' set-up "${setup_time}s"
for name in "${scenarios[@]}"; do
  took=$(cat "$logs/$name.time" 2>/dev/null || echo "not run FAILED")
  printf '%-14s %s\n' "$name" "$took"
  case "$took" in
    *FAILED)
      status=1
      if [ "$jobs" -gt 1 ] && [ -f "$logs/$name.log" ]; then
        printf '\n--- tail of %s ---\n' "$logs/$name.log"
        tail -n 60 "$logs/$name.log"
      fi
      ;;
  esac
done
printf '%-14s %s\n' total "$((SECONDS - start))s"
exit $status
