"""Preflight: what AWS would refuse (or create but not make work), found offline.

The offline plan proves what a `pulumi up` would declare; mocks accept any value. The preflight
checks the recorded graph against AWS's own data (CloudFormation schemas, engine versions,
instance classes, regions, from the pinned cfn-lint and botocore) and against curated rules that
cite the AWS page they encode (`tools/preflight/rules.py`). `plan` runs it beside the policy pack;
an error fails the plan with exit code 3. Each finding names the resource, the property, the value,
the AWS rule and, where it can be traced, the stack-file key and line that set the value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from tools.harness import RecordingMonitor, StackFile
from tools.preflight.graph import Graph
from tools.preflight.rules import RULES, Context, Rule
from tools.preflight.trace import trace

__all__ = ["Finding", "PreflightReport", "RULES", "Rule", "render_report", "run_preflight"]


@dataclass(frozen=True)
class Finding:
    """One problem, located as precisely as the graph and the stack file allow."""

    rule: str
    severity: Literal["error", "advisory"]
    resource: str
    """Logical name of the resource."""
    type: str
    urn: str
    prop: str | None
    """The pulumi input property (camelCase path)."""
    value: Any
    message: str
    source: str
    """The AWS data or page the rule encodes."""
    key: str | None = None
    """The stack-file key that set the value (`platform:database.engine_version`)."""
    line: int | None = None
    """Its line in the stack file (0 or None when the value is a default of the program)."""

    def location(self, stack_file: StackFile | None) -> str:
        """`Pulumi.dev.yaml:25 platform:database.engine_version`, or what is known of it."""
        if stack_file is None:
            return self.key or ""
        return stack_file.location(self.key, self.line)


@dataclass
class PreflightReport:
    """Everything the preflight found in one stack."""

    findings: list[Finding] = field(default_factory=list)
    resources: int = 0
    """Resources checked."""
    rules: int = 0
    """Rules run."""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def advisories(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "advisory"]

    def as_json(self) -> list[dict[str, Any]]:
        """The findings as JSON-ready dicts (`plan --json` and `preflight --json` write them)."""
        return [asdict(f) for f in self.findings]


def run_preflight(monitor: RecordingMonitor, stack_file: StackFile | None = None, *, region: str | None = None,
                  today: date | None = None, rules: tuple[Rule, ...] = RULES) -> PreflightReport:
    """Run every rule over one recorded stack."""
    graph = Graph(monitor)
    config = stack_file.config if stack_file is not None else {}
    context = Context(region=region or config.get("aws:region", "us-east-1"), today=today or date.today())
    report = PreflightReport(resources=len(graph.resources), rules=len(rules))
    for rule in rules:
        for hit in rule.check(graph, context):
            key, line = _locate(stack_file, hit.key, hit.value, hit.prop, hit.resource.name)
            report.findings.append(Finding(
                rule=rule.id, severity=rule.severity, resource=hit.resource.name, type=hit.resource.type,
                urn=hit.resource.urn, prop=hit.prop, value=hit.value, message=hit.message, source=rule.source,
                key=key, line=line))
    return report


def _locate(stack_file: StackFile | None, hint: str | None, value: Any, prop: str | None,
            resource: str) -> tuple[str | None, int | None]:
    """The stack-file key behind a value: traced from the value (within the rule's hinted key, if
    any), else the hinted key itself; line 0 marks a value the stack file leaves to the default."""
    traced = trace(stack_file, value, prop, resource)
    if traced is not None and (hint is None or traced[0].startswith(hint)):
        return traced
    if hint is None:
        return None, None
    return hint, stack_file.lines.get(hint, 0) if stack_file is not None else None


def render_report(report: PreflightReport, stack_file: StackFile | None = None) -> str:
    """The findings, errors first, one block each; empty when there are none."""
    lines: list[str] = []
    for finding in sorted(report.findings, key=lambda f: (f.severity != "error", f.rule, f.urn)):
        head = f"  {finding.severity.upper()} {finding.rule}: {finding.resource} ({finding.type})"
        what = finding.prop or ""
        if finding.value is not None:
            what = f"{what} = {finding.value!r}" if what else repr(finding.value)
        lines += [head, f"    {what}: {finding.message}" if what else f"    {finding.message}"]
        where = finding.location(stack_file)
        if where:
            lines.append(f"    set by {where}")
        lines.append(f"    source: {finding.source}")
    return "\n".join(lines)
