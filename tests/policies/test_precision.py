"""Precision by class (issue 24): what makes a finding right, tested where it turns.

Each class has fixtures that pass, that fail and that sit at the boundary: the condition that does or does not
restrict `Principal: *`, the engine a database runs when its field is unset, the encryption a default gives and a
setting takes away, the forms a policy grants everything in, a managed rule group that is present but does not
protect, and a file system backed up by one means or the other.
"""

from __future__ import annotations

from typing import Any

import pytest

from policies import rules as R
from tests.policies.test_rules import PROD, Res, StackFx, doc, evaluate, role

ACCOUNT = "123456789012"


def public(condition: dict[str, Any] | None, principal: Any = "*") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                                 "Resource": "arn:aws:s3:::b/*"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


# -- one definition of "restricted" -------------------------------------------------------------------------------------

RESTRICTED = [
    {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}},
    {"StringEquals": {"aws:SourceVpc": "vpc-0abc"}},
    {"StringEquals": {"aws:VpceAccount": ACCOUNT}},
    {"StringEquals": {"aws:VpceOrgID": "o-abc123"}},
    {"ForAnyValue:StringLike": {"aws:VpceOrgPaths": "o-abc123/r-ab12/ou-ab12-11111111/*"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/*"}},
    {"StringEquals": {"aws:ResourceOrgID": "o-abc123"}},
    {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    {"StringEquals": {"aws:SourceOwner": ACCOUNT}},
    {"ArnEquals": {"aws:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1"}},
    {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:*"}},       # any topic, of one account
    {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::logs-bucket"}},               # an account-less ARN, exact
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app-*"}},
    # a condition that restricts beside one that does not
    {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceAccount": ACCOUNT}},
]
UNRESTRICTED = [
    {"Bool": {"aws:SecureTransport": "true"}},                                  # transport, not who
    {"StringLike": {"aws:UserAgent": "aws-cli/*"}},                             # the caller chooses its user agent
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    {"StringLike": {"aws:SourceAccount": "*"}},                                 # a wildcard only
    {"StringLike": {"aws:SourceAccount": "1234*"}},                             # part of an account
    {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},                   # true when the caller omits the key
    {"StringNotEquals": {"aws:SourceAccount": ACCOUNT}},                        # everyone but one account
    {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/"}},  # true when the key is absent
    {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:alerts"}},           # any account's topic of that name
    {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs-*"}},                      # anybody's bucket of that prefix
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}},             # a role anyone can create
    {"StringEquals": {"aws:SourceArn": "arn"}},                                 # not an ARN
    {"StringLike": {"aws:PrincipalOrgID": "o-*"}},                              # any organisation
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "*/r-ab12/*"}},        # no organisation named
    {"StringEquals": {"aws:SourceVpce": ["vpce-0abc", "*"]}},                   # one value of two admits all
    {"Null": {"aws:SourceAccount": "false"}},                                   # present, any value
]

# Where each resource type keeps the policy the rule reads.
POLICY_HOLDERS = [
    ("s3-policy-no-public-principal", lambda d: Res(R.BUCKET_POLICY, {"policy": d})),
    ("ecr-policy-not-public", lambda d: Res(R.ECR_POLICY, {"policy": d})),
    ("sns-policy-not-public", lambda d: Res(R.SNS_TOPIC, {"policy": d})),
    ("sqs-policy-not-public", lambda d: Res(R.SQS_POLICY, {"policy": d})),
    ("kms-policy-not-public", lambda d: Res(R.KMS_KEY, {"policy": d})),
    ("iam-trust-not-public", lambda d: Res(R.ROLE, {"assumeRolePolicy": d, "path": "/platform/"})),
]


@pytest.mark.parametrize(("rule", "holder"), POLICY_HOLDERS, ids=[h[0] for h in POLICY_HOLDERS])
@pytest.mark.parametrize("condition", RESTRICTED, ids=lambda c: "+".join(f"{o}:{k}" for o, b in c.items() for k in b))
def test_a_restricting_condition_makes_principal_star_safe_in_every_policy(rule, holder, condition) -> None:
    assert evaluate(rule, holder(doc(public(condition)))) == []
    assert evaluate(rule, holder(doc(public(condition, {"AWS": "*"})))) == []


@pytest.mark.parametrize(("rule", "holder"), POLICY_HOLDERS, ids=[h[0] for h in POLICY_HOLDERS])
@pytest.mark.parametrize("condition", UNRESTRICTED, ids=lambda c: "+".join(f"{o}:{k}" for o, b in c.items() for k in b))
def test_a_condition_that_restricts_nothing_leaves_principal_star_public(rule, holder, condition) -> None:
    assert evaluate(rule, holder(doc(public(condition))))


@pytest.mark.parametrize(("rule", "holder"), POLICY_HOLDERS, ids=[h[0] for h in POLICY_HOLDERS])
def test_principal_forms_at_the_boundary(rule, holder) -> None:
    assert evaluate(rule, holder(doc(public(None))))                                       # unset condition
    assert evaluate(rule, holder(doc(public(None, {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}))))  # * in a list
    assert evaluate(rule, holder(doc(public(None, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})))) == []   # named
    assert evaluate(rule, holder(doc({**public(None), "Effect": "Deny"}))) == []           # a Deny admits no one


# -- the engine a database runs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("props", "fires"), [
    ({}, True),                                                             # unset: Aurora MySQL, needs error + audit
    ({"enabledCloudwatchLogsExports": ["postgresql"]}, True),               # PostgreSQL's log on a MySQL cluster
    ({"enabledCloudwatchLogsExports": ["error"]}, True),                    # nearest failing: audit missing
    ({"enabledCloudwatchLogsExports": ["error", "audit"]}, False),          # nearest passing
    ({"engine": "aurora", "enabledCloudwatchLogsExports": ["error", "audit"]}, False),   # the old name, same engine
    ({"engine": "aurora-postgresql", "enabledCloudwatchLogsExports": ["postgresql"]}, False),
])
def test_an_aurora_cluster_without_an_engine_is_read_as_aurora_mysql(props, fires) -> None:
    assert bool(evaluate("rds-log-exports", Res(R.RDS_CLUSTER, props))) is fires


@pytest.mark.parametrize(("res", "fires"), [
    (Res(R.RDS_CLUSTER, {"port": 3306}), True),                             # unset engine: MySQL's port
    (Res(R.RDS_CLUSTER, {"port": 5432}), False),                            # PostgreSQL's port is not MySQL's
    (Res(R.RDS_CLUSTER, {"engine": "aurora-postgresql", "port": 5432}), True),
    (Res(R.RDS_INSTANCE, {}), True),                                        # no port: whatever the engine, its default
    (Res(R.RDS_INSTANCE, {"port": 3306}), False),                           # engine from a snapshot: unknown, no guess
])
def test_the_default_port_is_the_effective_engines(res, fires) -> None:
    assert bool(evaluate("rds-non-default-port", res)) is fires


def test_an_instance_restored_without_an_engine_still_exports_a_log() -> None:
    assert evaluate("rds-log-exports", Res(R.RDS_INSTANCE, {"snapshotIdentifier": "snap"}))
    assert evaluate("rds-log-exports", Res(R.RDS_INSTANCE, {"enabledCloudwatchLogsExports": ["error"]})) == []


def test_backtracking_reads_the_effective_engine() -> None:
    assert evaluate("rds-aurora-backtrack", Res(R.RDS_CLUSTER, {}))                          # unset: Aurora MySQL
    assert evaluate("rds-aurora-backtrack", Res(R.RDS_CLUSTER, {"engine": "aurora"}))
    assert evaluate("rds-aurora-backtrack", Res(R.RDS_CLUSTER, {"backtrackWindow": 86400})) == []
    assert evaluate("rds-aurora-backtrack", Res(R.RDS_CLUSTER, {"engine": "aurora-postgresql"})) == []


# -- encryption defaults and the settings that turn them off ------------------------------------------------------------

@pytest.mark.parametrize(("props", "fires"), [
    ({}, False),                                                            # SSE-SQS by default
    ({"sqsManagedSseEnabled": True}, False),
    ({"sqsManagedSseEnabled": False}, True),                                # turned off, no key: unencrypted
    ({"sqsManagedSseEnabled": False, "kmsMasterKeyId": ""}, True),          # an empty key is no key
    ({"sqsManagedSseEnabled": False, "kmsMasterKeyId": "alias/queues"}, False),
])
def test_a_queue_whose_default_encryption_is_switched_off_is_unencrypted(props, fires) -> None:
    assert bool(evaluate("sqs-encrypted", Res(R.SQS_QUEUE, props))) is fires


@pytest.mark.parametrize(("props", "fires"), [
    ({"engine": "valkey"}, False),                                          # Valkey's default: encrypted
    ({"engine": "valkey", "atRestEncryptionEnabled": False}, True),         # switched off
    ({}, True),                                                             # the provider's default engine: Redis OSS
    ({"engine": "redis"}, True),
    ({"engine": "redis", "atRestEncryptionEnabled": True}, False),
])
def test_a_cache_is_encrypted_at_rest_by_its_engines_default_unless_switched_off(props, fires) -> None:
    assert bool(evaluate("elasticache-at-rest-encryption", Res(R.CACHE, props))) is fires


# -- policies that grant everything in another form ---------------------------------------------------------------------

def _policy(statement: dict[str, Any]) -> Res:
    return Res(R.POLICY, {"policy": doc(statement)})


@pytest.mark.parametrize(("statement", "fires"), [
    ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
    ({"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": "*"}, True),         # * inside a list
    ({"Effect": "Allow", "Action": "*:*", "Resource": "*"}, True),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, True),                    # all but IAM
    ({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, True),                       # IAM makes the rest
    ({"Effect": "Allow", "Action": "IAM:*", "Resource": ["arn:aws:s3:::b", "*"]}, True),   # case, * in a list
    ({"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::123456789012:role/app/*"}, False),  # scoped
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"}, False),    # scoped resource
    ({"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}, False),             # a Deny grants nothing
    ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, False),               # one action: not this rule
    ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, False),                       # iam-no-service-wildcards' job
])
def test_every_form_of_granting_everything(statement, fires) -> None:
    assert bool(evaluate("iam-no-full-admin", _policy(statement))) is fires


@pytest.mark.parametrize(("principal", "fires"), [
    ({"AWS": "*"}, True), ({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}, True), ("*", True),
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, False), ({"Service": "ecs-tasks.amazonaws.com"}, False),
])
def test_a_trust_policy_with_star_among_its_principals_is_public(principal, fires) -> None:
    fixture = role({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
    assert bool(evaluate("iam-trust-not-public", fixture)) is fires


# -- managed rule groups that are present but do not protect ------------------------------------------------------------

def _known_bad(override: dict[str, Any] | None = None, **statement: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": "known-bad", "priority": 1, "statement": {"managedRuleGroupStatement": {
        "vendorName": "AWS", "name": R.edge.KNOWN_BAD_INPUTS, **statement}}}
    rule["overrideAction"] = override if override is not None else {"none": {}}
    return rule


def _acl(*rules: dict[str, Any]) -> Res:
    return Res(R.WAF_ACL, {"rules": list(rules)})


LABEL_BLOCK = {"name": "block-log4j", "priority": 2, "action": {"block": {}}, "statement": {"labelMatchStatement": {
    "scope": "LABEL", "key": "awswaf:managed:aws:known-bad-inputs:Log4JRCE"}}}


@pytest.mark.parametrize(("acl", "fires"), [
    (_acl(), True),                                                                     # no group
    (_acl(_known_bad()), False),                                                        # as published
    (_acl(_known_bad({"count": {}})), True),                                            # the whole group counts
    (_acl(_known_bad({"count": {}}), LABEL_BLOCK), False),                              # counts, a later rule blocks
    (_acl(_known_bad(ruleActionOverrides=[{"name": "Log4JRCE_HEADER", "actionToUse": {"count": {}}}])), True),
    (_acl(_known_bad(ruleActionOverrides=[{"name": "JavaDeserializationRCE_BODY", "actionToUse": {"allow": {}}}])), True),
    (_acl(_known_bad(excludedRules=[{"name": "Log4JRCE_BODY"}])), True),               # the older form
    # nearest passing: a rule overridden that is not one of the RCE rules, or overridden to block
    (_acl(_known_bad(ruleActionOverrides=[{"name": "Host_localhost_HEADER", "actionToUse": {"count": {}}}])), False),
    (_acl(_known_bad(ruleActionOverrides=[{"name": "Log4JRCE_HEADER", "actionToUse": {"block": {}}}])), False),
])
def test_a_known_bad_inputs_group_that_does_not_block_does_not_protect(acl, fires) -> None:
    assert bool(evaluate("waf-known-bad-inputs", acl)) is fires


# -- backups by other means ---------------------------------------------------------------------------------------------

FS = Res(R.EFS, {"id": "fs-1", "arn": f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:file-system/fs-1", "tags": PROD}, "fs")


def _own(status: str, fs_id: str = "fs-1") -> Res:
    return Res(R.EFS_BACKUP, {"fileSystemId": fs_id, "backupPolicy": {"status": status}}, f"fs-backup-{status}")


def _plan(*arns: str) -> Res:
    return Res(R.BACKUP_SELECTION, {"resources": list(arns)}, "selection")


@pytest.mark.parametrize(("others", "fires"), [
    ([], True),                                                             # unset: neither means
    ([_own("ENABLED")], False),                                             # its own automatic backups
    ([_own("DISABLED")], True),
    ([_own("ENABLED", "fs-2")], True),                                      # another file system's policy
    ([_own("DISABLED"), _plan(FS.props["arn"])], False),                    # AWS Backup instead
    ([_plan("*")], False),
    ([_plan(FS.props["arn"] + "0")], True),                                 # another file system in the plan
])
def test_a_file_system_is_backed_up_by_its_own_policy_or_by_aws_backup(others, fires) -> None:
    assert bool(evaluate("efs-backups", StackFx([FS, *others]))) is fires


# -- a year of logs in prod: a rule a stack turns on (decided off by default; see its comment in policies/rules/) ----

@pytest.mark.parametrize(("props", "config", "fires"), [
    ({"retentionInDays": 365}, {}, False),                                  # nearest passing
    ({"retentionInDays": 180}, {}, True),                                   # nearest failing of CloudWatch's values
    ({}, {}, False),                                                        # unset: never expires
    ({"retentionInDays": 0}, {}, False),
    ({"retentionInDays": 90}, {"minimumDays": 90}, False),                  # a stack's own minimum
    ({"retentionInDays": 60}, {"minimumDays": 90}, True),
])
def test_prod_log_groups_keep_a_year_when_the_rule_is_on(props, config, fires) -> None:
    fixture = Res(R.LOG_GROUP, {**props, "tags": PROD})
    assert bool(evaluate("log-group-retention-year", fixture, config)) is fires
    assert evaluate("log-group-retention-year", Res(R.LOG_GROUP, {**props, "tags": {**PROD, "env": "dev"}}), config) == []


def test_the_year_of_logs_is_off_unless_a_stack_turns_it_on() -> None:
    rule = next(r for r in R.RULES if r.name == "log-group-retention-year")
    assert rule.opt_in and rule.prod_only
