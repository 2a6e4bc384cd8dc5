"""Run the policy pack over a recorded graph, as the engine's analyzer would.

Resource policies get each registration's inputs, stack policies the outputs, both through
pulumi_policy's unknown-checking proxy; options (protect, ...), parents and dependencies are
wired up; per-policy config (`policies/config.<stack>.json`, the same file CI passes with
`--policy-pack-config`) sets enforcement levels and properties, with the schema's defaults.
Remote components are reported as not fully checkable: their children exist only in real runs.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from policies.framework import Waiver, judge, today, waivers_of
from tools.harness import Recorded, RecordingMonitor, StackFile

PACK_DIR = Path(__file__).resolve().parent.parent / "policies"
"""The pack beside this code (not the harness's PROJECT_DIR, which a test may point at a scratch copy)."""


class PolicyConfigError(Exception):
    """The policy config file is malformed (unknown rule, bad level, disabled without a reason)."""


@dataclass(frozen=True)
class Violation:
    """One report from one policy."""

    policy: str
    enforcement: str
    urn: str
    message: str


@dataclass
class PolicyReport:
    """Everything the offline run found."""

    violations: list[Violation] = field(default_factory=list)
    not_checkable: list[str] = field(default_factory=list)
    """Remote components whose children the offline run cannot see."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Disabled rules and their recorded reasons."""
    opt_in: list[str] = field(default_factory=list)
    """Opt-in rules no config turned on (off by design, listed in docs/policy-pack.md's coverage table)."""
    unknown: list[str] = field(default_factory=list)
    """Policies that met an unknown value (preview) and could not decide."""
    waived: list[tuple[str, str, Waiver]] = field(default_factory=list)
    """(rule, URN, waiver) for each violation an active waiver silenced."""
    unused_waivers: list[tuple[str, Waiver]] = field(default_factory=list)
    """(rule, waiver) for waivers that matched no violation (fixed, or a resource renamed): remove them."""
    evaluated: int = 0

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "mandatory"]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "advisory"]


def load_policy_config(stack: str, path: Path | None = None) -> dict[str, Any]:
    """`policies/config.<stack>.json` (or `path`); {} when there is none."""
    path = path or PACK_DIR / f"config.{stack}.json"
    return json.loads(path.read_text()) if path.is_file() else {}


PUBLIC_TASK_RULES = ("ecs-no-public-ip", "ecs-private-subnets")
"""The rules a stack with `cluster.task_subnets: public` breaks by design: advisory there."""


def stack_policy_config(stack_file: StackFile, path: Path | None = None) -> dict[str, Any]:
    """The pack config for a stack: `policies/config.<stack>.json` (or `path`) plus the stack file's
    `platform:policy_waivers`, each under its rule's `waivers` (the form the pack reads).

    Written by `python -m tools policy-config <stack>` for `pulumi preview/up --policy-pack-config`,
    so the waivers in the stack file hold in the real runs too."""
    from policies.rules import RULES

    config = {k: (dict(v) if isinstance(v, Mapping) else {"enforcementLevel": v})
              for k, v in load_policy_config(stack_file.stack, path).items()}
    rules = {r.name: r for r in RULES}
    if (stack_file.setting("cluster", {}) or {}).get("task_subnets") == "public":
        # A lean dev runs its tasks with public IPs in public subnets on purpose (stack_config refuses it in prod):
        # the pack says so on every plan, as advisories, instead of failing it.
        for rule in PUBLIC_TASK_RULES:
            config[rule] = {**config.get(rule, {}), "enforcementLevel": "advisory",
                            "reason": "cluster.task_subnets: public (a dev without NAT; tasks admit only their load "
                                      "balancer and peers)"}
    for i, waiver in enumerate(stack_file.setting("policy_waivers", [])):
        key = f"{stack_file.path.name}: platform:policy_waivers[{i}].rule"
        rule = rules.get(waiver.get("rule"))
        if rule is None:
            raise PolicyConfigError(f"{key}: no policy rule {waiver.get('rule')!r}; see docs/policy-pack.md")
        if not rule.waivable:
            raise PolicyConfigError(f"{key}: {rule.name} guards public data or admin rights and cannot be waived; "
                                    "fix the resource instead")
        entry = {k: str(waiver[k]) for k in ("resource", "reason", "owner", "expires")}
        config.setdefault(rule.name, {}).setdefault("waivers", []).append(entry)
    return config


def _normalise(config: Mapping[str, Any], policies: Sequence[Any]) -> dict[str, tuple[str | None, dict[str, Any]]]:
    names = {p.name for p in policies}
    levels = {e.value for e in EnforcementLevel}
    result: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for key, value in config.items():
        if key != "all" and key not in names:
            raise PolicyConfigError(f"policy config names unknown rule {key!r}")
        if isinstance(value, str):
            level, props = value, {}
        elif isinstance(value, Mapping):
            props = {k: v for k, v in value.items() if k != "enforcementLevel"}
            level = value.get("enforcementLevel")
        else:
            raise PolicyConfigError(f"policy config for {key!r} must be a level or an object")
        if level is not None and level not in levels:
            raise PolicyConfigError(f"policy config for {key!r}: unknown enforcement level {level!r}")
        if level == "disabled" and not props.get("reason"):
            raise PolicyConfigError(f"policy {key!r} is disabled without a reason; add \"reason\": \"...\"")
        result[key] = (level, props)
    return result


def _defaults(policy: Any) -> dict[str, Any]:
    schema = policy.config_schema
    if schema is None:
        return {}
    return {k: v["default"] for k, v in schema.properties.items() if "default" in v}


def _options(rec: Recorded) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(rec.protect), ignore_changes=list(rec.ignore_changes),
        delete_before_replace=rec.delete_before_replace, aliases=list(rec.aliases),
        custom_timeouts=PolicyCustomTimeouts(0.0, 0.0, 0.0),
        additional_secret_outputs=list(rec.additional_secret_outputs), parent=rec.parent,
    )


def _run(result: Any) -> None:
    if inspect.isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def run_policies(monitor: RecordingMonitor, policies: Sequence[Any], config: Mapping[str, Any] | None = None,
                 pack_enforcement: str = "advisory") -> PolicyReport:
    """Evaluate every policy over the recorded graph."""
    from policies.rules import RULES

    settings = _normalise(config or {}, policies)
    waivable = {r.name: r.waivable for r in RULES}
    opt_in = {r.name for r in RULES if r.opt_in}
    # A rule's validate returns at once for a type it does not check (framework.Rule._validate_resource): its
    # records are skipped before a proxy is built for them, which was most of a run's time (124 rules x every record).
    checked_types = {r.name: frozenset(r.types) for r in RULES}
    # The engine's precedence: a policy's own entry, then "all", then the policy's level, then the pack's.
    all_level = settings.get("all", (None, {}))[0]
    report = PolicyReport()
    records = [r for r in monitor.records() if r.custom or r.remote]
    report.not_checkable = [f"{r.type} {r.name}: a remote component; its children (cluster, roles, security "
                            "groups, add-ons) are created by its provider plugin and are checked only in a real "
                            "`pulumi preview --policy-pack policies`; here only its inputs were checked."
                            for r in records if r.remote]

    stack_resources = _stack_resources(records)
    for policy in policies:
        level, props = settings.get(policy.name, (None, {}))
        level = level or all_level or (policy.enforcement_level.value if policy.enforcement_level else pack_enforcement)
        if level == "disabled":
            if policy.name in opt_in and policy.name not in settings:
                report.opt_in.append(policy.name)
            else:
                report.skipped[policy.name] = str(props.get("reason", ""))
            continue
        if level == "remediate":
            level = "mandatory"
        # Waivers are applied here, by the same judge the pack uses, so the run can list what they silence.
        waivers = waivers_of(props)
        policy_config = {**_defaults(policy), **{k: v for k, v in props.items() if k != "waivers"}}
        used: set[Waiver] = set()

        def violation(message: str, urn: str | None = None, _name: str = policy.name, _level: str = level,
                      _waivers: list[Waiver] = waivers, _used: set[Waiver] = used) -> None:
            urn = urn or ""
            kept, waiver = judge(message, urn.rsplit("::", 1)[-1], urn, _waivers, waivable.get(_name, True), today())
            if waiver is not None:
                _used.add(waiver)
            if kept is None:
                report.waived.append((_name, urn, waiver))
            else:
                report.violations.append(Violation(_name, _level, urn, kept))

        try:
            if isinstance(policy, ResourceValidationPolicy):
                types = checked_types.get(policy.name)
                for rec in (records if types is None else [r for r in records if r.type in types]):
                    # A fresh proxy per policy and record, as the engine's analyzer builds one.
                    args = ResourceValidationArgs(rec.type, unknown_checking_proxy(rec.inputs), rec.urn, rec.name,
                                                  _options(rec), None, policy_config)
                    try:
                        _run(policy.validate(args, violation))
                    except (UnknownValueError, _NotApplicableError):
                        report.unknown.append(f"{policy.name} on {rec.name}")
            elif isinstance(policy, StackValidationPolicy):
                try:
                    _run(policy.validate(StackValidationArgs(stack_resources, policy_config), violation))
                except (UnknownValueError, _NotApplicableError):
                    report.unknown.append(policy.name)
        finally:
            report.evaluated += 1
        report.unused_waivers += [(policy.name, w) for w in waivers if w not in used]
    return report


def _stack_resources(records: Sequence[Recorded]) -> list[PolicyResource]:
    built: dict[str, PolicyResource] = {}
    for rec in records:
        state = dict(rec.outputs or rec.inputs)
        state.setdefault("id", rec.id)
        built[rec.urn] = PolicyResource(rec.type, unknown_checking_proxy(state), rec.urn, rec.name, _options(rec),
                                        None, None, [], {})
    for rec in records:
        res = built[rec.urn]
        res.parent = built.get(rec.parent or "")
        res.dependencies = [built[d] for d in rec.dependencies if d in built]
        res.property_dependencies = {k: [built[d] for d in v if d in built] for k, v in rec.property_dependencies.items()}
    return list(built.values())


def render_report(report: PolicyReport, rules_by_name: Mapping[str, Any], verbose: bool = True) -> str:
    """Violations grouped by rule (mandatory first), with each rule's FSBP control; advisory findings
    list their resources only when `verbose` (mandatory ones always do)."""
    lines = []
    by_rule: dict[tuple[str, str], list[Violation]] = {}
    for v in report.violations:
        by_rule.setdefault((v.enforcement, v.policy), []).append(v)
    for (level, name), found in sorted(by_rule.items(), key=lambda kv: (kv[0][0] != "mandatory", kv[0][1])):
        rule = rules_by_name.get(name)
        fsbp = f" [FSBP {rule.fsbp}]" if rule is not None and rule.fsbp else ""
        lines.append(f"{level.upper()} {name}{fsbp}: {len(found)} violation(s)")
        if verbose or level == "mandatory":
            lines.extend(f"    - {v.message}" for v in found)
    for name, reason in sorted(report.skipped.items()):
        lines.append(f"disabled {name}: {reason}")
    for name, urn, waiver in sorted(report.waived, key=lambda w: (w[0], w[1])):
        lines.append(f"waived {name} on {urn.rsplit('::', 1)[-1]}: {waiver.reason} (owner {waiver.owner}, "
                     f"until {waiver.expires})")
    for name, waiver in report.unused_waivers:
        lines.append(f"unused waiver {name} for {waiver.resource}: it silences nothing; remove it from "
                     "platform:policy_waivers")
    for note in report.not_checkable:
        lines.append(f"not fully checkable offline: {note}")
    for item in report.unknown:
        lines.append(f"undecided (unknown value): {item}")
    return "\n".join(lines)
