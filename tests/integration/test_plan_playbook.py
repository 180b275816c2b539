# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the kata.node.plan playbook for real and check what it prints and writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, 'examples', 'pods')
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

pytestmark = pytest.mark.slow


def run_plan(*extra):
    """ansible-playbook kata.node.plan from the repository root; returns (rc, stdout + stderr)."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0')
    args = [PLAYBOOK, 'kata.node.plan']
    for value in extra:
        args += ['-e', value if isinstance(value, str) else json.dumps(value)]
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def recap(output):
    found = re.search(r'localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', output)
    assert found, output
    return {'ok': int(found.group(1)), 'changed': int(found.group(2)), 'failed': int(found.group(4))}


def table(output):
    """The printed plan: {name: [cells]} from the 'Show the sizing plan' task."""
    section = output.split('TASK [Show the sizing plan]', 1)[1].split('TASK [', 1)[0]
    lines = [json.loads(line.strip().rstrip(',')) for line in section.splitlines()
             if line.strip().startswith('"') and not line.strip().startswith('"msg"')]
    header = re.split(r'\s{2,}', lines[0])
    assert header == ['NAME', 'KIND', 'WORKLOAD cpu/mem', 'BOOT vcpu/mem', 'RUNNING vcpu/mem',
                      'OVERHEAD cpu/mem', 'WARNINGS']
    rows = {}
    for line in lines[1:]:
        if line.startswith('Warnings'):
            break
        cells = re.split(r'\s{2,}', line)
        rows[cells[0]] = cells[1:]
    return rows, lines


def test_default_run_prints_the_example_plan():
    rc, out = run_plan()
    assert rc == 0, out
    assert recap(out) == {'ok': recap(out)['ok'], 'changed': 0, 'failed': 0}
    rows, lines = table(out)
    assert sorted(rows) == ['analytics', 'api', 'app-with-proxy', 'build-worker', 'cache-requests-only',
                            'db-migrate', 'debug-shell', 'web']
    # 1.5 CPU / 1 GiB on the Go defaults: boots 1/2048, grows to ceil(1 + 1.5) = 3 and 2048 + 1024.
    assert rows['web'] == ['Pod', '1.5/1024Mi', '1/2048Mi', '3/3072Mi', '1/320Mi', 'memory_not_returned']
    # Two containers in a Deployment template: 1 + 0.25 CPU, 512 + 256 MiB.
    assert rows['api'][:4] == ['Deployment', '1.25/768Mi', '1/2048Mi', '3/2816Mi']
    # Native sidecar adds to the app container: 1.2 CPU, 1280 MiB.
    assert rows['app-with-proxy'][1] == '1.2/1280Mi'
    # The schema-load init container (2 CPU, 2 GiB) sizes the Job.
    assert rows['db-migrate'][:2] == ['Job', '2/2048Mi']
    assert rows['debug-shell'][-1] == 'no_cpu_limit,no_memory_limit'
    # 160 GiB on a 64 GiB demo node: capped at default_maxmemory = host RAM.
    assert rows['analytics'][3] == '9/65536Mi' and 'memory_capped' in rows['analytics'][-1]
    # Go defaults: the default_vcpus annotation is refused.
    assert 'annotation_not_enabled' in rows['build-worker'][-1]
    # Every warning code in the table has its message below it.
    messages = [line for line in lines if line.startswith('- ')]
    assert any(line.startswith('- analytics (Pod) memory_capped: ') for line in messages)
    count = sum(len(cells[-1].split(',')) for cells in rows.values() if cells[-1] != '-')
    assert len(messages) == count
    assert 'Recommended podFixed: cpu 1, memory 320Mi.' in out


def test_reports_and_idempotence(tmp_path):
    report = tmp_path / 'plan.json'
    markdown = tmp_path / 'plan.md'
    settings = {
        'kata_node_plan_pods': [os.path.join('examples', 'pods', 'web-limits.yaml'),
                                os.path.join('examples', 'pods', 'annotated-vcpus.yaml')],
        'kata_node_plan_runtime': 'rs',
        'kata_node_plan_host': {'cpus': 8, 'memory_mib': 32768},
        'kata_node_plan_json': str(report),
        'kata_node_plan_markdown': str(markdown),
    }
    rc, out = run_plan(settings)
    assert rc == 0, out
    assert recap(out)['changed'] == 2
    rows = table(out)[0]
    # runtime-rs static: max(0.2 + 1.5, 1) -> 2 vCPUs, 32 + 1024 MiB; overhead 450m / 353Mi.
    assert rows['web'] == ['Pod', '1.5/1024Mi', '2/1056Mi', '2/1056Mi', '450m/353Mi', '-']
    assert 'cpu_limit_and_default_vcpus' in rows['build-worker'][-1]

    data = json.loads(report.read_text(encoding='utf-8'))
    assert data['runtime'] == 'rs' and data['hypervisor'] == 'qemu'
    assert data['host'] == {'cpus': 8, 'memory_mib': 32768}
    assert data['overhead']['pod_fixed'] == {'cpu': '450m', 'memory': '353Mi'}
    assert [(p['file'], p['kind'], p['name']) for p in data['pods']] == [
        ('annotated-vcpus.yaml', 'Pod', 'build-worker'), ('web-limits.yaml', 'Pod', 'web')]
    web = data['pods'][1]['plan']
    assert web['boot']['vcpus'] == 2 and web['boot']['memory_mib'] == 1056 and web['mode'] == 'static'

    text = markdown.read_text(encoding='utf-8')
    assert '| web | Pod | 1.5/1024Mi | 2/1056Mi | 2/1056Mi | 450m/353Mi | - |' in text
    assert '`cpu_limit_and_default_vcpus`' in text
    assert '`overhead.podFixed`: cpu `450m`, memory `353Mi`.' in text

    # Same inputs again: nothing changes.
    before = (report.read_bytes(), markdown.read_bytes())
    rc, out = run_plan(settings)
    assert rc == 0, out
    assert recap(out)['changed'] == 0
    assert (report.read_bytes(), markdown.read_bytes()) == before


def test_check_mode_writes_nothing(tmp_path):
    report = tmp_path / 'plan.json'
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1')
    proc = subprocess.run([PLAYBOOK, 'kata.node.plan', '--check', '-e', 'kata_node_plan_json=%s' % report],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap(proc.stdout)['changed'] == 1
    assert not report.exists()


def test_bad_quantity_fails_naming_file_and_field(tmp_path):
    (tmp_path / 'good.yaml').write_text(
        'apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  containers: [{name: a, image: a}]\n',
        encoding='utf-8')
    (tmp_path / 'typo.yml').write_text(
        'apiVersion: v1\nkind: Pod\nmetadata: {name: typo}\nspec:\n  containers:\n'
        '    - name: app\n      image: app\n      resources: {limits: {memory: 2GB}}\n', encoding='utf-8')
    rc, out = run_plan('kata_node_plan_pods=%s' % tmp_path)
    assert rc != 0
    assert recap(out)['failed'] == 1
    assert 'typo.yml: Pod/typo' in out
    assert 'spec.containers[0].resources.limits.memory' in out and '2GB' in out


def test_broken_yaml_and_missing_paths_fail_clearly(tmp_path):
    broken = tmp_path / 'broken.yaml'
    broken.write_text('kind: Pod\nmetadata: {name: x\n', encoding='utf-8')
    rc, out = run_plan('kata_node_plan_pods=%s' % broken)
    assert rc != 0 and 'broken.yaml' in out and 'from_yaml_all' in out

    rc, out = run_plan('kata_node_plan_pods=%s' % (tmp_path / 'nowhere'))
    assert rc != 0
    assert 'kata_node_plan_pods must be a directory or a list of existing YAML files; missing: ' in out

    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'comment.yaml').write_text('# nothing here\n', encoding='utf-8')
    rc, out = run_plan('kata_node_plan_pods=%s' % empty)
    assert rc != 0 and 'holds no YAML documents' in out
