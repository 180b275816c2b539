# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kata.node.feature_gates and kata.node.runtimeclass roles on localhost against a temporary node root."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "unit", "fixtures", "kubeadm")
BIN = os.path.join(REPO, "build", "venv", "bin")

SETTINGS = {"flavour": "go", "runtime": "go", "hypervisor": "qemu", "handler": "kata-qemu",
            "settings": {"default_vcpus": 1, "default_memory": 2048, "sandbox_cgroup_only": True}}


def make_root(tmp_path):
    root = tmp_path / "node"
    for dest, name in {"var/lib/kubelet/config.yaml": "kubelet-config.yaml",
                       "etc/kubernetes/manifests/kube-apiserver.yaml": "kube-apiserver.yaml"}.items():
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(FIXTURES, name), root / dest)
    kubelet = root / "usr/bin/kubelet"
    kubelet.parent.mkdir(parents=True)
    kubelet.write_text("#!/bin/sh\necho 'Kubernetes v1.30.4'\n", encoding="utf-8")
    kubelet.chmod(0o755)
    return root


def run(tmp_path, root, *extra):
    book = tmp_path / "site.yml"
    book.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False,
        "vars": {"kata_node_root": str(root), "kata_node_manage_services": False},
        # kata.node.kata_runtime publishes this fact; the runtimeclass role reads it from hostvars.
        "pre_tasks": [{"name": "Kata settings fact", "ansible.builtin.set_fact": {"kata_node_settings": SETTINGS}}],
        "roles": [
            {"role": "kata.node.feature_gates",
             "feature_gates_kubelet": {"PodOverhead": True, "KubeletTracing": True},
             "feature_gates_kube_apiserver": {"PodOverhead": True, "APIResponseCompression": True}},
            {"role": "kata.node.runtimeclass", "runtimeclass_kubernetes_version": "1.30",
             "runtimeclass_node_selector": {"katacontainers.io/kata-runtime": "true"}},
        ]}], sort_keys=False), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PIPELINING="1")
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), str(book), *extra], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recap = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)", proc.stdout)
    return int(recap.group(2)), proc.stdout + proc.stderr


@pytest.mark.slow
def test_roles_converge_idempotently_without_services(tmp_path):
    root = make_root(tmp_path)
    changed, out = run(tmp_path, root, "--diff")
    assert changed == 4, out  # kubelet config, apiserver manifest, manifest directory, RuntimeClass file
    assert "PodOverhead was removed in Kubernetes 1.26" in " ".join(out.split())
    assert "so the RuntimeClasses were written to" in " ".join(out.split())
    config = yaml.safe_load((root / "var/lib/kubelet/config.yaml").read_text())
    assert config["featureGates"] == {"KubeletTracing": True}
    manifest = (root / "etc/kubernetes/manifests/kube-apiserver.yaml").read_text()
    assert "    - --feature-gates=APIResponseCompression=true\n" in manifest
    assert "    - --disable-admission-plugins=DefaultStorageClass\n" in manifest
    rc_path = root / "etc/kubernetes/kata-runtimeclasses/kata-qemu.yaml"
    runtimeclass = yaml.safe_load(rc_path.read_text())
    assert runtimeclass["apiVersion"] == "node.k8s.io/v1" and runtimeclass["handler"] == "kata-qemu"
    assert runtimeclass["scheduling"] == {"nodeSelector": {"katacontainers.io/kata-runtime": "true"}}
    assert set(runtimeclass["overhead"]["podFixed"]) == {"cpu", "memory"}
    checked = subprocess.run([os.path.join(BIN, "kubernetes-validate"), "--strict", "-k", "1.30.0", str(rc_path),
                              str(root / "etc/kubernetes/manifests/kube-apiserver.yaml")], capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    changed, out = run(tmp_path, root)
    assert changed == 0, out


@pytest.mark.slow
@pytest.mark.parametrize("role", ["kata.node.feature_gates", "kata.node.runtimeclass"])
def test_ansible_doc_for_roles(role):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    out = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", "role", role], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True).stdout
    prefix = role.split(".")[-1]
    assert f"{prefix}_root" in out and f"{prefix}_manage_services" in out
