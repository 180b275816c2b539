"""Minimal-diff editing of Kata configuration files: upstream templates, our own fixture, properties."""

from __future__ import annotations

import difflib
import os
import re

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils import kata_schema as ks
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.plugin_utils import kata_toml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
REFERENCE = os.path.join(REPO, "..", "shared", "reference", "kata")
FIXTURE = os.path.join(REPO, "tests", "unit", "fixtures", "kata-node-qemu.toml")

TEMPLATES = {
    "configuration-qemu": ("go", "qemu"),
    "configuration-clh": ("go", "clh"),
    "configuration-fc": ("go", "fc"),
    "configuration-qemu-runtime-rs": ("rs", "qemu"),
    "configuration-dragonball": ("rs", "dragonball"),
}


def _reference(name):
    path = os.path.join(REFERENCE, name)
    if not os.path.exists(path):
        pytest.skip("upstream reference files are not available")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def fill_placeholders(text):
    """Give each @VAR@ of a .toml.in template a value of a plausible TOML type."""
    def value(match, quoted):
        name = match.group(1)
        if quoted:
            return name.lower()
        if re.search(r"PATHS|ANNOTATIONS|ARGS|MOUNTS|FEATURES|SOURCES|MODULES|PFLASH", name):
            return "[]"
        return "0"
    text = re.sub(r'"@([A-Z0-9_]+)@"', lambda m: '"' + value(m, True) + '"', text)
    text = re.sub(r"@([A-Z0-9_]+)@", lambda m: value(m, False), text)
    return text


def apply(text, name, settings, flavour, hyp):
    requested = ks.normalize_settings(settings, flavour, hyp)
    return kata_toml.edit_text(text, name, requested), requested


def changed_lines(before, after):
    """Line numbers (in before) removed and texts added by the edit."""
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before.splitlines(), after.splitlines()).get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(before.splitlines()[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(after.splitlines()[j1:j2])
    return removed, added


def _assignment_of(line):
    match = re.match(r"^\s*#?\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
    return match.group(1) if match else None


def check_edit(text, name, flavour, hyp, settings):
    after, requested = apply(text, name, settings, flavour, hyp)
    removed, added = changed_lines(text, after)
    targeted = {k for values in requested.values() for k in values}
    # only lines assigning the targeted keys changed
    assert {_assignment_of(line) for line in removed} <= targeted, removed
    headers = {"", *(f"[{t}]" for t in requested)}
    assert {_assignment_of(line) for line in added if line not in headers} <= targeted, added
    # the file parses to the old values plus exactly the requested ones
    old = ks.flatten_tables(tomlkit.parse(text).unwrap())
    new = ks.flatten_tables(tomlkit.parse(after).unwrap())
    for table, values in requested.items():
        old.setdefault(table, {}).update(values)
    assert new == old
    # a second run changes nothing
    assert apply(after, name, settings, flavour, hyp)[0] == after
    return after


def _sizing_settings(flavour, hyp):
    out = {"default_vcpus": 2, "default_maxvcpus": 8, "default_memory": 4096,
           "sandbox_cgroup_only": True, "enable_annotations": ["default_vcpus", "default_memory"]}
    if flavour == "rs":
        out.update(overhead_vcpus=0.5, overhead_memory=64)
    if hyp == "qemu":
        out["enable_virtio_mem"] = True
    return out


@pytest.mark.upstream
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_rendered_template_edit(name):
    flavour, hyp = TEMPLATES[name]
    text = _reference(f"rendered/{name}.toml")
    after = check_edit(text, name, flavour, hyp, _sizing_settings(flavour, hyp))
    assert "default_vcpus = 2\n" in after


@pytest.mark.upstream
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_source_edit(name):
    flavour, hyp = TEMPLATES[name]
    text = fill_placeholders(_reference(f"{name}.toml.in"))
    check_edit(text, name, flavour, hyp, {"default_vcpus": 3, "static_sandbox_resource_mgmt": True})


@pytest.mark.upstream
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_invalid_input_changes_nothing(name):
    flavour, hyp = TEMPLATES[name]
    text = _reference(f"rendered/{name}.toml")
    copy = str(text)
    for bad in ({"default_vcpus": "lots"}, {"enable_annotations": ["path"]}, {"no_such_key": 1}):
        with pytest.raises(KataNodeError):
            apply(text, name, bad, flavour, hyp)
    assert text == copy
    with pytest.raises(KataNodeError, match=f"{name} is not valid TOML"):
        kata_toml.edit_text(text + "\n[runtime\n", name, {"runtime": {"enable_debug": True}})


@pytest.mark.upstream
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_key_removal(name):
    flavour, hyp = TEMPLATES[name]
    text = _reference(f"rendered/{name}.toml")
    table = ks.hypervisor_table(flavour, hyp)
    after = kata_toml.edit_text(text, name, {}, {table: ["default_maxvcpus"]})
    removed, added = changed_lines(text, after)
    assert [_assignment_of(line) for line in removed] == ["default_maxvcpus"] and added == []


def _fixture():
    with open(FIXTURE, encoding="utf-8") as handle:
        return handle.read()


def test_fixture_existing_keys_keep_comments():
    text = _fixture()
    after = check_edit(text, "fixture", "go", "qemu", {"default_memory": 3072, "sandbox_cgroup_only": False})
    assert "default_memory = 3072   # MiB\n" in after
    assert "sandbox_cgroup_only = false\n" in after


def test_fixture_commented_template_line_is_uncommented_in_place():
    text = _fixture()
    after = check_edit(text, "fixture", "go", "qemu", {"default_maxvcpus": 4, "static_sandbox_resource_mgmt": True})
    lines = after.splitlines()
    assert lines[text.splitlines().index("#default_maxvcpus = 8")] == "default_maxvcpus = 4"
    assert lines[text.splitlines().index("#static_sandbox_resource_mgmt = false")] == \
        "static_sandbox_resource_mgmt = true"


def test_fixture_prose_comment_is_not_taken_for_a_setting():
    text = _fixture()
    after = check_edit(text, "fixture", "go", "qemu", {"enable_virtio_mem": True})
    # the prose line "#  enable_virtio_mem = true  (only ...)" is not valid TOML and stays;
    # the next commented line is the template line that gets uncommented
    assert "#  enable_virtio_mem = true  (only with overcommit, see our runbook)\n" in after
    assert "\nenable_virtio_mem = true\n" in after and "#enable_virtio_mem = false" not in after


def test_fixture_missing_key_and_table_are_appended():
    text = _fixture()
    after = check_edit(text, "fixture", "go", "qemu", {"hypervisor": {"default_bridges": 2}, "factory": {"enable_template": False},
                                                       "agent.kata": {"dial_timeout": 60}})
    assert after.startswith(text.split("[agent.kata]")[0].rstrip("\n"))
    assert after.rstrip().endswith("[factory]\nenable_template = false")


def test_fixture_removal():
    text = _fixture()
    after = kata_toml.edit_text(text, "fixture", {}, {"hypervisor.qemu": ["memory_slots"], "runtime": ["nope"]})
    assert changed_lines(text, after) == (["memory_slots = 10"], [])


def test_fixture_invalid_input_leaves_text():
    text = _fixture()
    with pytest.raises(KataNodeError, match="did you mean default_memory"):
        apply(text, "fixture", {"default_mem": 1}, "go", "qemu")
    with pytest.raises(KataNodeError, match="line 3"):
        kata_toml.parse("[a]\nb = 1\nc = \n", "/etc/kata-containers/configuration.toml")


def test_render_dropin_is_canonical():
    order = list(ks.layout("go", "qemu"))
    one = kata_toml.render_dropin({"runtime": {"sandbox_cgroup_only": True},
                                   "hypervisor.qemu": {"default_vcpus": 2, "default_memory": 4096}}, "/m.toml", order)
    two = kata_toml.render_dropin({"hypervisor.qemu": {"default_memory": 4096, "default_vcpus": 2},
                                   "runtime": {"sandbox_cgroup_only": True}}, "/m.toml", order)
    assert one == two
    assert one.startswith("# Managed by the kata.node collection")
    assert tomlkit.parse(one).unwrap() == {"hypervisor": {"qemu": {"default_memory": 4096, "default_vcpus": 2}},
                                           "runtime": {"sandbox_cgroup_only": True}}


# --- properties ---------------------------------------------------------------------------------------------------

_HV_KEYS = list(ks.layout("go", "qemu")["hypervisor.qemu"])


def _value_for(table, key):
    info = ks.key_info(table, key)
    kind = info.get("type")
    low = info.get("min", 0) or 0
    high = min(info.get("max", 1 << 20), 1 << 20)
    if kind == "bool":
        return st.booleans()
    if kind == "int":
        return st.integers(min_value=int(low), max_value=int(high))
    if kind == "float":
        return st.one_of(st.integers(min_value=0, max_value=64), st.floats(min_value=0.25, max_value=64).map(
            lambda f: round(f, 2)))
    if kind == "list":
        return st.lists(st.text(alphabet="abcdefghij/_-.", min_size=1, max_size=8), max_size=3)
    if info.get("choices"):
        return st.sampled_from(info["choices"])
    return st.text(alphabet="abcdefghijklmnop/_-. =#\"'\\", max_size=12)


_SKIP = {"enable_annotations", "default_vcpus", "default_maxvcpus", "default_memory", "default_maxmemory"}


@st.composite
def _edits(draw):
    keys = draw(st.lists(st.sampled_from([k for k in _HV_KEYS if k not in _SKIP]), min_size=1, max_size=6,
                         unique=True))
    return {"hypervisor.qemu": {k: draw(_value_for("hypervisor.qemu", k)) for k in keys}}


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_edits())
def test_property_fixture_edit(edit):
    text = _fixture()
    requested = ks.normalize_settings(edit, "go", "qemu")
    after = kata_toml.edit_text(text, "fixture", requested)
    new = ks.flatten_tables(tomlkit.parse(after).unwrap())
    old = ks.flatten_tables(tomlkit.parse(text).unwrap())
    old["hypervisor.qemu"].update(requested["hypervisor.qemu"])
    assert new == old
    removed, added = changed_lines(text, after)
    assert {_assignment_of(line) for line in removed + added} <= set(requested["hypervisor.qemu"])
    assert kata_toml.edit_text(after, "fixture", requested) == after
