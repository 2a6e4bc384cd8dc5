"""Every rule on every resource type that can express its control, and at its boundaries.

`test_rules.CASES` gives each rule one compliant and one violating fixture; here each further type a
rule handles gets its own pair (the same control through an alias, a separate resource, an inline
setting, a V2 form), and `BOUNDARIES` pins each resource rule at the property left unset (AWS's
default), the nearest compliant and the nearest non-compliant value.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies import rules as R
from policies.rules import RULES
from tests.policies.test_rules import CASES, DEV, PROD, Res, StackFx, doc, evaluate, rds, role, task_definition

PUBLIC = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
SCOPED = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "*", "Resource": "*"}
ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
TLS_ONLY = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def bucket(kind: str = R.BUCKET, **props: Any) -> Res:
    return Res(kind, {"id": "b", "bucket": "b", "tags": {"purpose": "data"}, **props}, "b")


def part(kind: str, **props: Any) -> Res:
    return Res(kind, {"bucket": "b", **props}, "b-part")


def pair(rule: str, passing: Any, failing: Any) -> tuple[str, Any, Any]:
    return rule, passing, failing


EXTRA: list[tuple[str, Any, Any]] = [
    # encryption at rest
    pair("rds-storage-encrypted", Res(R.RDS_CLUSTER, {"storageEncrypted": True}), Res(R.RDS_CLUSTER, {})),
    pair("rds-storage-encrypted", Res(R.RDS_INSTANCE, {"replicateSourceDb": "db-1"}),  # a replica inherits
         Res(R.RDS_INSTANCE, {"storageEncrypted": False})),
    pair("eks-secrets-encrypted", Res(R.EKS_CLUSTER, {"encryptionConfig": {"resources": ["secrets"]}}),
         Res(R.EKS_COMPONENT, {})),
    pair("ec2-volumes-encrypted", Res(R.LAUNCH_TEMPLATE, {"blockDeviceMappings": [{"ebs": {"encrypted": "true"}}]}),
         Res(R.INSTANCE, {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"encrypted": False}]})),
    pair("s3-data-buckets-sse-kms",
         StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_SSES[1], rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}])]),
         StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_SSES[1], rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}])])),
    pair("s3-data-buckets-sse-kms",  # inline on the bucket: recognised, not a false alarm
         StackFx([bucket(serverSideEncryptionConfiguration={"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}})]),
         StackFx([bucket(serverSideEncryptionConfiguration={"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}})])),
    pair("s3-data-buckets-sse-kms",
         StackFx([bucket(R.BUCKET_V2, serverSideEncryptionConfigurations=[
             {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms:dsse"}}]}])]),
         StackFx([bucket(R.BUCKET_V2)])),
    # encryption in transit
    pair("alb-https-tls13", Res(R.ALB_LISTENER, {"protocol": "TLS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "certificateArn": "c"}),
         Res(R.ALB_LISTENER, {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"})),
    pair("alb-http-redirects-only",
         Res(R.ALB_LISTENER, {"protocol": "HTTP", "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS"}}]}),
         Res(R.ALB_LISTENER, {"protocol": "HTTP", "defaultActions": [{"type": "fixed-response"}]})),
    pair("alb-no-http-rules",
         StackFx([Res(R.ALB_LISTENER, {"arn": "arn:https", "protocol": "HTTPS"}), Res(R.ALB_LISTENER_RULE, {"listenerArn": "arn:https"})]),
         StackFx([Res(R.ALB_LISTENER, {"arn": "arn:http", "protocol": "HTTP"}), Res(R.ALB_LISTENER_RULE, {"listenerArn": "arn:http"})])),
    # A Memcached cluster (Memcached 1.6.12+) has one TLS switch and no mode.
    pair("elasticache-transit-encryption", Res(R.CACHE_CLUSTER, {"engine": "memcached", "transitEncryptionEnabled": True}),
         Res(R.CACHE_CLUSTER, {"engine": "memcached", "transitEncryptionEnabled": False})),
    pair("rds-force-ssl", Res(R.RDS_CLUSTER_PARAMS, {"family": "aurora-mysql8.0", "parameters": [{"name": "require_secure_transport", "value": "ON"}]}),
         Res(R.RDS_PARAMS, {"family": "mysql8.0", "parameters": [{"name": "require_secure_transport", "value": "OFF"}]})),
    pair("rds-force-ssl", Res(R.RDS_PARAMS, {"family": "mariadb10.11", "parameters": [{"name": "require_secure_transport", "value": "1"}]}),
         Res(R.RDS_CLUSTER_PARAMS, {"family": "aurora-postgresql16", "parameters": [{"name": "rds.force_ssl", "value": "0"}]})),
    pair("s3-tls-only", StackFx([bucket(R.BUCKET_V2), Res(R.BUCKET_POLICY, {"bucket": "b", "policy": doc(TLS_ONLY)})]),
         StackFx([bucket(R.BUCKET_V2)])),
    pair("s3-tls-only", StackFx([bucket(policy=doc(TLS_ONLY))]), StackFx([bucket(policy=doc(READ))])),  # inline policy
    pair("efs-tls-only",
         StackFx([Res(R.EFS, {"id": "fs-1"}), Res(R.EFS_POLICY, {"fileSystemId": "fs-1", "policy": doc({**TLS_ONLY, "Action": "*"})})]),
         StackFx([Res(R.EFS, {"id": "fs-1"}), Res(R.EFS_POLICY, {"fileSystemId": "fs-1", "policy": doc(READ)})])),
    # network exposure
    pair("rds-not-public", Res(R.RDS_CLUSTER_INSTANCE, {"publiclyAccessible": False}), Res(R.RDS_INSTANCE, {"publiclyAccessible": True})),
    pair("sg-no-open-ingress",
         StackFx([Res(R.SG, {"id": "sg-1", "ingress": [{"cidrBlocks": ["10.0.0.0/16"], "fromPort": 22, "toPort": 22}]})]),
         StackFx([Res(R.SG, {"id": "sg-1", "ingress": [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 22, "toPort": 22}]})])),
    pair("sg-no-open-ingress", StackFx([Res(R.DEFAULT_SG, {"id": "sg-d", "ingress": []})]),
         StackFx([Res(R.DEFAULT_SG, {"id": "sg-d", "ingress": [{"ipv6CidrBlocks": ["::/0"], "fromPort": 0, "toPort": 65535}]})])),
    pair("sg-no-open-ingress",
         StackFx([Res(R.SG_RULE, {"type": "egress", "securityGroupId": "sg-1", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 0, "toPort": 0, "protocol": "-1"})]),
         StackFx([Res(R.SG_RULE, {"type": "ingress", "securityGroupId": "sg-1", "cidrBlocks": ["0.0.0.0/0"],
                                  "fromPort": 443, "toPort": 443, "protocol": "-1"})])),
    pair("default-sg-closed",
         StackFx([Res(R.VPC, {"id": "vpc-1"}), Res(R.DEFAULT_SG, {"id": "sg-d", "vpcId": "vpc-1"}),
                  Res(R.SG_INGRESS, {"securityGroupId": "sg-app"}, "r1"), Res(R.SG_EGRESS, {"securityGroupId": "sg-app"}, "r2"),
                  Res(R.SG_RULE, {"securityGroupId": "sg-app"}, "r3")]),
         StackFx([Res(R.VPC, {"id": "vpc-1"}), Res(R.DEFAULT_SG, {"id": "sg-d", "vpcId": "vpc-1"}),
                  Res(R.SG_INGRESS, {"securityGroupId": "sg-d"}, "r1"), Res(R.SG_EGRESS, {"securityGroupId": "sg-d"}, "r2"),
                  Res(R.SG_RULE, {"securityGroupId": "sg-d"}, "r3")])),
    pair("eks-endpoint-private", Res(R.EKS_CLUSTER, {"vpcConfig": {"endpointPublicAccess": False}}), Res(R.EKS_COMPONENT, {})),
    pair("ec2-imdsv2", Res(R.LAUNCH_TEMPLATE, {"metadataOptions": {"httpTokens": "required"}}), Res(R.INSTANCE, {})),
    pair("alb-waf-or-cloudfront-only",
         StackFx([Res(R.ALB_LB, {"internal": True, "arn": "arn:lb"})]),
         StackFx([Res(R.ALB_LB, {"internal": False, "securityGroups": ["sg-lb"], "arn": "arn:lb"})])),
    # public data
    pair("s3-public-access-block",
         StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_PAB, blockPublicAcls=True, blockPublicPolicy=True, ignorePublicAcls=True, restrictPublicBuckets=True)]),
         StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_PAB, blockPublicAcls=True, blockPublicPolicy=True, ignorePublicAcls=True, restrictPublicBuckets=False)])),
    pair("s3-no-public-acl", Res(R.BUCKET_ACLS[1], {"acl": "private"}), Res(R.BUCKET_V2, {"acl": "public-read-write"})),
    pair("s3-no-public-acl", Res(R.BUCKET_V2, {"acl": "private"}), Res(R.BUCKET_ACL, {"acl": "authenticated-read"})),
    pair("s3-no-public-acl", Res(R.BUCKET_ACL, {"accessControlPolicy": {"grants": [{"grantee": {"type": "CanonicalUser", "id": "x"}}]}}),
         Res(R.BUCKET_ACLS[1], {"accessControlPolicy": {"grants": [{"grantee": {"uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]}})),
    pair("s3-policy-no-public-principal", Res(R.BUCKET, {"policy": doc(TLS_ONLY)}), Res(R.BUCKET_V2, {"policy": doc({**PUBLIC, "Action": "s3:GetObject"})})),
    pair("s3-policy-no-public-principal",  # a condition that restricts (the account) vs one that does not (TLS)
         Res(R.BUCKET_V2, {"policy": doc({**PUBLIC, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}})}),
         Res(R.BUCKET, {"policy": doc({**PUBLIC, "Condition": {"Bool": {"aws:SecureTransport": "true"}}})})),
    pair("sns-policy-not-public", Res(R.SNS_POLICY, {"policy": doc(SCOPED)}), Res(R.SNS_TOPIC, {"policy": doc(PUBLIC)})),
    pair("sqs-policy-not-public", Res(R.SQS_QUEUE, {"policy": doc(SCOPED)}), Res(R.SQS_POLICY, {"policy": doc(PUBLIC)})),
    pair("kms-policy-not-public", Res(R.KMS_KEY_POLICY, {"policy": doc(SCOPED)}), Res(R.KMS_KEY, {"policy": doc({**PUBLIC, "Condition": {
        "StringLike": {"aws:SourceArn": "*"}}})})),  # a wildcard-only value restricts nothing
    pair("s3-ownership-enforced", StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_OWNERSHIP, rule={"objectOwnership": "BucketOwnerEnforced"})]),
         StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_OWNERSHIP, rule={"objectOwnership": "ObjectWriter"})])),
    # logging and monitoring
    pair("vpc-flow-logs", StackFx([Res(R.VPC, {"id": "vpc-1"}), Res(R.FLOW_LOG, {"vpcId": "vpc-1"})]),
         StackFx([Res(R.VPC, {"id": "vpc-1"}), Res(R.FLOW_LOG, {"vpcId": "vpc-other"})])),
    pair("alb-access-logs", Res(R.ALB_LB, {"accessLogs": {"enabled": True}}), Res(R.ALB_LB, {"loadBalancerType": "network"})),
    pair("s3-access-logging", StackFx([bucket(R.BUCKET_V2, loggings=[{"targetBucket": "logs"}])]), StackFx([bucket(R.BUCKET_V2)])),
    pair("s3-access-logging", StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_LOGGINGS[1], targetBucket="logs")]),
         StackFx([bucket(R.BUCKET_V2), Res(R.BUCKET_LOGGINGS[1], {"bucket": "other", "targetBucket": "logs"})])),
    pair("s3-access-logging", StackFx([bucket(logging={"targetBucket": "logs"})]),
         StackFx([bucket(), Res(R.BUCKET_LOGGINGS[0], {"bucket": "other", "targetBucket": "logs"})])),
    pair("waf-logging", StackFx([Res(R.WAF_ACL, {"arn": "arn:acl"}), Res(R.WAF_LOGGING, {"resourceArn": "arn:acl"})]),
         StackFx([Res(R.WAF_ACL, {"arn": "arn:acl"}), Res(R.WAF_LOGGING, {"resourceArn": "arn:other"})])),
    pair("eks-control-plane-logging", Res(R.EKS_CLUSTER, {"enabledClusterLogTypes": list(R.eks.EKS_LOG_TYPES)}),
         Res(R.EKS_COMPONENT, {"enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager"]})),
    pair("rds-log-exports", Res(R.RDS_INSTANCE, {"engine": "mysql", "enabledCloudwatchLogsExports": ["error", "slowquery"]}),
         Res(R.RDS_CLUSTER, {"engine": "aurora-mysql", "enabledCloudwatchLogsExports": ["postgresql"]})),
    pair("rds-log-exports", Res(R.RDS_CLUSTER, {"engine": "aurora-postgresql", "enabledCloudwatchLogsExports": ["postgresql"]}),
         Res(R.RDS_INSTANCE, {"engine": "mariadb", "enabledCloudwatchLogsExports": ["general"]})),
    # Aurora MySQL exports its audit log too (RDS.34): error alone fails, error and audit pass.
    pair("rds-log-exports", Res(R.RDS_CLUSTER, {"engine": "aurora-mysql", "enabledCloudwatchLogsExports": ["error", "audit"]}),
         Res(R.RDS_CLUSTER, {"engine": "aurora-mysql", "enabledCloudwatchLogsExports": ["error", "slowquery"]})),
    pair("rds-enhanced-monitoring", Res(R.RDS_CLUSTER_INSTANCE, {"monitoringInterval": 1}), Res(R.RDS_INSTANCE, {})),
    pair("rds-iam-auth", Res(R.RDS_CLUSTER, {"iamDatabaseAuthenticationEnabled": True}),
         Res(R.RDS_INSTANCE, {"engine": "postgres", "iamDatabaseAuthenticationEnabled": False})),
    # resilience
    # Minor upgrades are not Memcached's to take: only the subnet group is judged.
    pair("elasticache-maintained", Res(R.CACHE_CLUSTER, {"engine": "memcached", "autoMinorVersionUpgrade": False,
                                                          "subnetGroupName": "cache-subnets"}),
         Res(R.CACHE_CLUSTER, {"engine": "memcached"})),
    pair("rds-backup-retention", Res(R.RDS_CLUSTER, {"backupRetentionPeriod": 7, "tags": PROD}), Res(R.RDS_CLUSTER, {"tags": DEV})),
    pair("rds-deletion-protection-prod", Res(R.RDS_CLUSTER, {"deletionProtection": True, "tags": PROD}),
         Res(R.RDS_INSTANCE, {"tags": PROD})),
    pair("rds-final-snapshot-prod", Res(R.RDS_CLUSTER, {"skipFinalSnapshot": False, "finalSnapshotIdentifier": "f", "tags": PROD}),
         Res(R.RDS_CLUSTER, {"skipFinalSnapshot": False, "tags": PROD})),
    pair("nat-per-az-prod",
         StackFx([Res(R.VPC, {"id": "v", "tags": PROD}), Res(R.SUBNET, {"id": "pa", "availabilityZone": "a", "tags": {"tier": "public"}}),
                  Res(R.SUBNET, {"id": "qa", "availabilityZone": "a", "tags": {"tier": "private"}}, "qa"),
                  Res(R.NAT, {"subnetId": "pa"}, "na"), Res(R.INSTANCE, {"sourceDestCheck": True}, "app")]),
         StackFx([Res(R.VPC, {"id": "v", "tags": PROD}), Res(R.SUBNET, {"id": "qa", "availabilityZone": "a", "tags": {"tier": "private"}}),
                  Res(R.INSTANCE, {"sourceDestCheck": False}, "nat-instance")])),  # a NAT instance in prod
    pair("s3-versioning", StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_VERSIONINGS[1], versioningConfiguration={"status": "Enabled"})]),
         StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_VERSIONINGS[1], versioningConfiguration={"status": "Suspended"})])),
    pair("s3-versioning", StackFx([bucket(versioning={"enabled": True})]), StackFx([bucket(versioning={"enabled": False})])),
    pair("s3-versioning", StackFx([bucket(R.BUCKET_V2, versionings=[{"enabled": True}])]),
         StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_VERSIONING, versioningConfiguration={"status": "Suspended"})])),
    pair("s3-lifecycle", StackFx([bucket(R.BUCKET_V2), part(R.BUCKET_LIFECYCLES[1], rules=[])]), StackFx([bucket(R.BUCKET_V2)])),
    pair("s3-lifecycle", StackFx([bucket(), part(R.BUCKET_LIFECYCLE, rules=[])]),
         StackFx([bucket(), Res(R.BUCKET_LIFECYCLE, {"bucket": "other", "rules": []})])),
    pair("s3-lifecycle", StackFx([bucket(lifecycleRules=[{"enabled": True}])]),
         StackFx([bucket(), Res(R.BUCKET_LIFECYCLES[1], {"bucket": "other", "rules": []})])),
    pair("alb-deletion-protection-prod", Res(R.ALB_LB, {"enableDeletionProtection": True, "tags": PROD}), Res(R.ALB_LB, {"tags": PROD})),
    pair("alb-drop-invalid-headers", Res(R.ALB_LB, {"dropInvalidHeaderFields": True}), Res(R.LB, {"loadBalancerType": "application"})),
    # identity
    pair("iam-no-full-admin", Res(R.POLICY, {"policy": doc(READ)}), Res(R.POLICY, {"policy": doc(ADMIN)})),
    pair("iam-no-full-admin", Res(R.USER_POLICY, {"policy": doc(READ)}), Res(R.USER_POLICY, {"policy": doc(ADMIN)})),
    pair("iam-no-full-admin", Res(R.GROUP_POLICY, {"policy": doc(READ)}), Res(R.GROUP_POLICY, {"policy": doc(ADMIN)})),
    pair("iam-no-full-admin", Res(R.ROLE, {"inlinePolicies": [{"policy": doc(READ)}]}), Res(R.ROLE, {"inlinePolicies": [{"policy": doc(ADMIN)}]})),
    pair("iam-no-admin-attachment", Res(R.USER_ATTACHMENT, {"policyArn": READ_ARN}), Res(R.USER_ATTACHMENT, {"policyArn": ADMIN_ARN})),
    pair("iam-no-admin-attachment", Res(R.GROUP_ATTACHMENT, {"policyArn": READ_ARN}),
         Res(R.GROUP_ATTACHMENT, {"policyArn": "arn:aws:iam::aws:policy/IAMFullAccess"})),
    pair("iam-no-admin-attachment", Res(R.POLICY_ATTACHMENT, {"policyArn": READ_ARN}), Res(R.POLICY_ATTACHMENT, {"policyArn": ADMIN_ARN})),
    pair("iam-no-admin-attachment", Res(R.ROLE_ATTACHMENTS_EXCLUSIVE, {"policyArns": [READ_ARN]}),
         Res(R.ROLE_ATTACHMENTS_EXCLUSIVE, {"policyArns": [READ_ARN, ADMIN_ARN]})),
    pair("iam-no-admin-attachment", Res(R.ROLE, {"managedPolicyArns": [READ_ARN]}), Res(R.ROLE, {"managedPolicyArns": [ADMIN_ARN]})),
    pair("iam-role-no-policy-management-conflicts",
         StackFx([Res(R.ROLE, {"id": "r", "name": "r"}), Res(R.ROLE_ATTACHMENT, {"role": "r", "policyArn": READ_ARN})]),
         StackFx([Res(R.ROLE, {"id": "r", "name": "r", "inlinePolicies": [{"policy": doc(READ)}]}),
                  Res(R.ROLE_ATTACHMENT, {"role": "r", "policyArn": READ_ARN})])),
    pair("github-oidc-trust-restricted",  # an enterprise-scoped issuer, and a subject pinned by repository id
         role({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com/acme"},
               "Action": "sts:AssumeRoleWithWebIdentity",
               "Condition": {"StringEquals": {"token.actions.githubusercontent.com/acme:aud": "sts.amazonaws.com",
                                              "token.actions.githubusercontent.com/acme:sub": "repository_owner_id:7:repository_id:42:environment:prod"}}}),
         role({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com/acme"},
               "Action": "sts:AssumeRoleWithWebIdentity",
               "Condition": {"StringLike": {"token.actions.githubusercontent.com/acme:aud": "sts.amazonaws.com",
                                            "token.actions.githubusercontent.com/acme:sub": "repo:acme/*"}}})),
    # supply chain and the rest
    pair("ecr-lifecycle-policy", StackFx([Res(R.ECR_REPO, {"name": "repo"}), Res(R.ECR_LIFECYCLE, {"repository": "repo"})]),
         StackFx([Res(R.ECR_REPO, {"name": "repo"}), Res(R.ECR_LIFECYCLE, {"repository": "other"})])),
    pair("secrets-rotated", StackFx([Res(R.SECRET, {"id": "arn:s", "arn": "arn:s"}, "s"), Res(R.SECRET_ROTATION, {"secretId": "arn:s"})]),
         StackFx([Res(R.SECRET, {"id": "arn:s", "arn": "arn:s"}, "s"), Res(R.SECRET_ROTATION, {"secretId": "arn:other"})])),
]

EXTRA += [
    pair("ec2-no-public-ip", Res(R.LAUNCH_TEMPLATE, {"networkInterfaces": [{"associatePublicIpAddress": "false"}]}),
         Res(R.LAUNCH_TEMPLATE, {"networkInterfaces": [{"associatePublicIpAddress": "true"}]})),
    pair("alb-desync-defensive", Res(R.ALB_LB, {}), Res(R.LB, {"desyncMitigationMode": "monitor"})),
    pair("lb-multi-az", Res(R.ALB_LB, {"subnetMappings": [{"subnetId": "a"}, {"subnetId": "b"}]}), Res(R.LB, {"subnets": ["a"]})),
    pair("iam-no-user-policies", Res(R.GROUP_POLICY, {"policy": doc(READ)}), Res(R.USER_POLICY, {"policy": doc(READ)})),
    pair("kms-no-decrypt-everything", Res(R.ROLE_POLICY, {"policy": doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                                                                          "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}})}),
         Res(R.ROLE_POLICY, {"policy": doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})})),
    pair("kms-no-decrypt-everything", Res(R.USER_POLICY, {"policy": doc(READ)}), Res(R.USER_POLICY, {"policy": doc(ADMIN)})),
    pair("kms-no-decrypt-everything", Res(R.GROUP_POLICY, {"policy": doc(READ)}),
         Res(R.GROUP_POLICY, {"policy": doc({"Effect": "Allow", "Action": "kms:ReEncryptFrom", "Resource": "*"})})),
    pair("kms-no-decrypt-everything", Res(R.ROLE, {"inlinePolicies": [{"policy": doc(READ)}]}),
         Res(R.ROLE, {"inlinePolicies": [{"policy": doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})}]})),
    pair("rds-minor-upgrades", Res(R.RDS_CLUSTER_INSTANCE, {}), Res(R.RDS_CLUSTER_INSTANCE, {"autoMinorVersionUpgrade": False})),
    pair("rds-minor-upgrades", Res(R.RDS_CLUSTER, {"autoMinorVersionUpgrade": True}), Res(R.RDS_CLUSTER, {"autoMinorVersionUpgrade": False})),
    pair("rds-copy-tags", Res(R.RDS_CLUSTER, {"copyTagsToSnapshot": True}), Res(R.RDS_INSTANCE, {})),
    pair("rds-in-vpc", Res(R.RDS_CLUSTER, {"dbSubnetGroupName": "db-subnets"}), Res(R.RDS_CLUSTER, {})),
    pair("rds-custom-admin", Res(R.RDS_CLUSTER, {"masterUsername": "appadmin"}), Res(R.RDS_INSTANCE, {"username": "admin"})),
]

EXTRA += [
    pair("s3-no-cross-account-admin", Res(R.BUCKET, {"policy": doc(TLS_ONLY)}),
         Res(R.BUCKET_V2, {"policy": doc({"Effect": "Allow", "Principal": {"AWS": ["111111111111"]}, "Action": "s3:*"})})),
    pair("s3-no-cross-account-admin", Res(R.BUCKET_V2, {}),
         Res(R.BUCKET, {"policy": doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/x"},
                                       "Action": ["s3:PutObjectAcl"]})})),
    pair("efs-backups", StackFx([Res(R.EFS, {"id": "fs-1", "arn": "arn:fs-1"}, "fs"),
                                 Res(R.BACKUP_SELECTION, {"resources": ["arn:fs-1"]}, "sel")]),
         StackFx([Res(R.EFS, {"id": "fs-1", "arn": "arn:fs-1"}, "fs"), Res(R.BACKUP_SELECTION, {"resources": ["arn:fs-2"]}, "sel")])),
    pair("rds-backup-plan", StackFx([Res(R.RDS_CLUSTER, {"arn": "arn:c"}, "c"), Res(R.BACKUP_SELECTION, {"resources": ["arn:c"]})]),
         StackFx([Res(R.RDS_INSTANCE, {"arn": "arn:db", "engine": "postgres"}, "db")])),
    pair("rds-non-default-port", Res(R.RDS_CLUSTER, {"engine": "aurora-postgresql", "port": 15432}), Res(R.RDS_INSTANCE, {"engine": "mysql"})),
    pair("s3-replication", StackFx([Res(R.BUCKET_V2, {"id": "b", "bucket": "b", "replicationConfiguration": {"role": "r"}}, "b")]),
         StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b"}, "b")])),
    pair("s3-event-notifications", StackFx([Res(R.BUCKET, {"id": "b", "bucket": "b"}, "b"), Res(R.BUCKET_NOTIFICATION, {"bucket": "b"})]),
         StackFx([Res(R.BUCKET_V2, {"id": "b", "bucket": "b"}, "b")])),
]

STATEFUL_KINDS = [*R.STATEFUL, *R.BUCKETS]
EXTRA += [pair("protect-stateful-prod",
               StackFx([Res(kind, {"tags": {**PROD, "purpose": "data"}}, "data", protect=True)]),
               StackFx([Res(kind, {"tags": {**PROD, "purpose": "data"}}, "data", protect=False)])) for kind in STATEFUL_KINDS]
EXTRA += [pair("required-tags", Res(kind, {"tags": PROD}), Res(kind, {"tags": {"env": "prod", "owner": "team"}}))
          for kind in R.TAGGABLE]


def _types(fixture: Any) -> set[str]:
    return {fixture.type} if isinstance(fixture, Res) else {r.type for r in fixture.resources}


ALWAYS_VIOLATING = {"iam-no-user-policies": {R.USER_POLICY, R.USER_ATTACHMENT}}
"""Types that are themselves the violation (a policy of a user): they have no compliant form."""


def _all_pairs() -> list[tuple[str, Any, Any]]:
    return [(name, passing, failing) for name, (passing, failing) in CASES.items()] + EXTRA


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_every_type_a_rule_handles_has_a_passing_and_a_failing_fixture(rule) -> None:
    pairs = [(p, f) for name, p, f in _all_pairs() if name == rule.name]
    passing = set().union(*(_types(p) for p, _ in pairs)) | ALWAYS_VIOLATING.get(rule.name, set())
    failing = set().union(*(_types(f) for _, f in pairs))
    assert set(rule.types) <= passing, f"no passing fixture with {sorted(set(rule.types) - passing)}"
    assert set(rule.types) <= failing, f"no failing fixture with {sorted(set(rule.types) - failing)}"


@pytest.mark.parametrize(("name", "passing", "failing"), EXTRA, ids=[f"{e[0]}-{i}" for i, e in enumerate(EXTRA)])
def test_each_type_passes_compliant_and_fails_otherwise(name: str, passing: Any, failing: Any) -> None:
    assert evaluate(name, passing) == []
    assert evaluate(name, failing), f"{name} did not fire"


# -- boundaries: unset (AWS's default), the nearest compliant value, the nearest non-compliant one ----------

LB_SG = [Res(R.LB, {"internal": True, "securityGroups": ["sg-lb"], "arn": "arn:lb"}, "lb")]


def _open(cidr: str, port: int, internal: bool) -> StackFx:
    lb = Res(R.LB, {"internal": internal, "securityGroups": ["sg-lb"], "arn": "arn:lb"}, "lb")
    return StackFx([lb, Res(R.SG_INGRESS, {"securityGroupId": "sg-lb", "cidrIpv4": cidr, "fromPort": port, "toPort": port}, "rule")])


def _open_range(cidr: str, low: int, high: int, *, internal: bool = False, protocol: str = "tcp") -> StackFx:
    lb = Res(R.LB, {"internal": internal, "securityGroups": ["sg-lb"], "arn": "arn:lb"}, "lb")
    return StackFx([lb, Res(R.SG_INGRESS, {"securityGroupId": "sg-lb", "cidrIpv4": cidr, "fromPort": low,
                                           "toPort": high, "ipProtocol": protocol}, "rule")])


BOUNDARIES: list[tuple[str, Any, bool]] = [
    # (rule, fixture, fires)
    ("kms-key-rotation", Res(R.KMS_KEY, {}), True),                                    # unset: AWS does not rotate
    ("kms-key-rotation", Res(R.KMS_KEY, {"customerMasterKeySpec": "RSA_2048"}), False),  # asymmetric keys cannot rotate
    ("alb-https-tls13", Res(R.LISTENER, {"protocol": "HTTPS", "certificateArn": "c"}), True),  # unset: ELBSecurityPolicy-2016-08
    ("alb-https-tls13", Res(R.LISTENER, {"protocol": "HTTPS", "certificateArn": "c",
                                         "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"}), False),
    ("alb-https-tls13", Res(R.LISTENER, {"protocol": "HTTPS", "certificateArn": "c",
                                         "sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"}), True),  # TLS 1.1
    ("alb-https-tls13", Res(R.LISTENER, {"protocol": "HTTPS", "certificateArn": "c",
                                         "sslPolicy": "ELBSecurityPolicy-TLS-1-2-2017-01"}), True),  # 1.2 without 1.3
    ("sg-no-open-ingress", _open("0.0.0.0/0", 443, internal=False), False),   # a public ALB's HTTPS
    ("sg-no-open-ingress", _open("0.0.0.0/0", 443, internal=True), True),     # the same on an internal ALB
    ("sg-no-open-ingress", _open("0.0.0.0/1", 443, internal=True), False),    # half the internet is a named range
    ("sg-no-open-ingress", _open("0.0.0.0/0", 444, internal=False), True),
    # The web carve-out holds for exactly one port, 80 or 443, on an internet-facing load balancer's group:
    # each neighbour, a range spanning the two, and every protocol at once are open ingress.
    ("sg-no-open-ingress", _open("0.0.0.0/0", 80, internal=False), False),
    ("sg-no-open-ingress", _open("0.0.0.0/0", 79, internal=False), True),
    ("sg-no-open-ingress", _open("0.0.0.0/0", 81, internal=False), True),
    ("sg-no-open-ingress", _open("0.0.0.0/0", 442, internal=False), True),
    ("sg-no-open-ingress", _open_range("0.0.0.0/0", 80, 443), True),
    ("sg-no-open-ingress", _open_range("0.0.0.0/0", 443, 444), True),
    ("sg-no-open-ingress", _open_range("0.0.0.0/0", 443, 443, protocol="-1"), True),
    ("sg-no-open-ingress", _open_range("::/0", 443, 443), False),
    ("sg-no-open-ingress", _open_range("0.0.0.0/0", 443, 443, internal=True), True),
    ("nat-per-az-prod", StackFx([Res(R.VPC, {"id": "v", "tags": PROD}),
                                 Res(R.SUBNET, {"id": "qa", "availabilityZone": "a", "tags": {"tier": "private"}}),
                                 Res(R.INSTANCE, {"sourceDestCheck": False}, "nat")]), True),  # a NAT instance in prod
    ("rds-backup-retention", Res(R.RDS_INSTANCE, rds(backupRetentionPeriod=7.0)), False),  # prod's minimum
    ("rds-backup-retention", Res(R.RDS_INSTANCE, rds(backupRetentionPeriod=6.0)), True),
    ("rds-backup-retention", Res(R.RDS_INSTANCE, {"tags": DEV}), True),                     # unset: no backups
    ("rds-backup-retention", Res(R.RDS_INSTANCE, {"backupRetentionPeriod": 1.0, "tags": DEV}), False),
    ("log-group-retention", Res(R.LOG_GROUP, {"retentionInDays": 1}), False),
    ("log-group-retention", Res(R.LOG_GROUP, {"retentionInDays": 0}), True),                 # 0 means forever
    ("elasticache-redis-auth", Res(R.CACHE, {"engine": "redis", "engineVersion": "6.0"}), False),  # RBAC exists from 6
    ("elasticache-redis-auth", Res(R.CACHE, {"engine": "redis", "engineVersion": "5.0.6"}), True),
    ("elasticache-redis-auth", Res(R.CACHE, {"engine": "redis", "engineVersion": "5.0.6", "userGroupIds": ["g"]}), False),
    ("elasticache-transit-encryption", Res(R.CACHE, {}), True),
    ("elasticache-transit-encryption", Res(R.CACHE, {"transitEncryptionEnabled": True}), False),  # mode unset: required
    ("cloudfront-viewer-https", Res(R.DISTRIBUTION, {"viewerCertificate": {"minimumProtocolVersion": "TLSv1.2_2019"},
                                                     "defaultCacheBehavior": {"viewerProtocolPolicy": "https-only"}}), True),
    ("cloudfront-viewer-https", Res(R.DISTRIBUTION, {"viewerCertificate": {"minimumProtocolVersion": "TLSv1.2_2021"},
                                                     "defaultCacheBehavior": {"viewerProtocolPolicy": "https-only"}}), False),
    ("sqs-encrypted", Res(R.SQS_QUEUE, {}), False),  # unset: SQS encrypts with SSE-SQS by default
    ("sqs-encrypted", Res(R.SQS_QUEUE, {"sqsManagedSseEnabled": False, "kmsMasterKeyId": "alias/q"}), False),
    ("secrets-customer-managed-key", Res(R.SECRET, {"kmsKeyId": "alias/aws/secretsmanager"}), True),
    ("secrets-customer-managed-key", Res(R.SECRET, {"kmsKeyId": "arn:aws:kms:us-east-1:1:alias/aws/secretsmanager"}), True),
    ("secrets-customer-managed-key", Res(R.SECRET, {"kmsKeyId": "alias/app-secrets"}), False),
    ("ecs-read-only-root", Res(R.TASK_DEFINITION, task_definition({"readonlyRootFilesystem": False})), True),
    ("batch-no-privileged", Res(R.BATCH_JOB, {"containerProperties": json.dumps({"privileged": False})}), False),
    ("eks-node-groups-no-open-ssh", Res(R.EKS_NODE_GROUP, {}), False),  # no remote access at all
    ("eks-node-groups-no-open-ssh", Res(R.EKS_NODE_GROUP, {"remoteAccess": {"ec2SshKey": "k", "sourceSecurityGroupIds": []}}), True),
    ("ec2-no-public-ip", Res(R.INSTANCE, {}), False),                   # unset: the subnet decides (ours map none)
    ("iam-trust-not-public", role({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                                   "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}}), False),
    ("iam-trust-not-public", role({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "sts:AssumeRole"}), True),
]


@pytest.mark.parametrize(("name", "fixture", "fires"), BOUNDARIES, ids=[f"{b[0]}-{i}" for i, b in enumerate(BOUNDARIES)])
def test_rules_hold_at_their_boundaries(name: str, fixture: Any, fires: bool) -> None:
    assert bool(evaluate(name, fixture)) is fires


@pytest.mark.parametrize("rule", [r for r in RULES if r.check is not None], ids=lambda r: r.name)
def test_every_resource_rule_knows_what_an_unset_property_means(rule) -> None:
    # AWS's default applies when a property is left out: each resource rule decides about the bare resource
    # (prod-tagged), without crashing, and the decision is pinned here or in BOUNDARIES.
    bare = Res(rule.types[0], {"tags": PROD} if rule.prod_only else {})
    decided = evaluate(rule.name, bare)
    assert (not decided) is (rule.name in UNSET_QUIET), (rule.name, decided)


UNSET_QUIET = {
    # Rules that find nothing wrong with a bare resource: the setting they guard is absent-but-safe by default,
    # or only a present value can break it.
    "log-group-kms-key-arn", "ecs-no-public-ip", "alb-http-redirects-only", "cloudfront-origin-https", "rds-force-ssl",
    "rds-not-public", "ec2-no-public-ip", "subnet-public-ip-only-public-tier", "s3-no-public-acl",
    "s3-policy-no-public-principal", "ecr-policy-not-public", "sns-policy-not-public", "sqs-policy-not-public",
    "kms-policy-not-public", "iam-no-full-admin", "iam-no-admin-attachment", "irsa-roles-scoped",
    "github-oidc-trust-restricted", "iam-trust-not-public", "ecs-no-privileged", "ecs-no-plain-secrets",
    "ecs-pinned-images", "ecs-read-only-root", "batch-no-privileged", "eks-node-groups-no-open-ssh",
    "elasticache-redis-auth", "sqs-encrypted", "required-tags", "alb-https-tls13", "cloudfront-s3-oac",
    "acm-rsa-2048", "ecs-task-isolation", "ecs-logging", "ecs-fargate-latest", "alb-desync-defensive",
    "kms-no-decrypt-everything", "rds-minor-upgrades", "rds-custom-admin", "secrets-rotation-period",
    "cloudfront-default-root-object", "s3-no-cross-account-admin", "iam-no-service-wildcards",
    "log-group-retention-year",
}
