"""Unit tests of the containerd stanza model, per config version."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils import containerd as m
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

HV = "io.katacontainers.config.hypervisor."


@pytest.mark.parametrize("doc,version", [
    ({}, 1), (None, 1), ({"version": 2}, 2), ({"version": 3}, 3), ({"version": 4}, 4), ({"version": "2"}, 2),
])
def test_config_version(doc, version):
    assert m.config_version(doc) == version


@pytest.mark.parametrize("value", [5, 0, True, "x", 2.5])
def test_config_version_refuses_unknown(value):
    with pytest.raises(KataNodeError, match="version"):
        m.config_version({"version": value})


@pytest.mark.parametrize("version,table", [
    (1, ("plugins", "cri", "containerd", "runtimes", "kata")),
    (2, ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "kata")),
    (3, ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "kata")),
    (4, ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "kata")),
])
def test_table_paths(version, table):
    assert m.runtime_table(version, "kata") == table
    assert m.default_runtime_name_path(version) == table[:3] + ("default_runtime_name",)


@pytest.mark.parametrize("version", [1, 2])
def test_v1_v2_keys(version):
    keys = m.valid_keys(version)
    assert {"runtime_engine", "runtime_root", "sandbox_mode"} <= set(keys)
    assert not {"sandboxer", "cgroup_writable", "disable_pause_image_pull"} & set(keys)


@pytest.mark.parametrize("version", [3, 4])
def test_v3_v4_keys(version):
    keys = m.valid_keys(version)
    assert {"sandboxer", "cgroup_writable", "disable_pause_image_pull", "io_type"} <= set(keys)
    assert not {"runtime_engine", "runtime_root", "sandbox_mode"} & set(keys)


def test_defaults():
    stanza = m.build_stanza({"name": "kata"}, 2)
    assert stanza.values == {"runtime_type": "io.containerd.kata.v2", "privileged_without_host_devices": True}
    assert "pod_annotations" not in stanza.values  # nothing given -> nothing forwarded


def test_kata_annotations_become_exact_pod_annotations():
    stanza = m.build_stanza({"name": "kata-qemu", "kata_annotations": ["default_vcpus", "default_memory"]}, 3)
    assert stanza.values["pod_annotations"] == [HV + "default_vcpus", HV + "default_memory"]
    assert stanza.warnings == ()


def test_explicit_wildcard_is_written_with_a_warning_naming_ungated_knobs():
    stanza = m.build_stanza({"name": "kata", "pod_annotations": ["io.katacontainers.*"],
                             "kata_annotations": ["default_vcpus"]}, 2)
    assert stanza.values["pod_annotations"] == ["io.katacontainers.*"]  # the exact entry is covered
    text = " ".join(stanza.warnings)
    for knob in ("sandbox_cgroup_only", "disable_guest_seccomp", "kernel_modules"):
        assert knob in text


def test_allow_unsafe_annotations():
    stanza = m.build_stanza({"name": "kata", "kata_annotations": ["kernel_params"],
                             "allow_unsafe_annotations": "true"}, 2)
    assert stanza.values["pod_annotations"] == [HV + "kernel_params"]


@pytest.mark.parametrize("settings_,version,message", [
    ({"name": "kata", "extra": {"shim_debug": True}}, 2, "not a containerd runtime key"),
    ({"name": "kata", "shim_debug": True}, 2, "shim_debug is not a containerd runtime key"),
    ({"name": "kata", "extra": {"runtime_engine": "x"}}, 3, "only in config versions 1 and 2"),
    ({"name": "kata", "extra": {"sandboxer": "shim"}}, 2, "only in config versions 3 and 4"),
    ({"name": "kata", "extra": {"cgroup_writable": True}}, 1, "config versions 3 and 4"),
    ({"name": "kata", "extra": {"pod_anotations": []}}, 2, "did you mean pod_annotations"),
    ({"name": "kata", "extra": {"SystemdCgroup": True}}, 2, "put it under options"),
    ({"name": "kata", "extra": {"runtime_type": "io.containerd.kata.v2"}}, 2, "its own parameter"),
    ({"name": "kata", "extra": {"cni_max_conf_num": "many"}}, 2, "not a non-negative integer"),
    ({"name": "kata", "runtim_type": "x"}, 2, "did you mean runtime_type"),
    ({"name": "Kata_QEMU"}, 2, "RFC 1123"),
    ({"name": "kata\n"}, 2, "RFC 1123"),
    ({"name": "kata", "runtime_type": "io.containerd.kata.v2\n"}, 2, "shim runtime type"),
    ({"name": "kata", "runtime_type": "kata"}, 2, "shim runtime type"),
    ({"name": "kata", "runtime_path": "bin/shim"}, 2, "absolute path"),
    ({"name": "kata", "options": {"ConfigPath": "config.toml"}}, 2, "ConfigPath"),
    ({"name": "kata", "options": "ConfigPath=/x"}, 2, "expected a map"),
    ({"name": "kata", "privileged_without_host_devices": "maybe"}, 2, "not a boolean"),
    ({"name": "kata", "pod_annotations": "io.katacontainers.*"}, 2, "list of strings"),
    ({"name": "kata", "pod_annotations": [HV + "kernel"]}, 2, "unsafe annotation kernel"),
    ({"name": "kata", "pod_annotations": ["io.[katacontainers"]}, 2, "unclosed"),
    ({"name": "kata", "kata_annotations": ["path"]}, 2, "unsafe to forward"),
    ({"name": "kata", "kata_annotations": ["default_memroy"]}, 2, "did you mean default_memory"),
    ({"name": "kata", "kata_annotations": [HV + "default_vcpus"]}, 2, "bare name"),
    ({"name": "kata"}, 7, "config_version"),
    ("kata", 2, "settings"),
])
def test_bad_settings(settings_, version, message):
    with pytest.raises(KataNodeError, match=message):
        m.build_stanza(settings_, version)


def test_strings_from_ansible_are_coerced():
    stanza = m.build_stanza({"name": "kata", "privileged_without_host_devices": "false",
                             "extra": {"cni_max_conf_num": "3"}}, "2")
    assert stanza.values["privileged_without_host_devices"] is False
    assert stanza.values["cni_max_conf_num"] == 3


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_missing_default_runtime_adds_runc(version):
    doc = {"plugins": {}}
    runc = m.missing_default_runtime([(doc, version)], adding="kata", version=version)
    assert runc.table == m.runtime_table(version, "runc")
    assert runc.values == {"runtime_type": "io.containerd.runc.v2"}


def test_default_runtime_present_in_root_or_dropin():
    root = {"version": 3, "plugins": {"io.containerd.cri.v1.runtime": {"containerd": {"runtimes": {"runc": {}}}}}}
    assert m.missing_default_runtime([(root, 3), ({"version": 3}, 3)], adding="kata", version=3) is None
    assert m.missing_default_runtime([({}, 2)], adding="runc", version=2) is None


def test_other_default_runtime_missing_is_an_error():
    doc = {"version": 2, "plugins": {"io.containerd.grpc.v1.cri": {"containerd": {"default_runtime_name": "crun"}}}}
    with pytest.raises(KataNodeError, match="default_runtime_name"):
        m.missing_default_runtime([(doc, 2)], adding="kata", version=2)
    with pytest.raises(KataNodeError, match="default_runtime_name first"):
        m.check_removal([(doc, 2)], name="crun")


@pytest.mark.parametrize("root,existing,expected", [(3, None, 3), (4, None, 4), (4, {"version": 3}, 3), (2, None, 2)])
def test_dropin_version_never_above_root(root, existing, expected):
    assert m.dropin_version(root, existing) == expected


def test_dropin_version_higher_than_root_is_refused():
    with pytest.raises(KataNodeError, match="higher than the root"):
        m.dropin_version(3, {"version": 4})


def test_dropin_needs_containerd_2():
    m.check_dropin_allowed(3)
    m.check_dropin_allowed(2, "2.1.4")
    with pytest.raises(KataNodeError, match="containerd_version"):
        m.check_dropin_allowed(2)
    with pytest.raises(KataNodeError, match="replaces whole plugin tables"):
        m.check_dropin_allowed(3, "1.7.27")


@pytest.mark.parametrize("version,expected", [(None, 2), ("1.6.20", 2), ("v1.7.27", 2), ("2.0.0", 3), ("2.2.1", 3),
                                              ("2.3.0", 4)])
def test_config_version_for_containerd(version, expected):
    assert m.config_version_for(version) == expected


@pytest.mark.parametrize("pattern,name,matched", [
    # Go path.Match semantics (cases in the spirit of Go's path/match_test.go matchTests)
    ("io.katacontainers.*", "io.katacontainers.config.agent.policy", True),
    ("io.katacontainers.*", "cdi.k8s.io/x", False),
    ("a*", "ab/c", False),
    ("a?c", "abc", True),
    ("a[^b]c", "abc", False),
    ("a[^b]c", "axc", True),
    ("a[a-z]c", "abc", True),
    ("a\\*c", "a*c", True),
    ("a\\*c", "abc", False),
])
def test_go_path_match(pattern, name, matched):
    assert m.go_path_match(pattern, name) is matched


def test_imports_cover():
    assert m.imports_cover(["/etc/containerd/conf.d/*.toml"], "/etc/containerd/conf.d/kata.toml")
    assert m.imports_cover(["/etc/kata.toml"], "/etc/kata.toml")
    assert not m.imports_cover([], "/etc/kata.toml")
    assert not m.imports_cover(None, "/etc/kata.toml")


HANDLER = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?\Z")
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(str.strip)


@settings(max_examples=100, deadline=None)
@given(version=st.sampled_from(m.CONFIG_VERSIONS), name=HANDLER, snapshotter=TEXT,
       option_keys=st.dictionaries(TEXT, st.one_of(TEXT, st.booleans(), st.integers(-2**40, 2**40)), max_size=4))
def test_rendered_toml_round_trips_through_a_toml_parser(version, name, snapshotter, option_keys):
    stanza = m.build_stanza({"name": name, "snapshotter": snapshotter, "options": option_keys}, version)
    parsed = tomllib.loads(m.render_toml(stanza.table, stanza.values))
    node = parsed
    for key in stanza.table:
        node = node[key]
    assert node == stanza.values
