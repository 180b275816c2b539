# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RuntimeClass manifests: API version per release, canonical overhead, validation by kubernetes-validate."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from ansible_collections.kata.node.plugins.filter.runtimeclass import FilterModule
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.overhead import recommend_pod_overhead
from ansible_collections.kata.node.plugins.module_utils.runtimeclass import api_version_for, build_runtimeclass

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
VALIDATOR = os.path.join(REPO, "build", "venv", "bin", "kubernetes-validate")
runtimeclass = FilterModule().filters()["runtimeclass"]

SELECTOR = {"katacontainers.io/kata-runtime": "true"}
TOLERATIONS = [{"key": "kata", "operator": "Exists", "effect": "NoSchedule"},
               {"key": "dedicated", "operator": "Equal", "value": "kata", "effect": "NoExecute",
                "tolerationSeconds": "30"}]


def kubernetes_validate(manifest, version, tmp_path):
    path = tmp_path / "rc.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return subprocess.run([VALIDATOR, "--strict", "-k", version, str(path)], capture_output=True, text=True,
                          check=False)


@pytest.mark.parametrize("version, api", [
    ("1.16", "node.k8s.io/v1beta1"), ("v1.19.16", "node.k8s.io/v1beta1"), ("1.20", "node.k8s.io/v1"),
    ("1.25.3-eks-1", "node.k8s.io/v1"), ("1.35", "node.k8s.io/v1"),
])
def test_api_version_per_release(version, api):
    assert api_version_for(version) == api
    manifest = build_runtimeclass("kata-qemu", version, overhead={"cpu": "250m", "memory": "320Mi"})
    assert manifest["apiVersion"] == api
    # v1beta1 and v1 both carry handler/overhead/scheduling at the top level.
    assert manifest["handler"] == "kata-qemu" and manifest["overhead"] == {"podFixed": {"cpu": "250m", "memory": "320Mi"}}


# kubernetes-validate bundles schemas from 1.25 on; node.k8s.io/v1 has the same shape since 1.20.
@pytest.mark.parametrize("version", ["1.25.0", "1.30.0", "1.33.0", "1.35.0"])
def test_rendered_manifest_validates_strictly(version, tmp_path):
    manifest = runtimeclass("kata-qemu", version=version, overhead={"cpu": "0.25", "memory": "0.3125Gi"},
                            node_selector=SELECTOR, tolerations=TOLERATIONS)
    assert manifest["overhead"]["podFixed"] == {"cpu": "250m", "memory": "320Mi"}
    result = kubernetes_validate(manifest, version, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout or "INFO" in result.stdout


def test_validator_catches_a_broken_manifest(tmp_path):
    manifest = build_runtimeclass("kata-qemu", "1.30")
    manifest["overhead"] = {"podExtra": {}}
    result = kubernetes_validate(manifest, "1.30.0", tmp_path)
    assert result.returncode == 1 and "podExtra" in result.stdout + result.stderr


def test_computed_overhead_matches_pod_overhead_core(tmp_path):
    settings = {"sandbox_cgroup_only": True, "default_memory": 2048}
    manifest = runtimeclass("kata-clh", version="1.30", kata_settings=settings, hypervisor="clh")
    assert manifest["overhead"]["podFixed"] == recommend_pod_overhead(settings, "clh", "go").pod_fixed
    assert kubernetes_validate(manifest, "1.30.0", tmp_path).returncode == 0


def test_name_defaults_to_handler_and_can_differ():
    assert build_runtimeclass("kata-fc", "1.30")["metadata"] == {"name": "kata-fc"}
    manifest = build_runtimeclass("kata-fc", "1.30", name="kata.firecracker")
    assert manifest["metadata"] == {"name": "kata.firecracker"} and "overhead" not in manifest


@pytest.mark.parametrize("overhead, canonical", [
    ({"cpu": "1.5", "memory": "1.5Gi"}, {"cpu": "1500m", "memory": "1536Mi"}),
    ({"cpu": "1000m", "memory": "1024Mi"}, {"cpu": "1", "memory": "1Gi"}),
    ({"memory": "1000M", "ephemeral-storage": "1e+3"}, {"ephemeral-storage": "1e3", "memory": "1G"}),
    ({"cpu": 0, "hugepages-2Mi": "0"}, {"cpu": "0", "hugepages-2Mi": "0"}),
    ({"memory": 335544320}, {"memory": "335544320"}),  # a bare number stays decimal, as in kube
])
def test_overhead_canonical_strings(overhead, canonical):
    assert build_runtimeclass("kata", "1.30", overhead=overhead)["overhead"]["podFixed"] == canonical


@pytest.mark.parametrize("kwargs, message", [
    ({"handler": "Kata_QEMU"}, "handler: 'Kata_QEMU' is not a DNS label (at most 63 characters of a-z, 0-9 and '-', "
                               "starting and ending with a letter or digit); use a name like 'kata-qemu'."),
    ({"handler": "kata.qemu"}, "handler: 'kata.qemu' is not a DNS label (at most 63 characters of a-z, 0-9 and '-', "
                               "starting and ending with a letter or digit); use a name like 'kata-qemu'."),
    ({"handler": ""}, "handler: expected a lower-case DNS label such as 'kata-qemu', got ''."),
    ({"version": "1.15"}, "version: Kubernetes 1.15 has no RuntimeClass overhead or scheduling (they arrived in "
                          "1.16); upgrade the cluster to 1.16 or later."),
    ({"version": 1.2}, "version: 1.2 is a number, which drops trailing zeros (1.30 reads as 1.3); quote it, e.g. "
                       "'1.30'."),
    ({"overhead": {"cpu": "-1"}}, "overhead.cpu: '-1' is negative; overhead must be zero or more."),
    ({"overhead": {"cpu": "0.1m"}}, "overhead.cpu: '0.1m' is finer than 1m; round it to whole millicores."),
    ({"overhead": {"memory": "400m"}}, "overhead.memory: '400m' is a fraction of a byte (a lower-case 'm' means "
                                       "milli); use Mi or Gi."),
    ({"overhead": {"memroy": "1Gi"}}, "overhead: 'memroy' is not a standard resource; did you mean 'memory'?"),
    ({"overhead": ["1Gi"]}, "overhead: expected a mapping of resources to quantities such as {cpu: 250m, memory: "
                            "160Mi}, got list."),
    ({"overhead": {"cpu": "1"}, "kata_settings": {}},
     "overhead: give either overhead or kata_settings, not both; drop one of them."),
    ({"name": "Kata"}, "name: 'Kata' is not a valid object name (lower-case letters, digits, '-' and '.', at most 253 "
                       "characters); use a name like 'kata-qemu'."),
    ({"node_selector": {"kata": True}}, "node_selector.kata: True is not a string; label values are strings, so quote "
                                        "it (e.g. \"true\")."),
    ({"node_selector": {"bad key!": "x"}}, "node_selector: 'bad key!' is not a valid label key (an optional DNS prefix "
                                           "and '/', then at most 63 letters, digits, '-', '_' or '.'); use a key like "
                                           "'katacontainers.io/kata-runtime'."),
    ({"tolerations": [{"key": "k", "effects": "NoSchedule"}]}, "tolerations[0]: unknown toleration field 'effects'; "
                                                               "did you mean 'effect'?"),
    ({"tolerations": [{"key": "k", "effect": "NoSchedul"}]}, "tolerations[0].effect: 'NoSchedul' is not a taint "
                                                             "effect; did you mean 'NoSchedule'?"),
    ({"tolerations": [{"operator": "Equal", "value": "x"}]}, "tolerations[0].operator: a toleration without a key must "
                                                             "use operator Exists; set it."),
    ({"tolerations": [{"key": "k", "operator": "Exists", "value": "x"}]},
     "tolerations[0].value: operator Exists takes no value; remove the value or use Equal."),
    ({"tolerations": [{"key": "k", "tolerationSeconds": 5}]},
     "tolerations[0].tolerationSeconds: only allowed with effect NoExecute; set that or drop it."),
    ({"tolerations": {"key": "k"}}, "tolerations: expected a list of tolerations (mappings), got dict."),
])
def test_bad_input(kwargs, message):
    args = {"handler": "kata-qemu", "version": "1.30"}
    args.update(kwargs)
    with pytest.raises(KataNodeError) as err:
        build_runtimeclass(**args)
    assert str(err.value) == message


def test_quantity_errors_come_from_the_quantity_core():
    with pytest.raises(KataNodeError, match=r"^overhead\.memory: .* is not a valid Kubernetes quantity"):
        build_runtimeclass("kata-qemu", "1.30", overhead={"memory": "1 Gi"})


def test_filter_errors_and_docs():
    from ansible.errors import AnsibleFilterError
    with pytest.raises(AnsibleFilterError) as err:
        runtimeclass("kata-qemu")
    assert str(err.value) == "kata.node.runtimeclass: version is required; pass version='1.30' (quoted)."
    with pytest.raises(AnsibleFilterError, match=r"^kata\.node\.runtimeclass: handler: "):
        runtimeclass("KATA", version="1.30")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    out = subprocess.run([os.path.join(REPO, "build", "venv", "bin", "ansible-doc"), "-t", "filter",
                          "kata.node.runtimeclass"], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    text = " ".join(out.stdout.split())
    assert "Returns the RuntimeClass object (a dict) for a runtime handler" in text and "kata_settings" in text
