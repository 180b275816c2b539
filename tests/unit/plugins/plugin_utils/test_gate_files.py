# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Targeted edits of kubeadm-format files: only the gate (or admission) lines change."""

from __future__ import annotations

import difflib
import os
import subprocess

import pytest
import yaml

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.plugin_utils import gate_files

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FIXTURES = os.path.join(REPO, "tests", "unit", "fixtures", "kubeadm")
VALIDATOR = os.path.join(REPO, "build", "venv", "bin", "kubernetes-validate")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def changed_lines(before, after):
    """(removed lines, added lines) of a line-by-line comparison."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


# --- KubeletConfiguration -------------------------------------------------------------------------

def test_kubelet_config_adds_block_in_sorted_place():
    before = fixture("kubelet-config.yaml")
    assert gate_files.kubelet_config_gates(before, "config.yaml") == {}
    after = gate_files.write_kubelet_config(before, {"PodOverhead": True}, "config.yaml")
    assert changed_lines(before, after) == ([], ["featureGates:", "  PodOverhead: true"])
    lines = after.splitlines()
    assert lines[lines.index("featureGates:") - 1] == "evictionPressureTransitionPeriod: 0s"


def test_kubelet_config_edits_existing_block_keeping_comments():
    before = fixture("kubelet-config-gates.yaml")
    assert gate_files.kubelet_config_gates(before, "c") == {"CPUManager": True, "TopologyManager": False}
    after = gate_files.write_kubelet_config(before, {"CPUManager": True, "TopologyManager": True, "MemoryManager": True},
                                            "c")
    assert changed_lines(before, after) == (["  TopologyManager: false"],
                                            ["  MemoryManager: true", "  TopologyManager: true"])
    assert "  # kept for the GPU nodes\n" in after
    assert gate_files.write_kubelet_config(after, gate_files.kubelet_config_gates(after, "c"), "c") == after


def test_kubelet_config_removes_block_when_empty():
    before = fixture("kubelet-config-gates.yaml")
    after = gate_files.write_kubelet_config(before, {}, "c")
    assert "featureGates" not in after
    assert yaml.safe_load(after) == {k: v for k, v in yaml.safe_load(before).items() if k != "featureGates"}


def test_kubelet_config_flow_style_and_missing_file():
    before = "apiVersion: kubelet.config.k8s.io/v1beta1\nfeatureGates: {CPUManager: true}\nkind: KubeletConfiguration\n"
    after = gate_files.write_kubelet_config(before, {"CPUManager": True, "PodOverhead": True}, "c")
    assert after == ("apiVersion: kubelet.config.k8s.io/v1beta1\nfeatureGates:\n  CPUManager: true\n"
                     "  PodOverhead: true\nkind: KubeletConfiguration\n")
    created = gate_files.write_kubelet_config(None, {"PodOverhead": True}, "c")
    assert yaml.safe_load(created) == {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
                                       "featureGates": {"PodOverhead": True}}


@pytest.mark.parametrize("text, message", [
    ("kind: [unclosed\n", "path: c is not valid YAML at line 2; fix the file on the node first."),
    ("- a\n- b\n", "path: c is not a KubeletConfiguration mapping; point path at the kubelet config file."),
    ("kind: Pod\n", "path: c holds a Pod, not a KubeletConfiguration; point path at the kubelet config."),
    ("featureGates:\n  A: yes please\n", "path: featureGates in c is not a map of gate names to true/false; fix it first."),
])
def test_kubelet_config_bad_files(text, message):
    with pytest.raises(KataNodeError) as err:
        gate_files.kubelet_config_gates(text, "c")
    assert str(err.value) == message


# --- env file --------------------------------------------------------------------------------------

def test_env_file_empty_variable():
    before = fixture("default-kubelet")
    after = gate_files.write_env_file(before, {"PodOverhead": True}, "KUBELET_EXTRA_ARGS")
    assert after == "KUBELET_EXTRA_ARGS=--feature-gates=PodOverhead=true\n"


def test_env_file_merges_and_keeps_other_flags():
    before = fixture("sysconfig-kubelet")
    assert gate_files.env_file_gates(before, "KUBELET_EXTRA_ARGS") == {"CPUManager": True}
    after = gate_files.write_env_file(before, {"CPUManager": True, "PodOverhead": True}, "KUBELET_EXTRA_ARGS")
    removed, added = changed_lines(before, after)
    assert removed == ['KUBELET_EXTRA_ARGS="--node-ip=10.88.0.21 --feature-gates=CPUManager=true --max-pods=150"']
    assert added == ['KUBELET_EXTRA_ARGS="--node-ip=10.88.0.21 --feature-gates=CPUManager=true,PodOverhead=true '
                     '--max-pods=150"']
    assert gate_files.write_env_file(after, {"CPUManager": True, "PodOverhead": True}, "KUBELET_EXTRA_ARGS") == after


def test_env_file_repeated_flags_collapse_into_one():
    before = "KUBELET_EXTRA_ARGS='--feature-gates A=true --v=2 --feature-gates=A=false,B=true'\n"
    assert gate_files.env_file_gates(before, "KUBELET_EXTRA_ARGS") == {"A": False, "B": True}
    after = gate_files.write_env_file(before, {"A": False, "B": True}, "KUBELET_EXTRA_ARGS")
    assert after == "KUBELET_EXTRA_ARGS='--feature-gates=A=false,B=true --v=2'\n"


def test_env_file_missing_variable_and_removal():
    assert gate_files.write_env_file("OTHER=1", {"A": True}, "KUBELET_EXTRA_ARGS") == \
        "OTHER=1\nKUBELET_EXTRA_ARGS=--feature-gates=A=true\n"
    before = 'KUBELET_EXTRA_ARGS="--v=2 --feature-gates=A=true"\n'
    assert gate_files.write_env_file(before, {}, "KUBELET_EXTRA_ARGS") == 'KUBELET_EXTRA_ARGS="--v=2"\n'


def test_env_file_bad_flag_value():
    with pytest.raises(KataNodeError) as err:
        gate_files.env_file_gates("KUBELET_EXTRA_ARGS=--feature-gates=A\n", "KUBELET_EXTRA_ARGS")
    assert str(err.value) == "KUBELET_EXTRA_ARGS: missing bool value for A; write A=true or A=false."
    with pytest.raises(KataNodeError) as err:
        gate_files.env_file_gates('KUBELET_EXTRA_ARGS="--v=2\n', "KUBELET_EXTRA_ARGS")
    assert str(err.value) == "KUBELET_EXTRA_ARGS: the value has an unterminated \" quote; fix the line first."


# --- systemd drop-in ---------------------------------------------------------------------------------

def test_exec_start_from_kubeadm_dropin():
    command = gate_files.exec_start_of(["[Service]\nExecStart=/usr/bin/kubelet\n", fixture("10-kubeadm.conf")])
    assert command == "/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS " \
                      "$KUBELET_EXTRA_ARGS"
    assert gate_files.uses_variable(command, "KUBELET_EXTRA_ARGS")
    assert not gate_files.uses_variable(command, "KUBELET_FEATURE")
    assert gate_files.uses_variable("/usr/bin/kubelet ${KUBELET_FEATURE}", "KUBELET_FEATURE")
    assert gate_files.exec_start_of(["[Service]\nExecStart=/a \\\n  --b\n"]) == "/a    --b"


def test_dropin_render_and_read_back():
    text = gate_files.render_dropin({"PodOverhead": True}, "KUBELET_FEATURE", "/usr/bin/kubelet $KUBELET_EXTRA_ARGS")
    assert text == ("# Managed by kata.node.feature_gates: kubelet feature gates.\n[Service]\n"
                    'Environment="KUBELET_FEATURE=--feature-gates=PodOverhead=true"\n'
                    "ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS $KUBELET_FEATURE\n")
    assert gate_files.dropin_gates(text, "KUBELET_FEATURE") == {"PodOverhead": True}
    assert gate_files.render_dropin({}, "KUBELET_FEATURE", None) is None


# --- static Pod manifests ---------------------------------------------------------------------------

def test_apiserver_gate_inserted_sorted_and_admission_fixed(tmp_path):
    before = fixture("kube-apiserver.yaml")
    component, gates, tag = gate_files.static_pod_info(before, "m")
    assert (component, gates, tag) == ("kube-apiserver", {}, "v1.30.4")
    after, warnings = gate_files.write_static_pod(before, {"CPUManager": True}, "m")
    removed, added = changed_lines(before, after)
    assert removed == ["    - --disable-admission-plugins=RuntimeClass,DefaultStorageClass"]
    assert added == ["    - --disable-admission-plugins=DefaultStorageClass", "    - --feature-gates=CPUManager=true"]
    assert warnings == ["RuntimeClass was listed in --disable-admission-plugins of m; removed it, because without that "
                        "admission plugin pods get no RuntimeClass overhead or scheduling."]
    lines = after.splitlines()
    index = lines.index("    - --feature-gates=CPUManager=true")
    assert lines[index - 1] == "    - --etcd-servers=https://127.0.0.1:2379"
    assert gate_files.write_static_pod(after, {"CPUManager": True}, "m") == (after, [])
    path = tmp_path / "kube-apiserver.yaml"
    path.write_text(after, encoding="utf-8")
    result = subprocess.run([VALIDATOR, "--strict", "-k", "1.30.0", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_scheduler_gate_replaced_and_removed():
    before = fixture("kube-scheduler.yaml")
    assert gate_files.static_pod_info(before, "m")[:2] == ("kube-scheduler", {"PodOverhead": True})
    after = gate_files.write_static_pod(before, {"PodOverhead": False}, "m")[0]
    assert changed_lines(before, after) == (["    - --feature-gates=PodOverhead=true"],
                                            ["    - --feature-gates=PodOverhead=false"])
    gone = gate_files.write_static_pod(before, {}, "m")[0]
    assert changed_lines(before, gone) == (["    - --feature-gates=PodOverhead=true"], [])


def test_controller_manager_gate_appended_in_order():
    before = fixture("kube-controller-manager.yaml")
    after, warnings = gate_files.write_static_pod(before, {"CPUManager": True}, "m")
    assert warnings == []
    lines = after.splitlines()
    index = lines.index("    - --feature-gates=CPUManager=true")
    assert lines[index - 1] == "    - --controllers=*,bootstrapsigner,tokencleaner"
    assert lines[index + 1] == "    - --kubeconfig=/etc/kubernetes/controller-manager.conf"


@pytest.mark.parametrize("text, message", [
    (None, "path: m does not exist; static Pod manifests are not created, point path at one."),
    ("apiVersion: v1\nkind: Pod\nspec: {}\n", "path: m is not a Pod with a container command; point path at a static "
                                              "Pod manifest."),
    ("spec:\n  containers:\n  - command: [etcd, --data-dir=/x]\n", "path: m has no command list starting with "
     "kube-apiserver, kube-scheduler or kube-controller-manager in block style; point path at a kubeadm static Pod "
     "manifest."),
    ("spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --feature-gates=A=maybe\n",
     "m --feature-gates A: 'maybe' is not a boolean; write true or false."),
])
def test_static_pod_bad_files(text, message):
    with pytest.raises(KataNodeError) as err:
        gate_files.static_pod_info(text, "m")
    assert str(err.value) == message
