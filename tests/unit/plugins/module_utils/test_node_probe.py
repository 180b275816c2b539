"""Tests for the node_facts parsers and for gathering facts from fake node trees."""

from __future__ import annotations

import os

import pytest

from ansible_collections.kata.node.plugins.module_utils import node_probe as probe
from ansible_collections.kata.node.plugins.modules import node_facts

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
flags\t\t: fpu vme de pse vmx ssse3
processor\t: 1
flags\t\t: fpu vme de pse vmx ssse3
"""


def test_cpuinfo():
    assert probe.cpuinfo(CPUINFO) == {"cpus": 2, "virt_flags": ["vmx"]}
    assert probe.cpuinfo("") == {"cpus": None, "virt_flags": []}
    assert probe.cpuinfo("processor : 0\nflags : svm lm\n")["virt_flags"] == ["svm"]


@pytest.mark.parametrize("text,expected", [
    ("MemTotal:       24683212 kB\nMemFree: 1 kB\n", 24104), ("", None), ("MemFree: 3 kB", None)])
def test_meminfo(text, expected):
    assert probe.meminfo_mib(text) == expected


@pytest.mark.parametrize("text,expected", [("Y\n", True), ("1", True), ("N", False), ("0\n", False),
                                           ("?", None), (None, None)])
def test_nested(text, expected):
    assert probe.nested_enabled(text) is expected


@pytest.mark.parametrize("root,unified,expected", [
    (["cgroup.controllers", "cgroup.procs"], [], "v2"),
    (["cpu", "memory", "unified", "systemd"], ["cgroup.controllers"], "hybrid"),
    (["cpu", "memory", "systemd"], [], "v1"),
    ([], [], None),
])
def test_cgroup_version(root, unified, expected):
    assert probe.cgroup_version(root, unified) == expected


@pytest.mark.parametrize("output,expected", [
    ("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n", "1.6.20~ds1"),
    ("containerd containerd.io v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376\n", "2.1.4"),
    ("Kubernetes v1.30.2\n", "1.30.2"),
    ("", None), (None, None),
])
def test_tool_version(output, expected):
    assert probe.tool_version(output) == expected


@pytest.mark.parametrize("output,expected", [
    ("kata-runtime  : 3.2.0\n   commit   : abc\n   OCI specs: 1.1.0\n", "3.2.0"),
    ('Kata Containers containerd shim (Golang): id: "io.containerd.kata.v2", version: 3.21.0, commit: 1f\n', "3.21.0"),
    (None, None),
])
def test_kata_version(output, expected):
    assert probe.kata_version(output) == expected


def test_toml_top_level_int():
    assert probe.toml_top_level_int("# c\nversion = 2\n[plugins]\n", "version") == 2
    assert probe.toml_top_level_int("[plugins.x]\nversion = 3\n", "version") is None
    assert probe.toml_top_level_int("version=3 # new\n", "version") == 3
    assert probe.toml_top_level_int("", "version") is None


def test_kubelet_config_flag():
    assert probe.kubelet_config_flag(['KUBELET_ARGS="--config=/etc/k/c.yaml --v=2"']) == "/etc/k/c.yaml"
    assert probe.kubelet_config_flag(["ExecStart=/usr/bin/kubelet --config /var/lib/kubelet/config.yaml"]) == \
        "/var/lib/kubelet/config.yaml"
    assert probe.kubelet_config_flag(["KUBELET_EXTRA_ARGS="]) is None


@pytest.mark.parametrize("go,rs,version,expected", [
    (True, False, "3.2.0", "go"), (True, True, "4.0.0", "rs"), (True, True, "3.30.0", "go"),
    (False, True, None, "rs"), (False, False, None, None), (True, True, None, "go")])
def test_kata_flavour(go, rs, version, expected):
    assert probe.kata_flavour(go, rs, version) == expected


def test_config_lookup():
    listing = {probe.KATA_DEFAULTS_DIR: ["configuration-qemu.toml", "configuration.toml", "README"],
               probe.KATA_ETC_DIR: ["configuration.toml"],
               f"{probe.KATA_DEFAULTS_DIR}/runtime-rs": ["configuration-dragonball.toml"]}
    configs = probe.kata_config_candidates(listing)
    assert configs[0] == "/etc/kata-containers/configuration.toml"
    assert probe.config_in_effect(configs) == "/etc/kata-containers/configuration.toml"
    assert probe.default_config_for(configs, "qemu", "go").endswith("/kata-containers/configuration-qemu.toml")
    assert probe.default_config_for(configs, "dragonball", "rs").endswith("runtime-rs/configuration-dragonball.toml")
    assert probe.default_config_for(configs, "clh", "go") is None
    assert probe.config_in_effect([]) is None


def _write(root, path, text=""):
    full = os.path.join(str(root), path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as handle:
        handle.write(text)


class _NoRun:
    def run_command(self, *args, **kwargs):
        raise AssertionError("no program may run under a non-/ root")


def test_gather_full_tree(tmp_path):
    _write(tmp_path, "/proc/cpuinfo", CPUINFO)
    _write(tmp_path, "/proc/meminfo", "MemTotal: 8388608 kB\n")
    _write(tmp_path, "/dev/kvm")
    _write(tmp_path, "/sys/module/kvm_intel/parameters/nested", "Y\n")
    _write(tmp_path, "/sys/fs/cgroup/cgroup.controllers", "cpu memory\n")
    _write(tmp_path, "/usr/bin/containerd", "")
    _write(tmp_path, "/etc/containerd/config.toml", "version = 3\n")
    _write(tmp_path, "/opt/kata/bin/containerd-shim-kata-v2")
    _write(tmp_path, "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2")
    _write(tmp_path, "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml", "[hypervisor.qemu]\n")
    _write(tmp_path, "/opt/kata/share/defaults/kata-containers/config.d/20-debug.toml", "")
    _write(tmp_path, "/opt/kata/share/defaults/kata-containers/config.d/10-core.toml", "")
    _write(tmp_path, "/opt/kata/share/defaults/kata-containers/runtimes/qemu/configuration-qemu.toml", "")
    _write(tmp_path, "/usr/local/bin/kubelet")
    _write(tmp_path, "/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--config=/etc/kubelet.yaml"\n')
    facts = node_facts.gather(_NoRun(), str(tmp_path))
    assert facts["cpus"] == 2 and facts["memory_mib"] == 8192 and facts["kvm"] is True
    assert facts["nested"] is True and facts["virt_flags"] == ["vmx"] and facts["cgroup_version"] == "v2"
    assert facts["containerd"] == {"installed": True, "binary": "/usr/bin/containerd", "version": None,
                                   "config_path": "/etc/containerd/config.toml", "config_version": 3}
    kata = facts["kata"]
    assert kata["installed"] and kata["go_shim"] and kata["rs_shim"] and kata["flavour"] == "go"
    shipped = "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml"
    assert kata["configs"] == [shipped,
                               "/opt/kata/share/defaults/kata-containers/runtimes/qemu/configuration-qemu.toml"]
    assert kata["dropins"][shipped] == ["/opt/kata/share/defaults/kata-containers/config.d/10-core.toml",
                                        "/opt/kata/share/defaults/kata-containers/config.d/20-debug.toml"]
    assert kata["defaults_by_hypervisor"]["qemu"] == shipped and kata["config_path"] is None
    assert facts["kubelet"] == {"installed": True, "binary": "/usr/local/bin/kubelet", "version": None,
                                "config_path": "/etc/kubelet.yaml"}


def test_gather_empty_tree_reports_absent(tmp_path):
    facts = node_facts.gather(_NoRun(), str(tmp_path))
    assert facts["cpus"] is None and facts["memory_mib"] is None and facts["kvm"] is False
    assert facts["nested"] is None and facts["cgroup_version"] is None
    assert facts["containerd"]["installed"] is False and facts["containerd"]["config_version"] is None
    assert facts["kata"]["installed"] is False and facts["kata"]["flavour"] is None
    assert facts["kubelet"] == {"installed": False, "binary": None, "version": None, "config_path": None}
