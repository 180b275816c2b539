# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readings of user input shared by the core.

Role argument specs validate but do not convert, so booleans often arrive as
strings ("true", "yes"); every part of the core reads them the same way.
"""

from __future__ import annotations

from typing import Any, Optional

TRUE_WORDS = frozenset(("true", "yes", "on", "1"))
FALSE_WORDS = frozenset(("false", "no", "off", "0"))


def bool_word(value: Any) -> Optional[bool]:
    """True or False for a string nobody can misread (true/yes/on/1, false/no/off/0, any case), else None."""
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
