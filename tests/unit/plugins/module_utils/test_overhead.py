# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the RuntimeClass overhead recommendation (module_utils/overhead.py)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.overhead import (
    UPSTREAM_POD_FIXED,
    recommend_pod_overhead,
)

# (settings, hypervisor, runtime) -> (cpu millicores, memory MiB).
# Derivation: guest side (default_* or runtime-rs static overhead_*) + rounding
# slack (dynamic: one 128 MiB block; runtime-rs static: 1 MiB) + host side
# (upstream 4.x podFixed); sandbox_cgroup_only=false keeps only the guest vCPUs.
CASES = [
    # Go runtime shipped defaults: dynamic, sandbox_cgroup_only=false.
    ({}, 'qemu', 'go', 1000, 320),
    ({}, 'clh', 'go', 1000, 130),
    # Go fc ships static sizing (still sandbox_cgroup_only=false).
    ({}, 'fc', 'go', 1000, 130),
    # Go with everything in the pod cgroup: 1 vCPU + 250m, 2048 + 128 + host.
    ({'sandbox_cgroup_only': True}, 'qemu', 'go', 1250, 2048 + 128 + 320),
    ({'sandbox_cgroup_only': True}, 'clh', 'go', 1250, 2048 + 128 + 130),
    # Static Go: no hotplug rounding.
    ({'sandbox_cgroup_only': True, 'static_sandbox_resource_mgmt': True}, 'qemu', 'go', 1250, 2048 + 320),
    ({'sandbox_cgroup_only': True}, 'fc', 'go', 1250, 2048 + 130),
    # Bigger base VM.
    ({'sandbox_cgroup_only': True, 'default_vcpus': 2, 'default_memory': 4096}, 'qemu', 'go', 2250, 4544),
    # Fractional default_vcpus (a float since Kata 3.3).
    ({'sandbox_cgroup_only': True, 'default_vcpus': 0.5}, 'qemu', 'go', 750, 2496),
    ({'default_vcpus': 0.333}, 'qemu', 'go', 333, 320),
    ({'default_vcpus': 0.1}, 'qemu', 'go', 250, 320),   # raised to upstream's floor
    # default_vcpus 0 boots one vCPU.
    ({'default_vcpus': 0}, 'qemu', 'go', 1000, 320),
    # runtime-rs shipped defaults: static, sandbox_cgroup_only=true, overhead 0.2 / 32.
    ({}, 'qemu', 'rs', 450, 32 + 1 + 320),
    ({}, 'dragonball', 'rs', 450, 32 + 1 + 130),
    ({}, 'clh', 'rs', 450, 163),
    ({'overhead_vcpus': '0.5', 'overhead_memory': '128'}, 'qemu', 'rs', 750, 128 + 1 + 320),
    ({'overhead_vcpus': 0, 'overhead_memory': 0}, 'qemu', 'rs', 250, 321),
    # runtime-rs, VMM outside the pod cgroup: nothing above upstream's values.
    ({'sandbox_cgroup_only': False}, 'qemu', 'rs', 250, 320),
    # runtime-rs in dynamic mode behaves like Go dynamic.
    ({'static_sandbox_resource_mgmt': False}, 'qemu', 'rs', 1250, 2048 + 128 + 320),
    # The Go runtime boots 2048 MiB when default_memory is below 256 MiB.
    ({'sandbox_cgroup_only': True, 'default_memory': 128}, 'qemu', 'go', 1250, 2496),
    # runtime-rs default_memory 0 means 128 MiB.
    ({'static_sandbox_resource_mgmt': False, 'default_memory': 0}, 'qemu', 'rs', 1250, 128 + 128 + 320),
]


@pytest.mark.parametrize('settings, hypervisor, runtime, cpu, memory', CASES)
def test_recommendation_table(settings, hypervisor, runtime, cpu, memory):
    rec = recommend_pod_overhead(settings, hypervisor, runtime)
    assert (rec.cpu_milli, rec.memory_mib) == (cpu, memory)


@pytest.mark.parametrize('settings, hypervisor, runtime, pod_fixed', [
    ({'sandbox_cgroup_only': True}, 'qemu', 'go', {'cpu': '1250m', 'memory': '2496Mi'}),
    ({}, 'qemu', 'rs', {'cpu': '450m', 'memory': '353Mi'}),
    ({}, 'clh', 'go', {'cpu': '1', 'memory': '130Mi'}),
    ({'sandbox_cgroup_only': False}, 'fc', 'rs', {'cpu': '250m', 'memory': '130Mi'}),
    # 1728 + 320 = 2048 MiB: canonical form is 2Gi.
    ({'sandbox_cgroup_only': True, 'static_sandbox_resource_mgmt': True, 'default_memory': 1728},
     'qemu', 'go', {'cpu': '1250m', 'memory': '2Gi'}),
])
def test_pod_fixed_is_canonical(settings, hypervisor, runtime, pod_fixed):
    assert recommend_pod_overhead(settings, hypervisor, runtime).pod_fixed == pod_fixed


def test_block_size_changes_dynamic_slack_only():
    dyn = {'sandbox_cgroup_only': True}
    assert recommend_pod_overhead(dyn, 'qemu', 'go', block_mib=256).memory_mib == 2048 + 256 + 320
    assert recommend_pod_overhead(dyn, 'qemu', 'go', block_mib='2').memory_mib == 2048 + 2 + 320
    static = dict(dyn, static_sandbox_resource_mgmt=True)
    assert recommend_pod_overhead(static, 'qemu', 'go', block_mib=256).memory_mib == 2048 + 320


@pytest.mark.parametrize('settings', [
    {'sandbox_cgroup_only': 'true', 'default_vcpus': '2', 'default_memory': '4096'},
    {'sandbox_cgroup_only': 'yes', 'default_vcpus': '2.0', 'default_memory': 4096.0},
    {'sandbox_cgroup_only': 'True', 'default_vcpus': 2, 'default_memory': ' 4096 '},
])
def test_string_values_are_coerced(settings):
    rec = recommend_pod_overhead(settings, 'qemu', 'go')
    assert (rec.cpu_milli, rec.memory_mib) == (2250, 4544)


class _TaggedStr(str):
    """Stands in for Ansible's tagged str subclass."""


class _TaggedInt(int):
    """Stands in for Ansible's tagged int subclass."""


def test_str_and_int_subclasses_are_accepted():
    settings = {_TaggedStr('sandbox_cgroup_only'): _TaggedStr('true'), 'default_memory': _TaggedInt(3072)}
    rec = recommend_pod_overhead(settings, _TaggedStr('QEMU'), _TaggedStr('go'))
    assert rec.memory_mib == 3072 + 128 + 320


def test_settings_none_means_defaults_and_input_is_not_mutated():
    assert recommend_pod_overhead(None, 'qemu', 'rs') == recommend_pod_overhead({}, 'qemu', 'rs')
    settings = {'sandbox_cgroup_only': 'true', 'default_vcpus': '1'}
    before = copy.deepcopy(settings)
    recommend_pod_overhead(settings, 'qemu', 'go')
    assert settings == before


def test_keys_that_do_not_change_the_overhead_are_accepted():
    settings = {'default_maxvcpus': 8, 'default_maxmemory': 0, 'memory_slots': 10, 'memory_offset': 0,
                'enable_virtio_mem': False, 'enable_vcpus_pinning': False,
                'enable_annotations': ['default_vcpus'], 'default_bridges': 1}
    assert recommend_pod_overhead(settings, 'qemu', 'go') == recommend_pod_overhead({}, 'qemu', 'go')


@pytest.mark.parametrize('settings, hypervisor, runtime, words', [
    ({'default_vcpu': 2}, 'qemu', 'go', ["'default_vcpu'", "did you mean 'default_vcpus'"]),
    ({'sandbox_cgroups_only': True}, 'qemu', 'go', ["did you mean 'sandbox_cgroup_only'"]),
    ({'overhead_memory': 64}, 'qemu', 'go', ['overhead_memory', "runtime='rs'"]),
    ({'default_memory': '2Gi'}, 'qemu', 'go', ['config.default_memory', 'number']),
    ({'default_memory': 1024.5}, 'qemu', 'go', ['config.default_memory', 'whole number']),
    ({'default_memory': -1}, 'qemu', 'go', ['config.default_memory', '0 or more']),
    ({'default_vcpus': -1}, 'qemu', 'go', ['config.default_vcpus', 'all host CPUs']),
    ({'default_vcpus': True}, 'qemu', 'go', ['config.default_vcpus', 'boolean']),
    ({'default_vcpus': float('nan')}, 'qemu', 'go', ['config.default_vcpus', 'finite']),
    ({'default_vcpus': [1]}, 'qemu', 'go', ['config.default_vcpus', 'number']),
    ({'sandbox_cgroup_only': 'maybe'}, 'qemu', 'go', ['config.sandbox_cgroup_only', 'true or false']),
    ({'overhead_vcpus': 'lots'}, 'qemu', 'rs', ['config.overhead_vcpus']),
    ({'overhead_vcpus': -0.5}, 'qemu', 'rs', ['config.overhead_vcpus', '0 or more']),
    ({}, 'qemo', 'go', ['hypervisor', "did you mean 'qemu'"]),
    ({}, 'qemu', 'golang', ['runtime', "'go' or 'rs'"]),
    ({}, 'dragonball', 'go', ['dragonball', "runtime 'rs'"]),
    ([('default_vcpus', 1)], 'qemu', 'go', ['must be a mapping']),
])
def test_bad_input_names_the_field(settings, hypervisor, runtime, words):
    with pytest.raises(KataNodeError) as err:
        recommend_pod_overhead(settings, hypervisor, runtime)
    message = str(err.value)
    for word in words:
        assert word in message
    assert message.endswith('.') and '\n' not in message


@pytest.mark.parametrize('block', [0, -128, '1.5', 'x', True])
def test_bad_block_size(block):
    with pytest.raises(KataNodeError, match='block_mib'):
        recommend_pod_overhead({}, 'qemu', 'go', block_mib=block)


def test_small_go_memory_is_explained():
    reasons = recommend_pod_overhead({'default_memory': '200'}, 'qemu', 'go').reasons
    assert reasons[0] == ("default_memory=200 MiB is below the Go runtime's minimum of 256 MiB, "
                          "so it boots 2048 MiB instead.")


def test_fc_static_default_only_for_go_and_only_when_not_given():
    assert recommend_pod_overhead({'sandbox_cgroup_only': True}, 'fc', 'go').memory_mib == 2048 + 130
    dyn = {'sandbox_cgroup_only': True, 'static_sandbox_resource_mgmt': 'false'}
    assert recommend_pod_overhead(dyn, 'fc', 'go').memory_mib == 2048 + 128 + 130


def test_reasoning_names_the_cgroup_choice():
    inside = recommend_pod_overhead({'sandbox_cgroup_only': True}, 'qemu', 'go').reasons
    outside = recommend_pod_overhead({}, 'qemu', 'go').reasons
    assert any('sandbox_cgroup_only=true' in r for r in inside)
    assert any('sandbox_cgroup_only=false' in r and 'kata_overhead' in r for r in outside)
    # With the VMM outside the pod, the reasoning says how much the node pays per pod.
    assert any('2496 MiB per pod' in r for r in outside)
    rs = recommend_pod_overhead({}, 'qemu', 'rs').reasons
    assert any('overhead_memory=32 MiB' in r for r in rs)
    for reason in inside + outside + rs:
        assert isinstance(reason, str) and reason.endswith('.') and '\n' not in reason
    assert inside[-1] == 'Recommended podFixed: cpu 1250m, memory 2496Mi.'
    assert outside[-1] == 'Recommended podFixed: cpu 1, memory 320Mi.'


_settings = st.fixed_dictionaries({}, optional={
    'default_vcpus': st.decimals(min_value=0, max_value=64, places=3).map(str),
    'default_memory': st.integers(min_value=256, max_value=262144),
    'sandbox_cgroup_only': st.booleans(),
    'static_sandbox_resource_mgmt': st.booleans(),
})
_rs_extra = st.fixed_dictionaries({}, optional={
    'overhead_vcpus': st.floats(min_value=0, max_value=16, allow_nan=False),
    'overhead_memory': st.integers(min_value=0, max_value=65536),
})


@given(settings=_settings, extra=_rs_extra, hypervisor=st.sampled_from(['qemu', 'clh', 'fc', 'dragonball']),
       runtime=st.sampled_from(['go', 'rs']))
def test_properties(settings, extra, hypervisor, runtime):
    if runtime == 'rs':
        settings = dict(settings, **extra)
    elif hypervisor == 'dragonball':
        hypervisor = 'qemu'
    rec = recommend_pod_overhead(settings, hypervisor, runtime)
    floor_mib, floor_milli = UPSTREAM_POD_FIXED[hypervisor]
    # Never below upstream's published values.
    assert rec.memory_mib >= floor_mib and rec.cpu_milli >= floor_milli
    cgroup_only = settings.get('sandbox_cgroup_only', runtime == 'rs')
    static = settings.get('static_sandbox_resource_mgmt', runtime == 'rs' or hypervisor == 'fc')
    if cgroup_only:
        # Everything is in the pod cgroup: strictly more than the guest-side part.
        if runtime == 'rs' and static:
            assert rec.memory_mib > int(settings.get('overhead_memory', 32))
        else:
            assert rec.memory_mib > int(settings.get('default_memory', 2048))
            assert rec.cpu_milli > 1000 * float(settings.get('default_vcpus', 1))
    else:
        assert rec.memory_mib == floor_mib
    # Raising the base memory never lowers the recommendation.
    bigger = dict(settings, default_memory=int(settings.get('default_memory', 2048)) + 1024)
    assert recommend_pod_overhead(bigger, hypervisor, runtime).memory_mib >= rec.memory_mib
    quantity = rec.pod_fixed
    assert set(quantity) == {'cpu', 'memory'}
