"""ExternalBuckets: buckets outside the stack, named by ARN, that services may read or write.

An organisation's shared bucket (an archive, a data lake, another team's exports) is not the stack's
to create, encrypt or keep; a service only needs the grant to use it. `platform:external_buckets`
names each by its ARN (and the customer-managed key its objects are encrypted with, if any); a
service lists it under `buckets:` like one of the stack's own. The grants are on the service's task
role; the bucket's own policy (and, for SSE-KMS, its key's) must not deny the role, which the stack
cannot see and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import pulumi
import pulumi_aws as aws

from components._bucket import bucket_key_statement, object_access_statements
from components._common import child_opts, policy_document
from components._settings import KmsKeyArn, Settings, matching
from components.storage import BUCKET_ACTIONS

__all__ = ["ExternalBucketSettings", "ExternalBuckets", "ExternalBucketsArgs", "bucket_name_of"]


class ExternalBucketSettings(Settings):
    """A bucket outside the stack."""

    arn: Annotated[str, matching(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "an S3 bucket ARN such as arn:aws:s3:::org-archive")]
    """The bucket's ARN (bucket names: 3-63 lower-case letters, digits, dots and hyphens)."""
    kms_key_arn: KmsKeyArn | None = None
    """The customer-managed key its objects are encrypted with (SSE-KMS); unset: SSE-S3, which needs no grant."""


def bucket_name_of(arn: str) -> str:
    """The bucket's name, from its ARN."""
    return arn.rsplit(":", 1)[-1]


@dataclass(frozen=True, kw_only=True)
class ExternalBucketsArgs:
    """Inputs for :class:`ExternalBuckets`: its settings (`platform:external_buckets`) and the stack's region."""

    settings: Mapping[str, ExternalBucketSettings]
    """The buckets by the name services use for them."""
    region: str
    """The stack's region (keys are used only through S3 there)."""


class ExternalBuckets(pulumi.ComponentResource):
    """Grants on buckets outside the stack: it creates nothing else."""

    bucket_names: dict[str, str]
    """Bucket name by key (services get it as BUCKET_<KEY>)."""
    bucket_arns: dict[str, str]
    """Bucket ARN by key."""

    def __init__(self, name: str, args: ExternalBucketsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:ExternalBuckets", name, None, opts)
        self._name, self._args = name, args
        self.bucket_arns = {key: s.arn for key, s in args.settings.items()}
        self.bucket_names = {key: bucket_name_of(s.arn) for key, s in args.settings.items()}
        self.register_outputs({"bucket_names": self.bucket_names, "bucket_arns": self.bucket_arns})

    def kms_key_arn(self, key: str) -> str | None:
        """The key of bucket `key`'s objects, if it has one of its own."""
        return self._args.settings[key].kms_key_arn

    def grant(self, service: str, role_name: pulumi.Input[str], access: Mapping[str, str]) -> aws.iam.RolePolicy:
        """Let `service`'s task role use the buckets in `access` (key -> read | read_write), and their keys."""
        statements = []
        for key, mode in sorted(access.items()):
            sid = "".join(p.title() for p in f"{mode}_{key}".replace("-", "_").split("_"))
            statements += object_access_statements(sid, self.bucket_arns[key], BUCKET_ACTIONS[mode])
            kms = self.kms_key_arn(key)
            if kms is not None:
                statements.append({**bucket_key_statement(kms, self._args.region), "Sid": f"{sid}Key"})
        return aws.iam.RolePolicy(f"{self._name}-grant-{service}", role=role_name, policy=policy_document(statements),
                                  opts=child_opts(self))
