# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""runtime-rs sizing: upstream's Rust test tables rewritten as pytest tables, plus whole-pod cases."""

from __future__ import annotations

import math

import pytest

from ansible_collections.kata.node.plugins.module_utils import sizing as s
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.pod import pod_resources

MIB = s.MIB


def _annotations(period, quota, memory):
    """Empty strings where the sizing value is absent, as the upstream test builds them."""
    return {
        s.CRI_CPU_PERIOD: '' if period is None else str(period),
        s.CRI_CPU_QUOTA: '' if quota is None else str(quota),
        s.CRI_MEMORY: '' if memory is None else str(memory),
    }


# src/runtime-rs/crates/resource/src/cpu_mem/initial_size.rs get_test_data (3 cases),
# used by test_initial_size_sandbox and test_initial_size_container (vCPUs compared rounded up)
INITIAL_SIZE = [
    ('no resource limit', None, None, None, 0, 0),
    ('normal resource limit', 100_000, 220_000, 512 * MIB, 3, 512),
    ('odd memory in resource limits', None, None, 513 * MIB, 0, 514),
]


@pytest.mark.parametrize('desc, period, quota, memory, vcpu, mem', INITIAL_SIZE, ids=[c[0] for c in INITIAL_SIZE])
def test_initial_size_sandbox(desc, period, quota, memory, vcpu, mem):
    del desc
    got_vcpu, got_mem = s.rs_initial_size(_annotations(period, quota, memory))
    assert (math.ceil(got_vcpu), got_mem) == (vcpu, mem)


@pytest.mark.parametrize('desc, period, quota, memory, vcpu, mem', INITIAL_SIZE, ids=[c[0] for c in INITIAL_SIZE])
def test_initial_size_container(desc, period, quota, memory, vcpu, mem):
    del desc
    resources = {'cpu': {'period': period, 'quota': quota}, 'memory': {} if memory is None else {'limit': memory}}
    got_vcpu, got_mem = s.rs_initial_size_container(resources)
    assert (math.ceil(got_vcpu), got_mem) == (vcpu, mem)


# initial_size.rs test_supplement_from_annotations_fills_missing_spec_sizing
def test_initial_size_from_annotations():
    vcpu, mem = s.rs_initial_size({s.CRI_CPU_PERIOD: '100000', s.CRI_CPU_QUOTA: '120000',
                                   s.CRI_MEMORY: str(256 * MIB)})
    assert vcpu == pytest.approx(1.2, abs=1e-4) and mem == 256


@pytest.mark.parametrize('memory, mib', [(-1, 0), (0, 0), (MIB - 1, 0), (MIB, 2), (2 * MIB, 2), (3 * MIB + 5, 4)])
def test_convert_memory_to_mb(memory, mib):
    assert s.rs_convert_memory_to_mb(memory) == mib


def setup(default_vcpus, overhead_vcpus, default_maxvcpus, default_memory, overhead_memory, default_maxmemory,
          static, vcpu, mem_mb):
    return s.rs_setup_config(default_vcpus, overhead_vcpus, default_maxvcpus, default_memory, overhead_memory,
                             default_maxmemory, static, vcpu, mem_mb)


# initial_size.rs setup_config tests
def test_setup_config_static_applies_vcpu_and_memory():
    hv = setup(1.0, 0.5, 4, 256, 128, 4096, True, 1.2, 512)
    assert (hv.default_vcpus, hv.default_memory) == (1.7, 640)


def test_setup_config_non_static_does_not_apply():
    hv = setup(1.0, 0.5, 4, 256, 128, 4096, False, 1.2, 512)
    assert (hv.default_vcpus, hv.default_memory) == (1.0, 256)


def test_setup_config_clamps_maxvcpus():
    hv = setup(1.0, 1.0, 2, 256, 128, 4096, True, 2.5, 0)
    assert (hv.default_vcpus, hv.default_maxvcpus) == (3.5, 4)


def test_setup_config_static_reduces_maxvcpus_to_static_total():
    hv = setup(1.0, 0.5, 8, 256, 128, 4096, True, 1.2, 0)
    assert (hv.default_vcpus, hv.default_maxvcpus) == (1.7, 2)


def test_setup_config_clamps_maxmemory():
    hv = setup(1.0, 0.5, 4, 256, 128, 300, True, 0, 512)
    assert (hv.default_memory, hv.default_maxmemory) == (640, 640)


def test_setup_config_preserves_orig_toml_default_mem():
    hv = setup(1.0, 0.5, 4, 256, 128, 4096, True, 0, 128)
    assert hv.orig_default_memory == 256


def test_setup_config_static_without_limits_uses_toml_defaults():
    hv = setup(2.0, 0.5, 8, 512, 128, 4096, True, 0, 0)
    assert (hv.default_vcpus, hv.default_memory) == (2.0, 512)


def test_setup_config_static_errors_on_zero_memory():
    with pytest.raises(KataNodeError, match='0 MiB'):
        setup(1.0, 0.5, 8, 1024, 0, 4096, True, 1.0, 0)


# initial_size.rs test_setup_config_static_requested_vs_defaults (5 rstest cases)
@pytest.mark.parametrize('default_vcpus, overhead_vcpus, default_memory, overhead_memory, vcpu, mem, want_vcpus, '
                         'want_memory', [
                             (3.0, 0.75, 1024, 256, 1.25, 1024, 2.0, 1280),     # both limits
                             (3.0, 0.5, 1024, 128, 1.5, 0, 2.0, 128),           # CPU limit only
                             (3.0, 0.5, 1024, 128, 0.0, 512, 1.0, 640),         # memory limit only
                             (3.0, 0.0, 1024, 0, 1.25, 1024, 1.25, 1024),       # both, no overhead
                             (3.0, 0.0, 1024, 0, 0.0, 512, 1.0, 512),           # memory only, no overhead
                         ], ids=['both_limits', 'cpu_only_limit', 'memory_only_limit', 'both_limits_zero_overhead',
                                 'memory_only_zero_overhead'])
def test_setup_config_static_requested_vs_defaults(default_vcpus, overhead_vcpus, default_memory, overhead_memory,
                                                   vcpu, mem, want_vcpus, want_memory):
    hv = setup(default_vcpus, overhead_vcpus, 8, default_memory, overhead_memory, 4096, True, vcpu, mem)
    assert (hv.default_vcpus, hv.default_memory) == (want_vcpus, want_memory)


# src/runtime-rs/crates/resource/src/cpu_mem/cpu.rs calc_cpu_resources tests (12 assertions)
@pytest.mark.parametrize('default_vcpus, containers, expected', [
    (0.0, [(100_000, 1_000_000)] * 10, 1.0),                                            # test_rounding
    (10.0, [(32_000_000, 1_000_000), (32_000_000, 1_000_000), (64_000_000, 1_000_000)], 138.0),  # big_allocation_1
    (10.0, [(33_000_000, 1_000_000), (31_000_000, 1_000_000), (77_000_011, 1_000_000)], 151.0),  # big_allocation_2
    (10.0, [(141_000_008, 1_000_000)], 151.0),                                          # big_allocation_3
    (10.0, [(17_000_001, 1_000_000)] * 4, 78.0),                                        # big_allocation_4
    (3.0, [(1_000_000, 1_000_000), (1_000_000, 500_000)], 6.0),                         # divisible_periods
    (3.0, [(3_000_000, 1_500_000), (1_000_000, 500_000)], 7.0),                         # divisible_periods
    (1.0, [(1_000_000, 1_000_000), (900_000, 300_000)], 5.0),                           # indivisible_periods
    (1.0, [(1_000_000, 1_000_000), (900_000, 299_999)],
     (1_000_000.0 + 900_000.0 * (1_000_000.0 / 299_999.0)) / 1_000_000.0 + 1.0),         # indivisible_periods
    (0.5, [(250_000, 1_000_000)], 0.75),                                                # fractional_default_vcpus
    (0.5, [(500_000, 1_000_000)], 1.0),                                                 # fractional_default_vcpus
    (0.5, [(500_001, 1_000_000)], 1.000001),                                            # fractional_default_vcpus
])
def test_calc_cpu_resources(default_vcpus, containers, expected):
    assert s.rs_calc_cpu_resources(default_vcpus, containers) == pytest.approx(expected, abs=1e-4)


def test_calc_cpu_resources_without_quota():
    assert s.rs_calc_cpu_resources(0.5, []) == 0.5                       # no containers: default_vcpus
    assert s.rs_calc_cpu_resources(0.5, [(-1, 100_000)]) == 1.0          # unconstrained: at least 1
    assert s.rs_calc_cpu_resources(1.0, [(-1, 0)], ['0-1', '1-2']) == 3  # cpuset only: distinct CPUs


# src/libs/kata-types/src/config/hypervisor/mod.rs test_cpu_info_adjust_config (4 cases) on a node of 8 CPUs
@pytest.mark.parametrize('vcpus, maxv, want_vcpus, want_maxv', [
    (0.0, 0, 1.0, 8),                 # all with default values
    (9999999.0, 9999999, 8.0, 8),     # all with big values
    (-1.0, 1, 1.0, 1),                # default_vcpus larger than default_maxvcpus
    (0.0, 2, 1.0, 2),                 # overhead_vcpus explicitly set keeps value (overhead is not adjusted)
])
def test_cpu_info_adjust_config(vcpus, maxv, want_vcpus, want_maxv):
    assert s.rs_cpu_adjust(vcpus, maxv, host_cpus=8) == (want_vcpus, want_maxv)


# mod.rs test_memory_info_adjust_config_keeps_explicit_overhead_memory, plus QEMU's 0 -> 128 MiB
@pytest.mark.parametrize('mem, maxmem, want', [(1024, 4096, (1024, 4096)), (0, 0, (128, 65536)),
                                               (99999, 99999, (65536, 65536))])
def test_memory_info_adjust_config(mem, maxmem, want):
    assert s.rs_memory_adjust(mem, maxmem, host_memory_mib=65536) == want


# ---------------------------------------------------------------------------
# Whole pods
# ---------------------------------------------------------------------------

HOST = s.Host(cpus=16, memory_mib=65536)
ANN = 'io.katacontainers.config.hypervisor.'


def pod(*containers, annotations=None):
    return {'kind': 'Pod', 'metadata': {'name': 'p', 'annotations': annotations or {}},
            'spec': {'containers': [{'name': 'c%d' % i, 'resources': {'limits': r}} for i, r in enumerate(containers)]}}


def size(manifest, **settings):
    return s.size_sandbox(pod_resources(manifest), s.KataConfig.from_settings(settings, 'rs'), HOST)


def codes(result):
    return [w.code for w in result.warnings]


def test_worked_example_rs_static():
    # FACTS 2.9: qemu-runtime-rs 4.x static, overhead 0.2 / 32
    r = size(pod({'cpu': '1500m', 'memory': '1Gi'}))
    assert (r.mode, float(r.boot_cpus), r.boot_vcpus, r.boot_max_vcpus, r.boot_memory_mib) == \
        ('static', 1.7, 2, 2, 1056)
    assert (r.running_vcpus, r.running_memory_mib) == (2, 1056)
    assert codes(r) == []


def test_worked_example_rs_no_limits():
    r = size(pod({}))
    assert (r.boot_vcpus, r.boot_memory_mib) == (1, 2048)
    assert codes(r) == ['no_cpu_limit', 'no_memory_limit']


def test_rs_static_cpu_only_limit_gets_overhead_memory():
    r = size(pod({'cpu': '2'}))
    assert (r.boot_vcpus, r.boot_memory_mib) == (3, 32)
    assert 'static_cpu_only_limit' in codes(r)
    assert 'static_cpu_only_limit' not in codes(size(pod({'cpu': '2', 'memory': '1Gi'})))
    assert 'static_cpu_only_limit' not in codes(size(pod({'cpu': '2'}), static_sandbox_resource_mgmt=False))


def test_rs_static_memory_rounded_to_even_mib():
    r = size(pod({'cpu': '1', 'memory': '513Mi'}))
    assert (r.workload_memory_mib, r.boot_memory_mib) == (514, 546)


def test_rs_static_zero_memory_warns():
    r = size(pod({'cpu': '1'}), overhead_memory=0)
    assert 'sandbox_memory_zero' in codes(r)


def test_rs_dynamic_hotplug():
    r = size(pod({'cpu': '1500m', 'memory': '1Gi'}), static_sandbox_resource_mgmt=False)
    assert (r.mode, r.boot_vcpus, r.boot_memory_mib, r.running_vcpus, r.running_memory_mib) == \
        ('dynamic', 1, 2048, 3, 3072)
    assert 'memory_not_returned' in codes(r)


def test_rs_dynamic_memory_over_max_fails_container():
    r = size(pod({'cpu': '1', 'memory': '8Gi'}), static_sandbox_resource_mgmt=False, default_maxmemory=4096)
    assert r.running_memory_mib == 2048 and 'memory_capped' in codes(r)
    assert 'runtime-rs' in [w.message for w in r.warnings if w.code == 'memory_capped'][0]


def test_rs_dynamic_vcpus_capped():
    r = size(pod({'cpu': '6'}), static_sandbox_resource_mgmt=False, default_maxvcpus=4)
    assert r.running_vcpus == 4 and 'vcpus_capped' in codes(r)


def test_rs_default_vcpus_clamped_to_max_silently():
    r = size(pod({}), static_sandbox_resource_mgmt=False, default_vcpus=6, default_maxvcpus=4)
    assert (r.boot_vcpus, r.boot_max_vcpus) == (4, 4)


def test_rs_annotation_enabled_by_default_and_replaced_by_limits_in_static():
    r = size(pod({}, annotations={ANN + 'default_vcpus': '3', ANN + 'default_memory': '4096'}))
    assert (r.boot_vcpus, r.boot_memory_mib) == (3, 4096)
    r = size(pod({'cpu': '1', 'memory': '1Gi'}, annotations={ANN + 'default_vcpus': '3'}))
    assert r.boot_vcpus == 2   # overhead 0.2 + 1, the annotation is overwritten
    assert 'annotation_overridden' in codes(r) and 'cpu_limit_and_default_vcpus' in codes(r)


def test_rs_annotation_memory_units_and_minimum():
    r = size(pod({}, annotations={ANN + 'default_memory': '3GiB'}), static_sandbox_resource_mgmt=False)
    assert r.boot_memory_mib == 3072
    r = size(pod({}, annotations={ANN + 'default_memory': '32'}), static_sandbox_resource_mgmt=False)
    assert 'annotation_invalid' in codes(r) and r.boot_memory_mib == 2048


def test_rs_annotation_not_enabled_is_ignored():
    r = size(pod({}, annotations={ANN + 'default_max_vcpus': '2'}))
    assert 'annotation_not_enabled' in codes(r)
    assert 'ignores' in r.warnings[0].message


def test_rs_annotation_vcpus_above_plugin_maximum():
    r = size(pod({}, annotations={ANN + 'default_vcpus': '300'}))
    assert 'annotation_invalid' in codes(r)
