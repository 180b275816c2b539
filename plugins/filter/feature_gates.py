# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: feature_gates
short_description: Check Kubernetes feature gates against a release and render them
version_added: 1.0.0
description:
  - Checks a map of feature gates against the gate table of the collection for one component and
    Kubernetes minor release (1.16 and later), and returns the gates to set, or the single
    C(--feature-gates=) flag.
  - Errors (the filter fails) for gates the component would refuse at start-up, such as an unknown
    or misspelt gate (with a suggestion), a gate that is not there yet, a gate removed in that release
    or earlier (naming the release), and a locked gate set against its lock (quoting the component's
    C(feature is locked) refusal). Gate names are case-sensitive.
  - A gate removed because it went GA, set to its locked value (for example C(PodOverhead=true) on
    1.26 or later), is dropped with a warning, as the feature is always on.
  - Alpha gates, GA and deprecated gates pass with a warning.
  - Releases newer than the table are checked against its newest release, with a warning.
positional: _input
options:
  _input:
    description:
      - The gates, as a mapping of gate name to boolean, a list of C(Name=true|false) strings, or a
        flag value such as C(A=true,B=false).
      - Values must be booleans or unambiguous strings (C(true)/C(false), C(yes)/C(no), C(on)/C(off), C(1)/C(0)).
    type: raw
    required: true
  version:
    description:
      - Kubernetes version of the component, such as C(1.30), C(v1.30.4), C(1.30.4-eks-abc) or C(1.30.4+k3s1).
      - Quote it in YAML; an unquoted C(1.30) is the number 1.3 and is refused.
    type: str
    required: true
  component:
    description: The component that receives the gates.
    type: str
    default: kubelet
    choices: [kubelet, kube-apiserver, kube-scheduler, kube-controller-manager]
  output:
    description:
      - C(map) returns the validated mapping (sorted by name); C(flag) returns C(--feature-gates=A=true,B=false)
        (sorted, one flag, empty string when no gate remains); C(value) returns only C(A=true,B=false).
    type: str
    default: map
    choices: [map, flag, value]
seealso:
  - module: kata.node.feature_gates
  - plugin: kata.node.runtimeclass
    plugin_type: filter
notes:
  - The gate table is generated from the Kubernetes website's per-gate pages and the versioned feature
    lists of the Kubernetes sources; see C(tools/README.md) in the collection.
"""

EXAMPLES = r"""
- name: Gates for the kubelet of a 1.30 node (PodOverhead is dropped with a warning there)
  ansible.builtin.debug:
    msg: "{{ {'PodOverhead': true, 'CPUManager': true} | kata.node.feature_gates(version='1.30', component='kubelet') }}"

- name: The flag for a 1.17 kube-apiserver, where PodOverhead is alpha and off by default
  ansible.builtin.debug:
    msg: "{{ {'PodOverhead': true} | kata.node.feature_gates(version='v1.17.4', component='kube-apiserver', output='flag') }}"
  # --feature-gates=PodOverhead=true
"""

RETURN = r"""
_value:
  description:
    - With O(output=map), the gates to set, sorted by name, values as booleans.
    - With O(output=flag), the single flag string, or an empty string when no gate remains.
    - With O(output=value), the flag's value only.
  type: raw
  sample: {"PodOverhead": true}
"""

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.feature_gates import render_flag, render_value, validate_gates

_OUTPUTS = ("map", "flag", "value")


def feature_gates(gates, version=None, component="kubelet", output="map"):
    """Validated gates for ``component`` on Kubernetes ``version`` as a map or a flag."""
    if version is None:
        raise AnsibleFilterError("kata.node.feature_gates: version is required; pass version='1.30' (quoted).")
    if output not in _OUTPUTS:
        raise AnsibleFilterError(f"kata.node.feature_gates: output must be one of {', '.join(_OUTPUTS)}, not {output!r}.")
    try:
        check = validate_gates(gates, version, component)
    except KataNodeError as exc:
        raise AnsibleFilterError(f"kata.node.feature_gates: {exc}") from exc
    display = Display()
    for warning in check.warnings:
        display.warning(f"kata.node.feature_gates: {warning}")
    if output == "flag":
        return render_flag(check.gates)
    if output == "value":
        return render_value(check.gates)
    return dict(check.gates)


class FilterModule:
    """kata.node.feature_gates"""

    def filters(self):
        return {"feature_gates": feature_gates}
