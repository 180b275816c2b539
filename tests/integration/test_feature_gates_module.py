# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kata.node.feature_gates through ansible-playbook on localhost against a temporary node root."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "unit", "fixtures", "kubeadm")
PLAYBOOK = os.path.join(REPO, "build", "venv", "bin", "ansible-playbook")

pytestmark = pytest.mark.slow


def make_root(tmp_path):
    root = tmp_path / "node"
    layout = {
        "var/lib/kubelet/config.yaml": "kubelet-config-gates.yaml",
        "etc/sysconfig/kubelet": "sysconfig-kubelet",
        "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": "10-kubeadm.conf",
        "etc/kubernetes/manifests/kube-apiserver.yaml": "kube-apiserver.yaml",
        "etc/kubernetes/manifests/kube-scheduler.yaml": "kube-scheduler.yaml",
    }
    for dest, name in layout.items():
        path = root / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(FIXTURES, name), path)
    kubelet = root / "usr/bin/kubelet"
    kubelet.parent.mkdir(parents=True, exist_ok=True)
    kubelet.write_text("#!/bin/sh\necho 'Kubernetes v1.30.4'\n", encoding="utf-8")
    kubelet.chmod(0o755)
    return root


def snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def play(tmp_path, tasks, *extra):
    """Run the tasks; return (rc, registered results, number changed)."""
    out = tmp_path / "results.json"
    tasks = [dict(task, register=f"r{index}") for index, task in enumerate(tasks)]
    names = ", ".join(f"r{index}" for index in range(len(tasks)))
    tasks.append({"ansible.builtin.copy": {"dest": str(out), "content": "{{ [%s] | to_json }}" % names,
                                           "mode": "0600"},
                  "check_mode": False, "diff": False, "delegate_to": "localhost"})
    book = tmp_path / "play.yml"
    book.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], sort_keys=False),
                    encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PIPELINING="1")
    if out.exists():
        out.unlink()
    proc = subprocess.run([PLAYBOOK, str(book), *extra], cwd=REPO, env=env, capture_output=True, text=True,
                          check=False)
    if not out.exists():
        raise AssertionError(proc.stdout + proc.stderr)
    results = json.loads(out.read_text(encoding="utf-8"))
    return proc.returncode, results, sum(1 for r in results if r.get("changed"))


def tasks_for(root):
    return [
        {"name": "kubelet config", "kata.node.feature_gates": {
            "path": f"{root}/var/lib/kubelet/config.yaml", "gates": {"PodOverhead": True, "TopologyManager": True, "KubeletTracing": True},
            "kubelet_binary": f"{root}/usr/bin/kubelet"}},
        {"name": "env file", "kata.node.feature_gates": {
            "target": "env_file", "path": f"{root}/etc/sysconfig/kubelet", "gates": {"MemoryManager": True},
            "version": "1.30"}},
        {"name": "drop-in", "kata.node.feature_gates": {
            "target": "systemd_dropin", "path": f"{root}/etc/systemd/system/kubelet.service.d/20-kata.conf",
            "gates": {"CPUManager": True}, "version": "v1.30.4",
            "unit_files": [f"{root}/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"]}},
        {"name": "apiserver", "kata.node.feature_gates": {
            "target": "static_pod", "path": f"{root}/etc/kubernetes/manifests/kube-apiserver.yaml",
            "gates": {"PodOverhead": True, "APIResponseCompression": True}, "backup": True}},
        {"name": "scheduler on 1.17", "kata.node.feature_gates": {
            "target": "static_pod", "path": f"{root}/etc/kubernetes/manifests/kube-scheduler.yaml",
            "gates": {"PodOverhead": True}}},
    ]


def test_converge_check_diff_and_idempotence(tmp_path):
    root = make_root(tmp_path)
    original = snapshot(root)
    rc, results, changed = play(tmp_path, tasks_for(root), "--check", "--diff")
    assert rc == 0 and changed == 4, results
    assert snapshot(root) == original  # check mode wrote nothing
    assert "+    - --feature-gates=APIResponseCompression=true" in results[3]["diff"][0]["after"] or \
        "--feature-gates=APIResponseCompression=true" in results[3]["diff"][0]["after"]

    rc, results, changed = play(tmp_path, tasks_for(root), "--diff")
    assert rc == 0 and changed == 4, results
    # PodOverhead is removed on 1.30: dropped with a warning from the kubelet config and the apiserver manifest.
    assert results[0]["gates"] == {"CPUManager": True, "KubeletTracing": True}
    assert results[0]["dropped"] == ["PodOverhead", "TopologyManager"]
    assert any("PodOverhead was removed in Kubernetes 1.26" in w for w in results[0]["warnings"])
    assert results[3]["backup_file"].startswith(f"{root}/etc/kubernetes/manifests/kube-apiserver.yaml.")
    assert any("RuntimeClass was listed in --disable-admission-plugins" in w for w in results[3]["warnings"])
    assert results[4]["changed"] is False and results[4]["version"] == "1.17"  # already has PodOverhead=true
    assert results[2]["exec_start_redeclared"] is True

    config = yaml.safe_load((root / "var/lib/kubelet/config.yaml").read_text())
    assert config["featureGates"] == {"CPUManager": True, "KubeletTracing": True}
    env = (root / "etc/sysconfig/kubelet").read_text()
    assert '--feature-gates=CPUManager=true,MemoryManager=true --max-pods=150"' in env
    dropin = (root / "etc/systemd/system/kubelet.service.d/20-kata.conf").read_text()
    assert 'Environment="KUBELET_FEATURE=--feature-gates=CPUManager=true"\n' in dropin
    assert dropin.endswith("$KUBELET_EXTRA_ARGS $KUBELET_FEATURE\n")
    assert stat.S_IMODE(os.stat(root / "etc/systemd/system/kubelet.service.d/20-kata.conf").st_mode) == 0o644

    converged = snapshot(root)
    rc, results, changed = play(tmp_path, tasks_for(root))
    assert rc == 0 and changed == 0, results
    assert snapshot(root) == converged


BAD = [
    ({"gates": {"PodOverHead": True}, "version": "1.20"}, "did you mean 'PodOverhead'"),
    ({"gates": {"PodOverhead": False}, "version": "1.26"}, "removed in Kubernetes 1.26"),
    ({"gates": {"PodOverhead": False}, "version": "1.24"}, "feature is locked to true"),
    ({"gates": {"RuntimeClass": False}, "version": "1.21"}, "feature is locked to true"),
    ({"gates": {"SidecarContainers": True}, "version": "1.20"}, "does not exist yet in Kubernetes 1.20"),
    ({"gates": {"CPUManager": "maybe"}, "version": "1.30"}, "'maybe' is not a boolean"),
    ({"gates": {"CPUManager": 1}, "version": "1.30"}, "is not a boolean"),
    ({"gates": {"kube:CPUManager": True}, "version": "1.30"}, "component prefixes"),
    ({"gates": {"CPUManager": True}, "version": "one"}, "is not a Kubernetes version"),
    ({"gates": {"CPUManager": True}, "version": "1.15"}, "older than 1.16"),
    ({"gates": {"CPUManager": True}, "version": "2.30"}, "only Kubernetes 1.x"),
    ({"gates": "CPUManager", "version": "1.30"}, "missing bool value for CPUManager"),
    ({"gates": {"CPUManager": True}, "kubelet_binary": "/nonexistent/kubelet"}, "pass version explicitly"),
    ({"gates": {"CPUManager": True}, "version": "1.30", "target": "static_pod"}, "static Pod manifest"),
    ({"gates": {"CPUManager": True}, "version": "1.30", "target": "bogus"}, "value of target must be one of"),
    ({"gates": {"CPUManager": True}, "version": "1.30", "target": "systemd_dropin",
      "unit_files": ["/nonexistent/kubelet.service"]}, "could not be wired in"),
    ({"gates": {"Bogus": True}, "version": "1.30", "target": "env_file"}, "unknown feature gate"),
]


def test_bad_inputs_fail_and_leave_files_byte_identical(tmp_path):
    root = make_root(tmp_path)
    # The kubelet config of the root, with a broken second copy for the invalid-YAML case.
    broken = root / "var/lib/kubelet/broken.yaml"
    broken.write_text("kind: [unclosed\n", encoding="utf-8")
    tasks = []
    for args, dummy in BAD:
        args = dict(args)
        target = args.get("target", "kubelet_config")
        args["path"] = {
            "kubelet_config": f"{root}/var/lib/kubelet/config.yaml",
            "env_file": f"{root}/etc/sysconfig/kubelet",
            "static_pod": f"{root}/var/lib/kubelet/config.yaml",
            "systemd_dropin": f"{root}/etc/systemd/system/kubelet.service.d/20-kata.conf",
        }.get(target, f"{root}/var/lib/kubelet/config.yaml")
        tasks.append({"kata.node.feature_gates": args, "ignore_errors": True})
    tasks.append({"kata.node.feature_gates": {"path": str(broken), "gates": {"CPUManager": True}, "version": "1.30"},
                  "ignore_errors": True})
    before = snapshot(root)
    rc, results = play(tmp_path, tasks)[:2]
    assert rc == 0
    expected = [needle for dummy, needle in BAD] + ["is not valid YAML at line 2"]
    assert len(expected) >= 15
    for result, needle in zip(results, expected):
        assert result.get("failed") is True, (needle, result)
        assert needle in result["msg"], (needle, result["msg"])
        assert result.get("changed") is False
    assert snapshot(root) == before
