"""S3 buckets: public access, ownership, encryption, versioning, lifecycle, logging, policies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, items, statements, subjects, tag_of
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, items, statements, subjects, tag_of  # type: ignore[no-redef]

from .types import (
    BUCKET_LIFECYCLES,
    BUCKET_LOGGINGS,
    BUCKET_OWNERSHIP,
    BUCKET_PAB,
    BUCKET_POLICY,
    BUCKET_SSES,
    BUCKET_VERSIONINGS,
    BUCKETS,
)


def bucket_tls_only(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, policy in _bucket_parts(stack, BUCKET_POLICY):
        text = policy.props.get("policy") if policy else bucket.props.get("policy")  # separate, or inline
        denies = [s for s in statements(text)
                  if s.get("Effect") == "Deny" and str(dig(s, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"]
        if not denies:
            yield f"Bucket {bucket.name} accepts requests without TLS (no aws:SecureTransport deny).", bucket.urn


def public_access_block(stack: Stack) -> Iterator[tuple[str, str]]:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    for bucket, block in _bucket_parts(stack, BUCKET_PAB):
        if block is None or any(block.props.get(k) is not True for k in keys):
            yield f"Bucket {bucket.name} does not block all public access.", bucket.urn


def ownership_enforced(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, ownership in _bucket_parts(stack, BUCKET_OWNERSHIP):
        if ownership is None or dig(ownership.props, "rule", "objectOwnership") != "BucketOwnerEnforced":
            yield f"Bucket {bucket.name} still honours ACLs (object ownership not BucketOwnerEnforced).", bucket.urn


CROSS_ACCOUNT_BLOCKED = {"s3:deletebucketpolicy", "s3:putbucketacl", "s3:putbucketpolicy",
                         "s3:putencryptionconfiguration", "s3:putobjectacl", "s3:*", "*"}
"""Actions FSBP S3.6 refuses to other accounts in a bucket policy."""


def bucket_cross_account(res: Subject) -> Iterator[str]:
    for st in statements(res.props.get("policy")):
        principals = as_strings(dig(st, "Principal", "AWS"))
        others = [p for p in principals if p != "*" and re.search(r"\d{12}", p)]
        if st.get("Effect") == "Allow" and others and {a.lower() for a in as_strings(st.get("Action"))} & CROSS_ACCOUNT_BLOCKED:
            yield f"Bucket policy of {res.name} lets other accounts change its policy, ACLs or encryption."


def _sse_algorithms(bucket: Any, sse: Any) -> set[Any]:
    """Default encryption algorithms of a bucket: its separate configuration, or inline on the bucket
    (`serverSideEncryptionConfiguration.rule` on Bucket, `serverSideEncryptionConfigurations[].rules` on BucketV2)."""
    rules = items(sse.props.get("rules") if sse else None)
    rules += items(dig(bucket.props, "serverSideEncryptionConfiguration", "rule"))
    rules += [r for c in items(bucket.props.get("serverSideEncryptionConfigurations")) for r in items(dig(c, "rules"))]
    return {dig(r, "applyServerSideEncryptionByDefault", "sseAlgorithm") for r in rules}


def data_buckets_kms(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, sse in _bucket_parts(stack, *BUCKET_SSES):
        if tag_of(bucket.props, "purpose") not in (None, "data"):
            continue
        if not _sse_algorithms(bucket, sse) & {"aws:kms", "aws:kms:dsse"}:
            yield f"Data bucket {bucket.name} is not encrypted with SSE-KMS.", bucket.urn


def _bucket_parts(stack: Stack, *part_types: str) -> list[tuple[Any, Any]]:
    """(bucket, its separate part of one of `part_types` or None) for every bucket of the stack."""
    parts = {p.props.get("bucket"): p for p in stack.of(*part_types)}
    return [(b, parts.get(b.props.get("id")) or parts.get(b.props.get("bucket")))
            for b in subjects(stack.of(*BUCKETS))]


def no_public_acl(res: Subject) -> Iterator[str]:
    acl = res.props.get("acl")
    if acl in ("public-read", "public-read-write", "authenticated-read"):
        yield f"{res.name} grants a public canned ACL ({acl})."
    grants = items(dig(res.props, "accessControlPolicy", "grants")) + items(res.props.get("grants"))
    for grant in grants:
        uri = str(dig(grant, "grantee", "uri") or dig(grant, "uri") or "")
        if uri.endswith(("/global/AllUsers", "/global/AuthenticatedUsers")):
            yield f"{res.name} grants access to {uri.rsplit('/', 1)[-1]}."


def data_bucket_versioning(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, versioning in _bucket_parts(stack, *BUCKET_VERSIONINGS):
        if tag_of(bucket.props, "purpose") not in (None, "data", "site"):
            continue
        inline = dig(bucket.props, "versioning", "enabled") is True or any(
            dig(v, "enabled") is True for v in items(bucket.props.get("versionings")))
        if not inline and (versioning is None or dig(versioning.props, "versioningConfiguration", "status") != "Enabled"):
            yield f"Bucket {bucket.name} is not versioned: an overwrite or delete is final.", bucket.urn


def bucket_lifecycle(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, lifecycle in _bucket_parts(stack, *BUCKET_LIFECYCLES):
        if lifecycle is None and not items(bucket.props.get("lifecycleRules")):
            yield f"Bucket {bucket.name} has no lifecycle configuration.", bucket.urn


def bucket_access_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    targets = {str(dig(p.props, "targetBucket")) for p in stack.of(*BUCKET_LOGGINGS)}
    for bucket, logging in _bucket_parts(stack, *BUCKET_LOGGINGS):
        inline = dig(bucket.props, "logging", "targetBucket") or any(
            dig(entry, "targetBucket") for entry in items(bucket.props.get("loggings")))
        # A bucket that receives access logs does not log to itself (that would loop).
        receives = bucket.props.get("bucket") in targets or bucket.props.get("id") in targets
        if logging is None and not inline and not receives and tag_of(bucket.props, "purpose") != "logs":
            yield f"Bucket {bucket.name} keeps no server access logs.", bucket.urn


def bucket_feature(part_types: tuple[str, ...], inline: str, what: str):
    def check(stack: Stack) -> Iterator[tuple[str, str]]:
        for bucket, part in _bucket_parts(stack, *part_types):
            if part is None and not bucket.props.get(inline):
                yield f"Bucket {bucket.name} has no {what}.", bucket.urn
    return check


def mfa_delete(stack: Stack) -> Iterator[tuple[str, str]]:
    for bucket, versioning in _bucket_parts(stack, *BUCKET_VERSIONINGS):
        on = dig(bucket.props, "versioning", "mfaDelete") is True or \
            dig(versioning.props if versioning else None, "versioningConfiguration", "mfaDelete") == "Enabled"
        if not on:
            yield f"Bucket {bucket.name} lets versions be deleted without MFA.", bucket.urn
