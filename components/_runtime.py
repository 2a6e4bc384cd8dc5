"""Run-time needs: what the workloads a component creates do once they run.

A deploy that succeeds proves only that AWS accepted the resources. Whether a task can pull its
image, read its secrets and reach its database is decided later, by IAM, KMS key policies,
resource policies, security groups and routes. Each component declares the needs of the
workloads it creates here, beside the resources that serve them, and publishes them as its
`runtime_needs` output. The offline run-time stage (`tools/runtime/`) proves every need against
the recorded graph: the grant, the key policy, the security-group rule and the route that must
exist for it.

Needs name what the workload does (`s3:GetObject` on an object), not what a policy says; a need
is declared by the workload's owner, the grant by the owner of the resource, so a grant that is
missing (or one nobody needs) shows up as a difference between the two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi


@dataclass(frozen=True, kw_only=True)
class Access:
    """An AWS API call a workload makes at run time."""

    workload: str
    """Who makes it, in words (`app-api tasks`, `the Load Balancer Controller`)."""
    principal: pulumi.Input[str]
    """The role ARN the workload acts as, or `service:<principal>` for an AWS service acting for us."""
    actions: Sequence[str]
    """The IAM actions it calls (exact names, no wildcards)."""
    resources: Sequence[pulumi.Input[str]]
    """The ARNs it calls them on (`arn:...:bucket/*` means any object)."""
    why: str
    """What breaks without it, in words."""
    key: str | None = None
    """The stack-file key the need traces to (`services.api.pipeline`)."""
    context: Mapping[Any, Any] = field(default_factory=dict)
    """Condition keys the request carries (`kms:ViaService`, `aws:SourceArn`, `aws:ResourceTag/...`); a key may be an
    Output (IRSA's `<issuer>:sub`)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the component publishes (Outputs resolve inside it)."""
        return {"kind": "access", "workload": self.workload, "principal": self.principal,
                "actions": list(self.actions), "resources": list(self.resources), "why": self.why,
                "key": self.key, "context": dict(self.context)}


@dataclass(frozen=True, kw_only=True)
class Connection:
    """A network connection a workload opens at run time."""

    workload: str
    """Who opens it, in words."""
    source: pulumi.Input[str]
    """The security group of the caller, or for callers outside the VPC the addresses it comes from:
    `cidr:<range>` or `prefix-list:<id>` (CloudFront's origin-facing list)."""
    subnets: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Where the caller runs (its route tables decide how it leaves the subnet)."""
    target: pulumi.Input[str]
    """The callee: a security group id (`sg-...`), `aws:<endpoint service>` (`aws:ecr.dkr`, `aws:s3`) for
    an AWS API, or `internet` for anything outside the VPC."""
    port: pulumi.Input[int]
    """TCP port."""
    why: str
    """What breaks without it."""
    key: str | None = None
    """The stack-file key the need traces to."""
    public_ip: bool = False
    """The caller has a public IP: a default route to the internet gateway takes it out of the VPC."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the component publishes."""
        return {"kind": "connection", "workload": self.workload, "source": self.source, "subnets": self.subnets,
                "target": self.target, "port": self.port, "why": self.why, "key": self.key, "public_ip": self.public_ip}


@dataclass(frozen=True, kw_only=True)
class Refresh:
    """A value injected into a workload when it starts that may change while it runs (a rotated secret):
    the workload must be restarted when it changes, by something the stack declares."""

    workload: str
    """Who holds the value."""
    runtime: str
    """`ecs` (a service whose tasks read it at start) or `eks` (a Deployment reading a synced Secret)."""
    service: pulumi.Input[str]
    """The ECS service ARN, or `<namespace>/<deployment>` on EKS."""
    secrets: Sequence[pulumi.Input[str]]
    """The secrets it reads at start."""
    why: str
    """What breaks when the value changes and the workload keeps the old one."""
    key: str | None = None
    """The stack-file key the need traces to."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the component publishes."""
        return {"kind": "refresh", "workload": self.workload, "runtime": self.runtime, "service": self.service,
                "secrets": list(self.secrets), "why": self.why, "key": self.key}


@dataclass(frozen=True, kw_only=True)
class Trigger:
    """An event that must reach a target: an EventBridge rule matching it, with a target delivering to `target`."""

    workload: str
    source: pulumi.Input[str]
    """The event's `source` (`aws.s3`, `aws.batch`)."""
    detail_type: pulumi.Input[str]
    """The event's `detail-type`."""
    target: pulumi.Input[str]
    """The ARN the event must reach (a state machine, a topic)."""
    why: str
    key: str | None = None
    resources: Sequence[pulumi.Input[str]] = ()
    """The event's `resources` the rule must match (the secrets whose change it is); empty: any."""
    input: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """What the target's input must carry (which value to recompose); empty: anything."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the component publishes."""
        return {"kind": "trigger", "workload": self.workload, "source": self.source, "detail_type": self.detail_type,
                "target": self.target, "why": self.why, "key": self.key, "resources": list(self.resources),
                "input": dict(self.input)}


@dataclass(frozen=True, kw_only=True)
class Managed:
    """A role AWS documents by a managed policy rather than by actions (the EKS cluster and node roles, AWS
    Backup's service role): the need is that policy, attached."""

    workload: str
    role: pulumi.Input[str]
    """The role's ARN."""
    policy_arn: str
    why: str
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the component publishes."""
        return {"kind": "managed", "workload": self.workload, "role": self.role, "policy_arn": self.policy_arn,
                "why": self.why, "key": self.key}


Need = Access | Connection | Refresh | Trigger | Managed


@dataclass(frozen=True, kw_only=True)
class Use:
    """What the stack says a workload will call (its `pipeline`, `buckets`), before the component that runs it
    knows the role it acts as: the component turns each into an `Access` of its own role."""

    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]]
    why: str
    key: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)

    def by(self, workload: str, principal: pulumi.Input[str]) -> Access:
        """This use, made by `workload` acting as `principal`."""
        return Access(workload=workload, principal=principal, actions=self.actions, resources=self.resources,
                      why=self.why, key=self.key, context=self.context)


@dataclass(frozen=True, kw_only=True)
class Reach:
    """A connection the stack says a workload opens (its `connects_to`), before the component knows its
    security group: the component turns each into a `Connection` from its own group."""

    target: pulumi.Input[str]
    """The callee's security group."""
    port: pulumi.Input[int]
    why: str
    key: str | None = None

    def by(self, workload: str, source: pulumi.Input[str],
           subnets: pulumi.Input[Sequence[pulumi.Input[str]]]) -> Connection:
        """This connection, opened by `workload` from `source` in `subnets`."""
        return Connection(workload=workload, source=source, subnets=subnets, target=self.target, port=self.port,
                          why=self.why, key=self.key)


def managed_needs(workload: str, role: pulumi.Input[str], policy_arns: Sequence[str], why: str,
                  key: str | None) -> list[Managed]:
    """The AWS managed policies AWS documents for a role (the role's whole need)."""
    return [Managed(workload=workload, role=role, policy_arn=arn, why=why, key=key) for arn in policy_arns]


def published(needs: Sequence[Need]) -> pulumi.Output[list[dict[str, Any]]]:
    """The needs as one Output for `register_outputs` (`runtime_needs`)."""
    return pulumi.Output.from_input([n.to_dict() for n in needs])


def assumed_by(workload: str, service: str, role: pulumi.Input[str], why: str, key: str | None,
               context: Mapping[str, Any] | None = None) -> Access:
    """An AWS service taking a role to act for the workload (the role's trust policy must admit it)."""
    return Access(workload=workload, principal=f"service:{service}", actions=["sts:AssumeRole"], resources=[role],
                  why=why, key=key, context=dict(context or {}))


def secret_read_needs(workload: str, principal: pulumi.Input[str], secret_arns: Sequence[pulumi.Input[str]],
                      kms_key_arns: Sequence[pulumi.Input[str]], region: str, key: str | None,
                      why: str, actions: Sequence[str] = ("secretsmanager:GetSecretValue",)) -> list[Access]:
    """Reading secrets at start: `actions` (GetSecretValue) on each, and decrypting through Secrets Manager with
    each customer-managed key (AWS-managed keys need no grant)."""
    needs: list[Access] = []
    if secret_arns:
        needs.append(Access(workload=workload, principal=principal, actions=list(actions),
                            resources=list(secret_arns), why=why, key=key))
    if kms_key_arns:
        needs.append(Access(workload=workload, principal=principal, actions=["kms:Decrypt"],
                            resources=list(kms_key_arns), why=f"{why} (the secrets' key)", key=key,
                            context={"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}))
    return needs


def image_pull_needs(workload: str, principal: pulumi.Input[str], repository_arn: pulumi.Input[str] | None,
                     key: str | None) -> list[Access]:
    """Pulling an image from our ECR repository (ECR's documented pull permissions)."""
    if repository_arn is None:
        return []
    return [
        Access(workload=workload, principal=principal, actions=["ecr:GetAuthorizationToken"], resources=["*"],
               why="log in to ECR to pull the image", key=key),
        Access(workload=workload, principal=principal,
               actions=["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
               resources=[repository_arn], why="pull the image", key=key),
    ]


def log_needs(workload: str, principal: pulumi.Input[str], log_group_arn: pulumi.Input[str],
              key: str | None) -> list[Access]:
    """Writing container output to a log group through the awslogs driver."""
    return [Access(workload=workload, principal=principal, actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                   resources=[pulumi.Output.concat(log_group_arn, ":log-stream:*")],
                   why="write its logs (the awslogs driver)", key=key)]


def api_egress_needs(workload: str, source: pulumi.Input[str], subnets: pulumi.Input[Sequence[pulumi.Input[str]]],
                     *, pulls_from_ecr: bool, reads_secrets: bool, key: str | None,
                     public_ip: bool = False) -> list[Connection]:
    """HTTPS to the AWS APIs a Fargate task or job calls from its own network interface when it starts and
    runs: ECR's two endpoints and S3 (image layers) for an ECR image, CloudWatch Logs, Secrets Manager."""
    services = (["ecr.api", "ecr.dkr", "s3"] if pulls_from_ecr else []) + ["logs"]
    services += ["secretsmanager"] if reads_secrets else []
    return [Connection(workload=workload, source=source, subnets=subnets, target=f"aws:{service}", port=443,
                       why=f"call {service} (image pull, logs, secrets)", key=key, public_ip=public_ip)
            for service in services]
