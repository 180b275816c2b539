# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kata.node.parse_quantity and kata.node.format_quantity filters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kata.node.plugins.filter import format_quantity as format_plugin
from ansible_collections.kata.node.plugins.filter import parse_quantity as parse_plugin

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

parse = parse_plugin.FilterModule().filters()["parse_quantity"]
fmt = format_plugin.FilterModule().filters()["format_quantity"]


class _TaggedStr(str):
    """Stands in for the tagged str subclasses templating hands to filters."""


def test_filter_modules_expose_one_filter_each():
    assert list(parse_plugin.FilterModule().filters()) == ["parse_quantity"]
    assert list(format_plugin.FilterModule().filters()) == ["format_quantity"]


@pytest.mark.parametrize(
    "value, expect",
    [
        ("1.5Gi", 1610612736),
        ("512Mi", 536870912),
        ("250m", 0.25),
        ("2", 2),
        ("1e3", 1000),
        ("0", 0),
        ("-1.5", -1.5),
        ("3.001n", 4e-9),
        ("9Ei", 2 ** 63 - 1),
        (2, 2),
        (0.5, 0.5),
        (_TaggedStr("1Gi"), 1073741824),
    ],
)
def test_parse_quantity(value, expect):
    result = parse(value)
    assert result == expect
    assert isinstance(result, int) == isinstance(expect, int)


@pytest.mark.parametrize(
    "value, unit, expect",
    [
        ("1.5Gi", "Mi", 1536),
        ("1.5Gi", "1Mi", 1536),
        ("1.5Gi", "Gi", 1.5),
        ("250m", "m", 250),
        ("1", "m", 1000),
        ("2G", "M", 2000),
        ("100Mi", "1", 104857600),
        ("1Gi", "100Mi", 10.24),
        ("1", "3", 1 / 3),
        ("1e6", "e3", 1000),
        (_TaggedStr("1Gi"), _TaggedStr("Ki"), 1048576),
    ],
)
def test_parse_quantity_with_unit(value, unit, expect):
    result = parse(value, unit=unit)
    assert result == expect
    assert isinstance(result, int) == isinstance(expect, int)


@pytest.mark.parametrize(
    "value, unit, words",
    [
        ("1K", None, ["kata.node.parse_quantity input", '"1K"', "unable to parse quantity's suffix"]),
        (" 1Gi", None, ["kata.node.parse_quantity input", "regular expression", "whitespace"]),
        (True, None, ["kata.node.parse_quantity input", "boolean"]),
        (None, None, ["kata.node.parse_quantity input", "NoneType"]),
        ("1Gi", "MB", ["kata.node.parse_quantity unit", '"1MB"', "regular expression"]),
        ("1Gi", "0", ["kata.node.parse_quantity unit", "must not be zero"]),
        ("1Gi", "KiB", ["kata.node.parse_quantity unit"]),
    ],
)
def test_parse_quantity_errors(value, unit, words):
    with pytest.raises(AnsibleFilterError) as info:
        parse(value, unit=unit)
    message = str(info.value)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "value, kind, expect",
    [
        (1610612736, "binary", "1536Mi"),
        (1.5, "decimal", "1500m"),
        (0.5, "binary", "500m"),
        (1000, "exponent", "1e3"),
        ("1024Mi", "binary", "1Gi"),
        ("1.5Gi", "decimal", "1610612736"),
        (_TaggedStr("2048"), _TaggedStr("binary"), "2Ki"),
        (Decimal("0.1"), "decimal", "100m"),
        (0.1 + 0.2, "decimal", "300000001n"),  # 0.30000000000000004 rounds up to a nano
    ],
)
def test_format_quantity(value, kind, expect):
    assert fmt(value, unit_kind=kind) == expect


def test_format_quantity_default_kind():
    assert fmt(160 * 1024 * 1024) == "160Mi"


@pytest.mark.parametrize(
    "value, kind, words",
    [
        (1, "bytes", ["unit_kind", '"bytes"', "binary, decimal, exponent"]),
        ("lots", "binary", ["kata.node.format_quantity input", '"lots"']),
        ([1], "binary", ["kata.node.format_quantity input", "list"]),
        (2 ** 63, "binary", ["kata.node.format_quantity input", "unit_kind='decimal'"]),
    ],
)
def test_format_quantity_errors(value, kind, words):
    with pytest.raises(AnsibleFilterError) as info:
        fmt(value, unit_kind=kind)
    for word in words:
        assert word in str(info.value)


def test_filters_round_trip():
    for text in ("1536Mi", "250m", "1", "1e21", "100035"):
        kind = "binary" if text.endswith("i") else "decimal"
        assert fmt(parse(text), unit_kind=kind) == text


# ------------------------------------------------- through ansible-playbook

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    limit: 2Gi
  tasks:
    - ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ result | to_json }}"
      vars:
        result:
          bytes: "{{ limit | kata.node.parse_quantity }}"
          mib: "{{ limit | kata.node.parse_quantity(unit='Mi') }}"
          cores: "{{ '250m' | kata.node.parse_quantity }}"
          memory: "{{ 1610612736 | kata.node.format_quantity }}"
          cpu: "{{ 1.5 | kata.node.format_quantity(unit_kind='decimal') }}"
          back: "{{ limit | kata.node.parse_quantity | kata.node.format_quantity }}"
    - ansible.builtin.debug:
        msg: "{{ '1K' | kata.node.parse_quantity }}"
      register: bad
      ignore_errors: true
    - ansible.builtin.copy:
        dest: "{{ out }}.err"
        content: "{{ bad.msg }}"
"""


@pytest.mark.slow
def test_filters_through_ansible_playbook(tmp_path):
    playbook = os.path.join(TOP, "build", "venv", "bin", "ansible-playbook")
    if not os.path.exists(playbook):
        pytest.skip("the venv with ansible-playbook is not built (scripts/setup-venv.sh)")
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    out = tmp_path / "out.json"
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    run = subprocess.run(
        [playbook, "-i", "localhost,", "-c", "local", "-e", "out=%s" % out,
         "-e", "ansible_python_interpreter=%s" % sys.executable, str(tmp_path / "play.yml")],
        cwd=TOP, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(out.read_text()) == {
        "bytes": 2147483648,
        "mib": 2048,
        "cores": 0.25,
        "memory": "1536Mi",
        "cpu": "1500m",
        "back": "2Gi",
    }
    message = (tmp_path / "out.json.err").read_text()
    assert "kata.node.parse_quantity input" in message
    assert "unable to parse quantity's suffix" in message
