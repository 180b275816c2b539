# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Kata runtime really gives a pod's VM: vCPUs and memory, at boot and after hotplug.

Two runtimes are modelled, each from its own source:

* the Go runtime (``containerd-shim-kata-v2``, ``runtime = 'go'``) in dynamic
  (hotplug) mode and with ``static_sandbox_resource_mgmt``;
* runtime-rs (``runtime = 'rs'``, the default from Kata 4.0) in static mode
  (``overhead_* + workload``) and in dynamic mode.

The inputs are a :class:`KataConfig` (the hypervisor keys of
``configuration.toml``), a :class:`Host` (CPUs and memory of the node: ``0``
for a maximum means "the host"), and a
:class:`~ansible_collections.kata.node.plugins.module_utils.pod.PodResources`
(what kubelet and containerd hand to the runtime). :func:`size_sandbox`
returns a :class:`SandboxSize` with the boot size, the size once every
container is created, and warnings with stable codes.

CPU amounts are kept as exact fractions; the runtimes use binary floats
(``float32``/``f32``) and can differ from the exact result only in the last
bit, which never changes a rounded-up vCPU count except for sums that are
exactly whole numbers in decimal and not in binary.

The smaller functions mirror the upstream units they model, so upstream's own
test tables apply to them directly (``calculate_cpus_f``,
``calculate_sandbox_sizing``, ``calculate_container_sizing``,
``calculate_sandbox_cpus``, ``calculate_sandbox_memory``, ``go_default_*``,
``rs_*``). Pure functions and frozen dataclasses, standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.kata.node.plugins.module_utils.annotations import (
    HYPERVISOR_ANNOTATION_PREFIX,
    regexp_contains,
)
from ansible_collections.kata.node.plugins.module_utils.coerce import bool_word
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError, closest
from ansible_collections.kata.node.plugins.module_utils.pod import pod_resources

RUNTIMES = ('go', 'rs')

CRI_CPU_PERIOD = 'io.kubernetes.cri.sandbox-cpu-period'
CRI_CPU_QUOTA = 'io.kubernetes.cri.sandbox-cpu-quota'
CRI_CPU_SHARES = 'io.kubernetes.cri.sandbox-cpu-shares'
CRI_MEMORY = 'io.kubernetes.cri.sandbox-memory'

MIB = 1024 * 1024

# Go runtime constants (src/runtime: Makefile, hypervisor.go, sandbox.go, govmm).
GO_MIN_MEMORY_MIB = 256          # vc.MinHypervisorMemory
GO_DEFAULT_MEMORY_MIB = 2048     # used when default_memory < 256
GO_DEFAULT_MEMORY_SLOTS = 10
ACPI_HOTPLUG_FACTOR = 48         # one hot-add step adds at most 48x the current memory
QEMU_NVDIMM_RESERVE_MIB = 1024   # added to maxmem on amd64
GOVMM_MAX_VCPUS = {'amd64': 240, 'arm64': 123, 'ppc64le': 128, 's390x': 248, 'riscv64': 512}
ARCH_ALIASES = {'x86_64': 'amd64', 'aarch64': 'arm64', 'ppc64el': 'ppc64le'}

# runtime-rs constants (kata-types).
RS_DEFAULT_MEMORY_MIB = 128      # default_memory = 0 on QEMU
RS_DEFAULT_MEMORY_SLOTS = 128    # memory_slots = 0 on QEMU
RS_MAX_VCPUS_ANNOTATION = 256    # QEMU plugin get_max_cpus()
RS_MIN_MEMORY_ANNOTATION_MIB = 64  # QEMU plugin get_min_memory()

GO_DEFAULT_ENABLE_ANNOTATIONS = ('enable_iommu', 'kernel_params', 'kernel_verity_params')
RS_DEFAULT_ENABLE_ANNOTATIONS = GO_DEFAULT_ENABLE_ANNOTATIONS + ('default_vcpus', 'default_memory')

DEFAULT_HOST_CPUS = 16
DEFAULT_HOST_MEMORY_MIB = 65536
DEFAULT_BLOCK_MIB = 128

# Every key the filter accepts (the same set as the pod_overhead filter, so one
# settings dict serves both). Keys without effect on sizing are accepted and
# ignored: memory_offset only moves QEMU's maxmem, the others do not size.
CONFIG_KEYS = (
    'default_vcpus', 'default_maxvcpus', 'default_memory', 'default_maxmemory',
    'memory_slots', 'memory_offset', 'enable_virtio_mem', 'static_sandbox_resource_mgmt',
    'overhead_vcpus', 'overhead_memory', 'sandbox_cgroup_only', 'enable_annotations',
    'enable_vcpus_pinning', 'default_bridges',
)

_U32 = 2 ** 32 - 1


# --------------------------------------------------------------------------
# Input coercion
# --------------------------------------------------------------------------

def _suggest(word: str, choices) -> str:
    """The " (did you mean 'x'?)" tail of the unknown-name messages below, or nothing."""
    close = closest(word, choices)
    return " (did you mean %r?)" % close if close else ""


def to_fraction(value: Any, name: str) -> Fraction:
    """A number or numeric string as an exact Fraction (floats through their shortest repr)."""
    if isinstance(value, bool):
        raise KataNodeError("%s must be a number, not the boolean %s; give a number such as 1 or 0.5." % (name, value))
    if isinstance(value, int):
        return Fraction(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise KataNodeError("%s must be a finite number, not %r; give a number such as 1 or 0.5." % (name, value))
        return Fraction(repr(float(value)))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        text = str(value).strip()
        try:
            number = Fraction(text)
        except (ValueError, ZeroDivisionError):
            number = None
        if number is None or '/' in text:
            raise KataNodeError("%s must be a number, not %r; give a number such as 1 or 0.5." % (name, value))
        return number
    raise KataNodeError("%s must be a number, not %s; give a number such as 1 or 0.5." % (name, type(value).__name__))


def to_int(value: Any, name: str, minimum: Optional[int] = None) -> int:
    """A whole number (int, integral float or numeric string) as int, with an optional lower bound."""
    number = to_fraction(value, name)
    if number.denominator != 1:
        raise KataNodeError("%s must be a whole number, not %s; drop the fraction." % (name, value))
    result = int(number)
    if minimum is not None and result < minimum:
        raise KataNodeError("%s must be %d or more, not %d; give a value of at least %d." % (name, minimum, result, minimum))
    if result > _U32 * MIB:
        raise KataNodeError("%s is %d, which is out of range; give a realistic value." % (name, result))
    return result


def to_bool(value: Any, name: str) -> bool:
    """A boolean or one of true/false/yes/no/on/off/1/0."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and int(value) in (0, 1):
        return bool(int(value))
    if bool_word(value) is not None:
        return bool_word(value)
    raise KataNodeError("%s must be true or false, not %r; give a boolean." % (name, value))


def to_patterns(value: Any, name: str) -> Tuple[str, ...]:
    """A list of regular expressions (checked by compiling them)."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or isinstance(value, Mapping) or not isinstance(value, Sequence):
        raise KataNodeError("%s must be a list of regular expressions, not %r; give a list such as "
                            "['default_vcpus']." % (name, value))
    patterns = tuple(str(p) if isinstance(p, str) else p for p in value)
    regexp_contains(patterns, '')  # raises KataNodeError naming the bad entry
    return patterns


def _frac_out(value: Fraction) -> float:
    return float(value)


def _ceil(value: Fraction) -> int:
    return int(math.ceil(value))


# --------------------------------------------------------------------------
# Configuration, host and result
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class KataConfig:  # pylint: disable=too-many-instance-attributes
    """The sizing keys of a Kata hypervisor section, as the runtime reads them.

    Build it with :meth:`from_settings` (defaults per runtime, string
    coercion, unknown-key errors). Values are kept as given; the runtime's own
    adjustments (``0`` -> host, ``default_memory < 256`` -> 2048 ...) happen in
    :func:`size_sandbox`.
    """

    runtime: str = 'go'
    default_vcpus: Fraction = Fraction(1)
    default_maxvcpus: int = 0
    default_memory: int = 2048
    default_maxmemory: int = 0
    memory_slots: int = 10
    memory_offset: int = 0
    enable_virtio_mem: bool = False
    static_sandbox_resource_mgmt: bool = False
    overhead_vcpus: Fraction = Fraction(0)
    overhead_memory: int = 0
    sandbox_cgroup_only: bool = False
    enable_annotations: Tuple[str, ...] = GO_DEFAULT_ENABLE_ANNOTATIONS

    @staticmethod
    def defaults(runtime: str, hypervisor: str = 'qemu') -> Dict[str, Any]:
        """The shipped defaults of ``runtime`` ('go' or 'rs') for ``hypervisor``, Makefile values substituted."""
        values = {
            'default_vcpus': Fraction(1), 'default_maxvcpus': 0, 'default_memory': 2048,
            'default_maxmemory': 0, 'memory_slots': 10, 'memory_offset': 0,
            'enable_virtio_mem': False, 'static_sandbox_resource_mgmt': False,
            'overhead_vcpus': Fraction(0), 'overhead_memory': 0, 'sandbox_cgroup_only': False,
            'enable_annotations': GO_DEFAULT_ENABLE_ANNOTATIONS,
        }
        if runtime == 'go':
            # The Go runtime ships Firecracker with static sizing: it has no hotplug.
            values['static_sandbox_resource_mgmt'] = hypervisor == 'fc'
            return values
        values.update(static_sandbox_resource_mgmt=True, sandbox_cgroup_only=True,
                      overhead_vcpus=Fraction(1, 5), overhead_memory=32,
                      enable_annotations=RS_DEFAULT_ENABLE_ANNOTATIONS)
        if hypervisor == 'fc':
            values['default_maxmemory'] = 2048
        return values

    @classmethod
    def from_settings(cls, settings: Optional[Mapping] = None, runtime: str = 'go',
                      hypervisor: str = 'qemu') -> 'KataConfig':
        """Validate and coerce a settings mapping (Kata TOML key names) for ``runtime`` and ``hypervisor``."""
        runtime = check_runtime(runtime)
        hypervisor = check_hypervisor(hypervisor, runtime)
        if settings is None:
            settings = {}
        if not isinstance(settings, Mapping):
            raise KataNodeError("config must be a mapping of Kata settings, not %s; give a dict such as "
                                "{'default_vcpus': 1}." % type(settings).__name__)
        values = cls.defaults(runtime, hypervisor)
        for key, raw in settings.items():
            key = str(key)
            if key not in CONFIG_KEYS:
                raise KataNodeError("config key %r is not a Kata sizing setting%s; use one of %s."
                                    % (key, _suggest(key, CONFIG_KEYS), ', '.join(CONFIG_KEYS)))
            if raw is None:
                continue
            name = 'config.' + key
            if runtime == 'go' and key in ('overhead_vcpus', 'overhead_memory'):
                raise KataNodeError("%s is a runtime-rs setting that the Go runtime does not read; remove it or "
                                    "use runtime='rs'." % name)
            if key in ('default_vcpus',):
                values[key] = to_fraction(raw, name)
            elif key == 'overhead_vcpus':
                number = to_fraction(raw, name)
                if number < 0:
                    raise KataNodeError("%s must be 0 or more, not %s; give a non-negative number." % (name, raw))
                values[key] = number
            elif key in ('default_maxvcpus', 'default_maxmemory'):
                values[key] = to_int(raw, name)
            elif key in ('default_memory', 'memory_slots', 'memory_offset', 'overhead_memory', 'default_bridges'):
                values[key] = to_int(raw, name, minimum=0)
            elif key in ('enable_virtio_mem', 'static_sandbox_resource_mgmt', 'sandbox_cgroup_only',
                         'enable_vcpus_pinning'):
                values[key] = to_bool(raw, name)
            else:  # enable_annotations
                values[key] = to_patterns(raw, name)
        values.pop('default_bridges', None)
        values.pop('enable_vcpus_pinning', None)
        return cls(runtime=runtime, **values)


HYPERVISORS = ('qemu', 'clh', 'fc', 'dragonball')


def check_hypervisor(hypervisor: Any, runtime: str) -> str:
    """qemu, clh, fc or dragonball (runtime-rs only), else a KataNodeError."""
    name = str(hypervisor).strip().lower() if isinstance(hypervisor, str) else hypervisor
    if name not in HYPERVISORS:
        raise KataNodeError("hypervisor must be one of %s, not %r%s."
                            % (', '.join(HYPERVISORS), hypervisor, _suggest(str(hypervisor), HYPERVISORS)))
    if name == 'dragonball' and runtime != 'rs':
        raise KataNodeError("hypervisor 'dragonball' is built into runtime-rs only; use runtime 'rs'.")
    return name


def check_runtime(runtime: Any) -> str:
    """'go' or 'rs', else a KataNodeError."""
    if not isinstance(runtime, str) or str(runtime) not in RUNTIMES:
        raise KataNodeError("runtime must be 'go' or 'rs', not %r; use 'rs' for runtime-rs (Kata 4.x default) "
                            "or 'go' for the Go runtime." % (runtime,))
    return str(runtime)


@dataclass(frozen=True)
class Host:
    """The node: CPU count, memory in MiB and architecture (for the Go vCPU cap)."""

    cpus: int = DEFAULT_HOST_CPUS
    memory_mib: int = DEFAULT_HOST_MEMORY_MIB
    arch: str = 'amd64'

    @classmethod
    def from_mapping(cls, host: Optional[Mapping] = None) -> 'Host':
        """Validate ``{'cpus': N, 'memory_mib': M, 'arch': 'amd64'}`` (missing keys take the defaults)."""
        if host is None:
            return cls()
        if not isinstance(host, Mapping):
            raise KataNodeError("host must be a mapping such as {'cpus': 16, 'memory_mib': 65536}, not %s; "
                                "give a dict." % type(host).__name__)
        known = ('cpus', 'memory_mib', 'arch')
        for key in host:
            if str(key) not in known:
                raise KataNodeError("host key %r is not known%s; use cpus, memory_mib and arch."
                                    % (key, _suggest(str(key), known)))
        cpus = to_int(host.get('cpus', DEFAULT_HOST_CPUS), 'host.cpus', minimum=1)
        memory = to_int(host.get('memory_mib', DEFAULT_HOST_MEMORY_MIB), 'host.memory_mib', minimum=1)
        arch = host.get('arch', 'amd64')
        if not isinstance(arch, str):
            raise KataNodeError("host.arch must be a string such as 'amd64', not %r; give an architecture." % (arch,))
        arch = ARCH_ALIASES.get(str(arch), str(arch))
        if arch not in GOVMM_MAX_VCPUS:
            raise KataNodeError("host.arch %r is not known%s; use one of %s."
                                % (arch, _suggest(arch, GOVMM_MAX_VCPUS), ', '.join(GOVMM_MAX_VCPUS)))
        return cls(cpus=cpus, memory_mib=memory, arch=arch)


@dataclass(frozen=True)
class Warning_:
    """One finding: a stable ``code`` and a one-sentence ``message``."""

    code: str
    message: str


@dataclass(frozen=True)
class Step:
    """The VM after one container is created (dynamic mode)."""

    container: str
    kind: str
    vcpus: int
    memory_mib: int
    requested_cpus: float
    requested_memory_mib: int
    memory_hotplug_ops: int = 0


@dataclass(frozen=True)
class SandboxSize:  # pylint: disable=too-many-instance-attributes
    """The sizing plan of one pod."""

    runtime: str
    mode: str
    workload_cpus: Fraction
    workload_memory_mib: int
    boot_cpus: Fraction
    boot_vcpus: int
    boot_max_vcpus: int
    boot_memory_mib: int
    boot_max_memory_mib: int
    running_vcpus: int
    running_memory_mib: int
    warnings: Tuple[Warning_, ...] = ()
    steps: Tuple[Step, ...] = ()
    annotations_applied: Tuple[Tuple[str, str], ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        """The filter's return shape (see the sandbox_size filter documentation)."""
        return {
            'runtime': self.runtime,
            'mode': self.mode,
            'workload': {'cpus': _frac_out(self.workload_cpus), 'memory_mib': self.workload_memory_mib},
            'boot': {
                'cpus': _frac_out(self.boot_cpus),
                'vcpus': self.boot_vcpus,
                'max_vcpus': self.boot_max_vcpus,
                'memory_mib': self.boot_memory_mib,
                'max_memory_mib': self.boot_max_memory_mib,
            },
            'running': {'vcpus': self.running_vcpus, 'memory_mib': self.running_memory_mib},
            'hotplug': {
                'vcpus': self.running_vcpus - self.boot_vcpus,
                'memory_mib': self.running_memory_mib - self.boot_memory_mib,
            },
            'warnings': [{'code': w.code, 'message': w.message} for w in self.warnings],
            'containers': [
                {'name': s.container, 'kind': s.kind, 'vcpus': s.vcpus, 'memory_mib': s.memory_mib,
                 'requested_cpus': s.requested_cpus, 'requested_memory_mib': s.requested_memory_mib,
                 'memory_hotplug_ops': s.memory_hotplug_ops}
                for s in self.steps
            ],
            'annotations_applied': dict(self.annotations_applied),
        }


# --------------------------------------------------------------------------
# Go runtime units (src/runtime)
# --------------------------------------------------------------------------

def _go_parse_int(text: Any, unsigned: bool) -> int:
    """strconv.ParseInt/ParseUint base 10: anything else (or out of range) reads as 0."""
    if not isinstance(text, str):
        return 0
    value = str(text)
    body = value[1:] if value[:1] in '+-' and not unsigned else value
    if not body.isdigit() or not body.isascii():
        return 0
    number = int(value)
    if unsigned:
        return number if 0 <= number < 2 ** 64 else 0
    return number if -2 ** 63 <= number < 2 ** 63 else 0


def cpus_fraction(quota: int, period: int) -> Fraction:
    """Exact quota/period for quota >= 0 and period != 0, else 0 (unconstrained)."""
    if quota >= 0 and period != 0:
        return Fraction(quota, period)
    return Fraction(0)


def calculate_cpus_f(quota: int, period: int) -> float:
    """Go ``CalculateCPUsF``: CPUs a quota/period pair asks for (0 when unconstrained)."""
    return float(cpus_fraction(quota, period))


def _vm_resources(period: int, quota: int, memory: int) -> Tuple[Fraction, int]:
    cpus = cpus_fraction(quota, period)
    mem = 0 if memory < 0 else (memory // MIB) & _U32
    return cpus, mem


def sandbox_sizing_exact(annotations: Optional[Mapping]) -> Tuple[Fraction, int]:
    """:func:`calculate_sandbox_sizing` with the CPU count as an exact Fraction."""
    if not annotations:
        return Fraction(0), 0
    period = _go_parse_int(annotations.get(CRI_CPU_PERIOD), unsigned=True)
    quota = _go_parse_int(annotations.get(CRI_CPU_QUOTA), unsigned=False)
    shares = _go_parse_int(annotations.get(CRI_CPU_SHARES), unsigned=True)
    memory = _go_parse_int(annotations.get(CRI_MEMORY), unsigned=False)
    cpus, mem = _vm_resources(period, quota, memory)
    if quota < 0 and cpus == 0 and shares > 0:
        cpus = Fraction(-(-shares // 1024))
    return cpus, mem


def calculate_sandbox_sizing(annotations: Optional[Mapping]) -> Tuple[float, int]:
    """Go ``CalculateSandboxSizing``: (CPUs, MiB) from the CRI sandbox annotations.

    Unparsable values count as 0, memory is floored to MiB, a negative memory
    is 0, and with an unconstrained quota (-1, cpuManagerPolicy=static) the CPU
    count comes from the shares (1024 per CPU, rounded up).
    """
    cpus, mem = sandbox_sizing_exact(annotations)
    return float(cpus), mem


def calculate_container_sizing(resources: Optional[Mapping]) -> Tuple[float, int]:
    """Go ``CalculateContainerSizing`` over an OCI ``linux.resources`` mapping.

    ``{'cpu': {'quota': q, 'period': p}, 'memory': {'limit': bytes}}``; the CPU
    counts only when both quota and period are present.
    """
    if not resources:
        return 0.0, 0
    cpu = resources.get('cpu') or {}
    memory = resources.get('memory') or {}
    quota, period = 0, 0
    if cpu.get('quota') is not None and cpu.get('period') is not None:
        quota, period = int(cpu['quota']), int(cpu['period'])
    limit = int(memory['limit']) if memory.get('limit') is not None else 0
    cpus, mem = _vm_resources(period, quota, limit)
    return float(cpus), mem


def cpuset_size(cpus: str) -> int:
    """Number of CPUs in a cpuset string such as '0-3,8' (0 for '')."""
    total = set()
    text = str(cpus or '').strip()
    if not text:
        return 0
    for part in text.split(','):
        part = part.strip()
        if '-' in part:
            low, high = part.split('-', 1)
            if not (low.isdigit() and high.isdigit()) or int(low) > int(high):
                raise KataNodeError("cpuset %r is not valid; use a list such as '0-3,8'." % (cpus,))
            total.update(range(int(low), int(high) + 1))
        elif part.isdigit():
            total.add(int(part))
        else:
            raise KataNodeError("cpuset %r is not valid; use a list such as '0-3,8'." % (cpus,))
    return len(total)


def _sandbox_cpus_exact(containers: Sequence[Mapping]) -> Fraction:
    total = Fraction(0)
    cpuset_count = 0
    for res in containers:
        cpu = (res or {}).get('cpu')
        if not cpu:
            continue
        if cpu.get('period') is not None and cpu.get('quota') is not None:
            total += cpus_fraction(int(cpu['quota']), int(cpu['period']))
        cpuset_count += cpuset_size(cpu.get('cpus', ''))
    if total == 0 and cpuset_count > 0:
        return Fraction(cpuset_count)
    return total


def calculate_sandbox_cpus(containers: Sequence[Mapping]) -> float:
    """Go ``Sandbox.calculateSandboxCPUs`` over the running containers' OCI resources.

    Sum of quota/period; when nothing is constrained by quota, the sum of the
    cpuset sizes (each container's set counted separately).
    """
    return float(_sandbox_cpus_exact(containers))


def calculate_sandbox_memory(containers: Sequence[Mapping]) -> int:
    """Go ``Sandbox.calculateSandboxMemory`` (bytes): positive limits plus hugepage limits."""
    total = 0
    for res in containers:
        mem = (res or {}).get('memory')
        if mem is None:
            continue
        limit = mem.get('limit')
        if limit is not None and int(limit) > 0:
            total += int(limit)
        for page in (res or {}).get('hugepage_limits') or ():
            total += int(page.get('limit', 0))
    return total


def go_host_cpu_cap(host_cpus: int, arch: str = 'amd64') -> int:
    """Go ``getCurrentCpuNum``: host CPUs capped at govmm's maximum for the architecture."""
    return min(host_cpus, GOVMM_MAX_VCPUS[arch])


def go_default_vcpus_exact(value: Fraction, host_cpus: int, arch: str = 'amd64') -> Fraction:
    """:func:`go_default_vcpus` as an exact Fraction."""
    num = go_host_cpu_cap(host_cpus, arch)
    if value < 0 or value > num:
        return Fraction(num)
    if value == 0:
        return Fraction(1)
    return Fraction(value)


def go_default_vcpus(value: Any, host_cpus: int, arch: str = 'amd64') -> float:
    """Go ``hypervisor.defaultVCPUs``: <0 or > capped host CPUs -> capped host CPUs, 0 -> 1, else the value."""
    return float(go_default_vcpus_exact(to_fraction(value, 'default_vcpus'), host_cpus, arch))


def go_default_max_vcpus(value: int, host_cpus: int, arch: str = 'amd64') -> int:
    """Go ``hypervisor.defaultMaxVCPUs``: 0 (or negative) or >= host CPUs -> host CPUs, then at most govmm's cap."""
    req = host_cpus if value <= 0 or value >= host_cpus else value
    return min(req, GOVMM_MAX_VCPUS[arch])


def go_default_memory(value: int) -> int:
    """Go ``hypervisor.defaultMemSz``: below 256 MiB silently becomes 2048 MiB."""
    return GO_DEFAULT_MEMORY_MIB if value < GO_MIN_MEMORY_MIB else value


def go_default_memory_slots(value: int) -> int:
    """Go ``hypervisor.defaultMemSlots``: 0 -> 10."""
    return value or GO_DEFAULT_MEMORY_SLOTS


def go_default_max_memory(value: int, host_memory_mib: int) -> int:
    """Go ``hypervisor.defaultMaxMemSz``: 0 (or negative) or above the host -> host memory."""
    if value <= 0 or value > host_memory_mib:
        return host_memory_mib
    return value


def qemu_maxmem_mib(default_maxmemory: int, memory_offset: int = 0) -> int:
    """QEMU ``-m maxmem=`` on amd64 (``genericMemoryTopology``): max memory + offset + 1024 MiB NVDIMM space."""
    return default_maxmemory + memory_offset + QEMU_NVDIMM_RESERVE_MIB


def calc_hotplug_mem_mib(mem: int, block_mib: int) -> int:
    """Go ``calcHotplugMemMiBSize``: round a hot-add up to whole guest memory blocks (0 block = no rounding)."""
    if block_mib == 0:
        return mem
    return -(-mem // block_mib) * block_mib


def round_up_vcpus(cpus: Fraction) -> int:
    """Go ``RoundUpNumVCPUs`` / Rust ``f32::ceil``."""
    return _ceil(cpus)


# --------------------------------------------------------------------------
# runtime-rs units (src/runtime-rs, src/libs/kata-types)
# --------------------------------------------------------------------------

def rs_convert_memory_to_mb(memory_bytes: int) -> int:
    """runtime-rs ``convert_memory_to_mb``: negative -> 0, floor to MiB, odd -> next even."""
    if memory_bytes < 0:
        return 0
    mib = memory_bytes // MIB
    return mib + 1 if mib % 2 else mib


def rs_initial_size_exact(annotations: Optional[Mapping]) -> Tuple[Fraction, int]:
    """:func:`rs_initial_size` with the vCPU count as an exact Fraction."""
    annotations = annotations or {}
    period = _go_parse_int(annotations.get(CRI_CPU_PERIOD), unsigned=True)
    quota = _go_parse_int(annotations.get(CRI_CPU_QUOTA), unsigned=False)
    memory = _go_parse_int(annotations.get(CRI_MEMORY), unsigned=False)
    vcpu = Fraction(quota, period) if quota >= 0 and period > 0 else Fraction(0)
    return vcpu, rs_convert_memory_to_mb(memory)


def rs_initial_size(annotations: Optional[Mapping]) -> Tuple[float, int]:
    """runtime-rs ``InitialSize`` from the CRI sandbox annotations: (vCPUs, MiB)."""
    vcpu, mem = rs_initial_size_exact(annotations)
    return float(vcpu), mem


def rs_initial_size_container(resources: Optional[Mapping]) -> Tuple[float, int]:
    """runtime-rs ``InitialSize`` of a single container from its OCI ``linux.resources``: (vCPUs, MiB)."""
    resources = resources or {}
    cpu = resources.get('cpu') or {}
    quota = cpu.get('quota')
    quota = -1 if quota is None else int(quota)
    period = int(cpu.get('period') or 0)
    if quota >= 0 and period > 0:
        vcpu = Fraction(quota, period)
    else:
        vcpu = Fraction(cpuset_size(cpu.get('cpus', '')))
    limit = (resources.get('memory') or {}).get('limit')
    return float(vcpu), rs_convert_memory_to_mb(int(limit)) if limit is not None else 0


def rs_cpu_adjust(default_vcpus: Any, default_maxvcpus: int, host_cpus: int) -> Tuple[float, int]:
    """kata-types ``CpuInfo::adjust_config``: returns (default_vcpus, default_maxvcpus)."""
    vcpus, maxv = _rs_cpu_adjust_exact(to_fraction(default_vcpus, 'default_vcpus'), default_maxvcpus, host_cpus)
    return float(vcpus), maxv


def _rs_cpu_adjust_exact(vcpus: Fraction, maxv: int, host_cpus: int) -> Tuple[Fraction, int]:
    if maxv <= 0 or maxv > host_cpus:
        maxv = host_cpus
    if vcpus < 0 or vcpus > host_cpus:
        vcpus = Fraction(host_cpus)
    elif vcpus == 0:
        vcpus = Fraction(1)
    if vcpus > maxv:
        vcpus = Fraction(maxv)
    return vcpus, maxv


def rs_memory_adjust(default_memory: int, default_maxmemory: int, host_memory_mib: int) -> Tuple[int, int]:
    """kata-types ``MemoryInfo::adjust_config`` plus QEMU's 0 -> 128 MiB: (default_memory, default_maxmemory)."""
    mem = default_memory or RS_DEFAULT_MEMORY_MIB
    if mem > host_memory_mib:
        mem = host_memory_mib
    maxmem = default_maxmemory
    if maxmem <= 0 or maxmem > host_memory_mib:
        maxmem = host_memory_mib
    return mem, maxmem


@dataclass(frozen=True)
class RsHypervisorSize:
    """The runtime-rs hypervisor sizing keys after ``setup_config``."""

    default_vcpus: float
    default_maxvcpus: int
    default_memory: int
    default_maxmemory: int
    orig_default_memory: int


def rs_setup_config(default_vcpus: Any, overhead_vcpus: Any, default_maxvcpus: int, default_memory: int,
                    overhead_memory: int, default_maxmemory: int, static: bool,
                    workload_vcpus: Any, workload_mem_mb: int) -> RsHypervisorSize:
    """runtime-rs ``InitialSizeManager::setup_config``.

    Static mode with any workload limit: ``max(overhead_vcpus + vcpus, 1)``,
    ``overhead_memory + mem``, maxmemory raised to fit; static mode always
    sets maxvcpus to the rounded-up vCPUs. Raises KataNodeError when the
    computed memory is 0 MiB (the runtime refuses to start such a sandbox).
    """
    out = _rs_setup_exact(to_fraction(default_vcpus, 'default_vcpus'), to_fraction(overhead_vcpus, 'overhead_vcpus'),
                          default_maxvcpus, default_memory, overhead_memory, default_maxmemory, static,
                          to_fraction(workload_vcpus, 'workload_vcpus'), workload_mem_mb)
    if out[2] == 0:
        raise KataNodeError("computed sandbox memory is 0 MiB; set a memory limit on the pod or a non-zero "
                            "default_memory/overhead_memory.")
    return RsHypervisorSize(float(out[0]), out[1], out[2], out[3], default_memory)


def _rs_setup_exact(vcpus: Fraction, overhead_vcpus: Fraction, maxv: int, mem: int, overhead_mem: int, maxmem: int,
                    static: bool, work_cpu: Fraction, work_mem: int) -> Tuple[Fraction, int, int, int]:
    if not static:
        return vcpus, maxv, mem, maxmem
    if work_cpu > 0 or work_mem > 0:
        vcpus = max(overhead_vcpus + work_cpu, Fraction(1))
        mem = overhead_mem + work_mem
        maxmem = max(maxmem, mem)
    return vcpus, _ceil(vcpus), mem, maxmem


def rs_calc_cpu_resources(default_vcpus: Any, containers: Sequence[Tuple[int, int]],
                          cpusets: Sequence[str] = ()) -> float:
    """runtime-rs ``CpuResource::calc_cpu_resources``: vCPUs wanted for the containers.

    ``containers`` holds (quota, period) pairs; quotas are normalised to the
    largest period and summed, then ``default_vcpus`` is added. No containers
    -> ``default_vcpus``; only cpusets -> their distinct CPU count; nothing ->
    ``max(default_vcpus, 1)``.
    """
    return float(_rs_calc_cpu_exact(to_fraction(default_vcpus, 'default_vcpus'), containers, cpusets))


def _rs_calc_cpu_exact(default_vcpus: Fraction, containers: Sequence[Tuple[int, int]],
                       cpusets: Sequence[str] = ()) -> Fraction:
    if not containers and not cpusets:
        return default_vcpus
    periods = [pair[1] for pair in containers] or [0]
    max_period = max(periods)
    total_quota = Fraction(0)
    for quota, period in containers:
        if quota >= 0 and period > 0:
            total_quota += Fraction(quota) * Fraction(max_period, period)
    cpu_ids = set()
    for cpus in cpusets:
        text = str(cpus or '').strip()
        if text:
            for part in text.split(','):
                low, high = (part.strip().split('-', 1) + [''])[:2]
                cpu_ids.update(range(int(low), int(high or low) + 1))
    if total_quota == 0 and cpu_ids:
        return Fraction(len(cpu_ids))
    if total_quota > 0 and max_period > 0:
        return total_quota / max_period + default_vcpus
    return max(default_vcpus, Fraction(1))


# --------------------------------------------------------------------------
# Annotation overrides
# --------------------------------------------------------------------------

def hypervisor_annotations(annotations: Optional[Mapping]) -> Dict[str, str]:
    """The ``io.katacontainers.config.hypervisor.*`` entries of a pod's annotations, by short name."""
    out = {}
    for key, value in (annotations or {}).items():
        key = str(key)
        if key.startswith(HYPERVISOR_ANNOTATION_PREFIX):
            out[key[len(HYPERVISOR_ANNOTATION_PREFIX):]] = value if isinstance(value, str) else str(value)
    return out


def annotation_enabled(enable_annotations: Sequence[str], name: str) -> bool:
    """Whether ``io.katacontainers.config.hypervisor.<name>`` passes ``enable_annotations`` (unanchored search)."""
    return regexp_contains(list(enable_annotations), name)


def _rs_megabytes(text: str) -> Optional[int]:
    """kata-types ``convert_to_megabytes``: a bare number is MiB, else a byte size with a unit."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    units = (('KiB', 1024), ('MiB', MIB), ('GiB', 1024 * MIB), ('TiB', 1024 * 1024 * MIB),
             ('KB', 1000), ('MB', 1000 ** 2), ('GB', 1000 ** 3), ('TB', 1000 ** 4),
             ('K', 1000), ('M', 1000 ** 2), ('G', 1000 ** 3), ('T', 1000 ** 4), ('B', 1))
    for unit, factor in units:
        if value.endswith(unit):
            number = value[:-len(unit)].strip()
            try:
                amount = Fraction(number)
            except (ValueError, ZeroDivisionError):
                return None
            return int(amount * factor // MIB)
    return None


# --------------------------------------------------------------------------
# The whole sandbox
# --------------------------------------------------------------------------

class _Findings:
    def __init__(self):
        self.items: List[Warning_] = []
        self.codes = set()

    def add(self, code: str, message: str) -> None:
        if (code, message) not in {(w.code, w.message) for w in self.items}:
            self.items.append(Warning_(code, message))
            self.codes.add(code)


def _fmt(value: Fraction) -> str:
    number = float(value)
    return ('%d' % number) if number == int(number) else ('%g' % number)


def _apply_annotations(pod, config: KataConfig, host: Host, vcpus: Fraction, maxv: int, mem: int,
                       found: _Findings):
    """Apply default_vcpus / default_max_vcpus / default_memory annotations the way the runtime does."""
    # pylint: disable=too-many-branches,too-many-statements
    applied = []
    annotations = hypervisor_annotations(dict(pod.annotations))
    go = config.runtime == 'go'
    blocked = [n for n in sorted(annotations) if not annotation_enabled(config.enable_annotations, n)]
    for name in blocked:
        if go:
            found.add('annotation_not_enabled',
                      "annotation io.katacontainers.config.hypervisor.%s is not enabled in enable_annotations, so the "
                      "Go runtime refuses the pod with \"annotation io.katacontainers.config.hypervisor.%s is not "
                      "enabled\"; add %r to enable_annotations or drop the annotation." % (name, name, name))
        else:
            found.add('annotation_not_enabled',
                      "annotation io.katacontainers.config.hypervisor.%s is not enabled in enable_annotations, so "
                      "runtime-rs ignores it; add %r to enable_annotations or drop the annotation." % (name, name))
    if go and blocked:
        return vcpus, maxv, mem, tuple(applied), True

    def invalid(name, why):
        found.add('annotation_invalid', "annotation io.katacontainers.config.hypervisor.%s=%s %s, so the "
                  "sandbox fails to start; fix the value." % (name, annotations[name], why))

    failed = False
    if 'default_vcpus' in annotations and 'default_vcpus' not in blocked:
        text = annotations['default_vcpus'].strip()
        try:
            value = to_fraction(text, 'default_vcpus')
        except KataNodeError:
            value = None
        if value is None:
            invalid('default_vcpus', 'is not a number')
            failed = True
        elif go and value < 0:
            invalid('default_vcpus', 'is negative')
            failed = True
        elif go and value > host.cpus:
            invalid('default_vcpus', 'is more than the %d host CPUs' % host.cpus)
            failed = True
        elif not go and value > RS_MAX_VCPUS_ANNOTATION:
            invalid('default_vcpus', 'is more than runtime-rs allows for QEMU (%d)' % RS_MAX_VCPUS_ANNOTATION)
            failed = True
        else:
            vcpus = value
            applied.append(('default_vcpus', annotations['default_vcpus']))
    if 'default_max_vcpus' in annotations and 'default_max_vcpus' not in blocked:
        text = annotations['default_max_vcpus'].strip()
        value = int(text) if text.isdigit() else None
        if value is None:
            invalid('default_max_vcpus', 'is not a whole number')
            failed = True
        elif go and value > host.cpus:
            invalid('default_max_vcpus', 'is more than the %d host CPUs' % host.cpus)
            failed = True
        elif go and value > GOVMM_MAX_VCPUS[host.arch]:
            invalid('default_max_vcpus', 'is more than QEMU supports (%d)' % GOVMM_MAX_VCPUS[host.arch])
            failed = True
        else:
            if go:
                maxv = value if value > 0 else go_default_max_vcpus(0, host.cpus, host.arch)
            else:
                maxv = value if value > 0 else host.cpus
            applied.append(('default_max_vcpus', annotations['default_max_vcpus']))
    if 'default_memory' in annotations and 'default_memory' not in blocked:
        text = annotations['default_memory'].strip()
        if go:
            value = int(text) if text.isdigit() else None
            if value is None:
                invalid('default_memory', 'is not a whole number of MiB')
                failed = True
            elif value < GO_MIN_MEMORY_MIB:
                invalid('default_memory', 'is below the Go runtime minimum of %d MiB' % GO_MIN_MEMORY_MIB)
                failed = True
            else:
                mem = value
                applied.append(('default_memory', annotations['default_memory']))
        else:
            value = _rs_megabytes(text)
            if value is None:
                invalid('default_memory', 'is not a memory size')
                failed = True
            elif value < RS_MIN_MEMORY_ANNOTATION_MIB:
                invalid('default_memory', 'is below the runtime-rs minimum of %d MiB' % RS_MIN_MEMORY_ANNOTATION_MIB)
                failed = True
            else:
                mem = value
                applied.append(('default_memory', annotations['default_memory']))
    return vcpus, maxv, mem, tuple(applied), failed


def _workload_warnings(pod, config: KataConfig, found: _Findings, static: bool, applied) -> None:
    has_cpu = pod.cpu_quota > 0
    has_mem = pod.memory_limit_bytes > 0
    base = 'default_vcpus'
    if has_cpu and any(pair[0] == 'default_vcpus' for pair in applied):
        found.add('cpu_limit_and_default_vcpus',
                  "the pod sets both a CPU limit and the default_vcpus annotation; use one or the other, "
                  "as the annotation's vCPUs come on top of the limit.")
    if not has_cpu:
        if pod.cpu_quota < 0 and pod.cpu_shares > 0 and config.runtime == 'go':
            found.add('no_cpu_limit', "the pod has no CPU quota (cpuManagerPolicy=static); the Go runtime sizes "
                      "CPUs from the shares, set a CPU limit to size them explicitly.")
        else:
            found.add('no_cpu_limit', "the pod has no CPU limit, so its containers share the VM's %s vCPUs; set "
                      "resources.limits.cpu to give them their own." % base)
    if not has_mem:
        found.add('no_memory_limit', "the pod has no memory limit, so its containers share the VM's base memory "
                  "and can use all of it; set resources.limits.memory.")
    if static and config.runtime == 'rs' and has_cpu and not has_mem:
        found.add('static_cpu_only_limit', "runtime-rs static sizing with only a CPU limit gives the VM just "
                  "overhead_memory (%d MiB) of RAM; add a memory limit." % config.overhead_memory)


def size_sandbox(pod, config: KataConfig, host: Host, block_mib: int = DEFAULT_BLOCK_MIB) -> SandboxSize:
    """Size the VM of one pod.

    ``pod`` is a :class:`~ansible_collections.kata.node.plugins.module_utils.pod.PodResources`.
    Raises KataNodeError only for a configuration the runtime would reject for
    every pod; everything that depends on the pod is a warning.
    """
    if block_mib < 0:
        raise KataNodeError("block_mib must be 0 or more, not %d; give the guest memory block size in MiB "
                            "(128 on x86_64)." % block_mib)
    if config.runtime == 'go':
        return _size_go(pod, config, host, block_mib)
    return _size_rs(pod, config, host, block_mib)


def _running_sets(pod):
    """For every container creation, the containers running right after it (init containers run alone)."""
    sidecars = []
    for c in pod.containers:
        if c.kind == 'sidecar':
            sidecars.append(c)
            yield c, list(sidecars)
        elif c.kind == 'init':
            yield c, sidecars + [c]
    regular = []
    for c in pod.containers:
        if c.kind == 'container':
            regular.append(c)
            yield c, sidecars + regular


def _running_cpus(running) -> Fraction:
    """Sum of quota/period of pod containers (no cpusets come from a pod manifest)."""
    periods = {c.cpu_period for c in running if c.cpu_quota > 0}
    if len(periods) == 1:
        return Fraction(sum(c.cpu_quota for c in running if c.cpu_quota > 0), periods.pop())
    return sum((cpus_fraction(c.cpu_quota, c.cpu_period) for c in running if c.cpu_quota > 0), Fraction(0))


def _slots_warning(ops: int, slots: int, virtio: bool, found: _Findings) -> None:
    if not virtio and ops > slots:
        found.add('memory_slots_exhausted', "this pod needs %d memory hot-adds but memory_slots is %d, so QEMU has no "
                  "free DIMM slot for the rest and creating a container fails; raise memory_slots." % (ops, slots))


def _size_go(pod, config: KataConfig, host: Host, block_mib: int) -> SandboxSize:
    # pylint: disable=too-many-locals,too-many-branches,too-many-statements
    found = _Findings()
    static = config.static_sandbox_resource_mgmt
    if config.default_memory < GO_MIN_MEMORY_MIB:
        found.add('default_memory_too_small', "default_memory %d is below the Go runtime minimum of %d MiB, so it "
                  "silently boots with %d MiB; set default_memory to 256 or more."
                  % (config.default_memory, GO_MIN_MEMORY_MIB, GO_DEFAULT_MEMORY_MIB))
    vcpus = go_default_vcpus_exact(config.default_vcpus, host.cpus, host.arch)
    maxv = go_default_max_vcpus(config.default_maxvcpus, host.cpus, host.arch)
    mem = go_default_memory(config.default_memory)
    maxmem = go_default_max_memory(config.default_maxmemory, host.memory_mib)
    if not static and _ceil(vcpus) > maxv:
        raise KataNodeError("config.default_vcpus (%s) is more than config.default_maxvcpus (%d), so QEMU refuses to "
                            "boot; raise default_maxvcpus or lower default_vcpus." % (_fmt(vcpus), maxv))
    vcpus, maxv, mem, applied, failed = _apply_annotations(pod, config, host, vcpus, maxv, mem, found)
    work_cpu, work_mem = sandbox_sizing_exact(pod.cri_annotations())
    _workload_warnings(pod, config, found, static, applied)
    steps = []
    if static:
        boot_cpus = vcpus + work_cpu
        boot_vcpus = _ceil(boot_cpus) or 1
        boot_max = boot_vcpus
        boot_mem = mem + work_mem
        run_vcpus, run_mem = boot_vcpus, boot_mem
        qemu_max = qemu_maxmem_mib(maxmem, config.memory_offset)
        if boot_mem > qemu_max:
            found.add('boot_memory_exceeds_max', "the VM would boot with %d MiB, more than QEMU's maxmem of %d MiB "
                      "(default_maxmemory + memory_offset + 1024), so the sandbox fails to start; raise "
                      "default_maxmemory or lower the memory limit." % (boot_mem, qemu_max))
        return SandboxSize('go', 'static', work_cpu, work_mem, boot_cpus, boot_vcpus, boot_max, boot_mem, maxmem,
                           run_vcpus, run_mem, tuple(found.items), (), applied)
    boot_cpus = vcpus
    boot_vcpus = _ceil(vcpus) or 1
    if boot_vcpus > maxv and not failed:
        found.add('annotation_invalid', "the VM would boot %d vCPUs with at most %d (default_max_vcpus), so QEMU "
                  "refuses to start it; make default_vcpus no larger than default_max_vcpus." % (boot_vcpus, maxv))
    cur_vcpus, cur_mem = boot_vcpus, mem
    for container, running in _running_sets(pod):
        want_cpus = vcpus + _running_cpus(running)
        target = _ceil(want_cpus)
        if target > cur_vcpus:
            if target > maxv:
                found.add('vcpus_capped', "the containers ask for %d vCPUs but default_maxvcpus allows %d, so the "
                          "VM stays at %d; raise default_maxvcpus or lower the CPU limits."
                          % (target, maxv, max(maxv, cur_vcpus)))
            cur_vcpus = max(cur_vcpus, min(target, maxv))
        elif target < cur_vcpus:
            cur_vcpus = max(target, boot_vcpus)
        want_mem = (mem * MIB + sum(c.memory_limit_bytes + c.hugepages_bytes for c in running)) // MIB
        cur_mem, ops = _go_memory_update(cur_mem, want_mem, mem, maxmem, block_mib, config.enable_virtio_mem, found)
        steps.append(Step(container.name, container.kind, cur_vcpus, cur_mem, float(want_cpus), want_mem, ops))
    _slots_warning(sum(st.memory_hotplug_ops for st in steps), go_default_memory_slots(config.memory_slots),
                   config.enable_virtio_mem, found)
    if cur_mem > mem and not config.enable_virtio_mem:
        found.add('memory_not_returned', "the Go runtime hot-adds %d MiB for this pod and never gives hot-added "
                  "memory back, even after containers stop; size limits for the long-running containers."
                  % (cur_mem - mem))
    return SandboxSize('go', 'dynamic', work_cpu, work_mem, boot_cpus, boot_vcpus, maxv, mem, maxmem,
                       cur_vcpus, cur_mem, tuple(found.items), tuple(steps), applied)


def go_memory_update(current: int, final: int, base: int, maxmem: int, block_mib: int,
                     virtio: bool = False) -> Tuple[int, int]:
    """Go ``updateResources`` memory loop over QEMU ``ResizeMemory``: (memory MiB after, hot-add operations).

    Without virtio-mem one step adds at most 48x the current memory; each
    hot-add is clamped to ``maxmem`` and then rounded up to whole blocks.
    Memory is never removed. With virtio-mem the device is set to the
    requested size (no block rounding) within ``maxmem``.
    """
    return _go_memory_update(current, final, base, maxmem, block_mib, virtio, None)


def _go_memory_update(current: int, final: int, base: int, maxmem: int, block_mib: int, virtio: bool,
                      found: Optional[_Findings]) -> Tuple[int, int]:
    # pylint: disable=too-many-arguments
    ops = 0
    if final > maxmem and final > current and found is not None:
        found.add('memory_capped', "the containers need %d MiB but default_maxmemory allows %d MiB, so the VM "
                  "gets less than the limits promise; raise default_maxmemory or lower the memory limits."
                  % (final, maxmem))
    for _attempt in range(64):
        if virtio:
            step = max(maxmem - current, 0)
        else:
            step = current * ACPI_HOTPLUG_FACTOR
        requested = current + step if final - current > step else final
        if virtio:
            achieved = min(requested, max(maxmem, base)) if requested != current else current
            achieved = max(achieved, base)
        elif requested > current:
            add = requested - current
            if current + add > maxmem:
                add = max(maxmem - current, 0)
            achieved = current + calc_hotplug_mem_mib(add, block_mib)
        else:
            achieved = current  # hot-unplug of memory is not supported
        if achieved != current:
            ops += 1
        if requested == final or achieved == current:
            return achieved, ops
        current = achieved
    return current, ops


def _size_rs(pod, config: KataConfig, host: Host, block_mib: int) -> SandboxSize:
    # pylint: disable=too-many-locals,too-many-branches,too-many-statements
    found = _Findings()
    static = config.static_sandbox_resource_mgmt
    vcpus, maxv = _rs_cpu_adjust_exact(config.default_vcpus, config.default_maxvcpus, host.cpus)
    mem, maxmem = rs_memory_adjust(config.default_memory, config.default_maxmemory, host.memory_mib)
    vcpus, maxv, mem, applied, failed = _apply_annotations(pod, config, host, vcpus, maxv, mem, found)
    work_cpu, work_mem = rs_initial_size_exact(pod.cri_annotations())
    _workload_warnings(pod, config, found, static, applied)
    if static and applied and (work_cpu > 0 or work_mem > 0):
        names = ', '.join(pair[0] for pair in applied if pair[0] in ('default_vcpus', 'default_memory'))
        if names:
            found.add('annotation_overridden', "runtime-rs static sizing replaces the %s annotation with "
                      "overhead + limits because the pod has limits; drop the annotation or the limits." % names)
    orig_mem = mem
    vcpus, maxv, mem, maxmem = _rs_setup_exact(vcpus, config.overhead_vcpus, maxv, mem, config.overhead_memory,
                                               maxmem, static, work_cpu, work_mem)
    if mem == 0:
        found.add('sandbox_memory_zero', "runtime-rs computes 0 MiB of memory for this sandbox and refuses to start "
                  "it; set a memory limit or a non-zero overhead_memory.")
    boot_vcpus = max(_ceil(vcpus), 1)
    if static:
        return SandboxSize('rs', 'static', work_cpu, work_mem, vcpus, boot_vcpus, maxv, mem, maxmem,
                           boot_vcpus, mem, tuple(found.items), (), applied)
    del failed
    cur_vcpus_f = vcpus
    cur_vcpus, cur_mem = boot_vcpus, mem
    steps = []
    for container, running in _running_sets(pod):
        pairs = [(c.cpu_quota if c.cpu_quota > 0 else -1, c.cpu_period) for c in running]
        want = _rs_calc_cpu_exact(vcpus, pairs)
        if want != cur_vcpus_f and not cur_vcpus_f > want:
            target = _ceil(max(want, Fraction(1)))
            if target > maxv:
                found.add('vcpus_capped', "the containers ask for %d vCPUs but default_maxvcpus allows %d, so the "
                          "VM stays at %d; raise default_maxvcpus or lower the CPU limits." % (target, maxv, maxv))
                target = maxv
            cur_vcpus = max(target, 1)
            cur_vcpus_f = Fraction(cur_vcpus)
        prev_mem = cur_mem
        limits = sum(c.memory_limit_bytes + c.hugepages_bytes for c in running)
        want_mem = (limits >> 20) + orig_mem
        if want_mem > mem:
            hot = calc_hotplug_mem_mib(want_mem - mem, block_mib)
            if mem + hot > maxmem:
                found.add('memory_capped', "the containers need %d MiB but default_maxmemory allows %d MiB, and "
                          "runtime-rs then fails to create the container; raise default_maxmemory or lower the "
                          "memory limits." % (mem + hot, maxmem))
            elif mem + hot > cur_mem:
                cur_mem = mem + hot
        steps.append(Step(container.name, container.kind, cur_vcpus, cur_mem, float(want), want_mem,
                          1 if cur_mem > prev_mem else 0))
    _slots_warning(sum(st.memory_hotplug_ops for st in steps), config.memory_slots or RS_DEFAULT_MEMORY_SLOTS,
                   config.enable_virtio_mem, found)
    if cur_mem > mem:
        found.add('memory_not_returned', "runtime-rs hot-adds %d MiB for this pod and does not get hot-added memory "
                  "back from the guest after containers stop; size limits for the long-running containers."
                  % (cur_mem - mem))
    return SandboxSize('rs', 'dynamic', work_cpu, work_mem, vcpus, boot_vcpus, maxv, mem, maxmem,
                       cur_vcpus, cur_mem, tuple(found.items), tuple(steps), applied)


def sandbox_size(pod: Any, config: Optional[Mapping] = None, host: Optional[Mapping] = None, runtime: str = 'go',
                 block_mib: Any = DEFAULT_BLOCK_MIB, hypervisor: str = 'qemu') -> Dict[str, Any]:
    """The filter's core: validate every input, size the pod, return the plain-dict plan."""
    kata = KataConfig.from_settings(config, runtime, hypervisor)
    node = Host.from_mapping(host)
    block = to_int(block_mib, 'block_mib', minimum=0)
    return size_sandbox(pod_resources(pod), kata, node, block).to_dict()
