# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readings of user input shared by the core.

Role argument specs validate but do not convert, so booleans often arrive as
strings ("true", "yes"); every part of the core reads them the same way.
"""

from __future__ import annotations

import re
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


# RFC 1123 label, as Kubernetes checks RuntimeClass handlers and containerd handler names.
# \Z, not $: "$" would also accept a trailing newline.
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


def is_dns_label(value: Any) -> bool:
    """Whether ``value`` is a lower-case RFC 1123 label (a-z, 0-9, '-', at most 63 characters)."""
    return isinstance(value, str) and _DNS_LABEL.match(value) is not None
