"""Pure helpers shared by the components: tags, IAM documents, security-group grants, options.

Functions, not components: nothing here registers a resource on its own account except
`allow_ingress`, which always parents the rule to the calling component.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


def tags_for(base: Mapping[str, str], name: str, role: str, **extra: str) -> dict[str, str]:
    """Component tags plus a readable `Name` (`<component>-<role>`) and resource-specific keys."""
    return {**base, **extra, "Name": f"{name}-{role}"}


def physical_name(name: str, max_length: int) -> str:
    """A stable, stack-unique physical name (`<project>-<stack>-<name>`) within AWS's charset.

    Used only where a name must be known outside Pulumi and survive replacement attempts:
    database identifiers and their final snapshots. Too-long names keep a hash of the full name.
    """
    full = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}".lower()
    clean = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", full)).strip("-")
    if not clean[:1].isalpha():
        clean = f"x-{clean}"
    if len(clean) > max_length:
        digest = hashlib.sha256(full.encode()).hexdigest()[:8]
        clean = f"{clean[: max_length - 9].rstrip('-')}-{digest}"
    return clean


def child_opts(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    """Options for a direct child: `parent` only, plus explicit per-child options.

    The component's own `opts` are never merged in: providers, protect and retainOnDelete already
    flow through `parent`, while copying aliases or depends_on onto children breaks them.
    """
    return pulumi.ResourceOptions(parent=parent, **options)


def stateful_opts(parent: pulumi.Resource, protect: bool, **options: Any) -> pulumi.ResourceOptions:
    """Options for data that must survive mistakes: `protect` blocks `pulumi destroy` and
    replacement; `retain_on_delete` keeps the cloud resource if it is ever removed from the program."""
    return pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=protect, **options)


def alias_records(parent: pulumi.Resource, name: str, zone_id: pulumi.Input[str], fqdn: pulumi.Input[str],
                  target: aws.route53.RecordAliasArgs, *, ipv6: bool) -> list[aws.route53.Record]:
    """Route 53 aliases of `fqdn` to `target`: `<name>-a`, plus `<name>-aaaa` when the target answers on
    IPv6 (an AAAA alias to an IPv4-only target would resolve to nothing)."""
    return [aws.route53.Record(f"{name}-{kind.lower()}", zone_id=zone_id, name=fqdn, type=kind, aliases=[target],
                               opts=child_opts(parent))
            for kind in (("A", "AAAA") if ipv6 else ("A",))]


def assume_role_policy(service: str, conditions: Mapping[str, Any] | None = None) -> pulumi.Output[str]:
    """A trust policy letting one AWS service principal assume a role (conditions may hold Outputs)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if conditions:
        statement["Condition"] = dict(conditions)
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [statement]})


def iam_path() -> str:
    """Path of every IAM role the program creates (`/<project>/`).

    The deploy role may manage IAM only under this path, so the program can create its roles
    without holding account-wide IAM rights.
    """
    return f"/{pulumi.get_project()}/"


def service_role(
    parent: pulumi.Resource,
    logical: str,
    *,
    trust: pulumi.Input[str],
    description: str,
    tags: Mapping[str, str],
    managed_policy_arns: Sequence[str] = (),
    policy: pulumi.Input[str] | None = None,
) -> aws.iam.Role:
    """An IAM role under `iam_path()` with its AWS-managed attachments and one inline policy."""
    role = aws.iam.Role(logical, path=iam_path(), assume_role_policy=trust, description=description,
                        tags=dict(tags), opts=child_opts(parent))
    for arn in managed_policy_arns:
        aws.iam.RolePolicyAttachment(f"{logical}-{arn.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn,
                                     opts=child_opts(parent))
    if policy is not None:
        aws.iam.RolePolicy(logical, role=role.id, policy=policy, opts=child_opts(parent))
    return role


def pull_and_read_statements(
    repository_arn: pulumi.Input[str] | None,
    secret_arns: Sequence[pulumi.Input[str]],
    kms_key_arns: Sequence[pulumi.Input[str]],
    region: str,
) -> list[dict[str, Any]]:
    """Execution-role statements: pull one ECR repository, read exactly these secrets (through
    Secrets Manager only, for their KMS keys). Shared by ECS services and Batch jobs."""
    statements: list[dict[str, Any]] = []
    if repository_arn is not None:
        statements += [
            # GetAuthorizationToken has no resource-level permission: "*" is the only form.
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "PullOwnImage", "Effect": "Allow",
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
             "Resource": repository_arn},
        ]
    if secret_arns:
        statements.append({"Sid": "ReadOwnSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                           "Resource": distinct(secret_arns)})
    if kms_key_arns:
        statements.append({
            "Sid": "DecryptOwnSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": distinct(kms_key_arns),
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        })
    return statements


def distinct(values: Sequence[pulumi.Input[str]]) -> pulumi.Output[list[str]]:
    """Resolved values, sorted and without repeats (one secret may fill several variables)."""
    return pulumi.Output.all(*values).apply(lambda resolved: sorted(set(resolved)))


def policy_document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document whose statements may hold Outputs (ARNs of our resources)."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow_ingress(
    parent: pulumi.Resource,
    name: str,
    *,
    security_group_id: pulumi.Input[str],
    source_security_group_id: pulumi.Input[str],
    port: pulumi.Input[int],
    description: pulumi.Input[str],
    to_port: int | None = None,
    tags: Mapping[str, str],
) -> aws.vpc.SecurityGroupIngressRule:
    """One TCP ingress rule from another security group, parented to the granting component."""
    return aws.vpc.SecurityGroupIngressRule(
        name,
        security_group_id=security_group_id,
        referenced_security_group_id=source_security_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=to_port if to_port is not None else port,
        description=description,
        tags=dict(tags),
        opts=child_opts(parent),
    )


def grant_port(parent: pulumi.Resource, owner: str, *, port: pulumi.Input[int], security_group_id: pulumi.Input[str],
               peer: str, source_security_group_id: pulumi.Input[str],
               tags: Mapping[str, str]) -> aws.vpc.SecurityGroupIngressRule:
    """Let `peer`'s security group reach `owner`'s port: one rule named `<owner>-from-<peer>`."""
    return allow_ingress(
        parent, f"{owner}-from-{peer}", security_group_id=security_group_id,
        source_security_group_id=source_security_group_id, port=port,
        description=pulumi.Output.format("{0} port {1} from {2}", owner, port, peer),
        tags=tags_for(tags, owner, f"from-{peer}"),
    )


class IngressGrants:
    """Mixin for components that guard one port with their own security group.

    The component sets `_name`, `_port`, `_tags` and `_ingress_sg`; `allow_from` is then the only
    way in, one rule per named peer, parented to the component that owns the port.
    """

    _name: str
    _port: int
    _tags: Mapping[str, str]
    _ingress_sg: aws.ec2.SecurityGroup

    def allow_from(self, peer: str, security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupIngressRule:
        """Let one security group reach this component's port (one ingress rule named after `peer`)."""
        assert isinstance(self, pulumi.Resource)
        return grant_port(self, self._name, port=self._port, security_group_id=self._ingress_sg.id, peer=peer,
                          source_security_group_id=security_group_id, tags=self._tags)


@dataclass(frozen=True, kw_only=True)
class PrivateStoreArgs:
    """The wiring every private data store (Database, Cache) takes: where it lives and how it is kept."""

    vpc_id: pulumi.Input[str]
    """VPC of its security group."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of its subnet group (two AZs or more): those of its `settings.subnet_tier`."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on its stateful resources (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""
