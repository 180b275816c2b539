# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod manifests -> the sandbox and container resources kubelet hands the runtime."""

from __future__ import annotations

import pytest

from ansible_collections.kata.node.plugins.module_utils import pod as p
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

GIB = 1024 ** 3


# kubelet helpers_linux.go milliCPUToQuota
@pytest.mark.parametrize('milli, quota', [(0, 0), (1, 1000), (5, 1000), (10, 1000), (11, 1100), (1500, 150000),
                                          (2000, 200000)])
def test_milli_cpu_to_quota(milli, quota):
    assert p.milli_cpu_to_quota(milli) == quota


# kubelet MilliCPUToShares
@pytest.mark.parametrize('milli, shares', [(0, 2), (1, 2), (2, 2), (100, 102), (1000, 1024), (1500, 1536),
                                           (256000, 262144), (300000, 262144)])
def test_milli_cpu_to_shares(milli, shares):
    assert p.milli_cpu_to_shares(milli) == shares


def container(name, limits=None, requests=None, **extra):
    res = {}
    if limits is not None:
        res['limits'] = limits
    if requests is not None:
        res['requests'] = requests
    out = {'name': name, 'image': 'busybox', 'resources': res}
    out.update(extra)
    return out


def pod(containers, init=(), spec_extra=None, annotations=None):
    spec = {'containers': containers}
    if init:
        spec['initContainers'] = list(init)
    spec.update(spec_extra or {})
    return {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'web', 'annotations': annotations or {}},
            'spec': spec}


def test_single_container_limits():
    r = p.pod_resources(pod([container('a', {'cpu': '1500m', 'memory': '1Gi'})]))
    assert (r.cpu_quota, r.cpu_period, r.cpu_shares, r.memory_limit_bytes) == (150000, 100000, 1536, GIB)
    assert r.cri_annotations() == {
        p.CRI_CPU_PERIOD: '100000', p.CRI_CPU_QUOTA: '150000', p.CRI_CPU_SHARES: '1536', p.CRI_MEMORY: str(GIB)}
    assert (r.name, r.kind) == ('web', 'Pod')


def test_no_limits_means_quota_zero_and_floor_shares():
    r = p.pod_resources(pod([container('a')]))
    assert (r.cpu_quota, r.cpu_shares, r.memory_limit_bytes) == (0, 2, 0)


def test_requests_give_shares_and_no_quota():
    r = p.pod_resources(pod([container('a', requests={'cpu': '250m', 'memory': '64Mi'})]))
    assert (r.cpu_quota, r.cpu_shares, r.memory_limit_bytes) == (0, 256, 0)


def test_limits_sum_over_containers_and_skip_unlimited_ones():
    r = p.pod_resources(pod([container('a', {'cpu': '1', 'memory': '1Gi'}), container('b', {'cpu': '500m'}),
                             container('c')]))
    assert (r.cpu_quota, r.memory_limit_bytes) == (150000, GIB)
    assert [(c.name, c.kind, c.cpu_quota, c.memory_limit_bytes) for c in r.containers] == [
        ('a', 'container', 100000, GIB), ('b', 'container', 50000, 0), ('c', 'container', 0, 0)]


def test_init_containers_peak_and_sidecars_add_up():
    # component-helpers: containers + sidecars, at least the peak of any init container with earlier sidecars
    init = [container('sidecar', {'cpu': '500m', 'memory': '256Mi'}, restartPolicy='Always'),
            container('migrate', {'cpu': '3', 'memory': '512Mi'})]
    r = p.pod_resources(pod([container('app', {'cpu': '1', 'memory': '1Gi'})], init=init))
    # CPU: max(1 + 0.5, 3 + 0.5) = 3.5; memory: max(1Gi + 256Mi, 512Mi + 256Mi) = 1280Mi
    assert (r.cpu_quota, r.memory_limit_bytes) == (350000, 1280 * 1024 ** 2)
    assert [(c.name, c.kind) for c in r.containers] == [
        ('sidecar', 'sidecar'), ('migrate', 'init'), ('app', 'container')]


def test_init_before_sidecar_does_not_count_it():
    init = [container('migrate', {'cpu': '2'}), container('sidecar', {'cpu': '1'}, restartPolicy='Always')]
    r = p.pod_resources(pod([container('app', {'cpu': '500m'})], init=init))
    assert r.cpu_quota == 200000       # max(0.5 + 1, 2)


def test_requests_default_to_limits():
    r = p.pod_resources(pod([container('a', {'cpu': '2'}), container('b', {'cpu': '1'}, {'cpu': '100m'})]))
    assert r.cpu_shares == p.milli_cpu_to_shares(2100)


def test_pod_level_resources_win():
    spec = {'resources': {'limits': {'cpu': '4', 'memory': '2Gi'}}}
    r = p.pod_resources(pod([container('a', {'cpu': '1'}), container('b')], spec_extra=spec))
    assert (r.cpu_quota, r.memory_limit_bytes, r.cpu_shares) == (400000, 2 * GIB, 4096)
    # a container without its own limit gets the pod-level one
    assert [(c.cpu_quota, c.memory_limit_bytes) for c in r.containers] == [(100000, 2 * GIB), (400000, 2 * GIB)]


def test_overhead_is_excluded():
    r = p.pod_resources(pod([container('a', {'cpu': '1', 'memory': '1Gi'})],
                            spec_extra={'overhead': {'cpu': '250m', 'memory': '160Mi'}}))
    assert (r.cpu_quota, r.memory_limit_bytes) == (100000, GIB)


def test_hugepages_counted_per_container():
    r = p.pod_resources(pod([container('a', {'cpu': '1', 'memory': '1Gi', 'hugepages-2Mi': '64Mi'})]))
    assert r.containers[0].hugepages_bytes == 64 * 1024 ** 2
    assert r.containers[0].oci()['hugepage_limits'] == [{'limit': 64 * 1024 ** 2}]


def test_numbers_and_odd_quantities():
    r = p.pod_resources(pod([container('a', {'cpu': 2, 'memory': 1e9}), container('b', {'cpu': 0.0005})]))
    # 0.0005 CPU is 1 millicore after rounding up, and at least 1000 µs of quota
    assert r.containers[1].cpu_quota == 1000
    assert r.memory_limit_bytes == 10 ** 9
    assert r.cpu_quota == 200100


def test_kata_annotations_collected():
    ann = {'io.katacontainers.config.hypervisor.default_vcpus': '2', 'other': 'x'}
    r = p.pod_resources(pod([container('a')], annotations=ann))
    assert r.annotations == (('io.katacontainers.config.hypervisor.default_vcpus', '2'),)


TEMPLATE = {'metadata': {'annotations': {'io.katacontainers.config.hypervisor.default_memory': '4096'}},
            'spec': {'containers': [container('a', {'cpu': '2', 'memory': '2Gi'})]}}


@pytest.mark.parametrize('kind', ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'])
def test_workloads_with_template(kind):
    manifest = {'apiVersion': 'apps/v1', 'kind': kind, 'metadata': {'name': 'w'},
                'spec': {'replicas': 3, 'template': TEMPLATE}}
    r = p.pod_resources(manifest)
    assert (r.cpu_quota, r.memory_limit_bytes, r.kind, r.name) == (200000, 2 * GIB, kind, 'w')
    assert dict(r.annotations) == {'io.katacontainers.config.hypervisor.default_memory': '4096'}


def test_cronjob():
    manifest = {'apiVersion': 'batch/v1', 'kind': 'CronJob', 'metadata': {'name': 'nightly'},
                'spec': {'schedule': '@daily', 'jobTemplate': {'spec': {'template': TEMPLATE}}}}
    assert p.pod_resources(manifest).cpu_quota == 200000


def test_cri_annotations_input():
    r = p.pod_resources({'cri_annotations': {p.CRI_CPU_PERIOD: '100000', p.CRI_CPU_QUOTA: '220000',
                                             p.CRI_MEMORY: '536870912', p.CRI_CPU_SHARES: '2253',
                                             'io.katacontainers.config.hypervisor.default_vcpus': '2'}})
    assert (r.cpu_quota, r.cpu_period, r.cpu_shares, r.memory_limit_bytes) == (220000, 100000, 2253, 512 * 1024 ** 2)
    assert r.kind == 'cri_annotations' and len(r.containers) == 1
    assert dict(r.annotations) == {'io.katacontainers.config.hypervisor.default_vcpus': '2'}
    # the strings are handed on exactly, unparsable ones included
    raw = p.pod_resources({'cri_annotations': {p.CRI_MEMORY: 'spaghetti'}})
    assert raw.cri_annotations() == {p.CRI_MEMORY: 'spaghetti'} and raw.memory_limit_bytes == 0


@pytest.mark.parametrize('manifest, match', [
    ('pod', 'mapping'),
    ({'kind': 'Pod'}, 'spec is missing'),
    ({'kind': 'Pod', 'spec': {'containers': []}}, 'at least one container'),
    ({'kind': 'Service', 'spec': {'ports': []}}, 'no pod template'),
    ({'kind': 'Deployment', 'spec': {}}, 'spec.template is missing'),
    (pod([container('a', {'cpu': 'lots'})]), r'spec.containers\[0\].resources.limits.cpu'),
    (pod([container('a', {'memory': '-1Gi'})]), 'must not be negative'),
    (pod([container('a')], init=[container('i', restartPolicy='OnFailure')]), 'restartPolicy'),
    (pod('nope'), 'spec.containers must be a list'),
    ({'cri_annotations': 'x'}, 'cri_annotations must be a mapping'),
    ({'cri_annotations': {}, 'spec': {}}, 'not understood'),
    (pod([container('a')], annotations={'a': ['b']}), 'must be a string'),
])
def test_errors_name_the_field(manifest, match):
    with pytest.raises(KataNodeError, match=match):
        p.pod_resources(manifest)


def test_deployment_error_names_template_path():
    manifest = {'kind': 'Deployment', 'spec': {'template': {'spec': {'containers': [container('a', {'cpu': 'x'})]}}}}
    with pytest.raises(KataNodeError, match=r'spec.template.spec.containers\[0\].resources.limits.cpu'):
        p.pod_resources(manifest)
