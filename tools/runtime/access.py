"""Access: every AWS call a workload makes at run time is allowed.

Each `Access` need (`components._runtime`) is split into one request per action and resource and
decided by `tools.runtime.iam.evaluate` with the policies AWS would consult: the caller's identity
policies (none for an AWS service principal), the resource's policies (a role's trust policy for
`sts:AssumeRole*`, the bucket, topic, secret, file-system policy otherwise) and, for KMS, the key
policy. A key outside the stack (the data stack's, read through a reference) is assumed to have the
default key policy, as every key the program creates does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tools.runtime.iam import Decision, Request, Source, default_key_policy, evaluate
from tools.runtime.policies import PolicyIndex

SOURCE = ("IAM User Guide, policy evaluation logic (single account); KMS Developer Guide, key policies; "
          "AWS managed policies as vendored in tools/runtime/managed_policies.json (checked 2026-12-04)")


@dataclass(frozen=True)
class Denied:
    """One request of a need that AWS would refuse."""

    request: Request
    decision: Decision
    grantor: str
    """What should allow it: the role and its policies, the resource policy, the key policy."""


def decide(index: PolicyIndex, request: Request) -> tuple[Decision, str]:
    """The decision on one request, and what would have to allow it."""
    role = index.identity_of(request.principal)
    identity = list(role.identity) if role is not None else []
    action = request.action.lower()
    if action.startswith("sts:assumerole"):
        target = index.identity_of(request.resource)
        if target is None:
            return Decision(False, "the role is not in this stack"), request.resource
        trust = [Source(f"trust policy of {target.record.name}", target.trust)] if target.trust else []
        return evaluate(request, identity, trust), f"the trust policy of role {target.record.name}"
    if action.startswith("kms:"):
        key = index.key_policy(request.resource) or Source("default key policy (a key outside this stack)",
                                                           default_key_policy(index.account))
        grantor = f"{key.label}" + (f" or the policies of role {role.record.name}" if role is not None else "")
        return evaluate(request, identity, key_policy=key), grantor
    resource = index.resource_policies(request.resource)
    if role is not None:
        grantor = f"the policies of role {role.record.name}"
        if role.unknown_managed:
            grantor += f" (its AWS managed {', '.join(a.rsplit('/', 1)[-1] for a in role.unknown_managed)} " \
                       "are not vendored and count as granting nothing)"
    else:
        grantor = " or ".join(s.label for s in resource) or f"a resource policy on {request.resource}"
    return evaluate(request, identity, resource), grantor


def requests(need: Mapping[str, Any], account: str) -> Iterator[Request]:
    """The requests one `Access` need stands for."""
    context = dict(need.get("context") or {})
    for action in need["actions"]:
        for resource in need["resources"]:
            yield Request(principal=str(need["principal"]), action=action, resource=str(resource), account=account,
                          context=context)


def prove(need: Mapping[str, Any], index: PolicyIndex) -> list[Denied]:
    """Every request of `need` AWS would refuse."""
    denied = []
    for request in requests(need, index.account):
        decision, grantor = decide(index, request)
        if not decision.allowed:
            denied.append(Denied(request, decision, grantor))
    return denied
