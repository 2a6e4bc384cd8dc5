"""IAM policy evaluation, as AWS documents it, for one request at a time.

Implements the parts of AWS's policy evaluation logic that decide a request inside one account
(IAM User Guide, "Policy evaluation logic" and "Policy evaluation logic: determining whether a
request is allowed or denied within an account", checked 2026-12-04):

1. An explicit `Deny` in any applicable policy (identity-based, resource-based, KMS key policy)
   denies the request.
2. A KMS key policy must allow the request itself, or delegate to IAM by allowing the account
   (`arn:aws:iam::<account>:root`); only then do identity-based policies count for a key.
3. Otherwise a resource-based policy that allows the principal by its ARN (or `*`) allows the
   request; one that names only the account delegates to identity-based policies.
4. Otherwise an identity-based policy must allow it. Anything not allowed is implicitly denied.

Statements match by `Action`/`NotAction` (case-insensitive, `*` and `?` wildcards), `Resource`/
`NotResource` (case-sensitive wildcards), `Principal`/`NotPrincipal` for resource policies, and
`Condition` with the operators the program's policies use (String*, Arn*, Bool, Null, Numeric*,
the `IfExists` suffix and the `ForAnyValue:`/`ForAllValues:` set qualifiers), evaluated against
the keys the request carries. A key the request lacks fails every operator but `...IfExists`,
`Null` and `ForAllValues:`, as AWS specifies. Not modelled (out of reach offline): service
control and resource control policies, permissions boundaries and session policies (the program
sets none), cross-account access.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Literal

Policy = Mapping[str, Any]
"""A policy document: `{"Version": ..., "Statement": [...]}` (a single statement object is accepted too)."""


@dataclass(frozen=True)
class Request:
    """One API call: who, what, on which resource, and the condition keys it carries."""

    principal: str
    """A role (or other IAM) ARN, or `service:<name>.amazonaws.com` for an AWS service principal."""
    action: str
    """`service:Action`."""
    resource: str
    """The resource ARN (or `*` for actions without resource-level permissions)."""
    account: str
    """The account the principal and the resource belong to."""
    context: Mapping[str, Any] = field(default_factory=dict)
    """Condition keys and their values (strings, booleans, numbers or lists of them)."""


@dataclass(frozen=True)
class Decision:
    """The outcome and the statement that decided it."""

    allowed: bool
    reason: str
    """`explicit deny`, `allowed by the identity policy`, `implicit deny`, ..."""
    statement: str | None = None
    """The deciding statement's Sid (or its position) and the policy it sits in."""


@dataclass(frozen=True)
class Source:
    """A policy with a label saying where it came from (for findings)."""

    label: str
    document: Policy


def statements(document: Policy | str | None) -> list[dict[str, Any]]:
    """The statements of a policy document (a JSON string, a dict, or None)."""
    if document is None or document == "":
        return []
    if isinstance(document, str):
        document = json.loads(document)
    found = document.get("Statement", []) if isinstance(document, Mapping) else []
    if isinstance(found, Mapping):
        found = [found]
    return [dict(s) for s in found]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards: `*` any run of characters, `?` any one; nothing else is special.
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE if ignore_case else 0)


def wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard matching (`*`, `?`), as Action (case-insensitive) and Resource (case-sensitive) use it."""
    if "[" in pattern:  # fnmatch's character classes are not IAM syntax: match them literally
        pattern = pattern.replace("[", "[[]")
    return bool(_glob(pattern, ignore_case).fullmatch(value))


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(wildcard(a, action, ignore_case=True) for a in _as_list(statement["NotAction"]))
    return any(wildcard(a, action, ignore_case=True) for a in _as_list(statement.get("Action")))


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not any(wildcard(r, resource) for r in _as_list(statement["NotResource"]))
    if "Resource" not in statement:  # trust policies and some resource policies omit it: the resource itself
        return True
    return any(wildcard(r, resource) for r in _as_list(statement["Resource"]))


def principal_match(statement: Mapping[str, Any], request: Request) -> Literal["direct", "account", "none"]:
    """How a resource-policy statement's principal covers the caller: by its own ARN (or `*`), only by its
    account (access then also needs an identity policy), or not at all."""
    if "NotPrincipal" in statement:
        names = statement["NotPrincipal"]
        return "none" if _principal_in(names, request) != "none" else "direct"
    return _principal_in(statement.get("Principal"), request)


def _principal_in(principal: Any, request: Request) -> Literal["direct", "account", "none"]:
    if principal == "*":
        return "direct"
    if not isinstance(principal, Mapping):
        return "none"
    caller = request.principal
    best: Literal["direct", "account", "none"] = "none"
    if caller.startswith("service:"):
        service = caller.removeprefix("service:")
        return "direct" if service in _as_list(principal.get("Service")) else "none"
    for entry in _as_list(principal.get("AWS")) + _as_list(principal.get("Federated")):
        entry = str(entry)
        if entry == "*" or entry == caller or (entry.startswith("arn:") and wildcard(entry, caller)):
            return "direct"
        if entry in (request.account, f"arn:aws:iam::{request.account}:root"):
            best = "account"
    return best


# -- conditions -------------------------------------------------------------------------------------


def _context_value(context: Mapping[str, Any], key: str) -> Any:
    # Condition key names are case-insensitive (IAM JSON policy elements: Condition).
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return value
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(operator: str, expected: str, actual: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return actual == expected
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() == expected.lower()
    if operator in ("StringLike", "ArnLike"):
        return wildcard(expected, actual)
    if operator == "Bool":
        return actual.lower() == expected.lower()
    if operator.startswith("Numeric"):
        a, e = float(actual), float(expected)
        return {"NumericEquals": a == e, "NumericLessThan": a < e, "NumericLessThanEquals": a <= e,
                "NumericGreaterThan": a > e, "NumericGreaterThanEquals": a >= e}[operator]
    raise UnsupportedConditionError(operator)


_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
            "NumericNotEquals": "NumericEquals"}


_KNOWN = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool", "NumericEquals",
          "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"}
"""The comparison operators `_compare` implements (their negations through `_NEGATED`)."""


def _value_meets(base: str, wanted: list[str], negated: bool, value: str) -> bool:
    """Whether one request value meets a condition: matches one of `wanted` under `base` (or none, negated)."""
    hit = any(_compare(base, w, value) for w in wanted)
    return not hit if negated else hit


class UnsupportedConditionError(ValueError):
    """A condition operator this evaluator does not implement: the statement cannot be decided."""


def condition_holds(condition: Mapping[str, Any] | None, context: Mapping[str, Any]) -> bool:
    """Whether every operator block of a `Condition` holds for the request's keys (AND across keys and
    operators, OR across the values listed for one key; negated operators: none of the values)."""
    for raw_operator, block in (condition or {}).items():
        qualifier, _, operator = raw_operator.rpartition(":")
        if_exists = operator.endswith("IfExists")
        operator = operator.removesuffix("IfExists")
        if operator != "Null" and _NEGATED.get(operator, operator) not in _KNOWN:
            raise UnsupportedConditionError(raw_operator)
        for key, expected in dict(block).items():
            wanted = [_text(v) for v in _as_list(expected)]
            actual = _context_value(context, key)
            if operator == "Null":
                # Null: true means "the key is absent", false "present".
                if (actual is None) != (wanted[0].lower() == "true"):
                    return False
                continue
            if actual is None:
                if if_exists or qualifier == "ForAllValues":
                    continue
                return False
            values = [_text(v) for v in _as_list(actual)]
            negated = operator in _NEGATED
            base = _NEGATED.get(operator, operator)

            one = partial(_value_meets, base, wanted, negated)
            if qualifier == "ForAllValues":
                ok = all(one(v) for v in values)
            elif qualifier == "ForAnyValue":
                ok = any(one(v) for v in values)
            else:
                ok = one(values[0]) if len(values) == 1 else any(one(v) for v in values)
            if not ok:
                return False
    return True


# -- evaluation -------------------------------------------------------------------------------------


def _label(source: Source, index: int, statement: Mapping[str, Any]) -> str:
    return f"{source.label} statement {statement.get('Sid') or index + 1}"


def _holds(statement: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """A statement's condition; one this evaluator cannot decide counts against the request: a Deny applies,
    an Allow does not (nothing is proven allowed on a guess)."""
    try:
        return condition_holds(statement.get("Condition"), context)
    except UnsupportedConditionError:
        return statement.get("Effect") == "Deny"


def _applies(statement: Mapping[str, Any], request: Request, *, resource_policy: bool) -> bool:
    if not (_action_matches(statement, request.action) and _resource_matches(statement, request.resource)):
        return False
    if resource_policy and principal_match(statement, request) == "none":
        return False
    return _holds(statement, request.context)


def evaluate(request: Request, identity: Sequence[Source] = (), resource: Sequence[Source] = (),
             key_policy: Source | None = None) -> Decision:
    """Decide one request from the caller's identity policies, the resource's policies and, for a KMS
    key, its key policy (same-account evaluation; see the module docstring)."""
    sources = [(s, False) for s in identity] + [(s, True) for s in resource]
    if key_policy is not None:
        sources.append((key_policy, True))
    # 1. explicit deny anywhere
    for source, is_resource in sources:
        for i, st in enumerate(statements(source.document)):
            if st.get("Effect") == "Deny" and _applies(st, request, resource_policy=is_resource):
                return Decision(False, "explicit deny", _label(source, i, st))
    identity_allow = _first_allow(identity, request, resource_policy=False)
    # 2. a KMS key's policy must allow, or delegate to IAM
    if key_policy is not None:
        verdict = _resource_allow(key_policy, request)
        if verdict is None:
            return Decision(False, "the key policy neither allows the caller nor delegates to IAM")
        how, where = verdict
        if how == "direct":
            return Decision(True, "allowed by the key policy", where)
        if identity_allow is None:
            return Decision(False, "the key policy delegates to IAM, and no identity policy allows it")
        return Decision(True, "allowed by the identity policy (the key policy delegates to IAM)", identity_allow)
    # 3. a resource policy naming the caller
    delegated = False
    for source in resource:
        verdict = _resource_allow(source, request)
        if verdict is not None and verdict[0] == "direct":
            return Decision(True, "allowed by the resource policy", verdict[1])
        delegated = delegated or verdict is not None
    # 4. an identity policy
    if identity_allow is not None:
        return Decision(True, "allowed by the identity policy", identity_allow)
    if request.principal.startswith("service:"):
        return Decision(False, "no resource policy allows the service principal (a service has no identity policy)")
    return Decision(False, "implicit deny: no policy allows it")


def _first_allow(sources: Iterable[Source], request: Request, *, resource_policy: bool) -> str | None:
    for source in sources:
        for i, st in enumerate(statements(source.document)):
            if st.get("Effect") == "Allow" and _applies(st, request, resource_policy=resource_policy):
                return _label(source, i, st)
    return None


def _resource_allow(source: Source, request: Request) -> tuple[str, str] | None:
    """("direct" | "account", statement) of the first Allow in a resource policy that covers the request."""
    account_only = None
    for i, st in enumerate(statements(source.document)):
        if st.get("Effect") != "Allow":
            continue
        if not (_action_matches(st, request.action) and _resource_matches(st, request.resource)):
            continue
        how = principal_match(st, request)
        if how == "none" or not _holds(st, request.context):
            continue
        if how == "direct":
            return "direct", _label(source, i, st)
        account_only = account_only or ("account", _label(source, i, st))
    return account_only


def default_key_policy(account: str) -> Policy:
    """The key policy AWS gives a KMS key created without one: the account administers it, so IAM policies
    grant its use (KMS Developer Guide, "Default key policy", checked 2026-12-04)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}
