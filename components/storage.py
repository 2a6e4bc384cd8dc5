"""Storage: the application's own buckets (media, user files, exports).

Each bucket is private (public access blocked, no ACLs, TLS-only policy), SSE-KMS with a bucket
key under one rotating key of the component, versioned with replaced versions expiring, and
optionally tiered to colder storage. Services get exactly the access they name through
`grant`: `read` (get + list) or `read_write` (also put and delete) on named buckets. A bucket the
edge serves (`edge.buckets`) is read by its CloudFront distribution alone, through Origin Access
Control: `serve_through_cloudfront` writes its policy and lets that distribution decrypt with the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components._bucket import (
    BucketLifecycleSettings,
    BucketSpec,
    Expiry,
    bucket_key_statement,
    bucket_kms_key,
    bucket_policy,
    object_access_statements,
    private_bucket,
)
from components._common import child_opts, policy_document

BucketAccess = Literal["read", "read_write"]
BUCKET_ACTIONS: dict[str, list[str]] = {
    "read": ["s3:GetObject"],
    "read_write": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
}
"""What `read` and `read_write` allow on a bucket's objects (the stack's buckets and external ones alike)."""


class AppBucketSettings(BucketLifecycleSettings):
    """An application bucket (media, user files): private, SSE-KMS, versioned; by default kept in STANDARD
    for good (the pipeline's lifecycle defaults do not apply)."""

    transition_days: int | None = Field(None, ge=1)
    """Days until objects move to `storage_class`; unset: they stay in STANDARD."""
    storage_class: Literal["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] = "INTELLIGENT_TIERING"
    """Colder storage class of the transition."""
    expiration_days: int | None = Field(None, ge=1)
    """Days until objects are deleted; unset: kept."""
    noncurrent_expiration_days: int = Field(30, ge=1, le=3650)
    """Days a replaced or deleted version is kept (versioning is always on)."""


@dataclass(frozen=True, kw_only=True)
class StorageArgs:
    """Inputs for :class:`Storage`: its settings (`platform:buckets`, one entry per bucket) and the stack's."""

    settings: Mapping[str, AppBucketSettings]
    """Bucket role (e.g. media) -> lifecycle."""
    region: str
    """The stack's region (the key may only be used through S3 there)."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the buckets and the key."""
    served: frozenset[str] = frozenset()
    """Buckets CloudFront serves (`edge.buckets`): their policy waits for the distribution (`serve_through_cloudfront`)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every resource."""

    def __post_init__(self) -> None:
        if not self.settings:
            raise ValueError("StorageArgs: at least one bucket is required")
        if not self.served <= set(self.settings):
            raise ValueError(f"StorageArgs: served buckets {sorted(self.served - set(self.settings))} are not buckets here")


class Storage(pulumi.ComponentResource):
    """Private, encrypted, versioned application buckets with per-service grants."""

    bucket_names: dict[str, pulumi.Output[str]]
    """Bucket name by role (services get it as BUCKET_<ROLE>)."""
    bucket_arns: dict[str, pulumi.Output[str]]
    """Bucket ARN by role."""
    kms_key_arn: pulumi.Output[str]
    """The key encrypting every bucket."""
    bucket_domain_names: dict[str, pulumi.Output[str]]
    """Regional S3 domain name by role (a CloudFront origin)."""

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Storage", name, None, opts)
        self._name, self._args = name, args
        key = bucket_kms_key(self, name, "application buckets", args.tags, args.protect)
        self._key = key
        self._buckets = {
            role: private_bucket(self, name, role, BucketSpec(
                kms_key_arn=key.arn, protect=args.protect, tags=args.tags, defer_policy=role in args.served,
                lifecycle=[Expiry(id=f"{role}-tiering", transition_days=spec.transition_days,
                                  transition_storage_class=spec.storage_class, expiration_days=spec.expiration_days,
                                  noncurrent_expiration_days=spec.noncurrent_expiration_days)]))
            for role, spec in args.settings.items()
        }
        self.bucket_names = {role: b.bucket for role, b in self._buckets.items()}
        self.bucket_arns = {role: b.arn for role, b in self._buckets.items()}
        self.kms_key_arn = key.arn
        self.bucket_domain_names = {role: b.bucket_regional_domain_name for role, b in self._buckets.items()}
        self.register_outputs({"bucket_names": self.bucket_names, "kms_key_arn": self.kms_key_arn})

    def serve_through_cloudfront(self, account_id: pulumi.Input[str], distribution_arns: Mapping[str, pulumi.Input[str]]) -> None:
        """Let each served bucket's distribution, and no other, read its objects and decrypt them with the key.

        CloudFront signs its requests to an OAC origin as the service principal; with SSE-KMS the key policy must let
        that principal decrypt, limited to the distribution (CloudFront Developer Guide, "Restricting access to an
        Amazon S3 origin", SSE-KMS; checked 2026-12-04).
        """
        if set(distribution_arns) != set(self._args.served):
            raise ValueError(f"{self._name}: serve exactly the buckets named served ({sorted(self._args.served)})")
        for role, arn in sorted(distribution_arns.items()):
            bucket = self._buckets[role]
            bucket_policy(self, f"{self._name}-{role}", bucket, [{
                "Sid": "CloudFrontReadsThroughOac", "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                "Condition": {"StringEquals": {"AWS:SourceArn": arn}},
            }])
        # The key's policy as AWS writes it by default (the account administers it through IAM), plus CloudFront.
        aws.kms.KeyPolicy(f"{self._name}-key", key_id=self._key.key_id, policy=policy_document([
            {"Sid": "AccountAdministers", "Effect": "Allow",
             "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "CloudFrontDecryptsServedObjects", "Effect": "Allow",
             "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"AWS:SourceArn": [arn for _, arn in sorted(distribution_arns.items())]}}},
        ]), opts=child_opts(self))

    def grant(self, peer: str, role_name: pulumi.Input[str], access: Mapping[str, BucketAccess]) -> aws.iam.RolePolicy:
        """Attach to `role_name` exactly `access` (bucket role -> read | read_write), one policy named after `peer`."""
        return grant_buckets(self, f"{self._name}-grant-{peer}", role_name=role_name, bucket_arns=self.bucket_arns,
                             kms_key_arn=self.kms_key_arn, region=self._args.region, access=access)


def grant_buckets(parent: pulumi.Resource, name: str, *, role_name: pulumi.Input[str],
                  bucket_arns: Mapping[str, pulumi.Input[str]], kms_key_arn: pulumi.Input[str], region: str,
                  access: Mapping[str, BucketAccess]) -> aws.iam.RolePolicy:
    """One role policy granting `access` (bucket role -> read | read_write) on `bucket_arns` and their key.

    Shared by `Storage.grant` and by an app-layer stack granting the data stack's buckets.
    """
    unknown = sorted(set(access) - set(bucket_arns))
    if unknown or not access:
        raise ValueError(f"{name}: unknown or no buckets {unknown}; have {sorted(bucket_arns)}")
    statements: list[dict[str, Any]] = []
    for role, mode in sorted(access.items()):
        sid = "".join(p.title() for p in f"{mode}_{role}".replace("-", "_").split("_"))
        statements += object_access_statements(sid, bucket_arns[role], BUCKET_ACTIONS[mode])
    statements.append(bucket_key_statement(kms_key_arn, region))
    return aws.iam.RolePolicy(name, role=role_name, policy=policy_document(statements), opts=child_opts(parent))
