#!/usr/bin/env python
# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throughput of the sandbox_size filter next to the bare sizing core, on the same generated pods.

Run: build/venv/bin/python bench/sizing.py [--pods 10000] [--repeats 3] [--seed 42]

The filter path validates the settings and host, parses every manifest
(quantities, init containers, sidecars) and sizes the pod; the core path
only sizes pods whose manifests were parsed once beforehand. Both run in the
same process on the same pods; each figure is the best of the repeats.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS = os.path.join(os.path.dirname(HERE), 'build', 'collections')
sys.path.insert(0, COLLECTIONS)

# pylint: disable=wrong-import-position
from ansible_collections.kata.node.plugins.filter.sandbox_size import sandbox_size  # noqa: E402
from ansible_collections.kata.node.plugins.module_utils.pod import pod_resources  # noqa: E402
from ansible_collections.kata.node.plugins.module_utils.sizing import Host, KataConfig, size_sandbox  # noqa: E402

CPU = ['100m', '250m', '500m', '1', '1500m', '2', '4', 3, 0.5, None]
MEMORY = ['64Mi', '128Mi', '512Mi', '1Gi', '1500M', '2Gi', '8Gi', '3e9', None]
ANN = 'io.katacontainers.config.hypervisor.'


def _container(rng, name):
    limits, requests = {}, {}
    cpu, mem = rng.choice(CPU), rng.choice(MEMORY)
    if cpu is not None:
        limits['cpu'] = cpu
    if mem is not None:
        limits['memory'] = mem
    if rng.random() < 0.3:
        requests['cpu'] = '100m'
    return {'name': name, 'image': 'busybox', 'resources': {'limits': limits, 'requests': requests}}


def make_pods(count, seed):
    """``count`` varied Pods and workloads, reproducible from ``seed``."""
    rng = random.Random(seed)
    pods = []
    for index in range(count):
        spec = {'containers': [_container(rng, 'c%d' % i) for i in range(rng.randint(1, 4))]}
        if rng.random() < 0.3:
            inits = [_container(rng, 'i%d' % i) for i in range(rng.randint(1, 2))]
            for entry in inits:
                if rng.random() < 0.5:
                    entry['restartPolicy'] = 'Always'
            spec['initContainers'] = inits
        annotations = {}
        if rng.random() < 0.2:
            annotations[ANN + 'default_vcpus'] = str(rng.choice([1, 2, 4]))
        kind = rng.choice(['Pod', 'Pod', 'Deployment', 'Job'])
        meta = {'name': 'w%d' % index, 'annotations': annotations}
        if kind == 'Pod':
            pods.append({'apiVersion': 'v1', 'kind': 'Pod', 'metadata': meta, 'spec': spec})
        else:
            pods.append({'kind': kind, 'metadata': {'name': meta['name']},
                         'spec': {'template': {'metadata': meta, 'spec': spec}}})
    return pods


SCENARIOS = {
    'go-dynamic': ('go', {'enable_annotations': ['default_vcpus']}),
    'go-static': ('go', {'static_sandbox_resource_mgmt': True}),
    'rs-static': ('rs', {}),
    'rs-dynamic': ('rs', {'static_sandbox_resource_mgmt': False}),
}


def best_of(repeats, func):
    best = None
    for _attempt in range(repeats):
        start = time.perf_counter()
        func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pods', type=int, default=10000)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--scenario', action='append', choices=sorted(SCENARIOS),
                        help='runtime and mode to measure (repeatable; default go-dynamic, the most work)')
    args = parser.parse_args(argv)

    pods = make_pods(args.pods, args.seed)
    host_map = {'cpus': 16, 'memory_mib': 65536}
    host = Host.from_mapping(host_map)
    parsed = [pod_resources(p) for p in pods]
    print('%d pods (seed %d), best of %d runs' % (len(pods), args.seed, args.repeats))
    print('%-11s %14s %14s %7s' % ('scenario', 'filter pods/s', 'core pods/s', 'ratio'))
    for label in args.scenario or ['go-dynamic']:
        runtime, settings = SCENARIOS[label]
        config = KataConfig.from_settings(settings, runtime)

        def run_filter(settings=settings, runtime=runtime):
            for manifest in pods:
                sandbox_size(manifest, config=settings, host=host_map, runtime=runtime)

        def run_core(config=config):
            for resources in parsed:
                size_sandbox(resources, config, host)

        t_filter = best_of(args.repeats, run_filter)
        t_core = best_of(args.repeats, run_core)
        print('%-11s %14.0f %14.0f %6.2fx' % (label, len(pods) / t_filter, len(pods) / t_core, t_filter / t_core))

    tracemalloc.start()
    for manifest in pods[:500]:
        sandbox_size(manifest, config={}, host=host_map, runtime='go')
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print('peak traced memory while filtering 500 pods: %.1f KiB' % (peak / 1024.0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
