# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes feature gates checked against the release they are meant for.

Pure functions over the generated table in ``feature_gate_data``: parse a Kubernetes
version, validate a gate map for a component and release, render and parse the
``--feature-gates=`` flag. Components refuse to start on an unknown, removed or
wrongly-set locked gate, so every such case is an error here, raised before any file
is touched; cases that are legal but worth knowing become warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from ansible_collections.kata.node.plugins.module_utils.coerce import bool_word
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError, closest
from ansible_collections.kata.node.plugins.module_utils.feature_gate_data import FIRST_MINOR, GATES, LAST_MINOR

COMPONENTS = ("kubelet", "kube-apiserver", "kube-scheduler", "kube-controller-manager")
FLAG = "--feature-gates"

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+_-]*)?$")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_STAGE_WORDS = {"alpha": "alpha", "beta": "beta", "ga": "GA", "deprecated": "deprecated"}


@dataclass(frozen=True)
class KubeVersion:
    """A Kubernetes release reduced to what gates depend on."""

    major: int
    minor: int
    patch: Optional[int] = None

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class GateState:
    """What the table says about one gate at one minor release."""

    stage: str
    default: Optional[bool]
    locked: Optional[bool]


@dataclass(frozen=True)
class GateCheck:
    """The outcome of :func:`validate_gates`."""

    gates: Dict[str, bool]
    warnings: Tuple[str, ...] = ()
    dropped: Tuple[str, ...] = ()
    version: str = ""
    table_version: str = ""
    component: str = ""


def parse_version(value, field_name: str = "version") -> KubeVersion:
    """'1.30', 'v1.30.4', '1.30.4-eks-abc', '1.30.4+k3s1', 'Kubernetes v1.30.4' -> KubeVersion."""
    if isinstance(value, bool) or value is None:
        raise KataNodeError(f"{field_name}: expected a Kubernetes version such as '1.30' or 'v1.30.4', got {value!r}.")
    if isinstance(value, float):
        raise KataNodeError(
            f"{field_name}: {value!r} is a number, which drops trailing zeros (1.30 reads as 1.3); quote it, e.g. '1.30'.")
    if isinstance(value, int):
        raise KataNodeError(f"{field_name}: {value!r} is not a Kubernetes version; write it as a string such as '1.30'.")
    if not isinstance(value, str):
        raise KataNodeError(f"{field_name}: expected a Kubernetes version string such as '1.30', got {type(value).__name__}.")
    text = value.strip()
    # `kubelet --version` prints "Kubernetes v1.30.4"; an image tag may carry "registry/...:v1.30.4".
    for prefix in ("Kubernetes ", "kubernetes "):
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
    match = _VERSION_RE.match(text)
    if not match:
        raise KataNodeError(
            f"{field_name}: {value!r} is not a Kubernetes version; use a form like '1.30', 'v1.30.4' or '1.30.4+k3s1'.")
    major, minor = int(match.group(1)), int(match.group(2))
    if major != 1:
        raise KataNodeError(f"{field_name}: {value!r} has major version {major}; only Kubernetes 1.x releases exist.")
    patch = int(match.group(3)) if match.group(3) is not None else None
    return KubeVersion(major, minor, patch)


def supported_minor(version: KubeVersion, field_name: str = "version") -> Tuple[int, List[str]]:
    """The table minor to check against, with a warning when the release is newer than the table."""
    if version.minor < FIRST_MINOR:
        raise KataNodeError(
            f"{field_name}: Kubernetes {version} is older than 1.{FIRST_MINOR}, the first release this collection "
            f"supports; upgrade the cluster or leave the gates alone.")
    if version.minor > LAST_MINOR:
        return LAST_MINOR, [
            f"Kubernetes {version} is newer than the gate table (1.{FIRST_MINOR} to 1.{LAST_MINOR}); the gates were "
            f"checked against 1.{LAST_MINOR}, so regenerate the table (tools/gen_feature_gates.py) for exact results."]
    return version.minor, []


def gate_state(name: str, minor: int) -> Optional[GateState]:
    """The stage of ``name`` at 1.``minor``, or None when the gate does not exist there."""
    entry = GATES.get(name)
    if entry is None:
        return None
    for first, last, stage, default, locked in entry[2]:
        if first <= minor <= last:
            return GateState(stage, default, locked)
    return None


def coerce_bool(value, field_name: str) -> bool:
    """A real boolean, or a string nobody can misread (true/false, yes/no, on/off, 1/0, t/f)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if bool_word(word) is not None:
            return bool_word(word)
        if word in ("t", "f"):  # strconv.ParseBool's short forms
            return word == "t"
        raise KataNodeError(f"{field_name}: {value!r} is not a boolean; write true or false.")
    raise KataNodeError(f"{field_name}: {value!r} ({type(value).__name__}) is not a boolean; write true or false.")


def normalize_gates(gates, field_name: str = "gates") -> Dict[str, bool]:
    """A mapping {Name: bool}, a list of 'Name=bool' strings, or a flag value 'A=true,B=false' -> dict."""
    if gates is None:
        return {}
    if isinstance(gates, str):
        return parse_flag_value(gates, field_name)
    pairs: List[Tuple[object, object]] = []
    if isinstance(gates, Mapping):
        pairs = list(gates.items())
    elif isinstance(gates, Sequence):
        for index, item in enumerate(gates):
            if not isinstance(item, str) or "=" not in item:
                raise KataNodeError(
                    f"{field_name}[{index}]: {item!r} is not a 'Name=true|false' string; use that form or a mapping.")
            key, dummy, val = item.partition("=")
            pairs.append((key.strip(), val))
    else:
        raise KataNodeError(
            f"{field_name}: expected a mapping of gate names to booleans, got {type(gates).__name__}.")
    result: Dict[str, bool] = {}
    for key, val in pairs:
        if not isinstance(key, str):
            raise KataNodeError(f"{field_name}: gate name {key!r} is not a string; gate names look like 'PodOverhead'.")
        name = key.strip()
        if ":" in name:
            raise KataNodeError(
                f"{field_name}.{name}: component prefixes like 'kube:' are not accepted; write the bare gate name.")
        if not _NAME_RE.match(name):
            raise KataNodeError(
                f"{field_name}: {key!r} is not a feature gate name; names are letters and digits like 'PodOverhead'.")
        result[name] = coerce_bool(val, f"{field_name}.{name}")
    return result


def _suggest(name: str, minor: int) -> str:
    """A "did you mean" tail: present gates first, then any gate the table knows (noting removals)."""
    present = [n for n in GATES if gate_state(n, minor) is not None]
    pools = (present, list(GATES))
    for pool in pools:
        for candidate in pool:
            if candidate.lower() == name.lower():
                return f"; did you mean {candidate!r}{_note(candidate, minor)} (gate names are case-sensitive)?"
    for pool in pools:
        close = closest(name, pool, cutoff=0.8)
        if close:
            return f"; did you mean {close!r}{_note(close, minor)}?"
    return "; check the spelling against the component's --help."


def _note(name: str, minor: int) -> str:
    removed = GATES[name][0]
    if gate_state(name, minor) is None and removed is not None and minor >= removed:
        return f", which was removed in 1.{removed}"
    return ""


def _check_one(name: str, value: bool, minor: int, shown: str, component: str, field_name: str,
               warnings: List[str], dropped: List[str]) -> bool:
    """Return True when the gate is kept; append warnings; raise for gates the component refuses."""
    where = f"{field_name}.{name}"
    entry = GATES.get(name)
    state = gate_state(name, minor)
    if entry is None or (state is None and entry[0] is None):
        if entry is not None:
            first = entry[2][0][0] if entry[2] else None
            if first is not None and minor < first:
                raise KataNodeError(
                    f"{where}: the gate does not exist yet in Kubernetes {shown} (it appears in 1.{first}), so "
                    f"{component} would fail with 'unrecognized feature gate: {name}'; remove it or upgrade.")
        raise KataNodeError(
            f"{where}: unknown feature gate for Kubernetes {shown}, {component} would fail with "
            f"'unrecognized feature gate: {name}'{_suggest(name, minor)}")
    removed, uncertain, spans = entry
    if state is None:
        first = spans[0][0] if spans else None
        if first is not None and minor < first:
            raise KataNodeError(
                f"{where}: the gate does not exist yet in Kubernetes {shown} (it appears in 1.{first}), so "
                f"{component} would fail with 'unrecognized feature gate: {name}'; remove it or upgrade.")
        last = spans[-1] if spans else None
        when = f"1.{removed - 1} or 1.{removed}" if uncertain else f"1.{removed}"
        if last is not None and last[2] == "ga" and last[3] is not None and value == last[3]:
            dropped.append(name)
            warnings.append(
                f"{name} was removed in Kubernetes {when} because its feature is always on; dropped it from the "
                f"{component} gates for {shown} (setting it would make {component} fail to start).")
            return False
        raise KataNodeError(
            f"{where}: the gate was removed in Kubernetes {when}, so {component} {shown} would fail with "
            f"'unrecognized feature gate: {name}'; remove it from the gates.")
    # The gate exists. The last listed release of a gate whose removal release is ambiguous.
    if uncertain and removed is not None and minor == removed - 1:
        if state.default is not None and value == state.default:
            dropped.append(name)
            warnings.append(
                f"{name} may already be removed in Kubernetes {shown} (the upstream data leaves 1.{minor} or "
                f"1.{removed} open) and {str(value).lower()} is its default; dropped it from the {component} gates.")
            return False
        raise KataNodeError(
            f"{where}: the gate is {_STAGE_WORDS[state.stage]} in its last release {shown} and may already be "
            f"removed there (unrecognized feature gate); do not set it, or set it to its default "
            f"{str(state.default).lower()}.")
    if state.locked and state.default is not None and value != state.default:
        default = str(state.default).lower()
        raise KataNodeError(
            f"{where}: {component} {shown} would refuse it with 'cannot set feature gate {name} to "
            f"{str(value).lower()}, feature is locked to {default}'; remove it or set it to {default}.")
    if state.stage == "alpha":
        warnings.append(
            f"{name} is an alpha feature in Kubernetes {shown} (default {str(state.default).lower()}); alpha "
            f"features can change or disappear and are not meant for production.")
    elif state.stage in ("ga", "deprecated"):
        word = _STAGE_WORDS[state.stage]
        end = f" (removed in 1.{removed})" if removed is not None else ""
        if state.locked is None and state.default is not None and value != state.default:
            warnings.append(
                f"{name} is {word} in Kubernetes {shown} and may be locked to {str(state.default).lower()} (the "
                f"gate table has no lock data before 1.31); if {component} reports 'feature is locked', remove it.")
        else:
            warnings.append(
                f"{name} is {word} in Kubernetes {shown}; {component} accepts it but logs a warning, and the gate "
                f"will go away{end}, so drop it before upgrading.")
    return True


def validate_gates(gates, version, component: str = "kubelet", field_name: str = "gates") -> GateCheck:
    """Check ``gates`` for ``component`` on Kubernetes ``version``; raise KataNodeError on the first bad gate."""
    if not isinstance(component, str) or component not in COMPONENTS:
        raise KataNodeError(f"component: {component!r} is not one of {', '.join(COMPONENTS)}; pick one of them.")
    parsed = parse_version(version)
    minor, warnings = supported_minor(parsed)
    normalized = normalize_gates(gates, field_name)
    shown = str(parsed)
    kept: Dict[str, bool] = {}
    dropped: List[str] = []
    for name in sorted(normalized):
        if _check_one(name, normalized[name], minor, shown, component, field_name, warnings, dropped):
            kept[name] = normalized[name]
    return GateCheck(gates=kept, warnings=tuple(warnings), dropped=tuple(dropped), version=shown,
                     table_version=f"1.{minor}", component=component)


def render_value(gates: Mapping) -> str:
    """{'B': False, 'A': True} -> 'A=true,B=false' (sorted, no spaces)."""
    return ",".join(f"{name}={'true' if gates[name] else 'false'}" for name in sorted(gates))


def render_flag(gates: Mapping) -> str:
    """{'B': False, 'A': True} -> '--feature-gates=A=true,B=false'; '' for no gates."""
    if not gates:
        return ""
    return f"{FLAG}={render_value(gates)}"


def parse_flag_value(text, field_name: str = "--feature-gates") -> Dict[str, bool]:
    """'A=true, B=false' -> {'A': True, 'B': False}; the last value of a repeated key wins, as in kube."""
    if not isinstance(text, str):
        raise KataNodeError(f"{field_name}: expected a 'Name=true,Other=false' string, got {type(text).__name__}.")
    value = text.strip()
    if value.startswith(FLAG + "="):
        value = value[len(FLAG) + 1:]
    result: Dict[str, bool] = {}
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            raise KataNodeError(f"{field_name}: missing bool value for {item}; write {item}=true or {item}=false.")
        key, dummy, val = item.partition("=")
        key = key.strip()
        if not _NAME_RE.match(key):
            raise KataNodeError(
                f"{field_name}: {key!r} is not a feature gate name; names are letters and digits like 'PodOverhead'.")
        result[key] = coerce_bool(val, f"{field_name} {key}")
    return result


def merge_gates(existing: Mapping, changes: Mapping, remove: Sequence = ()) -> Dict[str, bool]:
    """Existing gates updated by ``changes`` with the names in ``remove`` taken out, sorted."""
    merged = dict(existing)
    merged.update(changes)
    for name in remove:
        merged.pop(name, None)
    return {name: merged[name] for name in sorted(merged)}
