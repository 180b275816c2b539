#!/usr/bin/env bash
# Everything the molecule scenarios need on a fresh Debian 12 machine (root):
#   1. podman, runc and mmdebstrap from apt;
#   2. a podman configuration of our own (build/harness/containers.conf, used
#      through CONTAINERS_CONF; /etc/containers is not touched);
#   3. the node image localhost/kata-node:bookworm (systemd, python3,
#      containerd, runc and the files under tests/node-image/rootfs), built
#      with mmdebstrap from the machine's Debian mirror and rebuilt only when
#      its recipe changes (the image carries the recipe hash as a label);
#   4. the containers.podman, community.general and ansible.posix collections,
#      taken from the PyPI "ansible" wheel into build/harness/collections.
# Idempotent and cached; prints the time of each step.
# Environment: KATA_NODE_IMAGE (default localhost/kata-node:bookworm),
#              KATA_HARNESS_FORCE=1 to rebuild the image.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
harness="$top/build/harness"
image="${KATA_NODE_IMAGE:-localhost/kata-node:bookworm}"
ansible_wheel_version="12.3.0"
mkdir -p "$harness"

step() { printf '[setup-harness] %s\n' "$*"; }
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  step "$name: $((SECONDS - start))s"
}

install_packages() {
  local packages=(podman runc mmdebstrap netavark) missing=() pkg
  for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    step "apt: podman, runc, mmdebstrap already installed"
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages (${missing[*]}); run this script as root." >&2
    exit 1
  fi
  step "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Podman's default ulimits are above the hard limits of some CI machines,
# and crun cannot run on hosts with hybrid cgroups: use the machine's own
# hard limits and runc.
write_containers_conf() {
  local nofile nproc conf="$harness/containers.conf" tmp
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=32768
  [ "$nofile" -gt 1048576 ] && nofile=1048576
  [ "$nproc" -gt 32768 ] && nproc=32768
  tmp=$(mktemp)
  cat > "$tmp" <<EOF
# Written by scripts/setup-harness.sh; used through CONTAINERS_CONF.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
EOF
  if cmp -s "$tmp" "$conf"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$conf"
    step "wrote $conf"
  fi
}

# The first Debian mirror configured for apt (deb822 first, then the
# one-line format).
debian_mirror() {
  local uri=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

recipe_hash() {
  # Everything the image is made of: the package list, the files copied in
  # (names, modes, link targets and contents), the mirror and the build
  # command below (bump recipe_version when changing it).
  local recipe_version=1
  {
    echo "recipe $recipe_version suite bookworm mirror $1"
    grep -v '^#' "$top/tests/node-image/packages.txt"
    (cd "$top/tests/node-image/rootfs" && find . -print0 | LC_ALL=C sort -z |
      xargs -0 stat -c '%n %a %F %N')
    (cd "$top/tests/node-image/rootfs" && find . -type f -print0 | LC_ALL=C sort -z |
      xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}

build_image() {
  local mirror want have packages old_id
  mirror=$(debian_mirror)
  want=$(recipe_hash "$mirror")
  have=$(podman image inspect --format '{{ index .Labels "kata.node.recipe" }}' "$image" 2>/dev/null || true)
  if [ "$have" = "$want" ] && [ "${KATA_HARNESS_FORCE:-0}" != 1 ]; then
    step "image $image is up to date (recipe ${want:0:12})"
    return
  fi
  old_id=$(podman image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)
  packages=$(grep -v '^#' "$top/tests/node-image/packages.txt" | paste -sd, -)
  step "image: building $image from $mirror (recipe ${want:0:12})"
  # The hooks are run by mmdebstrap, which passes the root as "$1".
  # shellcheck disable=SC2016
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --customize-hook="sync-in '$top/tests/node-image/rootfs' /" \
    --customize-hook='chroot "$1" systemctl enable --quiet kubelet.service containerd.service' \
    --customize-hook='chroot "$1" apt-get clean' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/*' \
    bookworm - "$mirror" |
    podman import --quiet --change 'CMD ["/sbin/init"]' \
      --change "LABEL kata.node.recipe=$want" - "$image" >/dev/null
  # Drop the image this one replaces (only that one: other images on the
  # machine are none of our business).
  if [ -n "$old_id" ] && [ "$old_id" != "$(podman image inspect --format '{{ .Id }}' "$image")" ]; then
    podman rmi "$old_id" >/dev/null 2>&1 || true
  fi
}

extract_collections() {
  local dest="$harness/collections" stamp wheel
  stamp="$dest/.ansible-$ansible_wheel_version"
  if [ -f "$stamp" ]; then
    step "collections from ansible $ansible_wheel_version already extracted"
    return
  fi
  mkdir -p "$harness/wheels"
  wheel=$(find "$harness/wheels" -name "ansible-$ansible_wheel_version-*.whl" | head -n1)
  if [ -z "$wheel" ]; then
    "$top/build/venv/bin/python" -m pip download --quiet --disable-pip-version-check \
      --no-deps --dest "$harness/wheels" "ansible==$ansible_wheel_version"
    wheel=$(find "$harness/wheels" -name "ansible-$ansible_wheel_version-*.whl" | head -n1)
  fi
  rm -rf "$dest"
  "$top/build/venv/bin/python" - "$wheel" "$dest" <<'EOF'
import sys
import zipfile

wheel, dest = sys.argv[1:3]
wanted = ("ansible_collections/containers/podman/",
          "ansible_collections/community/general/",
          "ansible_collections/ansible/posix/")
with zipfile.ZipFile(wheel) as archive:
    names = [n for n in archive.namelist() if n.startswith(wanted)]
    archive.extractall(dest, names)
print(f"extracted {len(names)} files")
EOF
  touch "$stamp"
}

total=$SECONDS
timed "apt packages" install_packages
timed "containers.conf" write_containers_conf
export CONTAINERS_CONF="$harness/containers.conf"
timed "node image" build_image
timed "collections" extract_collections
step "total: $((SECONDS - total))s"
