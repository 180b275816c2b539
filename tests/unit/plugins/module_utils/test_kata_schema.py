"""Tests for the Kata key schema: lookup, coercion, validation and consistency checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ansible_collections.kata.node.plugins.module_utils import kata_schema as ks
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.kata_schema_data import KEYS, LAYOUTS


def test_layouts_cover_the_flavours_and_hypervisors():
    assert set(LAYOUTS) == {"go", "rs", "openeuler"}
    assert set(LAYOUTS["go"]) == {"qemu", "clh", "fc"}
    assert set(LAYOUTS["rs"]) == {"qemu", "dragonball", "clh"}
    assert ks.hypervisor_table("go", "fc") == "hypervisor.firecracker"
    assert "enable_cpu_memory_hotplug" in LAYOUTS["openeuler"]["qemu"]["hypervisor.qemu"]
    assert "enable_cpu_memory_hotplug" not in LAYOUTS["go"]["qemu"]["hypervisor.qemu"]
    assert "overhead_vcpus" in LAYOUTS["rs"]["clh"]["hypervisor.clh"]


def test_every_key_has_type_and_meaning():
    for name, info in KEYS.items():
        assert info["type"] in ("bool", "int", "float", "str", "list"), name
        assert info["meaning"], name
    assert KEYS["hypervisor:default_vcpus"]["type"] == "float"


@pytest.mark.parametrize("settings,expected", [
    ({"default_vcpus": "2"}, {"hypervisor.qemu": {"default_vcpus": 2}}),
    ({"default_vcpus": "1.5"}, {"hypervisor.qemu": {"default_vcpus": 1.5}}),
    ({"default_vcpus": 2.0}, {"hypervisor.qemu": {"default_vcpus": 2}}),
    ({"sandbox_cgroup_only": "yes"}, {"runtime": {"sandbox_cgroup_only": True}}),
    ({"enable_virtio_mem": "false"}, {"hypervisor.qemu": {"enable_virtio_mem": False}}),
    ({"hypervisor": {"default_memory": "4096"}}, {"hypervisor.qemu": {"default_memory": 4096}}),
    ({"runtime": {"static_sandbox_resource_mgmt": 1}}, {"runtime": {"static_sandbox_resource_mgmt": True}}),
    ({"enable_annotations": ["default_vcpus", "^default_memory$"]},
     {"hypervisor.qemu": {"enable_annotations": ["^default_vcpus$", "^default_memory$"]}}),
    ({"agent.kata": {"dial_timeout": "30"}}, {"agent.kata": {"dial_timeout": 30}}),
])
def test_normalize(settings, expected):
    assert ks.normalize_settings(settings, "go", "qemu") == expected


def test_normalize_without_anchoring_keeps_patterns():
    out = ks.normalize_settings({"enable_annotations": ["default_vcpus"]}, "go", "qemu", anchor_annotations=False)
    assert out == {"hypervisor.qemu": {"enable_annotations": ["default_vcpus"]}}


@pytest.mark.parametrize("flavour,hyp,settings,words", [
    ("go", "qemu", {"default_vcpu": 1}, "did you mean default_vcpus?"),
    ("go", "qemu", {"runtime": {"default_vcpus": 1}}, "belongs to [hypervisor.qemu]"),
    ("go", "qemu", {"overhead_vcpus": 0.2}, "exists only in runtime-rs"),
    ("go", "qemu", {"enable_cpu_memory_hotplug": True}, "openEuler"),
    ("go", "clh", {"enable_virtio_mem": True}, "no virtio-mem"),
    ("go", "qemu", {"enable_debug": True}, "give the settings as {table: {key: value}}"),
    ("go", "qemu", {"default_vcpus": "two"}, "is not a number"),
    ("go", "qemu", {"default_memory": 1.5}, "drop the fraction"),
    ("go", "qemu", {"default_memory": True}, "boolean"),
    ("go", "qemu", {"sandbox_cgroup_only": "maybe"}, "expected true or false"),
    ("go", "qemu", {"path": 3}, "expected a string"),
    ("go", "qemu", {"enable_annotations": "default_vcpus"}, "expected a list"),
    ("go", "qemu", {"enable_annotations": ["kernel"]}, "allow_unsafe_annotations: true"),
    ("go", "qemu", {"default_bridges": 9}, "at most 5"),
    ("go", "qemu", {"default_maxvcpus": -1}, "at least 0"),
    ("go", "qemu", {"shared_fs": "nfs"}, "not one of"),
    ("go", "qemu", {"hypervisor.clh": {"default_vcpus": 1}}, "hypervisor table is [hypervisor.qemu]"),
    ("go", "qemu", {"runtim": {"enable_debug": True}}, "did you mean runtime?"),
    ("go", "qemu", {"runtime": {"x": 1}, "default_vcpus": 1}, "mixes a plain key"),
    ("go", "qemu", ["default_vcpus"], "expected a mapping"),
    ("go", "qemu", {"default_vcpus": float("nan")}, "finite"),
])
def test_normalize_refuses(flavour, hyp, settings, words):
    with pytest.raises(KataNodeError) as info:
        ks.normalize_settings(settings, flavour, hyp)
    assert words in str(info.value)
    assert str(info.value).startswith("settings")


def test_flavour_and_hypervisor_checks():
    with pytest.raises(KataNodeError, match="flavour"):
        ks.layout("kata", "qemu")
    with pytest.raises(KataNodeError, match="hypervisor: 'dragonball' is not available with flavour go"):
        ks.layout("go", "dragonball")


def test_openeuler_and_rs_keys_accepted():
    assert ks.normalize_settings({"enable_cpu_memory_hotplug": "true"}, "openeuler", "qemu") == {
        "hypervisor.qemu": {"enable_cpu_memory_hotplug": True}}
    assert ks.normalize_settings({"overhead_vcpus": "0.25", "overhead_memory": 64}, "rs", "dragonball") == {
        "hypervisor.dragonball": {"overhead_vcpus": 0.25, "overhead_memory": 64}}


def _check(effective, requested, flavour="go", hyp="qemu"):
    return ks.check_consistency(effective, requested, flavour, hyp)


def test_vcpus_above_maxvcpus_uses_the_file_values():
    eff = {"hypervisor.qemu": {"default_vcpus": 4, "default_maxvcpus": 2}}
    with pytest.raises(KataNodeError, match="more than default_maxvcpus 2"):
        _check(eff, {"hypervisor.qemu": {"default_vcpus": 4}})
    # maxvcpus 0 means all host CPUs: no error
    assert _check({"hypervisor.qemu": {"default_vcpus": 4, "default_maxvcpus": 0}},
                  {"hypervisor.qemu": {"default_vcpus": 4}}) == []
    # an old inconsistency does not block an unrelated edit
    assert _check(eff, {"runtime": {"sandbox_cgroup_only": True}}) == []


@pytest.mark.parametrize("flavour,hyp,memory,fails", [
    ("go", "qemu", 255, True), ("go", "qemu", 256, False), ("openeuler", "qemu", 128, True),
    ("rs", "qemu", 63, True), ("rs", "qemu", 128, False),
])
def test_memory_floor(flavour, hyp, memory, fails):
    eff = {ks.hypervisor_table(flavour, hyp): {"default_memory": memory}}
    if fails:
        with pytest.raises(KataNodeError, match="default_memory"):
            _check(eff, eff, flavour, hyp)
    else:
        assert _check(eff, eff, flavour, hyp) == []


def test_memory_above_maxmemory():
    eff = {"hypervisor.qemu": {"default_memory": 4096, "default_maxmemory": 2048}}
    with pytest.raises(KataNodeError, match="default_maxmemory 2048"):
        _check(eff, {"hypervisor.qemu": {"default_maxmemory": 2048}})


def test_firecracker_needs_static_sizing():
    eff = {"runtime": {"static_sandbox_resource_mgmt": False}}
    with pytest.raises(KataNodeError, match="Firecracker"):
        _check(eff, eff, "go", "fc")


def test_virtio_mem_with_static_warns():
    eff = {"hypervisor.qemu": {"enable_virtio_mem": True}, "runtime": {"static_sandbox_resource_mgmt": True}}
    assert "no effect" in _check(eff, {"hypervisor.qemu": {"enable_virtio_mem": True}})[0]


@pytest.mark.parametrize("tables,path,expected", [
    ({"hypervisor.qemu": {}, "runtime": {}}, "/x/configuration-qemu.toml", ("go", "qemu")),
    ({"hypervisor.firecracker": {}}, "", ("go", "fc")),
    ({"hypervisor.dragonball": {}}, "", ("rs", "dragonball")),
    ({"hypervisor.qemu": {"overhead_vcpus": 0.2}}, "", ("rs", "qemu")),
    ({"hypervisor.qemu": {}, "runtime": {"name": "virt_container", "hypervisor_name": "qemu"}}, "", ("rs", "qemu")),
    ({"hypervisor.qemu": {"enable_cpu_memory_hotplug": False}}, "", ("openeuler", "qemu")),
    ({}, "/opt/kata/share/defaults/kata-containers/configuration-clh.toml", (None, "clh")),
    ({}, "/opt/kata/share/defaults/kata-containers/runtime-rs/configuration-dragonball.toml", ("rs", "dragonball")),
])
def test_detect(tables, path, expected):
    assert ks.detect(tables, path) == expected


def test_merge_and_flatten_follow_kata_order():
    main = ks.flatten_tables({"hypervisor": {"qemu": {"default_vcpus": 1, "default_memory": 2048}}, "runtime": {"a": 1}})
    assert main == {"hypervisor.qemu": {"default_vcpus": 1, "default_memory": 2048}, "runtime": {"a": 1}}
    out = ks.merge(main, {"hypervisor.qemu": {"default_vcpus": 2}}, {"hypervisor.qemu": {"default_vcpus": 3}})
    assert out["hypervisor.qemu"] == {"default_vcpus": 3, "default_memory": 2048}


def test_sizing_view_fills_stock_values():
    view = ks.sizing_view({"hypervisor.qemu": {"default_vcpus": 2}}, "go", "qemu")
    assert view["default_vcpus"] == 2 and view["default_memory"] == 2048 and view["sandbox_cgroup_only"] is False
    assert "overhead_vcpus" not in view
    rs = ks.sizing_view({}, "rs", "qemu")
    assert rs["overhead_vcpus"] == 0.2 and rs["overhead_memory"] == 32 and rs["static_sandbox_resource_mgmt"] is True
    assert rs["enable_annotations"] == ["enable_iommu", "kernel_params", "kernel_verity_params", "default_vcpus",
                                        "default_memory"]


@pytest.mark.upstream
def test_committed_schema_matches_generator():
    """kata_schema_data.py is what tools/gen_kata_schema.py builds from the Kata templates."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    reference = os.path.join(os.path.dirname(repo), "shared", "reference", "kata")
    if not os.path.isdir(os.path.join(reference, "rendered")):
        pytest.skip("the Kata reference templates (../shared/reference/kata) are not present")
    result = subprocess.run([sys.executable, os.path.join(repo, "tools", "gen_kata_schema.py"), "--check", reference],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
