"""A private S3 bucket with every guard on: the one way components create buckets.

Public access blocked (all four settings), object ownership enforced (no ACLs), default
encryption (SSE-KMS with a bucket key, or SSE-S3 where the writing service demands it),
versioning, a bucket policy denying non-TLS requests plus any statements the caller adds,
lifecycle rules (always aborting incomplete multipart uploads) and optional EventBridge events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components._common import child_opts, policy_document, stateful_opts, tags_for
from components._settings import Problems, Settings


class BucketLifecycleSettings(Settings):
    """When a pipeline bucket's objects move to colder storage and when they expire."""

    transition_days: int | None = Field(365, ge=1)
    """Days until objects move to `storage_class`; unset: never."""
    storage_class: Literal["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] = "GLACIER"
    """Colder storage class."""
    expiration_days: int | None = Field(1825, ge=1)
    """Days until objects are deleted; unset: never."""

    @model_validator(mode="after")
    def _order(self) -> BucketLifecycleSettings:
        problems = Problems()
        if self.transition_days and self.expiration_days and self.expiration_days <= self.transition_days:
            problems.add("expiration_days", f"must come after transition_days ({self.transition_days}); got {self.expiration_days}")
        return problems.done(self)


@dataclass(frozen=True, kw_only=True)
class Expiry:
    """A lifecycle rule: move to cheaper storage, then expire, objects under a prefix."""

    id: str
    """Rule id (stable; shows in the console)."""
    prefix: str = ""
    """Key prefix the rule applies to ("" = all objects)."""
    transition_days: int | None = None
    """Days until objects move to `transition_storage_class`."""
    transition_storage_class: str = "GLACIER_IR"
    """Storage class for the transition."""
    expiration_days: int | None = None
    """Days until current objects expire."""
    noncurrent_expiration_days: int | None = 30
    """Days until replaced (noncurrent) versions are removed."""


@dataclass(frozen=True, kw_only=True)
class BucketSpec:
    """How one private bucket is set up."""

    kms_key_arn: pulumi.Input[str] | None = None
    """SSE-KMS key (with an S3 bucket key); None: SSE-S3 (what ALB access logs require)."""
    versioning: bool = True
    """Keep prior versions of overwritten and deleted objects."""
    lifecycle: Sequence[Expiry] = ()
    """Lifecycle rules beyond aborting incomplete multipart uploads."""
    eventbridge: bool = False
    """Send object events to EventBridge."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the bucket."""
    force_destroy: bool = False
    """Let `pulumi destroy` empty the bucket (never for data buckets in prod)."""
    policy_statements: Callable[[pulumi.Output[str]], Sequence[Mapping[str, Any]]] | None = None
    """Extra bucket policy statements, given the bucket ARN."""
    purpose: str = "data"
    """`data`, `logs` or `site`: tagged, so policies can tell data (versioned) from logs."""
    defer_policy: bool = False
    """The caller attaches the bucket policy later with `bucket_policy` (its statements need
    resources created after the bucket, such as a CloudFront distribution)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for the bucket."""


def private_bucket(parent: pulumi.Resource, name: str, role: str, spec: BucketSpec) -> aws.s3.Bucket:
    """Create `<name>-<role>` and its guards as children of `parent`; return the bucket."""
    logical = f"{name}-{role}"
    bucket = aws.s3.Bucket(
        logical, force_destroy=spec.force_destroy, tags=tags_for(spec.tags, name, role, purpose=spec.purpose),
        opts=stateful_opts(parent, spec.protect),
    )
    aws.s3.BucketPublicAccessBlock(
        logical, bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=child_opts(parent),
    )
    aws.s3.BucketOwnershipControls(
        logical, bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child_opts(parent),
    )
    default = (
        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id=spec.kms_key_arn)
        if spec.kms_key_arn is not None
        else aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256")
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        logical, bucket=bucket.id,
        rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=default, bucket_key_enabled=spec.kms_key_arn is not None)],
        opts=child_opts(parent),
    )
    if spec.versioning:
        aws.s3.BucketVersioning(
            logical, bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child_opts(parent),
        )
    aws.s3.BucketLifecycleConfiguration(
        logical, bucket=bucket.id, rules=_lifecycle_rules(spec), opts=child_opts(parent),
    )
    if not spec.defer_policy:
        extra = spec.policy_statements(bucket.arn) if spec.policy_statements is not None else []
        bucket_policy(parent, logical, bucket, extra)
    if spec.eventbridge:
        aws.s3.BucketNotification(logical, bucket=bucket.id, eventbridge=True, opts=child_opts(parent))
    return bucket


def bucket_policy(parent: pulumi.Resource, logical: str, bucket: aws.s3.Bucket,
                  statements: Sequence[Mapping[str, Any]]) -> aws.s3.BucketPolicy:
    """The bucket's one policy: deny non-TLS requests, plus `statements`."""
    deny_insecure = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return aws.s3.BucketPolicy(logical, bucket=bucket.id, policy=policy_document([deny_insecure, *statements]),
                               opts=child_opts(parent))


def _lifecycle_rules(spec: BucketSpec) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    rules = [aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="abort-incomplete-multipart-uploads", status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=7),
    )]
    for rule in spec.lifecycle:
        rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
            id=rule.id, status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=rule.prefix),
            transitions=[aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                days=rule.transition_days, storage_class=rule.transition_storage_class)]
            if rule.transition_days is not None else None,
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=rule.expiration_days)
            if rule.expiration_days is not None else None,
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=rule.noncurrent_expiration_days)
            if rule.noncurrent_expiration_days is not None and spec.versioning else None,
        ))
    return rules


def object_access_statements(sid: str, bucket_arn: pulumi.Input[str], actions: Sequence[str]) -> list[dict[str, Any]]:
    """Allow `actions` on the bucket's objects, plus listing the bucket (the SDKs list before they read)."""
    return [
        {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": pulumi.Output.concat(bucket_arn, "/*")},
        {"Sid": f"{sid}List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
    ]


def bucket_key_statement(key_arn: pulumi.Input[str], region: str) -> dict[str, Any]:
    """Use the buckets' KMS key, only through S3 (SSE-KMS objects cannot be read or written without it)."""
    return {"Sid": "UseBucketKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn, "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}}


def bucket_kms_key(parent: pulumi.Resource, name: str, what: str, tags: Mapping[str, str], protect: bool) -> aws.kms.Key:
    """`<name>-key`: the rotating key a component's buckets are encrypted with (kept 30 days after deletion)."""
    return aws.kms.Key(f"{name}-key", description=f"{name}: {what}", enable_key_rotation=True,
                       deletion_window_in_days=30, tags=tags_for(tags, name, "key"),
                       opts=stateful_opts(parent, protect))
