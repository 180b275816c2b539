# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is implemented as an action plugin (plugins/action/kata_config.py); this file is its manual.

from __future__ import annotations

DOCUMENTATION = r"""
module: kata_config
short_description: Set Kata Containers configuration keys in a drop-in or in the configuration file
version_added: 1.0.0
description:
  - Validates Kata runtime settings against the keys each runtime flavour and hypervisor really has, then
    writes them where Kata reads them.
  - With O(mode=dropin) (the default) the settings are rendered as one whole file
    C(<directory of path>/config.d/<dropin>), owned by this module; Kata reads C(config.d/*.toml) after the
    main file, in name order, and merges them key by key. The shipped file stays untouched.
  - With O(mode=inplace) the file O(path) itself is edited with tomlkit so that only the requested keys
    change; every comment, blank line and unrelated byte stays. A key that exists is given its new value; a
    key missing from its table but present there as a commented-out template line (C(#key = value)) has that
    line replaced by the active assignment; any other key is appended to the end of its table; a missing
    table is appended to the file.
  - Bad input fails before anything is written, with a one-sentence message naming the setting and the fix;
    unknown keys (with a "did you mean" suggestion), wrong types, out-of-range values,
    C(default_vcpus > default_maxvcpus), C(default_memory) below the runtime's minimum, keys that belong to
    another runtime or hypervisor (C(overhead_*) on the Go runtime, C(enable_virtio_mem) without QEMU,
    C(enable_cpu_memory_hotplug) outside openEuler), unsafe annotations, and invalid TOML already on the node.
  - The work is done on the controller (tomlkit is needed there only); the node runs C(stat), C(slurp),
    C(find), C(copy) and C(file), so it needs nothing but Python's standard library.
  - Kata reads its configuration when a sandbox starts, so no service is restarted.
author:
  - kata.node contributors (@kata-node)
options:
  path:
    description:
      - The Kata configuration file in effect on the node (the file containerd's C(options.ConfigPath)
        names, or the shipped default such as
        C(/opt/kata/share/defaults/kata-containers/configuration-qemu.toml)).
      - With O(mode=dropin) it may be missing (Kata not installed yet); the drop-in is still written and
        the stock values of the flavour and hypervisor are assumed for the checks.
    type: path
    required: true
  settings:
    description:
      - "The settings, either per table, C({table: {key: value}}) with TOML table names such as
        C(hypervisor.qemu), C(runtime), C(agent.kata) (C(hypervisor) alone means the hypervisor's table),
        or as a flat map C({key: value}) where each key goes to the one table that has it (hypervisor keys
        to the table chosen by O(hypervisor), runtime keys to C([runtime]))."
      - Values are converted to the key's type when that is unambiguous (C("4") to 4, C("true") to true);
        anything else is refused.
      - C(enable_annotations) entries are anchored (see O(anchor_annotations)) and refused when they would
        let pods set an unsafe annotation (see O(allow_unsafe_annotations)).
      - With O(state=absent) and O(mode=inplace), the keys to delete (values are ignored).
    type: raw
    default: {}
  mode:
    description:
      - V(dropin) writes the owned drop-in C(config.d/<dropin>) beside O(path).
      - V(inplace) edits O(path) itself with a minimal diff.
    type: str
    choices: [dropin, inplace]
    default: dropin
  dropin:
    description:
      - File name of the drop-in under C(config.d/). Kata applies drop-ins in name order; upstream reserves
        C(10-) to C(30-) for its own tools and recommends C(50-) to C(89-) for site settings.
    type: str
    default: 50-kata-node.toml
  flavour:
    description:
      - Which Kata runtime reads the file. V(go) is the Go runtime (C(containerd-shim-kata-v2) of Kata 1.x to
        4.x), V(rs) is runtime-rs (the default from Kata 4.0), V(openeuler) is openEuler's Go runtime, which adds
        C(enable_cpu_memory_hotplug) to the hypervisor table.
      - Default is detected from the file (runtime-rs-only keys and tables, C(enable_cpu_memory_hotplug)),
        else V(go).
    type: str
    choices: [go, rs, openeuler]
  hypervisor:
    description:
      - The hypervisor whose table flat settings go to. Default is detected from the file's
        C([hypervisor.*]) table or file name, else V(qemu). V(fc) uses the table C([hypervisor.firecracker]).
      - Go runtime and openEuler support V(qemu), V(clh), V(fc); runtime-rs supports V(qemu), V(clh),
        V(dragonball).
    type: str
    choices: [qemu, clh, fc, dragonball]
  allow_unsafe_annotations:
    description:
      - Allow C(enable_annotations) patterns that match annotations which let a pod author choose host
        binaries, guest kernels, images, firmware or kernel parameters (C(path), C(jailer_path),
        C(ctlpath), C(kernel), C(image), C(initrd), C(firmware*), C(kernel_params), C(virtio_fs_daemon),
        C(virtio_fs_extra_args), C(entropy_source), C(vhost_user_store_path)).
    type: bool
    default: false
  anchor_annotations:
    description:
      - Kata matches C(enable_annotations) entries anywhere in the annotation name, so C(path) also allows
        C(jailer_path). When true, each entry is anchored (C(default_vcpus) becomes C(^default_vcpus$),
        C(a|b) becomes C(^(?:a|b\)$)); entries that already start with C(^) or end with C($) stay as written.
    type: bool
    default: true
  state:
    description:
      - V(present) sets the settings. V(absent) removes the drop-in (O(mode=dropin)) or deletes the keys
        named in O(settings) from O(path) (O(mode=inplace)).
    type: str
    choices: [present, absent]
    default: present
  backup:
    description: Keep a time-stamped copy of the file before changing or removing it.
    type: bool
    default: false
  validate:
    description:
      - Command that checks the new file before it replaces the old one; C(%s) is the temporary file.
    type: str
  file_mode:
    description:
      - Permissions of the written file, as for the C(mode) option of M(ansible.builtin.copy) (named
        differently here because O(mode) chooses drop-in or in-place). New files get C(0644).
    type: raw
  owner:
    description: Owner of the written file.
    type: str
  group:
    description: Group of the written file.
    type: str
  seuser:
    description: SELinux user of the written file.
    type: str
  serole:
    description: SELinux role of the written file.
    type: str
  setype:
    description: SELinux type of the written file.
    type: str
  selevel:
    description: SELinux level of the written file.
    type: str
  attributes:
    description: File attributes (as for M(ansible.builtin.file)).
    type: str
    aliases: [attr]
  unsafe_writes:
    description: Allow non-atomic writes when atomic replace is impossible.
    type: bool
    default: false
extends_documentation_fragment:
  - kata.node.attributes
  - kata.node.attributes.files
notes:
  - Key data is generated from Kata's configuration templates by C(tools/gen_kata_schema.py).
  - The runtime-rs Cloud Hypervisor key set is derived from the Go Cloud Hypervisor table plus the keys both
    runtime-rs templates share.
seealso:
  - module: kata.node.node_facts
  - module: kata.node.containerd_runtime
"""

EXAMPLES = r"""
- name: Size Kata VMs with a drop-in next to the shipped QEMU configuration
  kata.node.kata_config:
    path: /opt/kata/share/defaults/kata-containers/configuration-qemu.toml
    settings:
      default_vcpus: 2
      default_memory: 4096
      enable_annotations: [default_vcpus, default_memory]
      sandbox_cgroup_only: true

- name: Edit the file itself, per table
  kata.node.kata_config:
    path: /etc/kata-containers/configuration.toml
    mode: inplace
    backup: true
    settings:
      hypervisor.qemu:
        default_maxvcpus: 8
      runtime:
        static_sandbox_resource_mgmt: true

- name: runtime-rs overhead for static sizing
  kata.node.kata_config:
    path: /opt/kata/share/defaults/kata-containers/runtime-rs/runtimes/qemu-runtime-rs/configuration-qemu-runtime-rs.toml
    flavour: rs
    settings:
      overhead_vcpus: 0.25
      overhead_memory: 64

- name: Remove the collection's drop-in
  kata.node.kata_config:
    path: /opt/kata/share/defaults/kata-containers/configuration-qemu.toml
    state: absent
"""

RETURN = r"""
path:
  description: The file written or removed (the drop-in, or O(path) in place).
  returned: always
  type: str
  sample: /opt/kata/share/defaults/kata-containers/config.d/50-kata-node.toml
changed:
  description: Whether the file changed (in check mode, whether it would).
  returned: always
  type: bool
diff:
  description: Text before and after, in diff mode.
  returned: when diff mode is on and the file changed
  type: dict
backup_file:
  description: Where the previous file was copied to.
  returned: when O(backup=true) and the file changed
  type: str
flavour:
  description: The flavour used (given or detected).
  returned: success
  type: str
  sample: go
runtime:
  description: The runtime implementation, V(go) or V(rs) (openEuler is a Go runtime).
  returned: success
  type: str
hypervisor:
  description: The hypervisor used (given or detected).
  returned: success
  type: str
  sample: qemu
config_path:
  description: O(path), the configuration in effect.
  returned: success
  type: str
dropin_path:
  description: The drop-in path, null in O(mode=inplace).
  returned: success
  type: str
config_present:
  description: Whether O(path) exists on the node.
  returned: success
  type: bool
settings:
  description:
    - "The settings Kata will read, C({table: {key: value}}) - the main file (or, when it is missing, the stock
      values) merged with every C(config.d) drop-in in name order, as Kata does."
  returned: success
  type: dict
  sample: {"hypervisor.qemu": {"default_vcpus": 2, "default_memory": 4096}, "runtime": {"sandbox_cgroup_only": true}}
sizing:
  description:
    - The flat sizing view of O(settings) that the sizing filters take, with stock values filled in -
      C(default_vcpus), C(default_maxvcpus), C(default_memory), C(default_maxmemory), C(memory_slots),
      C(enable_virtio_mem), C(static_sandbox_resource_mgmt), C(sandbox_cgroup_only), C(enable_vcpus_pinning),
      C(enable_annotations), and for runtime-rs C(overhead_vcpus), C(overhead_memory).
  returned: success
  type: dict
annotations:
  description: The hypervisor annotation names (after C(io.katacontainers.config.hypervisor.)) that the
    effective C(enable_annotations) lets pods set.
  returned: success
  type: list
  elements: str
  sample: [default_vcpus, default_memory]
"""
