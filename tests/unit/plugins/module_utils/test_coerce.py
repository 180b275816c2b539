# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bool_word: the one reading of boolean-looking strings shared by the core."""

from __future__ import annotations

import pytest

from ansible_collections.kata.node.plugins.module_utils.coerce import bool_word


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
