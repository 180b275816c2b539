# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: pod_overhead
short_description: Recommend a RuntimeClass C(overhead.podFixed) for Kata settings
version_added: 0.1.0
author: kata.node contributors
description:
  - Takes the Kata settings of a runtime handler (the same keys as the O(kata.node.sandbox_size#filter:config)
    option of P(kata.node.sandbox_size#filter)) and returns the C(overhead.podFixed) that the handler's RuntimeClass
    should carry, as canonical Kubernetes quantities.
  - "The recommendation adds two parts. The B(guest side) is the part of the VM that the workload limits do not
    cover: C(default_vcpus) and C(default_memory) for the Go runtime (static or dynamic) and for runtime-rs in
    dynamic mode; C(overhead_vcpus) and C(overhead_memory) for runtime-rs in static mode. The B(host side) is the
    VMM, the shim and virtiofsd, estimated with upstream's published RuntimeClass overhead for Kata 4.x
    (qemu C(320Mi)/C(250m); clh, fc and dragonball C(130Mi)/C(250m))."
  - "Memory that the runtime adds by rounding is budgeted too: one guest memory block (O(block_mib)) in dynamic
    mode, where hot-added memory is rounded up to whole blocks, and 1 MiB for runtime-rs static mode, which
    rounds the workload memory up to an even MiB."
  - "With C(sandbox_cgroup_only=true) the VMM, the shim, the vCPU threads and the guest RAM are all charged to the
    pod cgroup, so the recommendation holds guest side plus host side; this is what keeps the VMM from being
    OOM-killed inside a pod with a small memory limit."
  - "With C(sandbox_cgroup_only=false) only the vCPU threads stay in the pod cgroup and the VMM and shim run in
    the unconstrained C(kata_overhead) cgroup, so the recommendation budgets the guest's vCPUs and keeps memory
    at upstream's value; the reasoning then says how much memory per pod stays outside every pod limit."
  - The result is never below upstream's published value for the hypervisor. CPU is rounded up to whole
    millicores and memory up to whole MiB.
  - Settings given as strings (V("4"), V("true")) are converted; unknown keys fail with a "did you mean"
    suggestion; C(overhead_vcpus) and C(overhead_memory) are accepted only for O(runtime=rs).
positional: _input
options:
  _input:
    description:
      - "Kata settings of the handler, for example C({sandbox_cgroup_only: true, default_memory: 2048})."
      - Keys not given take the shipped defaults of O(runtime) and O(hypervisor) (Go runtime
        C(sandbox_cgroup_only=false), static only for fc; runtime-rs C(sandbox_cgroup_only=true), static,
        C(overhead_vcpus=0.2), C(overhead_memory=32)).
      - "Accepted keys: C(default_vcpus), C(default_maxvcpus), C(default_memory), C(default_maxmemory),
        C(memory_slots), C(memory_offset), C(enable_virtio_mem), C(overhead_vcpus), C(overhead_memory),
        C(sandbox_cgroup_only), C(static_sandbox_resource_mgmt), C(enable_vcpus_pinning), C(enable_annotations),
        C(default_bridges)."
      - "Only C(default_vcpus), C(default_memory), C(overhead_vcpus), C(overhead_memory), C(sandbox_cgroup_only)
        and C(static_sandbox_resource_mgmt) change the overhead; the other keys are accepted so that one settings
        dict serves both filters."
    type: dict
    required: true
  hypervisor:
    description: The hypervisor of the handler; V(dragonball) needs O(runtime=rs).
    type: str
    default: qemu
    choices: [qemu, clh, fc, dragonball]
  runtime:
    description: The Kata runtime, V(go) (the Go shim) or V(rs) (runtime-rs, the default shim from Kata 4.0).
    type: str
    default: go
    choices: [go, rs]
  block_mib:
    description: Guest memory block size in MiB that hot-added memory is rounded up to (dynamic mode only).
    type: int
    default: 128
  explain:
    description:
      - When V(true), return a dict with the podFixed recommendation, the numbers and the reasoning instead of
        the bare podFixed dict.
    type: bool
    default: false
seealso:
  - plugin: kata.node.sandbox_size
    plugin_type: filter
  - plugin: kata.node.runtimeclass
    plugin_type: filter
notes:
  - The filter is pure; it reads nothing from the node. Pods that override C(default_vcpus) or C(default_memory)
    with annotations need a handler whose settings match those values.
  - "The reasoning is a list of one-sentence explanations, in the order the parts were added."
"""

EXAMPLES = r"""
- name: Overhead for the Go runtime with QEMU and sandbox_cgroup_only
  ansible.builtin.debug:
    msg: "{{ {'sandbox_cgroup_only': true} | kata.node.pod_overhead(hypervisor='qemu', runtime='go') }}"
  # -> {"cpu": "1250m", "memory": "2496Mi"}

- name: Overhead for runtime-rs (static sizing with overhead_*), explained
  ansible.builtin.debug:
    msg: "{{ {} | kata.node.pod_overhead(hypervisor='qemu', runtime='rs', explain=true) }}"
  # -> {"pod_fixed": {"cpu": "450m", "memory": "353Mi"}, "cpu_milli": 450, "memory_mib": 353, "reasons": [...]}

- name: Feed a RuntimeClass
  ansible.builtin.set_fact:
    kata_overhead: "{{ kata_settings | kata.node.pod_overhead(hypervisor='clh', runtime='go') }}"
"""

RETURN = r"""
_value:
  description:
    - Without O(explain), the podFixed dict with the keys C(cpu) and C(memory) (canonical Kubernetes quantities).
    - With O(explain=true), a dict with C(pod_fixed) (that dict), C(cpu_milli) (int), C(memory_mib) (int) and
      C(reasons) (list of str, one sentence each).
  type: dict
  sample:
    cpu: 1250m
    memory: 2496Mi
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.overhead import recommend_pod_overhead

_TRUE = ('true', 'yes', 'on', '1')
_FALSE = ('false', 'no', 'off', '0')


def _explain_flag(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise AnsibleFilterError("kata.node.pod_overhead: explain must be true or false, not %r." % (value,))


def pod_overhead(settings, hypervisor='qemu', runtime='go', block_mib=128, explain=False):
    """Return the recommended podFixed for these Kata settings."""
    explain = _explain_flag(explain)
    try:
        recommendation = recommend_pod_overhead(settings, hypervisor, runtime, block_mib=block_mib)
        pod_fixed = recommendation.pod_fixed
    except KataNodeError as exc:
        raise AnsibleFilterError("kata.node.pod_overhead: %s" % exc) from exc
    if not explain:
        return pod_fixed
    return {
        'pod_fixed': pod_fixed,
        'cpu_milli': recommendation.cpu_milli,
        'memory_mib': recommendation.memory_mib,
        'reasons': list(recommendation.reasons),
    }


class FilterModule:
    """kata.node.pod_overhead"""

    def filters(self):
        return {'pod_overhead': pod_overhead}
