"""The run-time stage: what a deployed stack needs to keep working, proven from the recorded graph.

The preflight proves AWS would accept what the stack declares; this stage proves the workloads could
then do their job. Every component declares the run-time needs of the workloads it creates
(`components._runtime`: the calls a task, a job, a controller or an AWS service acting for us makes,
the connections it opens, the secrets it must see change); the stage proves each against the graph:

- `access`: IAM, resource and KMS key policies together allow every call (`tools/runtime/iam.py`
  follows AWS's evaluation logic; `access.py`);
- `network`: security groups and routes give every connection a path, and no data store admits a
  group that declared no connection to it (`network.py`);
- `refresh`, `singleton`, `grace`, `await`: what only goes wrong later (`lifetime.py`);
- `ci`: the deploy role can create, and the preview role refresh, everything the stack holds, and both
  reach the EKS API (`ci.py`).

A finding names the workload, what it cannot do, what should grant or open it, the stack-file key it
traces to and the source; `plan` fails with exit code 7 on any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from tools.harness import MOCK_ACCOUNT, Recorded, RecordingMonitor, StackFile
from tools.runtime import access, ci, lifetime, network, policies

__all__ = ["CHECKS", "RuntimeFinding", "RuntimeReport", "needs_of", "render_report", "run_runtime"]

CHECKS: dict[str, tuple[str, str]] = {
    "access": ("Every AWS call a workload makes is allowed by the identity, resource and KMS key policies together "
               "(explicit deny wins; Action/NotAction, Resource/NotResource, wildcards, conditions).", access.SOURCE),
    "network": ("Every declared connection (to a data store, a peer, a target, an AWS API) has a path through "
                "security groups and routes; no data store admits anything that declared no connection to it.",
                network.SOURCE),
    "events": ("Every event a workload relies on (an upload, a failed job) has a rule and a target delivering it, "
               "with a role that may.", lifetime.SOURCES["events"]),
    "refresh": ("A secret read at start restarts its workload when it changes (ECS: redeploy on Secret Label "
                "Updated; EKS: CSI rotation + Reloader).", lifetime.SOURCES["refresh"]),
    "singleton": ("A scheduler (celery beat) never runs twice, not even during a deployment.",
                  lifetime.SOURCES["singleton"]),
    "grace": ("The load balancer's health-check grace covers the container's declared start period.",
              lifetime.SOURCES["grace"]),
    "await": ("What Pulumi waits for can happen (an Ingress's address), and what autoscales has a metrics source "
              "and a node autoscaler; secrets volumes have a CSI driver where pods run.", lifetime.SOURCES["await"]),
    "ci": ("The deploy role can create and the preview role refresh every resource of the stack, and both reach "
           "the EKS API.", ci.SOURCE),
}
"""Every check: what it proves and on whose authority (docs/runtime.md and the tests read this)."""


@dataclass(frozen=True)
class RuntimeFinding:
    """One thing a workload would not be able to do once deployed."""

    check: str
    workload: str
    need: str
    """What it needs, in the stack's terms (`s3:GetObject on arn:...`, `TCP 5432 to sg-...`)."""
    missing: str
    """Why it would fail."""
    fix: str
    """The resource that should grant or open it."""
    why: str = ""
    """What breaks, in words."""
    key: str | None = None
    line: int | None = None
    source: str = ""

    def location(self, stack_file: StackFile | None) -> str:
        """Where the need traces to in the stack file."""
        if stack_file is None:
            return self.key or ""
        return stack_file.location(self.key, self.line)


@dataclass
class RuntimeReport:
    """Everything the stage proved and found for one stack."""

    findings: list[RuntimeFinding] = field(default_factory=list)
    needs: int = 0
    """Needs proven."""
    requests: int = 0
    """Single requests (action x resource) evaluated."""

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.findings]


def needs_of(monitor: RecordingMonitor) -> list[dict[str, Any]]:
    """Every need the stack's components declared, in registration order."""
    found: list[dict[str, Any]] = []
    for rec in monitor.records():
        if rec.type.startswith("platform:components:") and not rec.read:
            found += [n for n in rec.registered_outputs.get("runtime_needs") or [] if isinstance(n, Mapping)]
    return found


def _components(monitor: RecordingMonitor, kind: str) -> list[Recorded]:
    return [r for r in monitor.records() if r.type == f"platform:components:{kind}"]


def _stores(monitor: RecordingMonitor) -> dict[str, str]:
    """Security groups guarding data stores: this stack's database, cache and file system, and the data stack's
    ones this (app) stack adds rules to."""
    stores = {}
    for kind in ("Database", "Cache", "FileSystem"):
        for rec in _components(monitor, kind):
            group = rec.registered_outputs.get("security_group_id")
            if group:
                stores[str(group)] = f"{kind.lower()} {rec.name}"
    for layer in _components(monitor, "DataLayer"):
        for rec in monitor.children_of(layer.urn):
            if rec.type == network.INGRESS:
                stores.setdefault(str(rec.inputs.get("securityGroupId")), "the data stack's store")
    return stores


def run_runtime(monitor: RecordingMonitor, stack_file: StackFile | None = None, *,
                region: str | None = None) -> RuntimeReport:
    """Prove every need of one recorded stack."""
    config = stack_file.config if stack_file is not None else {}
    region = region or config.get("aws:region", "us-east-1")
    project = stack_file.project if stack_file is not None else "platform"
    needs = needs_of(monitor)
    index = policies.index(monitor, MOCK_ACCOUNT)
    net = network.build(monitor)
    report = RuntimeReport(needs=len(needs))
    findings: list[RuntimeFinding] = []

    def add(check: str, workload: str, need: str, missing: str, fix: str, key: str | None, why: str = "") -> None:
        line = stack_file.line_of(key) if stack_file is not None else None
        findings.append(RuntimeFinding(check, workload, need, missing, fix, why, key, line, CHECKS[check][1]))

    for need in needs:
        if need["kind"] == "access":
            report.requests += len(need["actions"]) * len(need["resources"])
            for denied in access.prove(need, index):
                r = denied.request
                add("access", need["workload"], f"{r.action} on {r.resource}", denied.decision.reason,
                    denied.grantor, need.get("key"), need.get("why", ""))
        elif need["kind"] == "connection":
            for blocked in network.connect(net, region, need):
                add("network", need["workload"], f"TCP {int(need['port'])} to {need['target']}", blocked.what,
                    blocked.opener, need.get("key"), need.get("why", ""))
    connections = [n for n in needs if n["kind"] == "connection"]
    for rule, what in network.undeclared(net, _stores(monitor), connections):
        source = rule.peer or (str(rule.cidr) if rule.cidr else rule.prefix_list)
        add("network", f"whatever runs in {source}", f"TCP {rule.from_port}-{rule.to_port} into {what}",
            "the data store admits it, but nothing declared a connection to it", f"remove rule {rule.record.name}, or "
            "declare the connection (services.<name>.connects_to)", None)
    for problem in lifetime.refreshes(monitor, index, [n for n in needs if n["kind"] == "refresh"]):
        add(problem.check, problem.workload, "a restart when its secrets change", problem.what, problem.fix, problem.key)
    for problem in lifetime.triggers(monitor, index, [n for n in needs if n["kind"] == "trigger"]):
        add(problem.check, problem.workload, "its events", problem.what, problem.fix, problem.key)
    for problem in lifetime.managed(monitor, index, [n for n in needs if n["kind"] == "managed"]):
        add(problem.check, problem.workload, "its AWS-documented managed policy", problem.what, problem.fix, problem.key)
    for check in lifetime.CHECKS.values():
        for problem in check(monitor):
            add(problem.check, problem.workload, problem.check, problem.what, problem.fix, problem.key)
    for problem in lifetime.controller_features(monitor, index):
            add(problem.check, problem.workload, problem.check, problem.what, problem.fix, problem.key)
    roles = _ci_roles(monitor)
    if roles:
        for gap in ci.gaps(monitor, index, roles, f"/{project}/"):
            add("ci", f"the {gap.role} role", f"{gap.action} on {gap.resource}",
                f"{gap.reason} (needed by {', '.join(gap.types)})", f"the {gap.role} role's policies (GithubDeploy)",
                "github")
        for role, missing in ci.eks_access(monitor, roles):
            add("ci", f"the {role} role", "Kubernetes API access", f"it has no {missing}",
                "an EKS access entry for the role (KubernetesService admin_role_arns / viewer_role_arns)", "github")
    report.findings = list(dict.fromkeys(findings))  # one finding per distinct problem, in the order found
    return report


def _ci_roles(monitor: RecordingMonitor) -> dict[str, str]:
    for rec in _components(monitor, "GithubDeploy"):
        out = rec.registered_outputs
        return {k: str(out[f"{k}_role_arn"]) for k in ("deploy", "preview") if out.get(f"{k}_role_arn")}
    return {}


def render_report(report: RuntimeReport, stack_file: StackFile | None = None) -> str:
    """The findings, one block each; empty when there are none."""
    lines: list[str] = []
    for f in sorted(report.findings, key=lambda f: (f.check, f.workload, f.need)):
        lines += [f"  ERROR {f.check}: {f.workload}", f"    needs {f.need}: {f.missing}"]
        if f.why:
            lines.append(f"    (to {f.why})")
        lines.append(f"    fix: {f.fix}")
        where = f.location(stack_file)
        if where:
            lines.append(f"    traces to {where}")
        lines.append(f"    source: {f.source}")
    return "\n".join(lines)
