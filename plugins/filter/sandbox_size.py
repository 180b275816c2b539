# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: sandbox_size
short_description: Size the Kata VM of a pod (boot, after hotplug) and warn about surprises
version_added: 0.1.0
author: kata.node contributors
description:
  - Takes a pod (or workload) manifest and the Kata settings of a runtime handler and returns what the Kata
    runtime really gives the pod's VM, the way the runtime computes it.
  - "B(Pod to sandbox), as kubelet does it: CPU quota C(milliCPU*100000/1000) (at least 1000 µs, 0 without a CPU
    limit) with period 100000, shares from the requests (2 to 262144), memory limit in bytes; limits exclude the
    RuntimeClass overhead; containers, init containers and sidecars (init containers with C(restartPolicy:
    Always)) are aggregated like kubelet's C(PodLimits)/C(PodRequests) (sidecars add up, an init container
    counts with the sidecars started before it, the pod needs at least the init peak); pod-level C(resources)
    win for cpu and memory; requests default to limits as the API server defaults them."
  - "B(Go runtime, dynamic) (C(static_sandbox_resource_mgmt=false), the Go default on x86_64): the VM boots with
    C(default_vcpus) rounded up and C(default_memory) MiB; each container creation hot-plugs vCPUs up to
    C(default_vcpus) plus the running containers' quota/period, rounded up (capped at C(default_maxvcpus)) and memory up to
    C(default_memory + sum of memory limits) (capped at C(default_maxmemory), each hot-add rounded up to whole
    guest memory blocks of O(block_mib), at most 48 times the current memory per step without virtio-mem).
    Memory is never given back; vCPUs of stopped init containers are."
  - "B(Go runtime, static): the VM boots with C(default_vcpus + workload) vCPUs (rounded up; also the maximum)
    and C(default_memory + workload) MiB, and nothing is hot-plugged."
  - "B(runtime-rs, static) (the Kata 4.x default): with any limit the VM gets C(overhead_vcpus) plus the workload (at
    least 1) vCPUs and C(overhead_memory + workload) MiB (the workload memory rounded up to an even MiB); without limits
    C(default_vcpus)/C(default_memory). B(runtime-rs, dynamic): like the Go runtime but without the 48x step,
    and exceeding C(default_maxmemory) fails the container instead of being capped."
  - "Configuration as the runtime adjusts it: C(default_maxvcpus)/C(default_maxmemory) of 0 (or negative, or more
    than the host) mean the host's (O(host)); the Go runtime caps vCPUs at 240 on amd64 (123 arm64, 128 ppc64le,
    248 s390x); Go turns C(default_memory) below 256 into 2048 (with a warning); runtime-rs turns 0 into 128 and
    clamps C(default_vcpus) to C(default_maxvcpus); C(default_vcpus) may be fractional."
  - "Annotations C(io.katacontainers.config.hypervisor.default_vcpus), C(default_max_vcpus) and C(default_memory)
    in the pod's metadata are applied only when C(enable_annotations) lets them through (each entry is a regular
    expression searched anywhere in the name, as Kata does). In static Go mode the annotation becomes the base the
    workload is added to; in static runtime-rs mode limits replace it."
  - "Bad settings are errors; everything that depends on the pod is a warning in the result. Annotation values
    that the runtime rejects (Go: C(default_vcpus) above the host CPUs or negative, C(default_max_vcpus) above the
    host CPUs, C(default_memory) below 256; runtime-rs: C(default_vcpus) above 256, C(default_memory) below 64 MiB)
    are the warning C(annotation_invalid): the sandbox would fail to start."
positional: _input
options:
  _input:
    description:
      - "A Pod manifest, a workload with C(spec.template) (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
        ReplicationController), a CronJob, or C({cri_annotations: {...}}) with the strings containerd puts on the
        sandbox (C(io.kubernetes.cri.sandbox-cpu-period), C(-cpu-quota), C(-cpu-shares), C(-memory)) and
        optionally C(annotations) with Kata annotations."
      - With C(cri_annotations) unparsable numbers count as 0 (as the runtime reads them) and the whole pod is
        treated as one container for hotplug.
    type: dict
    required: true
  config:
    description:
      - Kata settings of the handler by their TOML key names.
      - "Accepted keys: C(default_vcpus), C(default_maxvcpus), C(default_memory), C(default_maxmemory),
        C(memory_slots), C(memory_offset), C(enable_virtio_mem), C(static_sandbox_resource_mgmt),
        C(overhead_vcpus), C(overhead_memory) (runtime-rs only), C(sandbox_cgroup_only), C(enable_annotations),
        C(enable_vcpus_pinning), C(default_bridges). Unknown keys fail with a \"did you mean\" suggestion;
        strings such as V(\"4\") or V(\"true\") are converted."
      - "Missing keys take the shipped QEMU defaults of O(runtime). Go: C(default_vcpus=1), C(default_maxvcpus=0),
        C(default_memory=2048), C(default_maxmemory=0), C(static_sandbox_resource_mgmt=false),
        C(sandbox_cgroup_only=false), C(enable_annotations=[enable_iommu, kernel_params, kernel_verity_params]).
        runtime-rs: the same sizes, C(static_sandbox_resource_mgmt=true), C(sandbox_cgroup_only=true),
        C(overhead_vcpus=0.2), C(overhead_memory=32), C(enable_annotations) adds C(default_vcpus) and
        C(default_memory)."
      - It is an error when the Go runtime in dynamic mode would boot more vCPUs than C(default_maxvcpus).
    type: dict
    default: {}
  host:
    description:
      - "The node: C(cpus), C(memory_mib) and optionally C(arch) (V(amd64), V(arm64), V(ppc64le), V(s390x),
        V(riscv64)). Used where a setting of 0 means \"the host\" and for the annotation checks."
      - Missing keys default to C(cpus=16), C(memory_mib=65536), C(arch=amd64); pass the facts of the real node
        (for example from M(kata.node.node_facts)).
    type: dict
    default: {}
  runtime:
    description: The Kata runtime, V(go) (the Go shim) or V(rs) (runtime-rs, the default shim from Kata 4.0).
    type: str
    default: go
    choices: [go, rs]
  block_mib:
    description:
      - Guest memory block size in MiB; hot-added memory is rounded up to whole blocks (128 on x86_64 guests).
        V(0) turns the rounding off.
    type: int
    default: 128
  hypervisor:
    description:
      - The hypervisor of the handler; it decides the defaults of the keys missing from O(config). The Go runtime
        sizes V(fc) statically (Firecracker has no hotplug); runtime-rs V(fc) has C(default_maxmemory=2048).
        V(dragonball) exists in runtime-rs only.
    type: str
    default: qemu
    choices: [qemu, clh, fc, dragonball]
seealso:
  - plugin: kata.node.pod_overhead
    plugin_type: filter
notes:
  - The filter is pure and reads nothing from the node. It assumes containerd forwards the pod's Kata
    annotations (its C(pod_annotations) must list them) and that kubelet enforces CFS quota.
  - CPU counts are exact; the runtimes compute with binary floats, which can differ only in the last bit.
  - "Warning codes (stable): C(cpu_limit_and_default_vcpus) (a CPU limit and the default_vcpus annotation
    together), C(no_cpu_limit), C(no_memory_limit), C(vcpus_capped), C(memory_capped), C(annotation_not_enabled)
    (Go refuses the pod, runtime-rs ignores the annotation), C(annotation_invalid) (the sandbox fails to
    start), C(annotation_overridden) (runtime-rs static replaces a sizing annotation),
    C(static_cpu_only_limit) (runtime-rs static gives only C(overhead_memory)), C(memory_not_returned)
    (hot-added memory is never given back), C(default_memory_too_small) (Go boots with 2048 instead),
    C(boot_memory_exceeds_max) (Go static: more than QEMU's maxmem), C(sandbox_memory_zero) (runtime-rs
    computes 0 MiB and refuses), C(memory_slots_exhausted) (more memory hot-adds than C(memory_slots))."
"""

EXAMPLES = r"""
- name: What the Go runtime gives a pod with 1500m / 1Gi limits
  ansible.builtin.debug:
    msg: "{{ pod | kata.node.sandbox_size(config={}, host={'cpus': 16, 'memory_mib': 65536}, runtime='go') }}"
  vars:
    pod:
      apiVersion: v1
      kind: Pod
      metadata: {name: web}
      spec:
        runtimeClassName: kata
        containers:
          - name: app
            image: nginx
            resources: {limits: {cpu: 1500m, memory: 1Gi}}
  # -> boot 1 vCPU / 2048 MiB, running 3 vCPUs / 3072 MiB, hotplug 2 / 1024

- name: runtime-rs static sizing of a Deployment
  ansible.builtin.set_fact:
    web_plan: "{{ lookup('ansible.builtin.file', 'web.yaml') | from_yaml
                  | kata.node.sandbox_size(runtime='rs', host=kata_host) }}"

- name: Fail on any warning
  ansible.builtin.assert:
    that: (pod | kata.node.sandbox_size(config=kata_settings)).warnings | length == 0

- name: From the sandbox annotations containerd passes
  ansible.builtin.debug:
    msg: >-
      {{ {'cri_annotations': {'io.kubernetes.cri.sandbox-cpu-period': '100000',
                              'io.kubernetes.cri.sandbox-cpu-quota': '220000',
                              'io.kubernetes.cri.sandbox-memory': '536870912'}}
         | kata.node.sandbox_size(config={'static_sandbox_resource_mgmt': true}) }}
"""

RETURN = r"""
_value:
  description: The sizing plan.
  type: dict
  contains:
    runtime:
      description: V(go) or V(rs).
      type: str
    mode:
      description: V(dynamic) (hotplug) or V(static) (sized before boot).
      type: str
    workload:
      description: What the pod asks for as the runtime reads it (C(cpus) exact float, C(memory_mib) int).
      type: dict
    boot:
      description:
        - The VM at boot. C(cpus) is the exact vCPU amount before rounding up (float), C(vcpus) the vCPUs it
          boots with, C(max_vcpus) the hotplug ceiling (QEMU maxcpus), C(memory_mib) the boot memory and
          C(max_memory_mib) the memory ceiling (C(default_maxmemory) after adjustment; QEMU's maxmem adds
          C(memory_offset) + 1024 on amd64).
      type: dict
    running:
      description: The VM once every container is created (C(vcpus), C(memory_mib)); equals C(boot) in static mode.
      type: dict
    hotplug:
      description: C(running) minus C(boot) (C(vcpus), C(memory_mib)).
      type: dict
    warnings:
      description: Findings, each a dict with a stable C(code) and a one-sentence C(message).
      type: list
      elements: dict
    containers:
      description:
        - Dynamic mode only, in creation order (init containers and sidecars first), the VM after each container
          is created; C(name), C(kind) (V(init), V(sidecar), V(container)), C(vcpus), C(memory_mib),
          C(requested_cpus), C(requested_memory_mib).
      type: list
      elements: dict
    annotations_applied:
      description: The Kata sizing annotations that took effect, by short name.
      type: dict
  sample:
    runtime: go
    mode: dynamic
    workload: {cpus: 1.5, memory_mib: 1024}
    boot: {cpus: 1.0, vcpus: 1, max_vcpus: 16, memory_mib: 2048, max_memory_mib: 65536}
    running: {vcpus: 3, memory_mib: 3072}
    hotplug: {vcpus: 2, memory_mib: 1024}
    warnings:
      - code: memory_not_returned
        message: the Go runtime hot-adds 1024 MiB for this pod and never gives hot-added memory back, ...
    containers:
      - {name: app, kind: container, vcpus: 3, memory_mib: 3072, requested_cpus: 2.5, requested_memory_mib: 3072}
    annotations_applied: {}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.sizing import sandbox_size as _core


def sandbox_size(pod, config=None, host=None, runtime='go', block_mib=128, hypervisor='qemu'):
    """Return the VM sizing plan of ``pod`` under these Kata settings."""
    try:
        return _core(pod, config, host, runtime, block_mib, hypervisor)
    except KataNodeError as exc:
        raise AnsibleFilterError("kata.node.sandbox_size: %s" % exc) from exc


class FilterModule:
    """kata.node.sandbox_size"""

    def filters(self):
        return {'sandbox_size': sandbox_size}
