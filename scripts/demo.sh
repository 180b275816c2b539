#!/usr/bin/env bash
# The main job on the built-in demo node: kata.node.site against build/demo
# (a node's directory tree, seeded once from tests/node-image/rootfs), with
# the diff of every file it writes; then the sizing plan of the example pods.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/build/venv/bin:$PATH"
export ANSIBLE_CONFIG="$top/ansible.cfg"

demo="$top/build/demo"
if [ ! -d "$demo" ]; then
  mkdir -p "$demo"
  cp -a tests/node-image/rootfs/. "$demo/"
  echo "Seeded the demo node at build/demo."
fi

ansible-playbook -i examples/demo/inventory.yml kata.node.site --diff
# Plan the example pods with the same Kata settings the demo node just got.
ansible-playbook kata.node.plan -e '{"kata_node_plan_config": {"default_vcpus": 1, "default_memory": 2048,
  "sandbox_cgroup_only": true, "enable_annotations": ["^default_vcpus$", "^default_memory$"]}}'
