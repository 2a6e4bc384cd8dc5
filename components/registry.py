"""Registry: one ECR repository per image, scanned, encrypted, with a lifecycle policy.

Lifecycle: untagged images expire after `untagged_expiry_days`; of the images tagged with a
release prefix (`v*`), the newest `keep_tagged` are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components._common import child_opts, physical_name, stateful_opts, tags_for
from components._settings import Problems, ResourceName, Settings, matching


class RegistrySettings(Settings):
    """`platform:registry`: one ECR repository per image."""

    repositories: list[ResourceName] = []
    """Repository keys."""
    name_prefix: Annotated[str, matching(r"^[a-z0-9][a-z0-9._/-]{0,200}$", "a lowercase ECR name prefix such as portfolio-dev")] | None = None
    """Physical names are `<name_prefix>-<key>`; default `<project>-<stack>-registry`."""
    scan_on_push: bool = True
    """Scan every pushed image for vulnerabilities."""
    immutable_tags: bool = True
    """Refuse to overwrite an existing tag (required in prod)."""
    keep_tagged: int = Field(10, ge=1, le=1000)
    """How many images tagged with one of `tag_prefixes` to keep."""
    tag_prefixes: list[str] = ["v"]
    """Tag prefixes that mark release images."""
    untagged_expiry_days: int = Field(7, ge=1, le=365)
    """Delete untagged images after this many days."""

    @model_validator(mode="after")
    def _unique(self) -> RegistrySettings:
        problems = Problems()
        if len(set(self.repositories)) != len(self.repositories):
            problems.add("repositories", "names must be unique")
        return problems.done(self)


@dataclass(frozen=True, kw_only=True)
class RegistryArgs:
    """Inputs for :class:`Registry`: its settings (`platform:registry`) and what the stack supplies."""

    settings: RegistrySettings
    """Repositories, scanning, tag immutability and lifecycle."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the repositories (they hold the deployed images)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""


def lifecycle_policy(keep_tagged: int, tag_prefixes: Sequence[str], untagged_expiry_days: int) -> str:
    """The ECR lifecycle policy document (JSON)."""
    return json.dumps({"rules": [
        {"rulePriority": 1, "description": f"expire untagged images after {untagged_expiry_days} days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": untagged_expiry_days},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"keep the last {keep_tagged} release images",
         "selection": {"tagStatus": "tagged", "tagPrefixList": list(tag_prefixes), "countType": "imageCountMoreThan",
                       "countNumber": keep_tagged},
         "action": {"type": "expire"}},
    ]})


class Registry(pulumi.ComponentResource):
    """ECR repositories by key."""

    repository_urls: dict[str, pulumi.Output[str]]
    """Repository URL (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`) by key."""
    repository_arns: dict[str, pulumi.Output[str]]
    """Repository ARN by key (what pulling roles are granted)."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Registry", name, None, opts)
        policy = lifecycle_policy(args.settings.keep_tagged, args.settings.tag_prefixes, args.settings.untagged_expiry_days)
        prefix = args.settings.name_prefix or physical_name(name, 200)
        self.repository_urls, self.repository_arns = {}, {}
        for key in sorted(args.settings.repositories):
            repo = aws.ecr.Repository(
                f"{name}-{key}",
                # CI pushes by name, so the name is explicit and stable.
                name=f"{prefix}-{key}",
                image_tag_mutability="IMMUTABLE" if args.settings.immutable_tags else "MUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                    scan_on_push=args.settings.scan_on_push),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
                tags=tags_for(args.tags, name, key),
                opts=stateful_opts(self, args.protect),
            )
            aws.ecr.LifecyclePolicy(f"{name}-{key}", repository=repo.name, policy=policy, opts=child_opts(self))
            self.repository_urls[key] = repo.repository_url
            self.repository_arns[key] = repo.arn
        self.register_outputs({"repository_urls": self.repository_urls, "repository_arns": self.repository_arns})
