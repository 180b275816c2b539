# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TOML reading and minimal-diff editing of Kata configuration files (controller side, tomlkit).

In-place edits change only the keys asked for; every other byte stays:

* a key present in its table gets its value replaced (the comment after it stays);
* a key missing from its table but present there as a commented-out template line
  (``#key = value`` where the text after ``#`` is a valid TOML assignment of that key) has that
  line replaced by the active assignment, so the setting stays next to its documentation;
* any other missing key is appended to the end of its table, and a missing table to the end of the file;
* removing a key deletes its line.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

try:
    import tomlkit
    from tomlkit.exceptions import ParseError
    from tomlkit.items import Table
except ImportError as _exc:  # pragma: no cover - exercised only without tomlkit
    tomlkit = None
    TOMLKIT_IMPORT_ERROR: Optional[ImportError] = _exc
else:
    TOMLKIT_IMPORT_ERROR = None

DROPIN_HEADER = (
    "# Managed by the kata.node collection (kata.node.kata_config): changes made here are replaced\n"
    "# on its next run. Kata reads this file after ../{main}.\n"
)
_HEADER_RE = re.compile(r"^\s*#?\s*\[\s*([A-Za-z0-9_.\"'-]+)\s*\]\s*(#.*)?$")

Settings = Dict[str, Dict[str, Any]]


def require_tomlkit() -> None:
    if tomlkit is None:
        raise KataNodeError("tomlkit is not installed on the controller; install it with pip install tomlkit "
                            "(it is listed in the collection's requirements).")


def parse(text: str, name: str):
    """Parse ``text`` (the file ``name``) with tomlkit; invalid TOML raises naming the file and line."""
    require_tomlkit()
    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        raise KataNodeError(f"path: {name} is not valid TOML (line {exc.line}, column {exc.col}: "
                            f"{_reason(exc)}); fix the file by hand, nothing was written.") from None


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text.split(" at line ", 1)[0]


def plain(doc) -> Dict[str, Any]:
    """The document as plain Python values."""
    return doc.unwrap()


def _table_ranges(lines: List[str]) -> Dict[str, List[int]]:
    """Active table name -> [first body line, end line) in ``lines``."""
    headers = []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            match = _HEADER_RE.match(stripped)
            if match:
                headers.append((number, match.group(1).replace('"', "").replace("'", "")))
    ranges: Dict[str, List[int]] = {}
    for index, (number, name) in enumerate(headers):
        end = headers[index + 1][0] if index + 1 < len(headers) else len(lines)
        ranges.setdefault(name, [number + 1, end])
    return ranges


def _commented_line(lines: List[str], span: List[int], key: str) -> Optional[int]:
    pattern = re.compile(r"^(\s*)#\s?" + re.escape(key) + r"\s*=")
    for number in range(span[0], span[1]):
        if pattern.match(lines[number]):
            body = lines[number].split("#", 1)[1]
            try:
                tomlkit.parse(body)
            except ParseError:
                continue
            return number
    return None


def _unwrap(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def same_value(left: Any, right: Any) -> bool:
    """Equal and of the same TOML type (1, 1.0 and true differ in a file)."""
    return (left == right and isinstance(left, bool) == isinstance(right, bool)
            and isinstance(left, float) == isinstance(right, float))


def _get_table(doc, table: str):
    node = doc
    for part in table.split("."):
        if part not in node:
            return None
        node = node[part]
        if not isinstance(node, (dict, Table)):
            return None
    return node


def _ensure_table(doc, table: str):
    node = doc
    parts = table.split(".")
    for index, part in enumerate(parts):
        if part not in node:
            new = tomlkit.table(is_super_table=index < len(parts) - 1)
            node.add(part, new)
        node = node[part]
    return node


def edit_text(text: str, name: str, changes: Settings, remove: Optional[Dict[str, List[str]]] = None) -> str:
    """Return ``text`` with ``changes`` set and ``remove`` keys deleted, all other bytes kept."""
    doc = parse(text, name)
    lines = text.splitlines(keepends=True)
    ranges = _table_ranges(lines)
    edited_lines = False
    for table, values in changes.items():
        existing = _get_table(doc, table)
        if table not in ranges:
            continue
        for key, value in values.items():
            if existing is not None and key in existing:
                continue
            number = _commented_line(lines, ranges[table], key)
            if number is not None:
                indent = re.match(r"^(\s*)", lines[number]).group(1)
                ending = "\n" if lines[number].endswith("\n") else ""
                lines[number] = f"{indent}{key} = {tomlkit.item(value).as_string()}{ending}"
                edited_lines = True
    if edited_lines:
        text = "".join(lines)
        doc = parse(text, name)
    for table, values in changes.items():
        target = _ensure_table(doc, table)
        for key, value in values.items():
            if key in target and same_value(_unwrap(target[key]), value):
                continue
            target[key] = value
    for table, keys in (remove or {}).items():
        target = _get_table(doc, table)
        for key in keys:
            if target is not None and key in target:
                del target[key]
    out = tomlkit.dumps(doc)
    _verify(text if not edited_lines else "".join(lines), out, name, changes, remove or {})
    return out


def _verify(before: str, after: str, name: str, changes: Settings, remove: Dict[str, List[str]]) -> None:
    """The edit must leave every other value as it was (guards against tomlkit surprises)."""
    from ansible_collections.kata.node.plugins.module_utils.kata_schema import flatten_tables
    old = flatten_tables(plain(parse(before, name)))
    new = flatten_tables(plain(parse(after, name)))
    for table, values in changes.items():
        old.setdefault(table, {}).update(values)
    for table, keys in remove.items():
        for key in keys:
            old.get(table, {}).pop(key, None)
    if {t: v for t, v in old.items() if v} != {t: v for t, v in new.items() if v}:
        raise KataNodeError(f"path: the edit of {name} would change more than the requested keys; "
                            "edit this file by hand or use mode: dropin.")


def render_dropin(settings: Settings, main: str, order: List[str]) -> str:
    """The whole text of the collection's drop-in for ``settings`` (tables in ``order``, keys sorted)."""
    require_tomlkit()
    doc = tomlkit.document()
    # Only the file name: the same drop-in is right under any root prefix.
    for line in DROPIN_HEADER.format(main=main.rstrip("/").rsplit("/", 1)[-1]).splitlines():
        doc.add(tomlkit.comment(line.lstrip("# ")))
    tables = sorted(settings, key=lambda t: (order.index(t) if t in order else len(order), t))
    for table in tables:
        if not settings[table]:
            continue
        target = _ensure_table(doc, table)
        for key in sorted(settings[table]):
            target[key] = settings[table][key]
    return tomlkit.dumps(doc)
