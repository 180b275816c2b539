# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: runtimeclass
short_description: Render a RuntimeClass manifest for a Kata handler and a Kubernetes release
version_added: 1.0.0
description:
  - Returns the RuntimeClass object (a dict) for a runtime handler, with the API version of the target
    release, C(node.k8s.io/v1) from 1.20 and C(node.k8s.io/v1beta1) for 1.16 to 1.19. Releases before 1.16
    are refused (their RuntimeClass has neither C(overhead) nor C(scheduling)).
  - C(overhead.podFixed) quantities are validated like container limits (non-negative, CPU in whole
    millicores, memory in whole bytes) and written as canonical quantity strings (C(0.25) becomes C(250m),
    C(1024Mi) becomes C(1Gi)).
  - Instead of O(overhead), O(kata_settings) computes the overhead from the Kata settings of the handler
    with the same core as P(kata.node.pod_overhead#filter).
positional: _input
options:
  _input:
    description: The runtime handler name as configured in containerd; a DNS label such as C(kata-qemu).
    type: str
    required: true
  version:
    description: Kubernetes version of the cluster, such as C(1.30) or C(v1.30.4) (quote it in YAML).
    type: str
    required: true
  overhead:
    description: The pod overhead, a mapping of resource names (C(cpu), C(memory), ...) to quantities.
    type: dict
  kata_settings:
    description:
      - Kata settings of the handler (the C(settings) of the C(kata_node_settings) fact); the overhead is
        computed from them. Mutually exclusive with O(overhead).
    type: dict
  hypervisor:
    description: Hypervisor of the handler, used with O(kata_settings).
    type: str
    default: qemu
    choices: [qemu, clh, fc, dragonball]
  runtime:
    description: Kata runtime of the handler, used with O(kata_settings).
    type: str
    default: go
    choices: [go, rs]
  node_selector:
    description: Node labels for C(scheduling.nodeSelector), so pods of this class land on Kata nodes.
    type: dict
  tolerations:
    description: Tolerations for C(scheduling.tolerations) (C(key), C(operator), C(value), C(effect), C(tolerationSeconds)).
    type: list
    elements: dict
  name:
    description: Object name of the RuntimeClass; defaults to the handler name.
    type: str
seealso:
  - plugin: kata.node.pod_overhead
    plugin_type: filter
  - plugin: kata.node.feature_gates
    plugin_type: filter
"""

EXAMPLES = r"""
- name: A RuntimeClass for kata-qemu on 1.30 with a fixed overhead
  ansible.builtin.copy:
    dest: /tmp/kata-qemu.yaml
    content: "{{ 'kata-qemu' | kata.node.runtimeclass(version='1.30', overhead={'cpu': '250m', 'memory': '320Mi'},
                 node_selector={'katacontainers.io/kata-runtime': 'true'}) | to_nice_yaml }}"
    mode: "0644"

- name: Overhead computed from the node's Kata settings
  ansible.builtin.debug:
    msg: "{{ kata_node_settings.handler | kata.node.runtimeclass(version='1.29', kata_settings=kata_node_settings.settings,
             hypervisor=kata_node_settings.hypervisor, runtime=kata_node_settings.runtime) }}"
"""

RETURN = r"""
_value:
  description: The RuntimeClass manifest.
  type: dict
  sample:
    apiVersion: node.k8s.io/v1
    kind: RuntimeClass
    metadata: {name: kata-qemu}
    handler: kata-qemu
    overhead: {podFixed: {cpu: 250m, memory: 320Mi}}
    scheduling: {nodeSelector: {katacontainers.io/kata-runtime: "true"}}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.runtimeclass import build_runtimeclass


def runtimeclass(handler, version=None, overhead=None, node_selector=None, tolerations=None, name=None,
                 kata_settings=None, hypervisor="qemu", runtime="go"):
    """The RuntimeClass manifest for ``handler`` on Kubernetes ``version``."""
    if version is None:
        raise AnsibleFilterError("kata.node.runtimeclass: version is required; pass version='1.30' (quoted).")
    try:
        return build_runtimeclass(handler, version, overhead=overhead, node_selector=node_selector,
                                  tolerations=tolerations, name=name, kata_settings=kata_settings,
                                  hypervisor=hypervisor, runtime=runtime)
    except KataNodeError as exc:
        raise AnsibleFilterError(f"kata.node.runtimeclass: {exc}") from exc


class FilterModule:
    """kata.node.runtimeclass"""

    def filters(self):
        return {"runtimeclass": runtimeclass}
