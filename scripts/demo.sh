#!/usr/bin/env bash
# The main job on the built-in demo: the sizing plan over the example pods.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/build/venv/bin:$PATH"
export ANSIBLE_CONFIG="$top/ansible.cfg"
ansible-playbook kata.node.plan -e kata_node_plan_pods="$top/examples/pods"
