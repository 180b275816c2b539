# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a pod manifest to what the Kata runtime receives.

kubelet turns a pod into two things the runtime sizes the VM from:

* the **sandbox** resources (containerd passes them to Kata as the
  ``io.kubernetes.cri.sandbox-cpu-period/-cpu-quota/-cpu-shares/-memory``
  annotations): pod limits and requests *without* the RuntimeClass overhead,
  aggregated over containers, init containers and sidecars (restartable init
  containers) the way kubelet does, or taken from pod-level ``resources``;
* the resources of **each container** (CFS quota/period, memory limit,
  hugepages), which the runtime hot-plugs in dynamic mode.

Accepted input: a Pod, a workload with ``spec.template`` (Deployment,
StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController), a CronJob
(``spec.jobTemplate.spec.template``), or ``{'cri_annotations': {...}}`` with
the annotation strings as containerd sets them. Requests default to limits
the way the API server defaults a stored pod. The pod's
``io.katacontainers.config.hypervisor.*`` annotations are kept for the
override logic of :mod:`sizing`.

Pure functions and frozen dataclasses, standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.quantity import parse_quantity

CRI_CPU_PERIOD = 'io.kubernetes.cri.sandbox-cpu-period'
CRI_CPU_QUOTA = 'io.kubernetes.cri.sandbox-cpu-quota'
CRI_CPU_SHARES = 'io.kubernetes.cri.sandbox-cpu-shares'
CRI_MEMORY = 'io.kubernetes.cri.sandbox-memory'
CRI_KEYS = (CRI_CPU_PERIOD, CRI_CPU_QUOTA, CRI_CPU_SHARES, CRI_MEMORY)
KATA_PREFIX = 'io.katacontainers.'

QUOTA_PERIOD = 100000       # kubelet: 100 ms
MIN_QUOTA = 1000            # kubelet: minQuotaPeriod
MIN_SHARES = 2
MAX_SHARES = 262144
SHARES_PER_CPU = 1024

WORKLOAD_KINDS = ('Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController')
_SIZED = ('cpu', 'memory')
_HUGEPAGES = 'hugepages-'


def milli_cpu_to_quota(milli_cpu: int, period: int = QUOTA_PERIOD) -> int:
    """kubelet ``milliCPUToQuota``: 0 for no limit, else milli*period/1000 and at least 1000 µs."""
    if milli_cpu == 0:
        return 0
    quota = (milli_cpu * period) // 1000
    return max(quota, MIN_QUOTA)


def milli_cpu_to_shares(milli_cpu: int) -> int:
    """kubelet ``MilliCPUToShares``: milli*1024/1000 within [2, 262144]; 0 -> 2."""
    if milli_cpu == 0:
        return MIN_SHARES
    shares = (milli_cpu * SHARES_PER_CPU) // 1000
    return min(max(shares, MIN_SHARES), MAX_SHARES)


@dataclass(frozen=True)
class ContainerResources:
    """What one container hands the runtime (OCI ``linux.resources``)."""

    name: str
    kind: str                   # 'init', 'sidecar' or 'container'
    cpu_quota: int              # 0 = no CPU limit (containerd then leaves the quota unset)
    cpu_period: int
    memory_limit_bytes: int     # 0 = no memory limit
    hugepages_bytes: int = 0
    cpu_shares: int = MIN_SHARES

    def oci(self) -> Dict[str, Any]:
        """The OCI ``linux.resources`` mapping containerd writes for this container."""
        cpu: Dict[str, Any] = {'period': self.cpu_period, 'shares': self.cpu_shares}
        if self.cpu_quota:
            cpu['quota'] = self.cpu_quota
        out: Dict[str, Any] = {'cpu': cpu, 'memory': {}}
        if self.memory_limit_bytes:
            out['memory']['limit'] = self.memory_limit_bytes
        if self.hugepages_bytes:
            out['hugepage_limits'] = [{'limit': self.hugepages_bytes}]
        return out


@dataclass(frozen=True)
class PodResources:  # pylint: disable=too-many-instance-attributes
    """The sandbox resources kubelet computes for a pod, plus every container's own."""

    cpu_quota: int
    cpu_period: int
    cpu_shares: int
    memory_limit_bytes: int
    containers: Tuple[ContainerResources, ...] = ()
    annotations: Tuple[Tuple[str, str], ...] = ()
    name: str = ''
    kind: str = 'Pod'
    raw_cri: Optional[Tuple[Tuple[str, str], ...]] = None

    def cri_annotations(self) -> Dict[str, str]:
        """The sandbox annotations containerd (>= 1.6) puts on the pause container."""
        if self.raw_cri is not None:
            return dict(self.raw_cri)
        return {
            CRI_CPU_PERIOD: str(self.cpu_period),
            CRI_CPU_QUOTA: str(self.cpu_quota),
            CRI_CPU_SHARES: str(self.cpu_shares),
            CRI_MEMORY: str(self.memory_limit_bytes),
        }


# --------------------------------------------------------------------------
# Reading manifests
# --------------------------------------------------------------------------

def _mapping(value: Any, where: str, required: bool = False) -> Mapping:
    if value is None:
        if required:
            raise KataNodeError("%s is missing; give it as a mapping." % where)
        return {}
    if not isinstance(value, Mapping):
        raise KataNodeError("%s must be a mapping, not %s; fix the manifest." % (where, type(value).__name__))
    return value


def _list(value: Any, where: str) -> Sequence:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or isinstance(value, Mapping) or not isinstance(value, Sequence):
        raise KataNodeError("%s must be a list, not %s; fix the manifest." % (where, type(value).__name__))
    return value


def _resource_list(value: Any, where: str) -> Dict[str, Any]:
    """cpu / memory / hugepages-* quantities of a ResourceList (others are ignored)."""
    out = {}
    for name, raw in _mapping(value, where).items():
        name = str(name)
        if name in _SIZED or name.startswith(_HUGEPAGES):
            out[name] = parse_quantity(raw, field='%s.%s' % (where, name))
            if out[name].value < 0:
                raise KataNodeError("%s.%s must not be negative; give a positive quantity." % (where, name))
    return out


def _requirements(container: Mapping, where: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(requests, limits) of a container, requests defaulted from limits like the API server does."""
    res = _mapping(container.get('resources'), where + '.resources')
    limits = _resource_list(res.get('limits'), where + '.resources.limits')
    requests = _resource_list(res.get('requests'), where + '.resources.requests')
    for name, qty in limits.items():
        requests.setdefault(name, qty)
    return requests, limits


def _add(total: Dict[str, Any], more: Dict[str, Any]) -> None:
    for name, qty in more.items():
        total[name] = total[name] + qty.value if name in total else qty.value


def _max(total: Dict[str, Any], other: Dict[str, Any]) -> None:
    for name, value in other.items():
        if name not in total or value > total[name]:
            total[name] = value


def _aggregate(containers, init_containers, pick) -> Dict[str, Any]:
    """component-helpers ``aggregateContainerResourcesByFn``: containers + sidecars, at least the init peak."""
    result: Dict[str, Any] = {}
    for entry in containers:
        _add(result, pick(entry))
    sidecars: Dict[str, Any] = {}
    init_peak: Dict[str, Any] = {}
    for entry in init_containers:
        own = pick(entry)
        if entry['restartable']:
            _add(result, own)
            for name, qty in own.items():
                sidecars[name] = sidecars.get(name, 0) + qty.value
            use = dict(sidecars)
        else:
            use = {name: qty.value for name, qty in own.items()}
            for name, value in sidecars.items():
                use[name] = use.get(name, 0) + value
        _max(init_peak, use)
    _max(result, init_peak)
    return result


def _milli(value) -> int:
    """Go ``MilliValue``: ceil(value * 1000)."""
    scaled = value * 1000
    whole = int(scaled)
    return whole + 1 if scaled > whole else whole


def _bytes(value) -> int:
    """Go ``Value``: ceil(value)."""
    whole = int(value)
    return whole + 1 if value > whole else whole


def _is_restartable(container: Mapping, where: str) -> bool:
    policy = container.get('restartPolicy')
    if policy is None:
        return False
    if policy not in ('Always',):
        raise KataNodeError("%s.restartPolicy must be Always (a sidecar) or absent, not %r; fix the manifest."
                            % (where, policy))
    return True


def _find_pod_template(manifest: Mapping) -> Tuple[Mapping, Mapping, str]:
    """(pod metadata, pod spec, field prefix) of a Pod, workload or CronJob."""
    kind = manifest.get('kind')
    spec = _mapping(manifest.get('spec'), 'spec', required=True)
    if kind == 'CronJob':
        job = _mapping(spec.get('jobTemplate'), 'spec.jobTemplate', required=True)
        job_spec = _mapping(job.get('spec'), 'spec.jobTemplate.spec', required=True)
        tmpl = _mapping(job_spec.get('template'), 'spec.jobTemplate.spec.template', required=True)
        prefix = 'spec.jobTemplate.spec.template'
    elif 'template' in spec or kind in WORKLOAD_KINDS:
        tmpl = _mapping(spec.get('template'), 'spec.template', required=True)
        prefix = 'spec.template'
    else:
        if kind not in (None, 'Pod'):
            raise KataNodeError("kind %r has no pod template; give a Pod, a Deployment/StatefulSet/DaemonSet/"
                                "ReplicaSet/Job/CronJob or {'cri_annotations': {...}}." % (kind,))
        return _mapping(manifest.get('metadata'), 'metadata'), spec, 'spec'
    return (_mapping(tmpl.get('metadata'), prefix + '.metadata'),
            _mapping(tmpl.get('spec'), prefix + '.spec', required=True), prefix + '.spec')


def _string_annotations(annotations: Mapping, where: str) -> Tuple[Tuple[str, str], ...]:
    out = []
    for key, value in annotations.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise KataNodeError("%s[%r] must be a string, not %s; quote the value." % (where, key, type(value).__name__))
        out.append((str(key), str(value)))
    return tuple(sorted(out))


def _from_cri(manifest: Mapping) -> PodResources:
    raw = _mapping(manifest.get('cri_annotations'), 'cri_annotations', required=True)
    extra = [k for k in manifest if k not in ('cri_annotations', 'annotations', 'name')]
    if extra:
        raise KataNodeError("key %r is not understood next to cri_annotations; give only cri_annotations, "
                            "annotations and name." % (extra[0],))
    pairs = _string_annotations(raw, 'cri_annotations')
    values = dict(pairs)

    def number(key):
        text = values.get(key, '')
        body = text[1:] if text[:1] in '+-' else text
        return int(text) if body.isdigit() else 0

    quota, period = number(CRI_CPU_QUOTA), number(CRI_CPU_PERIOD)
    memory, shares = number(CRI_MEMORY), number(CRI_CPU_SHARES)
    kata = [(k, v) for k, v in pairs if k.startswith(KATA_PREFIX)]
    kata += list(_string_annotations(_mapping(manifest.get('annotations'), 'annotations'), 'annotations'))
    pod_container = ContainerResources('pod', 'container', max(quota, 0), period, max(memory, 0), 0,
                                       max(shares, 0))
    return PodResources(quota, period, shares, max(memory, 0), (pod_container,), tuple(sorted(set(kata))),
                        str(manifest.get('name', '')), 'cri_annotations', pairs)


def pod_resources(manifest: Any) -> PodResources:
    """What kubelet hands the runtime for ``manifest`` (see the module documentation)."""
    # pylint: disable=too-many-locals
    if not isinstance(manifest, Mapping):
        raise KataNodeError("pod must be a Pod or workload manifest (a mapping), not %s; give the parsed YAML."
                            % type(manifest).__name__)
    if 'cri_annotations' in manifest:
        return _from_cri(manifest)
    metadata, spec, prefix = _find_pod_template(manifest)
    entries = []
    for group, kind_of in (('initContainers', 'init'), ('containers', 'container')):
        for index, container in enumerate(_list(spec.get(group), '%s.%s' % (prefix, group))):
            where = '%s.%s[%d]' % (prefix, group, index)
            container = _mapping(container, where)
            requests, limits = _requirements(container, where)
            restartable = kind_of == 'init' and _is_restartable(container, where)
            entries.append({'name': str(container.get('name', '%s-%d' % (group, index))),
                            'kind': 'sidecar' if restartable else kind_of,
                            'restartable': restartable, 'requests': requests, 'limits': limits})
    regular = [e for e in entries if e['kind'] == 'container']
    if not regular:
        raise KataNodeError("%s.containers is empty; a pod needs at least one container." % prefix)
    inits = [e for e in entries if e['kind'] != 'container']
    requests = _aggregate(regular, inits, lambda e: e['requests'])
    limits = _aggregate(regular, inits, lambda e: e['limits'])
    pod_level = _mapping(spec.get('resources'), prefix + '.resources')
    pod_limits = {k: v for k, v in _resource_list(pod_level.get('limits'), prefix + '.resources.limits').items()
                  if k in _SIZED}
    pod_requests = {k: v for k, v in _resource_list(pod_level.get('requests'), prefix + '.resources.requests').items()
                    if k in _SIZED}
    for name, qty in pod_limits.items():
        pod_requests.setdefault(name, qty)
    for name, qty in pod_requests.items():
        requests[name] = qty.value
    for name, qty in pod_limits.items():
        limits[name] = qty.value
    cpu_limit = _milli(limits['cpu']) if 'cpu' in limits else 0
    shares = milli_cpu_to_shares(_milli(requests['cpu']) if 'cpu' in requests else cpu_limit)
    memory = _bytes(limits['memory']) if 'memory' in limits else 0
    containers = []
    for entry in entries:
        lim = entry['limits']
        cpu = lim['cpu'].value if 'cpu' in lim else (pod_limits['cpu'].value if 'cpu' in pod_limits else 0)
        mem = lim['memory'].value if 'memory' in lim else (pod_limits['memory'].value if 'memory' in pod_limits else 0)
        huge = sum(_bytes(q.value) for n, q in lim.items() if n.startswith(_HUGEPAGES))
        req = entry['requests']
        c_shares = milli_cpu_to_shares(_milli(req['cpu'].value) if 'cpu' in req else _milli(cpu))
        containers.append(ContainerResources(entry['name'], entry['kind'], milli_cpu_to_quota(_milli(cpu)),
                                             QUOTA_PERIOD, _bytes(mem), huge, c_shares))
    annotations = _mapping(metadata.get('annotations'), prefix[:-len('spec')] + 'metadata.annotations'
                           if prefix != 'spec' else 'metadata.annotations')
    kata = tuple((k, v) for k, v in _string_annotations(annotations, 'metadata.annotations')
                 if k.startswith(KATA_PREFIX))
    name = _mapping(manifest.get('metadata'), 'metadata').get('name', '')
    return PodResources(milli_cpu_to_quota(cpu_limit), QUOTA_PERIOD, shares, memory, tuple(containers), kata,
                        str(name or ''), str(manifest.get('kind') or 'Pod'))
