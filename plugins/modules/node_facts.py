#!/usr/bin/python
# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: node_facts
short_description: Gather what a node offers Kata Containers (CPUs, memory, KVM, cgroups, containerd, Kata, kubelet)
version_added: 1.0.0
description:
  - Reads C(/proc), C(/sys) and well-known paths on the node and returns them as the fact C(kata_node).
  - Runs on the node with Python's standard library only.
  - Missing pieces are reported as absent (V(null) or V(false)); the module does not fail because something
    is not installed.
  - Under a O(root) other than C(/) (an image or a test tree) every path is read under that prefix and no
    program is run; versions are then reported only when the tree records them.
author:
  - kata.node contributors (@kata-node)
options:
  root:
    description:
      - Directory the node's file system is read from. Paths in the result are node paths (without this prefix).
    type: path
    default: /
attributes:
  check_mode:
    support: full
    description: Only reads, so check mode gives the same facts.
  diff_mode:
    support: none
    description: Changes nothing, so there is no diff.
  facts:
    support: full
    description: Returns the fact C(kata_node).
  platform:
    support: full
    platforms: posix
    description: Linux nodes (reads C(/proc) and C(/sys)); other POSIX systems report those parts as absent.
seealso:
  - module: kata.node.kata_config
"""

EXAMPLES = r"""
- name: Gather Kata node facts
  kata.node.node_facts:

- name: Inspect an image tree
  kata.node.node_facts:
    root: /srv/images/node
  register: image_facts

- name: Show the configuration Kata uses
  ansible.builtin.debug:
    var: ansible_facts.kata_node.kata.config_path
"""

RETURN = r"""
ansible_facts:
  description: Facts about the node.
  returned: always
  type: dict
  contains:
    kata_node:
      description: What the node offers Kata Containers.
      type: dict
      contains:
        root:
          description: The O(root) the facts were read under.
          type: str
        cpus:
          description: Host CPUs (C(processor) lines of C(/proc/cpuinfo)), null when unreadable.
          type: int
        memory_mib:
          description: Host memory (C(MemTotal)) in MiB, null when unreadable.
          type: int
        kvm:
          description: Whether C(/dev/kvm) exists.
          type: bool
        virt_flags:
          description: Hardware virtualization CPU flags present (C(vmx), C(svm)).
          type: list
          elements: str
        nested:
          description: Whether the KVM module allows nested guests (C(kvm_intel) or C(kvm_amd)); null when unknown.
          type: bool
        cgroup_version:
          description: V(v1), V(v2) or V(hybrid) from C(/sys/fs/cgroup); null when unknown.
          type: str
        containerd:
          description: containerd on the node.
          type: dict
          contains:
            installed:
              description: Whether a containerd binary exists.
              type: bool
            binary:
              description: Path of the binary, or null.
              type: str
            version:
              description: Version from C(containerd --version) (only with O(root=/)), or null.
              type: str
            config_path:
              description: C(/etc/containerd/config.toml) when it exists, else null.
              type: str
            config_version:
              description: The C(version) of that file (null when absent or unset, which means 1).
              type: int
        kata:
          description: Kata Containers on the node.
          type: dict
          contains:
            installed:
              description: Whether a Kata shim or configuration file exists.
              type: bool
            go_shim:
              description: Whether the Go runtime shim C(/opt/kata/bin/containerd-shim-kata-v2) exists.
              type: bool
            rs_shim:
              description: Whether the runtime-rs shim C(/opt/kata/runtime-rs/bin/containerd-shim-kata-v2) exists.
              type: bool
            flavour:
              description: V(go) or V(rs), the runtime the installation uses by default; null when not installed.
              type: str
            version:
              description: Version from C(kata-runtime --version) or the shim (only with O(root=/)), or null.
              type: str
            configs:
              description: Configuration files found (C(/etc/kata-containers), the shipped defaults, their
                C(runtimes/<shim>/) and C(runtime-rs/) variants).
              type: list
              elements: str
            dropins:
              description: For each file in RV(ansible_facts.kata_node.kata.configs), its C(config.d/*.toml)
                drop-ins in the order Kata applies them.
              type: dict
            config_path:
              description: The file Kata reads when containerd names none (C(/etc/kata-containers/configuration.toml),
                else the shipped C(configuration.toml)); null when neither exists.
              type: str
            defaults_by_hypervisor:
              description: The shipped configuration per hypervisor (V(qemu), V(clh), V(fc), V(dragonball)),
                null where absent.
              type: dict
        kubelet:
          description: kubelet on the node.
          type: dict
          contains:
            installed:
              description: Whether a kubelet binary exists.
              type: bool
            version:
              description: Version from C(kubelet --version) (only with O(root=/)), or null.
              type: str
            config_path:
              description: The file given to C(--config) in the kubelet flag files, else
                C(/var/lib/kubelet/config.yaml) when it exists, else null.
              type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kata.node.plugins.module_utils import node_probe as probe

_BIN_DIRS = ("/usr/local/bin", "/usr/bin", "/usr/local/sbin", "/usr/sbin", "/bin", "/opt/kata/bin")
_KUBELET_FLAG_FILES = ("/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet", "/etc/sysconfig/kubelet",
                       "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                       "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
                       "/etc/systemd/system/kubelet.service")


class Node:
    """Read-only access to the node's files under ``root``."""

    def __init__(self, module, root):
        self.module = module
        self.root = root
        self.live = os.path.realpath(root) == "/"

    def path(self, node_path):
        return os.path.join(self.root, node_path.lstrip("/"))

    def read(self, node_path):
        try:
            with open(self.path(node_path), encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except (OSError, IOError):
            return None

    def exists(self, node_path):
        return os.path.exists(self.path(node_path))

    def listdir(self, node_path):
        try:
            return sorted(os.listdir(self.path(node_path)))
        except (OSError, IOError):
            return []

    def isdir(self, node_path):
        return os.path.isdir(self.path(node_path))

    def find_binary(self, name, extra=()):
        for directory in tuple(extra) + _BIN_DIRS:
            candidate = f"{directory}/{name}"
            if os.path.isfile(self.path(candidate)):
                return candidate
        return None

    def run_version(self, binary, args=("--version",)):
        if not self.live or binary is None:
            return None
        try:
            rc, out, err = self.module.run_command([binary] + list(args))
        except Exception:  # pylint: disable=broad-except
            return None
        return (out or err) if rc == 0 else None


def kata_facts(node):
    go_shim = node.exists(probe.GO_SHIM)
    rs_shim = node.exists(probe.RS_SHIM)
    listing = {}
    for base in (probe.KATA_ETC_DIR, probe.KATA_DEFAULTS_DIR, f"{probe.KATA_DEFAULTS_DIR}/runtime-rs"):
        if node.isdir(base):
            listing[base] = node.listdir(base)
        for sub in (f"{base}/runtimes",):
            for shim in node.listdir(sub):
                directory = f"{sub}/{shim}"
                if node.isdir(directory):
                    listing[directory] = node.listdir(directory)
    configs = [p for p in probe.kata_config_candidates(listing) if not node.isdir(p)]
    dropins = {}
    for config in configs:
        directory = os.path.join(os.path.dirname(config), "config.d")
        dropins[config] = [f"{directory}/{n}" for n in node.listdir(directory) if n.endswith(".toml")]
    version = None
    runtime_bin = node.find_binary("kata-runtime", extra=("/opt/kata/bin",))
    version = probe.kata_version(node.run_version(runtime_bin))
    if version is None and go_shim:
        version = probe.kata_version(node.run_version(probe.GO_SHIM))
    if version is None and rs_shim:
        version = probe.kata_version(node.run_version(probe.RS_SHIM))
    flavour = probe.kata_flavour(go_shim, rs_shim, version)
    return {
        "installed": bool(go_shim or rs_shim or configs),
        "go_shim": go_shim,
        "rs_shim": rs_shim,
        "flavour": flavour,
        "version": version,
        "configs": configs,
        "dropins": dropins,
        "config_path": probe.config_in_effect(configs),
        "defaults_by_hypervisor": {h: probe.default_config_for(configs, h, flavour) for h in probe.HYPERVISORS},
    }


def containerd_facts(node):
    binary = node.find_binary("containerd")
    config = "/etc/containerd/config.toml"
    text = node.read(config)
    return {
        "installed": binary is not None,
        "binary": binary,
        "version": probe.tool_version(node.run_version(binary)),
        "config_path": config if text is not None else None,
        "config_version": probe.toml_top_level_int(text, "version") if text is not None else None,
    }


def kubelet_facts(node):
    binary = node.find_binary("kubelet")
    texts = [t for t in (node.read(p) for p in _KUBELET_FLAG_FILES) if t]
    config = probe.kubelet_config_flag(texts)
    if config is None and node.exists("/var/lib/kubelet/config.yaml"):
        config = "/var/lib/kubelet/config.yaml"
    return {
        "installed": binary is not None,
        "binary": binary,
        "version": probe.tool_version(node.run_version(binary)),
        "config_path": config,
    }


def gather(module, root):
    node = Node(module, root)
    cpu = probe.cpuinfo(node.read("/proc/cpuinfo") or "")
    nested = None
    for vendor in ("kvm_intel", "kvm_amd"):
        value = probe.nested_enabled(node.read(f"/sys/module/{vendor}/parameters/nested"))
        if value is not None:
            nested = value
            break
    return {
        "root": root,
        "cpus": cpu["cpus"],
        "memory_mib": probe.meminfo_mib(node.read("/proc/meminfo") or ""),
        "kvm": node.exists("/dev/kvm"),
        "virt_flags": cpu["virt_flags"],
        "nested": nested,
        "cgroup_version": probe.cgroup_version(node.listdir("/sys/fs/cgroup"), node.listdir("/sys/fs/cgroup/unified")),
        "containerd": containerd_facts(node),
        "kata": kata_facts(node),
        "kubelet": kubelet_facts(node),
    }


def main():
    module = AnsibleModule(argument_spec={"root": {"type": "path", "default": "/"}}, supports_check_mode=True)
    root = module.params["root"]
    if not os.path.isdir(root):
        module.fail_json(msg=f"root: {root} is not a directory; give the directory the node's files are under.")
    module.exit_json(changed=False, ansible_facts={"kata_node": gather(module, root)})


if __name__ == "__main__":
    main()
