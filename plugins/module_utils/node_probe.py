# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers for what kata.node.node_facts reads on a node (/proc, /sys, tool output, config files).

Standard library only, valid on Python 3.9: nodes may lack tomllib, so TOML values needed here are read
with line patterns. Every function takes text (or names) and returns plain values; None means unknown.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional

VIRT_FLAGS = ("vmx", "svm")
KATA_PREFIX = "/opt/kata"
KATA_DEFAULTS_DIR = "/opt/kata/share/defaults/kata-containers"
KATA_ETC_DIR = "/etc/kata-containers"
GO_SHIM = "/opt/kata/bin/containerd-shim-kata-v2"
RS_SHIM = "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2"
HYPERVISORS = ("qemu", "clh", "fc", "dragonball")

_VERSION = re.compile(r"\bv?(\d+\.\d+(?:\.\d+)?(?:[-+~][0-9A-Za-z.~+-]*)?)")


def cpuinfo(text: str) -> Dict[str, object]:
    """Number of CPUs (``processor`` lines) and the virtualization flags found."""
    cpus = 0
    flags: set = set()
    for line in text.splitlines():
        name, _sep, value = line.partition(":")
        name = name.strip()
        if name == "processor":
            cpus += 1
        elif name in ("flags", "Features"):
            flags.update(value.split())
    return {"cpus": cpus or None, "virt_flags": sorted(f for f in VIRT_FLAGS if f in flags)}


def meminfo_mib(text: str) -> Optional[int]:
    """MemTotal in MiB."""
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.MULTILINE)
    return int(match.group(1)) // 1024 if match else None


def nested_enabled(text: Optional[str]) -> Optional[bool]:
    """Value of /sys/module/kvm_*/parameters/nested (``Y``/``1`` or ``N``/``0``)."""
    if text is None:
        return None
    value = text.strip().upper()
    if value in ("Y", "1"):
        return True
    if value in ("N", "0"):
        return False
    return None


def cgroup_version(root_entries: Iterable[str], unified_entries: Iterable[str] = ()) -> Optional[str]:
    """``v2``, ``hybrid`` or ``v1`` from the names in /sys/fs/cgroup (and in its ``unified`` directory)."""
    names = set(root_entries)
    if "cgroup.controllers" in names:
        return "v2"
    if not names:
        return None
    if "unified" in names and "cgroup.controllers" in set(unified_entries):
        return "hybrid"
    if names & {"memory", "cpu", "cpuset", "pids", "systemd", "cpu,cpuacct"}:
        return "v1"
    return None


def tool_version(output: Optional[str]) -> Optional[str]:
    """The first version number in a ``--version`` output (``containerd ... 1.6.20``, ``Kubernetes v1.30.2``)."""
    if not output:
        return None
    for line in output.splitlines():
        if "version" in line.lower() and ":" in line:
            match = _VERSION.search(line.split(":", 1)[1]) or _VERSION.search(line)
            if match:
                return match.group(1)
    for word in output.split():
        match = _VERSION.fullmatch(word)
        if match:
            return match.group(1)
    match = _VERSION.search(output)
    return match.group(1) if match else None


def kata_version(output: Optional[str]) -> Optional[str]:
    """Version from ``kata-runtime --version`` or a shim's ``--version`` output."""
    if not output:
        return None
    match = re.search(r"version[\s:]+v?(\d+\.\d+\.\d+[0-9A-Za-z.+~-]*)", output, re.IGNORECASE)
    if match:
        return match.group(1).rstrip(",")
    return tool_version(output)


def toml_top_level_int(text: str, key: str) -> Optional[int]:
    """An integer key of the root table (before any ``[table]``), e.g. containerd's ``version``."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            return None
        match = re.match(r"^" + re.escape(key) + r"\s*=\s*(\d+)\s*(#.*)?$", stripped)
        if match:
            return int(match.group(1))
    return None


def kubelet_config_flag(texts: Iterable[str]) -> Optional[str]:
    """The path given to kubelet's ``--config`` in flag files and unit drop-ins."""
    for text in texts:
        match = re.search(r"--config(?:=|\s+)([^\s\"']+)", text)
        if match:
            return match.group(1)
    return None


def kata_flavour(go_shim: bool, rs_shim: bool, version: Optional[str]) -> Optional[str]:
    """``go`` or ``rs``: which runtime a shipped Kata installation uses by default."""
    major = None
    if version:
        match = re.match(r"(\d+)", version)
        major = int(match.group(1)) if match else None
    if rs_shim and (not go_shim or (major is not None and major >= 4)):
        return "rs"
    if go_shim:
        return "go"
    return None


def kata_config_candidates(listing: Dict[str, List[str]]) -> List[str]:
    """Kata configuration files found, ``listing`` mapping a directory to the names in it.

    Returned in Kata's lookup order: /etc/kata-containers first, then the shipped defaults, their
    ``runtimes/<shim>/`` and ``runtime-rs/`` variants.
    """
    out: List[str] = []
    for directory in sorted(listing, key=lambda d: (not d.startswith(KATA_ETC_DIR), d)):
        for name in sorted(listing[directory]):
            if name.startswith("configuration") and name.endswith(".toml"):
                out.append(f"{directory.rstrip('/')}/{name}")
    return out


def default_config_for(configs: List[str], hypervisor: str, flavour: Optional[str]) -> Optional[str]:
    """The shipped configuration of ``hypervisor`` among ``configs`` (rs variants for runtime-rs)."""
    rs_names = {"qemu": "configuration-qemu-runtime-rs.toml", "clh": "configuration-clh-runtime-rs.toml",
                "dragonball": "configuration-dragonball.toml"}
    wanted = rs_names.get(hypervisor) if flavour == "rs" else f"configuration-{hypervisor}.toml"
    for path in configs:
        if wanted and path.endswith("/" + wanted):
            return path
    return None


def config_in_effect(configs: List[str]) -> Optional[str]:
    """The file Kata reads without an explicit ConfigPath: /etc first, then the shipped configuration.toml."""
    for path in (f"{KATA_ETC_DIR}/configuration.toml", f"{KATA_DEFAULTS_DIR}/configuration.toml"):
        if path in configs:
            return path
    return None
