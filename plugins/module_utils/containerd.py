# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd runtime handlers: the stanza model, per config version.

containerd reads its CRI runtime handlers from one table per handler whose
path depends on the config ``version``:

* no ``version`` (version 1, containerd 1.x only): ``plugins.cri.containerd.runtimes.<h>``
* ``version = 2`` (containerd 1.x; converted by 2.x): ``plugins."io.containerd.grpc.v1.cri".containerd.runtimes.<h>``
* ``version = 3`` / ``4`` (containerd 2.x): ``plugins."io.containerd.cri.v1.runtime".containerd.runtimes.<h>``

This module validates handler settings for a version, derives
``pod_annotations`` from the Kata hypervisor annotations a runtime allows,
keeps the default runtime present, and renders a stanza as TOML text. It
works on plain mappings (a parsed document), never on files.

Pure functions, standard library only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.kata.node.plugins.module_utils.annotations import (
    HYPERVISOR_ANNOTATION_PREFIX,
    KNOWN_ANNOTATIONS,
    pod_annotation_patterns,
    unsafe_reason,
)
from ansible_collections.kata.node.plugins.module_utils.coerce import bool_word, is_dns_label
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError, closest

CONFIG_VERSIONS = (1, 2, 3, 4)
DEFAULT_CONFIG_VERSION = 2  # loads on containerd 1.x and is converted by 2.x
DEFAULT_RUNTIME_NAME = "runc"
RUNC_RUNTIME_TYPE = "io.containerd.runc.v2"
KATA_RUNTIME_TYPE = "io.containerd.kata.v2"

PLUGIN_IDS = {
    1: "cri",
    2: "io.containerd.grpc.v1.cri",
    3: "io.containerd.cri.v1.runtime",
    4: "io.containerd.cri.v1.runtime",
}

# Per-handler keys and their value kinds (containerd's CRI config Runtime struct).
_COMMON_KEYS = {
    "runtime_type": "str",
    "runtime_path": "path",
    "pod_annotations": "list",
    "container_annotations": "list",
    "options": "map",
    "privileged_without_host_devices": "bool",
    "privileged_without_host_devices_all_devices_allowed": "bool",
    "base_runtime_spec": "path",
    "cni_conf_dir": "path",
    "cni_max_conf_num": "int",
    "snapshotter": "str",
}
_V1_V2_KEYS = {"runtime_engine": "str", "runtime_root": "path", "sandbox_mode": "str"}
_V3_KEYS = {"sandboxer": "str", "io_type": "str", "cgroup_writable": "bool", "disable_pause_image_pull": "bool"}

# Keys people put in runtime tables that containerd does not have there.
_NOT_RUNTIME_KEYS = {
    "shim_debug": "shim_debug is not a containerd runtime key (it was an option of the removed "
                  "io.containerd.runtime.v1.linux plugin); turn on Kata's debug output with enable_debug in Kata's "
                  "configuration.toml instead",
    "default_runtime_name": "default_runtime_name belongs to the containerd table above the runtimes, not to a "
                            "handler; set it there",
    "SystemdCgroup": "SystemdCgroup is a runc option; put it under options (options: {SystemdCgroup: true})",
    "ConfigPath": "ConfigPath is a shim option; put it under options (options: {ConfigPath: ...})",
}
_ONLY_IN = {
    "runtime_engine": "config versions 1 and 2 (removed in containerd 2.0)",
    "runtime_root": "config versions 1 and 2 (removed in containerd 2.0)",
    "sandbox_mode": "config versions 1 and 2 (use sandboxer from version 3)",
    "sandboxer": "config versions 3 and 4 (use sandbox_mode in version 2)",
    "io_type": "config versions 3 and 4 (containerd 2.x)",
    "cgroup_writable": "config versions 3 and 4 (containerd 2.x)",
    "disable_pause_image_pull": "config versions 3 and 4 (containerd 2.x)",
}

# Kata annotations applied with no enable_annotations allow-list (Kata's Go
# runtime applies runtime and agent overrides directly).
UNGATED_ANNOTATIONS: Tuple[str, ...] = (
    "io.katacontainers.config.runtime.sandbox_cgroup_only",
    "io.katacontainers.config.runtime.disable_guest_seccomp",
    "io.katacontainers.config.runtime.disable_new_netns",
    "io.katacontainers.config.runtime.internetworking_model",
    "io.katacontainers.config.runtime.vfio_mode",
    "io.katacontainers.config.runtime.experimental",
    "io.katacontainers.config.runtime.create_container_timeout",
    "io.katacontainers.config.agent.kernel_modules",
    "io.katacontainers.config.agent.policy",
    "io.katacontainers.config.agent.enable_tracing",
    "io.katacontainers.config.agent.container_pipe_size",
    "io.katacontainers.enable_vcpus_pinning",
    "io.katacontainers.container.resource.swappiness",
)

_RUNTIME_TYPE = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.v[0-9]+\Z")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+\Z")


# --- versions and table paths ----------------------------------------------

def config_version(doc: Optional[Mapping], field_name: str = "version") -> int:
    """The config version of a parsed containerd config (1 when ``version`` is absent)."""
    if doc is None:
        return 1
    if not isinstance(doc, Mapping):
        raise KataNodeError(f"{field_name}: the containerd config is not a TOML table; fix the file.")
    if "version" not in doc:
        return 1
    return coerce_version(doc["version"], field_name)


def coerce_version(value: Any, field_name: str = "config_version") -> int:
    """A config version given as int or digit string, checked against the known versions."""
    if isinstance(value, bool):
        raise KataNodeError(f"{field_name}: {value!r} is not a containerd config version; use one of 1, 2, 3, 4.")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or int(value) not in CONFIG_VERSIONS:
        raise KataNodeError(f"{field_name}: {value!r} is not a containerd config version; use one of 1, 2, 3, 4.")
    return int(value)


def plugin_id(version: int) -> str:
    """The id of the plugin whose table holds the runtimes for ``version``."""
    return PLUGIN_IDS[coerce_version(version)]


def runtimes_path(version: int) -> Tuple[str, ...]:
    """Key path of the runtimes table for ``version``."""
    return ("plugins", plugin_id(version), "containerd", "runtimes")


def runtime_table(version: int, name: str) -> Tuple[str, ...]:
    """Key path of handler ``name``'s table for ``version``."""
    return runtimes_path(version) + (check_handler_name(name),)


def default_runtime_name_path(version: int) -> Tuple[str, ...]:
    """Key path of ``default_runtime_name`` for ``version``."""
    return ("plugins", plugin_id(version), "containerd", "default_runtime_name")


def valid_keys(version: int) -> Dict[str, str]:
    """Handler keys valid for ``version`` and their value kinds."""
    keys = dict(_COMMON_KEYS)
    keys.update(_V1_V2_KEYS if coerce_version(version) <= 2 else _V3_KEYS)
    return keys


def lookup(doc: Optional[Mapping], path: Sequence[str]) -> Any:
    """The value at ``path`` in a nested mapping, or None."""
    node: Any = doc
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def table_header(path: Sequence[str]) -> str:
    """``[a."b.c".d]`` for a key path."""
    return "[" + ".".join(toml_key(k) for k in path) + "]"


# --- values -----------------------------------------------------------------

def check_handler_name(name: Any, field_name: str = "name") -> str:
    if not is_dns_label(name):
        raise KataNodeError(f"{field_name}: {name!r} is not a valid runtime handler name; use a lowercase RFC 1123 "
                            "label such as kata-qemu (letters, digits and '-', at most 63 characters), as a "
                            "RuntimeClass handler must be.")
    return str(name)


def _bool(value: Any, field_name: str) -> bool:
    if isinstance(value, bool):
        return bool(value)
    if bool_word(value) is not None:
        return bool_word(value)
    raise KataNodeError(f"{field_name}: {value!r} is not a boolean; use true or false.")


def _int(value: Any, field_name: str) -> int:
    if isinstance(value, bool):
        raise KataNodeError(f"{field_name}: {value!r} is not an integer; give a whole number such as 1.")
    if isinstance(value, str) and re.match(r"^\s*-?[0-9]+\s*$", value):
        value = int(value)
    if not isinstance(value, int) or int(value) < 0:
        raise KataNodeError(f"{field_name}: {value!r} is not a non-negative integer; give a whole number such as 1.")
    return int(value)


def _str(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KataNodeError(f"{field_name}: {value!r} is not a non-empty string; give a text value.")
    return str(value)


def _path(value: Any, field_name: str) -> str:
    text = _str(value, field_name)
    if not text.startswith("/"):
        raise KataNodeError(f"{field_name}: {text!r} is not an absolute path; give a path starting with '/'.")
    return text


def _str_list(value: Any, field_name: str) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or isinstance(value, Mapping) or not isinstance(value, Sequence):
        raise KataNodeError(f"{field_name}: expected a list of strings, got {value!r}; give a list such as "
                            "['io.katacontainers.config.hypervisor.default_vcpus'].")
    out: List[str] = []
    for item in value:
        text = _str(item, field_name)
        if text not in out:
            out.append(text)
    return out


def _plain(value: Any, field_name: str) -> Any:
    """A TOML-representable plain value (tags and subclasses stripped)."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise KataNodeError(f"{field_name}: {value!r} cannot be written to the config; give a finite number.")
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or not key:
                raise KataNodeError(f"{field_name}: key {key!r} is not a non-empty string; use text keys.")
            out[str(key)] = _plain(item, f"{field_name}.{key}")
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_plain(item, f"{field_name}[]") for item in value]
    raise KataNodeError(f"{field_name}: {value!r} cannot be written to a TOML config; give a string, number, "
                        "boolean, list or map.")


def check_runtime_type(value: Any, field_name: str = "runtime_type") -> str:
    text = _str(value, field_name)
    if not _RUNTIME_TYPE.match(text):
        raise KataNodeError(f"{field_name}: {text!r} is not a containerd shim runtime type; use a name such as "
                            "io.containerd.kata.v2 or io.containerd.kata-qemu.v2.")
    return text


def _coerce_key(key: str, value: Any, kind: str, field_name: str) -> Any:
    if key == "runtime_type":
        return check_runtime_type(value, field_name)
    if kind == "str":
        return _str(value, field_name)
    if kind == "path":
        return _path(value, field_name)
    if kind == "bool":
        return _bool(value, field_name)
    if kind == "int":
        return _int(value, field_name)
    if kind == "list":
        return _str_list(value, field_name)
    if not isinstance(value, Mapping):
        raise KataNodeError(f"{field_name}: expected a map, got {value!r}; give a map such as "
                            "{ConfigPath: /opt/kata/share/defaults/kata-containers/configuration-qemu.toml}.")
    options = _plain(value, field_name)
    if "ConfigPath" in options:
        _path(options["ConfigPath"], f"{field_name}.ConfigPath")
    return options


def check_key(key: Any, version: int, field_name: str) -> str:
    """``key`` if it is a handler key of ``version``; otherwise a clear error with a suggestion."""
    keys = valid_keys(version)
    if isinstance(key, str) and key in keys:
        return key
    where = f"{field_name}.{key}"
    if key in _NOT_RUNTIME_KEYS:
        raise KataNodeError(f"{where}: {_NOT_RUNTIME_KEYS[key]}.")
    if key in _ONLY_IN:
        raise KataNodeError(f"{where}: {key} exists only in {_ONLY_IN[key]}, not in config version {version}; "
                            "remove it or use the key of this version.")
    close = closest(key, keys)
    hint = f"did you mean {close}?" if close else f"valid keys are {', '.join(sorted(keys))}."
    raise KataNodeError(f"{where}: {key!r} is not a containerd runtime key for config version {version}; {hint}")


# --- annotations --------------------------------------------------------------

def go_path_match(pattern: str, name: str) -> bool:
    """Go's ``path.Match``: ``*`` and ``?`` do not cross '/', ``[...]``/``[^...]`` classes, ``\\`` escapes."""
    return bool(re.match(_go_pattern_regex(pattern) + r"\Z", name))


def _go_pattern_regex(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\":
            if i + 1 >= len(pattern):
                raise KataNodeError(f"pod_annotations: {pattern!r} ends with a lone backslash; escape it or remove it.")
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            start = i + 2 if pattern[i + 1:i + 2] == "^" else i + 1
            end = pattern.find("]", start)
            if end < 0:
                raise KataNodeError(f"pod_annotations: {pattern!r} has an unclosed '['; close the class or escape it.")
            body = pattern[start:end]
            if not body:
                raise KataNodeError(f"pod_annotations: {pattern!r} has an empty '[]' class; fix the pattern.")
            cls = "".join("\\" + c if c in "\\]^[" else c for c in body)
            out.append(f"[^/{cls}]" if start == i + 2 else f"[{cls}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _check_pod_patterns(patterns: List[str], field_name: str, allow_unsafe: bool) -> List[str]:
    """Warnings for patterns that forward ungated Kata annotations; errors for named unsafe ones."""
    warnings: List[str] = []
    for pattern in patterns:
        ungated = [n for n in UNGATED_ANNOTATIONS if go_path_match(pattern, n)]
        unsafe = [n for n in KNOWN_ANNOTATIONS
                  if unsafe_reason(n) and go_path_match(pattern, HYPERVISOR_ANNOTATION_PREFIX + n)]
        wildcard = any(c in pattern for c in "*?[")
        if unsafe and not wildcard and not allow_unsafe:
            name = unsafe[0]
            raise KataNodeError(f"{field_name}: {pattern!r} forwards the unsafe annotation {name} "
                                f"({unsafe_reason(name)}); remove it or set allow_unsafe_annotations: true "
                                "to accept the risk.")
        if ungated:
            short = [n.replace("io.katacontainers.config.", "").replace("io.katacontainers.", "") for n in ungated]
            warnings.append(
                f"{field_name}: {pattern!r} lets every pod author set Kata annotations that no enable_annotations "
                f"list gates ({', '.join(short)}), e.g. sandbox_cgroup_only=false moves the VMM out of the pod "
                "cgroup; list only the hypervisor annotations you need (kata_annotations) instead.")
        if unsafe and wildcard:
            warnings.append(
                f"{field_name}: {pattern!r} also forwards unsafe hypervisor annotations ({', '.join(unsafe)}); "
                "only Kata's enable_annotations stands between them and pod authors.")
    return warnings


def derive_pod_annotations(pod_annotations: Any = None, kata_annotations: Any = None,
                           allow_unsafe: bool = False) -> Tuple[List[str], List[str]]:
    """``(pod_annotations, warnings)``: explicit patterns plus one exact entry per Kata annotation name.

    ``kata_annotations`` are hypervisor annotation names (``default_vcpus``)
    as allowed by Kata's ``enable_annotations``; unknown names and (unless
    ``allow_unsafe``) names that let a pod choose host binaries, kernels or
    kernel parameters are refused. Nothing given means no ``pod_annotations``.
    """
    explicit = _str_list(pod_annotations, "pod_annotations")
    names = _str_list(kata_annotations, "kata_annotations")
    for name in names:
        if name.startswith(HYPERVISOR_ANNOTATION_PREFIX):
            raise KataNodeError(f"kata_annotations: give the bare name {name[len(HYPERVISOR_ANNOTATION_PREFIX):]!r} "
                                f"instead of {name!r}.")
        if name not in KNOWN_ANNOTATIONS:
            close = closest(name, KNOWN_ANNOTATIONS)
            hint = f"did you mean {close}?" if close else "use a Kata hypervisor annotation name such as default_vcpus."
            raise KataNodeError(f"kata_annotations: {name!r} is not a Kata hypervisor annotation; {hint}")
        if unsafe_reason(name) and not allow_unsafe:
            raise KataNodeError(f"kata_annotations: {name} is unsafe to forward ({unsafe_reason(name)}); remove it "
                                "or set allow_unsafe_annotations: true to accept the risk.")
    warnings = _check_pod_patterns(explicit, "pod_annotations", allow_unsafe)
    derived = pod_annotation_patterns(names)
    merged = list(explicit)
    for entry in derived:
        if not any(go_path_match(p, entry) for p in merged):
            merged.append(entry)
    return merged, warnings


# --- the stanza ----------------------------------------------------------------

@dataclass(frozen=True)
class RuntimeStanza:
    """One handler's table: where it goes and what it holds."""

    name: str
    version: int
    table: Tuple[str, ...]
    values: Dict[str, Any] = field(hash=False)
    warnings: Tuple[str, ...] = ()

    def as_dict(self) -> Dict[str, Any]:
        return {"table": list(self.table), "stanza": _copy(self.values), "toml": render_toml(self.table, self.values)}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


SETTINGS_KEYS = ("name", "runtime_type", "runtime_path", "options", "pod_annotations", "container_annotations",
                 "privileged_without_host_devices", "snapshotter", "kata_annotations", "allow_unsafe_annotations",
                 "extra")


def build_stanza(settings: Mapping, version: Any = DEFAULT_CONFIG_VERSION) -> RuntimeStanza:
    """Validate handler settings for a config version and return the stanza.

    ``settings`` keys: ``name`` (required), ``runtime_type`` (default
    io.containerd.kata.v2), ``runtime_path``, ``options``,
    ``pod_annotations``, ``container_annotations``,
    ``privileged_without_host_devices`` (default true), ``snapshotter``,
    ``kata_annotations``, ``allow_unsafe_annotations`` (default false) and
    ``extra`` (further handler keys of this version).
    """
    if not isinstance(settings, Mapping):
        raise KataNodeError(f"settings: expected a map of handler settings, got {settings!r}; give at least {{name: kata}}.")
    for key in settings:
        if key not in SETTINGS_KEYS:
            if key in _NOT_RUNTIME_KEYS:
                raise KataNodeError(f"{key}: {_NOT_RUNTIME_KEYS[key]}.")
            close = closest(key, SETTINGS_KEYS)
            hint = f"did you mean {close}?" if close else "put other handler keys under extra."
            raise KataNodeError(f"{key}: not a handler setting; {hint}")
    version = coerce_version(version, "config_version")
    name = check_handler_name(settings.get("name"))
    keys = valid_keys(version)
    allow_unsafe = _bool(settings.get("allow_unsafe_annotations") or False, "allow_unsafe_annotations")

    values: Dict[str, Any] = {}
    values["runtime_type"] = check_runtime_type(
        KATA_RUNTIME_TYPE if settings.get("runtime_type") is None else settings.get("runtime_type"))
    if settings.get("runtime_path") is not None:
        values["runtime_path"] = _path(settings["runtime_path"], "runtime_path")
    privileged = settings.get("privileged_without_host_devices")
    values["privileged_without_host_devices"] = True if privileged is None else _bool(
        privileged, "privileged_without_host_devices")
    annotations, warnings = derive_pod_annotations(settings.get("pod_annotations"), settings.get("kata_annotations"),
                                                   allow_unsafe)
    if annotations:
        values["pod_annotations"] = annotations
    container = _str_list(settings.get("container_annotations"), "container_annotations")
    if container:
        values["container_annotations"] = container
    if settings.get("snapshotter") is not None:
        values["snapshotter"] = _str(settings["snapshotter"], "snapshotter")

    extra = settings.get("extra") or {}
    if not isinstance(extra, Mapping):
        raise KataNodeError(f"extra: expected a map of further handler keys, got {extra!r}; give a map such as "
                            "{cni_conf_dir: /etc/cni/kata.d}.")
    for key, value in extra.items():
        check_key(key, version, "extra")
        if key in values or key == "options":
            raise KataNodeError(f"extra.{key}: {key} has its own parameter; set it there instead of under extra.")
        values[key] = _coerce_key(key, value, keys[key], f"extra.{key}")

    options = settings.get("options")
    if options is not None:
        opts = _coerce_key("options", options, "map", "options")
        if opts:
            values["options"] = opts
    return RuntimeStanza(name=name, version=version, table=runtime_table(version, name), values=values,
                         warnings=tuple(warnings))


def runc_stanza(version: int, name: str = DEFAULT_RUNTIME_NAME) -> RuntimeStanza:
    """The stanza that keeps the default runc runtime available."""
    return RuntimeStanza(name=name, version=coerce_version(version), table=runtime_table(version, name),
                         values={"runtime_type": RUNC_RUNTIME_TYPE})


# --- the default runtime ----------------------------------------------------------

def _pairs(docs: Sequence) -> List[Tuple[Optional[Mapping], int]]:
    out = []
    for item in docs:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise KataNodeError("docs: give (document, config version) pairs.")
        out.append((item[0], coerce_version(item[1], "version")))
    return out


def default_runtime_name(docs: Sequence) -> str:
    """The ``default_runtime_name`` in effect over (document, version) pairs: the last that sets it, else runc."""
    found = DEFAULT_RUNTIME_NAME
    for doc, version in _pairs(docs):
        value = lookup(doc, default_runtime_name_path(version))
        if value is not None:
            if not isinstance(value, str) or not value:
                raise KataNodeError(f"default_runtime_name: {value!r} in the existing config is not a handler name; "
                                    "fix the file.")
            found = str(value)
    return found


def missing_default_runtime(docs: Sequence, adding: str, version: int) -> Optional[RuntimeStanza]:
    """The runc stanza (for config ``version``) to add when no document defines the default runtime, else None.

    ``docs`` are (document, config version) pairs: the root config and the
    drop-in as they will be. containerd 1.x replaces its built-in runtimes
    table with the file's one, so a file naming only a Kata handler loses
    ``runc`` and the CRI plugin refuses to load. Raises when the default names
    a handler other than runc that nothing defines.
    """
    pairs = _pairs(docs)
    default = default_runtime_name(pairs)
    if default == adding:
        return None
    for doc, doc_version in pairs:
        runtimes = lookup(doc, runtimes_path(doc_version))
        if isinstance(runtimes, Mapping) and default in runtimes:
            return None
    if default != DEFAULT_RUNTIME_NAME:
        raise KataNodeError(f"default_runtime_name: the config names {default!r} as the default runtime but defines "
                            f"no {table_header(runtime_table(version, default))} table, so containerd's CRI plugin "
                            "would not load; add that handler first or set default_runtime_name to a defined one.")
    return runc_stanza(version)


def check_removal(docs: Sequence, name: str) -> None:
    """Refuse to remove the handler that is the default runtime."""
    if default_runtime_name(docs) == name:
        raise KataNodeError(f"name: {name} is containerd's default_runtime_name, and removing it would stop the CRI "
                            "plugin from loading; change default_runtime_name first.")


# --- whole files -------------------------------------------------------------------

def base_config(version: Any = DEFAULT_CONFIG_VERSION) -> Dict[str, Any]:
    """A minimal config for a node without one: only the version line (containerd fills in the defaults)."""
    version = coerce_version(version)
    return {} if version == 1 else {"version": version}


def containerd_major_minor(value: Any, field_name: str = "containerd_version") -> Optional[Tuple[int, int]]:
    """``(major, minor)`` from a version string such as ``2.1.4`` or ``v1.7.27``; None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    match = re.match(r"^v?([0-9]+)\.([0-9]+)", text)
    if not match:
        raise KataNodeError(f"{field_name}: {text!r} is not a containerd version; give it as MAJOR.MINOR[.PATCH], "
                            "e.g. 2.1.4.")
    return int(match.group(1)), int(match.group(2))


def config_version_for(containerd_version: Any) -> int:
    """The config version containerd writes by default: 2 for 1.x, 3 for 2.0-2.2, 4 from 2.3."""
    parsed = containerd_major_minor(containerd_version)
    if parsed is None:
        return DEFAULT_CONFIG_VERSION
    if parsed[0] < 2:
        return 2
    return 4 if parsed >= (2, 3) else 3


def dropin_version(root_version: int, existing: Optional[Mapping] = None) -> int:
    """The version a drop-in gets: its own if set (never above the root's), else the root's."""
    root_version = coerce_version(root_version, "root config version")
    if existing is not None and "version" in existing:
        own = config_version(existing, "dropin version")
        if own > root_version:
            raise KataNodeError(f"dropin: the drop-in has version = {own}, higher than the root config's version "
                                f"{root_version}; containerd 2.3 refuses to start with that, so lower the drop-in's "
                                "version or raise the root's.")
        return own
    return root_version


def check_dropin_allowed(root_version: int, containerd_version: Any = None) -> None:
    """Drop-ins merge plugin tables only on containerd >= 2.0; refuse them for a 1.x config unless told otherwise."""
    parsed = containerd_major_minor(containerd_version)
    if parsed is not None and parsed[0] < 2:
        raise KataNodeError(f"dropin: containerd {parsed[0]}.{parsed[1]} replaces whole plugin tables from imported "
                            "files instead of merging them; edit the main config (leave dropin unset) instead.")
    if root_version < 3 and parsed is None:
        raise KataNodeError(f"dropin: the root config is version {root_version} (containerd 1.x style), and only "
                            "containerd >= 2.0 merges drop-ins; edit the main config instead, or set "
                            "containerd_version (e.g. 2.1.4) if this node runs containerd 2.x.")


def imports_cover(imports: Any, path: str) -> bool:
    """True when an ``imports`` entry names ``path`` or a glob that matches it."""
    if imports is None:
        return False
    if isinstance(imports, str) or not isinstance(imports, Sequence):
        raise KataNodeError(f"imports: the root config's imports is {imports!r}, not a list; fix the file.")
    return any(isinstance(entry, str) and (entry == path or go_path_match(entry, path)) for entry in imports)


# --- TOML text -----------------------------------------------------------------------

def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise KataNodeError(f"value: {value!r} cannot be written as TOML; give a string, number, boolean, list or map.")


def render_toml(table: Sequence[str], values: Mapping[str, Any]) -> str:
    """TOML text of one table; nested maps become sub-tables after the plain keys."""
    lines = [table_header(table)]
    subtables = []
    for key, value in values.items():
        if isinstance(value, dict):
            subtables.append((key, value))
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    text = "\n".join(lines) + "\n"
    for key, value in subtables:
        text += "\n" + render_toml(tuple(table) + (key,), value)
    return text
