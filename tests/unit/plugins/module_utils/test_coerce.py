# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bool_word: the one reading of boolean-looking strings shared by the core."""

from __future__ import annotations

import pytest

from ansible_collections.kata.node.plugins.module_utils.coerce import bool_word, is_dns_label
from ansible_collections.kata.node.plugins.module_utils.containerd import check_handler_name
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.runtimeclass import check_dns_label


class TaggedStr(str):
    """Stands in for Ansible's tagged str subclass."""


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("True", True), (" YES ", True), ("on", True), ("1", True), (TaggedStr("yes"), True),
    ("false", False), ("FALSE", False), ("no", False), ("Off", False), ("0", False), (TaggedStr("off"), False),
])
def test_words(text, expected):
    assert bool_word(text) is expected


@pytest.mark.parametrize("value", ["", "maybe", "2", "truee", "t", "y", True, False, 1, 0, None, ["true"]])
def test_anything_else_is_not_a_boolean_word(value):
    assert bool_word(value) is None


@pytest.mark.parametrize("name", ["kata", "kata-qemu", "k", "a" * 63, "0kata9"])
def test_dns_labels(name):
    assert is_dns_label(name)
    assert check_handler_name(name) == name
    assert check_dns_label(name, "handler") == name


@pytest.mark.parametrize("name", ["", "Kata", "-kata", "kata-", "kata_qemu", "kata.qemu", "a" * 64, "kata\n", None, 5])
def test_not_dns_labels_are_refused_by_containerd_and_runtimeclass_alike(name):
    assert not is_dns_label(name)
    with pytest.raises(KataNodeError):
        check_handler_name(name)
    with pytest.raises(KataNodeError):
        check_dns_label(name, "handler")
