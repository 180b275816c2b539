# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gate decisions per Kubernetes release, version parsing, flag rendering and parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.feature_gate_data import GATES, LAST_MINOR
from ansible_collections.kata.node.plugins.module_utils.feature_gates import (
    gate_state,
    merge_gates,
    normalize_gates,
    parse_flag_value,
    parse_version,
    render_flag,
    render_value,
    validate_gates,
)

ALPHA_WARNING = "is an alpha feature in Kubernetes"


def minors(first, last):
    return [f"1.{m}" for m in range(first, last + 1)]


# --- PodOverhead across its whole life ------------------------------------------------------

@pytest.mark.parametrize("version", minors(16, 17))
@pytest.mark.parametrize("value", [True, False])
def test_podoverhead_alpha_passes_with_warning(version, value):
    check = validate_gates({"PodOverhead": value}, version, "kubelet")
    assert check.gates == {"PodOverhead": value}
    assert check.warnings == (
        f"PodOverhead is an alpha feature in Kubernetes {version} (default false); alpha features can change or "
        "disappear and are not meant for production.",)


@pytest.mark.parametrize("version", minors(18, 23))
@pytest.mark.parametrize("value", [True, False])
def test_podoverhead_beta_passes_quietly(version, value):
    check = validate_gates({"PodOverhead": value}, version, "kube-apiserver")
    assert check.gates == {"PodOverhead": value}
    assert check.warnings == ()


@pytest.mark.parametrize("version", minors(24, 25))
def test_podoverhead_locked_ga_true_is_accepted_with_warning(version):
    check = validate_gates({"PodOverhead": True}, version, "kubelet")
    assert check.gates == {"PodOverhead": True}
    assert check.warnings == (
        f"PodOverhead is GA in Kubernetes {version}; kubelet accepts it but logs a warning, and the gate will go "
        "away (removed in 1.26), so drop it before upgrading.",)


@pytest.mark.parametrize("version", minors(24, 25))
def test_podoverhead_locked_ga_false_is_refused(version):
    with pytest.raises(KataNodeError) as err:
        validate_gates({"PodOverhead": False}, version, "kubelet")
    assert str(err.value) == (
        f"gates.PodOverhead: kubelet {version} would refuse it with 'cannot set feature gate PodOverhead to false, "
        "feature is locked to true'; remove it or set it to true.")


@pytest.mark.parametrize("version", minors(26, LAST_MINOR) + ["1.40"])
def test_podoverhead_removed_true_is_dropped_with_warning(version):
    check = validate_gates({"PodOverhead": True}, version, "kubelet")
    assert check.gates == {}
    assert check.dropped == ("PodOverhead",)
    assert check.warnings[-1] == (
        f"PodOverhead was removed in Kubernetes 1.26 because its feature is always on; dropped it from the kubelet "
        f"gates for {version} (setting it would make kubelet fail to start).")


@pytest.mark.parametrize("version", minors(26, LAST_MINOR))
def test_podoverhead_removed_false_is_refused_naming_126(version):
    with pytest.raises(KataNodeError) as err:
        validate_gates({"PodOverhead": "false"}, version, "kube-scheduler")
    assert str(err.value) == (
        f"gates.PodOverhead: the gate was removed in Kubernetes 1.26, so kube-scheduler {version} would fail with "
        "'unrecognized feature gate: PodOverhead'; remove it from the gates.")


# --- RuntimeClass ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", minors(16, 19))
def test_runtimeclass_beta(version):
    assert gate_state("RuntimeClass", int(version[2:])).stage == "beta"
    check = validate_gates({"RuntimeClass": False}, version, "kube-apiserver")
    assert check.gates == {"RuntimeClass": False} and check.warnings == ()


@pytest.mark.parametrize("version", minors(20, 23))
def test_runtimeclass_locked_ga(version):
    assert validate_gates({"RuntimeClass": True}, version, "kubelet").gates == {"RuntimeClass": True}
    with pytest.raises(KataNodeError) as err:
        validate_gates({"RuntimeClass": False}, version, "kubelet")
    assert str(err.value) == (
        f"gates.RuntimeClass: kubelet {version} would refuse it with 'cannot set feature gate RuntimeClass to false, "
        "feature is locked to true'; remove it or set it to true.")


@pytest.mark.parametrize("version", minors(24, LAST_MINOR))
def test_runtimeclass_removed_in_124(version):
    check = validate_gates({"RuntimeClass": True}, version, "kube-controller-manager")
    assert check.gates == {} and check.dropped == ("RuntimeClass",)
    assert "removed in Kubernetes 1.24 because its feature is always on" in check.warnings[0]
    with pytest.raises(KataNodeError) as err:
        validate_gates({"RuntimeClass": False}, version, "kubelet")
    assert str(err.value) == (
        f"gates.RuntimeClass: the gate was removed in Kubernetes 1.24, so kubelet {version} would fail with "
        "'unrecognized feature gate: RuntimeClass'; remove it from the gates.")


def test_verified_facts_override_the_pages():
    # The website says stable until 1.24 for RuntimeClass; CHANGELOG-1.24 says it was removed in 1.24.
    assert GATES["RuntimeClass"][:2] == (24, False)
    assert GATES["PodOverhead"][:2] == (26, False)
    assert gate_state("RuntimeClass", 24) is None and gate_state("PodOverhead", 25).locked is True


# --- unknown, misspelt, not-yet, uncertain ---------------------------------------------------

@pytest.mark.parametrize("gates, message", [
    ({"PodOverHead": True},
     "gates.PodOverHead: unknown feature gate for Kubernetes 1.20, kubelet would fail with 'unrecognized feature "
     "gate: PodOverHead'; did you mean 'PodOverhead' (gate names are case-sensitive)?"),
    ({"CPUManagr": True},
     "gates.CPUManagr: unknown feature gate for Kubernetes 1.20, kubelet would fail with 'unrecognized feature gate: "
     "CPUManagr'; did you mean 'CPUManager'?"),
    ({"Bogus": True},
     "gates.Bogus: unknown feature gate for Kubernetes 1.20, kubelet would fail with 'unrecognized feature gate: "
     "Bogus'; check the spelling against the component's --help."),
    ({"SidecarContainers": True},
     "gates.SidecarContainers: the gate does not exist yet in Kubernetes 1.20 (it appears in 1.28), so kubelet "
     "would fail with 'unrecognized feature gate: SidecarContainers'; remove it or upgrade."),
    ({"kube:CPUManager": True},
     "gates.kube:CPUManager: component prefixes like 'kube:' are not accepted; write the bare gate name."),
    ({"CPUManager": 1}, "gates.CPUManager: 1 (int) is not a boolean; write true or false."),
    ({"CPUManager": "maybe"}, "gates.CPUManager: 'maybe' is not a boolean; write true or false."),
    ({"CPU Manager": True},
     "gates: 'CPU Manager' is not a feature gate name; names are letters and digits like 'PodOverhead'."),
    (["CPUManager"], "gates[0]: 'CPUManager' is not a 'Name=true|false' string; use that form or a mapping."),
    (42, "gates: expected a mapping of gate names to booleans, got int."),
])
def test_bad_gates(gates, message):
    with pytest.raises(KataNodeError) as err:
        validate_gates(gates, "1.20", "kubelet")
    assert str(err.value) == message


def test_removed_gate_suggested_for_misspelling_after_removal():
    with pytest.raises(KataNodeError) as err:
        validate_gates({"podoverhead": True}, "1.30", "kubelet")
    assert str(err.value).endswith("did you mean 'PodOverhead', which was removed in 1.26 (gate names are "
                                   "case-sensitive)?")


def test_uncertain_last_release_drops_default_and_refuses_other():
    # APIListChunking: GA until 1.32 on the website and removed; 1.32 may already be the removal release.
    removed, uncertain = GATES["APIListChunking"][:2]
    assert (removed, uncertain) == (33, True)
    check = validate_gates({"APIListChunking": True}, "1.32", "kube-apiserver")
    assert check.gates == {} and check.dropped == ("APIListChunking",)
    assert check.warnings == (
        "APIListChunking may already be removed in Kubernetes 1.32 (the upstream data leaves 1.32 or 1.33 open) and "
        "true is its default; dropped it from the kube-apiserver gates.",)
    with pytest.raises(KataNodeError) as err:
        validate_gates({"APIListChunking": False}, "1.32", "kube-apiserver")
    assert str(err.value) == (
        "gates.APIListChunking: the gate is GA in its last release 1.32 and may already be removed there "
        "(unrecognized feature gate); do not set it, or set it to its default true.")
    with pytest.raises(KataNodeError) as err:
        validate_gates({"APIListChunking": False}, "1.34", "kube-apiserver")
    assert "removed in Kubernetes 1.32 or 1.33" in str(err.value)


def test_ga_gate_with_unknown_lock_against_default_warns():
    state = gate_state("CPUManager", 27)
    assert (state.stage, state.default, state.locked) == ("ga", True, None)
    check = validate_gates({"CPUManager": False}, "1.27", "kubelet")
    assert check.gates == {"CPUManager": False}
    assert check.warnings == (
        "CPUManager is GA in Kubernetes 1.27 and may be locked to true (the gate table has no lock data before "
        "1.31); if kubelet reports 'feature is locked', remove it.",)


def test_code_list_lock_used_from_131():
    # SidecarContainers is GA from 1.33 with lockToDefault true in the code list.
    state = gate_state("SidecarContainers", 33)
    assert (state.stage, state.locked) == ("ga", True)
    with pytest.raises(KataNodeError, match="feature is locked to true"):
        validate_gates({"SidecarContainers": False}, "1.33", "kubelet")


def test_help_spelling_and_client_go_gates():
    assert "RuntimeClassInImageCriApi" in GATES and "RuntimeClassInImageCriAPI" not in GATES
    assert {"WatchListClient", "InOrderInformers", "InformerResourceVersion"}.isdisjoint(GATES)
    check = validate_gates({"RuntimeClassInImageCriApi": True}, "1.30", "kubelet")
    assert check.gates == {"RuntimeClassInImageCriApi": True} and ALPHA_WARNING in check.warnings[0]


def test_newer_release_checked_against_newest_table():
    check = validate_gates({"CPUManager": True}, "v1.41.0", "kubelet")
    assert check.table_version == f"1.{LAST_MINOR}"
    assert check.warnings[0].startswith(f"Kubernetes 1.41 is newer than the gate table (1.16 to 1.{LAST_MINOR})")


def test_bad_component_and_old_release():
    with pytest.raises(KataNodeError) as err:
        validate_gates({}, "1.30", "kube-proxyy")
    assert str(err.value) == ("component: 'kube-proxyy' is not one of kubelet, kube-apiserver, kube-scheduler, "
                              "kube-controller-manager; pick one of them.")
    with pytest.raises(KataNodeError) as err:
        validate_gates({}, "1.15", "kubelet")
    assert str(err.value) == ("version: Kubernetes 1.15 is older than 1.16, the first release this collection "
                              "supports; upgrade the cluster or leave the gates alone.")


def test_multiple_gates_sorted_and_first_error_reported():
    check = validate_gates({"PodOverhead": True, "CPUManager": True, "TopologyManager": "yes"}, "1.18", "kubelet")
    assert list(check.gates) == ["CPUManager", "PodOverhead", "TopologyManager"]
    with pytest.raises(KataNodeError, match=r"^gates\.Alpha1: unknown"):
        validate_gates({"Zeta1": True, "Alpha1": True}, "1.18", "kubelet")


# --- versions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, minor, patch", [
    ("1.30", 30, None), ("v1.30.4", 30, 4), ("1.30.4-eks-abc", 30, 4), ("1.30.4+k3s1", 30, 4),
    ("v1.28.2-gke.1157000", 28, 2), ("Kubernetes v1.32.4", 32, 4), (" 1.16 ", 16, None), ("v1.31.0-rc.1", 31, 0),
])
def test_parse_version(text, minor, patch):
    version = parse_version(text)
    assert (version.major, version.minor, version.patch) == (1, minor, patch)


@pytest.mark.parametrize("value, message", [
    (1.3, "version: 1.3 is a number, which drops trailing zeros (1.30 reads as 1.3); quote it, e.g. '1.30'."),
    (130, "version: 130 is not a Kubernetes version; write it as a string such as '1.30'."),
    ("one.thirty", "version: 'one.thirty' is not a Kubernetes version; use a form like '1.30', 'v1.30.4' or "
                   "'1.30.4+k3s1'."),
    ("2.1", "version: '2.1' has major version 2; only Kubernetes 1.x releases exist."),
    (None, "version: expected a Kubernetes version such as '1.30' or 'v1.30.4', got None."),
])
def test_parse_version_errors(value, message):
    with pytest.raises(KataNodeError) as err:
        parse_version(value)
    assert str(err.value) == message


# --- flags ------------------------------------------------------------------------------------

def test_render_flag_sorted_single():
    assert render_flag({"B": False, "A": True}) == "--feature-gates=A=true,B=false"
    assert render_value({"B": False, "A": True}) == "A=true,B=false"
    assert render_flag({}) == ""


# Cases rewritten from kubernetes/component-base featuregate/feature_gate_test.go (TestFeatureGateFlag):
# empty value, a non-boolean value, a pair without '=' and surrounding whitespace.
@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ("A=true", {"A": True}),
    (" A = true , B=false ,", {"A": True, "B": False}),
    ("A=true,A=false", {"A": False}),
    ("--feature-gates=A=1,B=F", {"A": True, "B": False}),
])
def test_parse_flag_value(text, expected):
    assert parse_flag_value(text) == expected


@pytest.mark.parametrize("text, message", [
    ("A=banana", "--feature-gates A: 'banana' is not a boolean; write true or false."),
    ("A", "--feature-gates: missing bool value for A; write A=true or A=false."),
    ("A=true,=false", "--feature-gates: '' is not a feature gate name; names are letters and digits like "
                      "'PodOverhead'."),
])
def test_parse_flag_value_errors(text, message):
    with pytest.raises(KataNodeError) as err:
        parse_flag_value(text)
    assert str(err.value) == message


def test_merge_gates():
    assert merge_gates({"B": True, "A": False}, {"A": True, "C": False}, remove=["B"]) == {"A": True, "C": False}
    assert list(merge_gates({"Z": True}, {"A": True})) == ["A", "Z"]


def test_normalize_accepts_list_and_flag_strings():
    assert normalize_gates(["A=true", "B=no"]) == {"A": True, "B": False}
    assert normalize_gates("A=on,B=off") == {"A": True, "B": False}
    assert normalize_gates(None) == {}


names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12) \
    .filter(lambda s: s[0].isalpha())


@given(st.dictionaries(names, st.booleans(), max_size=8))
def test_render_then_parse_round_trips(gates):
    flag = render_flag(gates)
    assert parse_flag_value(flag) == gates
    assert " " not in flag


@given(st.sampled_from(sorted(GATES)), st.integers(min_value=16, max_value=LAST_MINOR), st.booleans())
def test_every_decision_is_a_result_or_a_one_sentence_error(name, minor, value):
    try:
        check = validate_gates({name: value}, f"1.{minor}", "kubelet")
    except KataNodeError as exc:
        text = str(exc)
        assert text.startswith(f"gates.{name}: ") and text.endswith((".", "?"))
        assert gate_state(name, minor) is None or gate_state(name, minor).locked is not False
    else:
        assert check.gates in ({name: value}, {})
        if not check.gates:
            assert check.dropped == (name,)
