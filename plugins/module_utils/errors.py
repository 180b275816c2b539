# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type of the kata.node core.

Every function in module_utils raises KataNodeError with a one-sentence
message that names the offending field and how to fix it. Modules turn it into
fail_json, filters into AnsibleFilterError, action plugins into a failed result.
"""

from __future__ import annotations


class KataNodeError(ValueError):
    """Invalid input or a state the collection refuses to act on."""
