# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RuntimeClass ``overhead.podFixed`` recommendation from Kata settings.

The model (see docs/sizing.md, "How the overhead recommendation is derived"):

* host side: the VMM and the shim (and virtiofsd) cost what upstream publishes
  as the RuntimeClass overhead of the hypervisor (Kata 4.x);
* guest side: the part of the VM that is not covered by the workload limits,
  i.e. ``default_vcpus``/``default_memory`` for the Go runtime and for
  runtime-rs in dynamic mode, ``overhead_vcpus``/``overhead_memory`` for
  runtime-rs in static mode, plus the memory that hotplug adds by rounding;
* ``sandbox_cgroup_only = true`` charges both sides to the pod cgroup, so the
  overhead holds both; ``false`` keeps only the vCPU threads in the pod cgroup,
  so only the guest's vCPUs are budgeted there;
* the result never goes below upstream's published value.

Pure functions, standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ansible_collections.kata.node.plugins.module_utils import sizing
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.quantity import format_quantity

HYPERVISORS = sizing.HYPERVISORS

# Upstream's published RuntimeClass podFixed for Kata 4.x (kata-deploy Helm
# chart): (memory MiB, CPU millicores).  Used as the host-side estimate and as
# the floor of every recommendation.
UPSTREAM_POD_FIXED = {
    'qemu': (320, 250),
    'clh': (130, 250),
    'fc': (130, 250),
    'dragonball': (130, 250),
}

GO_MIN_MEMORY_MIB = sizing.GO_MIN_MEMORY_MIB
GO_DEFAULT_MEMORY_MIB = sizing.GO_DEFAULT_MEMORY_MIB
RS_ZERO_MEMORY_MIB = sizing.RS_DEFAULT_MEMORY_MIB

_MILLI = 1000


@dataclass(frozen=True)
class OverheadRecommendation:
    """A podFixed recommendation and the sentences that explain it."""

    cpu_milli: int
    memory_mib: int
    reasons: tuple

    @property
    def pod_fixed(self):
        """The RuntimeClass ``overhead.podFixed`` dict (canonical quantities)."""
        return {
            'cpu': format_quantity(Decimal(self.cpu_milli) / _MILLI, unit_kind='decimal'),
            'memory': format_quantity(self.memory_mib * sizing.MIB, unit_kind='binary'),
        }


def _milli(vcpus):
    """vCPUs (Fraction) -> millicores, rounded up."""
    return int(math.ceil(Fraction(vcpus) * _MILLI))


def _fmt_vcpus(number):
    number = Fraction(number)
    if number.denominator == 1:
        return str(number.numerator)
    return format(Decimal(number.numerator) / Decimal(number.denominator), 'f')


def normalize_settings(settings, runtime, hypervisor):
    """Check and coerce the settings exactly as kata.node.sandbox_size does.

    Returns ``(values, notes)``: a dict of the values that decide the overhead,
    as the runtime will use them, and sentences about adjustments it made.
    """
    config = sizing.KataConfig.from_settings(settings, runtime, hypervisor)
    notes = []
    static = config.static_sandbox_resource_mgmt
    vcpus = config.default_vcpus
    if vcpus < 0:
        raise KataNodeError(
            "config.default_vcpus is %s, which Kata reads as 'all host CPUs'; give an explicit vCPU count."
            % _fmt_vcpus(vcpus)
        )
    if vcpus == 0:
        vcpus = Fraction(1)
    memory = config.default_memory
    if runtime == 'go' and memory < GO_MIN_MEMORY_MIB:
        notes.append(
            "default_memory=%d MiB is below the Go runtime's minimum of %d MiB, so it boots %d MiB instead."
            % (memory, GO_MIN_MEMORY_MIB, GO_DEFAULT_MEMORY_MIB)
        )
        memory = GO_DEFAULT_MEMORY_MIB
    if runtime == 'rs' and memory == 0:
        memory = RS_ZERO_MEMORY_MIB
    values = {
        'default_vcpus': vcpus,
        'default_memory': memory,
        'sandbox_cgroup_only': config.sandbox_cgroup_only,
        'static_sandbox_resource_mgmt': static,
        'overhead_vcpus': config.overhead_vcpus,
        'overhead_memory': config.overhead_memory,
    }
    return values, notes


def recommend_pod_overhead(settings, hypervisor, runtime, block_mib=128):
    """Recommend a RuntimeClass ``overhead.podFixed`` for these Kata settings.

    ``settings``: mapping of Kata configuration keys (as for sandbox_size);
    ``hypervisor``: qemu, clh, fc or dragonball; ``runtime``: go or rs;
    ``block_mib``: guest memory block size that hot-added memory is rounded to.
    Returns an OverheadRecommendation; raises KataNodeError on bad input.
    """
    runtime = sizing.check_runtime(runtime)
    hypervisor = sizing.check_hypervisor(hypervisor, runtime)
    block = sizing.to_int(block_mib, 'block_mib', minimum=1)
    values, notes = normalize_settings(settings, runtime, hypervisor)

    static = values['static_sandbox_resource_mgmt']
    cgroup_only = values['sandbox_cgroup_only']
    floor_mib, floor_milli = UPSTREAM_POD_FIXED[hypervisor]
    name = 'runtime-rs' if runtime == 'rs' else 'the Go runtime'
    reasons = list(notes)

    if runtime == 'rs' and static:
        guest_vcpus = values['overhead_vcpus']
        guest_mib = values['overhead_memory']
        reasons.append(
            "With runtime-rs in static mode the VM is overhead_vcpus + workload CPUs and overhead_memory + "
            "workload memory, so the guest-side extra is overhead_vcpus=%s and overhead_memory=%d MiB."
            % (_fmt_vcpus(guest_vcpus), guest_mib)
        )
    else:
        guest_vcpus = values['default_vcpus']
        guest_mib = values['default_memory']
        reasons.append(
            "With %s in %s mode the VM is default_vcpus + workload CPUs and default_memory + workload memory, "
            "so the guest-side extra is default_vcpus=%s and default_memory=%d MiB."
            % (name, 'static' if static else 'dynamic', _fmt_vcpus(guest_vcpus), guest_mib)
        )

    slack_mib = 0
    if not static:
        slack_mib = block
        reasons.append(
            "Dynamic mode rounds hot-added memory up to the guest memory block, so the VM can hold up to one "
            "block (%d MiB) more than the limits, which counts as guest-side extra." % block
        )
    elif runtime == 'rs':
        slack_mib = 1
        reasons.append(
            "runtime-rs rounds the workload memory up to an even MiB, so the VM can hold 1 MiB more than the "
            "limits, which counts as guest-side extra."
        )

    guest_milli = _milli(guest_vcpus)
    reasons.append(
        "Upstream publishes %dMi and %dm as the RuntimeClass overhead for %s (Kata 4.x); that is taken as the "
        "host-side cost of the VMM and the shim and as the lowest recommendation." % (floor_mib, floor_milli, hypervisor)
    )
    if cgroup_only:
        memory_mib = guest_mib + slack_mib + floor_mib
        cpu_milli = guest_milli + floor_milli
        reasons.append(
            "sandbox_cgroup_only=true charges the VMM, the shim, the vCPU threads and the guest RAM to the pod "
            "cgroup, so the overhead holds the guest-side extra plus the host side: %dm CPU and "
            "%d + %d + %d MiB memory." % (cpu_milli, guest_mib, slack_mib, floor_mib)
        )
    else:
        memory_mib = floor_mib
        cpu_milli = guest_milli
        reasons.append(
            "sandbox_cgroup_only=false leaves only the vCPU threads in the pod cgroup and puts the VMM and the "
            "shim in the unconstrained kata_overhead cgroup, so the overhead budgets the guest's %dm of vCPUs "
            "and keeps the memory at the floor." % guest_milli
        )
        reasons.append(
            "About %d MiB per pod (guest-side extra plus host side) then stay outside every pod limit: reserve "
            "it on the node (kubelet system-reserved) or set sandbox_cgroup_only=true."
            % (guest_mib + slack_mib + floor_mib)
        )
    if memory_mib < floor_mib or cpu_milli < floor_milli:
        reasons.append(
            "The result is raised to upstream's published %dMi and %dm." % (floor_mib, floor_milli)
        )
    memory_mib = max(memory_mib, floor_mib)
    cpu_milli = max(cpu_milli, floor_milli)
    result = OverheadRecommendation(cpu_milli=cpu_milli, memory_mib=memory_mib, reasons=())
    fixed = result.pod_fixed
    reasons.append("Recommended podFixed: cpu %s, memory %s." % (fixed['cpu'], fixed['memory']))
    return OverheadRecommendation(cpu_milli=cpu_milli, memory_mib=memory_mib, reasons=tuple(reasons))
