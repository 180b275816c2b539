"""Tests for the hypervisor annotation catalogue and pattern checks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils import annotations as ann
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

# Port of the table in TestRegexpContains (kata-containers:
# src/runtime/pkg/oci/utils_test.go): unanchored search semantics.
REGEXP_CONTAINS_CASES = [
    ([], "", False),
    ([], "nonempty", False),
    (["simple"], "simple", True),
    (["simple"], "some_simple_text", True),
    (["simple"], "simp", False),
    (["one", "two"], "one", True),
    (["one", "two"], "two", True),
    (["o*"], "oooo", True),
    (["o*"], "oooa", True),
    (["^o*$"], "oooa", False),
]


@pytest.mark.parametrize("patterns,name,expected", REGEXP_CONTAINS_CASES)
def test_regexp_contains_is_an_unanchored_search(patterns, name, expected):
    assert ann.regexp_contains(patterns, name) is expected


@pytest.mark.parametrize("given_pattern,expected", [
    ("default_vcpus", "^default_vcpus$"),
    ("^default_vcpus$", "^default_vcpus$"),
    ("^default_", "^default_"),
    ("memory$", "memory$"),
    ("default_vcpus|default_memory", "^(?:default_vcpus|default_memory)$"),
    ("default_.*", "^(?:default_.*)$"),
])
def test_anchor(given_pattern, expected):
    assert ann.anchor(given_pattern) == expected


@pytest.mark.parametrize("given_pattern", ["default_vcpus", "path", "default_.*", "^x$"])
def test_anchor_false_leaves_entries_alone(given_pattern):
    assert ann.anchor(given_pattern, anchor=False) == given_pattern


@pytest.mark.parametrize("bad", [4, None, "", ["x"]])
def test_anchor_rejects_non_strings(bad):
    with pytest.raises(KataNodeError, match="enable_annotations"):
        ann.anchor(bad)


def test_allowed_annotations_unanchored_path_opens_many():
    allowed = ann.allowed_annotations(["path"])
    assert {"path", "jailer_path", "vhost_user_store_path", "guest_hook_path", "ctlpath"} <= set(allowed)


def test_allowed_annotations_anchored_is_exact():
    assert ann.allowed_annotations(["^default_vcpus$", "^default_memory$"]) == ["default_vcpus", "default_memory"]


def test_allowed_annotations_upstream_go_default_list():
    allowed = ann.allowed_annotations(["enable_iommu", "kernel_params", "kernel_verity_params"])
    # "enable_iommu" also matches enable_iommu_platform: upstream's unanchored meaning.
    assert allowed == ["kernel_params", "kernel_verity_params", "enable_iommu", "enable_iommu_platform"]


def test_allowed_annotations_empty_and_none():
    assert ann.allowed_annotations([]) == []
    assert ann.allowed_annotations(None) == []


def test_allowed_annotations_rejects_a_string():
    with pytest.raises(KataNodeError, match="list"):
        ann.allowed_annotations("default_vcpus")


@pytest.mark.parametrize("pattern,unsafe", [
    ("path", "path"),
    ("^path$", "path"),
    ("jailer", "jailer_path"),
    ("^kernel$", "kernel"),
    ("kernel_params", "kernel_params"),
    ("^image$", "image"),
    ("initrd$", "initrd"),
    ("^firmware$", "firmware"),
    ("firmware_volume$", "firmware_volume"),
    ("virtio_fs_daemon", "virtio_fs_daemon"),
    ("virtio_fs_extra", "virtio_fs_extra_args"),
    ("entropy", "entropy_source"),
    ("vhost_user_store_path", "vhost_user_store_path"),
    ("ctlpath", "ctlpath"),
    (".*", "path"),
    ("", None),
])
def test_check_refuses_unsafe_patterns(pattern, unsafe):
    if unsafe is None:
        with pytest.raises(KataNodeError, match="empty"):
            ann.check_annotation_patterns([pattern])
        return
    with pytest.raises(KataNodeError) as info:
        ann.check_annotation_patterns([pattern])
    msg = str(info.value)
    assert msg.startswith("enable_annotations:")
    assert unsafe in msg
    assert "allow_unsafe_annotations: true" in msg
    assert ann.unsafe_reason(unsafe) in msg


def test_check_allows_unsafe_when_asked():
    assert ann.check_annotation_patterns(["kernel_params"], allow_unsafe=True) == ["kernel_params"]


def test_check_names_the_field():
    with pytest.raises(KataNodeError, match="^hypervisor.qemu.enable_annotations:"):
        ann.check_annotation_patterns(["path"], field="hypervisor.qemu.enable_annotations")


def test_check_accepts_safe_patterns():
    safe = ["^default_vcpus$", "^default_memory$", "^enable_iommu$", "memory_slots", "^default_max_vcpus$"]
    assert ann.check_annotation_patterns(safe) == safe


def test_hash_annotations_are_not_unsafe():
    assert ann.check_annotation_patterns(["^firmware_hash$", "^kernel_hash$"]) == ["^firmware_hash$", "^kernel_hash$"]


@pytest.mark.parametrize("bad,words", [
    (["("], "not a valid regular expression"),
    (["[a-"], "not a valid regular expression"),
    (["(?=x)"], "look-around"),
    (["(a)\\1"], "back-reference"),
    ([3], "not a string"),
    ("default_vcpus", "list"),
    ({"a": 1}, "list"),
])
def test_check_invalid(bad, words):
    with pytest.raises(KataNodeError, match=re.escape(words)):
        ann.check_annotation_patterns(bad)


def test_every_unsafe_name_is_known():
    assert set(ann.UNSAFE_ANNOTATIONS) <= set(ann.KNOWN_ANNOTATIONS)
    assert len(set(ann.KNOWN_ANNOTATIONS)) == len(ann.KNOWN_ANNOTATIONS)


def test_pod_annotation_patterns():
    assert ann.pod_annotation_patterns(["default_vcpus", "default_memory", "default_vcpus"]) == [
        "io.katacontainers.config.hypervisor.default_vcpus",
        "io.katacontainers.config.hypervisor.default_memory",
    ]
    assert ann.pod_annotation_patterns([]) == []


@pytest.mark.parametrize("bad", ["default_vcpus", ["io.katacontainers.*"], [1], ["a b"]])
def test_pod_annotation_patterns_rejects(bad):
    with pytest.raises(KataNodeError, match="annotations"):
        ann.pod_annotation_patterns(bad)


@given(st.lists(st.sampled_from(ann.KNOWN_ANNOTATIONS), unique=True))
def test_anchored_names_allow_exactly_themselves(names):
    patterns = [ann.anchor(n) for n in names]
    assert set(ann.allowed_annotations(patterns)) == set(names)
    safe = [n for n in names if not ann.unsafe_reason(n)]
    assert ann.check_annotation_patterns([ann.anchor(n) for n in safe]) == [ann.anchor(n) for n in safe]
