"""The edited containerd config against the real containerd binary.

For each config version containerd 1.6 reads (2 and the version-less legacy
file) the edited file passes ``containerd config dump``, a sandboxed daemon
loads the CRI plugin ``ok``, and the CRI API (Status, verbose) shows the
handler as written and the default runtime still present. containerd 1.6
accepts version 3/4 files in ``config dump`` (it does not know their plugin
ids, so it reads no runtimes from them); those are checked with the dump only.
"""

from __future__ import annotations

import pytest

from ansible_collections.kata.node.plugins.action.containerd_runtime import ActionModule
from containerd_sandbox import CONTAINERD, CTR, Sandbox, config_dump, opt_table

pytestmark = pytest.mark.skipif(CONTAINERD is None or CTR is None, reason="containerd is not installed")

CONFIG_PATH = "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml"

# A node's config as people keep it: comments, other CRI settings, a runc with options.
V2_NODE = """# containerd config managed by hand
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"  # pinned
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
"""
V1_NODE = """# legacy containerd 1.x config (no version line)
[plugins.cri]
  sandbox_image = "registry.k8s.io/pause:3.6"
"""


def args(**kw):
    base = dict(path="/etc/containerd/config.toml", name="kata-qemu", runtime_type="io.containerd.kata-qemu.v2",
                options={"ConfigPath": CONFIG_PATH}, kata_annotations=["default_vcpus", "default_memory"],
                privileged_without_host_devices=True, extra={}, state="present")
    base.update(kw)
    return base


def edit(text, **kw):
    texts, info, warnings = ActionModule.plan(args(**kw), text)
    return texts.get("/etc/containerd/config.toml"), info, warnings


@pytest.fixture(name="box")
def fixture_box():
    sandbox = Sandbox()
    yield sandbox
    sandbox.cleanup()


def write(box, text, name="config.toml"):
    path = f"{box.base}/{name}"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


@pytest.mark.parametrize("version,node", [(2, V2_NODE), (1, V1_NODE)], ids=["v2", "legacy-v1"])
def test_edited_config_loads_in_containerd_and_cri_shows_the_handler(box, version, node):
    node = node + "\n" + opt_table(version, box.opt)
    after, info, _warnings = edit(node)
    assert info["config_version"] == version
    path = write(box, after)
    dump = config_dump(path)
    assert dump.returncode == 0, dump.stderr
    assert 'runtime_type = "io.containerd.kata-qemu.v2"' in dump.stdout

    box.start(path)
    assert box.plugin_status("cri") == "ok", box.read_log()
    cri = box.cri_config()["containerd"]
    kata = cri["runtimes"]["kata-qemu"]
    assert kata["runtimeType"] == "io.containerd.kata-qemu.v2"
    assert kata["PodAnnotations"] == ["io.katacontainers.config.hypervisor.default_vcpus",
                                      "io.katacontainers.config.hypervisor.default_memory"]
    assert kata["options"] == {"ConfigPath": CONFIG_PATH}
    assert kata["privileged_without_host_devices"] is True
    assert cri["defaultRuntimeName"] == "runc"
    assert cri["runtimes"]["runc"]["runtimeType"] == "io.containerd.runc.v2"


def test_kata_only_config_breaks_cri_and_the_module_keeps_runc(box):
    # What a hand-written (or naive) edit produces: only the kata handler.
    kata_only = ('version = 2\n' + opt_table(2, box.opt) +
                 '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]\n'
                 '  runtime_type = "io.containerd.kata.v2"\n')
    path = write(box, kata_only, "kata-only.toml")
    assert config_dump(path).returncode == 0  # the dump does not see the problem
    box.start(path)
    assert box.plugin_status("cri") == "error"
    assert "default_runtime_name" in box.read_log()
    box.stop()

    # The module's output for the same starting point keeps runc, and CRI loads.
    after, _info, _warnings = edit("version = 2\n" + opt_table(2, box.opt), name="kata", runtime_type="io.containerd.kata.v2")
    assert "runtimes.runc]" in after
    path = write(box, after)
    box.start(path)
    assert box.plugin_status("cri") == "ok", box.read_log()
    assert set(box.cri_config()["containerd"]["runtimes"]) == {"kata", "runc"}


def test_several_handlers_and_removal_keep_cri_loading(box):
    text = "version = 2\n" + opt_table(2, box.opt)
    for shim in ("qemu", "clh", "fc"):
        text, _info, _warnings = edit(text, name=f"kata-{shim}", runtime_type=f"io.containerd.kata-{shim}.v2",
                                      options={"ConfigPath": f"/opt/kata/configuration-{shim}.toml"})
    removed, _info, _warnings = edit(text, name="kata-clh", state="absent")
    path = write(box, removed)
    assert config_dump(path).returncode == 0
    box.start(path)
    assert box.plugin_status("cri") == "ok", box.read_log()
    assert set(box.cri_config()["containerd"]["runtimes"]) == {"kata-qemu", "kata-fc", "runc"}


@pytest.mark.parametrize("version", [3, 4])
def test_version_3_and_4_files_pass_containerd_config_dump(box, version):
    after, info, _warnings = edit(f"version = {version}\n", extra={"sandboxer": "podsandbox", "cgroup_writable": True})
    assert info["table"][1] == "io.containerd.cri.v1.runtime"
    assert config_dump(write(box, after)).returncode == 0
