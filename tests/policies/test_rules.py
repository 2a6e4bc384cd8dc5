"""Every rule: one compliant and one violating fixture, built as the engine passes them.

Props are camelCase and go through pulumi_policy's unknown-checking proxy; stack fixtures are
PolicyResources with ids, as AnalyzeStack delivers them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policies import rules as R
from policies.framework import GROUPS
from policies.rules import POLICIES, RULES

PROD = {"env": "prod", "owner": "team", "cost-center": "cc"}
DEV = {"env": "dev", "owner": "team", "cost-center": "cc"}


@dataclass
class Res:
    """A resource fixture."""

    type: str
    props: dict[str, Any]
    name: str = "thing"
    protect: bool = False


@dataclass
class StackFx:
    """A stack fixture: resources with ids."""

    resources: list[Res] = field(default_factory=list)


def opts(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect=protect, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[])


def evaluate(name: str, fixture: Res | StackFx, config: dict | None = None) -> list[str]:
    policy = next(p for p in POLICIES if p.name == name)
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    if isinstance(fixture, StackFx):
        resources = [PolicyResource(r.type, unknown_checking_proxy(r.props), f"urn:pulumi:test::p::{r.type}::{r.name}",
                                    r.name, opts(r.protect), None, None, [], {}) for r in fixture.resources]
        policy.validate(StackValidationArgs(resources, config or {}), report)
    else:
        args = ResourceValidationArgs(fixture.type, unknown_checking_proxy(fixture.props),
                                      f"urn:pulumi:test::p::{fixture.type}::{fixture.name}", fixture.name,
                                      opts(fixture.protect), None, config or {})
        policy.validate(args, report)
    return found


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


BUCKET_ID = "data-bucket"


def bucket_stack(*, pab: bool = True, owner: bool = True, sse: str = "aws:kms", versioned: bool = True,
                 lifecycle: bool = True, tls: bool = True, purpose: str = "data") -> StackFx:
    parts = [Res(R.BUCKET, {"id": BUCKET_ID, "bucket": BUCKET_ID, "tags": {"purpose": purpose}}, "bucket")]
    if pab:
        parts.append(Res(R.BUCKET_PAB, {"bucket": BUCKET_ID, "blockPublicAcls": True, "blockPublicPolicy": True,
                                        "ignorePublicAcls": True, "restrictPublicBuckets": True}))
    if owner:
        parts.append(Res(R.BUCKET_OWNERSHIP, {"bucket": BUCKET_ID, "rule": {"objectOwnership": "BucketOwnerEnforced"}}))
    parts.append(Res(R.BUCKET_SSE, {"bucket": BUCKET_ID, "rules": [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse}}]}))
    if versioned:
        parts.append(Res(R.BUCKET_VERSIONING, {"bucket": BUCKET_ID, "versioningConfiguration": {"status": "Enabled"}}))
    if lifecycle:
        parts.append(Res(R.BUCKET_LIFECYCLE, {"bucket": BUCKET_ID, "rules": []}))
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false" if tls else "true"}}}
    parts.append(Res(R.BUCKET_POLICY, {"bucket": BUCKET_ID, "policy": doc(statement)}))
    return StackFx(parts)


def subnet(sid: str, public: bool, az: str = "us-east-1a", tier: str | None = None) -> Res:
    return Res(R.SUBNET, {"id": sid, "mapPublicIpOnLaunch": public, "availabilityZone": az,
                          "tags": {"tier": tier or ("public" if public else "private")}}, sid)


def placement(rtype: str, path: tuple[str, ...], public: bool) -> StackFx:
    value: Any = ["subnet-pub" if public else "subnet-priv"]
    for key in reversed(path[1:]):
        value = {key: value}
    return StackFx([subnet("subnet-pub", True), subnet("subnet-priv", False), Res(rtype, {path[0]: value}, "placed")])


def ingress(cidr: str, port: int, lb_internal: bool = False) -> StackFx:
    return StackFx([Res(R.LB, {"internal": lb_internal, "securityGroups": ["sg-lb"], "arn": "arn:lb"}, "lb"),
                    Res(R.SG_INGRESS, {"securityGroupId": "sg-lb", "cidrIpv4": cidr, "fromPort": port, "toPort": port},
                        "rule")])


def role(trust: dict, name: str = "role", **props: Any) -> Res:
    return Res(R.ROLE, {"assumeRolePolicy": doc(trust), "path": "/platform/", **props}, name)


def irsa(sub: str) -> dict:
    return {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/X:sub": sub}}}


def github(sub: list[str], aud: str = "sts.amazonaws.com") -> dict:
    return {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": aud,
                                           "token.actions.githubusercontent.com:sub": sub}}}


def task_policy(statement: dict) -> StackFx:
    trust = {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    return StackFx([Res(R.ROLE, {"id": "task-role", "name": "task-role", "assumeRolePolicy": doc(trust)}, "task"),
                    Res(R.ROLE_POLICY, {"role": "task-role", "policy": doc(statement)}, "task-policy")])


def distribution(**overrides: Any) -> dict:
    props = {"defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
             "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}],
             "viewerCertificate": {"acmCertificateArn": "arn:cert", "minimumProtocolVersion": "TLSv1.2_2021"},
             "origins": [{"originId": "alb", "domainName": "origin.example.com",
                          "customOriginConfig": {"originProtocolPolicy": "https-only", "originSslProtocols": ["TLSv1.2"]}},
                         {"originId": "site", "domainName": "site.s3.us-east-1.amazonaws.com", "originAccessControlId": "oac"}],
             "webAclId": "arn:acl", "loggingConfig": {"bucket": "logs.s3.amazonaws.com"}}
    props.update(overrides)
    return props


def task_definition(container: dict) -> dict:
    return {"containerDefinitions": json.dumps([{"name": "app", "image": "repo/app:v1", **container}])}


def rds(**props: Any) -> dict:
    return {"storageEncrypted": True, "publiclyAccessible": False, "backupRetentionPeriod": 14.0,
            "deletionProtection": True, "skipFinalSnapshot": False, "finalSnapshotIdentifier": "db-final",
            "multiAz": True, "enabledCloudwatchLogsExports": ["postgresql"], "monitoringInterval": 60.0,
            "tags": PROD, **props}


CASES: dict[str, tuple[Any, Any]] = {
    # encryption at rest
    "rds-storage-encrypted": (Res(R.RDS_INSTANCE, rds()), Res(R.RDS_INSTANCE, rds(storageEncrypted=False))),
    "efs-encrypted": (Res(R.EFS, {"encrypted": True}), Res(R.EFS, {})),
    "elasticache-at-rest-encryption": (Res(R.CACHE, {"atRestEncryptionEnabled": True}), Res(R.CACHE, {"atRestEncryptionEnabled": False})),
    "sns-topic-encrypted": (Res(R.SNS_TOPIC, {"kmsMasterKeyId": "arn:key"}), Res(R.SNS_TOPIC, {})),
    "log-group-kms-key-arn": (Res(R.LOG_GROUP, {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc"}),
                              Res(R.LOG_GROUP, {"kmsKeyId": "alias/logs"})),
    "secrets-customer-managed-key": (Res(R.SECRET, {"kmsKeyId": "arn:key"}), Res(R.SECRET, {})),
    "ecr-kms-encryption": (Res(R.ECR_REPO, {"encryptionConfigurations": [{"encryptionType": "KMS"}]}),
                           Res(R.ECR_REPO, {"encryptionConfigurations": [{"encryptionType": "AES256"}]})),
    "eks-secrets-encrypted": (Res(R.EKS_COMPONENT, {"encryptionConfigKeyArn": "arn:key"}),
                              Res(R.EKS_CLUSTER, {"encryptionConfig": {"resources": ["configmaps"]}})),
    "kms-key-rotation": (Res(R.KMS_KEY, {"enableKeyRotation": True}), Res(R.KMS_KEY, {"enableKeyRotation": False})),
    "ec2-volumes-encrypted": (Res(R.INSTANCE, {"rootBlockDevice": {"encrypted": True}}),
                              Res(R.LAUNCH_TEMPLATE, {"blockDeviceMappings": [{"ebs": {"encrypted": "false"}}]})),
    "backup-vault-encrypted": (Res(R.BACKUP_VAULT, {"kmsKeyArn": "arn:key"}), Res(R.BACKUP_VAULT, {})),
    "s3-data-buckets-sse-kms": (bucket_stack(), bucket_stack(sse="AES256")),
    # encryption in transit
    "alb-https-tls13": (Res(R.LISTENER, {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "certificateArn": "arn:c"}),
                        Res(R.LISTENER, {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08", "certificateArn": "arn:c"})),
    "alb-http-redirects-only": (
        Res(R.LISTENER, {"protocol": "HTTP", "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443"}}]}),
        Res(R.LISTENER, {"protocol": "HTTP", "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}]})),
    "alb-no-http-rules": (
        StackFx([Res(R.LISTENER, {"arn": "arn:https", "protocol": "HTTPS"}), Res("aws:lb/listenerRule:ListenerRule", {"listenerArn": "arn:https"})]),
        StackFx([Res(R.LISTENER, {"arn": "arn:http", "protocol": "HTTP"}), Res("aws:lb/listenerRule:ListenerRule", {"listenerArn": "arn:http"})])),
    "cloudfront-viewer-https": (Res(R.DISTRIBUTION, distribution()),
                                Res(R.DISTRIBUTION, distribution(defaultCacheBehavior={"viewerProtocolPolicy": "allow-all"}))),
    "cloudfront-origin-https": (Res(R.DISTRIBUTION, distribution()),
                                Res(R.DISTRIBUTION, distribution(origins=[{"originId": "alb", "domainName": "o.example.com",
                                                                           "customOriginConfig": {"originProtocolPolicy": "http-only",
                                                                                                  "originSslProtocols": ["TLSv1"]}}]))),
    "elasticache-transit-encryption": (Res(R.CACHE, {"transitEncryptionEnabled": True, "transitEncryptionMode": "required"}),
                                       Res(R.CACHE, {"transitEncryptionEnabled": True, "transitEncryptionMode": "preferred"})),
    "rds-force-ssl": (Res(R.RDS_PARAMS, {"family": "postgres16", "parameters": [{"name": "rds.force_ssl", "value": "1"}]}),
                      Res(R.RDS_CLUSTER_PARAMS, {"family": "aurora-postgresql16", "parameters": []})),
    "s3-tls-only": (bucket_stack(), bucket_stack(tls=False)),
    "efs-tls-only": (
        StackFx([Res(R.EFS, {"id": "fs-1"}), Res(R.EFS_POLICY, {"fileSystemId": "fs-1", "policy": doc(
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})})]),
        StackFx([Res(R.EFS, {"id": "fs-1"})])),
    # network exposure
    "rds-not-public": (Res(R.RDS_INSTANCE, rds()), Res(R.RDS_CLUSTER_INSTANCE, {"publiclyAccessible": True})),
    "rds-private-subnets": (placement(R.RDS_SUBNETS, ("subnetIds",), False), placement(R.RDS_SUBNETS, ("subnetIds",), True)),
    "elasticache-private-subnets": (placement(R.CACHE_SUBNETS, ("subnetIds",), False), placement(R.CACHE_SUBNETS, ("subnetIds",), True)),
    "ecs-no-public-ip": (Res(R.ECS_SERVICE, {"networkConfiguration": {"assignPublicIp": False}}),
                         Res(R.ECS_SERVICE, {"networkConfiguration": {"assignPublicIp": True}})),
    "ecs-private-subnets": (placement(R.ECS_SERVICE, ("networkConfiguration", "subnets"), False),
                            placement(R.ECS_SERVICE, ("networkConfiguration", "subnets"), True)),
    "sg-no-open-ingress": (ingress("0.0.0.0/0", 443), ingress("0.0.0.0/0", 22)),
    "default-sg-closed": (StackFx([Res(R.VPC, {"id": "vpc-1"}), Res(R.DEFAULT_SG, {"vpcId": "vpc-1", "ingress": [], "egress": []})]),
                          StackFx([Res(R.VPC, {"id": "vpc-1"})])),
    "batch-private-subnets": (placement(R.BATCH_CE, ("computeResources", "subnets"), False),
                              placement(R.BATCH_CE, ("computeResources", "subnets"), True)),
    "eks-endpoint-private": (Res(R.EKS_COMPONENT, {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"],
                                                   "endpointPrivateAccess": True}),
                             Res(R.EKS_CLUSTER, {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}})),
    "eks-nodes-private": (Res(R.EKS_COMPONENT, {"nodeAssociatePublicIpAddress": False, "privateSubnetIds": ["subnet-1"]}),
                          Res(R.EKS_COMPONENT, {"privateSubnetIds": ["subnet-1"]})),
    "eks-node-groups-private": (placement(R.EKS_NODE_GROUP, ("subnetIds",), False), placement(R.EKS_NODE_GROUP, ("subnetIds",), True)),
    "ec2-imdsv2": (Res(R.INSTANCE, {"metadataOptions": {"httpTokens": "required"}}),
                   Res(R.LAUNCH_TEMPLATE, {"metadataOptions": {"httpTokens": "optional"}})),
    "ec2-no-public-ip": (Res(R.INSTANCE, {"associatePublicIpAddress": True, "sourceDestCheck": False}),
                         Res(R.INSTANCE, {"associatePublicIpAddress": True})),
    "subnet-public-ip-only-public-tier": (Res(R.SUBNET, {"mapPublicIpOnLaunch": True, "tags": {"tier": "public"}}),
                                          Res(R.SUBNET, {"mapPublicIpOnLaunch": True, "tags": {"tier": "private"}})),
    "alb-waf-or-cloudfront-only": (
        StackFx([Res(R.LB, {"internal": False, "securityGroups": ["sg-lb"], "arn": "arn:lb"}),
                 Res(R.SG_INGRESS, {"securityGroupId": "sg-lb", "prefixListId": "pl-cf", "fromPort": 443, "toPort": 443})]),
        StackFx([Res(R.LB, {"internal": False, "securityGroups": ["sg-lb"], "arn": "arn:lb"}),
                 Res(R.SG_INGRESS, {"securityGroupId": "sg-lb", "cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443})])),
    "cloudfront-waf": (Res(R.DISTRIBUTION, distribution()), Res(R.DISTRIBUTION, distribution(webAclId=None))),
    # public data
    "s3-public-access-block": (bucket_stack(), bucket_stack(pab=False)),
    "s3-no-public-acl": (Res(R.BUCKET, {"acl": "private"}), Res(R.BUCKET, {"acl": "public-read"})),
    "s3-policy-no-public-principal": (
        Res(R.BUCKET_POLICY, {"policy": doc({"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                                              "Action": "s3:GetObject", "Resource": "*",
                                              "Condition": {"StringEquals": {"AWS:SourceArn": "arn:d"}}})}),
        Res(R.BUCKET_POLICY, {"policy": doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})})),
    "s3-ownership-enforced": (bucket_stack(), bucket_stack(owner=False)),
    "cloudfront-s3-oac": (Res(R.DISTRIBUTION, distribution()),
                          Res(R.DISTRIBUTION, distribution(origins=[{"originId": "site", "domainName": "site.s3.us-east-1.amazonaws.com"}]))),
    # logging and monitoring
    "vpc-flow-logs": (StackFx([Res(R.VPC, {"id": "vpc-1"}), Res(R.FLOW_LOG, {"vpcId": "vpc-1"})]), StackFx([Res(R.VPC, {"id": "vpc-1"})])),
    "log-group-retention": (Res(R.LOG_GROUP, {"retentionInDays": 30}), Res(R.LOG_GROUP, {})),
    "alb-access-logs": (Res(R.LB, {"accessLogs": {"enabled": True, "bucket": "b"}}), Res(R.LB, {})),
    "cloudfront-access-logs": (
        StackFx([Res(R.DISTRIBUTION, distribution(loggingConfig=None, arn="arn:cf")),
                 Res(R.LOG_DELIVERY_SOURCE, {"resourceArn": "arn:cf", "logType": "ACCESS_LOGS"}, name="src")]),
        StackFx([Res(R.DISTRIBUTION, distribution(loggingConfig=None, arn="arn:cf")),
                 Res(R.LOG_DELIVERY_SOURCE, {"resourceArn": "arn:other", "logType": "ACCESS_LOGS"}, name="src")])),
    "waf-logging": (StackFx([Res(R.WAF_ACL, {"arn": "arn:acl"}), Res(R.WAF_LOGGING, {"resourceArn": "arn:acl"})]),
                    StackFx([Res(R.WAF_ACL, {"arn": "arn:acl"})])),
    "sfn-logging": (Res(R.SFN, {"loggingConfiguration": {"level": "ERROR", "logDestination": "arn:lg:*",
                                                         "includeExecutionData": True}}),
                    Res(R.SFN, {"loggingConfiguration": {"level": "OFF"}})),
    "ecs-container-insights": (Res(R.ECS_CLUSTER, {"settings": [{"name": "containerInsights", "value": "enabled"}]}), Res(R.ECS_CLUSTER, {})),
    "eks-control-plane-logging": (Res(R.EKS_COMPONENT, {"enabledClusterLogTypes": list(R.eks.EKS_LOG_TYPES)}),
                                  Res(R.EKS_CLUSTER, {"enabledClusterLogTypes": ["api", "audit"]})),
    "rds-log-exports": (Res(R.RDS_CLUSTER, rds(engine="aurora-postgresql")),
                        Res(R.RDS_INSTANCE, rds(engine="postgres", enabledCloudwatchLogsExports=[]))),
    "rds-enhanced-monitoring": (Res(R.RDS_INSTANCE, rds()), Res(R.RDS_CLUSTER_INSTANCE, {"monitoringInterval": 0.0})),
    # resilience
    "rds-backup-retention": (Res(R.RDS_INSTANCE, rds(backupRetentionPeriod=1.0, tags=DEV)),
                             Res(R.RDS_INSTANCE, rds(backupRetentionPeriod=3.0))),
    "rds-deletion-protection-prod": (Res(R.RDS_INSTANCE, rds(deletionProtection=False, tags=DEV)),
                                     Res(R.RDS_CLUSTER, rds(deletionProtection=False))),
    "rds-final-snapshot-prod": (Res(R.RDS_INSTANCE, rds()), Res(R.RDS_INSTANCE, rds(skipFinalSnapshot=True))),
    "rds-multi-az-prod": (Res(R.RDS_INSTANCE, rds()), Res(R.RDS_INSTANCE, rds(multiAz=False))),
    "aurora-multi-az-prod": (
        StackFx([Res(R.RDS_CLUSTER, {"id": "c1", "tags": PROD}, "cluster"),
                 Res(R.RDS_CLUSTER_INSTANCE, {"clusterIdentifier": "c1"}, "i1"), Res(R.RDS_CLUSTER_INSTANCE, {"clusterIdentifier": "c1"}, "i2")]),
        StackFx([Res(R.RDS_CLUSTER, {"id": "c1", "tags": PROD}, "cluster"), Res(R.RDS_CLUSTER_INSTANCE, {"clusterIdentifier": "c1"}, "i1")])),
    "nat-per-az-prod": (
        StackFx([Res(R.VPC, {"id": "v", "tags": PROD}), subnet("pa", True, "a"), subnet("pb", True, "b"),
                 subnet("qa", False, "a"), subnet("qb", False, "b"), Res(R.NAT, {"subnetId": "pa"}, "na"), Res(R.NAT, {"subnetId": "pb"}, "nb")]),
        StackFx([Res(R.VPC, {"id": "v", "tags": PROD}), subnet("pa", True, "a"), subnet("pb", True, "b"),
                 subnet("qa", False, "a"), subnet("qb", False, "b"), Res(R.NAT, {"subnetId": "pa"}, "na")])),
    "protect-stateful-prod": (StackFx([Res(R.RDS_INSTANCE, {"tags": PROD}, "db", protect=True)]),
                              StackFx([Res(R.RDS_INSTANCE, {"tags": PROD}, "db", protect=False)])),
    "s3-versioning": (bucket_stack(), bucket_stack(versioned=False)),
    "s3-lifecycle": (bucket_stack(), bucket_stack(lifecycle=False)),
    "elasticache-snapshots-prod": (Res(R.CACHE, {"snapshotRetentionLimit": 7, "tags": PROD}), Res(R.CACHE, {"snapshotRetentionLimit": 0, "tags": PROD})),
    "elasticache-failover-prod": (Res(R.CACHE, {"automaticFailoverEnabled": True, "multiAzEnabled": True, "tags": PROD}),
                                  Res(R.CACHE, {"automaticFailoverEnabled": False, "tags": PROD})),
    "log-group-retention-year": (Res(R.LOG_GROUP, {"retentionInDays": 400, "tags": PROD}),
                                 Res(R.LOG_GROUP, {"retentionInDays": 30, "tags": PROD})),
    "efs-backups": (StackFx([Res(R.EFS, {"id": "fs-1", "arn": "arn:fs-1"}, "fs"),
                             Res(R.EFS_BACKUP, {"fileSystemId": "fs-1", "backupPolicy": {"status": "ENABLED"}}, "fs-backup")]),
                    StackFx([Res(R.EFS, {"id": "fs-1", "arn": "arn:fs-1"}, "fs"),
                             Res(R.EFS_BACKUP, {"fileSystemId": "fs-1", "backupPolicy": {"status": "DISABLED"}}, "fs-backup")])),
    "alb-deletion-protection-prod": (Res(R.LB, {"enableDeletionProtection": True, "tags": PROD}), Res(R.LB, {"tags": PROD})),
    "ecs-circuit-breaker": (Res(R.ECS_SERVICE, {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}), Res(R.ECS_SERVICE, {})),
    # identity
    "iam-no-full-admin": (Res(R.ROLE_POLICY, {"policy": doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})}),
                          Res(R.ROLE_POLICY, {"policy": doc({"Effect": "Allow", "Action": "*", "Resource": "*"})})),
    "iam-no-admin-attachment": (Res(R.ROLE_ATTACHMENT, {"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
                                Res(R.ROLE_ATTACHMENT, {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})),
    "iam-role-no-policy-management-conflicts": (
        StackFx([Res(R.ROLE, {"id": "r", "name": "r"}), Res(R.ROLE_POLICY, {"role": "r", "policy": doc()})]),
        StackFx([Res(R.ROLE, {"id": "r", "name": "r", "managedPolicyArns": ["arn:p"]}), Res(R.ROLE_POLICY, {"role": "r", "policy": doc()})])),
    "iam-role-path": (role({"Effect": "Allow"}), Res(R.ROLE, {"path": "/"})),
    "irsa-roles-scoped": (role(irsa("system:serviceaccount:apps:api")), role(irsa("system:serviceaccount:apps:*"))),
    "workload-roles-scoped": (task_policy({"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ec2:DescribeVpcs"], "Resource": "*"}),
                              task_policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})),
    "github-oidc-trust-restricted": (role(github(["repo:acme/platform:ref:refs/heads/main"])), role(github(["repo:acme/*"]))),
    # supply chain
    "ecr-scan-on-push": (Res(R.ECR_REPO, {"imageScanningConfiguration": {"scanOnPush": True}}), Res(R.ECR_REPO, {})),
    "ecr-immutable-tags-prod": (Res(R.ECR_REPO, {"imageTagMutability": "IMMUTABLE", "tags": PROD}),
                                Res(R.ECR_REPO, {"imageTagMutability": "MUTABLE", "tags": PROD})),
    "ecr-lifecycle-policy": (StackFx([Res(R.ECR_REPO, {"name": "repo"}), Res(R.ECR_LIFECYCLE, {"repository": "repo"})]),
                             StackFx([Res(R.ECR_REPO, {"name": "repo"})])),
    "ecs-no-privileged": (Res(R.TASK_DEFINITION, task_definition({})), Res(R.TASK_DEFINITION, task_definition({"privileged": True}))),
    "ecs-no-plain-secrets": (Res(R.TASK_DEFINITION, task_definition({"environment": [{"name": "LOG_LEVEL", "value": "info"}]})),
                             Res(R.TASK_DEFINITION, task_definition({"environment": [{"name": "DB_PASSWORD", "value": "hunter2"}]}))),
    "ecs-pinned-images": (Res(R.TASK_DEFINITION, task_definition({})), Res(R.TASK_DEFINITION, task_definition({"image": "nginx:latest"}))),
    # added for breadth
    "sqs-encrypted": (Res(R.SQS_QUEUE, {"sqsManagedSseEnabled": True}), Res(R.SQS_QUEUE, {"sqsManagedSseEnabled": False})),
    "log-group-kms": (Res(R.LOG_GROUP, {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc"}), Res(R.LOG_GROUP, {})),
    "ecr-policy-not-public": (Res(R.ECR_POLICY, {"policy": doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                                "Action": "ecr:BatchGetImage"})}),
                              Res(R.ECR_POLICY, {"policy": doc({"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"})})),
    "sns-policy-not-public": (Res(R.SNS_TOPIC, {"policy": doc({"Effect": "Allow", "Principal": "*", "Action": "sns:Publish",
                                                                 "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}})}),
                              Res(R.SNS_POLICY, {"policy": doc({"Effect": "Allow", "Principal": "*", "Action": "sns:Publish"})})),
    "sqs-policy-not-public": (Res(R.SQS_POLICY, {"policy": doc({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                                "Action": "sqs:SendMessage"})}),
                              Res(R.SQS_QUEUE, {"policy": doc({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
                                                               "Condition": {"Bool": {"aws:SecureTransport": "true"}}})})),
    "kms-policy-not-public": (Res(R.KMS_KEY, {"policy": doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                                                            "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}}})}),
                              Res(R.KMS_KEY_POLICY, {"policy": doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*"})})),
    "s3-access-logging": (StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b"}, "b"),
                                   Res(R.BUCKET_LOGGINGS[0], {"bucket": "b", "targetBucket": "logs"})]),
                          StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b"}, "b")])),
    "rds-iam-auth": (Res(R.RDS_INSTANCE, rds(iamDatabaseAuthenticationEnabled=True)), Res(R.RDS_CLUSTER, rds())),
    "alb-drop-invalid-headers": (Res(R.LB, {"dropInvalidHeaderFields": True}), Res(R.ALB_LB, {})),
    "waf-known-bad-inputs": (Res(R.WAF_ACL, {"rules": [{"statement": {"managedRuleGroupStatement": {
                                 "name": "AWSManagedRulesKnownBadInputsRuleSet", "vendorName": "AWS"}}}]}),
                             Res(R.WAF_ACL, {"rules": [{"statement": {"managedRuleGroupStatement": {
                                 "name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}}}]})),
    "elasticache-redis-auth": (Res(R.CACHE, {"engine": "redis", "engineVersion": "5.0.6", "authToken": "secret"}),
                               Res(R.CACHE, {"engine": "redis", "engineVersion": "5.0.6"})),
    "iam-trust-not-public": (role({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}),
                             role({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})),
    "ecs-read-only-root": (Res(R.TASK_DEFINITION, task_definition({"readonlyRootFilesystem": True})),
                           Res(R.TASK_DEFINITION, task_definition({}))),
    "batch-no-privileged": (Res(R.BATCH_JOB, {"containerProperties": json.dumps({"image": "i"})}),
                            Res(R.BATCH_JOB, {"containerProperties": json.dumps({"image": "i", "privileged": True})})),
    "eks-node-groups-no-open-ssh": (Res(R.EKS_NODE_GROUP, {"remoteAccess": {"ec2SshKey": "k", "sourceSecurityGroupIds": ["sg-bastion"]}}),
                                    Res(R.EKS_NODE_GROUP, {"remoteAccess": {"ec2SshKey": "k"}})),
    "secrets-rotated": (StackFx([Res(R.SECRET, {"id": "arn:s", "arn": "arn:s"}, "s"), Res(R.SECRET_ROTATION, {"secretId": "arn:s"})]),
                        StackFx([Res(R.SECRET, {"id": "arn:s", "arn": "arn:s"}, "s")])),
    "acm-rsa-2048": (Res(R.CERTIFICATE, {"keyAlgorithm": "EC_prime256v1"}), Res(R.CERTIFICATE, {"keyAlgorithm": "RSA_1024"})),
    "ecs-task-isolation": (Res(R.TASK_DEFINITION, {"networkMode": "awsvpc", **task_definition({})}),
                           Res(R.TASK_DEFINITION, {"pidMode": "host", **task_definition({})})),
    "ecs-logging": (Res(R.TASK_DEFINITION, task_definition({"logConfiguration": {"logDriver": "awslogs"}})),
                    Res(R.TASK_DEFINITION, task_definition({}))),
    "ecs-fargate-latest": (Res(R.ECS_SERVICE, {"platformVersion": "LATEST"}), Res(R.ECS_SERVICE, {"platformVersion": "1.3.0"})),
    "efs-access-points-scoped": (Res(R.EFS_ACCESS_POINT, {"rootDirectory": {"path": "/data"}, "posixUser": {"uid": 1000, "gid": 1000}}),
                                 Res(R.EFS_ACCESS_POINT, {"rootDirectory": {"path": "/"}, "posixUser": {"uid": 1000, "gid": 1000}})),
    "alb-desync-defensive": (Res(R.LB, {"desyncMitigationMode": "strictest"}), Res(R.ALB_LB, {"desyncMitigationMode": "monitor"})),
    "lb-multi-az": (Res(R.LB, {"subnets": ["subnet-a", "subnet-b"]}), Res(R.ALB_LB, {"subnets": ["subnet-a", "subnet-a"]})),
    "elasticache-maintained": (Res(R.CACHE, {"autoMinorVersionUpgrade": True, "subnetGroupName": "cache-subnets"}),
                               Res(R.CACHE, {"autoMinorVersionUpgrade": False, "subnetGroupName": "cache-subnets"})),
    "iam-no-user-policies": (Res(R.ROLE_POLICY, {"policy": doc()}), Res(R.USER_ATTACHMENT, {"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"})),
    "kms-no-decrypt-everything": (Res(R.POLICY, {"policy": doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:1:key/k"})}),
                                  Res(R.POLICY, {"policy": doc({"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*"})})),
    "rds-minor-upgrades": (Res(R.RDS_INSTANCE, rds(autoMinorVersionUpgrade=True)), Res(R.RDS_INSTANCE, rds(autoMinorVersionUpgrade=False))),
    "rds-copy-tags": (Res(R.RDS_INSTANCE, rds(copyTagsToSnapshot=True)), Res(R.RDS_CLUSTER, rds(copyTagsToSnapshot=False))),
    "rds-in-vpc": (Res(R.RDS_INSTANCE, rds(dbSubnetGroupName="db-subnets")), Res(R.RDS_INSTANCE, rds())),
    "rds-custom-admin": (Res(R.RDS_INSTANCE, rds(username="appadmin")), Res(R.RDS_CLUSTER, rds(masterUsername="postgres"))),
    "secrets-rotation-period": (Res(R.SECRET_ROTATION, {"rotationRules": {"automaticallyAfterDays": 90}}),
                                Res(R.SECRET_ROTATION, {"rotationRules": {"automaticallyAfterDays": 91}})),
    "waf-rules-with-metrics": (
        Res(R.WAF_ACL, {"visibilityConfig": {"cloudwatchMetricsEnabled": True},
                        "rules": [{"name": "r", "visibilityConfig": {"cloudwatchMetricsEnabled": True}}]}),
        Res(R.WAF_ACL, {"visibilityConfig": {"cloudwatchMetricsEnabled": True},
                        "rules": [{"name": "r", "visibilityConfig": {"cloudwatchMetricsEnabled": False}}]})),
    "cloudfront-default-root-object": (Res(R.DISTRIBUTION, distribution(defaultRootObject="index.html")), Res(R.DISTRIBUTION, distribution())),
    "s3-no-cross-account-admin": (
        Res(R.BUCKET_POLICY, {"policy": doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "s3:GetObject"})}),
        Res(R.BUCKET_POLICY, {"policy": doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "s3:PutBucketPolicy"})})),
    "iam-no-service-wildcards": (Res(R.POLICY, {"policy": doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})}),
                                 Res(R.POLICY, {"policy": doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"})})),
    "rds-backup-plan": (StackFx([Res(R.RDS_INSTANCE, {"arn": "arn:db", "engine": "postgres"}, "db"), Res(R.BACKUP_SELECTION, {"resources": ["arn:db"]})]),
                        StackFx([Res(R.RDS_CLUSTER, {"arn": "arn:db"}, "db"), Res(R.BACKUP_SELECTION, {"resources": ["arn:efs"]})])),
    "vpc-ec2-endpoint": (StackFx([Res(R.VPC, {"id": "v"}), Res(R.VPC_ENDPOINT, {"vpcId": "v", "serviceName": "com.amazonaws.us-east-1.ec2"})]),
                         StackFx([Res(R.VPC, {"id": "v"}), Res(R.VPC_ENDPOINT, {"vpcId": "v", "serviceName": "com.amazonaws.us-east-1.s3"})])),
    "rds-event-subscriptions": (
        StackFx([Res(R.RDS_INSTANCE, {}, "db"), Res(R.RDS_CLUSTER, {}, "c"), Res(R.RDS_PARAMS, {}, "p"),
                 *[Res(R.RDS_EVENTS, {"sourceType": k}, k) for k in ("db-cluster", "db-instance", "db-parameter-group", "db-security-group")]]),
        StackFx([Res(R.RDS_INSTANCE, {}, "db"), Res(R.RDS_CLUSTER, {}, "c"), Res(R.RDS_PARAMS, {}, "p"),
                 Res(R.RDS_EVENTS, {"sourceType": "db-snapshot"}, "s")])),
    # Backtracking is Aurora MySQL's: a 1-second window passes, 0 fails (PostgreSQL clusters are never judged).
    "rds-aurora-backtrack": (Res(R.RDS_CLUSTER, {"engine": "aurora-mysql", "backtrackWindow": 1}),
                             Res(R.RDS_CLUSTER, {"engine": "aurora-mysql", "backtrackWindow": 0})),
    "rds-non-default-port": (Res(R.RDS_INSTANCE, {"engine": "postgres", "port": 6432}), Res(R.RDS_CLUSTER, {"engine": "aurora-postgresql", "port": 5432})),
    "route53-query-logging": (StackFx([Res(R.ZONE, {"zoneId": "Z1"}), Res(R.QUERY_LOG, {"zoneId": "Z1"})]),
                              StackFx([Res(R.ZONE, {"zoneId": "Z1"}), Res(R.QUERY_LOG, {"zoneId": "Z2"})])),
    "s3-replication": (StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b"}, "b"), Res(R.BUCKET_REPLICATION, {"bucket": "b"})]),
                       StackFx([Res(R.BUCKET_V2, {"id": "b", "bucket": "b"}, "b"), Res(R.BUCKET_REPLICATION, {"bucket": "other"})])),
    "s3-event-notifications": (StackFx([Res(R.BUCKET_V2, {"id": "b", "bucket": "b"}, "b"), Res(R.BUCKET_NOTIFICATION, {"bucket": "b", "eventbridge": True})]),
                               StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b"}, "b"), Res(R.BUCKET_NOTIFICATION, {"bucket": "other"})])),
    "s3-object-lock": (StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b", "objectLockEnabled": True}, "b"),
                                Res(R.BUCKET_OBJECT_LOCK[0], {"bucket": "b"}), Res(R.BUCKET_OBJECT_LOCK[1], {"bucket": "b"}),
                                Res(R.BUCKET_V2, {"id": "c", "bucket": "c", "objectLockEnabled": True}, "c")]),
                       StackFx([Res(R.BUCKET_V2, {"id": "b", "bucket": "b"}, "b"), Res(R.BUCKET, {"id": "c", "bucket": "c"}, "c"),
                                Res(R.BUCKET_OBJECT_LOCK[0], {"bucket": "x"}), Res(R.BUCKET_OBJECT_LOCK[1], {"bucket": "y"})])),
    "s3-mfa-delete": (StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b", "versioning": {"mfaDelete": True}}, "b"),
                               Res(R.BUCKET_V2, {"id": "c", "bucket": "c"}, "c"),
                               Res(R.BUCKET_VERSIONINGS[0], {"bucket": "c", "versioningConfiguration": {"mfaDelete": "Enabled"}}),
                               Res(R.BUCKET_VERSIONINGS[1], {"bucket": "x", "versioningConfiguration": {"mfaDelete": "Enabled"}}),
                               Res(R.BUCKET, {"id": "x", "bucket": "x", "versioning": {"mfaDelete": True}}, "x")]),
                      StackFx([Res(R.BUCKET_V2, {"id": "b", "bucket": "b"}, "b"), Res(R.BUCKET, {"id": "c", "bucket": "c"}, "c"),
                               Res(R.BUCKET_VERSIONINGS[0], {"bucket": "b", "versioningConfiguration": {"mfaDelete": "Disabled"}}),
                               Res(R.BUCKET_VERSIONINGS[1], {"bucket": "c", "versioningConfiguration": {"mfaDelete": "Disabled"}})])),
    "sns-delivery-logging": (Res(R.SNS_TOPIC, {"sqsFailureFeedbackRoleArn": "arn:role"}), Res(R.SNS_TOPIC, {})),
    "elasticache-client-auth": (Res(R.CACHE, {"userGroupIds": ["app-users"]}), Res(R.CACHE, {"engineVersion": "7.1"})),
    "cloudfront-origin-failover": (Res(R.DISTRIBUTION, distribution(originGroups=[{"originId": "g"}])), Res(R.DISTRIBUTION, distribution())),
    # tagging
    "required-tags": (Res(R.VPC, {"tags": PROD}), Res(R.VPC, {"tags": {"env": "prod"}})),
}


def test_every_rule_has_fixtures() -> None:
    assert sorted(CASES) == sorted(r.name for r in RULES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_compliant_fixture_passes(name: str) -> None:
    assert evaluate(name, CASES[name][0]) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_violating_fixture_is_reported_with_the_fix(name: str) -> None:
    found = evaluate(name, CASES[name][1])
    rule = next(r for r in RULES if r.name == name)
    assert found, f"{name} did not fire"
    assert all(message.endswith(f"Fix: {rule.remediation}") for message in found)


def test_prod_only_rules_stay_quiet_outside_prod_unless_configured() -> None:
    dev_db = Res(R.RDS_INSTANCE, rds(multiAz=False, tags=DEV))
    assert evaluate("rds-multi-az-prod", dev_db) == []
    assert evaluate("rds-multi-az-prod", dev_db, config={"environment": "prod"})


def test_rules_are_well_formed() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names)) >= 40
    for rule in RULES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.description and rule.remediation and rule.group in GROUPS
        assert (rule.check is None) != (rule.stack_check is None)
        assert rule.enforcement in ("mandatory", "advisory")
        if rule.fsbp:
            assert re.fullmatch(r"[A-Za-z0-9]+\.\d+", rule.fsbp), rule.fsbp
    # Opt-in rules reach the engine disabled; a stack's pack config turns them on.
    assert {p.enforcement_level for p, r in zip(POLICIES, RULES, strict=True) if not r.opt_in} <= {
        EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY}
    assert {p.enforcement_level for p, r in zip(POLICIES, RULES, strict=True) if r.opt_in} == {EnforcementLevel.DISABLED}
    assert len({r.group for r in RULES}) == len(GROUPS)


@pytest.mark.parametrize(("props", "fires"), [
    ({}, True),  # unset: pulumi-eks and EKS default to a public endpoint open to everyone
    ({"endpointPublicAccess": False}, False),  # private only
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"], "endpointPrivateAccess": True}, True),
    # Limited to the deploy runner's CIDRs: what a stack that creates its VPC can deploy through...
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["198.51.100.7/32"], "endpointPrivateAccess": True}, False),
    # ...but nodes must then reach the API privately: private access unset or off is refused.
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["198.51.100.7/32"]}, True),
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["198.51.100.7/32"], "endpointPrivateAccess": False}, True),
])
def test_eks_endpoint_boundaries(props: dict[str, Any], fires: bool) -> None:
    assert bool(evaluate("eks-endpoint-private", Res(R.EKS_COMPONENT, props))) is fires


def test_backtracking_is_judged_only_on_aurora_mysql() -> None:
    assert evaluate("rds-aurora-backtrack", Res(R.RDS_CLUSTER, {"engine": "aurora-postgresql"})) == []
    assert evaluate("rds-aurora-backtrack", Res(R.RDS_CLUSTER, {"engine": "aurora-mysql"}))  # unset: AWS's 0
