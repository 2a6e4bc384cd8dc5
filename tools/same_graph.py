"""`same-graph`: prove a refactor changes nothing AWS would see and no message a user would read.

Runs `plan --json` for every committed stack file (`Pulumi.*.yaml` and `examples/Pulumi.*.yaml`)
in a git ref's tree and in the working tree, and compares the recorded graphs resource by resource:
URNs, types, inputs, options, exports, policy and preflight verdicts. Dependency lists are compared
as sets (their order follows when Outputs resolve, which is not deterministic).

Then it breaks each of those stack files in every way a typo can (each key dropped, renamed, or its
value replaced by a string or a negative number) and compares the config errors both trees give:
every message must name the same keys; changed wordings are listed.

    ./run same-graph HEAD~3        exit 0: identical; 1: differences, listed per stack and URN
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.harness import PROJECT_DIR


def stack_files(root: Path) -> list[Path]:
    """Every committed stack file under `root`, relative to it."""
    found = sorted(root.glob("Pulumi.*.yaml")) + sorted((root / "examples").glob("Pulumi.*.yaml"))
    return [p.relative_to(root) for p in found]


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("dependsOn", "propertyDependencies") and isinstance(v, list)
                else _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


class RefError(Exception):
    """A git ref that names no commit here."""


class PlanError(Exception):
    """A tree's `plan` wrote no graph (its stack file or config is invalid there)."""


@contextmanager
def git_tree(ref: str) -> Iterator[Path]:
    """The files of `ref` (as committed) in a temporary directory, for as long as the block runs."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "archive", ref], cwd=PROJECT_DIR, capture_output=True, check=False)
        if archive.returncode != 0:
            raise RefError(f"{ref!r} is not a git ref here ({archive.stderr.decode().strip()}); "
                           "use a branch, tag or commit, e.g. main or HEAD~2")
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        yield base


# Runs inside either tree through its CLI entry point (`tools.__main__.main`, which every ref has), so
# `plan` and `cost` price the same cached run of the program instead of running it twice.
_PLAN_SCRIPT = r"""
import sys
sys.path.insert(0, ".")
from tools.__main__ import main
stack, graph, cost = sys.argv[1:4]
code = main(["plan", stack, "--json", graph])
if cost and code not in (2, 4):  # bad input or a crash: plan said so once already
    main(["cost", stack, "--json", cost])
sys.exit(code)
"""


def graph(root: Path, stack: Path, *, cost: bool = False) -> dict[str, Any]:
    """The normalised `plan --json` of one stack file, run with `root`'s own program and tools; with
    `cost`, its monthly estimate too (`cost`: USD, None when that tree's `cost` wrote nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        out, priced = Path(tmp) / "graph.json", Path(tmp) / "cost.json"
        # Exit codes 1 (policy), 3 (preflight) and 5 (budget) still write the graph; the verdicts are compared too.
        run = subprocess.run([sys.executable, "-c", _PLAN_SCRIPT, str(stack), str(out), str(priced) if cost else ""],
                             cwd=root, capture_output=True, text=True, check=False)
        if not out.exists():
            where = "the working tree" if root == PROJECT_DIR else f"the tree in {root}"
            raise PlanError(f"{stack} does not plan in {where} (exit {run.returncode}):\n{run.stderr.strip()[-2000:]}")
        data = json.loads(out.read_text())
        if cost:
            data["cost"] = json.loads(priced.read_text())["monthly_total"] if priced.exists() else None
    # The resources are sorted by URN (graph_json) and the PreflightReport is sorted; the policy lists are sorted
    # here, as refs before 2026-11-30 wrote them in registration order (which follows when Outputs resolve).
    data["resources"] = {r["urn"]: _normalise(r) for r in data["resources"]}
    for key, found in (data.get("policy") or {}).items():
        if isinstance(found, list):
            data["policy"][key] = sorted(found, key=lambda item: json.dumps(item, sort_keys=True))
    return data


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences between two normalised graphs."""
    lines: list[str] = []
    old, new = before["resources"], after["resources"]
    lines += [f"  - removed {urn}" for urn in sorted(set(old) - set(new))]
    lines += [f"  + added   {urn}" for urn in sorted(set(new) - set(old))]
    for urn in sorted(set(old) & set(new)):
        for key in sorted(set(old[urn]) | set(new[urn])):
            if old[urn].get(key) != new[urn].get(key):
                lines.append(f"  ~ {urn}: {key}\n      before {json.dumps(old[urn].get(key), sort_keys=True)[:400]}"
                             f"\n      after  {json.dumps(new[urn].get(key), sort_keys=True)[:400]}")
    for key in sorted((set(before) | set(after)) - {"resources"}):
        old_value, new_value = before.get(key), after.get(key)
        if old_value == new_value:
            continue
        if isinstance(old_value, dict) and isinstance(new_value, dict):  # exports: name the entries
            changed = sorted(k for k in set(old_value) | set(new_value) if old_value.get(k) != new_value.get(k))
            lines.append(f"  ~ {key}: {', '.join(changed)}")
        else:
            lines.append(f"  ~ {key} differs")
    return lines


# Runs inside either tree (only `stack_config.from_mapping` and `tools.harness.load_stack_config`,
# which both trees have): prints {mutation: error lines} for every mutation of every stack file.
_ERRORS_SCRIPT = r"""
import copy, json, sys
from pathlib import Path
sys.path.insert(0, ".")
import stack_config
from tools.harness import load_stack_config

def paths(node, at):
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield at + [key]
        yield from paths(value, at + [key])

out = {}
for name in json.loads(sys.argv[1]):
    sf = load_stack_config(Path(name))
    raw = {"region": sf.config.get("aws:region")}
    for full, value in sf.config.items():
        if full.startswith(sf.project + ":"):
            key = full.split(":", 1)[1]
            try:
                raw[key] = value if key in ("env", "layer") else json.loads(value)
            except ValueError:
                raw[key] = value
    for path in list(paths(raw, [])):
        for kind in ("drop", "rename", "string", "negative"):
            broken = copy.deepcopy(raw)
            parent = broken
            for key in path[:-1]:
                parent = parent[key]
            last = path[-1]
            if kind == "rename" and not isinstance(parent, dict):
                continue
            if kind in ("drop", "rename"):
                value = parent.pop(last)
                if kind == "rename":
                    parent[f"{last}x"] = value
            else:
                parent[last] = "zz-not-valid" if kind == "string" else -7
            try:
                stack_config.from_mapping(broken, "x", sf.stack)
                lines = []
            except stack_config.ConfigError as exc:
                lines = sorted(line.strip() for line in str(exc).splitlines()[1:])
            except Exception as exc:  # a traceback instead of a message: a bug either tree may have
                lines = [f"crash: {type(exc).__name__}: {exc}"]
            out[f"{name} {'.'.join(map(str, path))} {kind}"] = lines
print(json.dumps(out))
"""


def config_errors(root: Path, stacks: list[Path]) -> dict[str, list[str]]:
    """{mutation: the error lines `root`'s stack_config gives for it} (see `_ERRORS_SCRIPT`)."""
    run = subprocess.run([sys.executable, "-c", _ERRORS_SCRIPT, json.dumps([str(s) for s in stacks])],
                         cwd=root, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"same-graph: config errors failed in {root}:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


def error_differences(before: dict[str, list[str]], after: dict[str, list[str]],
                      ) -> tuple[list[str], list[str], list[str]]:
    """(mutations whose messages name other keys or now crash, whose wording alone changed, that
    crashed before and now give a message)."""
    def keys(lines: list[str]) -> list[str]:
        return sorted(line.split(": ", 1)[0] for line in lines)

    def crashed(lines: list[str] | None) -> bool:
        return bool(lines) and lines[0].startswith("crash: ")

    fixed = [m for m in sorted(before) if crashed(before[m]) and not crashed(after.get(m))]
    moved = [m for m in sorted(before) if m not in fixed and keys(before[m]) != keys(after.get(m, []))]
    reworded = [m for m in sorted(before) if m not in fixed + moved and before[m] != after.get(m)]
    return moved, reworded, fixed


def main(argv: list[str]) -> int:
    """Compare every stack's graph at `argv[0]` (a git ref) with the working tree's."""
    if len(argv) != 1:
        print("usage: ./run same-graph <git-ref>", file=sys.stderr)
        return 2
    ref = argv[0]
    try:
        with git_tree(ref) as base:
            stacks = sorted(set(stack_files(base)) | set(stack_files(PROJECT_DIR)))
            failed = 0
            for stack in stacks:
                if not (base / stack).exists() or not (PROJECT_DIR / stack).exists():
                    print(f"{stack}: only in {'the working tree' if (PROJECT_DIR / stack).exists() else ref}")
                    failed += 1
                    continue
                before, after = graph(base, stack), graph(PROJECT_DIR, stack)
                diff = differences(before, after)
                print(f"{stack}: {len(after['resources'])} resources, "
                      f"{'identical' if not diff else f'{len(diff)} differences'}")
                print("\n".join(diff)) if diff else None
                failed += bool(diff)
            both = [s for s in stacks if (base / s).exists() and (PROJECT_DIR / s).exists()]
            before, after = config_errors(base, both), config_errors(PROJECT_DIR, both)
    except RefError as exc:
        print(f"same-graph: {exc}", file=sys.stderr)
        return 2
    moved, reworded, fixed = error_differences(before, after)
    refused = sum(1 for lines in before.values() if lines)
    print(f"config errors: {len(before)} broken variants of those stacks, {refused} refused; "
          f"{len(moved)} name other keys (or crash), {len(reworded)} reworded, {len(fixed)} crashes fixed")
    for mutation in moved + reworded + fixed:
        mark = "~ keys" if mutation in moved else "~ text" if mutation in reworded else "+ fixed"
        print(f"  {mark} {mutation}\n      before {before[mutation]}\n      after  {after.get(mutation)}")
    print(f"same-graph {ref}: {len(stacks) - failed} of {len(stacks)} stacks identical")
    return 1 if failed or moved else 0
