# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kata.node.feature_gates filter: outputs, warnings through Display, errors as AnsibleFilterError."""

from __future__ import annotations

import os
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.filter.feature_gates import FilterModule

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
feature_gates = FilterModule().filters()["feature_gates"]


def test_outputs():
    gates = {"PodOverhead": True, "CPUManager": "true"}
    assert feature_gates(gates, version="1.17", component="kube-apiserver") == {"CPUManager": True, "PodOverhead": True}
    assert feature_gates(gates, version="1.17", output="flag") == "--feature-gates=CPUManager=true,PodOverhead=true"
    assert feature_gates(gates, version="1.17", output="value") == "CPUManager=true,PodOverhead=true"
    assert feature_gates({"PodOverhead": True}, version="1.30", output="flag") == ""


def test_warnings_go_to_display(monkeypatch):
    seen = []
    monkeypatch.setattr("ansible.utils.display.Display.warning", lambda self, msg, *a, **k: seen.append(msg))
    assert feature_gates({"PodOverhead": True}, version="1.30") == {}
    assert seen == ["kata.node.feature_gates: PodOverhead was removed in Kubernetes 1.26 because its feature is always "
                    "on; dropped it from the kubelet gates for 1.30 (setting it would make kubelet fail to start)."]


@pytest.mark.parametrize("kwargs, message", [
    ({"version": "1.26"}, "kata.node.feature_gates: gates.PodOverhead: the gate was removed in Kubernetes 1.26, so "
                          "kubelet 1.26 would fail with 'unrecognized feature gate: PodOverhead'; remove it from the gates."),
    ({}, "kata.node.feature_gates: version is required; pass version='1.30' (quoted)."),
    ({"version": "1.20", "output": "yaml"}, "kata.node.feature_gates: output must be one of map, flag, value, not 'yaml'."),
])
def test_errors(kwargs, message):
    with pytest.raises(AnsibleFilterError) as err:
        feature_gates({"PodOverhead": False}, **kwargs)
    assert str(err.value) == message


def test_ansible_doc_prints_the_filter_docs():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    out = subprocess.run([os.path.join(REPO, "build", "venv", "bin", "ansible-doc"), "-t", "filter",
                          "kata.node.feature_gates"], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    text = " ".join(out.stdout.split())
    assert "Checks a map of feature gates against the gate table of the collection" in text
    assert "choices: [kubelet, kube-apiserver, kube-scheduler, kube-controller-manager]" in text
