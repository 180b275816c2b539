# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of kata.node.containerd_runtime: edit containerd's config on the controller.

The node's file is read with stat+slurp, the handler's table is changed with
tomlkit (every other byte stays), and the result goes to ``copy`` with
``containerd config dump`` as the validator when the node has containerd.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.kata.node.plugins.module_utils import containerd as model
from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.plugin_utils.file_edit import FileEditAction

try:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError
    from tomlkit.items import InlineTable
    HAS_TOMLKIT = True
except ImportError:  # pragma: no cover - reported at run time
    HAS_TOMLKIT = False
    TOMLKitError = Exception

VALIDATE_TEMPLATE = "{binary} --config %s config dump"


def _require_tomlkit() -> None:
    if not HAS_TOMLKIT:
        raise KataNodeError("tomlkit: the Python library tomlkit is missing on the controller; install it "
                            "(pip install tomlkit) where ansible-playbook runs.")


def parse(text: Optional[str], path: str) -> Any:
    """A tomlkit document for ``text`` (an empty one for a missing file); KataNodeError when it is not TOML."""
    _require_tomlkit()
    if text is None:
        return tomlkit.document()
    try:
        return tomlkit.parse(text)
    except (TOMLKitError, ValueError) as exc:
        raise KataNodeError(f"path: {path} is not valid TOML ({exc}); fix the file on the node first, nothing was "
                            "written.") from exc


def plain(value: Any) -> Any:
    """tomlkit items as plain Python values."""
    if hasattr(value, "unwrap"):
        return value.unwrap()
    return value


def _same(left: Any, right: Any) -> bool:
    return json.dumps(plain(left), sort_keys=True, default=str) == json.dumps(right, sort_keys=True, default=str)


def _new_table(parent: Any, values: Optional[Mapping] = None, super_table: bool = False) -> Any:
    table = tomlkit.inline_table() if isinstance(parent, InlineTable) else tomlkit.table(is_super_table=super_table)
    for key, value in (values or {}).items():
        table[key] = _new_table(table, value) if isinstance(value, dict) else value
    return table


def ensure_path(doc: Any, path: Sequence[str], where: str) -> Any:
    """The container at ``path``, creating missing (header-less) tables on the way."""
    node = doc
    for depth, key in enumerate(path):
        if key not in node:
            node[key] = _new_table(node, super_table=True)
        elif not isinstance(node[key], Mapping):
            dotted = ".".join(path[:depth + 1])
            raise KataNodeError(f"path: {where} has {dotted} = {plain(node[key])!r}, which is not a table; fix the "
                                "file by hand.")
        node = node[key]
    return node


def sync_table(table: Any, values: Mapping) -> None:
    """Make ``table`` hold exactly ``values``, leaving unchanged keys (and their comments) untouched."""
    for key in list(table.keys()):
        if key not in values:
            del table[key]
    for key, value in values.items():
        if isinstance(value, dict):
            if key in table and isinstance(table[key], Mapping):
                sync_table(table[key], value)
            else:
                table[key] = _new_table(table, value)
        elif key not in table or not _same(table[key], value):
            table[key] = value


def set_stanza(doc: Any, stanza: model.RuntimeStanza, where: str) -> None:
    runtimes = ensure_path(doc, stanza.table[:-1], where)
    if stanza.name in runtimes and isinstance(runtimes[stanza.name], Mapping):
        sync_table(runtimes[stanza.name], stanza.values)
    else:
        runtimes[stanza.name] = _new_table(runtimes, stanza.values)


def remove_stanza(doc: Any, table: Sequence[str]) -> bool:
    parent = model.lookup(doc, table[:-1])
    if isinstance(parent, Mapping) and table[-1] in parent:
        del parent[table[-1]]
        return True
    return False


def dumps(doc: Any) -> str:
    return tomlkit.dumps(doc)


def set_version_first(doc: Any, version: int) -> None:
    """Put ``version = N`` at the top of a new document."""
    if version != 1 and "version" not in doc:
        doc.add("version", version)


class ActionModule(FileEditAction):
    """Add, update or remove one runtime handler in containerd's config (or a drop-in of it)."""

    ARGUMENT_SPEC = {
        "path": {"type": "str", "default": "/etc/containerd/config.toml"},
        "name": {"type": "str", "required": True},
        "runtime_type": {"type": "str", "default": model.KATA_RUNTIME_TYPE},
        "runtime_path": {"type": "str"},
        "options": {"type": "dict"},
        "pod_annotations": {"type": "list", "elements": "str"},
        "container_annotations": {"type": "list", "elements": "str"},
        "privileged_without_host_devices": {"type": "bool", "default": True},
        "snapshotter": {"type": "str"},
        "kata_annotations": {"type": "list", "elements": "str"},
        "allow_unsafe_annotations": {"type": "bool", "default": False},
        "extra": {"type": "dict", "default": {}},
        "dropin": {"type": "str"},
        "import_path": {"type": "str"},
        "containerd_version": {"type": "str"},
        "config_version": {"type": "int", "choices": [1, 2, 3, 4]},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(FileEditAction, self).run(tmp, task_vars)  # pylint: disable=bad-super-call
        del tmp
        try:
            args = self.validated_args()
            result.update(self._apply(args, task_vars))
        except KataNodeError as exc:
            result.update(failed=True, msg=str(exc), changed=False)
        except AnsibleActionFail as exc:
            result.update(exc.result)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    # --- the edit, as plain text in and out (also used by the unit tests) --------

    @staticmethod
    def settings(args: Dict[str, Any]) -> Dict[str, Any]:
        keys = ("name", "runtime_type", "runtime_path", "options", "pod_annotations", "container_annotations",
                "privileged_without_host_devices", "snapshotter", "kata_annotations", "allow_unsafe_annotations",
                "extra")
        return {k: args.get(k) for k in keys}

    @classmethod
    def plan(cls, args: Dict[str, Any], root_text: Optional[str],
             dropin_text: Optional[str] = None) -> Tuple[Dict[str, Optional[str]], Dict[str, Any], List[str]]:
        """New texts per path (None: unchanged), result keys and warnings; raises KataNodeError."""
        path = args.get("path") or "/etc/containerd/config.toml"
        root = parse(root_text, path)
        root_version = cls._root_version(args, root_text, root)
        state = args.get("state") or "present"
        out: Dict[str, Optional[str]] = {}
        warnings: List[str] = []

        dropin = args.get("dropin")
        if dropin:
            import_path = args.get("import_path") or dropin
            for field_name, value in (("dropin", dropin), ("import_path", import_path)):
                if not value.startswith("/"):
                    raise KataNodeError(f"{field_name}: {value!r} is not an absolute path; give the drop-in's full path.")
            if root_version == 1:
                raise KataNodeError("dropin: the root config has no version (version 1), which only containerd 1.x "
                                    "reads, and 1.x does not merge drop-ins; edit the main config instead.")
            model.check_dropin_allowed(root_version, args.get("containerd_version"))
            drop = parse(dropin_text, dropin)
            version = model.dropin_version(root_version, drop if dropin_text is not None else None)
            stanza = model.build_stanza(cls.settings(args), version)
            docs = [(root, root_version), (drop, version)]
            changed_drop = cls._edit(drop, stanza, state, docs, dropin, new_file=dropin_text is None)
            if changed_drop is not None:
                out[dropin] = changed_drop
            if state == "present" and not model.imports_cover(plain(root.get("imports")), import_path):
                if root_text is None:
                    set_version_first(root, root_version)
                imports = root.get("imports")
                if imports is None:
                    root["imports"] = [import_path]
                else:
                    imports.append(import_path)
                out[path] = dumps(root)
        else:
            stanza = model.build_stanza(cls.settings(args), root_version)
            changed_root = cls._edit(root, stanza, state, [(root, root_version)], path, new_file=root_text is None)
            if changed_root is not None:
                out[path] = changed_root
        warnings.extend(stanza.warnings)
        info = stanza.as_dict()
        info.update(config_version=stanza.version, root_config_version=root_version, state=state)
        return out, info, warnings

    @staticmethod
    def _root_version(args: Dict[str, Any], root_text: Optional[str], root: Any) -> int:
        if root_text is None:
            if args.get("config_version") is not None:
                return model.coerce_version(args["config_version"], "config_version")
            return model.config_version_for(args.get("containerd_version"))
        return model.config_version(plain(root), "version")

    @staticmethod
    def _edit(doc: Any, stanza: model.RuntimeStanza, state: str, docs: List[Tuple[Any, int]], where: str,
              new_file: bool) -> Optional[str]:
        """Edit ``doc`` in place; its new text, or None when nothing changes."""
        before = dumps(doc)
        plain_docs = [(plain(d), v) for d, v in docs]
        if state == "absent":
            model.check_removal(plain_docs, name=stanza.name)
            if not remove_stanza(doc, stanza.table):
                return None
        else:
            if new_file:
                set_version_first(doc, stanza.version)
            set_stanza(doc, stanza, where)
            plain_docs[-1] = (plain(doc), plain_docs[-1][1])
            runc = model.missing_default_runtime(plain_docs, adding=stanza.name, version=stanza.version)
            if runc is not None:
                set_stanza(doc, runc, where)
        after = dumps(doc)
        return None if after == before and not new_file else after

    # --- node side ----------------------------------------------------------------

    def _validator(self, args: Dict[str, Any]) -> str:
        """The validate command: the user's, or ``containerd config dump`` when the node has containerd."""
        if args.get("validate") is not None:
            return args["validate"]
        res = self._low_level_execute_command("command -v containerd")
        binary = to_text(res.get("stdout", "")).strip().splitlines()
        if res.get("rc") == 0 and binary and binary[-1].startswith("/"):
            return VALIDATE_TEMPLATE.format(binary=binary[-1])
        return ""

    def _apply(self, args: Dict[str, Any], task_vars: Dict[str, Any]) -> Dict[str, Any]:
        path = args["path"]
        dropin = args.get("dropin")
        root_text = self.read_remote(path, task_vars)
        dropin_text = self.read_remote(dropin, task_vars) if dropin else None
        texts, info, warnings = self.plan(args, root_text, dropin_text)
        validate = self._validator(args) if texts else (args.get("validate") or "")

        result: Dict[str, Any] = {"changed": False, "files": []}
        diffs = []
        order = [p for p in (dropin, path) if p]  # the drop-in first, so the root's import resolves
        for target in order:
            existed = (dropin_text if target == dropin else root_text) is not None
            entry = {"path": target, "changed": False, "backup_file": None, "existed": existed}
            if target in texts:
                check = validate
                if target == path and dropin and (args.get("import_path") or dropin) != dropin:
                    check = ""  # the import names the node's own path, which this host may not have
                outcome = self.write_remote(target, texts[target], task_vars, args, validate=check)
                entry["changed"] = bool(outcome.get("changed"))
                entry["backup_file"] = outcome.get("backup_file")
                diff = outcome.get("diff")
                if diff:
                    diffs.extend(diff if isinstance(diff, list) else [diff])
                result["changed"] = result["changed"] or entry["changed"]
            result["files"].append(entry)
        if diffs:
            result["diff"] = diffs
        result.update(info)
        result["path"] = path
        result["dropin"] = dropin
        result["validate"] = validate or None
        self.warn(warnings)
        return result
