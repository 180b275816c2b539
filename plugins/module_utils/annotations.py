# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kata hypervisor annotations: which exist, which are dangerous, what a pattern list allows.

Kata only lets a pod override a hypervisor setting through an annotation
``io.katacontainers.config.hypervisor.<name>`` when ``<name>`` is matched by
one of the regular expressions in the hypervisor's ``enable_annotations``
list. The match is a regex *search* (not a full match), so the entry
``path`` also lets through ``jailer_path`` and ``vhost_user_store_path``.
This module knows the names, tells which ones let a pod author pick host
binaries, guest kernels or kernel parameters, and works out which names a
pattern list allows, so the containerd side can forward exactly those.

Pure functions, standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Dict, List, Tuple

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

HYPERVISOR_ANNOTATION_PREFIX = "io.katacontainers.config.hypervisor."

# Names (suffixes after the prefix) known to the Go runtime and to runtime-rs
# (kata-types). Some are only read by one of the two runtimes.
KNOWN_ANNOTATIONS: Tuple[str, ...] = (
    # guest assets and the binaries the host runs
    "path", "ctlpath", "jailer_path", "kernel", "image", "initrd", "firmware", "firmware_volume",
    "path_hash", "hypervisor_hash", "hypervisorctl_hash", "jailer_hash", "kernel_hash", "image_hash",
    "initrd_hash", "firmware_hash", "firmware_volume_hash", "asset_hash_type",
    # boot and machine
    "kernel_params", "kernel_verity_params", "machine_type", "machine_accelerators", "cpu_features",
    "use_legacy_serial", "guest_hook_path", "rootless", "cc_init_data",
    # CPU
    "default_vcpus", "default_max_vcpus",
    # memory
    "default_memory", "memory_slots", "memory_offset", "enable_virtio_mem", "enable_mem_prealloc",
    "reclaim_guest_freed_memory", "enable_hugepages", "file_mem_backend", "enable_swap", "enable_guest_swap",
    # devices
    "enable_iommu", "enable_iommu_platform", "cold_plug_vfio", "hot_plug_vfio", "hotplug_vfio_on_root_bus",
    "pcie_root_port", "pcie_switch_port", "default_gpus", "default_gpu_model", "entropy_source",
    # network
    "disable_vhost_net", "rx_rate_limiter_max_rate", "tx_rate_limiter_max_rate",
    # block devices and vhost-user storage
    "block_device_driver", "block_device_aio", "disable_block_device_use", "enable_iothreads",
    "block_device_cache_set", "block_device_cache_direct", "block_device_cache_noflush", "disable_image_nvdimm",
    "enable_vhost_user_store", "vhost_user_store_path", "vhost_user_reconnect_timeout_sec",
    # shared file system
    "shared_fs", "msize_9p", "virtio_fs_daemon", "virtio_fs_cache", "virtio_fs_cache_size", "virtio_fs_extra_args",
)

# Annotations a pod author must not get by default, and why.
UNSAFE_ANNOTATIONS: Dict[str, str] = {
    "path": "it picks the hypervisor binary the host executes",
    "jailer_path": "it picks the jailer binary the host executes as root",
    "ctlpath": "it picks the hypervisor control binary the host executes",
    "kernel": "it picks the guest kernel, so the pod can boot a kernel of its choosing",
    "image": "it picks the guest root image, replacing the trusted agent and guest OS",
    "initrd": "it picks the guest initrd, replacing the trusted agent and guest OS",
    "firmware": "it picks the guest firmware the VM boots from",
    "firmware_volume": "it picks a guest firmware volume the VM boots with",
    "kernel_params": "it adds guest kernel parameters, e.g. enabling a debug console into the guest",
    "virtio_fs_daemon": "it picks the virtio-fs daemon binary the host executes",
    "virtio_fs_extra_args": "it passes arbitrary arguments to the host-side virtio-fs daemon",
    "entropy_source": "it picks the host device the VM reads entropy from",
    "vhost_user_store_path": "it picks the host directory where vhost-user sockets and device nodes are made",
}
_UNSAFE_PREFIX_REASONS = (("firmware", "it changes the guest firmware the VM boots from"),)

# TOML keys whose annotation has another name.
ANNOTATION_FOR_KEY: Dict[str, str] = {"default_maxvcpus": "default_max_vcpus"}

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_]+$")
# Constructs Python accepts but Go's RE2 engine (used by Kata) rejects.
_NOT_RE2 = re.compile(r"\(\?[=!]|\(\?<[=!]|\\[1-9]|\(\?P=|\(\?\(")


def unsafe_reason(name: str) -> str:
    """Why ``name`` is unsafe, or an empty string when it is not."""
    if name in UNSAFE_ANNOTATIONS:
        return UNSAFE_ANNOTATIONS[name]
    for prefix, reason in _UNSAFE_PREFIX_REASONS:
        if name.startswith(prefix) and not name.endswith("_hash"):
            return reason
    return ""


def anchor(pattern: str, anchor: bool = True) -> str:  # pylint: disable=redefined-outer-name
    """Turn one ``enable_annotations`` entry into an exact match.

    ``default_vcpus`` becomes ``^default_vcpus$`` and ``a|b`` becomes ``^(?:a|b)$``.
    Entries that already start with ``^`` or end with ``$`` are the author's
    own anchoring and stay as they are. With ``anchor=False`` every entry is
    returned unchanged (upstream's unanchored meaning).
    """
    text = _pattern_text(pattern, "enable_annotations")
    if not anchor or text.startswith("^") or text.endswith("$"):
        return text
    if _PLAIN_NAME.match(text):
        return f"^{text}$"
    return f"^(?:{text})$"


def _pattern_text(pattern: object, field: str) -> str:
    if not isinstance(pattern, str):
        raise KataNodeError(f"{field}: entry {pattern!r} is not a string; give each annotation pattern as a string.")
    if not pattern:
        raise KataNodeError(f"{field}: an entry is empty; remove it or name an annotation such as default_vcpus.")
    return str(pattern)


def _pattern_list(patterns: object, field: str) -> List[str]:
    if patterns is None:
        return []
    if isinstance(patterns, str) or isinstance(patterns, Mapping) or not isinstance(patterns, Sequence):
        raise KataNodeError(f"{field}: expected a list of regular expressions, got {patterns!r}; give a list such as "
                            "['^default_vcpus$'].")
    return [_pattern_text(p, field) for p in patterns]


def _compile(pattern: str, field: str) -> "re.Pattern[str]":
    if _NOT_RE2.search(pattern):
        raise KataNodeError(f"{field}: {pattern!r} uses a look-around or back-reference that Kata's regular expression "
                            "engine does not support; rewrite it without them.")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise KataNodeError(f"{field}: {pattern!r} is not a valid regular expression ({exc}); fix the pattern.") \
            from exc


def regexp_contains(patterns: Sequence[str], name: str) -> bool:
    """True when any pattern is found anywhere in ``name`` (Kata's unanchored matching)."""
    return any(_compile(p, "enable_annotations").search(name) for p in _pattern_list(patterns, "enable_annotations"))


def allowed_annotations(enable_annotations: object) -> List[str]:
    """The known annotation names that an ``enable_annotations`` list lets through, in catalogue order."""
    compiled = [_compile(p, "enable_annotations") for p in _pattern_list(enable_annotations, "enable_annotations")]
    return [name for name in KNOWN_ANNOTATIONS if any(c.search(name) for c in compiled)]


def check_annotation_patterns(patterns: object, allow_unsafe: bool = False,
                              field: str = "enable_annotations") -> List[str]:
    """Validate a pattern list and return it; refuse patterns that open unsafe annotations.

    Raises KataNodeError for entries that are not strings, not valid regular
    expressions, or (unless ``allow_unsafe``) that match an unsafe annotation.
    """
    texts = _pattern_list(patterns, field)
    for text in texts:
        compiled = _compile(text, field)
        if allow_unsafe:
            continue
        hits = [name for name in KNOWN_ANNOTATIONS if unsafe_reason(name) and compiled.search(name)]
        if hits:
            why = "; ".join(f"{name}: {unsafe_reason(name)}" for name in hits)
            raise KataNodeError(
                f"{field}: pattern {text!r} would let pods set the unsafe annotation(s) {', '.join(hits)} ({why}); "
                "anchor or narrow the pattern (e.g. '^default_vcpus$'), or set allow_unsafe_annotations: true "
                "to accept the risk.")
    return texts


def pod_annotation_patterns(names: object) -> List[str]:
    """containerd ``pod_annotations`` entries that forward exactly the given hypervisor annotation names."""
    if names is None:
        return []
    if isinstance(names, str) or isinstance(names, Mapping) or not isinstance(names, Sequence):
        raise KataNodeError(f"annotations: expected a list of annotation names, got {names!r}; give a list such as "
                            "['default_vcpus'].")
    out: List[str] = []
    for name in names:
        if not isinstance(name, str) or not _PLAIN_NAME.match(name):
            raise KataNodeError(f"annotations: {name!r} is not an annotation name; give bare names such as "
                                "default_vcpus (without the io.katacontainers.config.hypervisor. prefix).")
        full = HYPERVISOR_ANNOTATION_PREFIX + str(name)
        if full not in out:
            out.append(full)
    return out
