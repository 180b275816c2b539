"""kata.node.kata_config, kata.node.node_facts and the kata_runtime role, run for real with ansible-playbook."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

pytestmark = pytest.mark.slow

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
FIXTURE = os.path.join(REPO, "tests", "unit", "fixtures", "kata-node-qemu.toml")
SHIPPED = "opt/kata/share/defaults/kata-containers"


def run_playbook(tmp_path, tasks, *flags, extra=None, roles=None):
    play = {"hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if roles:
        play["roles"] = roles
    book = tmp_path / f"play-{len(list(tmp_path.glob('play-*.yml')))}.yml"
    book.write_text(yaml.safe_dump([play], sort_keys=False))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_PIPELINING="1")
    cmd = [PLAYBOOK_BIN, str(book), *flags]
    if extra:
        cmd += ["-e", json.dumps(extra)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    recap = re.search(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", proc.stdout)
    assert recap, proc.stdout + proc.stderr
    return {"rc": proc.returncode, "out": proc.stdout, "changed": int(recap.group(2)), "failed": int(recap.group(3))}


@pytest.fixture
def node(tmp_path):
    root = tmp_path / "root"
    (root / SHIPPED).mkdir(parents=True)
    shutil.copy(FIXTURE, root / SHIPPED / "configuration-qemu.toml")
    return root


def snapshot(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, root)] = handle.read()
    return out


def test_dropin_check_diff_apply_idempotent_remove(tmp_path, node):
    main = str(node / SHIPPED / "configuration-qemu.toml")
    task = {"kata.node.kata_config": {"path": main, "settings": {"default_vcpus": "2", "default_memory": 4096,
                                                                 "sandbox_cgroup_only": "true",
                                                                 "enable_annotations": ["default_vcpus"]}},
            "register": "r"}
    dump = {"ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(tmp_path / "r.json")}}
    before = snapshot(node)
    checked = run_playbook(tmp_path, [task], "--check", "--diff")
    assert checked["rc"] == 0 and checked["changed"] == 1
    assert "+default_vcpus = 2" in checked["out"]
    assert snapshot(node) == before
    applied = run_playbook(tmp_path, [task, dump], "--diff")
    assert applied["rc"] == 0 and applied["changed"] == 2
    dropin = node / SHIPPED / "config.d" / "50-kata-node.toml"
    text = dropin.read_text()
    assert text.startswith("# Managed by the kata.node collection")
    assert '[hypervisor.qemu]\ndefault_memory = 4096\ndefault_vcpus = 2\nenable_annotations = ["^default_vcpus$"]' \
        in text
    assert snapshot(node)[f"{SHIPPED}/configuration-qemu.toml"] == before[f"{SHIPPED}/configuration-qemu.toml"]
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["path"] == str(dropin) and result["flavour"] == "go" and result["hypervisor"] == "qemu"
    assert result["annotations"] == ["default_vcpus"]
    assert result["settings"]["hypervisor.qemu"]["default_vcpus"] == 2
    assert result["settings"]["hypervisor.qemu"]["path"] == "/opt/kata/bin/qemu-system-x86_64"
    assert result["sizing"]["default_memory"] == 4096 and result["sizing"]["sandbox_cgroup_only"] is True
    again = run_playbook(tmp_path, [task])
    assert again["rc"] == 0 and again["changed"] == 0
    gone = {"kata.node.kata_config": {"path": main, "state": "absent", "backup": True}}
    removed_check = run_playbook(tmp_path, [gone], "--check")
    assert removed_check["changed"] == 1 and dropin.exists()
    removed = run_playbook(tmp_path, [gone])
    assert removed["changed"] == 1 and not dropin.exists()
    assert list((node / SHIPPED / "config.d").glob("50-kata-node.toml.*~"))
    assert run_playbook(tmp_path, [gone])["changed"] == 0


def test_inplace_backup_minimal_diff_idempotent(tmp_path, node):
    main = node / SHIPPED / "configuration-qemu.toml"
    original = main.read_text()
    task = {"kata.node.kata_config": {"path": str(main), "mode": "inplace", "backup": True,
                                      "settings": {"hypervisor.qemu": {"default_maxvcpus": 4, "default_vcpus": 2},
                                                   "runtime": {"static_sandbox_resource_mgmt": True}}}}
    checked = run_playbook(tmp_path, [task], "--check", "--diff")
    assert checked["changed"] == 1 and "+default_maxvcpus = 4" in checked["out"] and main.read_text() == original
    applied = run_playbook(tmp_path, [task])
    assert applied["changed"] == 1
    new = main.read_text().splitlines()
    old = original.splitlines()
    assert len(new) == len(old)
    differing = [(a, b) for a, b in zip(old, new) if a != b]
    assert differing == [("default_vcpus    = 1", "default_vcpus    = 2"),
                         ("#default_maxvcpus = 8", "default_maxvcpus = 4"),
                         ("#static_sandbox_resource_mgmt = false", "static_sandbox_resource_mgmt = true")]
    backups = list(main.parent.glob("configuration-qemu.toml.*~"))
    assert len(backups) == 1 and backups[0].read_text() == original
    assert run_playbook(tmp_path, [task])["changed"] == 0
    remove = {"kata.node.kata_config": {"path": str(main), "mode": "inplace", "state": "absent",
                                        "settings": {"default_maxvcpus": None}}}
    assert run_playbook(tmp_path, [remove])["changed"] == 1
    assert "default_maxvcpus" not in main.read_text().replace("#default_maxvcpus", "")
    assert run_playbook(tmp_path, [remove])["changed"] == 0


BAD_INPUTS = [
    ({"settings": {"default_vcpu": 2}}, "did you mean default_vcpus?"),
    ({"settings": {"default_vcpus": "two"}}, "'two' is not a number"),
    ({"settings": {"default_memory": 128}}, "below 256 MiB"),
    ({"settings": {"default_memory": "1.5"}}, "drop the fraction"),
    ({"settings": {"default_vcpus": 16, "default_maxvcpus": 8}}, "more than default_maxvcpus 8"),
    ({"settings": {"default_memory": 8192, "default_maxmemory": 4096}}, "more than default_maxmemory 4096"),
    ({"settings": {"overhead_vcpus": 0.2}}, "exists only in runtime-rs"),
    ({"settings": {"enable_cpu_memory_hotplug": True}}, "openEuler addition"),
    ({"settings": {"enable_virtio_mem": True}, "hypervisor": "clh"}, "does not match"),
    ({"settings": {"enable_annotations": ["path"]}}, "allow_unsafe_annotations: true"),
    ({"settings": {"enable_annotations": ["kernel_params"]}}, "guest kernel parameters"),
    ({"settings": {"enable_annotations": [".*"]}}, "unsafe annotation(s)"),
    ({"settings": {"enable_annotations": ["("]}}, "not a valid regular expression"),
    ({"settings": {"enable_annotations": "default_vcpus"}}, "expected a list of strings"),
    ({"settings": {"sandbox_cgroup_only": "maybe"}}, "expected true or false"),
    ({"settings": {"runtime": {"default_vcpus": 1}}}, "belongs to [hypervisor.qemu]"),
    ({"settings": {"hypervisor.clh": {"default_vcpus": 1}}}, "hypervisor table is [hypervisor.qemu]"),
    ({"settings": {"enable_debug": True}}, "give the settings as {table: {key: value}}"),
    ({"settings": {"default_bridges": 7}}, "at most 5"),
    ({"settings": {"shared_fs": "nfs"}}, "is not one of"),
    ({"settings": {}}, "nothing to set"),
    ({"settings": {"default_vcpus": 1}, "dropin": "../evil.toml"}, "not a drop-in file name"),
    ({"settings": {"default_vcpus": 1}, "flavour": "rs", "hypervisor": "fc"}, "hypervisor: fc does not match"),
    ({"settings": {"default_vcpus": 1}, "mode": "inplace", "path": "MISSING"}, "does not exist"),
    ({"settings": {"default_vcpus": 1}, "path": "BROKEN"}, "is not valid TOML (line 3"),
    ({"settings": {"default_vcpus": 1}, "path": "BADDROPIN"}, "50-site.toml is not valid TOML"),
    ({"settings": {"static_sandbox_resource_mgmt": False}, "path": "FC"}, "Firecracker cannot hot-plug"),
]


def test_bad_inputs_fail_and_change_nothing(tmp_path, node):
    main = str(node / SHIPPED / "configuration-qemu.toml")
    broken = node / "broken" / "configuration-qemu.toml"
    broken.parent.mkdir()
    broken.write_text("[hypervisor.qemu]\ndefault_vcpus = 1\ndefault_memory = = 2\n")
    baddrop = node / "baddrop" / "configuration-qemu.toml"
    (baddrop.parent / "config.d").mkdir(parents=True)
    shutil.copy(FIXTURE, baddrop)
    (baddrop.parent / "config.d" / "50-site.toml").write_text("[runtime\n")
    fc = node / "fc" / "configuration-fc.toml"
    fc.parent.mkdir()
    fc.write_text("[hypervisor.firecracker]\ndefault_vcpus = 1\n[runtime]\nstatic_sandbox_resource_mgmt = true\n")
    paths = {"MISSING": str(node / "none" / "configuration.toml"), "BROKEN": str(broken),
             "BADDROPIN": str(baddrop), "FC": str(fc)}
    cases = []
    for args, _words in BAD_INPUTS:
        args = dict(args)
        args["path"] = paths.get(args.get("path", ""), main)
        cases.append(args)
    before = snapshot(node)
    task = {"kata.node.kata_config": "{{ item }}", "loop": cases, "register": "r", "ignore_errors": True}
    dump = {"ansible.builtin.copy": {"content": "{{ r.results | to_json }}", "dest": str(tmp_path / "bad.json")}}
    run = run_playbook(tmp_path, [task, dump], "--diff")
    assert run["failed"] == 0  # ignored
    results = json.loads((tmp_path / "bad.json").read_text())
    assert len(results) == len(BAD_INPUTS) >= 20
    for (args, words), result in zip(BAD_INPUTS, results):
        assert result.get("failed") is True, (args, result)
        assert words in result["msg"], (args, result["msg"])
        assert result["changed"] is False
    assert snapshot(node) == before


def test_node_facts_fake_root(tmp_path):
    root = tmp_path / "node"
    for path, text in {
        "proc/cpuinfo": "processor : 0\nflags : svm\nprocessor : 1\nflags : svm\nprocessor : 2\nflags : svm\n",
        "proc/meminfo": "MemTotal: 4194304 kB\n",
        "sys/module/kvm_amd/parameters/nested": "1\n",
        "sys/fs/cgroup/cpu/tasks": "", "sys/fs/cgroup/memory/tasks": "",
        "etc/containerd/config.toml": "version = 2\n[plugins]\n",
        "usr/bin/containerd": "",
        "opt/kata/runtime-rs/bin/containerd-shim-kata-v2": "",
        f"{SHIPPED}/runtime-rs/configuration-qemu-runtime-rs.toml": "[hypervisor.qemu]\n",
        "etc/kata-containers/configuration.toml": "[hypervisor.qemu]\n",
        "etc/kata-containers/config.d/60-x.toml": "",
    }.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    task = {"kata.node.node_facts": {"root": str(root)}}
    dump = {"ansible.builtin.copy": {"content": "{{ ansible_facts.kata_node | to_json }}",
                                     "dest": str(tmp_path / "facts.json")}, "check_mode": False}
    run = run_playbook(tmp_path, [task, dump], "--check")
    assert run["rc"] == 0
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert facts["cpus"] == 3 and facts["memory_mib"] == 4096 and facts["virt_flags"] == ["svm"]
    assert facts["nested"] is True and facts["kvm"] is False and facts["cgroup_version"] == "v1"
    assert facts["containerd"]["config_version"] == 2 and facts["containerd"]["version"] is None
    kata = facts["kata"]
    assert kata["flavour"] == "rs" and kata["config_path"] == "/etc/kata-containers/configuration.toml"
    assert kata["dropins"]["/etc/kata-containers/configuration.toml"] == ["/etc/kata-containers/config.d/60-x.toml"]
    assert kata["defaults_by_hypervisor"]["qemu"] == f"/{SHIPPED}/runtime-rs/configuration-qemu-runtime-rs.toml"
    assert facts["kubelet"]["installed"] is False


def test_role_on_a_root_without_kata(tmp_path):
    root = tmp_path / "demo"
    root.mkdir()
    extra = {"kata_node_root": str(root), "kata_runtime_vcpus": "2", "kata_runtime_memory": 3072,
             "kata_runtime_sandbox_cgroup_only": True}
    publish = {"ansible.builtin.copy": {"content": "{{ kata_node_settings | to_json }}",
                                        "dest": str(tmp_path / "settings.json")}}
    roles = [{"role": "kata.node.kata_runtime"}]
    checked = run_playbook(tmp_path, [], "--check", "--diff", extra=extra, roles=roles)
    assert checked["rc"] == 0 and checked["changed"] == 1, checked["out"]
    assert not any(root.iterdir())
    first = run_playbook(tmp_path, [publish], "--diff", extra=extra, roles=roles)
    assert first["rc"] == 0 and "Kata is not installed" in first["out"]
    dropin = root / SHIPPED / "config.d" / "50-kata-node.toml"
    assert "default_memory = 3072" in dropin.read_text()
    settings = json.loads((tmp_path / "settings.json").read_text())
    assert settings["config_path"] == f"/{SHIPPED}/configuration-qemu.toml"
    assert settings["dropin_path"] == f"/{SHIPPED}/config.d/50-kata-node.toml"
    assert settings["handler"] == "kata-qemu" and settings["runtime"] == "go"
    assert settings["settings"]["default_vcpus"] == 2 and settings["settings"]["default_memory"] == 3072
    assert settings["annotations"] == ["default_vcpus", "default_memory"]
    second = run_playbook(tmp_path, [], extra=extra, roles=roles)
    assert second["rc"] == 0 and second["changed"] == 0


@pytest.mark.parametrize("extra,words", [
    ({"kata_runtime_hypervisor": "fc", "kata_runtime_static_sizing": False}, "Firecracker cannot hot-plug"),
    ({"kata_runtime_overhead_vcpus": 0.2}, "only runtime-rs has overhead_*"),
    ({"kata_runtime_flavour": "rs", "kata_runtime_hypervisor": "fc"}, "not available with flavour rs"),
    ({"kata_runtime_mode": "inplace"}, "Kata is not installed"),
])
def test_role_refuses_inconsistent_plans(tmp_path, extra, words):
    root = tmp_path / "demo"
    root.mkdir()
    run = run_playbook(tmp_path, [], extra=dict(extra, kata_node_root=str(root)),
                       roles=[{"role": "kata.node.kata_runtime"}])
    assert run["rc"] != 0 and words in run["out"], run["out"]
    assert not any(root.iterdir())
