"""kata.node.containerd_runtime through ansible-playbook on localhost: idempotence, check, diff, bad input."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(TOP, "build", "venv", "bin")

pytestmark = pytest.mark.slow

NODE = """# node config
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
"""

TASK = {"path": "{{ cfg }}", "name": "kata-qemu", "runtime_type": "io.containerd.kata-qemu.v2",
        "kata_annotations": ["default_vcpus"],
        "options": {"ConfigPath": "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml"}}


def playbook(tmp_path, tasks, *extra):
    play = [{"name": "t", "hosts": "localhost", "gather_facts": False, "vars": {"cfg": str(tmp_path / "config.toml")},
             "tasks": tasks}]
    path = tmp_path / "play.yml"
    path.write_text(json.dumps(play))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), str(path), *extra], capture_output=True,
                          text=True, cwd=TOP, env=env, check=False)


def recap(res):
    line = [x for x in res.stdout.splitlines() if x.startswith("localhost")][-1]
    return dict(part.split("=") for part in line.split(":", 1)[1].split())


def test_check_diff_then_apply_then_idempotent(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(NODE)
    task = [{"kata.node.containerd_runtime": TASK}]

    check = playbook(tmp_path, task, "--check", "--diff")
    assert check.returncode == 0, check.stdout
    assert recap(check)["changed"] == "1"
    assert '+[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-qemu]' in check.stdout
    assert cfg.read_text() == NODE

    apply = playbook(tmp_path, task, "--diff")
    assert apply.returncode == 0, apply.stdout
    assert recap(apply)["changed"] == "1"
    assert cfg.read_text().startswith(NODE)

    again = playbook(tmp_path, task, "--check")
    assert recap(again)["changed"] == "0"
    again = playbook(tmp_path, task)
    assert recap(again)["changed"] == "0"


def test_dropin_and_import_in_check_mode_and_for_real(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("version = 3\n")
    dropin = tmp_path / "conf.d" / "kata.toml"
    task = [{"kata.node.containerd_runtime": dict(TASK, dropin=str(dropin))}]
    check = playbook(tmp_path, task, "--check", "--diff")
    assert check.returncode == 0, check.stdout
    assert not dropin.exists() and cfg.read_text() == "version = 3\n"
    apply = playbook(tmp_path, task)
    assert apply.returncode == 0, apply.stdout
    assert f'imports = ["{dropin}"]' in cfg.read_text()
    assert dropin.read_text().startswith("version = 3\n")
    assert recap(playbook(tmp_path, task))["changed"] == "0"


BAD = [
    ({"extra": {"shim_debug": True}}, "shim_debug is not a containerd runtime key"),
    ({"extra": {"sandboxer": "shim"}}, "only in config versions 3 and 4"),
    ({"extra": {"snapshoter": "x"}}, "did you mean snapshotter"),
    ({"name": "Kata_QEMU"}, "RFC 1123"),
    ({"runtime_type": "kata"}, "shim runtime type"),
    ({"runtime_path": "containerd-shim-kata-v2"}, "absolute path"),
    ({"options": {"ConfigPath": "configuration.toml"}}, "options.ConfigPath"),
    ({"kata_annotations": ["kernel_params"]}, "unsafe to forward"),
    ({"kata_annotations": ["default_vcpu"]}, "did you mean default_vcpus"),
    ({"pod_annotations": ["io.katacontainers.config.hypervisor.path"]}, "unsafe annotation path"),
    ({"pod_annotations": ["io.[kata"]}, "unclosed"),
    ({"extra": {"cni_max_conf_num": "lots"}}, "not a non-negative integer"),
    ({"extra": {"options": {}}}, "its own parameter"),
    ({"dropin": "conf.d/kata.toml"}, "not an absolute path"),
    ({"dropin": "/nonexistent-kata-node/kata.toml"}, "containerd_version"),
    ({"dropin": "/nonexistent-kata-node/kata.toml", "containerd_version": "1.7.2"}, "replaces whole plugin tables"),
    ({"name": "runc", "state": "absent"}, "default_runtime_name"),
    ({"containerd_version": "latest", "dropin": "/nonexistent-kata-node/kata.toml"}, "not a containerd version"),
]


def test_bad_inputs_fail_clearly_and_leave_the_file_byte_identical(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_bytes(NODE.encode())
    tasks = []
    for number, (change, _message) in enumerate(BAD):
        tasks.append({"name": f"bad {number}", "kata.node.containerd_runtime": dict(TASK, **change),
                      "register": f"bad{number}", "ignore_errors": True})
    tasks.append({"ansible.builtin.copy": {"dest": str(tmp_path / "results.json"),
                                           "content": "{{ [" + ", ".join(f"bad{n}" for n in range(len(BAD)))
                                           + "] | to_json }}", "mode": "0644"}})
    res = playbook(tmp_path, tasks)
    assert res.returncode == 0, res.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    for (change, message), result in zip(BAD, results):
        assert result.get("failed") is True, (change, result)
        assert message in result["msg"], (change, result["msg"])
        assert result["msg"].count(". ") == 0 or result["msg"].endswith("."), result["msg"]
    assert cfg.read_bytes() == NODE.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "play.yml", "results.json"]


def test_invalid_toml_on_the_node_is_reported_and_left_alone(tmp_path):
    cfg = tmp_path / "config.toml"
    broken = b'version = 2\n[plugins."io.containerd.grpc.v1.cri"\n'
    cfg.write_bytes(broken)
    res = playbook(tmp_path, [{"kata.node.containerd_runtime": TASK}])
    assert res.returncode != 0
    assert "is not valid TOML" in res.stdout
    assert cfg.read_bytes() == broken


@pytest.mark.skipif(not os.path.exists("/usr/bin/containerd"), reason="containerd is not installed")
def test_validate_refusal_leaves_the_file(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(NODE)
    res = playbook(tmp_path, [{"kata.node.containerd_runtime": dict(TASK, validate="false %s")}])
    assert res.returncode != 0 and "refused by the validate command" in res.stdout
    assert cfg.read_text() == NODE
