"""The small framework the rules are written in: plain checks, wrapped for pulumi_policy.

A rule is a pure function over what the engine passes (camelCase props, options, config) that
yields violation messages. `Rule.policy()` turns it into a `ResourceValidationPolicy` or
`StackValidationPolicy`, so the same function serves `pulumi preview --policy-pack policies`,
the offline run (`tools/policy_run.py`) and plain-dict unit tests.

Environment-dependent rules (prod only) read `environment` from the policy config and otherwise
the resource's own `env` tag, which every resource of this program carries.

Waivers are resource-level exceptions in each rule's config (`waivers`: resource name or URN
pattern, reason, owner, expiry date), generated from the stack file's `platform:policy_waivers`
(`python -m tools policy-config <stack>`). Like Pulumi's own policy exceptions (policy x resource
x reason) they silence one rule for one resource; here they also expire, after which the violation
is reported again, naming the waiver. Rules about public data and administrator rights cannot be
waived (`waivable=False`).
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

GROUPS = (
    "encryption-at-rest", "encryption-in-transit", "network-exposure", "public-data", "logging-monitoring",
    "resilience", "identity", "supply-chain", "tagging",
)
"""Rule groups, in the order docs/policy-pack.md's coverage table lists them."""

FSBP = PolicyComplianceFramework(name="AWS Foundational Security Best Practices", version="1.0.0")

WAIVERS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Resource-level exceptions (from the stack file's platform:policy_waivers)",
    "items": {
        "type": "object",
        "required": ["resource", "reason", "owner", "expires"],
        "properties": {
            "resource": {"type": "string", "minLength": 1},
            "reason": {"type": "string", "minLength": 10},
            "owner": {"type": "string", "minLength": 1},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        },
    },
}
"""The `waivers` property every rule's config takes."""


@dataclass(frozen=True)
class Subject:
    """One resource as a rule sees it."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool
    config: Mapping[str, Any]

    @property
    def env(self) -> str | None:
        """`environment` from the policy config, else the resource's `env` tag."""
        configured = self.config.get("environment")
        if configured:
            return str(configured)
        tags = self.props.get("tags") or {}
        return tags.get("env") if isinstance(tags, Mapping) else None

    @property
    def tags(self) -> Mapping[str, Any]:
        tags = self.props.get("tags") or {}
        return tags if isinstance(tags, Mapping) else {}


@dataclass(frozen=True)
class Stack:
    """All resources of a stack, indexed for relationship rules."""

    resources: Sequence[PolicyResource]
    config: Mapping[str, Any]

    def of(self, *types: str) -> list[PolicyResource]:
        """Resources of these types."""
        return [r for r in self.resources if r.resource_type in types]

    def by_id(self) -> dict[str, PolicyResource]:
        """Custom resources by their id (how references appear in props)."""
        found = {}
        for r in self.resources:
            rid = r.props.get("id") if isinstance(r.props, Mapping) else None
            if isinstance(rid, str) and rid:
                found[rid] = r
        return found

    @property
    def env(self) -> str | None:
        """`environment` from config, else the most common `env` tag."""
        if self.config.get("environment"):
            return str(self.config["environment"])
        envs = Counter(tag_of(r.props, "env") for r in self.resources if tag_of(r.props, "env"))
        return envs.most_common(1)[0][0] if envs else None


def today() -> date:
    """The date waivers are judged at; tests move it."""
    return date.today()


@dataclass(frozen=True)
class Waiver:
    """One rule waived for the resources `resource` names, until `expires` (inclusive)."""

    resource: str
    """A resource's name (`app-main`), or a URN pattern with `*` (`*::app-main`, `*$aws:lb/*`)."""
    reason: str
    owner: str
    expires: date

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Waiver:
        """From the policy config's JSON form (`expires` as YYYY-MM-DD)."""
        return cls(resource=str(raw["resource"]), reason=str(raw["reason"]), owner=str(raw["owner"]),
                   expires=date.fromisoformat(str(raw["expires"])))

    def matches(self, name: str, urn: str) -> bool:
        """Whether this waiver names the resource (by name, or by URN pattern)."""
        if "*" in self.resource or self.resource.startswith("urn:"):
            return fnmatch.fnmatchcase(urn, self.resource)
        return self.resource == name

    def describe(self) -> str:
        return f"waiver for {self.resource} (owner {self.owner}, expires {self.expires}: {self.reason})"


def judge(message: str, name: str, urn: str, waivers: Sequence[Waiver], waivable: bool,
          on: date) -> tuple[str | None, Waiver | None]:
    """(what to report, or None when an active waiver covers it; the waiver that matched, if any).

    An expired waiver reports the violation again, naming it; a waiver of a rule that cannot be
    waived changes nothing but is named, so nobody believes it holds."""
    waiver = next((w for w in waivers if w.matches(name, urn)), None)
    if waiver is None:
        return message, None
    if not waivable:
        return f"{message} (This rule cannot be waived; the {waiver.describe()} is ignored.)", waiver
    if on > waiver.expires:
        return f"{message} (The {waiver.describe()} has expired: renew it with a new date or fix it.)", waiver
    return None, waiver


def waivers_of(config: Mapping[str, Any]) -> list[Waiver]:
    """The waivers in one policy's config."""
    return [Waiver.parse(w) for w in config.get("waivers") or []]


Check = Callable[[Subject], Iterable[str]]
StackCheck = Callable[[Stack], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """A policy: metadata plus a resource check or a stack check."""

    name: str
    """kebab-case, unique."""
    group: str
    description: str
    remediation: str
    """What to change (appended to every violation message)."""
    enforcement: str = "mandatory"
    fsbp: str | None = None
    """The AWS FSBP control it implements."""
    awsguard: str | None = None
    """The awsguard policy it covers, where one exists."""
    types: Sequence[str] = ()
    """Resource types checked (resource rules)."""
    check: Check | None = None
    stack_check: StackCheck | None = None
    prod_only: bool = False
    waivable: bool = True
    """False for rules about public data and administrator rights: no waiver silences them."""
    opt_in: bool = False
    """Off unless a stack's pack config sets a level: controls the platform's design answers otherwise
    (single-region, operator-run rotation, ...) but a team may want enforced."""
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Extra config properties (JSON schema) beyond environment and reason."""

    def policy(self) -> ResourceValidationPolicy | StackValidationPolicy:
        """The pulumi_policy object for this rule."""
        common = dict(
            name=self.name,
            description=self.description + (f" (FSBP {self.fsbp})" if self.fsbp else ""),
            enforcement_level=EnforcementLevel("disabled" if self.opt_in else self.enforcement),
            config_schema=PolicyConfigSchema(properties={
                "environment": {"type": "string", "enum": ["dev", "staging", "prod"],
                                "description": "Overrides the env tag for prod-only rules"},
                "reason": {"type": "string", "description": "Why this rule is disabled or downgraded here"},
                "waivers": WAIVERS_SCHEMA,
                **{k: dict(v) for k, v in self.config.items()},
            }),
            framework=PolicyComplianceFramework(name=FSBP.name, version=FSBP.version, reference=self.fsbp)
            if self.fsbp else None,
            remediation_steps=self.remediation,
            tags=[self.group],
        )
        if self.stack_check is not None:
            return StackValidationPolicy(validate=self._validate_stack, **common)
        return ResourceValidationPolicy(validate=self._validate_resource, **common)

    def _validate_resource(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in self.types or self.check is None:
            return
        config = args.get_config() or {}
        subject = Subject(type=args.resource_type, name=args.name, urn=args.urn, props=args.props,
                          protect=bool(args.opts.protect), config=config)
        if self.prod_only and subject.env != "prod":
            return
        waivers, on = waivers_of(config), today()
        for message in self.check(subject):
            kept, _ = judge(f"{message} Fix: {self.remediation}", args.name, args.urn, waivers, self.waivable, on)
            if kept is not None:
                report(kept, args.urn)

    def _validate_stack(self, args: StackValidationArgs, report: ReportViolation) -> None:
        assert self.stack_check is not None
        config = args.get_config() or {}
        stack = Stack(resources=args.resources, config=config)
        if self.prod_only and stack.env != "prod":
            return
        waivers, on = waivers_of(config), today()
        for message, urn in self.stack_check(stack):
            name = urn.rsplit("::", 1)[-1]
            kept, _ = judge(f"{message} Fix: {self.remediation}", name, urn, waivers, self.waivable, on)
            if kept is not None:
                report(kept, urn)


# -- helpers for reading props ---------------------------------------------------------------------


def dig(value: Any, *path: str | int) -> Any:
    """`dig(props, "vpcConfig", "endpointPublicAccess")`; None where anything is missing."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, Sequence) or isinstance(value, str) or step >= len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
    return value


def items(value: Any) -> list[Any]:
    """A list value as a list (None -> [])."""
    if value is None or isinstance(value, (str, Mapping)):
        return [] if value is None else [value]
    return list(value)


def tag_of(props: Any, key: str) -> Any:
    tags = dig(props, "tags")
    return tags.get(key) if isinstance(tags, Mapping) else None


def document(value: Any) -> dict[str, Any]:
    """An IAM/bucket policy document, given as JSON text or as an object."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, Mapping) else {}


def statements(value: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document."""
    return [s for s in items(document(value).get("Statement")) if isinstance(s, Mapping)]


def as_strings(value: Any) -> list[str]:
    """A string or list of strings as a list."""
    return [str(v) for v in items(value)]


def subjects(resources: Iterable[PolicyResource]) -> Iterator[PolicyResource]:
    """Resources in URN order (stable reports)."""
    return iter(sorted(resources, key=lambda r: r.urn))


def unreferenced(stack: Stack, types: tuple[str, ...], keys: tuple[str, ...],
                 companion: str, reference: str) -> Iterator[PolicyResource]:
    """Resources of `types` that no `companion` resource points at: none of their `keys` values
    (id, arn, name, ...) appears as the companion's `reference` property. For "every VPC has a
    flow log", "every web ACL logs", "every repository has a lifecycle policy"."""
    referenced = {c.props.get(reference) for c in stack.of(companion)}
    for res in subjects(stack.of(*types)):
        if not any(res.props.get(k) in referenced for k in keys if res.props.get(k)):
            yield res
