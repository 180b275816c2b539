#!/usr/bin/python
# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is implemented as an action plugin (plugins/action/feature_gates.py); this file is its manual.

from __future__ import annotations

DOCUMENTATION = r"""
module: feature_gates
short_description: Set Kubernetes feature gates in the kubelet config, its flags or a static Pod manifest
version_added: 1.0.0
description:
  - Sets (or removes) feature gates in one file of a Kubernetes node, after checking the resulting gates against
    the release the component runs. A gate the component would refuse at start-up (unknown or misspelt, not there
    yet, removed, a locked gate set against its lock) fails the task before anything is written; gates already in
    the file are checked too.
  - A gate removed because its feature went GA and is always on (C(PodOverhead) from 1.26, C(RuntimeClass) from
    1.24), set to its locked value, is dropped from the file with a warning, since leaving it would stop the
    component from starting.
  - "O(target=kubelet_config): the C(featureGates) map of a C(KubeletConfiguration) (kubeadm writes
    C(/var/lib/kubelet/config.yaml); note that C(kubeadm upgrade) rewrites that file from the C(kubelet-config)
    ConfigMap)."
  - "O(target=env_file): the O(variable) line of C(/etc/default/kubelet) (deb) or C(/etc/sysconfig/kubelet) (rpm).
    Gates of a C(--feature-gates) flag already on the line are merged with the requested ones and written back as
    one flag in place of the first; every other flag on the line stays as it was."
  - "O(target=systemd_dropin): a drop-in of the kubelet unit, owned whole by this module, holding
    C(Environment=\"KUBELET_FEATURE=--feature-gates=...\"). A variable only reaches the kubelet when C(ExecStart)
    names it, so the module reads the unit files listed in O(unit_files); when their effective C(ExecStart) does not
    use the variable, the drop-in also resets C(ExecStart) and re-declares it with C($KUBELET_FEATURE) appended.
    Run C(systemctl daemon-reload) before restarting the kubelet (the role M(kata.node.feature_gates) does)."
  - "O(target=static_pod): the C(--feature-gates=) entry of the command list of a kubeadm static Pod manifest of
    kube-apiserver, kube-scheduler or kube-controller-manager (the component is read from the manifest). For
    kube-apiserver, C(RuntimeClass) is taken out of C(--disable-admission-plugins) with a warning, because that
    admission plugin is what copies a RuntimeClass's overhead and scheduling into pods. The kubelet restarts a
    static Pod by itself when its manifest changes."
  - Edits are minimal - only the feature-gate entry (and the admission entry) changes and every other byte of the
    file stays; YAML results are re-parsed and compared with the intended document before they are written.
  - The file is read on the node and edited on the controller, then written by M(ansible.builtin.copy) (check mode,
    diff, backup, atomic replace, owner and mode).
author:
  - kata.node contributors (@kata-node)
options:
  path:
    description:
      - The file to edit. Defaults by O(target) - C(/var/lib/kubelet/config.yaml), C(/etc/default/kubelet),
        C(/etc/systemd/system/kubelet.service.d/20-kata-feature-gates.conf),
        C(/etc/kubernetes/manifests/kube-apiserver.yaml).
    type: path
  target:
    description: The kind of file O(path) is.
    type: str
    default: kubelet_config
    choices: [kubelet_config, env_file, systemd_dropin, static_pod]
  gates:
    description:
      - The gates, a mapping of gate name to boolean (also accepted - a list of C(Name=true) strings, or a
        C(Name=true,Other=false) string). Gate names are case-sensitive.
      - With O(state=absent), the names to remove (a list of names or a mapping whose values are ignored).
    type: raw
    default: {}
  version:
    description:
      - Kubernetes version of the component, such as C(1.30), C(v1.30.4) or C(1.30.4+k3s1).
      - When absent it is detected - from C(kubelet --version) on the node (O(kubelet_binary)) for the kubelet
        targets, from the image tag of the manifest for O(target=static_pod).
    type: str
  variable:
    description:
      - The variable that carries the flag, for O(target=env_file) and O(target=systemd_dropin).
      - Defaults to C(KUBELET_EXTRA_ARGS) for O(target=env_file) and to C(KUBELET_FEATURE) for
        O(target=systemd_dropin) - a drop-in should not set C(KUBELET_EXTRA_ARGS), because the
        C(EnvironmentFile=) of kubeadm's unit (C(/etc/default/kubelet)) overrides C(Environment=) lines.
    type: str
  state:
    description: C(present) sets the gates (merged with those already in the file); C(absent) removes the named gates.
    type: str
    default: present
    choices: [present, absent]
  kubelet_binary:
    description: The kubelet executable run with C(--version) on the node when O(version) is not given.
    type: str
    default: kubelet
  unit_files:
    description:
      - Unit files and drop-ins of the kubelet service, in systemd's reading order, searched for its effective
        C(ExecStart) (O(target=systemd_dropin) only). Missing files are skipped.
    type: list
    elements: path
    default:
      - /lib/systemd/system/kubelet.service
      - /usr/lib/systemd/system/kubelet.service
      - /etc/systemd/system/kubelet.service
      - /lib/systemd/system/kubelet.service.d/10-kubeadm.conf
      - /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf
      - /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
  backup:
    description: Keep a timestamped copy of the file before it changes.
    type: bool
    default: false
  allow_runtimeclass_admission:
    description:
      - For kube-apiserver manifests, take C(RuntimeClass) out of C(--disable-admission-plugins). Set to C(false) to
        leave that entry alone.
    type: bool
    default: true
extends_documentation_fragment:
  - kata.node.attributes
  - kata.node.attributes.files
  - ansible.builtin.files
  - ansible.builtin.validate
notes:
  - Restart the kubelet after a change to its files (after C(systemctl daemon-reload) for a drop-in); the role
    M(kata.node.feature_gates) does both through handlers, only when something changed.
  - C(kubeadm upgrade) regenerates the kubelet config and the static Pod manifests; keep the gates in the kubeadm
    configuration too, or run this again after an upgrade.
seealso:
  - plugin: kata.node.feature_gates
    plugin_type: filter
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: PodOverhead on a 1.17 kubelet (alpha there, off by default)
  kata.node.feature_gates:
    gates:
      PodOverhead: true
    version: "1.17"

- name: Gates through /etc/sysconfig/kubelet, keeping the other flags on the line
  kata.node.feature_gates:
    target: env_file
    path: /etc/sysconfig/kubelet
    gates: {CPUManager: true}

- name: Gates in a kubelet drop-in (the drop-in also wires $KUBELET_FEATURE into ExecStart when needed)
  kata.node.feature_gates:
    target: systemd_dropin
    gates: {TopologyManager: true}
  notify: Restart kubelet

- name: kube-apiserver gates; the version is read from the manifest's image tag
  kata.node.feature_gates:
    target: static_pod
    path: /etc/kubernetes/manifests/kube-apiserver.yaml
    gates: {PodOverhead: true}
    backup: true

- name: Remove a gate that a newer release no longer knows
  kata.node.feature_gates:
    gates: [PodOverhead]
    state: absent
"""

RETURN = r"""
gates:
  description: The gates in the file after the task, as validated for the release.
  returned: success
  type: dict
  sample: {"CPUManager": true}
previous_gates:
  description: The gates the file had before.
  returned: success
  type: dict
dropped:
  description: Gates left out because the release removed them and their feature is always on.
  returned: success
  type: list
  elements: str
  sample: ["PodOverhead"]
version:
  description: The Kubernetes release the gates were checked against (major.minor).
  returned: success
  type: str
  sample: "1.30"
component:
  description: The component whose gates were edited.
  returned: success
  type: str
  sample: kube-apiserver
variable:
  description: The variable that carries the flag (env_file and systemd_dropin).
  returned: when O(target) is env_file or systemd_dropin
  type: str
exec_start_redeclared:
  description: Whether the drop-in re-declares C(ExecStart) to pass the variable to the kubelet.
  returned: when O(target=systemd_dropin)
  type: bool
path:
  description: The edited file.
  returned: always
  type: str
backup_file:
  description: The backup copy, when O(backup=true) and the file changed.
  returned: when a backup was made
  type: str
diff:
  description: Before and after text (diff mode).
  returned: in diff mode
  type: dict
"""
