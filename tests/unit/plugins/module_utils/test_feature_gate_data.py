# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The committed gate table equals what tools/gen_feature_gates.py builds from the reference data."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from ansible_collections.kata.node.plugins.module_utils import feature_gate_data

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
REFERENCE = os.path.join(os.path.dirname(REPO), "shared", "reference", "kubernetes")
DATA = os.path.join(REPO, "plugins", "module_utils", "feature_gate_data.py")


@pytest.mark.upstream
def test_committed_table_matches_generator(tmp_path):
    if not os.path.isdir(REFERENCE):
        pytest.skip("the Kubernetes reference data (../shared/reference/kubernetes) is not present")
    out = tmp_path / "data.py"
    subprocess.run([sys.executable, os.path.join(REPO, "tools", "gen_feature_gates.py"), "--reference", REFERENCE,
                    "--output", str(out)], check=True, capture_output=True)
    with open(DATA, encoding="utf-8") as handle:
        assert out.read_text(encoding="utf-8") == handle.read()


def test_table_is_a_plain_literal_with_consistent_spans():
    with open(DATA, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    assigned = {node.targets[0].id for node in tree.body if isinstance(node, ast.Assign)}
    assert assigned == {"FIRST_MINOR", "LAST_MINOR", "GATES"}
    for name, (removed, uncertain, spans) in feature_gate_data.GATES.items():
        assert name.isalnum(), name
        previous = None
        for first, last, stage, default, locked in spans:
            assert feature_gate_data.FIRST_MINOR <= first <= last <= feature_gate_data.LAST_MINOR, name
            assert stage in ("alpha", "beta", "ga", "deprecated"), name
            assert default in (True, False, None) and locked in (True, False, None), name
            assert previous is None or first > previous, name
            previous = last
        if removed is not None and spans:
            assert spans[-1][1] < removed, name
        assert not uncertain or removed is not None, name
