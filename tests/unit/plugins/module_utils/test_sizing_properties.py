# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Properties of the sizing core over many generated pods and settings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils import sizing as s
from ansible_collections.kata.node.plugins.module_utils.pod import pod_resources

MILLI = st.one_of(st.none(), st.integers(min_value=1, max_value=64000))
MEM_MIB = st.one_of(st.none(), st.integers(min_value=1, max_value=96 * 1024))


@st.composite
def containers(draw, min_size=1):
    out = []
    for cpu, mem in draw(st.lists(st.tuples(MILLI, MEM_MIB), min_size=min_size, max_size=4)):
        limits = {}
        if cpu is not None:
            limits['cpu'] = '%dm' % cpu
        if mem is not None:
            limits['memory'] = '%dMi' % mem
        out.append({'name': 'c%d' % len(out), 'resources': {'limits': limits}})
    return out


@st.composite
def manifests(draw):
    spec = {'containers': draw(containers())}
    inits = draw(containers(min_size=0))
    for entry in inits:
        if draw(st.booleans()):
            entry['restartPolicy'] = 'Always'
        entry['name'] = 'i' + entry['name']
    if inits:
        spec['initContainers'] = inits
    return {'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': spec}


CONFIGS = st.fixed_dictionaries({}, optional={
    'default_vcpus': st.sampled_from([0, 0.5, 1, 1.5, 2, 4, -1]),
    'default_maxvcpus': st.sampled_from([0, 4, 8, 16, 64]),
    'default_memory': st.sampled_from([0, 128, 256, 2048, 4096]),
    'default_maxmemory': st.sampled_from([0, 4096, 16384, 200000]),
    'enable_virtio_mem': st.booleans(),
    'static_sandbox_resource_mgmt': st.booleans(),
})
HOSTS = st.builds(s.Host, cpus=st.sampled_from([2, 8, 16, 96, 300]),
                  memory_mib=st.sampled_from([8192, 65536, 262144]))
BLOCKS = st.sampled_from([0, 128, 256])


def _config(raw, runtime):
    raw = dict(raw)
    if runtime == 'go' and not raw.get('static_sandbox_resource_mgmt'):
        # the Go runtime refuses default_vcpus above default_maxvcpus in dynamic mode: keep them compatible
        raw.pop('default_maxvcpus', None)
    return s.KataConfig.from_settings(raw, runtime)


@settings(max_examples=150, deadline=None)
@given(manifest=manifests(), raw=CONFIGS, host=HOSTS, block=BLOCKS, runtime=st.sampled_from(['go', 'rs']))
def test_running_never_below_boot_and_within_caps(manifest, raw, host, block, runtime):
    r = s.size_sandbox(pod_resources(manifest), _config(raw, runtime), host, block)
    codes = {w.code for w in r.warnings}
    assert r.running_vcpus >= r.boot_vcpus >= 1
    assert r.running_memory_mib >= r.boot_memory_mib > 0 or 'sandbox_memory_zero' in codes
    assert r.boot_vcpus == -(-r.boot_cpus.numerator // r.boot_cpus.denominator) or r.boot_cpus == 0
    if r.mode == 'static':
        assert (r.running_vcpus, r.running_memory_mib) == (r.boot_vcpus, r.boot_memory_mib)
        assert r.boot_max_vcpus == r.boot_vcpus
        assert r.steps == ()
    else:
        assert r.running_vcpus <= r.boot_max_vcpus
        assert len(r.steps) == len(manifest['spec']['containers']) + len(manifest['spec'].get('initContainers', []))
        # memory never shrinks from one container to the next (ACPI hotplug and runtime-rs)
        if not (runtime == 'go' and r.mode == 'dynamic' and raw.get('enable_virtio_mem')):
            mems = [r.boot_memory_mib] + [st_.memory_mib for st_ in r.steps]
            assert mems == sorted(mems)
    if runtime == 'go':
        # Go caps hot-added memory at default_maxmemory (plus at most one block of rounding)
        if r.mode == 'dynamic':
            assert r.running_memory_mib <= max(r.boot_max_memory_mib + block, r.boot_memory_mib)
        elif 'boot_memory_exceeds_max' not in codes:
            assert r.boot_memory_mib <= s.qemu_maxmem_mib(r.boot_max_memory_mib)
        assert r.boot_max_vcpus <= min(host.cpus, 240) or r.mode == 'static'
    else:
        assert r.running_memory_mib <= r.boot_max_memory_mib
        assert r.boot_max_vcpus <= host.cpus or r.mode == 'static'


def _scaled(manifest, factor):
    out = {'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': {}}
    for group in ('containers', 'initContainers'):
        if group not in manifest['spec']:
            continue
        items = []
        for entry in manifest['spec'][group]:
            limits = {}
            for key, value in entry['resources']['limits'].items():
                number = int(value[:-1] if key == 'cpu' else value[:-2])
                limits[key] = ('%dm' if key == 'cpu' else '%dMi') % (number * factor)
            new = dict(entry, resources={'limits': limits})
            items.append(new)
        out['spec'][group] = items
    return out


@settings(max_examples=120, deadline=None)
@given(manifest=manifests(), raw=CONFIGS, host=HOSTS, runtime=st.sampled_from(['go', 'rs']))
def test_monotone_in_limits(manifest, raw, host, runtime):
    """Doubling every limit never gives the VM fewer vCPUs or less memory once running."""
    config = _config(raw, runtime)
    small = s.size_sandbox(pod_resources(manifest), config, host)
    big = s.size_sandbox(pod_resources(_scaled(manifest, 2)), config, host)
    assert big.workload_cpus >= small.workload_cpus
    assert big.workload_memory_mib >= small.workload_memory_mib
    assert big.running_vcpus >= small.running_vcpus
    if not (runtime == 'rs' and any(w.code == 'memory_capped' for w in big.warnings)):
        # runtime-rs fails (and keeps the old size) instead of capping, so only compare when it did not
        assert big.running_memory_mib >= small.running_memory_mib


@settings(max_examples=100, deadline=None)
@given(quota=st.integers(min_value=-1, max_value=10 ** 9), period=st.integers(min_value=0, max_value=10 ** 6),
       memory=st.integers(min_value=-2, max_value=2 ** 40))
def test_go_and_rs_read_the_same_annotations_alike(quota, period, memory):
    ann = {s.CRI_CPU_QUOTA: str(quota), s.CRI_CPU_PERIOD: str(period), s.CRI_MEMORY: str(memory)}
    go_cpus, go_mem = s.calculate_sandbox_sizing(ann)
    rs_cpus, rs_mem = s.rs_initial_size(ann)
    assert go_cpus == rs_cpus
    assert rs_mem - go_mem in (0, 1) and rs_mem % 2 == 0
