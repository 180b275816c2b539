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

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.quantity import format_quantity

HYPERVISORS = ('qemu', 'clh', 'fc', 'dragonball')
RUNTIMES = ('go', 'rs')

# Upstream's published RuntimeClass podFixed for Kata 4.x (kata-deploy Helm
# chart): (memory MiB, CPU millicores).  Used as the host-side estimate and as
# the floor of every recommendation.
UPSTREAM_POD_FIXED = {
    'qemu': (320, 250),
    'clh': (130, 250),
    'fc': (130, 250),
    'dragonball': (130, 250),
}

# Settings keys the Kata sizing understands (the same names as the config of
# the kata.node.sandbox_size filter).  Only some change the overhead; the
# others are accepted so one settings dict serves both filters.
SETTINGS_KEYS = (
    'default_vcpus',
    'default_maxvcpus',
    'default_memory',
    'default_maxmemory',
    'memory_slots',
    'memory_offset',
    'enable_virtio_mem',
    'overhead_vcpus',
    'overhead_memory',
    'sandbox_cgroup_only',
    'static_sandbox_resource_mgmt',
    'enable_vcpus_pinning',
    'enable_annotations',
    'default_bridges',
)
RS_ONLY_KEYS = ('overhead_vcpus', 'overhead_memory')

GO_MIN_MEMORY_MIB = 256
RS_ZERO_MEMORY_MIB = 128
MAX_VCPUS = 512
MAX_MEMORY_MIB = 64 * 1024 * 1024

_TRUE = ('true', 'yes', 'on', '1')
_FALSE = ('false', 'no', 'off', '0')
_MILLI = Decimal(1000)


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
            'memory': format_quantity(Decimal(self.memory_mib) * 1024 * 1024, unit_kind='binary'),
        }


def _suggest(word, choices):
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    if close:
        return " (did you mean '%s'?)" % close[0]
    return ''


def _choice(value, field, choices):
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise KataNodeError(
            "%s must be one of %s, not %r%s." % (field, ', '.join(choices), value, _suggest(value, choices))
        )
    return value.strip().lower()


def _bool(value, field):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise KataNodeError("%s must be a boolean (true or false), not %r." % (field, value))


def _number(value, field):
    if isinstance(value, bool):
        raise KataNodeError("%s must be a number, not the boolean %r." % (field, value))
    if isinstance(value, (int, float, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise KataNodeError("%s must be a number, not %r." % (field, value))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise KataNodeError("%s must be a number, not %r." % (field, value)) from None
    if not number.is_finite():
        raise KataNodeError("%s must be a finite number, not %r." % (field, value))
    return number


def _vcpus(value, field):
    number = _number(value, field)
    if number < 0 or number > MAX_VCPUS:
        raise KataNodeError("%s must be between 0 and %d vCPUs, not %r." % (field, MAX_VCPUS, value))
    return number


def _mib(value, field):
    number = _number(value, field)
    if number != number.to_integral_value():
        raise KataNodeError("%s must be a whole number of MiB, not %r." % (field, value))
    if number < 0 or number > MAX_MEMORY_MIB:
        raise KataNodeError("%s must be between 0 and %d MiB, not %r." % (field, MAX_MEMORY_MIB, value))
    return int(number)


def _milli(vcpus):
    """vCPUs (Decimal) -> millicores, rounded up."""
    return int((vcpus * _MILLI).to_integral_value(rounding=ROUND_CEILING))


def _fmt_vcpus(number):
    text = format(number.normalize(), 'f')
    return text


def _defaults(runtime, hypervisor):
    """Shipped defaults that decide the overhead (Makefile values, FACTS §1.1)."""
    if runtime == 'go':
        return {
            'default_vcpus': Decimal(1),
            'default_memory': 2048,
            'sandbox_cgroup_only': False,
            'static_sandbox_resource_mgmt': hypervisor == 'fc',
        }
    return {
        'default_vcpus': Decimal(1),
        'default_memory': 2048,
        'sandbox_cgroup_only': True,
        'static_sandbox_resource_mgmt': True,
        'overhead_vcpus': Decimal('0.2'),
        'overhead_memory': 32,
    }


def normalize_settings(settings, runtime, hypervisor):
    """Check the key names and coerce the values that decide the overhead.

    Returns a plain dict with the shipped defaults filled in.
    """
    if settings is None:
        settings = {}
    if not isinstance(settings, Mapping):
        raise KataNodeError("settings must be a mapping of Kata configuration keys, not %s." % type(settings).__name__)
    values = _defaults(runtime, hypervisor)
    for key in settings:
        if not isinstance(key, str) or key not in SETTINGS_KEYS:
            raise KataNodeError(
                "settings key %r is not a Kata sizing setting%s; use one of %s."
                % (key, _suggest(key, SETTINGS_KEYS), ', '.join(SETTINGS_KEYS))
            )
        if key in RS_ONLY_KEYS and runtime != 'rs':
            raise KataNodeError(
                "settings key %r exists only in runtime-rs; remove it or use runtime 'rs'." % key
            )
    field = 'settings.%s'
    if settings.get('default_vcpus') is not None:
        values['default_vcpus'] = _vcpus(settings['default_vcpus'], field % 'default_vcpus')
    if settings.get('default_memory') is not None:
        memory = _mib(settings['default_memory'], field % 'default_memory')
        if runtime == 'go' and memory < GO_MIN_MEMORY_MIB:
            raise KataNodeError(
                "settings.default_memory must be at least %d MiB for the Go runtime (it silently boots "
                "2048 MiB instead of %r); raise it." % (GO_MIN_MEMORY_MIB, settings['default_memory'])
            )
        if runtime == 'rs' and memory == 0:
            memory = RS_ZERO_MEMORY_MIB
        values['default_memory'] = memory
    for key in ('sandbox_cgroup_only', 'static_sandbox_resource_mgmt'):
        if settings.get(key) is not None:
            values[key] = _bool(settings[key], field % key)
    if runtime == 'rs':
        if settings.get('overhead_vcpus') is not None:
            values['overhead_vcpus'] = _vcpus(settings['overhead_vcpus'], field % 'overhead_vcpus')
        if settings.get('overhead_memory') is not None:
            values['overhead_memory'] = _mib(settings['overhead_memory'], field % 'overhead_memory')
    if values['default_vcpus'] == 0:
        # Both runtimes boot one vCPU when default_vcpus is 0.
        values['default_vcpus'] = Decimal(1)
    return values


def recommend_pod_overhead(settings, hypervisor, runtime, block_mib=128):
    """Recommend a RuntimeClass ``overhead.podFixed`` for these Kata settings.

    ``settings``: mapping of Kata configuration keys (as for sandbox_size);
    ``hypervisor``: qemu, clh, fc or dragonball; ``runtime``: go or rs;
    ``block_mib``: guest memory block size that hot-added memory is rounded to.
    Returns an OverheadRecommendation; raises KataNodeError on bad input.
    """
    runtime = _choice(runtime, 'runtime', RUNTIMES)
    hypervisor = _choice(hypervisor, 'hypervisor', HYPERVISORS)
    if hypervisor == 'dragonball' and runtime != 'rs':
        raise KataNodeError("hypervisor 'dragonball' is built into runtime-rs only; use runtime 'rs'.")
    block = _mib(block_mib, 'block_mib')
    if block < 1:
        raise KataNodeError("block_mib must be at least 1 MiB, not %r." % (block_mib,))
    values = normalize_settings(settings, runtime, hypervisor)

    static = values['static_sandbox_resource_mgmt']
    cgroup_only = values['sandbox_cgroup_only']
    floor_mib, floor_milli = UPSTREAM_POD_FIXED[hypervisor]
    name = 'runtime-rs' if runtime == 'rs' else 'the Go runtime'
    reasons = []

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
