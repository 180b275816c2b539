# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type of the kata.node core, and the "did you mean" helper of its messages.

Every function in module_utils raises KataNodeError with a one-sentence
message that names the offending field and how to fix it. Modules turn it into
fail_json, filters into AnsibleFilterError, action plugins into a failed result.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable, Optional


class KataNodeError(ValueError):
    """Invalid input or a state the collection refuses to act on."""


def closest(word: Any, choices: Iterable[str], cutoff: float = 0.6) -> Optional[str]:
    """The choice most like ``str(word)`` for a "did you mean" hint, or None when none is close enough.

    ``choices`` may be any iterable of strings (a list, tuple, set or the keys of a
    mapping); ``cutoff`` is difflib's similarity ratio between 0 and 1.
    """
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None
