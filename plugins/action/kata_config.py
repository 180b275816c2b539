# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of kata.node.kata_config: validate Kata settings and write a drop-in or edit the file."""

from __future__ import annotations

import posixpath
from typing import Any, Dict, List, Optional, Tuple

from ansible.errors import AnsibleActionFail

from ansible_collections.kata.node.plugins.module_utils import annotations as ann
from ansible_collections.kata.node.plugins.module_utils import kata_schema as schema
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.plugin_utils import kata_toml
from ansible_collections.kata.node.plugins.plugin_utils.file_edit import EditResult, FileEditAction


class ActionModule(FileEditAction):
    """Set Kata configuration keys in a config.d drop-in or in the configuration file itself."""

    ARGUMENT_SPEC = {
        "path": {"type": "path", "required": True},
        "settings": {"type": "raw", "default": {}},
        "mode": {"type": "str", "default": "dropin", "choices": ["dropin", "inplace"]},
        "dropin": {"type": "str", "default": "50-kata-node.toml"},
        "flavour": {"type": "str", "choices": ["go", "rs", "openeuler"]},
        "hypervisor": {"type": "str", "choices": ["qemu", "clh", "fc", "dragonball"]},
        "allow_unsafe_annotations": {"type": "bool", "default": False},
        "anchor_annotations": {"type": "bool", "default": True},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }
    # The drop-in/inplace "mode" option collides with the file-mode option of the base; the file mode
    # is therefore spelled file_mode here and handed to copy as mode.
    ARGUMENT_SPEC["file_mode"] = {"type": "raw"}

    # -- ansible-facing ----------------------------------------------------------------------

    def target_path(self, args: Dict[str, Any]) -> str:
        if args["mode"] == "dropin":
            return self.dropin_path(args)
        return args["path"]

    def dropin_path(self, args: Dict[str, Any]) -> str:
        name = args["dropin"]
        if not name or "/" in name or not name.endswith(".toml") or name.startswith("."):
            raise KataNodeError(f"dropin: {name!r} is not a drop-in file name; give a name like 50-kata-node.toml "
                                "(Kata only reads *.toml files in config.d).")
        return posixpath.join(posixpath.dirname(args["path"]), "config.d", name)

    def write_remote(self, path, content, task_vars, args, validate=None):
        args = dict(args)
        args["mode"] = args.get("file_mode")
        return super().write_remote(path, content, task_vars, args, validate)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if result.get("failed"):
            result.pop("diff", None)
        return result

    # -- the edit -------------------------------------------------------------------------------

    def edit(self, args: Dict[str, Any], before: Optional[str], task_vars: Dict[str, Any]) -> EditResult:
        main_path = args["path"]
        if args["mode"] == "dropin":
            main_text = self.read_remote(main_path, task_vars)
            own_path = self.dropin_path(args)
        else:
            main_text = before
            own_path = None
            if main_text is None:
                raise KataNodeError(f"path: {main_path} does not exist and mode: inplace edits an existing "
                                    "configuration; fix path or use mode: dropin.")
        main_tables = (schema.flatten_tables(kata_toml.plain(kata_toml.parse(main_text, main_path)))
                       if main_text is not None else None)
        flavour, hypervisor = self._pick(args, main_tables or {}, main_path)

        dropins = self._read_dropins(main_path, task_vars, skip=own_path)
        own_tables = None
        if own_path and before is not None:
            own_tables = schema.flatten_tables(kata_toml.plain(kata_toml.parse(before, own_path)))

        present = args["state"] == "present"
        requested = schema.normalize_settings(args["settings"], flavour, hypervisor,
                                              allow_unsafe=args["allow_unsafe_annotations"],
                                              anchor_annotations=args["anchor_annotations"],
                                              keys_only=not present)
        if present and not any(requested.values()):
            raise KataNodeError("settings: nothing to set; give at least one key, or use state: absent to remove "
                                "the drop-in.")
        base = main_tables if main_tables is not None else schema.defaults(flavour, hypervisor)
        warnings: List[str] = []
        if args["mode"] == "dropin":
            after = (kata_toml.render_dropin(requested, main_path, list(schema.layout(flavour, hypervisor)))
                     if present else None)
            new_own = requested if present else {}
            own_name = posixpath.basename(own_path)
            effective = schema.merge(base, *[t for n, t in dropins if n <= own_name],
                                     new_own, *[t for n, t in dropins if n > own_name])
            later = [n for n, t in dropins if n > own_name and _overlaps(t, requested)]
            if later and present:
                warnings.append(f"config.d/{later[0]} sorts after {args['dropin']} and sets some of the same "
                                "keys, so its values win; rename the drop-in to sort last.")
        else:
            if present:
                after = kata_toml.edit_text(main_text, main_path, requested)
            else:
                after = kata_toml.edit_text(main_text, main_path, {},
                                            {t: list(keys) for t, keys in requested.items()})
            new_main = schema.flatten_tables(kata_toml.plain(kata_toml.parse(after, main_path)))
            effective = schema.merge(new_main, *[t for n, t in dropins])
            overriders = [n for n, t in dropins if _overlaps(t, requested)]
            if overriders and present:
                warnings.append(f"config.d/{overriders[0]} sets some of the same keys and overrides this file; "
                                "change the drop-in instead.")
        if present:
            warnings.extend(schema.check_consistency(effective, requested, flavour, hypervisor))
        hv_table = schema.hypervisor_table(flavour, hypervisor)
        patterns = effective.get(hv_table, {}).get("enable_annotations") or []
        try:
            allowed = ann.allowed_annotations(patterns)
        except KataNodeError:
            allowed = []
            warnings.append(f"[{hv_table}] enable_annotations on the node holds an invalid pattern.")
        result = {
            "flavour": flavour,
            "runtime": schema.runtime_of(flavour),
            "hypervisor": hypervisor,
            "config_path": main_path,
            "dropin_path": own_path,
            "settings": effective,
            "sizing": schema.sizing_view(effective, flavour, hypervisor),
            "annotations": allowed,
            "config_present": main_text is not None,
        }
        if own_tables is not None and not present:
            result["removed"] = own_tables
        return EditResult(after=after, result=result, warnings=warnings)

    def _pick(self, args: Dict[str, Any], tables: Dict[str, Any], path: str) -> Tuple[str, str]:
        found_flavour, found_hv = schema.detect(tables, path)
        flavour = args.get("flavour") or found_flavour or "go"
        if found_hv is not None and found_hv not in schema.hypervisors(flavour):
            raise KataNodeError(f"flavour: {flavour} has no {found_hv} hypervisor but {path} configures "
                                f"{found_hv}; set flavour to match the file.")
        hypervisor = args.get("hypervisor") or found_hv or "qemu"
        if found_hv is not None and args.get("hypervisor") and args["hypervisor"] != found_hv:
            raise KataNodeError(f"hypervisor: {args['hypervisor']} does not match {path}, which configures "
                                f"{found_hv}; drop the option or point path at the {args['hypervisor']} file.")
        schema.check_hypervisor(flavour, hypervisor)
        return flavour, hypervisor

    def _read_dropins(self, main_path: str, task_vars: Dict[str, Any],
                      skip: Optional[str]) -> List[Tuple[str, Dict[str, Any]]]:
        directory = posixpath.join(posixpath.dirname(main_path), "config.d")
        stat = self.remote_stat(directory, task_vars)
        if not stat.get("exists") or not stat.get("isdir"):
            return []
        find_args = {"paths": [directory], "patterns": ["*.toml"], "file_type": "file", "follow": True}
        res = self._module("ansible.legacy.find", find_args, task_vars)
        if res.get("failed"):
            raise AnsibleActionFail(f"Could not list {directory}: {res.get('msg')}", result=res)
        out = []
        for entry in sorted(res.get("files", []), key=lambda f: posixpath.basename(f["path"])):
            if entry["path"] == skip:
                continue
            text = self.read_remote(entry["path"], task_vars) or ""
            tables = schema.flatten_tables(kata_toml.plain(kata_toml.parse(text, entry["path"])))
            out.append((posixpath.basename(entry["path"]), tables))
        return out


def _overlaps(tables: Dict[str, Dict[str, Any]], requested: Dict[str, Dict[str, Any]]) -> bool:
    return any(set(tables.get(t, {})) & set(keys) for t, keys in requested.items())
