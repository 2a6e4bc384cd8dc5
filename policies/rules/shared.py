"""Readings more than one service's rules share: policy documents, conditions, engines, settings."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, statements, subjects, tag_of
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, statements, subjects, tag_of  # type: ignore[no-redef]

from .types import (
    BUCKET,
    BUCKET_V2,
    STATEFUL,
    SUBNET,
)

RESTRICTING_KEYS = {
    # the network path: a VPC endpoint, a VPC, or endpoints owned by an account or organisation
    "aws:sourcevpce", "aws:sourcevpc", "aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths",
    # the organisation of the caller or of the resource acted on
    "aws:principalorgid", "aws:principalorgpaths", "aws:resourceorgid", "aws:sourceorgid", "aws:sourceorgpaths",
    # the account, or the exact principal or resource ARN
    "aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "aws:sourcearn", "aws:principalarn",
    "kms:calleraccount",
}
"""Condition keys that narrow `Principal: *` to an account, organisation, network path or resource (IAM User Guide,
"AWS global condition context keys", checked 2026-12-05: aws:VpceAccount, aws:VpceOrgID and aws:VpceOrgPaths are the
newest); any other condition (aws:SecureTransport, aws:UserAgent, aws:SourceIp, ...) still admits everyone. See
`_restricts` for how a condition on one of them may still restrict nothing."""


def _everyone(principal: Any) -> bool:
    """`Principal: "*"` or `{"AWS": "*"}` (or a list holding "*")."""
    return principal == "*" or (isinstance(principal, Mapping) and "*" in as_strings(principal.get("AWS")))


ACCOUNT_KEYS = {"aws:sourceaccount", "aws:principalaccount", "aws:sourceowner", "aws:vpceaccount", "kms:calleraccount"}
"""RESTRICTING_KEYS whose value is an account ID."""
_WILD = re.compile(r"[*?]")


def _narrows(key: str, value: str) -> bool:
    """Whether `key` tested against `value` leaves out callers anyone could become: an exact account, an ARN in a
    named account (or, for account-less ARNs such as a bucket's, an exact resource), an exact organisation, endpoint
    or VPC. A wildcard where the account or organisation goes admits whoever creates a matching name."""
    if key in ACCOUNT_KEYS:
        return re.fullmatch(r"\d{12}", value) is not None
    if key in ("aws:sourcearn", "aws:principalarn"):
        parts = value.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return False
        account, resource = parts[4], parts[5]
        if account:
            return re.fullmatch(r"\d{12}", account) is not None
        return bool(resource) and not _WILD.search(resource)
    if key.endswith("orgpaths"):  # o-org/r-root/ou-unit/...: the organisation itself must be named
        org = value.split("/", 1)[0]
        return org.startswith("o-") and not _WILD.search(org)
    return bool(value) and not _WILD.search(value)


def _restricts(condition: Any) -> bool:
    """Whether a condition narrows who may act: a positive test of a RESTRICTING_KEYS key whose every value narrows
    (`_narrows`). Negated operators, `Null`, `...IfExists` (true when the caller omits the key) and `ForAllValues:`
    (true when the key is absent) restrict nothing."""
    for operator, block in (condition or {}).items() if isinstance(condition, Mapping) else ():
        op = str(operator)
        if (not isinstance(block, Mapping) or "Not" in op or op.startswith(("Null", "ForAllValues:"))
                or op.endswith("IfExists")):
            continue
        for key, value in block.items():
            values = as_strings(value)
            if str(key).lower() in RESTRICTING_KEYS and values and all(_narrows(str(key).lower(), v) for v in values):
                return True
    return False


def public_statements(policy: Any) -> list[Mapping[str, Any]]:
    """Allow statements of a resource or trust policy that admit everyone: `Principal: *` without a condition that
    really restricts it, or `NotPrincipal` (everyone but the listed)."""
    return [s for s in statements(policy) if s.get("Effect") == "Allow"
            and ((_everyone(s.get("Principal")) and not _restricts(s.get("Condition"))) or "NotPrincipal" in s)]


def setting(prop: str, ok: Any, message: str) -> Any:
    """A check of one property: `message` (with `{name}`) unless `ok(value)`; a missing property is `None`,
    so `ok` says what AWS's default means."""
    def check(res: Subject) -> Iterator[str]:
        if not ok(res.props.get(prop)):
            yield message.format(name=res.name)
    return check






# ==================================================================================================
# Encryption in transit
# ==================================================================================================








def _public_subnet_ids(stack: Stack) -> set[str]:
    """Subnets of this stack that map public IPs or are tagged as the public tier."""
    return {s.props.get("id") for s in stack.of(SUBNET)
            if s.props.get("mapPublicIpOnLaunch") is True or tag_of(s.props, "tier") == "public"}


def private_placement(types: tuple[str, ...], field_path: tuple[str, ...], what: str):
    def check(stack: Stack) -> Iterator[tuple[str, str]]:
        public = _public_subnet_ids(stack)
        for res in subjects(stack.of(*types)):
            used = set(as_strings(dig(res.props, *field_path)))
            if used & public:
                yield f"{what} {res.name} is placed in public subnets.", res.urn
    return check




# ==================================================================================================
# Public data exposure
# ==================================================================================================






def public_policy(what: str, field_name: str = "policy"):
    """A check: the resource's `field_name` policy admits no one-and-everyone (see `public_statements`)."""
    def check(res: Subject) -> Iterator[str]:
        if public_statements(res.props.get(field_name)):
            yield (f"{what} {res.name} allows anyone (Principal * or NotPrincipal) without a condition on the "
                   "account, organisation, source or network.")
    return check




def deletion_protection(res: Subject) -> Iterator[str]:
    if res.props.get("deletionProtection") is not True and res.props.get("enableDeletionProtection") is not True:
        yield f"{res.name} can be deleted by a single API call (deletion protection off)."


def protect_stateful(stack: Stack) -> Iterator[tuple[str, str]]:
    for res in subjects(stack.resources):
        data_bucket = res.resource_type in (BUCKET, BUCKET_V2) and tag_of(res.props, "purpose") == "data"
        if (res.resource_type in STATEFUL or data_bucket) and not res.opts.protect:
            yield f"{res.name} holds data but is not protected (Pulumi protect).", res.urn
















