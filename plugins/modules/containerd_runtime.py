#!/usr/bin/python
# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is implemented as an action plugin (plugins/action/containerd_runtime.py); this file is its manual.

from __future__ import annotations

DOCUMENTATION = r"""
module: containerd_runtime
short_description: Add, update or remove a runtime handler in containerd's config
version_added: 1.0.0
description:
  - Edits one CRI runtime handler table (for example C(kata-qemu)) in containerd's C(config.toml), or in a drop-in file
    that the main config imports, and changes nothing else in the file (comments, order and formatting stay).
  - The table path follows the file's config C(version) - no version (1) C(plugins.cri.containerd.runtimes.<name>),
    2 C(plugins."io.containerd.grpc.v1.cri".containerd.runtimes.<name>), 3 and 4
    C(plugins."io.containerd.cri.v1.runtime".containerd.runtimes.<name>).
  - Keys are checked against the keys containerd knows for that version, so C(shim_debug), misspellings and keys of
    another version are refused with a suggestion instead of being silently ignored by containerd.
  - C(pod_annotations) forward exactly the Kata hypervisor annotations listed in O(kata_annotations) (what Kata's
    C(enable_annotations) allows); C(io.katacontainers.*) is only written when given in O(pod_annotations), with a
    warning, because it lets every pod author set Kata's ungated runtime and agent knobs.
  - Keeps containerd's default runtime - when neither the file nor its drop-in defines the handler named by
    C(default_runtime_name) (C(runc) unless set), a C(runc) handler is added, since containerd 1.x replaces its
    built-in runtimes with the file's ones and its CRI plugin then refuses to load.
  - The file is read on the node, edited on the controller with tomlkit and written by M(ansible.builtin.copy), so
    the node needs only Python's standard library. Invalid TOML on the node is reported and nothing is written.
  - Does not restart containerd; the role M(kata.node.containerd) does that through a handler and rolls back when
    containerd does not come back healthy.
author:
  - kata.node contributors (@kata-node)
requirements:
  - tomlkit on the controller
options:
  path:
    description: Path of containerd's main config on the node.
    type: str
    default: /etc/containerd/config.toml
  name:
    description:
      - The runtime handler name (what a RuntimeClass names as C(handler)); a lowercase RFC 1123 label.
    type: str
    required: true
  runtime_type:
    description:
      - The shim runtime type. C(io.containerd.kata.v2) starts C(containerd-shim-kata-v2); a per-shim type such as
        C(io.containerd.kata-qemu.v2) starts C(containerd-shim-kata-qemu-v2) unless O(runtime_path) is set.
    type: str
    default: io.containerd.kata.v2
  runtime_path:
    description: Absolute path of the shim binary (overrides the lookup by O(runtime_type)).
    type: str
  options:
    description:
      - The handler's C(options) table, passed to the shim. Kata reads C(ConfigPath), the configuration.toml to use
        (must be absolute).
    type: dict
  pod_annotations:
    description:
      - Extra C(pod_annotations) patterns (Go C(path.Match) globs), written before the ones derived from
        O(kata_annotations). Patterns that also forward Kata's ungated annotations (such as C(io.katacontainers.*))
        give a warning; an exact unsafe annotation needs O(allow_unsafe_annotations).
    type: list
    elements: str
  container_annotations:
    description: C(container_annotations) patterns.
    type: list
    elements: str
  privileged_without_host_devices:
    description: Do not pass the host's devices to privileged containers (recommended for Kata).
    type: bool
    default: true
  snapshotter:
    description: Snapshotter for this handler (containerd 1.7 and later).
    type: str
  kata_annotations:
    description:
      - Kata hypervisor annotation names (such as C(default_vcpus)) that pods may set; each becomes the exact
        C(pod_annotations) entry C(io.katacontainers.config.hypervisor.<name>). Empty means no C(pod_annotations).
      - Names that let a pod author choose host binaries, guest kernels or kernel parameters (C(path), C(kernel),
        C(kernel_params), ...) are refused unless O(allow_unsafe_annotations) is true.
    type: list
    elements: str
  allow_unsafe_annotations:
    description: Accept unsafe annotation names in O(kata_annotations) and O(pod_annotations).
    type: bool
    default: false
  extra:
    description:
      - Further handler keys of the file's config version, for example C(cni_conf_dir), C(runtime_engine) (versions 1
        and 2), C(sandboxer) or C(cgroup_writable) (versions 3 and 4). Unknown keys are refused.
    type: dict
    default: {}
  dropin:
    description:
      - Write the handler to this drop-in file instead of editing O(path), and add the drop-in to O(path)'s
        C(imports) when no entry covers it. The drop-in gets the root config's C(version) (an existing drop-in with a
        higher version is refused, as containerd 2.3 refuses to start with one).
      - Only containerd 2.0 and later merge drop-ins into the main config; refused when the root config is version 1
        or 2 unless O(containerd_version) says the node runs 2.0 or later.
    type: str
  import_path:
    description:
      - The path written to C(imports) for O(dropin), when containerd sees the drop-in under another path than the
        one written (for example an image root mounted elsewhere). Defaults to O(dropin).
    type: str
  containerd_version:
    description:
      - The node's containerd version (such as C(2.1.4)). Allows O(dropin) with a version 2 root config, refuses it
        with 1.x, and picks the config version of a new file (2 for 1.x, 3 for 2.0-2.2, 4 from 2.3).
    type: str
  config_version:
    description:
      - The config version for a file that does not exist yet (default from O(containerd_version), else 2, which
        containerd 1.x reads and 2.x converts). Ignored for existing files.
    type: int
    choices: [1, 2, 3, 4]
  state:
    description: C(present) writes the handler; C(absent) removes its table (the default runtime cannot be removed).
    type: str
    choices: [present, absent]
    default: present
  validate:
    description:
      - Command that checks the new file before it replaces the old one (C(%s) is the new file).
      - Defaults to C(containerd --config %s config dump) when C(containerd) is on the node's PATH; an empty string
        turns validation off. This checks syntax and value types; it does not start the CRI plugin.
    type: str
extends_documentation_fragment:
  - kata.node.attributes
  - kata.node.attributes.files
  - ansible.builtin.backup
  - ansible.builtin.files
  - ansible.builtin.validate
notes:
  - Restart containerd after a change (the role M(kata.node.containerd) does it with a rollback).
  - containerd 1.6 accepts C(version = 3) files without complaint but reads no runtimes from them; use version 2 there.
seealso:
  - plugin: kata.node.containerd_runtime
    plugin_type: filter
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Kata with QEMU, forwarding only the annotations Kata allows
  kata.node.containerd_runtime:
    name: kata-qemu
    runtime_type: io.containerd.kata-qemu.v2
    options:
      ConfigPath: /opt/kata/share/defaults/kata-containers/configuration-qemu.toml
    kata_annotations: [default_vcpus, default_memory]
    backup: true

- name: containerd 2.x - a drop-in imported by the main config
  kata.node.containerd_runtime:
    name: kata-clh
    runtime_type: io.containerd.kata-clh.v2
    dropin: /etc/containerd/conf.d/kata-node.toml
    options:
      ConfigPath: /opt/kata/share/defaults/kata-containers/configuration-clh.toml

- name: Remove a handler
  kata.node.containerd_runtime:
    name: kata-fc
    state: absent
"""

RETURN = r"""
table:
  description: Key path of the handler's table.
  returned: success
  type: list
  elements: str
  sample: [plugins, io.containerd.grpc.v1.cri, containerd, runtimes, kata-qemu]
stanza:
  description: The handler's keys as written.
  returned: success
  type: dict
  sample: {runtime_type: io.containerd.kata-qemu.v2, privileged_without_host_devices: true,
           pod_annotations: [io.katacontainers.config.hypervisor.default_vcpus],
           options: {ConfigPath: /opt/kata/share/defaults/kata-containers/configuration-qemu.toml}}
toml:
  description: The handler's table as TOML text.
  returned: success
  type: str
config_version:
  description: Config version of the file written (the drop-in's when O(dropin) is set).
  returned: success
  type: int
  sample: 2
root_config_version:
  description: Config version of the main config.
  returned: success
  type: int
  sample: 2
files:
  description: One entry per file looked at (the drop-in first), for rollback after a failed restart.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    changed:
      description: Whether it was written.
      type: bool
    backup_file:
      description: The backup made before writing (with O(backup)), else null.
      type: str
    existed:
      description: Whether the file existed before.
      type: bool
validate:
  description: The validate command used, or null when none.
  returned: success
  type: str
  sample: /usr/bin/containerd --config %s config dump
"""
