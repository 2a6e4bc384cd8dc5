"""`plan`: evaluate a stack offline and show what a `pulumi up` would declare.

Prints the resource tree (component -> children, counted by type, with protect/retain marks) and
writes the recorded graph as JSON on request.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, astuple
from pathlib import Path

from tools.cost import Estimate, budget_lines
from tools.harness import Recorded, RecordingMonitor, StackFile, graph_json
from tools.policy_run import PolicyReport
from tools.preflight import PreflightReport
from tools.runtime import RuntimeReport


def _short(typ: str) -> str:
    """`aws:ec2/subnet:Subnet` -> `ec2:Subnet`; component tokens keep their last part."""
    if typ.startswith("aws:"):
        module = typ.split(":")[1].split("/")[0]
        return f"{module}:{typ.rsplit(':', 1)[-1]}"
    return typ


def _marks(rec: Recorded) -> str:
    marks = [m for m, on in (("protect", rec.protect), ("retain", rec.retain_on_delete)) if on]
    return f" [{', '.join(marks)}]" if marks else ""


def render_tree(monitor: RecordingMonitor, stack_file: StackFile, verbose: bool = False) -> str:
    """Components with their descendants grouped by type; with `verbose`, then totals by type."""
    records = list(monitor.records())
    top = [r for r in records if monitor.component_of(r) is None and r.type.startswith("platform:components:")]
    owned: dict[str, list[Recorded]] = defaultdict(list)
    loose: list[Recorded] = []
    for rec in records:
        if rec.type.startswith("platform:components:") and monitor.component_of(rec) is None:
            continue
        owner = monitor.component_of(rec)
        (owned[owner.urn] if owner else loose).append(rec)
    custom = [r for r in records if r.custom]
    lines = [
        f"stack {stack_file.name} ({stack_file.path.name}): "
        f"{len(custom)} resources in {len(top)} components",
        "",
    ]
    for comp in sorted(top, key=lambda r: r.name):
        children = sorted(owned[comp.urn], key=lambda r: r.name)
        lines.append(f"{comp.name}  ({comp.type}, {len(children)} resources)")
        by_type: dict[str, list[Recorded]] = defaultdict(list)
        for child in children:
            by_type[child.type].append(child)
        for typ, group in sorted(by_type.items(), key=lambda kv: _short(kv[0])):
            names = ", ".join(f"{c.name}{_marks(c)}" for c in group)
            lines.append(f"  {_short(typ):<44} x{len(group):<3} {names}")
        lines.append("")
    if loose:
        lines.append("outside any component:")
        lines.extend(f"  {_short(r.type):<44} {r.name}" for r in loose)
        lines.append("")
    if verbose:
        counts = Counter(_short(r.type) for r in custom)
        lines.append("by type:")
        lines.extend(f"  {typ:<44} {n}" for typ, n in sorted(counts.items()))
    return "\n".join(lines).rstrip("\n")


def write_json(monitor: RecordingMonitor, stack_file: StackFile, path: Path, report: PolicyReport | None = None,
               preflight: PreflightReport | None = None, runtime: RuntimeReport | None = None) -> None:
    """Write the recorded graph (types, names, parents, camelCase inputs, options), policy and preflight results."""
    document = graph_json(monitor, stack_file)
    if report is not None:
        # Sorted: the policies see resources in registration order, which follows when Outputs resolve.
        document["policy"] = {"violations": [asdict(v) for v in sorted(report.violations, key=astuple)],
                              "disabled": report.skipped,
                              "waived": [{"rule": r, "urn": u, "waiver": {**asdict(w), "expires": str(w.expires)}}
                                         for r, u, w in sorted(report.waived, key=lambda w: (w[0], w[1]))],
                              "notFullyCheckable": sorted(report.not_checkable), "undecided": sorted(report.unknown)}
    if preflight is not None:
        document["preflight"] = preflight.as_json()
    if runtime is not None:
        document["runtime"] = runtime.as_json()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")


def render_summary(monitor: RecordingMonitor, stack_file: StackFile, report: PolicyReport,
                   json_path: Path | None = None, cost: Estimate | None = None,
                   drawings: list[Path] | None = None, preflight: PreflightReport | None = None,
                   runtime: RuntimeReport | None = None) -> str:
    """The one-screen summary that ends `plan`."""
    custom = [r for r in monitor.records() if r.custom]
    per_component = Counter(monitor.component_name(r) for r in custom)
    lines = [f"summary for {stack_file.name}",
             f"  resources: {len(custom)} ({', '.join(f'{n} {c}' for c, n in sorted(per_component.items()))})"]
    if preflight is not None:
        lines.append(f"  preflight: {preflight.rules} rules, {len(preflight.errors)} error(s) AWS would refuse, "
                     f"{len(preflight.advisories)} advisory finding(s)")
    if runtime is not None:
        lines.append(f"  run time:  {runtime.needs} needs of the workloads proven ({runtime.requests} requests), "
                     f"{len(runtime.findings)} that would fail once deployed")
    lines.append(f"  policies:  {report.evaluated} evaluated, {len(report.mandatory)} mandatory and "
                 f"{len(report.advisory)} advisory violation(s), {len(report.skipped)} disabled with a reason"
                 + (f", {len(report.waived)} waived" if report.waived else "")
                 + (f", {len(report.opt_in)} opt-in off" if report.opt_in else "")
                 + (f", {len(report.not_checkable)} remote component(s) not fully checkable" if report.not_checkable else ""))
    if cost is not None:
        unpriced = sum(1 for x in cost.lines if x.kind == "unpriced")
        lines.append(f"  cost:      {cost.total('fixed'):,.2f} fixed + {cost.total('usage'):,.2f} usage ({cost.profile} profile) "
                     f"= {cost.total():,.2f} {cost.currency}/month" + (f", {unpriced} item(s) unpriced" if unpriced else "")
                     + (f" [{cost.region} shown at {cost.priced_region} prices]" if cost.other_region else "")
                     + " (itemised by the cost verb)")
        for line in cost.unpriced_lines():
            lines.append(f"  WARNING:   unpriced, left out of the cost: {line.component}/{line.resource}: {line.item}")
        lines.extend(f"  {entry}" for entry in budget_lines(cost))
    from tools.new_stack import review_lines

    review = review_lines(stack_file.path)
    if review:
        lines.append(f"  REVIEW:    {len(review)} line(s) still carry the values of the stack this one was copied from "
                     f"(marked `# from <stack>: review`; remove a mark once the value suits this stack): "
                     f"lines {', '.join(map(str, review))}")
    if drawings:
        from tools.diagram import graphviz_available

        hint = "" if graphviz_available() else " (no PNG/SVG: graphviz's `dot` is missing; apt-get install graphviz)"
        lines.append(f"  diagram:   {', '.join(str(d) for d in drawings)}{hint}")
    if json_path is not None:
        lines.append(f"  graph:     {json_path}")
    if preflight is not None and preflight.errors:
        verdict = "FAIL (preflight: AWS would refuse; exit 3)"
    elif runtime is not None and runtime.findings:
        verdict = "FAIL (run time: a workload would deploy but not work; exit 7)"
    elif report.mandatory:
        verdict = "FAIL (mandatory policy violations; exit 1)"
    elif cost is not None and cost.over_budget():
        verdict = "FAIL (over budget; exit 5)"
    else:
        verdict = "ok"
    lines.append("  result:    " + verdict)
    return "\n".join(lines)
