"""IAM roles, users, groups and their policies and trusts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, items, statements, subjects
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, items, statements, subjects  # type: ignore[no-redef]

from .types import ROLE, ROLE_ATTACHMENT, ROLE_POLICY

ADMIN_POLICIES = {"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"}
# Actions AWS offers only on "*" (no resource-level permissions); a scoped role may still hold them.
STAR_ONLY_ACTIONS = {
    "ecr:GetAuthorizationToken", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "xray:PutTraceSegments",
    "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "logs:CreateLogDelivery",
    "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
    "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups", "batch:DescribeJobs",
    "batch:TerminateJob",
}
READ_ONLY = re.compile(r"^(Describe|Get|List)[A-Z]")
"""Discovery actions; on "*" they reveal metadata but change nothing."""
GITHUB_OIDC = "token.actions.githubusercontent.com"


# ==================================================================================================
# Identity
# ==================================================================================================


def _documents(res: Subject) -> list[Any]:
    if res.type == ROLE:
        return [dig(p, "policy") for p in items(res.props.get("inlinePolicies"))]
    return [res.props.get("policy")]  # role, user and group inline policies; customer-managed policies


EVERY_ACTION = {"*", "*:*"}
"""Action patterns that match every action of every service."""
GRANTS_ADMIN = {"iam:*"}
"""Actions that grant everything by another step: whoever holds every IAM action on "*" can attach AdministratorAccess
to themselves (IAM User Guide, "Security best practices in IAM": least privilege; checked 2026-12-05)."""


def no_full_admin(res: Subject) -> Iterator[str]:
    for doc in _documents(res):
        for s in statements(doc):
            if s.get("Effect") != "Allow" or "*" not in as_strings(s.get("Resource")):
                continue
            actions = set(as_strings(s.get("Action")))
            if actions & EVERY_ACTION:
                yield f"{res.name} grants every action on every resource (Action * on Resource *)."
            elif "NotAction" in s:
                yield (f"{res.name} allows every action but {', '.join(as_strings(s.get('NotAction')))} on every "
                       "resource (NotAction with Allow).")
            elif {a.lower() for a in actions} & GRANTS_ADMIN:
                yield f"{res.name} grants every IAM action on every resource (iam:*): it can make itself an administrator."


def no_admin_attachment(res: Subject) -> Iterator[str]:
    # One attachment (role, user, group, or PolicyAttachment's many), or a role's own lists.
    arns = as_strings(res.props.get("policyArn")) + as_strings(res.props.get("policyArns"))
    arns += as_strings(res.props.get("managedPolicyArns"))
    for arn in sorted(set(arns) & ADMIN_POLICIES):
        yield f"{res.name} attaches {arn}."


def role_path(res: Subject) -> Iterator[str]:
    if res.props.get("path") in (None, "/"):
        yield f"Role {res.name} is not under the program's IAM path, so the deploy role cannot manage it."


def _trust(res: Subject) -> list[Mapping[str, Any]]:
    return statements(res.props.get("assumeRolePolicy"))


def irsa_scoped(res: Subject) -> Iterator[str]:
    for s in _trust(res):
        federated = as_strings(dig(s, "Principal", "Federated"))
        if not any("oidc.eks." in f for f in federated):
            continue
        exact = dig(s, "Condition", "StringEquals") or {}
        subjects_ = [v for k, v in exact.items() if str(k).endswith(":sub")]
        if not subjects_ or any("*" in str(v) for v in subjects_):
            yield f"Role {res.name} can be assumed by any service account of the cluster (no exact :sub condition)."


def task_roles_scoped(stack: Stack) -> Iterator[tuple[str, str]]:
    scoped_services = ("ecs-tasks.amazonaws.com",)
    roles = {r.props.get("id"): r for r in stack.of(ROLE)}
    for policy in subjects(stack.of(ROLE_POLICY)):
        role = roles.get(policy.props.get("role")) or next(
            (r for r in roles.values() if r.props.get("name") == policy.props.get("role")), None)
        if role is None:
            continue
        principals = {p for s in statements(role.props.get("assumeRolePolicy"))
                      for p in as_strings(dig(s, "Principal", "Service")) + as_strings(dig(s, "Principal", "Federated"))}
        if not (principals & set(scoped_services) or any("oidc.eks." in p for p in principals)):
            continue
        for s in statements(policy.props.get("policy")):
            if s.get("Effect") == "Allow" and "*" in as_strings(s.get("Resource")) and not s.get("Condition"):
                broad = {a for a in as_strings(s.get("Action"))
                         if a not in STAR_ONLY_ACTIONS and not READ_ONLY.match(a.split(":")[-1])}
                if broad:
                    yield (f"Workload role policy {policy.name} grants {', '.join(sorted(broad))} on every resource."), policy.urn


def exclusive_role_policies(stack: Stack) -> Iterator[tuple[str, str]]:
    exclusive = {r.props.get("id"): r for r in stack.of(ROLE)
                 if items(r.props.get("managedPolicyArns")) or items(r.props.get("inlinePolicies"))}
    exclusive.update({r.props.get("name"): r for r in exclusive.values()})
    for res in subjects(stack.of(ROLE_POLICY, ROLE_ATTACHMENT)):
        role = exclusive.get(res.props.get("role"))
        if role is not None:
            yield (f"{res.name} attaches to role {role.name}, which manages its policies exclusively "
                   "(managedPolicyArns / inlinePolicies): the two fight on every update."), res.urn


def _claim(conditions: Mapping[str, Any], name: str) -> list[str]:
    """The values a trust policy's conditions allow for a token claim (`sub`, `aud`). The issuer is
    token.actions.githubusercontent.com, or .../<enterprise> for an enterprise-scoped one."""
    return [v for k, vs in conditions.items() if re.fullmatch(rf"{re.escape(GITHUB_OIDC)}(/[\w.-]+)?:{name}", str(k))
            for v in as_strings(vs)]


def github_trust(res: Subject) -> Iterator[str]:
    for s in _trust(res):
        if not any(GITHUB_OIDC in f for f in as_strings(dig(s, "Principal", "Federated"))):
            continue
        conditions = {**(dig(s, "Condition", "StringEquals") or {}), **(dig(s, "Condition", "StringLike") or {})}
        subs, aud = _claim(conditions, "sub"), _claim(conditions, "aud")
        if "sts.amazonaws.com" not in aud:
            yield f"Role {res.name} trusts GitHub tokens for any audience."
        # A subject pins a repository by name (repo:owner/name:...) or, customised, by id (repository_id:123).
        pinned = re.compile(r"^repo:[^/:*?]+/[^/:*?]+:|(^|:)repository_id:\d+(:|$)")
        if not subs or any(pinned.search(sub) is None for sub in subs):
            yield f"Role {res.name} trusts GitHub workflows of more than one named repository."


def no_user_policies(res: Subject) -> Iterator[str]:
    yield f"{res.name} gives an IAM user permissions directly; grant them through a group or a role."


def kms_decrypt_everything(res: Subject) -> Iterator[str]:
    for doc_ in _documents(res):
        for st in statements(doc_):
            actions = {a.lower() for a in as_strings(st.get("Action"))}
            decrypts = actions & {"kms:decrypt", "kms:reencryptfrom", "kms:*", "*"}
            if st.get("Effect") == "Allow" and decrypts and "*" in as_strings(st.get("Resource")) and not st.get("Condition"):
                yield f"{res.name} allows kms:Decrypt on every KMS key (Resource *)."


def no_service_wildcards(res: Subject) -> Iterator[str]:
    for st in statements(res.props.get("policy")):
        wild = sorted(a for a in as_strings(st.get("Action")) if re.fullmatch(r"[\w-]+:\*", a))
        if st.get("Effect") == "Allow" and wild:
            yield f"Policy {res.name} allows every action of {', '.join(wild)}."
