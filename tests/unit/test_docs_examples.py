# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The worked examples in docs/sizing.md are executable: run each one.

Blocks fenced as ```yaml sizing-example go through kata.node.sandbox_size,
blocks fenced as ```yaml overhead-example through kata.node.pod_overhead; the
result must contain the block's ``expect`` (warnings compared by code).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(REPO, 'docs', 'sizing.md')
FENCE = re.compile(r'^```yaml (sizing-example|overhead-example)\n(.*?)^```$', re.M | re.S)


def _blocks(kind):
    with open(DOC, encoding='utf-8') as handle:
        text = handle.read()
    return [yaml.safe_load(body) for found, body in FENCE.findall(text) if found == kind]


SIZING = _blocks('sizing-example')
OVERHEAD = _blocks('overhead-example')


def _same_number(actual, expected):
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    try:
        return Decimal(str(actual)) == Decimal(str(expected))
    except ArithmeticError:
        return False


def _mismatches(actual, expected, where=''):
    """Paths where ``actual`` does not contain ``expected``."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [where or '.']
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append('%s.%s (missing)' % (where, key))
            elif key == 'warnings':
                codes = [w['code'] for w in actual[key]]
                if sorted(codes) != sorted(value):
                    out.append('%s.warnings: %s != %s' % (where, codes, value))
            else:
                out.extend(_mismatches(actual[key], value, '%s.%s' % (where, key)))
        return out
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return [] if _same_number(actual, expected) else ['%s: %r != %r' % (where, actual, expected)]
    return [] if actual == expected else ['%s: %r != %r' % (where, actual, expected)]


def test_the_guide_has_its_examples():
    assert len(SIZING) >= 8 and len(OVERHEAD) >= 4
    names = [block['name'] for block in SIZING]
    assert len(names) == len(set(names))
    for block in SIZING:
        assert set(block) >= {'name', 'runtime', 'config', 'pod', 'expect'}
    for block in OVERHEAD:
        assert set(block) == {'settings', 'hypervisor', 'runtime', 'expect'}


def test_mismatch_helper_reports_differences():
    actual = {'boot': {'vcpus': 2, 'memory_mib': 1056}, 'warnings': [{'code': 'A', 'message': 'm.'}]}
    assert _mismatches(actual, {'boot': {'vcpus': 2.0}, 'warnings': ['A']}) == []
    assert _mismatches(actual, {'boot': {'vcpus': 3}}) == ['.boot.vcpus: 2 != 3']
    assert _mismatches(actual, {'running': {}}) == ['.running (missing)']
    assert _mismatches(actual, {'warnings': []}) == [".warnings: ['A'] != []"]


@pytest.mark.parametrize('block', SIZING, ids=[block['name'] for block in SIZING])
def test_sizing_example(block):
    from ansible_collections.kata.node.plugins.filter.sandbox_size import FilterModule

    sandbox_size = FilterModule().filters()['sandbox_size']
    kwargs = {'config': block['config'], 'runtime': block['runtime']}
    if 'host' in block:
        kwargs['host'] = block['host']
    if 'block_mib' in block:
        kwargs['block_mib'] = block['block_mib']
    result = sandbox_size(block['pod'], **kwargs)
    assert _mismatches(result, block['expect']) == []


@pytest.mark.parametrize('block', OVERHEAD, ids=['%(runtime)s-%(hypervisor)s-%(settings)s' % b for b in OVERHEAD])
def test_overhead_example(block):
    from ansible_collections.kata.node.plugins.filter.pod_overhead import FilterModule

    pod_overhead = FilterModule().filters()['pod_overhead']
    result = pod_overhead(block['settings'], hypervisor=block['hypervisor'], runtime=block['runtime'])
    assert result == block['expect']
