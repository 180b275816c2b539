#!/usr/bin/env python
# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build plugins/module_utils/feature_gate_data.py from the Kubernetes reference data.

Usage (from the repository root)::

    build/venv/bin/python tools/gen_feature_gates.py                # writes the data module
    build/venv/bin/python tools/gen_feature_gates.py --check        # exit 1 when the committed file differs
    build/venv/bin/python tools/gen_feature_gates.py --reference DIR --output FILE

``--reference`` defaults to ``../shared/reference/kubernetes`` next to the repository. It must hold:

* ``website-feature-gates-<commit>.tar.gz``: the per-gate pages of the Kubernetes website, whose YAML
  front matter lists the stages of each gate (``stage``, ``defaultValue``, ``fromVersion``, ``toVersion``,
  ``locked``) and ``removed: true`` for gates no component recognizes any more. Used for 1.16 to 1.30,
  and for 1.31+ gates that the code lists do not carry.
* ``versioned_feature_list.<source>.yaml``: the generated per-version lists of the Kubernetes sources
  (``default``, ``lockToDefault``, ``preRelease`` per version). Used for 1.31 and later, where they are
  the better source; the one whose newest entry is older serves the releases it has as released data.

Rules (see docs/feature_gates.md for the reasoning):

1. A website stage covers ``fromVersion..toVersion``; a stage without ``toVersion`` runs to the next
   stage, or to the newest release when it is the last stage of a gate that is not removed.
2. A removed gate is unknown from the release after its last covered one. When its last stage is GA or
   deprecated, the website's ``toVersion`` may already be the removal release (off by one), so that
   release is marked uncertain unless a code list or a verified fact settles it.
3. Verified facts override the pages: PodOverhead (last accepted 1.25, removed 1.26, locked 1.24-1.25)
   and RuntimeClass (last accepted 1.23, removed 1.24, locked 1.20-1.23).
4. Client-go gates (not accepted by kube components) are left out.
5. Names are spelled as the components' ``--help`` spells them (the website spelling) when a code list
   differs only in letter case.
6. Locks before 1.31 are known only from the website's rare ``locked`` key and the facts above; an
   unknown lock of a GA or deprecated stage is written as ``None``.

The output is a plain Python literal so the core stays standard-library only.
"""

from __future__ import annotations

import argparse
import glob
import io
import os
import pprint
import re
import sys
import tarfile

import yaml

FIRST_MINOR = 16
LAST_MINOR = 35
CODE_FROM = 31  # releases from which the versioned code lists are the primary source

CLIENT_GO_GATES = frozenset({"WatchListClient", "InOrderInformers", "InformerResourceVersion"})

# Verified facts (CHANGELOG-1.24/1.26 and the release-branch kube_features.go, see FACTS.md section 1).
FACT_OVERRIDES = {
    "PodOverhead": {"last": 25, "removed": 26, "locked": (24, 25)},
    "RuntimeClass": {"last": 23, "removed": 24, "locked": (20, 23)},
}

STAGES = {"alpha": "alpha", "beta": "beta", "stable": "ga", "ga": "ga", "deprecated": "deprecated"}

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_REFERENCE = os.path.join(os.path.dirname(TOP), "shared", "reference", "kubernetes")
DEFAULT_OUTPUT = os.path.join(TOP, "plugins", "module_utils", "feature_gate_data.py")


def minor(text):
    """'1.31' or '1.31.0' -> 31 (major 1 only; '1.0' in the code lists means 'long before')."""
    match = re.match(r"^v?1\.(\d+)", str(text).strip())
    if not match:
        raise ValueError(f"unexpected version {text!r}")
    return int(match.group(1))


def read_website(tar_path):
    """{name: {'stages': [(from, to|None, stage, default, locked|None)], 'removed': bool}}"""
    gates = {}
    with tarfile.open(tar_path) as tar:
        for member in tar.getmembers():
            name = member.name
            if not member.isfile() or "/feature-gates/" not in name or not name.endswith(".md"):
                continue
            if name.endswith("/index.md"):
                continue
            text = tar.extractfile(member).read().decode("utf-8")
            parts = text.split("---", 2)
            if not text.startswith("---") or len(parts) < 3:
                continue
            front = yaml.safe_load(parts[1]) or {}
            if front.get("content_type") != "feature_gate":
                continue
            stages = []
            for stage in front.get("stages") or []:
                stages.append((
                    minor(stage["fromVersion"]),
                    minor(stage["toVersion"]) if stage.get("toVersion") is not None else None,
                    STAGES[str(stage["stage"]).strip().lower()],
                    bool(stage["defaultValue"]) if "defaultValue" in stage else None,
                    bool(stage["locked"]) if "locked" in stage else None,
                ))
            stages.sort(key=lambda s: s[0])
            # A few deprecated stages omit defaultValue: they keep the default of the stage before.
            for index, stage in enumerate(stages):
                if stage[3] is None and index:
                    stages[index] = stage[:3] + (stages[index - 1][3],) + stage[4:]
            gates[str(front["title"]).strip()] = {"stages": stages, "removed": bool(front.get("removed"))}
    return gates


def read_code_lists(reference):
    """[(newest_minor, {name: [(minor, stage, default, locked)]})], oldest snapshot first."""
    lists = []
    for path in sorted(glob.glob(os.path.join(reference, "versioned_feature_list.*.yaml"))):
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        gates = {}
        newest = 0
        for item in data:
            specs = []
            for spec in item["versionedSpecs"]:
                ver = minor(spec["version"])
                newest = max(newest, ver)
                specs.append((ver, STAGES[spec["preRelease"].lower()], bool(spec["default"]),
                              bool(spec.get("lockToDefault", False))))
            gates[item["name"]] = sorted(specs)
        lists.append((newest, gates))
    lists.sort(key=lambda entry: entry[0])
    return lists


def website_spans(info):
    """Per-minor entries from the website stages: {minor: (stage, default, locked)}."""
    stages = info["stages"]
    per_minor = {}
    for index, (first, last, stage, default, locked) in enumerate(stages):
        if last is None:
            if index + 1 < len(stages):
                last = stages[index + 1][0] - 1
            elif not info["removed"]:
                last = LAST_MINOR
            else:
                last = first
        if locked is None and stage in ("alpha", "beta"):
            locked = False
        for ver in range(first, last + 1):
            per_minor[ver] = (stage, default, locked)
    return per_minor


def code_entry(specs, ver):
    entry = None
    for spec_minor, stage, default, locked in specs:
        if spec_minor <= ver:
            entry = (stage, default, locked)
    return entry


def build(reference):
    tars = sorted(glob.glob(os.path.join(reference, "website-feature-gates-*.tar.gz")))
    if not tars:
        raise SystemExit(f"no website-feature-gates-*.tar.gz in {reference}")
    website = read_website(tars[-1])
    code_lists = read_code_lists(reference)
    by_lower = {name.lower(): name for name in website}

    def spelled(name):
        return by_lower.get(name.lower(), name)

    # Code lists, oldest snapshot first, with names spelled the website's way.
    code = [(newest, {spelled(name): specs for name, specs in gates.items()}) for newest, gates in code_lists]

    names = set(website)
    for dummy, gates in code:
        names.update(gates)
    names -= CLIENT_GO_GATES

    table = {}
    for name in sorted(names):
        info = website.get(name, {"stages": [], "removed": False})
        per_minor = website_spans(info)
        confirmed = set()
        for ver in range(CODE_FROM, LAST_MINOR + 1):
            # The oldest list that reaches this release and carries the gate decides; a list that
            # lacks the gate proves nothing (the gate may have been removed after that release).
            for newest, gates in code:
                if ver <= newest and name in gates:
                    entry = code_entry(gates[name], ver)
                    if entry is not None:
                        per_minor[ver] = entry
                        confirmed.add(ver)
                    # else: not introduced yet per the code list; a website entry, if any, stays
                    # (the sources disagree on a few first releases, and the pages are never later).
                    break
        if not per_minor and not info["stages"]:
            continue

        removed = None
        uncertain = False
        if info["removed"]:
            last = max(per_minor) if per_minor else max(s[1] or s[0] for s in info["stages"])
            last_stage = per_minor[last][0] if per_minor else info["stages"][-1][2]
            removed = last + 1
            uncertain = last_stage in ("ga", "deprecated") and last not in confirmed

        fact = FACT_OVERRIDES.get(name)
        if fact:
            for ver in list(per_minor):
                if ver > fact["last"]:
                    del per_minor[ver]
            low, high = fact["locked"]
            for ver in range(low, high + 1):
                if ver in per_minor:
                    stage, default = per_minor[ver][:2]
                    per_minor[ver] = (stage, default, True)
            removed, uncertain = fact["removed"], False

        spans = []
        for ver in sorted(v for v in per_minor if FIRST_MINOR <= v <= LAST_MINOR):
            entry = per_minor[ver]
            if spans and spans[-1][1] == ver - 1 and spans[-1][2:] == entry:
                spans[-1] = (spans[-1][0], ver) + entry
            else:
                spans.append((ver, ver) + entry)
        if removed is not None and removed > LAST_MINOR + 1:
            removed, uncertain = None, False
        table[name] = (removed, uncertain, tuple(spans))
    return table, tars[-1], [os.path.basename(p) for p in
                             sorted(glob.glob(os.path.join(reference, "versioned_feature_list.*.yaml")))]


HEADER = '''# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Generated by tools/gen_feature_gates.py; do not edit by hand (see tools/README.md).
# Sources: {sources}.
"""Kubernetes feature gates per minor release 1.{first} to 1.{last}, as data.

GATES maps a gate name to ``(removed, uncertain, spans)``:

* ``removed``: the first minor release whose components no longer recognize the gate, or None;
* ``uncertain``: True when the release before ``removed`` may already have dropped the gate (the
  upstream pages are ambiguous by one release there);
* ``spans``: ``(first_minor, last_minor, stage, default, locked)`` runs, stage one of alpha, beta,
  ga, deprecated; ``locked`` is True, False, or None when the lock is not known.
"""

from __future__ import annotations

FIRST_MINOR = {first}
LAST_MINOR = {last}

'''


def render(table, tar_name, code_names):
    sources = ", ".join([os.path.basename(tar_name)] + code_names)
    out = io.StringIO()
    out.write(HEADER.format(first=FIRST_MINOR, last=LAST_MINOR, sources=sources))
    out.write("GATES = {\n")
    for name, (removed, uncertain, spans) in table.items():
        out.write(f"    {name!r}: ({removed!r}, {uncertain!r}, (\n")
        for span in spans:
            out.write(f"        {pprint.pformat(span, width=200)},\n")
        out.write("    )),\n")
    out.write("}\n")
    return out.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reference", default=DEFAULT_REFERENCE, help="folder with the Kubernetes reference data")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="data module to write")
    parser.add_argument("--check", action="store_true", help="compare with the output file instead of writing it")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.reference):
        parser.error(f"reference folder {args.reference} not found; pass --reference")
    table, tar_name, code_names = build(args.reference)
    text = render(table, tar_name, code_names)
    if args.check:
        with open(args.output, encoding="utf-8") as handle:
            same = handle.read() == text
        print("up to date" if same else f"{args.output} differs from the generator's output")
        return 0 if same else 1
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {len(table)} gates to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
