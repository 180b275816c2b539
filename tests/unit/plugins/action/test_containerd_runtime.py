"""The containerd_runtime action's edit (tomlkit, minimal changes, drop-ins) as text in, text out."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.action.containerd_runtime import ActionModule
from ansible_collections.kata.node.plugins.module_utils import containerd as m
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

ROOT = "/etc/containerd/config.toml"
DROPIN = "/etc/containerd/conf.d/kata.toml"
V2 = """# keep this comment
version = 2
oom_score = 0   # and this one

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/opt/cni/bin"
"""


def args(**kw):
    base = dict(path=ROOT, name="kata", runtime_type="io.containerd.kata.v2", privileged_without_host_devices=True,
                extra={}, state="present", kata_annotations=["default_vcpus"],
                options={"ConfigPath": "/opt/kata/configuration.toml"})
    base.update(kw)
    return base


def plan(text, dropin_text=None, **kw):
    return ActionModule.plan(args(**kw), text, dropin_text)


def test_only_the_handler_table_changes():
    texts, _info, _warnings = plan(V2)
    after = texts[ROOT]
    assert after.startswith(V2.split("[plugins.\"io.containerd.grpc.v1.cri\".cni]", maxsplit=1)[0].rstrip("\n"))
    assert '[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/opt/cni/bin"\n' in after
    assert "# keep this comment" in after and "# and this one" in after
    parsed = tomllib.loads(after)
    kata = parsed["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["kata"]
    assert kata["pod_annotations"] == ["io.katacontainers.config.hypervisor.default_vcpus"]
    assert kata["options"] == {"ConfigPath": "/opt/kata/configuration.toml"}
    # a second run changes nothing
    assert plan(after)[0] == {}


def test_update_in_place_keeps_comments_of_unchanged_keys():
    first = plan(V2)[0][ROOT].replace('runtime_type = "io.containerd.kata.v2"',
                                      'runtime_type = "io.containerd.kata.v2"  # the shim')
    second = plan(first, kata_annotations=["default_vcpus", "default_memory"])[0][ROOT]
    assert "# the shim" in second
    assert "io.katacontainers.config.hypervisor.default_memory" in second
    assert second.replace("default_vcpus\", \"io.katacontainers.config.hypervisor.default_memory",
                          "default_vcpus") == first


def test_keys_not_asked_for_are_removed_from_the_handler():
    text = plan(V2, extra={"cni_conf_dir": "/etc/cni/kata"})[0][ROOT]
    assert "cni_conf_dir" in text
    assert "cni_conf_dir" not in plan(text)[0][ROOT]


def test_missing_file_gets_a_minimal_config_with_runc():
    texts, info, _warnings = plan(None)
    parsed = tomllib.loads(texts[ROOT])
    assert parsed["version"] == 2 and info["config_version"] == 2
    assert set(parsed["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]) == {"kata", "runc"}
    assert tomllib.loads(plan(None, containerd_version="2.3.1")[0][ROOT])["version"] == 4
    assert "version" not in tomllib.loads(plan(None, config_version=1)[0][ROOT])


def test_absent_removes_only_the_handler():
    with_kata = plan(V2)[0][ROOT]
    assert plan(with_kata, state="absent")[0][ROOT] == V2
    assert plan(V2, state="absent")[0] == {}


def test_the_default_runtime_cannot_be_removed():
    with pytest.raises(KataNodeError, match="default_runtime_name"):
        plan(V2, name="runc", state="absent")


def test_invalid_toml_is_a_clear_error():
    with pytest.raises(KataNodeError, match="not valid TOML"):
        plan('version = 2\n[plugins\n')


def test_dropin_written_with_root_version_and_imported():
    texts, info, _warnings = plan("version = 3\n", dropin=DROPIN)
    drop = tomllib.loads(texts[DROPIN])
    assert drop["version"] == 3 and info["config_version"] == 3
    assert "kata" in drop["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"]
    assert tomllib.loads(texts[ROOT])["imports"] == [DROPIN]
    # the root already importing a matching glob stays untouched
    texts, _info, _warnings = plan('version = 3\nimports = ["/etc/containerd/conf.d/*.toml"]\n', dropin=DROPIN)
    assert ROOT not in texts


def test_dropin_import_path_differs_from_written_path():
    texts, _info, _warnings = plan("version = 3\n", dropin="/srv/img" + DROPIN, import_path=DROPIN)
    assert tomllib.loads(texts[ROOT])["imports"] == [DROPIN]


def test_dropin_refusals():
    with pytest.raises(KataNodeError, match="higher than the root"):
        plan("version = 3\n", "version = 4\n", dropin=DROPIN)
    with pytest.raises(KataNodeError, match="containerd_version"):
        plan("version = 2\n", dropin=DROPIN)
    with pytest.raises(KataNodeError, match="only containerd 1.x reads"):
        plan("", dropin=DROPIN, containerd_version="2.0.0")
    plan("version = 2\n", dropin=DROPIN, containerd_version="2.0.0")


NAMES = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,15}[a-z0-9])?\Z")


@settings(max_examples=60, deadline=None)
@given(version=st.sampled_from(m.CONFIG_VERSIONS), name=NAMES,
       config_path=st.from_regex(r"\A/[A-Za-z0-9_ ./\"\\-]{1,30}\Z"))
def test_handler_names_and_values_round_trip_through_tomlkit(version, name, config_path):
    base = "" if version == 1 else f"version = {version}\n"
    texts, info, _warnings = plan(base, name=name, options={"ConfigPath": config_path})
    parsed = tomllib.loads(texts[ROOT])
    node = parsed
    for key in m.runtime_table(version, name):
        node = node[key]
    assert node["options"]["ConfigPath"] == config_path
    assert info["table"] == list(m.runtime_table(version, name))
    assert plan(texts[ROOT], name=name, options={"ConfigPath": config_path})[0] == {}
