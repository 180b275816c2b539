# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kata.node.format_quantity filter."""

from __future__ import annotations

DOCUMENTATION = r"""
name: format_quantity
short_description: Write a number as a canonical Kubernetes quantity
version_added: 0.1.0
author: kata.node contributors
description:
  - Turns a number into the canonical Kubernetes quantity string, the form the API server itself prints,
    that is the largest suffix of the chosen family that leaves no fractional digits.
  - C(1610612736) becomes C(1536Mi); C(1.5) with O(unit_kind=decimal) becomes C(1500m).
  - Binary amounts below 1Ki, or that are not whole numbers, are written with decimal suffixes, as the API
    server does (C(0.5) becomes C(500m), C(1000) becomes C(1k)).
  - Amounts finer than 1e-9 are rounded up to the next 1e-9, like any Kubernetes quantity.
  - Canonical strings compare equal as strings only when the amounts and families are equal; compare
    parsed values (M(kata.node.parse_quantity)) when in doubt.
positional: _input
options:
  _input:
    description:
      - The amount. An int or a float (floats are read through their shortest decimal form, so C(0.1) is
        exactly one tenth), or a string holding a number or any Kubernetes quantity (C(1.5Gi), C(250m)).
    type: raw
    required: true
  unit_kind:
    description:
      - Suffix family of the result.
      - V(binary) uses C(Ki Mi Gi Ti Pi Ei) (powers of 1024), the usual choice for memory.
      - V(decimal) uses C(n u m k M G T P E) (powers of 1000), the usual choice for CPU.
      - V(exponent) uses a power of ten that is a multiple of 3 (C(1e3), C(250e-3)).
    type: str
    default: binary
    choices: [binary, decimal, exponent]
seealso:
  - plugin: kata.node.parse_quantity
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Bytes to a memory quantity
  ansible.builtin.debug:
    msg: "{{ 1610612736 | kata.node.format_quantity }}"  # 1536Mi

- name: Cores to a CPU quantity
  ansible.builtin.debug:
    msg: "{{ 1.5 | kata.node.format_quantity(unit_kind='decimal') }}"  # 1500m

- name: Normalise a user-supplied quantity
  ansible.builtin.debug:
    msg: "{{ '1024Mi' | kata.node.format_quantity }}"  # 1Gi

- name: RuntimeClass overhead from MiB and millicores
  ansible.builtin.set_fact:
    pod_fixed:
      memory: "{{ (160 * 1024 * 1024) | kata.node.format_quantity }}"  # 160Mi
      cpu: "{{ (250 / 1000) | kata.node.format_quantity(unit_kind='decimal') }}"  # 250m
"""

RETURN = r"""
_value:
  description: The canonical quantity string.
  type: str
  sample: 1536Mi
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.quantity import format_quantity as _format

_NAME = "kata.node.format_quantity"


def format_quantity(value, unit_kind="binary"):
    """Number -> canonical quantity string of the chosen family."""
    try:
        return _format(value, unit_kind=unit_kind, field="%s input" % _NAME)
    except KataNodeError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Number -> Kubernetes quantity."""

    def filters(self):
        return {"format_quantity": format_quantity}
