"""The policy evaluator against the examples of AWS's own evaluation-logic pages, and each rule at its boundary.

Pages (IAM User Guide, read 2026-12-04): "Policy evaluation for requests within a single account" (Carlos's
example), "The difference between explicit and implicit denies", "IAM JSON policy elements: NotAction",
"Condition operators" (IfExists, Null, multiple keys and values, set qualifiers); KMS Developer Guide, "Default key
policy" and "Key policies in AWS KMS".
"""

from __future__ import annotations

import pytest

from tools.runtime.iam import Request, Source, condition_holds, default_key_policy, evaluate, wildcard

ACCOUNT = "111122223333"
CARLOS = f"arn:aws:iam::{ACCOUNT}:user/carlossalazar"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def request(action: str, resource: str, principal: str = ROLE, **context) -> Request:
    return Request(principal=principal, action=action, resource=resource, account=ACCOUNT, context=context)


# -- "Policy evaluation for requests within a single account": Carlos and the logs bucket ----------------------

CARLOS_POLICY = Source("carlossalazar", doc(
    {"Sid": "AllowS3ListRead", "Effect": "Allow", "Resource": "arn:aws:s3:::*", "Action": [
        "s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"]},
    {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*", "Resource": [
        "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
))
LOGS_BUCKET_POLICY = Source("logs bucket", doc(
    {"Sid": "AllowS3PutObject", "Effect": "Allow", "Principal": {"AWS": CARLOS}, "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/*"}))


def test_carlos_cannot_save_to_the_logs_bucket_the_bucket_policy_lets_him_into() -> None:
    # The explicit deny of his identity policy overrides the bucket policy's allow.
    decision = evaluate(request("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/f.log", CARLOS),
                        [CARLOS_POLICY], [LOGS_BUCKET_POLICY])
    assert not decision.allowed and decision.reason == "explicit deny"
    assert decision.statement == "carlossalazar statement DenyS3Logs"


def test_carlos_may_use_his_own_bucket_and_list_the_others() -> None:
    own = evaluate(request("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/f", CARLOS), [CARLOS_POLICY])
    assert own.allowed and own.statement == "carlossalazar statement AllowS3Self"
    assert evaluate(request("s3:ListAllMyBuckets", "arn:aws:s3:::anything", CARLOS), [CARLOS_POLICY]).allowed
    # Not listed: implicitly denied.
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::someone-else/f", CARLOS), [CARLOS_POLICY]).reason == \
        "implicit deny: no policy allows it"


@pytest.mark.parametrize(("principal", "allowed"), [
    ({"AWS": ROLE}, True),                                  # names the role: enough on its own
    ({"AWS": "*"}, True),
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, False),       # names the account: delegates to identity policies
    ({"AWS": ACCOUNT}, False),
    ({"AWS": "arn:aws:iam::444455556666:role/app"}, False),  # another principal
])
def test_in_one_account_a_resource_policy_alone_allows_only_the_principal_it_names(principal, allowed) -> None:
    bucket = Source("bucket", doc({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                                   "Resource": "arn:aws:s3:::b/*"}))
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::b/k"), [], [bucket]).allowed is allowed
    # With an identity allow, the account-wide delegation is enough.
    identity = Source("role", doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}))
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::b/k"), [identity], [bucket]).allowed


# -- "The difference between explicit and implicit denies" -----------------------------------------------------

REPORTS = Source("reports", doc(
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
))


@pytest.mark.parametrize(("action", "allowed", "reason"), [
    ("iam:GetUser", True, "allowed by the identity policy"),
    ("iam:ListRoles", True, "allowed by the identity policy"),
    ("iam:CreatePolicy", False, "implicit deny: no policy allows it"),
    ("iam:GetOrganizationsAccessReport", False, "explicit deny"),
    ("IAM:getorganizationsaccessreport", False, "explicit deny"),  # action names are case-insensitive
])
def test_explicit_and_implicit_denies(action, allowed, reason) -> None:
    decision = evaluate(request(action, "*"), [REPORTS])
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_another_allow_cannot_undo_an_explicit_deny() -> None:
    more = Source("more", doc({"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"}))
    assert not evaluate(request("iam:GenerateCredentialReport", "*"), [REPORTS, more]).allowed
    assert evaluate(request("iam:GenerateCredentialReport", "*"), [more]).allowed


# -- NotAction, NotResource, wildcards -----------------------------------------------------------------------

@pytest.mark.parametrize(("action", "allowed"), [("s3:GetObject", True), ("ec2:RunInstances", True),
                                                   ("iam:CreateUser", False), ("organizations:ListAccounts", True)])
def test_not_action_with_allow_grants_everything_but_the_listed(action, allowed) -> None:
    # The IAM guide's NotAction example: everything except IAM.
    policy = Source("p", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert evaluate(request(action, "*"), [policy]).allowed is allowed


def test_not_resource_excludes_exactly_what_it_lists() -> None:
    policy = Source("p", doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}))
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::public/k"), [policy]).allowed
    assert not evaluate(request("s3:GetObject", "arn:aws:s3:::secret/k"), [policy]).allowed


@pytest.mark.parametrize(("pattern", "value", "matches"), [
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b", True),
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b", False),          # the bucket is not one of its objects
    ("arn:aws:s3:::b?", "arn:aws:s3:::bc", True),
    ("arn:aws:s3:::b?", "arn:aws:s3:::bcd", False),
    ("arn:aws:s3:::B/*", "arn:aws:s3:::b/k", False),        # resources are case-sensitive
    ("arn:aws:s3:::b[1]", "arn:aws:s3:::b[1]", True),       # brackets are literal in IAM
])
def test_resource_wildcards(pattern, value, matches) -> None:
    assert wildcard(pattern, value) is matches


# -- conditions ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("condition", "context", "holds"), [
    ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {"aws:SourceAccount": ACCOUNT}, True),
    ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {"aws:SourceAccount": "444455556666"}, False),
    ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {}, False),                    # absent key: false
    ({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, {}, True),             # ...unless IfExists
    ({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, {"aws:SourceAccount": "4"}, False),
    ({"StringEquals": {"aws:sourceaccount": ACCOUNT}}, {"aws:SourceAccount": ACCOUNT}, True),  # key names: any case
    ({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"}, True),                          # values of one key: OR
    ({"StringEquals": {"k": "a", "j": "b"}}, {"k": "a", "j": "c"}, False),            # keys: AND
    ({"StringEquals": {"k": "a"}, "Bool": {"aws:SecureTransport": "true"}}, {"k": "a", "aws:SecureTransport": True}, True),
    ({"StringNotEquals": {"k": "a"}}, {"k": "a"}, False),
    ({"StringNotEquals": {"k": "a"}}, {"k": "b"}, True),
    ({"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}, {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, True),
    ({"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}, {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}, False),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:1:*"}}, {"aws:SourceArn": "arn:aws:ecs:us-east-1:1:task/c/x"}, True),
    ({"Null": {"aws:RequestTag/t": "false"}}, {"aws:RequestTag/t": "x"}, True),       # Null false: present
    ({"Null": {"aws:RequestTag/t": "false"}}, {}, False),
    ({"Null": {"aws:RequestTag/t": "true"}}, {}, True),                                # Null true: absent
    ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": True}, False),
    ({"Bool": {"aws:SecureTransport": "false"}}, {}, False),                          # a TLS-only deny needs the key
    ({"NumericLessThanEquals": {"n": "10"}}, {"n": 10}, True),
    ({"NumericLessThanEquals": {"n": "10"}}, {"n": 11}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a"]}, True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "c"]}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),                # absent: vacuously true
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["c", "a"]}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, False),
])
def test_condition_operators(condition, context, holds) -> None:
    assert condition_holds(condition, context) is holds


# -- KMS: the key policy first ---------------------------------------------------------------------------------

KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1"
DECRYPT = Source("role", doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}))


def test_the_default_key_policy_lets_identity_policies_grant_the_key() -> None:
    default = Source("default", default_key_policy(ACCOUNT))
    assert evaluate(request("kms:Decrypt", KEY), [DECRYPT], key_policy=default).allowed
    assert not evaluate(request("kms:Decrypt", KEY), [], key_policy=default).allowed


def test_a_key_policy_that_does_not_delegate_ignores_identity_policies() -> None:
    closed = Source("closed", doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
                                   "Action": "kms:*", "Resource": "*"}))
    decision = evaluate(request("kms:Decrypt", KEY), [DECRYPT], key_policy=closed)
    assert not decision.allowed and "neither allows the caller nor delegates" in decision.reason
    naming = Source("naming", doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}))
    assert evaluate(request("kms:Decrypt", KEY), [], key_policy=naming).allowed


def test_a_service_needs_the_key_policy_itself() -> None:
    key = Source("topic key", doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com"]}, "Action": ["kms:GenerateDataKey*"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}))
    service = "service:events.amazonaws.com"
    assert evaluate(request("kms:GenerateDataKey", KEY, service, **{"aws:SourceAccount": ACCOUNT}), key_policy=key).allowed
    assert not evaluate(request("kms:GenerateDataKey", KEY, service), key_policy=key).allowed          # no source account
    assert not evaluate(request("kms:Decrypt", KEY, service, **{"aws:SourceAccount": ACCOUNT}), key_policy=key).allowed
    assert not evaluate(request("kms:GenerateDataKey", KEY, "service:budgets.amazonaws.com",
                                **{"aws:SourceAccount": ACCOUNT}), key_policy=key).allowed


def test_trust_policies_admit_services_and_federated_callers_by_their_conditions() -> None:
    issuer = "oidc.eks.us-east-1.amazonaws.com/id/X"
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"
    trust = Source("trust", doc({"Effect": "Allow", "Principal": {"Federated": provider},
                                 "Action": "sts:AssumeRoleWithWebIdentity",
                                 "Condition": {"StringEquals": {f"{issuer}:sub": "system:serviceaccount:apps:api"}}}))
    ok = request("sts:AssumeRoleWithWebIdentity", ROLE, provider, **{f"{issuer}:sub": "system:serviceaccount:apps:api"})
    assert evaluate(ok, [], [trust]).allowed
    other = request("sts:AssumeRoleWithWebIdentity", ROLE, provider, **{f"{issuer}:sub": "system:serviceaccount:apps:x"})
    assert not evaluate(other, [], [trust]).allowed
    ecs = Source("ecs", doc({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    assert evaluate(request("sts:AssumeRole", ROLE, "service:ecs-tasks.amazonaws.com"), [], [ecs]).allowed
    assert not evaluate(request("sts:AssumeRole", ROLE, "service:lambda.amazonaws.com"), [], [ecs]).allowed


def test_an_operator_the_evaluator_does_not_know_never_proves_access() -> None:
    # DateGreaterThan is not implemented: an Allow under it proves nothing, a Deny under it still applies.
    unknown = {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}
    allow = Source("p", doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": unknown}))
    assert not evaluate(request("s3:GetObject", "arn:aws:s3:::b/k"), [allow]).allowed
    deny = Source("d", doc({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": unknown}))
    plain = Source("a", doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::b/k"), [plain, deny]).reason == "explicit deny"
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::b/k"), [plain]).allowed
