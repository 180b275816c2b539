#!/usr/bin/env python
# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate plugins/module_utils/kata_schema_data.py from Kata's configuration templates.

Usage (from the repository root)::

    python3 tools/gen_kata_schema.py [--check] [REFERENCE_DIR]

``--check`` writes nothing and exits 1 when the committed module differs from
what the script would generate.

REFERENCE_DIR defaults to ``../shared/reference/kata`` relative to the
repository and must hold ``rendered/configuration-*.toml`` (the templates as
installed on a node). The script reads which keys each table has (active or
commented-out assignments) and the installed value of every key, takes the
type from that value, and adds the ranges, choices and descriptions written
below. The generated module is committed; it is what the collection runs.
Re-running it on the same input gives the same file.

Layouts:

* ``go``: the Go runtime templates for qemu, clh and fc;
* ``rs``: the runtime-rs templates for qemu and dragonball; the runtime-rs
  Cloud Hypervisor layout is built from the Go clh hypervisor table plus the
  hypervisor keys both runtime-rs templates share, with the runtime-rs
  ``[runtime]`` and ``[agent.kata]`` tables;
* ``openeuler``: the Go layouts plus ``enable_cpu_memory_hotplug`` in the
  hypervisor table (an openEuler addition).
"""

from __future__ import annotations

import os
import re
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(TOP, "plugins", "module_utils", "kata_schema_data.py")

TEMPLATES = {
    ("go", "qemu"): "configuration-qemu.toml",
    ("go", "clh"): "configuration-clh.toml",
    ("go", "fc"): "configuration-fc.toml",
    ("rs", "qemu"): "configuration-qemu-runtime-rs.toml",
    ("rs", "dragonball"): "configuration-dragonball.toml",
}

U32 = 2 ** 32 - 1

# Our own description of each key, its type where the template value does not
# tell it, and its limits. Keys are "<kind>:<key>" where kind is the table with
# the hypervisor/agent name removed (hypervisor, runtime, agent, factory,
# hypervisor.factory, agent.mem_agent), or just "<key>" for any table.
META = {
    # --- sizing -----------------------------------------------------------
    "hypervisor:default_vcpus": dict(type="float", min=0, meaning="vCPUs the VM boots with (fractions allowed, "
                                     "rounded up at boot); 0 means 1, more than the host has means all host CPUs"),
    "hypervisor:default_maxvcpus": dict(min=0, max=U32, meaning="upper bound for vCPU hot-plug; 0 means the number of host CPUs"),
    "hypervisor:default_memory": dict(min=0, max=U32, meaning="memory in MiB the VM boots with; the Go runtime replaces values under 256 with 2048"),
    "hypervisor:default_maxmemory": dict(min=0, max=U32, meaning="upper bound in MiB for memory hot-plug; 0 means all host memory"),
    "hypervisor:memory_slots": dict(min=0, max=U32, meaning="number of memory hot-plug slots (DIMMs) the VM gets"),
    "hypervisor:memory_offset": dict(min=0, meaning="MiB added to the maximum memory to leave address space for the NVDIMM image device"),
    "hypervisor:enable_virtio_mem": dict(meaning="hot-plug memory with virtio-mem instead of ACPI DIMMs (QEMU only)"),
    "hypervisor:overhead_vcpus": dict(type="float", min=0, meaning="runtime-rs static sizing: vCPUs added to the workload's CPU limit to size the VM"),
    "hypervisor:overhead_memory": dict(min=0, max=U32, meaning="runtime-rs static sizing: MiB added to the workload's memory limit to size the VM"),
    "hypervisor:default_bridges": dict(min=0, max=5, meaning="PCI bridges for hot-plugged devices (at most 5)"),
    "hypervisor:enable_cpu_memory_hotplug": dict(type="bool", meaning="openEuler only: let the runtime hot-plug CPUs and memory to follow container limits"),
    "runtime:sandbox_cgroup_only": dict(meaning="run the shim, VMM and helpers inside the pod cgroup, so pod overhead must cover them"),
    "runtime:static_sandbox_resource_mgmt": dict(meaning="size the VM once before boot from the pod limits and never hot-plug afterwards"),
    "runtime:enable_vcpus_pinning": dict(meaning="pin each vCPU thread to one CPU of the sandbox cpuset when their counts are equal"),
    # --- annotations and allow-lists --------------------------------------
    "hypervisor:enable_annotations": dict(meaning="regular expressions naming the hypervisor annotations a pod may set"),
    "hypervisor:valid_hypervisor_paths": dict(meaning="glob patterns a hypervisor path annotation must match"),
    "hypervisor:valid_jailer_paths": dict(meaning="glob patterns a jailer path annotation must match"),
    "hypervisor:valid_ctlpaths": dict(meaning="glob patterns a hypervisor control binary annotation must match"),
    "hypervisor:valid_virtio_fs_daemon_paths": dict(meaning="glob patterns a virtio-fs daemon annotation must match"),
    "hypervisor:valid_vhost_user_store_paths": dict(meaning="glob patterns a vhost-user store path annotation must match"),
    "hypervisor:valid_entropy_sources": dict(meaning="host entropy devices an annotation may choose from"),
    # --- assets and binaries ----------------------------------------------
    "hypervisor:path": dict(meaning="hypervisor binary on the host"),
    "hypervisor:ctlpath": dict(meaning="hypervisor control binary on the host"),
    "hypervisor:jailer_path": dict(meaning="jailer binary that confines the VMM"),
    "hypervisor:kernel": dict(meaning="guest kernel image"),
    "hypervisor:image": dict(meaning="guest root file system image"),
    "hypervisor:initrd": dict(meaning="guest initrd (used instead of image)"),
    "hypervisor:firmware": dict(meaning="guest firmware the VM boots from; empty for the default"),
    "hypervisor:firmware_volume": dict(meaning="extra firmware volume given to the VM"),
    "hypervisor:pflashes": dict(meaning="flash images attached to the VM"),
    "hypervisor:rootfs_type": dict(choices=["ext4", "xfs", "erofs"], meaning="file system type of the guest image"),
    "hypervisor:vm_rootfs_driver": dict(meaning="device driver that attaches the guest image"),
    "hypervisor:kernel_params": dict(meaning="extra guest kernel command-line parameters"),
    "hypervisor:machine_type": dict(meaning="QEMU machine type"),
    "hypervisor:machine_accelerators": dict(meaning="extra accelerator options for the machine type"),
    "hypervisor:cpu_features": dict(meaning="CPU features to enable or disable for the guest"),
    "hypervisor:seccompsandbox": dict(meaning="QEMU -sandbox option string"),
    "hypervisor:seccomp_sandbox": dict(meaning="QEMU -sandbox option string"),
    "hypervisor:tdx_quote_generation_service_socket_port": dict(min=0, max=65535, meaning="vsock port of the TDX quote generation service"),
    # --- devices ----------------------------------------------------------
    "hypervisor:block_device_driver": dict(choices=["virtio-scsi", "virtio-blk", "virtio-blk-ccw", "virtio-mmio",
                                                    "nvdimm", "none"],
                                           meaning="how container block devices reach the guest"),
    "hypervisor:block_device_aio": dict(choices=["threads", "native", "io_uring"], meaning="QEMU asynchronous I/O engine for block devices"),
    "hypervisor:block_device_cache_set": dict(meaning="apply the cache options below to block devices"),
    "hypervisor:block_device_cache_direct": dict(meaning="open block devices with O_DIRECT, bypassing the host page cache"),
    "hypervisor:block_device_cache_noflush": dict(meaning="ignore flush requests of block devices"),
    "hypervisor:block_device_logical_sector_size": dict(min=0, meaning="logical sector size reported for block devices; 0 keeps QEMU's choice"),
    "hypervisor:block_device_physical_sector_size": dict(min=0, meaning="physical sector size reported for block devices; 0 keeps QEMU's choice"),
    "hypervisor:disable_block_device_use": dict(meaning="never hand container root file systems to the guest as block devices"),
    "hypervisor:disable_image_nvdimm": dict(meaning="attach the guest image without an NVDIMM device"),
    "hypervisor:enable_iothreads": dict(meaning="process block I/O in a separate QEMU thread"),
    "hypervisor:indep_iothreads": dict(min=0, meaning="number of independent I/O threads QEMU starts"),
    "hypervisor:enable_iommu": dict(meaning="give the VM a virtual IOMMU"),
    "hypervisor:enable_iommu_platform": dict(meaning="set the IOMMU platform flag on virtio devices"),
    "hypervisor:hot_plug_vfio": dict(meaning="where VFIO devices are hot-plugged in the guest PCI topology"),
    "hypervisor:cold_plug_vfio": dict(meaning="where VFIO devices are cold-plugged in the guest PCI topology"),
    "hypervisor:pcie_root_port": dict(min=0, meaning="number of PCIe root ports created for devices"),
    "hypervisor:pcie_switch_port": dict(min=0, meaning="number of PCIe switch ports created for devices"),
    "hypervisor:entropy_source": dict(meaning="host device the guest random number generator reads"),
    "hypervisor:use_legacy_serial": dict(meaning="use a legacy serial port for the guest console"),
    "hypervisor:extra_monitor_socket": dict(meaning="extra QEMU monitor socket for outside tools"),
    "hypervisor:enable_numa": dict(meaning="give the VM a NUMA topology following the host"),
    "hypervisor:numa_mapping": dict(meaning="host NUMA nodes mapped to guest nodes"),
    # --- memory -------------------------------------------------------------
    "hypervisor:enable_mem_prealloc": dict(meaning="allocate all VM memory when the VM starts"),
    "hypervisor:enable_hugepages": dict(meaning="back VM memory with huge pages"),
    "hypervisor:reclaim_guest_freed_memory": dict(meaning="give memory the guest frees back to the host (balloon free page reporting)"),
    "hypervisor:enable_guest_swap": dict(meaning="let the guest swap to a host file"),
    "hypervisor:guest_swap_path": dict(meaning="host directory for guest swap files"),
    "hypervisor:guest_swap_size_percent": dict(min=0, max=100, meaning="guest swap size as a percentage of VM memory"),
    "hypervisor:guest_swap_create_threshold_secs": dict(min=0, meaning="seconds before guest swap is created"),
    "hypervisor:guest_memory_dump_path": dict(meaning="host directory for guest memory dumps on a guest panic"),
    "hypervisor:guest_memory_dump_paging": dict(meaning="dump guest memory with paging enabled"),
    # --- network ------------------------------------------------------------
    "hypervisor:disable_vhost_net": dict(meaning="do not use vhost-net for guest networking"),
    "hypervisor:rx_rate_limiter_max_rate": dict(min=0, meaning="inbound network bandwidth limit in bits per second; 0 means none"),
    "hypervisor:tx_rate_limiter_max_rate": dict(min=0, meaning="outbound network bandwidth limit in bits per second; 0 means none"),
    "hypervisor:net_rate_limiter_bw_max_rate": dict(min=0, meaning="network bandwidth limit in bytes per second; 0 means none"),
    "hypervisor:net_rate_limiter_bw_one_time_burst": dict(min=0, meaning="extra network bytes allowed once"),
    "hypervisor:net_rate_limiter_ops_max_rate": dict(min=0, meaning="network operations per second limit; 0 means none"),
    "hypervisor:net_rate_limiter_ops_one_time_burst": dict(min=0, meaning="extra network operations allowed once"),
    "hypervisor:disk_rate_limiter_bw_max_rate": dict(min=0, meaning="disk bandwidth limit in bytes per second; 0 means none"),
    "hypervisor:disk_rate_limiter_bw_one_time_burst": dict(min=0, meaning="extra disk bytes allowed once"),
    "hypervisor:disk_rate_limiter_ops_max_rate": dict(min=0, meaning="disk operations per second limit; 0 means none"),
    "hypervisor:disk_rate_limiter_ops_one_time_burst": dict(min=0, meaning="extra disk operations allowed once"),
    "hypervisor:network_queues": dict(min=0, meaning="queue pairs per network interface"),
    "hypervisor:num_queues": dict(min=0, meaning="queues per virtio-blk device"),
    "hypervisor:queue_size": dict(min=0, meaning="depth of each virtio-blk queue"),
    # --- shared file system -------------------------------------------------
    "hypervisor:shared_fs": dict(choices=["virtio-fs", "virtio-9p", "virtio-fs-nydus", "inline-virtio-fs", "none"],
                                 meaning="how container files are shared with the guest"),
    "hypervisor:virtio_fs_daemon": dict(meaning="virtio-fs daemon binary on the host"),
    "hypervisor:virtio_fs_extra_args": dict(meaning="extra command-line arguments of the virtio-fs daemon"),
    "hypervisor:virtio_fs_cache": dict(choices=["never", "auto", "always", "metadata", "none"], meaning="virtio-fs caching mode"),
    "hypervisor:virtio_fs_cache_size": dict(min=0, meaning="DAX window size in MiB; 0 disables DAX"),
    "hypervisor:virtio_fs_queue_size": dict(min=0, meaning="depth of the virtio-fs request queue"),
    "hypervisor:msize_9p": dict(min=0, meaning="9p message size in bytes"),
    "hypervisor:vhost_user_store_path": dict(meaning="host directory for vhost-user sockets and device nodes"),
    "hypervisor:enable_vhost_user_store": dict(meaning="allow vhost-user block and SCSI devices"),
    "hypervisor:vhost_user_reconnect_timeout_sec": dict(min=0, meaning="seconds QEMU waits to reconnect a vhost-user device"),
    # --- security and misc --------------------------------------------------
    "hypervisor:disable_seccomp": dict(meaning="run the VMM without its seccomp filter"),
    "hypervisor:disable_selinux": dict(meaning="do not label the VMM process with SELinux"),
    "hypervisor:disable_guest_selinux": dict(meaning="do not enforce SELinux inside the guest"),
    "hypervisor:disable_nesting_checks": dict(meaning="skip the checks made when running nested under another hypervisor"),
    "hypervisor:rootless": dict(meaning="run the VMM as an unprivileged user"),
    "hypervisor:guest_hook_path": dict(meaning="guest directory holding OCI hooks the agent runs"),
    "hypervisor:enable_template": dict(meaning="start VMs from a template VM to save memory and time"),
    "hypervisor:template_path": dict(meaning="host directory for the VM template"),
    "hypervisor:hypervisor_loglevel": dict(min=0, meaning="verbosity of the VMM's own log"),
    "hypervisor:log_level": dict(meaning="log level of the hypervisor component"),
    "hypervisor:enable_debug": dict(meaning="debug output of the hypervisor"),
    "hypervisor.factory:enable_template": dict(meaning="start VMs from a template VM to save memory and time"),
    "hypervisor.factory:template_path": dict(meaning="host directory for the VM template"),
    "factory:enable_template": dict(meaning="start VMs from a template VM to save memory and time"),
    "factory:template_path": dict(meaning="host directory for the VM template"),
    "factory:vm_cache_number": dict(min=0, meaning="number of pre-started VMs kept in the cache"),
    "factory:vm_cache_endpoint": dict(meaning="socket of the VM cache server"),
    # --- agent --------------------------------------------------------------
    "agent:enable_debug": dict(meaning="debug output of the guest agent"),
    "agent:enable_tracing": dict(meaning="trace spans from the guest agent"),
    "agent:debug_console_enabled": dict(meaning="open a debug shell into the guest (never in production)"),
    "agent:dial_timeout": dict(min=0, meaning="seconds to wait for the agent to answer"),
    "agent:dial_timeout_ms": dict(min=0, meaning="milliseconds to wait for the agent to answer"),
    "agent:reconnect_timeout_ms": dict(min=0, meaning="milliseconds to keep reconnecting to the agent"),
    "agent:kernel_modules": dict(meaning="kernel modules (with parameters) loaded in the guest"),
    "agent:container_pipe_size": dict(min=0, meaning="size in bytes of container stdio pipes; 0 keeps the kernel default"),
    "agent:cdh_api_timeout": dict(min=0, meaning="seconds to wait for the guest confidential data hub"),
    "agent:create_container_timeout": dict(min=0, meaning="seconds to wait for a container to be created"),
    "agent:log_level": dict(meaning="log level of the guest agent"),
    "agent:mem_agent_enable": dict(meaning="run the guest memory agent"),
    "agent.mem_agent:mem_agent_enable": dict(meaning="run the guest memory agent"),
    # --- runtime --------------------------------------------------------------
    "runtime:enable_debug": dict(meaning="debug output of the runtime"),
    "runtime:enable_tracing": dict(meaning="send runtime trace spans to Jaeger"),
    "runtime:jaeger_endpoint": dict(meaning="Jaeger collector address for traces"),
    "runtime:jaeger_user": dict(meaning="user name for the Jaeger collector"),
    "runtime:jaeger_password": dict(meaning="password for the Jaeger collector"),
    "runtime:internetworking_model": dict(choices=["macvtap", "tcfilter", "none"], meaning="how the VM is joined to the pod network"),
    "runtime:disable_guest_seccomp": dict(meaning="do not apply seccomp profiles inside the guest"),
    "runtime:guest_selinux_label": dict(meaning="SELinux label of container processes in the guest"),
    "runtime:disable_new_netns": dict(meaning="run the VMM in the host network namespace (requires internetworking_model none)"),
    "runtime:experimental": dict(meaning="experimental features to turn on"),
    "runtime:enable_pprof": dict(meaning="expose Go profiling data from the shim"),
    "runtime:sandbox_bind_mounts": dict(meaning="host paths bind-mounted read-only into the sandbox"),
    "runtime:vfio_mode": dict(choices=["guest-kernel", "vfio"], meaning="how VFIO devices are presented to containers"),
    "runtime:disable_guest_empty_dir": dict(meaning="keep emptyDir volumes on the host instead of in the guest"),
    "runtime:emptydir_mode": dict(choices=["shared-fs", "block-encrypted"], meaning="how emptyDir volumes are provided"),
    "runtime:create_container_timeout": dict(min=0, meaning="seconds to wait for a container to be created"),
    "runtime:dan_conf": dict(meaning="directory of device-assigned network configurations"),
    "runtime:pod_resource_api_sock": dict(meaning="kubelet pod-resources socket used for device assignment"),
    "runtime:kubelet_root_dir": dict(meaning="kubelet's root directory"),
    "runtime:name": dict(meaning="runtime implementation name"),
    "runtime:hypervisor_name": dict(meaning="which hypervisor table the runtime uses"),
    "runtime:agent_name": dict(meaning="which agent table the runtime uses"),
    "runtime:log_level": dict(meaning="log level of the runtime"),
    "runtime:keep_abnormal": dict(meaning="keep sandbox resources after an abnormal exit for debugging"),
    "runtime:use_passfd_io": dict(meaning="pass container I/O by file descriptors (Dragonball)"),
    "runtime:passfd_listener_port": dict(min=0, max=65535, meaning="vsock port of the pass-fd I/O listener"),
}

# Memory agent keys of runtime-rs (compaction and memory cgroup tuning).
for _key, _text in {
    "memcg_disable": "turn off memory cgroup reclaim in the guest",
    "memcg_swap": "let guest memory cgroup reclaim swap",
    "memcg_swappiness_max": "highest swappiness the memory agent sets",
    "memcg_period_secs": "seconds between memory cgroup reclaim rounds",
    "memcg_period_psi_percent_limit": "memory pressure (percent) that skips a reclaim round",
    "memcg_eviction_psi_percent_limit": "memory pressure (percent) that stops eviction",
    "memcg_eviction_run_aging_count_min": "aging rounds before eviction starts",
    "compact_disable": "turn off guest memory compaction",
    "compact_period_secs": "seconds between compaction rounds",
    "compact_period_psi_percent_limit": "memory pressure (percent) that skips a compaction round",
    "compact_psi_percent_limit": "memory pressure (percent) that stops compaction",
    "compact_sec_max": "longest compaction in seconds",
    "compact_order": "page order compaction aims for",
    "compact_threshold": "free pages threshold that triggers compaction",
    "compact_force_times": "rounds after which compaction is forced",
}.items():
    META["agent.mem_agent:" + _key] = dict(meaning="memory agent: " + _text)

SECTION_RE = re.compile(r"^#?\s*\[([A-Za-z0-9_.]+)\]\s*$")
ASSIGN_RE = re.compile(r"^#?\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$")


def kind_of(section):
    parts = section.split(".")
    if parts[0] in ("hypervisor", "agent") and len(parts) >= 2:
        return ".".join([parts[0]] + parts[2:])
    return section


def type_of(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    return "str"


def scan(path):
    """Tables in file order, each a dict key -> (installed value or None, active?)."""
    tables = {}
    section = None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            text = line.strip()
            match = SECTION_RE.match(text)
            if match:
                section = match.group(1)
                tables.setdefault(section, {})
                continue
            match = ASSIGN_RE.match(text)
            if not match or section is None:
                continue
            try:
                value = tomllib.loads(f"v = {match.group(2)}")["v"]
            except tomllib.TOMLDecodeError:
                continue
            active = not text.startswith("#")
            if match.group(1) not in tables[section] or active:
                tables[section][match.group(1)] = (value, active)
    return tables


def build(refdir):
    layouts = {}
    keymeta = {}
    defaults = {}
    for (flavour, hyp), name in TEMPLATES.items():
        tables = scan(os.path.join(refdir, "rendered", name))
        layout = {}
        for section, keys in tables.items():
            layout[section] = sorted(keys)
            for key, (value, active) in keys.items():
                kind = kind_of(section)
                meta = dict(META.get(f"{kind}:{key}") or META.get(key) or {})
                if "meaning" not in meta:
                    raise SystemExit(f"no description for [{section}] {key} ({name}); add one to META")
                entry = keymeta.setdefault(f"{kind}:{key}", {"type": meta.get("type") or type_of(value)})
                for field in ("min", "max", "choices", "meaning"):
                    if field in meta:
                        entry[field] = meta[field]
                if active:
                    defaults.setdefault(flavour, {}).setdefault(hyp, {}).setdefault(section, {})[key] = value
        layouts.setdefault(flavour, {})[hyp] = layout

    # runtime-rs Cloud Hypervisor: see the module docstring.
    go_clh = layouts["go"]["clh"]
    rs_common = set(layouts["rs"]["qemu"]["hypervisor.qemu"]) & set(layouts["rs"]["dragonball"]["hypervisor.dragonball"])
    rs_only = rs_common - set(layouts["go"]["qemu"]["hypervisor.qemu"])
    layouts["rs"]["clh"] = {
        "hypervisor.clh": sorted(set(go_clh["hypervisor.clh"]) | rs_only),
        "agent.kata": layouts["rs"]["qemu"]["agent.kata"],
        "runtime": layouts["rs"]["qemu"]["runtime"],
    }
    layouts["openeuler"] = {}
    for hyp, layout in layouts["go"].items():
        copy = {section: list(keys) for section, keys in layout.items()}
        hv_section = next(s for s in copy if s.startswith("hypervisor."))
        copy[hv_section] = sorted(copy[hv_section] + ["enable_cpu_memory_hotplug"])
        layouts["openeuler"][hyp] = copy
    keymeta["hypervisor:enable_cpu_memory_hotplug"] = {
        "type": "bool", "meaning": META["hypervisor:enable_cpu_memory_hotplug"]["meaning"]}
    return layouts, dict(sorted(keymeta.items())), defaults


def render(obj, level=0):
    """Python literal source for ``obj`` with 4-space hanging indents (pep8-clean, deterministic)."""
    flat = repr(obj)
    pad = "    " * (level + 1)
    if len(flat) + 4 * level < 110 or not isinstance(obj, (dict, list)) or not obj:
        return flat
    if isinstance(obj, dict):
        items = [f"{pad}{key!r}: {render(value, level + 1)}," for key, value in obj.items()]
        return "{\n" + "\n".join(items) + "\n" + "    " * level + "}"
    lines, line = [], ""
    for item in obj:
        piece = repr(item) + ","
        if line and len(pad) + len(line) + len(piece) + 1 > 110:
            lines.append(pad + line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    lines.append(pad + line)
    return "[\n" + "\n".join(lines) + "\n" + "    " * level + "]"


def generate(refdir):
    """The text of kata_schema_data.py generated from the templates in ``refdir``."""
    layouts, keymeta, defaults = build(refdir)
    body = [
        "# Copyright: kata.node contributors",
        "# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)",
        '"""Kata configuration key schema: GENERATED by tools/gen_kata_schema.py, do not edit by hand.',
        "",
        "LAYOUTS[flavour][hypervisor][table] lists the keys of each table; KEYS['<kind>:<key>']",
        "gives type, limits and meaning (kind = table without the hypervisor/agent name);",
        "DEFAULTS[flavour][hypervisor][table] holds the values of a stock installation.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "LAYOUTS = " + render(layouts),
        "",
        "KEYS = " + render(keymeta),
        "",
        "DEFAULTS = " + render(defaults),
        "",
    ]
    return "\n".join(body), len(keymeta)


def main(argv):
    args = [a for a in argv[1:] if a != "--check"]
    refdir = args[0] if args else os.path.join(TOP, "..", "shared", "reference", "kata")
    text, count = generate(refdir)
    if "--check" in argv:
        with open(OUT, encoding="utf-8") as handle:
            current = handle.read()
        if current != text:
            print(f"{os.path.relpath(OUT, TOP)} is stale: run tools/gen_kata_schema.py", file=sys.stderr)
            return 1
        print(f"{os.path.relpath(OUT, TOP)} is up to date ({count} keys)")
        return 0
    with open(OUT, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {os.path.relpath(OUT, TOP)}: {count} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
