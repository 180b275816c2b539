# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: containerd_runtime
short_description: Render a containerd runtime handler stanza for a config version
version_added: 1.0.0
author: kata.node contributors
description:
  - Takes the settings of one containerd CRI runtime handler (the same names as the options of the
    M(kata.node.containerd_runtime) module) and a containerd config version, and returns where the handler's table
    goes, its keys, and the same as TOML text.
  - "The table path follows the config version: 1 (no C(version) line, containerd 1.x only)
    C(plugins.cri.containerd.runtimes.<name>); 2 (containerd 1.x, converted by 2.x)
    C(plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.<name>); 3 and 4 (containerd 2.x)
    C(plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.<name>)."
  - Keys are checked against the version, with "did you mean" suggestions - C(runtime_engine), C(runtime_root) and
    C(sandbox_mode) exist only in versions 1 and 2; C(sandboxer), C(io_type), C(cgroup_writable) and
    C(disable_pause_image_pull) only in 3 and 4; C(shim_debug) is not a runtime key at all.
  - C(pod_annotations) are derived from C(kata_annotations) (one exact entry per Kata hypervisor annotation name);
    none are written when neither is given. Unsafe annotation names (those that pick host binaries, guest kernels or
    kernel parameters) are refused unless C(allow_unsafe_annotations=true). Patterns such as C(io.katacontainers.*)
    are only written when given in C(pod_annotations), and come with a warning naming the ungated Kata runtime and
    agent annotations they expose.
  - Does not add the default C(runc) handler; the module does that when it edits a whole file.
positional: _input
options:
  _input:
    description:
      - "The handler settings: C(name) (required, a lowercase RFC 1123 label), C(runtime_type) (default
        C(io.containerd.kata.v2)), C(runtime_path), C(options) (map, e.g. C({ConfigPath: ...})),
        C(pod_annotations), C(container_annotations), C(privileged_without_host_devices) (default C(true)),
        C(snapshotter), C(kata_annotations), C(allow_unsafe_annotations) (default C(false)) and C(extra) (further
        handler keys of the version)."
      - Strings such as V("true") are converted; unknown settings fail with a suggestion.
    type: dict
    required: true
  version:
    description: The containerd config version (V(1) for a file without a C(version) line).
    type: int
    default: 2
    choices: [1, 2, 3, 4]
seealso:
  - module: kata.node.containerd_runtime
notes:
  - The filter is pure and reads nothing from the node.
"""

EXAMPLES = r"""
- name: Stanza for containerd 1.x (config version 2)
  ansible.builtin.debug:
    msg: "{{ {'name': 'kata-qemu', 'runtime_type': 'io.containerd.kata-qemu.v2',
              'options': {'ConfigPath': '/opt/kata/share/defaults/kata-containers/configuration-qemu.toml'},
              'kata_annotations': ['default_vcpus', 'default_memory']} | kata.node.containerd_runtime(version=2) }}"

- name: Render a drop-in for containerd 2.x
  ansible.builtin.copy:
    dest: /etc/containerd/conf.d/kata.toml
    content: "version = 3\n\n{{ (kata_handler | kata.node.containerd_runtime(version=3)).toml }}"
    mode: "0644"
"""

RETURN = r"""
_value:
  description: Where the table goes, its keys, the TOML text, and warnings.
  type: dict
  contains:
    table:
      description: Key path of the handler's table.
      type: list
      elements: str
      sample: [plugins, io.containerd.grpc.v1.cri, containerd, runtimes, kata-qemu]
    stanza:
      description: The handler's keys and values (C(options) as a nested dict).
      type: dict
      sample: {runtime_type: io.containerd.kata-qemu.v2, privileged_without_host_devices: true,
               pod_annotations: [io.katacontainers.config.hypervisor.default_vcpus]}
    toml:
      description: The table as TOML text (a header line, the keys, then an C(options) sub-table if any).
      type: str
      sample: |
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-qemu]
        runtime_type = "io.containerd.kata-qemu.v2"
        privileged_without_host_devices = true
    warnings:
      description: One sentence per concern (for example a broad C(pod_annotations) pattern); also shown as warnings.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.kata.node.plugins.module_utils.containerd import DEFAULT_CONFIG_VERSION, build_stanza
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError


def containerd_runtime(settings, version=DEFAULT_CONFIG_VERSION):
    """Return the handler's table path, keys and TOML text for a containerd config version."""
    try:
        stanza = build_stanza(settings, version)
    except KataNodeError as exc:
        raise AnsibleFilterError("kata.node.containerd_runtime: %s" % exc) from exc
    out = stanza.as_dict()
    out["warnings"] = list(stanza.warnings)
    for warning in stanza.warnings:
        Display().warning("kata.node.containerd_runtime: %s" % warning)
    return out


class FilterModule:
    """kata.node.containerd_runtime"""

    def filters(self):
        return {"containerd_runtime": containerd_runtime}
