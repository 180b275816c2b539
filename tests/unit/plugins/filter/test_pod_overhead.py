# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for the kata.node.pod_overhead filter (the thin face over module_utils/overhead.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.filter.pod_overhead import FilterModule

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
pod_overhead = FilterModule().filters()['pod_overhead']


def test_defaults_are_qemu_and_go():
    assert pod_overhead({}) == {'cpu': '1', 'memory': '320Mi'}
    assert pod_overhead({'sandbox_cgroup_only': True}) == {'cpu': '1250m', 'memory': '2496Mi'}


def test_runtime_rs_and_other_hypervisors():
    assert pod_overhead({}, hypervisor='qemu', runtime='rs') == {'cpu': '450m', 'memory': '353Mi'}
    assert pod_overhead({}, hypervisor='dragonball', runtime='rs') == {'cpu': '450m', 'memory': '163Mi'}
    assert pod_overhead({'sandbox_cgroup_only': 'true'}, hypervisor='clh') == {'cpu': '1250m', 'memory': '2306Mi'}


def test_block_mib_option():
    assert pod_overhead({'sandbox_cgroup_only': True}, block_mib='256')['memory'] == '2624Mi'


@pytest.mark.parametrize('flag', [True, 'true', 'yes'])
def test_explain_returns_numbers_and_reasons(flag):
    out = pod_overhead({'sandbox_cgroup_only': True}, explain=flag)
    assert out['pod_fixed'] == {'cpu': '1250m', 'memory': '2496Mi'}
    assert (out['cpu_milli'], out['memory_mib']) == (1250, 2496)
    assert isinstance(out['reasons'], list) and len(out['reasons']) >= 3
    assert any('sandbox_cgroup_only=true' in r for r in out['reasons'])


@pytest.mark.parametrize('kwargs, words', [
    ({'settings': {'default_memori': 4096}}, ["did you mean 'default_memory'"]),
    ({'settings': {}, 'hypervisor': 'kvm'}, ['hypervisor']),
    ({'settings': {}, 'runtime': 'rust'}, ['runtime']),
    ({'settings': 'default_vcpus=2'}, ['mapping']),
    ({'settings': {}, 'explain': 'sometimes'}, ['explain']),
])
def test_errors_become_filter_errors(kwargs, words):
    with pytest.raises(AnsibleFilterError) as err:
        pod_overhead(**kwargs)
    assert str(err.value).startswith('kata.node.pod_overhead: ')
    for word in words:
        assert word in str(err.value)


def test_ansible_doc_renders_the_filter_docs():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'))
    doc = os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
    out = subprocess.run([doc, '-t', 'filter', 'kata.node.pod_overhead'], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert 'sandbox_cgroup_only' in out
    assert 'explain' in out and 'block_mib' in out
    assert 'kata_overhead' in out
