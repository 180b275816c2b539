"""kata.node.containerd_runtime filter: thin wrapper over the stanza model."""

from __future__ import annotations

import tomllib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.filter.containerd_runtime import FilterModule


def run(settings, version=2):
    return FilterModule().filters()["containerd_runtime"](settings, version)


@pytest.mark.parametrize("version,plugin", [(1, "cri"), (2, "io.containerd.grpc.v1.cri"),
                                            (3, "io.containerd.cri.v1.runtime"), ("4", "io.containerd.cri.v1.runtime")])
def test_filter_returns_table_stanza_and_toml(version, plugin):
    out = run({"name": "kata-qemu", "kata_annotations": ["default_vcpus"],
               "options": {"ConfigPath": "/opt/kata/configuration-qemu.toml"}}, version)
    assert out["table"] == ["plugins", plugin, "containerd", "runtimes", "kata-qemu"]
    parsed = tomllib.loads(out["toml"])
    assert parsed["plugins"][plugin]["containerd"]["runtimes"]["kata-qemu"] == out["stanza"]
    assert out["warnings"] == []


def test_filter_errors_name_the_filter():
    with pytest.raises(AnsibleFilterError, match=r"kata.node.containerd_runtime: extra.shim_debug"):
        run({"name": "kata", "extra": {"shim_debug": True}})
