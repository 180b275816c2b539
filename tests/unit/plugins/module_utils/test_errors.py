# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""closest(): the one "did you mean" lookup behind the core's error messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils.errors import closest

KEYS = ("default_vcpus", "default_memory", "default_maxvcpus", "enable_virtio_mem")


@pytest.mark.parametrize("word, choices, expected", [
    ("default_vcpu", KEYS, "default_vcpus"),
    ("default_memroy", KEYS, "default_memory"),
    ("memroy", ["cpu", "memory", "ephemeral-storage"], "memory"),
    ("NoSchedul", ("NoSchedule", "PreferNoSchedule", "NoExecute"), "NoSchedule"),
    ("default_vcpus", KEYS, "default_vcpus"),  # an exact name is its own closest match
    ("zzz", KEYS, None),
    ("", KEYS, None),
    ("cpu", (), None),
])
def test_closest_picks_the_nearest_choice_or_none(word, choices, expected):
    assert closest(word, choices) == expected


@pytest.mark.parametrize("choices", [
    ["qemu", "clh", "fc"],
    ("qemu", "clh", "fc"),
    {"qemu", "clh", "fc"},
    frozenset({"qemu", "clh", "fc"}),
    {"qemu": 1, "clh": 2, "fc": 3},  # the keys of a mapping
    {"qemu": 1, "clh": 2, "fc": 3}.keys(),
    iter(["qemu", "clh", "fc"]),
    (name for name in ("qemu", "clh", "fc")),
])
def test_closest_takes_any_iterable_of_choices(choices):
    assert closest("qemo", choices) == "qemu"


class _TaggedStr(str):
    """Stands in for the tagged str subclass Ansible 2.19+ passes for templated values."""


@pytest.mark.parametrize("word, choices, expected", [
    (_TaggedStr("memroy"), ("cpu", "memory"), "memory"),
    (12, ("1", "12", "123"), "12"),
    (3.0, ("3.0", "30"), "3.0"),
    (True, ("True", "False"), "True"),
    (None, ("None", "none"), "None"),
])
def test_closest_compares_the_str_of_the_word(word, choices, expected):
    assert closest(word, choices) == expected


def test_closest_cutoff_is_the_similarity_needed():
    # 'CPUManagr' vs 'CPUManager' has ratio 18/19 (about 0.947).
    assert closest("CPUManagr", ["CPUManager"], cutoff=0.8) == "CPUManager"
    assert closest("CPUManagr", ["CPUManager"], cutoff=0.96) is None
    # 'abcd' vs 'abxy' has ratio 0.5: found at 0.5, not at the default 0.6.
    assert closest("abcd", ["abxy"]) is None
    assert closest("abcd", ["abxy"], cutoff=0.5) == "abxy"
    assert closest("anything", ["nothing alike"], cutoff=0.0) == "nothing alike"


def test_closest_rejects_a_cutoff_outside_zero_to_one():
    with pytest.raises(ValueError):
        closest("qemu", ["qemu"], cutoff=1.5)


_names = st.text(alphabet="abcdefgh_", min_size=1, max_size=10)


@given(word=_names, choices=st.lists(_names, min_size=0, max_size=8, unique=True))
def test_closest_returns_a_choice_and_ignores_their_order(word, choices):
    result = closest(word, choices)
    assert result is None or result in choices
    assert closest(word, list(reversed(choices))) == result
    assert closest(word, set(choices)) == result
    if word in choices:
        assert result == word
