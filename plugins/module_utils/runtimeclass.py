# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RuntimeClass manifests for Kata handlers, with the API version of the target release.

``node.k8s.io/v1`` from Kubernetes 1.20; ``node.k8s.io/v1beta1`` for 1.16 to 1.19 (the
first releases whose RuntimeClass has ``overhead`` and ``scheduling``). Overhead
quantities are validated and written in canonical form; they may instead be computed
from Kata settings with the pod_overhead core.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Dict, List

from ansible_collections.kata.node.plugins.module_utils.coerce import is_dns_label
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError, closest
from ansible_collections.kata.node.plugins.module_utils.feature_gates import parse_version
from ansible_collections.kata.node.plugins.module_utils.overhead import recommend_pod_overhead
from ansible_collections.kata.node.plugins.module_utils.quantity import parse_quantity

FIRST_MINOR = 16
V1_MINOR = 20

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z")
_RESOURCE_NAME = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                            r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z")
_TOLERATION_KEYS = ("key", "operator", "value", "effect", "tolerationSeconds")
_OPERATORS = ("Exists", "Equal")
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def api_version_for(version) -> str:
    """node.k8s.io/v1 for 1.20+, v1beta1 for 1.16-1.19; older releases are refused."""
    parsed = parse_version(version)
    if parsed.minor < FIRST_MINOR:
        raise KataNodeError(
            f"version: Kubernetes {parsed} has no RuntimeClass overhead or scheduling (they arrived in 1.16); "
            f"upgrade the cluster to 1.16 or later.")
    return "node.k8s.io/v1" if parsed.minor >= V1_MINOR else "node.k8s.io/v1beta1"


def check_dns_label(value, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise KataNodeError(f"{field}: expected a lower-case DNS label such as 'kata-qemu', got {value!r}.")
    if not is_dns_label(value):
        raise KataNodeError(
            f"{field}: {value!r} is not a DNS label (at most 63 characters of a-z, 0-9 and '-', starting and ending "
            f"with a letter or digit); use a name like 'kata-qemu'.")
    return value


def check_name(value, field: str = "name") -> str:
    if not isinstance(value, str) or not value:
        raise KataNodeError(f"{field}: expected a lower-case object name such as 'kata-qemu', got {value!r}.")
    if len(value) > 253 or not _DNS_SUBDOMAIN.match(value):
        raise KataNodeError(
            f"{field}: {value!r} is not a valid object name (lower-case letters, digits, '-' and '.', at most 253 "
            f"characters); use a name like 'kata-qemu'.")
    return value


def _check_label_key(key, field: str) -> str:
    if not isinstance(key, str) or not key:
        raise KataNodeError(f"{field}: label key {key!r} must be a non-empty string like 'katacontainers.io/kata-runtime'.")
    prefix, dummy, name = key.rpartition("/")
    if (prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix))) or len(name) > 63 \
            or not _LABEL_NAME.match(name):
        raise KataNodeError(
            f"{field}: {key!r} is not a valid label key (an optional DNS prefix and '/', then at most 63 letters, digits, "
            f"'-', '_' or '.'); use a key like 'katacontainers.io/kata-runtime'.")
    return key


def check_node_selector(selector, field: str = "node_selector") -> Dict[str, str]:
    if selector is None:
        return {}
    if not isinstance(selector, Mapping):
        raise KataNodeError(f"{field}: expected a mapping of node labels to values, got {type(selector).__name__}.")
    result: Dict[str, str] = {}
    for key in sorted(selector, key=str):
        value = selector[key]
        _check_label_key(key, f"{field}")
        if not isinstance(value, str):
            raise KataNodeError(
                f"{field}.{key}: {value!r} is not a string; label values are strings, so quote it (e.g. \"true\").")
        if value and (len(value) > 63 or not _LABEL_NAME.match(value)):
            raise KataNodeError(
                f"{field}.{key}: {value!r} is not a valid label value (at most 63 letters, digits, '-', '_' or '.'); "
                f"use a value like 'true'.")
        result[str(key)] = str(value)
    return result


def check_tolerations(tolerations, field: str = "tolerations") -> List[Dict[str, Any]]:
    if tolerations is None:
        return []
    if isinstance(tolerations, (str, Mapping)) or not isinstance(tolerations, Sequence):
        raise KataNodeError(f"{field}: expected a list of tolerations (mappings), got {type(tolerations).__name__}.")
    result = []
    for index, item in enumerate(tolerations):
        where = f"{field}[{index}]"
        if not isinstance(item, Mapping):
            raise KataNodeError(f"{where}: expected a mapping with key/operator/value/effect, got {type(item).__name__}.")
        for key in item:
            if key not in _TOLERATION_KEYS:
                close = closest(key, _TOLERATION_KEYS)
                hint = f"did you mean {close!r}" if close else f"use {', '.join(_TOLERATION_KEYS)}"
                raise KataNodeError(f"{where}: unknown toleration field {key!r}; {hint}?")
        out: Dict[str, Any] = {}
        key = item.get("key")
        if key not in (None, ""):
            out["key"] = _check_label_key(key, f"{where}.key")
        operator = item.get("operator", "Equal")
        if operator not in _OPERATORS:
            raise KataNodeError(f"{where}.operator: {operator!r} is not Exists or Equal; use one of them.")
        if not out.get("key") and operator != "Exists":
            raise KataNodeError(f"{where}.operator: a toleration without a key must use operator Exists; set it.")
        out["operator"] = operator
        value = item.get("value")
        if value not in (None, ""):
            if operator == "Exists":
                raise KataNodeError(f"{where}.value: operator Exists takes no value; remove the value or use Equal.")
            if not isinstance(value, str) or len(value) > 63 or not _LABEL_NAME.match(value):
                raise KataNodeError(f"{where}.value: {value!r} is not a valid taint value; quote a label-like string.")
            out["value"] = value
        effect = item.get("effect")
        if effect not in (None, ""):
            if effect not in _EFFECTS:
                close = closest(effect, _EFFECTS)
                hint = f"did you mean {close!r}?" if close else f"use one of {', '.join(_EFFECTS)}."
                raise KataNodeError(f"{where}.effect: {effect!r} is not a taint effect; {hint}")
            out["effect"] = effect
        seconds = item.get("tolerationSeconds")
        if seconds is not None:
            if out.get("effect") != "NoExecute":
                raise KataNodeError(f"{where}.tolerationSeconds: only allowed with effect NoExecute; set that or drop it.")
            if isinstance(seconds, bool) or not isinstance(seconds, int):
                if isinstance(seconds, str) and seconds.strip().lstrip("-").isdigit():
                    seconds = int(seconds.strip())
                else:
                    raise KataNodeError(f"{where}.tolerationSeconds: {seconds!r} is not a whole number of seconds.")
            out["tolerationSeconds"] = int(seconds)
        result.append(out)
    return result


def check_overhead(overhead, field: str = "overhead") -> Dict[str, str]:
    """{'cpu': '0.25', 'memory': '160Mi'} -> canonical strings, sorted; validated like container limits."""
    if overhead is None:
        return {}
    if not isinstance(overhead, Mapping):
        raise KataNodeError(
            f"{field}: expected a mapping of resources to quantities such as {{cpu: 250m, memory: 160Mi}}, got "
            f"{type(overhead).__name__}.")
    result: Dict[str, str] = {}
    for resource in sorted(overhead, key=str):
        where = f"{field}.{resource}"
        if not isinstance(resource, str) or not _RESOURCE_NAME.match(resource):
            raise KataNodeError(f"{field}: {resource!r} is not a resource name; use cpu, memory or ephemeral-storage.")
        if "/" not in resource and not resource.startswith("hugepages-") and \
                resource not in ("cpu", "memory", "ephemeral-storage"):
            close = closest(resource, ("cpu", "memory", "ephemeral-storage"))
            hint = f"did you mean {close!r}?" if close else "use cpu, memory or ephemeral-storage."
            raise KataNodeError(f"{field}: {resource!r} is not a standard resource; {hint}")
        quantity = parse_quantity(overhead[resource], where)
        if quantity.value < 0:
            raise KataNodeError(f"{where}: {overhead[resource]!r} is negative; overhead must be zero or more.")
        if resource == "cpu" and quantity.value * 1000 != int(quantity.value * 1000):
            raise KataNodeError(f"{where}: {overhead[resource]!r} is finer than 1m; round it to whole millicores.")
        if resource != "cpu" and quantity.value != int(quantity.value):
            raise KataNodeError(
                f"{where}: {overhead[resource]!r} is a fraction of a byte (a lower-case 'm' means milli); use Mi or Gi.")
        result[resource] = quantity.canonical()
    return result


def build_runtimeclass(handler, version, overhead=None, node_selector=None, tolerations=None, name=None,
                       kata_settings=None, hypervisor: str = "qemu", runtime: str = "go") -> Dict[str, Any]:
    """The RuntimeClass manifest (a dict) for ``handler`` on Kubernetes ``version``."""
    check_dns_label(handler, "handler")
    api_version = api_version_for(version)
    object_name = check_name(handler if name in (None, "") else name)
    if kata_settings is not None:
        if overhead not in (None, {}):
            raise KataNodeError("overhead: give either overhead or kata_settings, not both; drop one of them.")
        if not isinstance(kata_settings, Mapping):
            raise KataNodeError(
                f"kata_settings: expected the Kata settings mapping (as in kata_node_settings.settings), got "
                f"{type(kata_settings).__name__}.")
        overhead = recommend_pod_overhead(kata_settings, hypervisor, runtime).pod_fixed
    pod_fixed = check_overhead(overhead)
    selector = check_node_selector(node_selector)
    tolerated = check_tolerations(tolerations)
    manifest: Dict[str, Any] = {
        "apiVersion": api_version,
        "kind": "RuntimeClass",
        "metadata": {"name": object_name},
        "handler": handler,
    }
    if pod_fixed:
        manifest["overhead"] = {"podFixed": pod_fixed}
    scheduling: Dict[str, Any] = {}
    if selector:
        scheduling["nodeSelector"] = selector
    if tolerated:
        scheduling["tolerations"] = tolerated
    if scheduling:
        manifest["scheduling"] = scheduling
    return manifest
