# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kata.node.parse_quantity filter."""

from __future__ import annotations

DOCUMENTATION = r"""
name: parse_quantity
short_description: Read a Kubernetes quantity as a number
version_added: 0.1.0
author: kata.node contributors
description:
  - Parses a Kubernetes resource quantity (C(512Mi), C(1.5Gi), C(250m), C(2), C(1e3)) exactly as the
    Kubernetes API server does and returns its value as a number, for example bytes for memory or cores for CPU.
  - Binary suffixes C(Ki Mi Gi Ti Pi Ei) are powers of 1024; decimal suffixes C(n u m k M G T P E) are powers
    of 1000; C(e) or C(E) followed by an integer is a power of ten. Suffixes are case-sensitive, so C(1K),
    C(1KiB) and C(1mi) are errors, and a bare C(E) means exa (C(1E) is 10**18) while C(1E3) is 1000.
  - Like the API server, amounts finer than 1e-9 are rounded up (away from zero) to the next 1e-9, and
    binary-suffixed amounts are capped at 2**63 - 1.
  - The whole string must be the quantity; surrounding whitespace is an error.
  - Bare numbers (int or float, for example an unquoted YAML C(2) or C(0.5)) are accepted as they are.
  - Returns an integer when the result is whole, otherwise a float.
positional: _input
options:
  _input:
    description:
      - The quantity, as a string, or a number.
    type: raw
    required: true
  unit:
    description:
      - Express the result in this unit instead of in base units; the value is divided by it.
      - Either a bare suffix such as C(Mi), C(Gi), C(k) or C(m), or a whole quantity such as C(1Mi), C(100m)
        or C(1).
      - For example, with O(unit=Mi) the input C(1.5Gi) gives C(1536); with O(unit=m) the input C(250m)
        gives C(250).
      - A bare suffix may also be an exponent, such as C(e3).
    type: raw
seealso:
  - plugin: kata.node.format_quantity
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Memory in bytes
  ansible.builtin.debug:
    msg: "{{ '1.5Gi' | kata.node.parse_quantity }}"  # 1610612736

- name: CPU in cores and in millicores
  ansible.builtin.debug:
    msg:
      - "{{ '250m' | kata.node.parse_quantity }}"  # 0.25
      - "{{ '250m' | kata.node.parse_quantity(unit='m') }}"  # 250

- name: Kata default_memory (MiB) from a pod's memory limit
  ansible.builtin.set_fact:
    vm_memory_mib: "{{ pod_memory_limit | kata.node.parse_quantity(unit='Mi') | round(0, 'ceil') | int }}"
  vars:
    pod_memory_limit: 2Gi
"""

RETURN = r"""
_value:
  description:
    - The amount in base units (bytes, cores, ...), or in O(unit) when given.
    - An integer when whole, otherwise a float.
  type: raw
  sample: 1610612736
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.quantity import parse_quantity as _parse
from ansible_collections.kata.node.plugins.module_utils.quantity import quantity_ratio

_NAME = "kata.node.parse_quantity"


def _unit(unit):
    """A unit given as a bare suffix ("Mi") or as a quantity ("1Mi")."""
    if isinstance(unit, str) and unit and unit[0] not in "0123456789+-.":
        unit = "1" + unit  # a bare suffix: one of that unit
    return _parse(unit, field="%s unit" % _NAME)


def parse_quantity(value, unit=None):
    """Quantity -> number (int when whole, else float), optionally in a unit."""
    try:
        quantity = _parse(value, field="%s input" % _NAME)
        if unit is None:
            amount = quantity.value
            if amount.as_tuple().exponent >= 0:
                return quantity.int_value()
            return float(amount)
        ratio = quantity_ratio(quantity, _unit(unit), field="%s unit" % _NAME)
    except KataNodeError as exc:
        raise AnsibleFilterError(str(exc)) from exc
    return ratio.numerator if ratio.denominator == 1 else float(ratio)


class FilterModule:
    """Kubernetes quantity -> number."""

    def filters(self):
        return {"parse_quantity": parse_quantity}
