# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side editing of one file on a node: read, edit in memory, hand to copy.

The pattern of ``ansible.builtin.template``: the node only runs ``stat``,
``slurp``, ``copy`` and ``file``, so it needs nothing but Python's standard
library, while the editing (tomlkit, YAML) happens here on the controller.
``copy`` brings check mode, diff, ``backup``, ``validate``, atomic replace and
file attributes, so every action plugin of the collection gets them the same way.

An action plugin subclasses :class:`FileEditAction`, declares ``ARGUMENT_SPEC``
(its own options; the file options below are added) and implements
:meth:`FileEditAction.edit`. Plugins that touch more than one file call
:meth:`read_remote`, :meth:`write_remote` and :meth:`remove_remote` directly.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

# Options every editing action accepts, with the meaning they have in ansible.builtin.copy.
FILE_OPTIONS: Dict[str, Dict[str, Any]] = {
    "backup": {"type": "bool", "default": False},
    "validate": {"type": "str"},
    "mode": {"type": "raw"},
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "seuser": {"type": "str"},
    "serole": {"type": "str"},
    "setype": {"type": "str"},
    "selevel": {"type": "str"},
    "attributes": {"type": "str", "aliases": ["attr"]},
    "unsafe_writes": {"type": "bool", "default": False},
}
_COPY_PASSTHROUGH = ("mode", "owner", "group", "seuser", "serole", "setype", "selevel", "attributes", "unsafe_writes")
DEFAULT_NEW_FILE_MODE = "0644"


@dataclass
class EditResult:
    """What an edit produced: the new text (None removes the file) and extra result keys."""

    after: Optional[str]
    result: Dict[str, Any] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)


class FileEditAction(ActionBase):
    """Base class for the collection's file-editing action plugins."""

    TRANSFERS_FILES = True
    _requires_connection = True
    ARGUMENT_SPEC: Dict[str, Dict[str, Any]] = {}
    MUTUALLY_EXCLUSIVE: List[List[str]] = []
    REQUIRED_IF: List[Any] = []

    def edit(self, args: Dict[str, Any], before: Optional[str], task_vars: Dict[str, Any]) -> EditResult:
        """Return the new content of ``self.target_path(args)``; raise KataNodeError on bad input."""
        raise NotImplementedError

    def target_path(self, args: Dict[str, Any]) -> str:
        return args["path"]

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        try:
            args = self.validated_args()
            path = self.target_path(args)
            before = self.read_remote(path, task_vars)
            edited = self.edit(args, before, task_vars)
            if edited.after is None:
                outcome = self.remove_remote(path, task_vars, args)
            else:
                outcome = self.write_remote(path, edited.after, task_vars, args)
            result.update(outcome)
            result.update(edited.result)
            result["path"] = path
            self.warn(edited.warnings)
        except KataNodeError as exc:
            result.update(failed=True, msg=str(exc), changed=False)
        except AnsibleActionFail as exc:
            result.update(exc.result)
            # Argument-spec failures carry only a message (their result dict may be empty).
            result.update(failed=True, changed=False)
            result.setdefault("msg", exc.message)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    # --- argument handling -------------------------------------------------

    def validated_args(self) -> Dict[str, Any]:
        spec = dict(FILE_OPTIONS)
        spec.update(self.ARGUMENT_SPEC)
        validation, args = self.validate_argument_spec(
            argument_spec=spec,
            mutually_exclusive=self.MUTUALLY_EXCLUSIVE or None,
            required_if=self.REQUIRED_IF or None,
        )
        del validation
        return args

    @staticmethod
    def warn(warnings: List[str]) -> None:
        # ansible-core 2.19+ expects structured warnings in results: plain strings under
        # result["warnings"] break the output callback, so issue them through Display,
        # which attaches them to this task's result.
        for warning in warnings:
            Display().warning(warning)

    # --- remote file primitives --------------------------------------------

    def _module(self, name: str, module_args: Dict[str, Any], task_vars: Dict[str, Any]) -> Dict[str, Any]:
        return self._execute_module(module_name=name, module_args=module_args, task_vars=task_vars)

    def remote_stat(self, path: str, task_vars: Dict[str, Any]) -> Dict[str, Any]:
        res = self._module("ansible.legacy.stat", {"path": path, "follow": True, "get_checksum": False}, task_vars)
        if res.get("failed"):
            raise AnsibleActionFail(f"Could not stat {path}: {res.get('msg')}", result=res)
        return res["stat"]

    def read_remote(self, path: str, task_vars: Dict[str, Any]) -> Optional[str]:
        """The text of ``path`` on the node, or None when it does not exist."""
        stat = self.remote_stat(path, task_vars)
        if not stat.get("exists"):
            return None
        if stat.get("isdir"):
            raise KataNodeError(f"path: {path} is a directory; give the path of a file.")
        res = self._module("ansible.legacy.slurp", {"src": path}, task_vars)
        if res.get("failed"):
            raise AnsibleActionFail(f"Could not read {path}: {res.get('msg')}", result=res)
        raw = base64.b64decode(res["content"])
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KataNodeError(f"path: {path} is not UTF-8 text ({exc.reason} at byte {exc.start}); fix or replace the file.") from exc

    def ensure_directory(self, path: str, task_vars: Dict[str, Any]) -> Dict[str, Any]:
        """Create a missing parent directory (0755) the way ansible.builtin.file does."""
        res = self._module("ansible.legacy.file", {"path": path, "state": "directory", "mode": "0755"}, task_vars)
        if res.get("failed"):
            raise AnsibleActionFail(f"Could not create directory {path}: {res.get('msg')}", result=res)
        return res

    def write_remote(self, path: str, content: str, task_vars: Dict[str, Any], args: Dict[str, Any],
                     validate: Optional[str] = None) -> Dict[str, Any]:
        """Hand ``content`` to ansible.legacy.copy: check mode, diff, backup, validate, attributes."""
        copy_args: Dict[str, Any] = {k: args.get(k) for k in _COPY_PASSTHROUGH if args.get(k) is not None}
        copy_args.update(content=content, dest=path, follow=True, backup=bool(args.get("backup")))
        validate = validate if validate is not None else args.get("validate")
        if validate:
            copy_args["validate"] = validate

        stat = self.remote_stat(path, task_vars)
        pre: Dict[str, Any] = {}
        if not stat.get("exists"):
            copy_args.setdefault("mode", DEFAULT_NEW_FILE_MODE)
            parent = path.rsplit("/", 1)[0] or "/"
            parent_stat = self.remote_stat(parent, task_vars)
            if not parent_stat.get("exists"):
                pre = self.ensure_directory(parent, task_vars)
                if self._task.check_mode:
                    # copy cannot predict into a directory that does not exist yet.
                    diff = {"before": "", "after": content, "before_header": path, "after_header": path}
                    return {"changed": True, "diff": diff}

        new_task = self._task.copy()
        new_task.args.clear()
        new_task.args.update(copy_args)
        copy_action = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.copy",
            task=new_task,
            connection=self._connection,
            play_context=self._play_context,
            loader=self._loader,
            templar=self._templar,
            shared_loader_obj=self._shared_loader_obj,
        )
        res = copy_action.run(task_vars=task_vars)
        res.pop("invocation", None)
        if res.get("failed"):
            msg = to_text(res.get("msg", ""))
            if validate and ("validat" in msg or res.get("rc")):
                res["msg"] = f"The new {path} was refused by the validate command, so the file was left unchanged: {msg}"
            raise AnsibleActionFail(res["msg"], result=res)
        if pre.get("changed"):
            res["changed"] = True
        return res

    def remove_remote(self, path: str, task_vars: Dict[str, Any], args: Dict[str, Any]) -> Dict[str, Any]:
        """Delete ``path`` (after a backup when asked); unchanged when it is already absent."""
        backup_file = None
        stat = self.remote_stat(path, task_vars)
        if stat.get("exists") and args.get("backup") and not self._task.check_mode:
            backup_file = self._backup_remote(path, task_vars)
        res = self._module("ansible.legacy.file", {"path": path, "state": "absent"}, task_vars)
        if res.get("failed"):
            raise AnsibleActionFail(f"Could not remove {path}: {res.get('msg')}", result=res)
        res.pop("invocation", None)
        if backup_file:
            res["backup_file"] = backup_file
        return res

    def _backup_remote(self, path: str, task_vars: Dict[str, Any]) -> str:
        # The same naming as AnsibleModule.backup_local: <path>.<pid>.<timestamp>~
        dest = f"{path}.{os.getpid()}.{time.strftime('%Y-%m-%d@%H:%M:%S')}~"
        res = self._module("ansible.legacy.copy", {"src": path, "dest": dest, "remote_src": True, "mode": "preserve"},
                           task_vars)
        if res.get("failed"):
            raise AnsibleActionFail(f"Could not back up {path}: {res.get('msg')}", result=res)
        return dest
