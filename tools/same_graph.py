"""`same-graph`: prove a refactor changes nothing AWS would see.

Runs `plan --json` for every committed stack file (`Pulumi.*.yaml` and `examples/Pulumi.*.yaml`)
in a git ref's tree and in the working tree, and compares the recorded graphs resource by resource:
URNs, types, inputs, options, exports, policy and preflight verdicts. Dependency lists are compared
as sets (their order follows when Outputs resolve, which is not deterministic).

    ./run same-graph HEAD~3        exit 0: identical; 1: differences, listed per stack and URN
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
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


def graph(root: Path, stack: Path) -> dict[str, Any]:
    """The normalised `plan --json` of one stack file, run with `root`'s own program and tools."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "graph.json"
        # Exit codes 1 (policy) and 3 (preflight) still write the graph; the verdicts are compared too.
        run = subprocess.run([sys.executable, "-m", "tools", "plan", str(stack), "--json", str(out)],
                             cwd=root, capture_output=True, text=True, check=False)
        if not out.exists():
            raise SystemExit(f"same-graph: plan {stack} failed in {root} (exit {run.returncode}):\n{run.stderr[-2000:]}")
        data = json.loads(out.read_text())
    # The PreflightReport and policy lists are already sorted; the resources by URN (graph_json).
    data["resources"] = {r["urn"]: _normalise(r) for r in data["resources"]}
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


def main(argv: list[str]) -> int:
    """Compare every stack's graph at `argv[0]` (a git ref) with the working tree's."""
    if len(argv) != 1:
        print("usage: ./run same-graph <git-ref>", file=sys.stderr)
        return 2
    ref = argv[0]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "archive", ref], cwd=PROJECT_DIR, capture_output=True, check=False)
        if archive.returncode != 0:
            print(f"same-graph: {ref!r} is not a git ref here: {archive.stderr.decode().strip()}", file=sys.stderr)
            return 2
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
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
    print(f"same-graph {ref}: {len(stacks) - failed} of {len(stacks)} stacks identical")
    return 1 if failed else 0
