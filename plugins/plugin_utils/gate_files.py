# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and rewrite the feature gates of the files kubelet and the control plane start from.

Each target has a reader (text -> current gates) and a writer (text, gates -> text). The
writers are targeted text edits: only the feature-gate entry (and, for kube-apiserver, the
``--disable-admission-plugins`` entry) changes, every other byte stays. YAML results are
re-parsed and compared with the expected document, so an edit that would change anything
else is refused instead of written.
"""

from __future__ import annotations

import copy
import re
import shlex
from typing import Dict, List, Optional, Tuple

import yaml

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.feature_gates import FLAG, parse_flag_value, render_value

STATIC_POD_COMPONENTS = ("kube-apiserver", "kube-scheduler", "kube-controller-manager")
ADMISSION_FLAG = "--disable-admission-plugins"


def _load_yaml(text: str, path: str):
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise KataNodeError(f"path: {path} is not valid YAML{where}; fix the file on the node first.") from exc


def _fmt(value: bool) -> str:
    return "true" if value else "false"


# --- KubeletConfiguration -----------------------------------------------------------------------

_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(?:\s|$)")


def kubelet_config_gates(text: Optional[str], path: str) -> Dict[str, bool]:
    data = _load_yaml(text or "", path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KataNodeError(f"path: {path} is not a KubeletConfiguration mapping; point path at the kubelet config file.")
    kind = data.get("kind")
    if kind not in (None, "KubeletConfiguration"):
        raise KataNodeError(f"path: {path} holds a {kind}, not a KubeletConfiguration; point path at the kubelet config.")
    gates = data.get("featureGates") or {}
    if not isinstance(gates, dict) or not all(isinstance(v, bool) for v in gates.values()):
        raise KataNodeError(f"path: featureGates in {path} is not a map of gate names to true/false; fix it first.")
    return {str(k): v for k, v in gates.items()}


def _block_end(lines: List[str], start: int) -> int:
    """Index after the indented block that follows the top-level key at ``start``."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line[0].isspace() and not line.startswith("#"):
            break
        end += 1
    # Trailing blank/comment lines belong to what follows.
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        if lines[end - 1].strip() and lines[end - 1][0].isspace():
            break
        end -= 1
    return end


def write_kubelet_config(text: Optional[str], gates: Dict[str, bool], path: str) -> str:
    """``text`` with its top-level featureGates set to ``gates`` (removed when empty)."""
    if not (text or "").strip():
        text = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
    before = _load_yaml(text, path)
    if not isinstance(before, dict):
        raise KataNodeError(f"path: {path} is not a KubeletConfiguration mapping; point path at the kubelet config file.")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    header = next((i for i, line in enumerate(lines) if re.match(r"^featureGates:(\s|$)", line)), None)
    if header is not None:
        end = _block_end(lines, header)
        rest = lines[header][len("featureGates:"):].strip()
        entries = lines[header + 1:end]
        indent = "  "
        for line in entries:
            if line.strip() and not line.lstrip().startswith("#"):
                indent = line[:len(line) - len(line.lstrip())]
                break
        if rest and not rest.startswith("#") and rest not in ("{}", "null", "~"):
            entries = []  # flow style: rewritten as a block below
        new_entries = _edit_map_entries(entries, gates, indent)
        if gates:
            head = "featureGates:\n" if (rest and not rest.startswith("#")) else lines[header]
            lines[header:end] = [head] + new_entries
        else:
            lines[header:end] = [line for line in new_entries if line.lstrip().startswith("#")]
    elif gates:
        block = ["featureGates:\n"] + [f"  {name}: {_fmt(gates[name])}\n" for name in sorted(gates)]
        keys = [(i, m.group(1)) for i, m in ((i, _TOP_KEY.match(line)) for i, line in enumerate(lines)) if m]
        position = len(lines)
        for index, key in keys:
            if key not in ("apiVersion", "kind") and key.lower() > "featuregates":
                position = index
                break
        lines[position:position] = block
    after = "".join(lines)
    expected = dict(before)
    if gates:
        expected["featureGates"] = dict(gates)
    else:
        expected.pop("featureGates", None)
    if _load_yaml(after, path) != expected:
        raise KataNodeError(
            f"path: the featureGates block of {path} has a layout this edit cannot change safely; write it as a "
            f"plain block of 'Name: true' lines and run again.")
    return after


def _edit_map_entries(entries: List[str], gates: Dict[str, bool], indent: str) -> List[str]:
    pattern = re.compile(r"^(\s+)([A-Za-z0-9]+)(\s*:\s*)(\S+)(.*)$", re.S)
    out: List[str] = []
    seen = set()
    for line in entries:
        match = pattern.match(line)
        if not match:
            out.append(line)
            continue
        name = match.group(2)
        if name not in gates:
            continue
        seen.add(name)
        current = match.group(4)
        if current.lower() in ("true", "false") and (current.lower() == "true") == gates[name]:
            out.append(line)
        else:
            out.append(f"{match.group(1)}{name}{match.group(3)}{_fmt(gates[name])}{match.group(5)}")
    for name in sorted(set(gates) - seen):
        line = f"{indent}{name}: {_fmt(gates[name])}\n"
        position = len(out)
        for index, existing in enumerate(out):
            match = pattern.match(existing)
            if match and match.group(2) > name:
                position = index
                break
        out.insert(position, line)
    return out


# --- env file: VAR=--flag ... --feature-gates=... ------------------------------------------------

def _var_line(lines: List[str], variable: str) -> Optional[int]:
    pattern = re.compile(r"^\s*(?:export\s+)?" + re.escape(variable) + r"=")
    found = None
    for index, line in enumerate(lines):
        if pattern.match(line):
            found = index  # the last assignment is the one that counts
    return found


def _split_assignment(line: str, variable: str) -> Tuple[str, str, str, str]:
    """(prefix through '=', quote char, value, trailing text) of ``VAR=value``."""
    prefix, dummy, rest = line.partition(variable + "=")
    prefix += variable + "="
    newline = "\n" if rest.endswith("\n") else ""
    rest = rest[:-1] if newline else rest
    if rest[:1] in ("'", '"'):
        quote = rest[0]
        close = rest.find(quote, 1)
        if close < 0:
            raise KataNodeError(f"{variable}: the value has an unterminated {quote} quote; fix the line first.")
        return prefix, quote, rest[1:close], rest[close + 1:] + newline
    value, dummy, tail = rest.partition(" #")
    return prefix, "", value.rstrip(), (" #" + tail if tail else "") + newline


def flag_gates_from_args(args: str, field: str) -> Dict[str, bool]:
    """Gates from every --feature-gates in a whitespace-separated argument string (last value wins)."""
    tokens = args.split()
    gates: Dict[str, bool] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.startswith(FLAG + "="):
            gates.update(parse_flag_value(token[len(FLAG) + 1:], field))
        elif token == FLAG and index + 1 < len(tokens):
            index += 1
            gates.update(parse_flag_value(tokens[index], field))
        index += 1
    return gates


def args_with_gates(args: str, gates: Dict[str, bool]) -> str:
    """``args`` with one --feature-gates (in place of the first) and every other flag untouched."""
    new_flag = f"{FLAG}={render_value(gates)}" if gates else ""
    tokens = args.split()
    out: List[str] = []
    placed = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        is_flag = token.startswith(FLAG + "=") or token == FLAG
        if token == FLAG:
            index += 1
        if is_flag:
            if not placed and new_flag:
                out.append(new_flag)
            placed = True
        else:
            out.append(token)
        index += 1
    if not placed and new_flag:
        out.append(new_flag)
    if tokens == out:
        return args
    return " ".join(out)


def env_file_gates(text: Optional[str], variable: str) -> Dict[str, bool]:
    lines = (text or "").splitlines(keepends=True)
    index = _var_line(lines, variable)
    if index is None:
        return {}
    value = _split_assignment(lines[index], variable)[2]
    return flag_gates_from_args(value, variable)


def write_env_file(text: Optional[str], gates: Dict[str, bool], variable: str) -> str:
    text = text or ""
    lines = text.splitlines(keepends=True)
    index = _var_line(lines, variable)
    if index is None:
        if not gates:
            return text
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(f"{variable}={FLAG}={render_value(gates)}\n")
        return "".join(lines)
    prefix, quote, value, tail = _split_assignment(lines[index], variable)
    new_value = args_with_gates(value, gates)
    if new_value == value:
        return text
    if not quote and len(new_value.split()) > 1:
        quote = '"'
    lines[index] = f"{prefix}{quote}{new_value}{quote}{tail}"
    result = "".join(lines)
    if env_file_gates(result, variable) != dict(gates):
        raise KataNodeError(f"{variable}: the edited line did not read back as the intended gates; fix the line first.")
    return result


# --- systemd drop-in --------------------------------------------------------------------------------

def exec_start_of(unit_texts: List[str]) -> Optional[str]:
    """The effective ExecStart command of unit files read in systemd's order (an empty one resets)."""
    command = None
    for text in unit_texts:
        joined = re.sub(r"\\\n", " ", text or "")
        section = None
        for line in joined.splitlines():
            stripped = line.strip()
            if stripped.startswith("["):
                section = stripped
                continue
            if section != "[Service]" or not stripped.startswith("ExecStart="):
                continue
            value = stripped[len("ExecStart="):].strip()
            command = value or None
    return command


def uses_variable(command: str, variable: str) -> bool:
    return bool(re.search(r"\$(\{" + re.escape(variable) + r"\}|" + re.escape(variable) + r"(?![A-Za-z0-9_]))",
                          command))


def dropin_gates(text: Optional[str], variable: str) -> Dict[str, bool]:
    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("Environment="):
            try:
                words = shlex.split(stripped[len("Environment="):])
            except ValueError as exc:
                raise KataNodeError(f"path: the drop-in has an unreadable Environment= line ({exc}); fix it.") from exc
            for word in words:
                if word.startswith(variable + "="):
                    return flag_gates_from_args(word[len(variable) + 1:], variable)
    return {}


def render_dropin(gates: Dict[str, bool], variable: str, exec_start: Optional[str]) -> Optional[str]:
    """The drop-in's whole text, or None when no gate remains (the file is removed)."""
    if not gates:
        return None
    lines = [
        "# Managed by kata.node.feature_gates: kubelet feature gates.\n",
        "[Service]\n",
        f'Environment="{variable}={FLAG}={render_value(gates)}"\n',
    ]
    if exec_start is not None:
        lines += ["ExecStart=\n", f"ExecStart={exec_start} ${variable}\n"]
    return "".join(lines)


# --- static Pod manifests --------------------------------------------------------------------------

_ITEM = re.compile(r"^(\s*)-\s+(['\"]?)(.*?)\2\s*$")


def _command_items(lines: List[str], path: str) -> Tuple[int, int, str, str]:
    """(first item index, end index, item indent, component) of the first container's command list."""
    for index, line in enumerate(lines):
        match = _ITEM.match(line.rstrip("\n"))
        if match and match.group(3).rsplit("/", 1)[-1] in STATIC_POD_COMPONENTS:
            if index == 0 or not re.match(r"^\s*(-\s+)?command:\s*$", lines[index - 1]):
                continue
            indent = match.group(1)
            end = index + 1
            while end < len(lines):
                item = _ITEM.match(lines[end].rstrip("\n"))
                if not item or item.group(1) != indent:
                    break
                end += 1
            return index, end, indent, match.group(3).rsplit("/", 1)[-1]
    raise KataNodeError(
        f"path: {path} has no command list starting with kube-apiserver, kube-scheduler or kube-controller-manager in "
        f"block style; point path at a kubeadm static Pod manifest.")


def static_pod_info(text: Optional[str], path: str) -> Tuple[str, Dict[str, bool], Optional[str]]:
    """(component, gates, image tag) of a static Pod manifest."""
    if not text:
        raise KataNodeError(f"path: {path} does not exist; static Pod manifests are not created, point path at one.")
    data = _load_yaml(text, path)
    try:
        container = data["spec"]["containers"][0]
        command = list(container["command"])
    except (TypeError, KeyError, IndexError) as exc:
        raise KataNodeError(f"path: {path} is not a Pod with a container command; point path at a static Pod manifest.") \
            from exc
    lines = text.splitlines(keepends=True)
    component = _command_items(lines, path)[3]
    gates: Dict[str, bool] = {}
    for item in command[1:]:
        if isinstance(item, str) and item.startswith(FLAG + "="):
            gates.update(parse_flag_value(item[len(FLAG) + 1:], f"{path} {FLAG}"))
    image = container.get("image") if isinstance(container, dict) else None
    tag = image.rsplit(":", 1)[1] if isinstance(image, str) and ":" in image.rsplit("/", 1)[-1] else None
    return component, gates, tag


def write_static_pod(text: str, gates: Dict[str, bool], path: str, allow_runtimeclass: bool = True) \
        -> Tuple[str, List[str]]:
    """(new text, warnings): one --feature-gates item set to ``gates``; RuntimeClass admission re-enabled."""
    data = _load_yaml(text, path)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start, end, indent, component = _command_items(lines, path)
    warnings: List[str] = []
    items = lines[start + 1:end]
    values = [_ITEM.match(line.rstrip("\n")).group(3) for line in items]
    new_items: List[str] = []
    placed = False
    for line, value in zip(items, values):
        if value.startswith(FLAG + "="):
            if gates and not placed:
                new_value = f"{FLAG}={render_value(gates)}"
                new_items.append(line if value == new_value else f"{indent}- {new_value}\n")
            placed = True
            continue
        if component == "kube-apiserver" and allow_runtimeclass and value.startswith(ADMISSION_FLAG + "="):
            plugins = [p for p in value[len(ADMISSION_FLAG) + 1:].split(",") if p]
            if "RuntimeClass" in plugins:
                kept = [p for p in plugins if p != "RuntimeClass"]
                warnings.append(
                    f"RuntimeClass was listed in {ADMISSION_FLAG} of {path}; removed it, because without that admission "
                    f"plugin pods get no RuntimeClass overhead or scheduling.")
                if kept:
                    new_items.append(f"{indent}- {ADMISSION_FLAG}={','.join(kept)}\n")
                continue
        new_items.append(line)
    if gates and not placed:
        new_line = f"{indent}- {FLAG}={render_value(gates)}\n"
        position = len(new_items)
        for index, line in enumerate(new_items):
            value = _ITEM.match(line.rstrip("\n")).group(3)
            if value.startswith("--") and value.split("=", 1)[0] > FLAG:
                position = index
                break
        new_items.insert(position, new_line)
    lines[start + 1:end] = new_items
    after = "".join(lines)
    if after == text or (after == text + "\n" and not text.endswith("\n")):
        return text, warnings
    expected = copy.deepcopy(data)
    command = expected["spec"]["containers"][0]["command"]
    rebuilt = [command[0]] + [_ITEM.match(line.rstrip("\n")).group(3) for line in new_items]
    expected["spec"]["containers"][0]["command"] = rebuilt
    if _load_yaml(after, path) != expected:
        raise KataNodeError(
            f"path: the command list of {path} has a layout this edit cannot change safely; use one '- --flag=value' "
            f"item per line and run again.")
    return after, warnings
