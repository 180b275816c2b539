"""kata.node.containerd against a real, sandboxed containerd: restart, CRI health check and rollback.

The daemon is restarted by the role through ``containerd_restart_command`` (a
script that stops the sandbox daemon by its pid file and starts it again), so
no systemd is needed; the molecule scenarios cover the systemd path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from containerd_sandbox import CONTAINERD, CTR, Sandbox, opt_table

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(TOP, "build", "venv", "bin")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CONTAINERD is None or CTR is None, reason="containerd is not installed"),
]

RESTART_SCRIPT = """#!/bin/sh
# Stop the test's containerd (pid file) and start it again with the node's config.
d="$1"
if [ -f "$d/pid" ]; then
  pid=$(cat "$d/pid")
  kill "$pid" 2>/dev/null
  i=0
  while [ $i -lt 200 ]; do
    st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
    if [ -z "$st" ] || [ "$st" = Z ]; then break; fi
    sleep 0.05
    i=$((i+1))
  done
fi
rm -f "$d/c.sock"
setsid containerd --config "$d/node/etc/containerd/config.toml" --root "$d/root" --state "$d/state" \\
  --address "$d/c.sock" >>"$d/containerd.log" 2>&1 </dev/null &
echo $! > "$d/pid"
"""

PLAYBOOK = """- name: Configure containerd
  hosts: localhost
  gather_facts: false
  roles:
    - role: kata.node.containerd
"""

HANDLER = {
    "name": "kata-qemu",
    "runtime_type": "io.containerd.kata-qemu.v2",
    "options": {"ConfigPath": "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml"},
    "kata_annotations": ["default_vcpus", "default_memory"],
}


@pytest.fixture(name="node")
def fixture_node():
    box = Sandbox()
    config = os.path.join(box.base, "node", "etc", "containerd", "config.toml")
    os.makedirs(os.path.dirname(config))
    with open(config, "w", encoding="utf-8") as handle:
        handle.write("# node config\nversion = 2\n\n" + opt_table(2, box.opt))
    script = os.path.join(box.base, "restart.sh")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(RESTART_SCRIPT)
    subprocess.run(["sh", script, box.base], check=True)
    box.wait_socket()
    box.config = config
    box.script = script
    yield box
    box.stop_pidfile(os.path.join(box.base, "pid"))
    box.cleanup()


def run_role(node, runtimes, *extra_args, retries=10):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"),
               PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(node.base, "play.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(PLAYBOOK)
    variables = {
        "kata_node_root": os.path.join(node.base, "node"),
        "containerd_restart_command": ["sh", node.script, node.base],
        "containerd_address": node.address,
        "containerd_health_retries": retries,
        "containerd_health_delay": 1,
        "containerd_runtimes": runtimes,
    }
    varfile = os.path.join(node.base, "vars.json")
    with open(varfile, "w", encoding="utf-8") as handle:
        json.dump(variables, handle)
    return subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), playbook, "-e", f"@{varfile}", *extra_args],
                          capture_output=True, text=True, cwd=TOP, env=env, check=False)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def pid(node):
    return read(os.path.join(node.base, "pid")).strip()


def test_role_configures_restarts_and_is_idempotent(node):
    first = run_role(node, [HANDLER])
    assert first.returncode == 0, first.stdout + first.stderr
    assert "changed=0" not in first.stdout
    assert node.plugin_status("cri") == "ok"
    config = node.cri_config()["containerd"]
    assert config["runtimes"]["kata-qemu"]["runtimeType"] == "io.containerd.kata-qemu.v2"
    assert config["runtimes"]["kata-qemu"]["PodAnnotations"] == [
        "io.katacontainers.config.hypervisor.default_vcpus", "io.katacontainers.config.hypervisor.default_memory"]
    assert "runc" in config["runtimes"]
    restarted_pid = pid(node)

    second = run_role(node, [HANDLER])
    assert second.returncode == 0, second.stdout + second.stderr
    assert "changed=0" in second.stdout
    assert pid(node) == restarted_pid, "an unchanged config must not restart containerd"


def test_role_rolls_back_when_cri_refuses_the_new_config(node):
    good = run_role(node, [HANDLER])
    assert good.returncode == 0, good.stdout + good.stderr
    before = read(node.config)

    # containerd 1.x accepts runtime_engine in config dump, but its CRI plugin
    # refuses it for a shim v2 runtime type: the restart succeeds, CRI is "error".
    bad = run_role(node, [dict(HANDLER, extra={"runtime_engine": "/usr/bin/bogus"})], retries=3)
    assert bad.returncode != 0, bad.stdout
    assert "did not come back with a healthy CRI plugin" in bad.stdout
    assert "CRI plugin error" in bad.stdout
    assert "were restored" in bad.stdout
    assert read(node.config) == before
    assert node.plugin_status("cri") == "ok"
    assert node.cri_config()["containerd"]["runtimes"]["kata-qemu"]["runtimeEngine"] == ""


def test_role_rolls_back_when_restart_fails(node):
    good = run_role(node, [HANDLER])
    assert good.returncode == 0, good.stdout + good.stderr
    before = read(node.config)
    # The new handler is fine, but the service manager fails to restart containerd.
    env_script = os.path.join(node.base, "fail-once.sh")
    with open(env_script, "w", encoding="utf-8") as handle:
        handle.write(f'#!/bin/sh\nif [ ! -f "{node.base}/failed" ]; then touch "{node.base}/failed"; exit 3; fi\n'
                     f'exec sh "{node.script}" "{node.base}"\n')
    variables_runtimes = [dict(HANDLER, name="kata-clh", runtime_type="io.containerd.kata-clh.v2")]
    node.script = env_script
    bad = run_role(node, [HANDLER] + variables_runtimes, retries=3)
    assert bad.returncode != 0
    assert "were restored" in bad.stdout, bad.stdout
    assert read(node.config) == before
    assert node.plugin_status("cri") == "ok"
    assert "kata-clh" not in node.cri_config()["containerd"]["runtimes"]


def test_role_check_mode_changes_nothing(node):
    before = read(node.config)
    restarted_pid = pid(node)
    res = run_role(node, [HANDLER], "--check", "--diff")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "changed=1" in res.stdout
    assert "+[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-qemu]" in res.stdout
    assert read(node.config) == before
    assert pid(node) == restarted_pid


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
