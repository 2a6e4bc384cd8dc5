"""DataLayer: an app-layer stack's view of its data stack, read through one StackReference.

A platform can run as two stacks (`layer: data` and `layer: app`): the data stack owns the network,
database, cache, file system, secrets and buckets; the app stack owns everything redeployed with a
release. This component is the app stack's handle on the data stack. It reads the data stack's
exports (the names `__main__.py` exports for exactly this purpose) and offers the same attributes
the data components offer, so the wiring does not care which stack holds them.

What the app stack creates here are its own grants: ingress rules on the data stack's security
groups (separate rule resources; the data stack's groups have no inline rules to fight over) and
role policies on its own task roles. Nothing of the data stack is ever replaced or deleted by an
app deploy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws

from components._common import child_opts, grant_port
from components._settings import TIERS, ResourceName, SecretKey, Settings, Tier, matching
from components.network import SubnetTiers
from components.storage import BucketAccess, grant_buckets

EFS_PORT = 2049


class DataStackSettings(Settings):
    """`platform:data_stack`: the data-layer stack an app-layer stack reads through a StackReference.

    The app stack declares what it expects the data stack to hold, so references (a service's
    `connects_to: [database]`, a secret key, an access point) are checked before anything is
    declared; the values themselves (ids, endpoints, ARNs) come from the data stack's exports.
    """

    name: Annotated[str, matching(r"^([A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]+$",
                    "a stack name such as semiont-data or acme/platform/semiont-data")]
    """The data stack: its name in this project, or `org/project/stack` (DIY backends: `organization/project/stack`)."""
    tiers: tuple[Tier, ...] = TIERS
    """Subnet tiers the data stack's network has."""
    database: bool = False
    """The data stack has a database (services may connect to it and read its secret)."""
    cache: bool = False
    """The data stack has a cache."""
    secrets: tuple[SecretKey, ...] = ()
    """Keys of the data stack's `platform:secrets` that services here read."""
    access_points: tuple[SecretKey, ...] = ()
    """Access points of the data stack's file system that services here mount."""
    buckets: tuple[ResourceName, ...] = ()
    """Names of the data stack's `platform:buckets` that services here are granted."""


@dataclass(frozen=True, kw_only=True)
class DataLayerArgs:
    """Inputs for :class:`DataLayer`: its settings (`platform:data_stack`) and what the stack supplies."""

    settings: DataStackSettings
    """The data stack and what this stack expects it to export."""
    region: str
    """The stack's region (bucket keys may only be used through S3 there)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for the grants created here."""


class ImportedNetwork(SubnetTiers):
    """The data stack's VPC and subnets."""

    def __init__(self, out: _Exports) -> None:
        self.vpc_id: pulumi.Output[str] = out.value("network_vpc_id")
        """The VPC id."""
        self.vpc_cidr: pulumi.Output[str] = out.value("network_vpc_cidr")
        """The VPC's primary CIDR."""
        self.availability_zones: pulumi.Output[list[str]] = out.value("network_availability_zones")
        """The availability zones the subnets span."""
        self.public_subnet_ids: pulumi.Output[list[str]] = out.value("network_public_subnet_ids")
        """Public subnet ids."""
        self.private_subnet_ids: pulumi.Output[list[str]] = out.value("network_private_subnet_ids")
        """Private subnet ids."""
        self.isolated_subnet_ids: pulumi.Output[list[str]] = out.value("network_isolated_subnet_ids")
        """Isolated subnet ids."""


class _GuardedPort:
    """A data-stack resource behind one security group; `allow_from` adds a rule owned by this stack."""

    def __init__(self, owner: DataLayer, name: str, port: pulumi.Input[int], security_group_id: pulumi.Output[str],
                 tags: Mapping[str, str]) -> None:
        self._owner, self._name, self._port, self._tags = owner, name, port, tags
        self.security_group_id = security_group_id
        """The resource's security group (in the data stack)."""

    def allow_from(self, peer: str, security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupIngressRule:
        """Let one security group reach the port (one rule, named after `peer`, in this stack)."""
        return grant_port(self._owner, self._name, port=self._port, security_group_id=self.security_group_id,
                          peer=peer, source_security_group_id=security_group_id, tags=self._tags)


class ImportedDatabase(_GuardedPort):
    """The data stack's database."""

    def __init__(self, owner: DataLayer, out: _Exports, tags: Mapping[str, str]) -> None:
        self.port: pulumi.Output[int] = out.number("db_port")
        """Listener port."""
        super().__init__(owner, "db", self.port, out.value("db_security_group_id"), tags)
        self.endpoint: pulumi.Output[str] = out.value("db_endpoint")
        """Writer host name."""
        self.reader_endpoint: pulumi.Output[str] = out.value("db_reader_endpoint")
        """Reader host name."""
        self.db_name: pulumi.Output[str] = out.value("db_name")
        """Name of the initial database."""
        self.secret_arn: pulumi.Output[str] = out.value("db_secret_arn")
        """ARN of the master-credentials secret."""
        self.kms_key_arn: pulumi.Output[str] = out.value("db_kms_key_arn")
        """Key of the secret; readers need kms:Decrypt on it."""


class ImportedCache(_GuardedPort):
    """The data stack's cache."""

    def __init__(self, owner: DataLayer, out: _Exports, tags: Mapping[str, str]) -> None:
        self.port: pulumi.Output[int] = out.number("cache_port")
        """Listener port."""
        super().__init__(owner, "cache", self.port, out.value("cache_security_group_id"), tags)
        self.primary_endpoint: pulumi.Output[str] = out.value("cache_primary_endpoint")
        """Primary (writer) host name."""


class ImportedFileSystem(_GuardedPort):
    """The data stack's EFS file system and the access points this stack mounts."""

    def __init__(self, owner: DataLayer, out: _Exports, access_points: Sequence[str], tags: Mapping[str, str]) -> None:
        super().__init__(owner, "files", EFS_PORT, out.value("files_security_group_id"), tags)
        self.file_system_id: pulumi.Output[str] = out.value("files_file_system_id")
        """The file system id."""
        self.file_system_arn: pulumi.Output[str] = out.value("files_file_system_arn")
        """The file system ARN."""
        self.access_point_ids = out.entries("files_access_point_ids", access_points)
        """Access point id by name."""
        self.access_point_arns = out.entries("files_access_point_arns", access_points)
        """Access point ARN by name."""


class ImportedSecrets:
    """The data stack's application secrets that this stack reads."""

    def __init__(self, out: _Exports, keys: Sequence[str]) -> None:
        self.arns = out.entries("secrets_arns", keys)
        """Secret ARN by key."""
        self.kms_key_arn: pulumi.Output[str] = out.value("secrets_kms_key_arn")
        """The key encrypting them."""


class ImportedStorage:
    """The data stack's application buckets; `grant` writes role policies in this stack."""

    def __init__(self, owner: DataLayer, out: _Exports, names: Sequence[str], region: str) -> None:
        self._owner, self._region = owner, region
        self.bucket_names = out.entries("storage_bucket_names", names)
        """Bucket name by role."""
        self.bucket_arns = out.entries("storage_bucket_arns", names)
        """Bucket ARN by role."""
        self.kms_key_arn: pulumi.Output[str] = out.value("storage_kms_key_arn")
        """The key encrypting the buckets."""

    def grant(self, peer: str, role_name: pulumi.Input[str], access: Mapping[str, BucketAccess]) -> aws.iam.RolePolicy:
        """Attach to `role_name` exactly `access` on the data stack's buckets."""
        return grant_buckets(self._owner, f"storage-grant-{peer}", role_name=role_name, bucket_arns=self.bucket_arns,
                             kms_key_arn=self.kms_key_arn, region=self._region, access=access)


class _Exports:
    """Typed reads of the data stack's exports; a missing export fails the deployment by name."""

    def __init__(self, ref: pulumi.StackReference) -> None:
        self._ref = ref

    def value(self, key: str) -> pulumi.Output[Any]:
        return self._ref.require_output(key)

    def number(self, key: str) -> pulumi.Output[int]:
        # Stack outputs travel as JSON numbers (floats): 5432.0 must not reach a port or an env var.
        return self.value(key).apply(int)

    def entries(self, key: str, names: Sequence[str]) -> dict[str, pulumi.Output[str]]:
        def pick(mapping: Mapping[str, str], name: str) -> str:
            if name not in mapping:
                raise KeyError(f"the data stack's export {key} has no {name!r} (it has {', '.join(sorted(mapping))}); "
                               f"add it to the data stack or remove it from platform:data_stack")
            return mapping[name]

        exported = self.value(key)
        return {name: exported.apply(partial(pick, name=name)) for name in names}


class DataLayer(pulumi.ComponentResource):
    """The data stack as seen from an app stack: network, stores and secrets, plus grants on them."""

    network: ImportedNetwork
    """The VPC and subnets."""
    database: ImportedDatabase | None
    """The database, if the data stack has one."""
    cache: ImportedCache | None
    """The cache, if the data stack has one."""
    file_system: ImportedFileSystem | None
    """The file system, if this stack mounts any of its access points."""
    secrets: ImportedSecrets | None
    """Application secrets this stack reads, if any."""
    storage: ImportedStorage | None
    """Application buckets this stack grants, if any."""

    def __init__(self, name: str, args: DataLayerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:DataLayer", name, None, opts)
        ref = pulumi.StackReference(f"{name}-stack", stack_name=args.settings.name, opts=child_opts(self))
        out = _Exports(ref)
        self.network = ImportedNetwork(out)
        self.database = ImportedDatabase(self, out, args.tags) if args.settings.database else None
        self.cache = ImportedCache(self, out, args.tags) if args.settings.cache else None
        self.file_system = ImportedFileSystem(self, out, args.settings.access_points, args.tags) if args.settings.access_points else None
        self.secrets = ImportedSecrets(out, args.settings.secrets) if args.settings.secrets else None
        self.storage = ImportedStorage(self, out, args.settings.buckets, args.region) if args.settings.buckets else None
        self.register_outputs({"stack_name": args.settings.name, "vpc_id": self.network.vpc_id})
