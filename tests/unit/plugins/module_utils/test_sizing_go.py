# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go runtime sizing: upstream's unit-test tables rewritten as pytest tables, plus whole-pod cases."""

from __future__ import annotations

import pytest

from ansible_collections.kata.node.plugins.module_utils import sizing as s
from ansible_collections.kata.node.plugins.module_utils.annotations import regexp_contains
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.pod import pod_resources

GIB = 1024 * s.MIB


def cri(memory=None, quota=None, period=None, shares=None):
    """Sandbox annotations as containerd writes them (None = absent)."""
    out = {}
    for key, value in ((s.CRI_MEMORY, memory), (s.CRI_CPU_QUOTA, quota), (s.CRI_CPU_PERIOD, period),
                       (s.CRI_CPU_SHARES, shares)):
        if value is not None:
            out[key] = value
    return out


# src/runtime/pkg/oci/utils_test.go TestCalculateSandboxSizing (13 cases)
@pytest.mark.parametrize('annotations, cpus, mem', [
    (None, 0, 0),
    ({}, 0, 0),
    (cri('1048576', '200', '100'), 2, 1),
    (cri('1024', '200', '1'), 200, 0),
    (cri('foobar', '200', 'spaghetti'), 0, 0),
    (cri('-1048576', '-100', '1'), 0, 0),
    (cri('-1', '100', '1'), 100, 0),
    (cri('4294967296', '400', '100'), 4, 4096),
    (cri('1048576', '-1', '100', '2048'), 2, 1),      # cpuManagerPolicy=static: CPUs from shares
    (cri('0', '-1', '100', '1536'), 2, 0),            # shares round up
    (cri('0', '0', '100', '2'), 0, 0),                # BestEffort floor shares add nothing
    (cri('0', '200', '100', '8192'), 2, 0),           # an explicit quota wins over shares
    (cri('0', '-1', '100', '0'), 0, 0),               # unconstrained and no shares
])
def test_calculate_sandbox_sizing(annotations, cpus, mem):
    assert s.calculate_sandbox_sizing(annotations) == (cpus, mem)


def _ctr(memory, quota, period):
    return {'cpu': {'quota': quota, 'period': period}, 'memory': {'limit': memory}}


# src/runtime/pkg/oci/utils_test.go TestCalculateContainerSizing (8 cases)
@pytest.mark.parametrize('resources, cpus, mem', [
    (None, 0, 0),
    ({}, 0, 0),
    ({'cpu': {}, 'memory': {}}, 0, 0),
    (_ctr(1024 * 1024, 200, 100), 2, 1),
    (_ctr(GIB, 200, 1), 200, 1024),
    (_ctr(-GIB, 200, 1), 200, 0),
    (_ctr(0, 10, 0), 0, 0),
    (_ctr(-1, 10, 1), 10, 0),
])
def test_calculate_container_sizing(resources, cpus, mem):
    assert s.calculate_container_sizing(resources) == (cpus, mem)


# src/runtime/virtcontainers/utils/utils_test.go TestCalculateCPUsF (4 cases)
@pytest.mark.parametrize('quota, period, cpus', [(1, 1, 1.0), (1, 0, 0.0), (-1, 1, 0.0), (500, 1000, 0.5)])
def test_calculate_cpus_f(quota, period, cpus):
    assert s.calculate_cpus_f(quota, period) == cpus


UNCONSTRAINED = {}
CONSTRAINED = {'cpu': {'period': 1000, 'quota': 4000}}
CPUSET_0_1 = {'cpu': {'cpus': '0-1'}}
CPUSET_2 = {'cpu': {'cpus': '2'}}
CONSTRAINED_CPUSET_0_7 = {'cpu': {'period': 1000, 'quota': 4000, 'cpus': '0-7'}}


# src/runtime/virtcontainers/sandbox_test.go TestCalculateSandboxCPUs (9 cases)
@pytest.mark.parametrize('containers, want', [
    ([UNCONSTRAINED], 0),
    ([UNCONSTRAINED, UNCONSTRAINED], 0),
    ([CONSTRAINED], 4),
    ([CONSTRAINED, CONSTRAINED], 8),
    ([UNCONSTRAINED, CONSTRAINED, CONSTRAINED], 8),
    ([CONSTRAINED, CONSTRAINED, CONSTRAINED], 12),
    ([UNCONSTRAINED, UNCONSTRAINED, CPUSET_0_1], 2),
    ([CPUSET_0_1, CPUSET_2], 3),
    ([CONSTRAINED_CPUSET_0_7], 4),
], ids=['1-unconstrained', '2-unconstrained', '1-constrained', '2-constrained', '3-mix-constraints',
        '3-constrained', 'unconstrained-1-cpuset', 'unconstrained-2-cpuset', 'constrained-cpuset'])
def test_calculate_sandbox_cpus(containers, want):
    assert s.calculate_sandbox_cpus(containers) == want


MEM_CONSTRAINED = {'memory': {'limit': 4000}}
MEM_UNCONSTRAINED = {}


# src/runtime/virtcontainers/sandbox_test.go TestCalculateSandboxMem (6 cases)
@pytest.mark.parametrize('containers, want', [
    ([MEM_UNCONSTRAINED], 0),
    ([MEM_UNCONSTRAINED, MEM_UNCONSTRAINED], 0),
    ([MEM_CONSTRAINED], 4000),
    ([MEM_CONSTRAINED, MEM_CONSTRAINED], 8000),
    ([MEM_UNCONSTRAINED, MEM_CONSTRAINED, MEM_CONSTRAINED], 8000),
    ([MEM_CONSTRAINED, MEM_CONSTRAINED, MEM_CONSTRAINED], 12000),
])
def test_calculate_sandbox_memory(containers, want):
    assert s.calculate_sandbox_memory(containers) == want


# src/runtime/virtcontainers/sandbox_test.go TestCalculateSandboxMemHandlesNegativeLimits
def test_calculate_sandbox_memory_negative_limit():
    assert s.calculate_sandbox_memory([{'memory': {'limit': -1}}]) == 0


def test_calculate_sandbox_memory_counts_hugepages():
    assert s.calculate_sandbox_memory([{'memory': {'limit': 4000}, 'hugepage_limits': [{'limit': 2 * s.MIB}]}]) \
        == 4000 + 2 * s.MIB


# src/runtime/pkg/oci/utils_test.go TestRegexpContains (10 cases): unanchored search
@pytest.mark.parametrize('patterns, name, expected', [
    ([], '', False),
    ([], 'nonempty', False),
    (['simple'], 'simple', True),
    (['simple'], 'some_simple_text', True),
    (['simple'], 'simp', False),
    (['one', 'two'], 'one', True),
    (['one', 'two'], 'two', True),
    (['o*'], 'oooo', True),
    (['o*'], 'oooa', True),
    (['^o*$'], 'oooa', False),
])
def test_regexp_contains(patterns, name, expected):
    assert regexp_contains(patterns, name) is expected
    assert s.annotation_enabled(patterns, name) is expected


# src/runtime/pkg/katautils/config_test.go TestHypervisorDefaults, on a node of 8 CPUs
@pytest.mark.parametrize('value, expected', [(0, 1), (-1, 8), (2, 2), (9, 8), (0.5, 0.5), ('1.5', 1.5)])
def test_go_default_vcpus(value, expected):
    assert s.go_default_vcpus(value, host_cpus=8) == expected


@pytest.mark.parametrize('value, expected', [(0, 8), (2, 2), (9, 8), (241, 8), (-3, 8)])
def test_go_default_max_vcpus(value, expected):
    assert s.go_default_max_vcpus(value, host_cpus=8) == expected


@pytest.mark.parametrize('host_cpus, arch, expected', [(512, 'amd64', 240), (512, 'arm64', 123),
                                                       (512, 's390x', 248), (64, 'amd64', 64)])
def test_go_vcpu_cap_per_architecture(host_cpus, arch, expected):
    assert s.go_default_max_vcpus(0, host_cpus, arch) == expected
    assert s.go_default_vcpus(-1, host_cpus, arch) == expected


@pytest.mark.parametrize('value, expected', [(0, 2048), (255, 2048), (256, 256), (1024, 1024)])
def test_go_default_memory(value, expected):
    assert s.go_default_memory(value) == expected


@pytest.mark.parametrize('value, expected', [(0, 4096), (-1, 4096), (5000, 4096), (3000, 3000)])
def test_go_default_max_memory(value, expected):
    assert s.go_default_max_memory(value, host_memory_mib=4096) == expected


def test_go_default_memory_slots():
    assert s.go_default_memory_slots(0) == 10
    assert s.go_default_memory_slots(3) == 3


# src/runtime/virtcontainers/qemu_amd64_test.go TestQemuAmd64MemoryTopology: maxmem = max + offset + 1024
@pytest.mark.parametrize('maxmem, offset, expected', [(100, 0, 1124), (65536, 0, 66560), (4096, 512, 5632)])
def test_qemu_maxmem(maxmem, offset, expected):
    assert s.qemu_maxmem_mib(maxmem, offset) == expected


@pytest.mark.parametrize('mem, block, expected', [(1024, 128, 1024), (1, 128, 128), (129, 128, 256),
                                                  (100, 0, 100), (0, 128, 0)])
def test_calc_hotplug_mem_mib(mem, block, expected):
    assert s.calc_hotplug_mem_mib(mem, block) == expected


# The ACPI 48x rule (sandbox.go updateResources): 256 MiB can take 12 GiB in one step.
def test_go_memory_update_steps_of_48x():
    assert s.go_memory_update(256, 256 + 20480, 256, 65536, 128) == (256 + 20480, 2)
    assert s.go_memory_update(256, 256 + 12288, 256, 65536, 128) == (256 + 12288, 1)
    assert s.go_memory_update(2048, 3072, 2048, 65536, 128) == (3072, 1)


def test_go_memory_update_clamps_then_rounds_to_blocks():
    # clamped to maxmem (3000 - 2048 = 952), then rounded up to a block: 1024
    assert s.go_memory_update(2048, 8192, 2048, 3000, 128) == (3072, 1)
    # memory is never removed
    assert s.go_memory_update(4096, 3072, 2048, 8192, 128) == (4096, 0)


def test_go_memory_update_virtio_mem():
    # one step, exact size (no block rounding), and capped at maxmem
    assert s.go_memory_update(256, 256 + 20480, 256, 65536, 128, virtio=True) == (256 + 20480, 1)
    assert s.go_memory_update(2048, 2100, 2048, 65536, 128, virtio=True) == (2100, 1)
    assert s.go_memory_update(2048, 9000, 2048, 4096, 128, virtio=True)[0] == 4096


# ---------------------------------------------------------------------------
# Whole pods
# ---------------------------------------------------------------------------

HOST = s.Host(cpus=16, memory_mib=65536)


def pod(*containers, init=(), annotations=None, pod_resources_=None):
    spec = {'containers': [{'name': 'c%d' % i, 'resources': r} for i, r in enumerate(containers)]}
    if init:
        spec['initContainers'] = list(init)
    if pod_resources_:
        spec['resources'] = pod_resources_
    return {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'p', 'annotations': annotations or {}},
            'spec': spec}


def limits(cpu=None, memory=None):
    lim = {}
    if cpu is not None:
        lim['cpu'] = cpu
    if memory is not None:
        lim['memory'] = memory
    return {'limits': lim}


def size(manifest, runtime='go', **settings):
    return s.size_sandbox(pod_resources(manifest), s.KataConfig.from_settings(settings, runtime), HOST)


def codes(result):
    return [w.code for w in result.warnings]


def test_worked_example_go_dynamic():
    # FACTS 2.9: 1500m / 1Gi under Go dynamic defaults
    r = size(pod(limits('1500m', '1Gi')))
    assert (r.mode, r.boot_vcpus, r.boot_memory_mib) == ('dynamic', 1, 2048)
    assert (r.running_vcpus, r.running_memory_mib) == (3, 3072)
    assert r.to_dict()['hotplug'] == {'vcpus': 2, 'memory_mib': 1024}
    assert r.boot_max_vcpus == 16 and r.boot_max_memory_mib == 65536


def test_worked_example_go_static():
    r = size(pod(limits('1500m', '1Gi')), static_sandbox_resource_mgmt=True)
    assert (r.mode, r.boot_cpus, r.boot_vcpus, r.boot_max_vcpus, r.boot_memory_mib) == ('static', 2.5, 3, 3, 3072)
    assert (r.running_vcpus, r.running_memory_mib) == (3, 3072)
    assert codes(r) == []


def test_go_static_without_limits_keeps_defaults():
    r = size(pod({}), static_sandbox_resource_mgmt=True)
    assert (r.boot_vcpus, r.boot_max_vcpus, r.boot_memory_mib) == (1, 1, 2048)


def test_go_static_default_vcpus_zero_boots_one():
    r = size(pod({}), static_sandbox_resource_mgmt=True, default_vcpus=0)
    assert (r.boot_vcpus, r.boot_max_vcpus) == (1, 1)


def test_go_fractional_default_vcpus_summed_before_rounding():
    r = size(pod(limits('500m')), default_vcpus=0.5)
    assert r.boot_vcpus == 1 and r.running_vcpus == 1
    r = size(pod(limits('600m')), default_vcpus=0.5)
    assert r.running_vcpus == 2


def test_go_sidecar_and_init_containers():
    init = [{'name': 'setup', 'resources': limits('4', '4Gi')},
            {'name': 'proxy', 'restartPolicy': 'Always', 'resources': limits('1', '512Mi')}]
    r = size(pod(limits('2', '1Gi'), init=init))
    steps = [(st.container, st.kind, st.vcpus, st.memory_mib) for st in r.steps]
    assert steps == [
        ('setup', 'init', 5, 2048 + 4096),
        ('proxy', 'sidecar', 2, 2048 + 4096),       # init done: its vCPUs go, its memory stays
        ('c0', 'container', 4, 2048 + 4096),
    ]
    assert (r.running_vcpus, r.running_memory_mib) == (4, 6144)
    # the sandbox sees kubelet's aggregate: max(2 + 1, 4) CPUs and max(1Gi + 512Mi, 4Gi)
    assert (float(r.workload_cpus), r.workload_memory_mib) == (4.0, 4096)


def test_go_vcpus_capped_at_default_maxvcpus():
    r = size(pod(limits('8')), default_maxvcpus=4)
    assert r.running_vcpus == 4 and 'vcpus_capped' in codes(r)
    assert 'vcpus_capped' not in codes(size(pod(limits('3')), default_maxvcpus=4))


def test_go_memory_capped_at_default_maxmemory():
    r = size(pod(limits('1', '8Gi')), default_maxmemory=4096)
    assert r.running_memory_mib == 4096 and 'memory_capped' in codes(r)
    assert 'memory_capped' not in codes(size(pod(limits('1', '1Gi')), default_maxmemory=4096))


def test_go_block_rounding_of_hotplug():
    r = s.size_sandbox(pod_resources(pod(limits('1', '100Mi'))), s.KataConfig(), HOST, block_mib=128)
    assert r.running_memory_mib == 2048 + 128
    r = s.size_sandbox(pod_resources(pod(limits('1', '100Mi'))), s.KataConfig(), HOST, block_mib=0)
    assert r.running_memory_mib == 2048 + 100


def test_go_small_default_memory_becomes_2048():
    r = size(pod(limits('1', '1Gi')), default_memory=128)
    assert r.boot_memory_mib == 2048 and 'default_memory_too_small' in codes(r)
    assert 'default_memory_too_small' not in codes(size(pod(limits('1', '1Gi')), default_memory=256))


def test_go_dynamic_rejects_default_vcpus_above_max():
    with pytest.raises(KataNodeError, match='default_maxvcpus'):
        size(pod({}), default_vcpus=4, default_maxvcpus=2)
    # static mode resets the maximum to the boot vCPUs, so the same settings work
    assert size(pod({}), default_vcpus=4, default_maxvcpus=2, static_sandbox_resource_mgmt=True).boot_vcpus == 4


def test_go_static_boot_memory_above_qemu_maxmem():
    r = size(pod(limits('1', '8Gi')), static_sandbox_resource_mgmt=True, default_maxmemory=4096)
    assert 'boot_memory_exceeds_max' in codes(r)
    r = size(pod(limits('1', '2Gi')), static_sandbox_resource_mgmt=True, default_maxmemory=4096)
    assert 'boot_memory_exceeds_max' not in codes(r)   # 4096 <= 4096 + 1024


ANN = 'io.katacontainers.config.hypervisor.'


def test_go_annotation_not_enabled_fails_the_pod():
    r = size(pod(limits('1', '1Gi'), annotations={ANN + 'default_vcpus': '4'}))
    assert 'annotation_not_enabled' in codes(r)
    assert r.boot_vcpus == 1 and r.annotations_applied == ()
    assert 'Go runtime refuses' in r.warnings[0].message


def test_go_annotation_enabled_static_base():
    r = size(pod(limits('1500m', '1Gi'), annotations={ANN + 'default_vcpus': '2', ANN + 'default_memory': '512'}),
             static_sandbox_resource_mgmt=True, enable_annotations=['default_vcpus', 'default_memory'])
    assert (r.boot_vcpus, r.boot_memory_mib) == (4, 1536)       # ceil(2 + 1.5), 512 + 1024
    assert dict(r.annotations_applied) == {'default_vcpus': '2', 'default_memory': '512'}
    assert 'cpu_limit_and_default_vcpus' in codes(r)


def test_go_annotation_unanchored_pattern():
    # 'vcpus' is searched anywhere, so it also enables default_max_vcpus
    r = size(pod({}, annotations={ANN + 'default_vcpus': '3', ANN + 'default_max_vcpus': '6'}),
             enable_annotations=['vcpus'])
    assert (r.boot_vcpus, r.boot_max_vcpus) == (3, 6)
    assert 'cpu_limit_and_default_vcpus' not in codes(r)


@pytest.mark.parametrize('name, value', [('default_vcpus', '17'), ('default_vcpus', '-1'), ('default_vcpus', 'x'),
                                         ('default_max_vcpus', '17'), ('default_memory', '255'),
                                         ('default_memory', '1Gi')])
def test_go_annotation_out_of_range_fails(name, value):
    r = size(pod({}, annotations={ANN + name: value}), enable_annotations=['.*'])
    assert 'annotation_invalid' in codes(r)
    assert r.annotations_applied == ()


def test_go_annotation_default_vcpus_above_max_fails_at_boot():
    r = size(pod({}, annotations={ANN + 'default_vcpus': '8', ANN + 'default_max_vcpus': '4'}),
             enable_annotations=['.*'])
    assert 'annotation_invalid' in codes(r)


def test_go_cpu_manager_static_quota_minus_one():
    r = size({'cri_annotations': cri('0', '-1', '100000', '2048')}, static_sandbox_resource_mgmt=True)
    assert r.boot_vcpus == 3
    assert any(w.code == 'no_cpu_limit' and 'shares' in w.message for w in r.warnings)


def test_go_memory_not_returned_only_when_hot_added():
    assert 'memory_not_returned' in codes(size(pod(limits('1', '1Gi'))))
    assert 'memory_not_returned' not in codes(size(pod(limits('1'))))
    assert 'memory_not_returned' not in codes(size(pod(limits('1', '1Gi')), enable_virtio_mem=True))
    assert 'memory_not_returned' not in codes(size(pod(limits('1', '1Gi')), static_sandbox_resource_mgmt=True))
