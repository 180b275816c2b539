# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kata.node.sandbox_size filter: return shape, inputs, coercion, errors and every warning code."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.filter.sandbox_size import DOCUMENTATION, RETURN, FilterModule

sandbox_size = FilterModule().filters()['sandbox_size']

HOST = {'cpus': 16, 'memory_mib': 65536}
ANN = 'io.katacontainers.config.hypervisor.'

POD_YAML = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  runtimeClassName: kata
  containers:
    - name: app
      image: nginx
      resources:
        limits: {cpu: 1500m, memory: 1Gi}
"""

DEPLOYMENT_YAML = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations:
        io.katacontainers.config.hypervisor.default_vcpus: "2"
    spec:
      runtimeClassName: kata
      initContainers:
        - name: migrate
          image: api
          resources: {limits: {cpu: "1", memory: 256Mi}}
      containers:
        - name: api
          image: api
          resources:
            requests: {cpu: 500m, memory: 512Mi}
            limits: {cpu: "2", memory: 2Gi}
"""

JOB_YAML = """
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: work
          image: busybox
          resources: {limits: {cpu: 250m, memory: 100Mi}}
"""


def plan(manifest, **kwargs):
    kwargs.setdefault('host', HOST)
    return sandbox_size(manifest, **kwargs)


def codes(result):
    return [w['code'] for w in result['warnings']]


def test_exact_return_shape():
    r = plan(yaml.safe_load(POD_YAML), config={}, runtime='go', block_mib=128)
    assert set(r) == {'runtime', 'mode', 'workload', 'boot', 'running', 'hotplug', 'warnings', 'containers',
                      'annotations_applied'}
    assert r['runtime'] == 'go' and r['mode'] == 'dynamic'
    assert r['workload'] == {'cpus': 1.5, 'memory_mib': 1024}
    assert r['boot'] == {'cpus': 1.0, 'vcpus': 1, 'max_vcpus': 16, 'memory_mib': 2048, 'max_memory_mib': 65536}
    assert r['running'] == {'vcpus': 3, 'memory_mib': 3072}
    assert r['hotplug'] == {'vcpus': 2, 'memory_mib': 1024}
    assert isinstance(r['boot']['cpus'], float) and isinstance(r['workload']['cpus'], float)
    assert all(isinstance(r[k]['vcpus'], int) for k in ('boot', 'running', 'hotplug'))
    assert r['warnings'] == [{'code': 'memory_not_returned', 'message': r['warnings'][0]['message']}]
    assert r['containers'] == [{'name': 'app', 'kind': 'container', 'vcpus': 3, 'memory_mib': 3072,
                                'requested_cpus': 2.5, 'requested_memory_mib': 3072, 'memory_hotplug_ops': 1}]
    assert r['annotations_applied'] == {}


def test_rs_defaults_are_static():
    r = plan(yaml.safe_load(POD_YAML), runtime='rs')
    assert (r['mode'], r['boot']['cpus'], r['boot']['vcpus'], r['boot']['memory_mib']) == ('static', 1.7, 2, 1056)
    assert r['hotplug'] == {'vcpus': 0, 'memory_mib': 0} and r['containers'] == []


def test_deployment_with_annotation_and_init_container():
    r = plan(yaml.safe_load(DEPLOYMENT_YAML), config={'enable_annotations': ['default_vcpus']})
    assert r['annotations_applied'] == {'default_vcpus': '2'}
    assert r['boot']['vcpus'] == 2
    assert [c['name'] for c in r['containers']] == ['migrate', 'api']
    assert r['running']['vcpus'] == 4      # 2 + 2
    assert 'cpu_limit_and_default_vcpus' in codes(r)


def test_job_input():
    r = plan(yaml.safe_load(JOB_YAML), config={'static_sandbox_resource_mgmt': True})
    assert (r['boot']['vcpus'], r['boot']['memory_mib'], r['workload']['cpus']) == (2, 2148, 0.25)


def test_cri_annotations_input():
    r = plan({'cri_annotations': {'io.kubernetes.cri.sandbox-cpu-period': '100000',
                                  'io.kubernetes.cri.sandbox-cpu-quota': '220000',
                                  'io.kubernetes.cri.sandbox-memory': '536870912'}},
             config={'static_sandbox_resource_mgmt': True})
    assert (r['workload'], r['boot']['vcpus'], r['boot']['memory_mib']) == \
        ({'cpus': 2.2, 'memory_mib': 512}, 4, 2560)


def test_string_settings_are_coerced():
    strings = {'default_vcpus': '2', 'default_memory': '4096', 'static_sandbox_resource_mgmt': 'true'}
    as_strings = plan(yaml.safe_load(POD_YAML), config=strings, host={'cpus': '16', 'memory_mib': '65536'},
                      block_mib='128')
    typed = plan(yaml.safe_load(POD_YAML), config={'default_vcpus': 2, 'default_memory': 4096,
                                                   'static_sandbox_resource_mgmt': True})
    assert as_strings == typed
    assert typed['boot']['vcpus'] == 4 and typed['boot']['memory_mib'] == 5120


def test_defaults_without_host_or_config():
    r = sandbox_size(yaml.safe_load(POD_YAML))
    assert r['boot']['max_vcpus'] == 16 and r['boot']['max_memory_mib'] == 65536


@pytest.mark.parametrize('kwargs, match', [
    ({'config': {'default_vcpu': 1}}, "did you mean 'default_vcpus'"),
    ({'config': {'default_memory': 'lots'}}, 'config.default_memory must be a number'),
    ({'config': {'default_memory': -1}}, 'config.default_memory must be 0 or more'),
    ({'config': {'default_maxvcpus': 2.5}}, 'whole number'),
    ({'config': {'enable_virtio_mem': 'maybe'}}, 'true or false'),
    ({'config': {'enable_annotations': 'default_vcpus'}}, 'list of regular expressions'),
    ({'config': {'enable_annotations': ['(']}}, 'not a valid regular expression'),
    ({'config': {'overhead_vcpus': 0.5}}, 'runtime-rs setting'),
    ({'config': {'default_vcpus': 4, 'default_maxvcpus': 2}}, 'default_maxvcpus'),
    ({'config': ['x']}, 'mapping'),
    ({'runtime': 'rust'}, "runtime must be 'go' or 'rs'"),
    ({'host': {'cpu': 4}}, "did you mean 'cpus'"),
    ({'host': {'cpus': 0}}, 'host.cpus must be 1 or more'),
    ({'host': {'arch': 'sparc'}}, 'host.arch'),
    ({'block_mib': -1}, 'block_mib must be 0 or more'),
])
def test_errors(kwargs, match):
    with pytest.raises(AnsibleFilterError, match=match) as err:
        plan(yaml.safe_load(POD_YAML), **kwargs)
    assert str(err.value).startswith('kata.node.sandbox_size: ')


def test_bad_manifest_error():
    with pytest.raises(AnsibleFilterError, match=r'spec.containers\[0\].resources.limits.memory'):
        plan({'spec': {'containers': [{'name': 'a', 'resources': {'limits': {'memory': '1 Gi'}}}]}})


def pod(limits=None, annotations=None):
    return {'kind': 'Pod', 'metadata': {'name': 'p', 'annotations': annotations or {}},
            'spec': {'containers': [{'name': 'a', 'resources': {'limits': limits or {}}}]}}


FULL = {'cpu': '1', 'memory': '1Gi'}

# Every warning code: (pod, kwargs) that raise it, and (pod, kwargs) that are close but do not.
WARNINGS = {
    'cpu_limit_and_default_vcpus': (
        (pod(FULL, {ANN + 'default_vcpus': '2'}), {'runtime': 'rs'}),
        (pod({'memory': '1Gi'}, {ANN + 'default_vcpus': '2'}), {'runtime': 'rs'})),
    'no_cpu_limit': ((pod({'memory': '1Gi'}), {}), (pod(FULL), {})),
    'no_memory_limit': ((pod({'cpu': '1'}), {}), (pod(FULL), {})),
    'vcpus_capped': ((pod({'cpu': '8', 'memory': '1Gi'}), {'config': {'default_maxvcpus': 4}}),
                     (pod({'cpu': '3', 'memory': '1Gi'}), {'config': {'default_maxvcpus': 4}})),
    'memory_capped': ((pod({'cpu': '1', 'memory': '8Gi'}), {'config': {'default_maxmemory': 4096}}),
                      (pod({'cpu': '1', 'memory': '1Gi'}), {'config': {'default_maxmemory': 4096}})),
    'annotation_not_enabled': ((pod(FULL, {ANN + 'default_memory': '4096'}), {}),
                               (pod(FULL, {ANN + 'default_memory': '4096'}),
                                {'config': {'enable_annotations': ['default_memory']}})),
    'annotation_invalid': ((pod(FULL, {ANN + 'default_memory': '100'}), {'config': {'enable_annotations': ['.*']}}),
                           (pod(FULL, {ANN + 'default_memory': '300'}), {'config': {'enable_annotations': ['.*']}})),
    'annotation_overridden': ((pod(FULL, {ANN + 'default_memory': '4096'}), {'runtime': 'rs'}),
                              (pod({}, {ANN + 'default_memory': '4096'}), {'runtime': 'rs'})),
    'static_cpu_only_limit': ((pod({'cpu': '1'}), {'runtime': 'rs'}), (pod(FULL), {'runtime': 'rs'})),
    'memory_not_returned': ((pod(FULL), {}), (pod(FULL), {'config': {'static_sandbox_resource_mgmt': True}})),
    'default_memory_too_small': ((pod(FULL), {'config': {'default_memory': 200}}),
                                 (pod(FULL), {'config': {'default_memory': 256}})),
    'boot_memory_exceeds_max': (
        (pod({'cpu': '1', 'memory': '8Gi'}), {'config': {'static_sandbox_resource_mgmt': True,
                                                         'default_maxmemory': 4096}}),
        (pod({'cpu': '1', 'memory': '1Gi'}), {'config': {'static_sandbox_resource_mgmt': True,
                                                         'default_maxmemory': 4096}})),
    'memory_slots_exhausted': (
        ({'kind': 'Pod', 'spec': {'containers': [{'name': 'c%d' % i, 'resources': {'limits': FULL}}
                                                 for i in range(3)]}}, {'config': {'memory_slots': 2}}),
        ({'kind': 'Pod', 'spec': {'containers': [{'name': 'c%d' % i, 'resources': {'limits': FULL}}
                                                 for i in range(3)]}}, {'config': {'memory_slots': 3}})),
    'sandbox_memory_zero': ((pod({'cpu': '1'}), {'runtime': 'rs', 'config': {'overhead_memory': 0}}),
                            (pod({'cpu': '1'}), {'runtime': 'rs', 'config': {'overhead_memory': 1}})),
}


@pytest.mark.parametrize('code', sorted(WARNINGS))
def test_every_warning_code_fires_and_stays_quiet(code):
    (hit_pod, hit_kwargs), (miss_pod, miss_kwargs) = WARNINGS[code]
    hit = plan(hit_pod, **hit_kwargs)
    assert code in codes(hit)
    message = [w['message'] for w in hit['warnings'] if w['code'] == code][0]
    assert message.endswith('.') and message.count('. ') == 0     # one sentence
    assert code not in codes(plan(miss_pod, **miss_kwargs))


def test_warning_codes_are_documented():
    for code in WARNINGS:
        assert 'C(%s)' % code in DOCUMENTATION


def test_documentation_parses():
    doc = yaml.safe_load(DOCUMENTATION)
    assert doc['name'] == 'sandbox_size'
    assert set(doc['options']) == {'_input', 'config', 'host', 'runtime', 'block_mib', 'hypervisor'}
    ret = yaml.safe_load(RETURN)['_value']
    assert set(ret['contains']) == {'runtime', 'mode', 'workload', 'boot', 'running', 'hotplug', 'warnings',
                                    'containers', 'annotations_applied'}


def test_hypervisor_picks_the_shipped_defaults():
    """Go ships Firecracker statically sized; runtime-rs Firecracker caps memory at 2048 MiB."""
    pod = {'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': {'containers': [
        {'name': 'c', 'resources': {'limits': {'cpu': '1', 'memory': '1Gi'}}}]}}
    assert sandbox_size(pod, runtime='go', hypervisor='qemu')['mode'] == 'dynamic'
    go_fc = sandbox_size(pod, runtime='go', hypervisor='fc')
    assert go_fc['mode'] == 'static'
    assert go_fc['boot']['vcpus'] == 2 and go_fc['boot']['memory_mib'] == 3072
    assert sandbox_size(pod, runtime='rs', hypervisor='fc')['boot']['max_memory_mib'] == 2048
    with pytest.raises(AnsibleFilterError, match="dragonball.*runtime-rs only"):
        sandbox_size(pod, runtime='go', hypervisor='dragonball')
    with pytest.raises(AnsibleFilterError, match="did you mean 'qemu'"):
        sandbox_size(pod, hypervisor='qemo')
