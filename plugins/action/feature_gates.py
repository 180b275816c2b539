# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of kata.node.feature_gates: validate gates for the release, then edit one file."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.feature_gates import (
    merge_gates,
    normalize_gates,
    parse_version,
    validate_gates,
)
from ansible_collections.kata.node.plugins.plugin_utils import gate_files
from ansible_collections.kata.node.plugins.plugin_utils.file_edit import EditResult, FileEditAction

DEFAULT_PATHS = {
    "kubelet_config": "/var/lib/kubelet/config.yaml",
    "env_file": "/etc/default/kubelet",
    "systemd_dropin": "/etc/systemd/system/kubelet.service.d/20-kata-feature-gates.conf",
    "static_pod": "/etc/kubernetes/manifests/kube-apiserver.yaml",
}
DEFAULT_VARIABLES = {"env_file": "KUBELET_EXTRA_ARGS", "systemd_dropin": "KUBELET_FEATURE"}
DEFAULT_UNIT_FILES = [
    "/lib/systemd/system/kubelet.service",
    "/usr/lib/systemd/system/kubelet.service",
    "/etc/systemd/system/kubelet.service",
    "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
]


class ActionModule(FileEditAction):
    ARGUMENT_SPEC = {
        "path": {"type": "path"},
        "target": {"type": "str", "default": "kubelet_config", "choices": list(DEFAULT_PATHS)},
        "gates": {"type": "raw", "default": {}},
        "version": {"type": "str"},
        "variable": {"type": "str"},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "kubelet_binary": {"type": "str", "default": "kubelet"},
        "unit_files": {"type": "list", "elements": "path", "default": DEFAULT_UNIT_FILES},
        "allow_runtimeclass_admission": {"type": "bool", "default": True},
    }

    def target_path(self, args: Dict[str, Any]) -> str:
        return args.get("path") or DEFAULT_PATHS[args["target"]]

    # --- helpers ------------------------------------------------------------------------------

    def _gate_changes(self, args):
        gates = args.get("gates")
        if args["state"] == "absent":
            if isinstance(gates, (list, tuple)) and all(isinstance(g, str) and "=" not in g for g in gates):
                return {}, list(gates)
            return {}, list(normalize_gates(gates))
        return normalize_gates(gates), []

    def _kubelet_version(self, args, task_vars) -> str:
        # Reading the version changes nothing, so it also runs in check mode.
        check_mode = self._task.check_mode
        self._task.check_mode = False
        try:
            res = self._module("ansible.legacy.command", {"argv": [args["kubelet_binary"], "--version"]}, task_vars)
        finally:
            self._task.check_mode = check_mode
        if res.get("failed") or res.get("rc"):
            raise KataNodeError(
                f"version: could not detect it with '{args['kubelet_binary']} --version' on the node "
                f"({(res.get('msg') or res.get('stderr') or '').strip()[:120]}); pass version explicitly.")
        return res.get("stdout", "").strip()

    def _version(self, args, task_vars, image_tag: Optional[str] = None) -> str:
        if args.get("version"):
            return args["version"]
        if args["target"] == "static_pod":
            if not image_tag:
                raise KataNodeError("version: the manifest's image has no tag to read the release from; pass version.")
            parse_version(image_tag, "version (from the image tag)")
            return image_tag
        return self._kubelet_version(args, task_vars)

    def _decide(self, existing, args, version, component):
        changes, remove = self._gate_changes(args)
        merged = merge_gates(existing, changes, remove)
        check = validate_gates(merged, version, component)
        result = {
            "gates": check.gates,
            "previous_gates": dict(existing),
            "version": check.version,
            "component": component,
            "dropped": list(check.dropped),
        }
        return check, result

    # --- the edit -----------------------------------------------------------------------------

    def edit(self, args: Dict[str, Any], before: Optional[str], task_vars: Dict[str, Any]) -> EditResult:
        target = args["target"]
        path = self.target_path(args)
        variable = args.get("variable") or DEFAULT_VARIABLES.get(target, "KUBELET_EXTRA_ARGS")
        if target == "kubelet_config":
            existing = gate_files.kubelet_config_gates(before, path)
            version = self._version(args, task_vars)
            check, result = self._decide(existing, args, version, "kubelet")
            if before is None and not check.gates:
                return EditResult(None, result, list(check.warnings))
            if check.gates == existing and before is not None:
                return EditResult(before, result, list(check.warnings))
            after = gate_files.write_kubelet_config(before, check.gates, path)
            return EditResult(after, result, list(check.warnings))
        if target == "env_file":
            existing = gate_files.env_file_gates(before, variable)
            version = self._version(args, task_vars)
            check, result = self._decide(existing, args, version, "kubelet")
            if before is None and not check.gates:
                return EditResult(None, result, list(check.warnings))
            after = gate_files.write_env_file(before, check.gates, variable)
            result["variable"] = variable
            return EditResult(after, result, list(check.warnings))
        if target == "systemd_dropin":
            return self._edit_dropin(args, before, task_vars, path, variable)
        return self._edit_static_pod(args, before, task_vars, path)

    def _edit_dropin(self, args, before, task_vars, path, variable) -> EditResult:
        existing = gate_files.dropin_gates(before, variable)
        version = self._version(args, task_vars)
        check, result = self._decide(existing, args, version, "kubelet")
        texts: List[str] = []
        for unit in args["unit_files"]:
            if unit == path:
                continue
            text = self.read_remote(unit, task_vars)
            if text is not None:
                texts.append(text)
        command = gate_files.exec_start_of(texts)
        warnings = list(check.warnings)
        exec_start = None
        if command is None:
            if check.gates:
                raise KataNodeError(
                    f"unit_files: none of {', '.join(args['unit_files'])} has the kubelet's ExecStart, so the variable "
                    f"{variable} could not be wired in; list the unit files of the kubelet service in unit_files.")
        elif not gate_files.uses_variable(command, variable):
            exec_start = command
        result.update(variable=variable, exec_start_redeclared=exec_start is not None)
        after = gate_files.render_dropin(check.gates, variable, exec_start)
        return EditResult(after, result, warnings)

    def _edit_static_pod(self, args, before, task_vars, path) -> EditResult:
        component, existing, tag = gate_files.static_pod_info(before, path)
        version = self._version(args, task_vars, tag)
        check, result = self._decide(existing, args, version, component)
        after, warnings = gate_files.write_static_pod(before, check.gates, path,
                                                      args["allow_runtimeclass_admission"])
        return EditResult(after, result, list(check.warnings) + warnings)
