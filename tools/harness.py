"""Offline recording harness: run the Pulumi program (or single components) under mocks.

One implementation serves the `python -m tools` CLI and the test suite:

- `RecordingMonitor` subclasses the SDK's `MockMonitor` and records every registration with its
  options (protect, retainOnDelete, ignoreChanges, ...), which `MockResourceArgs` does not carry.
  It rejects duplicate URNs as the engine would, emulates the engine's option inheritance
  (`retainOnDelete`, `deletedWith`), answers component method calls, and never rebuilds resource
  references on its worker thread (references become the id or URN, as policies see them).
- `DefaultMocks` answers registrations with realistic outputs (ids, ARNs, endpoints) and invokes
  from a fixed table; an invoke it does not know is an error, never a silent empty answer.
- `load_stack_config` turns `Pulumi.yaml` + a stack file into the string map the engine passes.
- `run_program` evaluates `__main__.py` for one stack; `run_components` evaluates a callable
  (component tests).
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import hashlib
import json
import os
import re
import runpy
import sys
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from tools import stack_yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
MOCK_ACCOUNT = "123456789012"
UNKNOWN = rpc.UNKNOWN
_SECRET_SIG = rpc._special_secret_sig
_RESOURCE_SIG = rpc._special_resource_sig
_SIG_KEY = rpc._special_sig_key
_OUTPUT_SIG = rpc._special_output_value_sig
_ASSET_SIG = rpc._special_asset_sig
_ARCHIVE_SIG = rpc._special_archive_sig


GC_THRESHOLD = (50_000, 20, 100)
"""The cyclic collector's thresholds while programs run (CPython's default: 700, 10, 10)."""


def quiet_gc() -> None:
    """Let the cyclic collector run less often: it costs over half of a program run otherwise.

    Pydantic's schemas, AWS's data and the recorded graph keep about half a million objects alive,
    and at the default 700 allocations per young collection the collector rescans them every few
    registrations. benchmarks/gc_threshold.py on the 2-core reference machine (2026-12-05), default
    against this: first run (imports included) 2.37 s against 1.56 s, a warm run of prod 0.68 s
    against 0.44 s, of dev 0.65 s against 0.34 s; peak memory 238 MB against 256 MB. The older
    generations' thresholds rise too, so the first run's imports are not rescanned as they grow.
    Collected later, a cycle's finalizer runs later: the one that shows, an event loop's, is made
    explicit (`_close_event_loops` at exit).
    """
    if gc.get_threshold()[0] < GC_THRESHOLD[0]:
        gc.set_threshold(*GC_THRESHOLD)


def skip_source_positions() -> None:
    """Stop the SDK from computing where in the code each resource was declared: nothing reads it here.

    The engine shows that position in its output; under the mocks nobody does, and the SDK computes it for every
    registration (a walk of the whole call stack with each frame's source line and file URI): about a fifth of a
    program run. Only the position goes: every registration still carries its inputs and options. A no-op if a
    later SDK renames its private function (the cost comes back, nothing breaks).
    """
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    if hasattr(sdk_resource, "_get_stack_trace"):
        sdk_resource._get_stack_trace = source_pb2.StackTrace


_LOOPS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _event_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop (made on first use, as the SDK's helper does), remembered to be closed at exit."""
    loop = _ensure_event_loop()
    _LOOPS.add(loop)
    return loop


@atexit.register
def _close_event_loops() -> None:
    # The loops made on the SDK executor's threads (and the main one) are never closed. Left to the interpreter's
    # last collection, a loop's finalizer may run after its self-pipe socket's and print "Invalid file descriptor"
    # under a clean plan; closed here, before that collection, they go quietly.
    # A run the program aborted (a refused config, in tests) leaves RPCs queued that will never run: closing their
    # loop drops them, and each would say so ("coroutine ... was never awaited") about a run already reported.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for loop in list(_LOOPS):
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        gc.collect()  # the dropped coroutines' cycles, while the filter holds


# Every entry point that runs programs (the CLI, the watcher, the tests, benchmarks) imports this module.
quiet_gc()
skip_source_positions()


class HarnessError(Exception):
    """The harness cannot answer what the program asked (an unknown invoke, a duplicate URN)."""


# --------------------------------------------------------------------------------------------
# The recorded graph
# --------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    """One registration as the engine would have received it."""

    urn: str
    type: str
    name: str
    custom: bool
    remote: bool
    parent: str | None
    provider: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    protect: bool | None = None
    retain_on_delete: bool | None = None
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    additional_secret_outputs: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    deleted_with: str | None = None
    import_id: str | None = None
    secret_paths: list[str] = field(default_factory=list)
    registered_outputs: dict[str, Any] = field(default_factory=dict)
    read: bool = False
    """A read of an existing resource (StackReference, `get`): in the graph, but owned by no one here."""

    @property
    def id(self) -> str:
        """The mock physical id (what policies see for a reference to this resource)."""
        return str(self.outputs.get("id") or "")

    def options(self) -> dict[str, Any]:
        """Resource options in engine (camelCase) spelling, for the JSON export."""
        return {
            "protect": bool(self.protect),
            "retainOnDelete": bool(self.retain_on_delete),
            "deleteBeforeReplace": bool(self.delete_before_replace),
            "ignoreChanges": list(self.ignore_changes),
            "replaceOnChanges": list(self.replace_on_changes),
            "aliases": list(self.aliases),
            "additionalSecretOutputs": list(self.additional_secret_outputs),
            "customTimeouts": dict(self.custom_timeouts),
            "deletedWith": self.deleted_with,
            "provider": self.provider,
            "dependsOn": list(self.dependencies),
        }

    def to_json(self) -> dict[str, Any]:
        """The JSON shape written by `plan --json`."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "remote": self.remote,
            "read": self.read,
            "parent": self.parent,
            "inputs": self.inputs,
            "options": self.options(),
            "secretPaths": list(self.secret_paths),
        }


@dataclass
class Invocation:
    """One invoke (data source) or component method call the program made."""

    token: str
    args: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Plain conversion of engine structs: no resource rehydration on the worker thread
# --------------------------------------------------------------------------------------------


def _plain(value: Any, path: str, secrets: list[str], refs: list[str]) -> Any:
    """Turn a MessageToDict value into what a policy sees: secrets unwrapped, refs as id/URN."""
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SECRET_SIG:
            secrets.append(path)
            return _plain(value.get("value"), path, secrets, refs)
        if sig == _RESOURCE_SIG:
            refs.append(path)
            return value.get("id") or value.get("urn")
        if sig == _OUTPUT_SIG:
            if value.get("secret"):
                secrets.append(path)
            return _plain(value["value"], path, secrets, refs) if "value" in value else UNKNOWN
        if sig in (_ASSET_SIG, _ARCHIVE_SIG):
            return {k: v for k, v in value.items() if k != _SIG_KEY}
        return {k: _plain(v, f"{path}.{k}" if path else k, secrets, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, f"{path}[{i}]", secrets, refs) for i, v in enumerate(value)]
    return value


_ALIAS_FIELDS = ("name", "type", "stack", "project", "parentUrn")
_ALIAS_SPEC = re.compile(rf"({'|'.join(_ALIAS_FIELDS)})=(.*?)(?=, (?:{'|'.join(_ALIAS_FIELDS)}|noParent)=|\)$)")


def _alias_text(alias: Any) -> str:
    # An alias is either a full URN or a spec (old name/type/parent); render specs readably.
    if alias.urn:
        return alias.urn
    spec = alias.spec
    parts = [f"{k}={getattr(spec, k)}" for k in _ALIAS_FIELDS if getattr(spec, k)]
    if spec.noParent:
        parts.append("noParent=true")
    return "alias(" + ", ".join(parts) + ")"


def alias_spec(text: str) -> dict[str, str | bool]:
    """The fields an alias spec recorded as `alias(name=old, parentUrn=urn:..., noParent=true)` sets (the
    reverse of how the harness records one; `noParent` is True or absent)."""
    found: dict[str, str | bool] = dict(_ALIAS_SPEC.findall(text))
    if "noParent=true" in text:
        found["noParent"] = True
    return found


T = TypeVar("T")


def component_ancestor(parent: str | None, nodes: Mapping[str, T], type_of: Callable[[T], str],
                       parent_of: Callable[[T], str | None]) -> T | None:
    """The nearest node up from `parent` (a URN) that is one of our components (type `platform:components:*`);
    `nodes` are recorded resources or their JSON form, read through `type_of` and `parent_of`."""
    node = nodes.get(parent or "")
    while node is not None and not type_of(node).startswith("platform:components:"):
        node = nodes.get(parent_of(node) or "")
    return node


def _struct_to_plain(struct: Any) -> tuple[dict[str, Any], list[str], list[str]]:
    secrets: list[str] = []
    refs: list[str] = []
    raw = json_format.MessageToDict(struct) if struct is not None else {}
    return _plain(raw, "", secrets, refs), secrets, refs


# --------------------------------------------------------------------------------------------
# Mocks: realistic outputs and a fixed invoke table
# --------------------------------------------------------------------------------------------


def _hex(*parts: str, n: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


# Id prefixes AWS uses, so ids in the recorded graph read like the real thing.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:efs/fileSystem:FileSystem": "fs",
    "aws:efs/accessPoint:AccessPoint": "fsap",
    "aws:efs/mountTarget:MountTarget": "fsmt",
    "aws:route53/zone:Zone": "Z",
}

# ARN shapes: (service, resource path template). `{n}` is the physical name, `{id}` the id.
_ARN_SHAPE = {
    "aws:iam/role:Role": ("iam", "role/{n}"),
    "aws:iam/policy:Policy": ("iam", "policy/{n}"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ("iam", "oidc-provider/{n}"),
    "aws:kms/key:Key": ("kms", "key/{id}"),
    "aws:cloudwatch/logGroup:LogGroup": ("logs", "log-group:{n}"),
    "aws:rds/instance:Instance": ("rds", "db:{n}"),
    "aws:rds/cluster:Cluster": ("rds", "cluster:{n}"),
    "aws:rds/clusterInstance:ClusterInstance": ("rds", "db:{n}"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("elasticache", "replicationgroup:{n}"),
    "aws:sns/topic:Topic": ("sns", "{n}"),
    "aws:secretsmanager/secret:Secret": ("secretsmanager", "secret:{n}-AbCdEf"),
}
_GLOBAL_SERVICES = {"iam", "s3", "cloudfront", "route53", "waf"}


@dataclass
class MockContext:
    """Facts the mocks answer with: region and account, taken from the stack's config."""

    region: str = "us-east-1"
    account: str = MOCK_ACCOUNT
    stack_outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Exports of other stacks by the name a StackReference uses (an app stack's data stack)."""
    master_users: dict[str, str] = field(default_factory=dict)
    """RDS-managed secret ARN -> the master username of its database (what the secret's value holds)."""


class DefaultMocks(pulumi_mocks.Mocks):
    """Realistic answers for registrations and invokes, deterministic from the URN."""

    def __init__(self, context: MockContext | None = None) -> None:
        self.context = context or MockContext()

    monitor: RecordingMonitor | None = None
    """Set by the monitor; remote-component outputs need it to plant pretend children."""

    # -- resources ----------------------------------------------------------------------------
    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom:
            handler = COMPONENT_OUTPUTS.get(args.typ)
            return "", dict(handler(args, self) if handler else {})
        typ, inputs = args.typ, dict(args.inputs)
        if typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(str(inputs.get("name") or args.resource_id))
        region = _region_of(args, self.context)
        prefix = _ID_PREFIX.get(typ)
        physical = (inputs.get("name") or inputs.get("namePrefix") or (inputs.get("bucket") if typ == "aws:s3/bucket:Bucket" else None)
                    or f"{args.name}-{_hex(typ, args.name, n=7)}")
        if typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", inputs
        id_ = (
            args.resource_id
            or (f"{prefix}-{_hex(typ, args.name, n=17)}" if prefix and prefix != "Z" else None)
            or (f"Z{_hex(typ, args.name, n=12).upper()}" if prefix == "Z" else None)
            or str(physical)
        )
        state = inputs
        state.setdefault("name", physical)
        state.setdefault("arn", _arn(typ, str(physical), id_, region, self.context.account))
        state.setdefault("tagsAll", inputs.get("tags", {}))
        extra = RESOURCE_OUTPUTS.get(typ)
        if extra:
            state.update(extra(args, id_, str(physical), self.context))
        return id_, state

    def _stack_reference(self, name: str) -> tuple[str, dict]:
        outputs = self.context.stack_outputs.get(name)
        if outputs is None:
            raise HarnessError(
                f"stack reference {name!r}: the offline harness has no exports for it; keep its stack file "
                f"(Pulumi.{name.rsplit('/', 1)[-1]}.yaml) beside this one, or pass stack_outputs"
            )
        return name, {"name": name, "outputs": dict(outputs), "secretOutputNames": []}

    # -- invokes ------------------------------------------------------------------------------
    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        handler = INVOKES.get(args.token)
        if handler is None:
            raise HarnessError(
                f"the offline harness has no answer for invoke {args.token!r}; "
                "add one to tools/harness.py INVOKES"
            )
        return handler(dict(args.args), self.context), []


def _region_of(args: pulumi_mocks.MockResourceArgs, ctx: MockContext) -> str:
    # Resources created through an explicit regional provider (CloudFront's us-east-1 ACM
    # certificate) carry that provider's URN; its name says the region.
    if args.provider and "us-east-1" in args.provider:
        return "us-east-1"
    return ctx.region


def _arn(typ: str, physical: str, id_: str, region: str, account: str) -> str:
    module = typ.split(":")[1].split("/")[0]
    service, template = _ARN_SHAPE.get(typ, (module, "{kind}/{n}"))
    kind = typ.rsplit(":", 1)[-1].lower()
    resource = template.format(n=physical, id=id_, kind=kind)
    if service in _GLOBAL_SERVICES:
        return f"arn:aws:{service}::{account}:{resource}"
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _master_secret(kind: str, ident: str, args, ctx) -> list[dict[str, str]]:
    # RDS names its managed secrets rds!db-<uuid> / rds!cluster-<uuid>.
    arn = f"arn:aws:secretsmanager:{ctx.region}:{ctx.account}:secret:rds!{kind}-{_hex(ident)}-AbCdEf"
    ctx.master_users[arn] = str(args.inputs.get("masterUsername") or args.inputs.get("username") or "")
    return [{"secretArn": arn, "secretStatus": "active", "kmsKeyId": args.inputs.get("masterUserSecretKmsKeyId", "")}]


def _rds_instance(args, id_, physical, ctx):
    ident = args.inputs.get("identifier", physical)
    port = int(args.inputs.get("port", 5432))
    address = f"{ident}.cmock1234567.{ctx.region}.rds.amazonaws.com"
    return {
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "masterUserSecrets": _master_secret("db", ident, args, ctx),
        "arn": f"arn:aws:rds:{ctx.region}:{ctx.account}:db:{ident}",
        "resourceId": f"db-{_hex(ident, n=26).upper()}",
    }


def _rds_cluster(args, id_, physical, ctx):
    ident = args.inputs.get("clusterIdentifier", physical)
    return {
        "endpoint": f"{ident}.cluster-cmock1234567.{ctx.region}.rds.amazonaws.com",
        "readerEndpoint": f"{ident}.cluster-ro-cmock1234567.{ctx.region}.rds.amazonaws.com",
        "port": int(args.inputs.get("port", 5432)),
        "masterUserSecrets": _master_secret("cluster", ident, args, ctx),
        "arn": f"arn:aws:rds:{ctx.region}:{ctx.account}:cluster:{ident}",
        "clusterResourceId": f"cluster-{_hex(ident, n=26).upper()}",
    }


def _replication_group(args, id_, physical, ctx):
    ident = args.inputs.get("replicationGroupId", physical)
    return {
        "primaryEndpointAddress": f"master.{ident}.mock12.use1.cache.amazonaws.com",
        "readerEndpointAddress": f"replica.{ident}.mock12.use1.cache.amazonaws.com",
        "arn": f"arn:aws:elasticache:{ctx.region}:{ctx.account}:replicationgroup:{ident}",
    }


def _memcached_cluster(args, id_, physical, ctx):
    ident = args.inputs.get("clusterId", physical)
    address = f"{ident}.mock12.cfg.use1.cache.amazonaws.com"
    return {
        "clusterAddress": address,
        "configurationEndpoint": f"{address}:{int(args.inputs.get('port', 11211))}",
        "arn": f"arn:aws:elasticache:{ctx.region}:{ctx.account}:cluster:{ident}",
    }


def _ec2_instance(args, id_, physical, ctx):
    return {"primaryNetworkInterfaceId": f"eni-{_hex(id_, n=17)}", "privateIp": "10.0.0.10"}


def _kms_key(args, id_, physical, ctx):
    key_id = f"{_hex(id_, n=8)}-{_hex(id_, 'b', n=4)}-{_hex(id_, 'c', n=4)}-{_hex(id_, 'd', n=4)}-{_hex(id_, 'e', n=12)}"
    return {"keyId": key_id, "arn": f"arn:aws:kms:{ctx.region}:{ctx.account}:key/{key_id}"}


def _certificate(args, id_, physical, ctx):
    names = [args.inputs["domainName"], *args.inputs.get("subjectAlternativeNames", [])]
    return {"domainValidationOptions": [
        {"domainName": n, "resourceRecordName": f"_{_hex(n.removeprefix('*.'), n=32)}.{n.removeprefix('*.')}.",
         "resourceRecordType": "CNAME", "resourceRecordValue": f"_{_hex('v', n.removeprefix('*.'), n=32)}.acm-validations.aws."}
        for n in names],
        "arn": f"arn:aws:acm:{_region_of(args, ctx)}:{ctx.account}:certificate/{_hex(id_, n=8)}-mock"}


def _load_balancer(args, id_, physical, ctx):
    suffix = f"app/{physical}/{_hex(id_, n=16)}"
    return {"dnsName": f"{physical}-123456789.{ctx.region}.elb.amazonaws.com", "zoneId": "Z35SXDOTRQ7X7K",
            "arnSuffix": suffix, "arn": f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account}:loadbalancer/{suffix}"}


def _target_group(args, id_, physical, ctx):
    suffix = f"targetgroup/{physical}/{_hex(id_, n=16)}"
    return {"arnSuffix": suffix, "arn": f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account}:{suffix}"}


def _bucket(args, id_, physical, ctx):
    name = args.inputs.get("bucket") or physical  # a bucket's id is its name
    return {"bucket": name, "arn": f"arn:aws:s3:::{name}", "bucketRegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
            "bucketDomainName": f"{name}.s3.amazonaws.com"}


def _distribution(args, id_, physical, ctx):
    dist_id = f"E{_hex(id_, n=13).upper()}"
    return {"domainName": f"d{_hex(id_, n=13)}.cloudfront.net", "hostedZoneId": "Z2FDTNDATAQYW2",
            "arn": f"arn:aws:cloudfront::{ctx.account}:distribution/{dist_id}"}


def _ecs_service(args, id_, physical, ctx):
    # ECS service ARNs carry the cluster's name (the long ARN format).
    cluster = str(args.inputs.get("cluster", "")).rsplit("/", 1)[-1]
    state: dict[str, Any] = {"arn": f"arn:aws:ecs:{ctx.region}:{ctx.account}:service/{cluster}/{physical}"}
    # The provider's state holds clientAlias as a list (its input is one object); echoing the
    # input unchanged would fail the SDK's output type check.
    connect = args.inputs.get("serviceConnectConfiguration")
    if connect:
        services = [{**s, "clientAlias": [s["clientAlias"]] if isinstance(s.get("clientAlias"), dict) else s.get("clientAlias", [])}
                    for s in connect.get("services", [])]
        state["serviceConnectConfiguration"] = {**connect, "services": services}
    return state


def _vpc(args, id_, physical, ctx):
    # AWS hands out a /56 from its pool when asked; the mock's is a documentation-style block.
    if args.inputs.get("assignGeneratedIpv6CidrBlock"):
        return {"ipv6CidrBlock": f"2600:1f18:{_hex(id_, n=4)}:{_hex(id_, 'v6', n=2)}00::/56"}
    return {}


RESOURCE_OUTPUTS: dict[str, Callable[..., dict[str, Any]]] = {
    "aws:ecs/service:Service": _ecs_service,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:iam/role:Role": lambda a, i, p, c: {
        "arn": f"arn:aws:iam::{c.account}:role{a.inputs.get('path', '/')}{p}", "uniqueId": f"AROA{_hex(p, n=16).upper()}"},
    "aws:acm/certificate:Certificate": _certificate,
    "kubernetes:networking.k8s.io/v1:Ingress": lambda a, i, p, c: {"status": {"loadBalancer": {"ingress": [
        {"hostname": f"k8s-{_hex(a.name, n=8)}-{_hex(a.name, 'lb', n=10)}.{c.region}.elb.amazonaws.com"}]}}},
    "aws:batch/jobDefinition:JobDefinition": lambda a, i, p, c: {
        "arn": f"arn:aws:batch:{c.region}:{c.account}:job-definition/{p}:1",
        "arnPrefix": f"arn:aws:batch:{c.region}:{c.account}:job-definition/{p}", "revision": 1},
    "aws:batch/jobQueue:JobQueue": lambda a, i, p, c: {"arn": f"arn:aws:batch:{c.region}:{c.account}:job-queue/{p}"},
    "aws:batch/computeEnvironment:ComputeEnvironment": lambda a, i, p, c: {
        "arn": f"arn:aws:batch:{c.region}:{c.account}:compute-environment/{p}"},
    "aws:sfn/stateMachine:StateMachine": lambda a, i, p, c: {
        "arn": f"arn:aws:states:{c.region}:{c.account}:stateMachine:{p}"},
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:ecr/repository:Repository": lambda a, i, p, c: {
        "repositoryUrl": f"{c.account}.dkr.ecr.{c.region}.amazonaws.com/{p}"},
    "aws:route53/record:Record": lambda a, i, p, c: {"fqdn": str(a.inputs.get("name", "")).rstrip(".")},
    # An OIDC provider's ARN ends in its URL's host and path.
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda a, i, p, c: {
        "arn": f"arn:aws:iam::{c.account}:oidc-provider/{str(a.inputs.get('url', p)).removeprefix('https://')}"},
    "aws:route53/zone:Zone": lambda a, i, p, c: {
        "zoneId": i, "nameServers": [f"ns-{n}.awsdns-{n}.org" for n in (1, 2, 3, 4)]},
    "aws:secretsmanager/secret:Secret": lambda a, i, p, c: {
        "arn": f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:{p}-{_hex(p, n=6)}"},
    # An SES identity's ARN names the domain; Easy DKIM publishes three tokens.
    "aws:sesv2/emailIdentity:EmailIdentity": lambda a, i, p, c: {
        "arn": f"arn:aws:ses:{c.region}:{c.account}:identity/{a.inputs.get('emailIdentity')}",
        "dkimSigningAttributes": {**(a.inputs.get("dkimSigningAttributes") or {}), "tokens": [
            _hex("dkim", str(a.inputs.get("emailIdentity")), str(n), n=32) for n in range(3)]}},
    # SQS names a queue by its URL (the id) and its ARN by account and name.
    "aws:sqs/queue:Queue": lambda a, i, p, c: {
        "url": f"https://sqs.{c.region}.amazonaws.com/{c.account}/{p}", "arn": f"arn:aws:sqs:{c.region}:{c.account}:{p}"},
    "random:index/randomPassword:RandomPassword": lambda a, i, p, c: {
        "result": (_hex("password", a.name, n=64) * 8)[: int(a.inputs.get("length", 32))]},
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:elasticache/cluster:Cluster": _memcached_cluster,
    "aws:ec2/instance:Instance": _ec2_instance,
    "aws:kms/key:Key": _kms_key,
}
"""Per-type computed outputs beyond the echoed inputs, `id`, `arn` and auto-`name`."""

def _eks_cluster(args: pulumi_mocks.MockResourceArgs, mocks: DefaultMocks) -> dict[str, Any]:
    """What pulumi-eks's Cluster returns: kubeconfig, OIDC provider, and the aws.eks.Cluster inside."""
    ctx, name = mocks.context, str(args.inputs.get("name") or args.name)
    oidc_id = _hex(name, n=32).upper()
    issuer = f"oidc.eks.{ctx.region}.amazonaws.com/id/{oidc_id}"
    endpoint = f"https://{oidc_id}.gr7.{ctx.region}.eks.amazonaws.com"
    kubeconfig = {"apiVersion": "v1", "kind": "Config", "current-context": "aws",
                  "clusters": [{"name": "kubernetes", "cluster": {"server": endpoint}}],
                  "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
                  "users": [{"name": "aws", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                                                              "command": "aws", "args": ["eks", "get-token",
                                                                                         "--cluster-name", name]}}}]}
    cluster_sg = f"sg-{_hex(name, 'cluster-sg', n=17)}"
    assert mocks.monitor is not None
    eks_cluster = mocks.monitor.fake_child(args.typ, "aws:eks/cluster:Cluster", f"{args.name}-eksCluster", {
        "name": name, "arn": f"arn:aws:eks:{ctx.region}:{ctx.account}:cluster/{name}", "endpoint": endpoint,
        "version": args.inputs.get("version", ""),
        "vpcConfig": {"clusterSecurityGroupId": cluster_sg, "vpcId": args.inputs.get("vpcId", ""),
                      "subnetIds": args.inputs.get("privateSubnetIds", []),
                      "endpointPrivateAccess": True,
                      "endpointPublicAccess": bool(args.inputs.get("endpointPublicAccess", False))},
        "identities": [{"oidcs": [{"issuer": f"https://{issuer}"}]}],
    })
    return {
        "kubeconfig": kubeconfig, "kubeconfigJson": json.dumps(kubeconfig), "eksCluster": eks_cluster,
        "oidcProviderArn": f"arn:aws:iam::{ctx.account}:oidc-provider/{issuer}",
        "oidcProviderUrl": f"https://{issuer}", "oidcIssuer": issuer,
        "clusterSecurityGroupId": f"sg-{_hex(name, 'pulumi-eks-sg', n=17)}",
        "nodeSecurityGroupId": f"sg-{_hex(name, 'node-sg', n=17)}",
    }


COMPONENT_OUTPUTS: dict[str, Callable[[pulumi_mocks.MockResourceArgs, "DefaultMocks"], dict[str, Any]]] = {
    "eks:index:Cluster": _eks_cluster,
}
"""Outputs for remote (multi-language) components, which are black boxes under mocks."""


def _azs(args: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    names = [f"{ctx.region}{s}" for s in "abcdef"]
    return {"names": names, "zoneIds": [f"use1-az{i}" for i in range(1, 7)], "state": "available",
            "id": ctx.region, "groupNames": [ctx.region]}


def _ssm_parameter(args: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    name = args["name"]
    value = f"ami-{_hex(name, n=17)}" if name.startswith("/aws/service/ami-") else f"mock-value-of-{name}"
    return {"name": name, "value": value, "type": "String", "arn": f"arn:aws:ssm:{ctx.region}::parameter{name}",
            "id": name, "version": 1, "insecureValue": value, "withDecryption": True}


def _vpc(args: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    vpc_id = args.get("id", "vpc-mock")
    return {"id": vpc_id, "cidrBlock": "10.0.0.0/16", "arn": f"arn:aws:ec2:{ctx.region}:{ctx.account}:vpc/{vpc_id}"}


def _subnets(args: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    key = json.dumps(args, sort_keys=True)
    return {"ids": [f"subnet-{_hex(key, str(i), n=17)}" for i in range(2)], "id": ctx.region}


MOCK_DATABASE_PASSWORD = "m0ck:P@ss/w#rd%"
"""What the offline harness says an RDS-managed secret holds: characters that break a URL unless encoded."""


def _secret_version(args: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    arn = str(args.get("secretId", ""))
    # RDS-managed master secrets hold {"username", "password"}; others, a value of their own.
    value = json.dumps({"username": ctx.master_users.get(arn, "appadmin"), "password": MOCK_DATABASE_PASSWORD}) \
        if ":secret:rds!" in arn else f"mock-value-{_hex(arn, n=12)}"
    return {"arn": arn, "id": arn, "secretId": arn, "secretString": value, "versionId": f"v-{_hex(arn, n=8)}",
            "versionStage": "AWSCURRENT", "versionStages": ["AWSCURRENT"], "secretBinary": "", "createdDate": ""}


def _zone(args: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    name = str(args.get("name", "")).rstrip(".")
    zone_id = f"Z{_hex('zone', name, n=12).upper()}"
    return {"id": zone_id, "zoneId": zone_id, "name": name, "privateZone": bool(args.get("privateZone")),
            "nameServers": [f"ns-{n}.awsdns-{n}.org" for n in (1, 2, 3, 4)], "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
            "callerReference": name, "comment": "", "resourceRecordSetCount": 2, "tags": {}, "vpcId": "",
            "linkedServiceDescription": "", "linkedServicePrincipal": "", "primaryNameServer": "ns-1.awsdns-1.org"}


INVOKES: dict[str, Callable[[dict[str, Any], MockContext], dict[str, Any]]] = {
    "aws:route53/getZone:getZone": _zone,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _azs,
    "aws:index/getRegion:getRegion": lambda a, c: {"name": c.region, "region": c.region, "id": c.region},
    "aws:index/getCallerIdentity:getCallerIdentity": lambda a, c: {
        "accountId": c.account, "arn": f"arn:aws:iam::{c.account}:user/mock", "userId": "AIDAMOCK", "id": c.account},
    "aws:index/getPartition:getPartition": lambda a, c: {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"},
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": lambda a, c: {
        "id": f"pl-{_hex(a.get('name', ''), n=8)}", "name": a.get("name"), "maxEntries": 55,
        "entries": [], "arn": f"arn:aws:ec2:{c.region}:aws:prefix-list/pl-{_hex(a.get('name', ''), n=8)}"},
    "aws:lb/getHostedZoneId:getHostedZoneId": lambda a, c: {"id": "Z35SXDOTRQ7X7K" if c.region == "us-east-1"
                                                              else f"Z{_hex(c.region, n=12).upper()}"},
    "aws:elb/getServiceAccount:getServiceAccount": lambda a, c: {
        "id": "127311923021", "arn": "arn:aws:iam::127311923021:root"},
}
"""Invokes (data sources) the program may make, answered offline."""


# --------------------------------------------------------------------------------------------
# The monitor
# --------------------------------------------------------------------------------------------


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock resource monitor that records every registration, its options and invokes."""

    def __init__(self, mocks: pulumi_mocks.Mocks | None = None) -> None:
        super().__init__(mocks or DefaultMocks())
        if isinstance(self.mocks, DefaultMocks):
            self.mocks.monitor = self
        self.registered: dict[str, Recorded] = {}
        self.invocations: list[Invocation] = []
        self.exports: dict[str, Any] = {}

    def fake_child(self, parent_type: str, typ: str, name: str, state: dict[str, Any]) -> dict[str, Any]:
        """A resource reference to a pretend child of a remote component (registers nothing).

        The SDK rebuilds the object through `getResource`, so `cluster.eks_cluster.name` works;
        the pretend child is not in `registered`, as a real child would not be visible either.
        """
        urn = f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{parent_type}${typ}::{name}"
        id_ = f"{name}-id"
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_, {**state, "id": id_})
        return {_SIG_KEY: _RESOURCE_SIG, "urn": urn, "id": id_}

    # -- queries used by tests and tools --------------------------------------------------------
    def of_type(self, typ: str) -> list[Recorded]:
        """Every recorded resource of a type token, in registration order."""
        return [r for r in self.registered.values() if r.type == typ]

    def one(self, typ: str, name: str | None = None) -> Recorded:
        """The single resource of a type (optionally with a logical name); fails otherwise."""
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one {typ} named {name!r}, found {[r.name for r in found]}")
        return found[0]

    def named(self, name: str) -> Recorded:
        """The single resource with a logical name."""
        found = [r for r in self.registered.values() if r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one resource named {name!r}, found {len(found)}")
        return found[0]

    def children_of(self, urn: str) -> list[Recorded]:
        """Direct children of a resource or component."""
        return [r for r in self.registered.values() if r.parent == urn]

    def by_id(self, id_: str) -> Recorded | None:
        """The resource whose mock id (or URN) is `id_`, as references appear in inputs."""
        for r in self.registered.values():
            if r.id == id_ or r.urn == id_:
                return r
        return None

    def component_of(self, res: Recorded) -> Recorded | None:
        """The nearest ancestor that is one of our components (type `platform:components:*`)."""
        return component_ancestor(res.parent, self.registered, lambda r: r.type, lambda r: r.parent)

    def component_name(self, res: Recorded) -> str:
        """The name of the component `res` belongs to, `-` outside any (how reports group resources)."""
        owner = self.component_of(res)
        return owner.name if owner else "-"

    def records(self) -> Iterator[Recorded]:
        """All recorded registrations in order."""
        return iter(self.registered.values())

    # -- monitor protocol -----------------------------------------------------------------------
    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        if urn in self.registered:
            # The engine refuses this; the stock mock monitor silently accepts it.
            raise HarnessError(f"Duplicate resource URN '{urn}'")
        _event_loop()
        inputs, secrets, _refs = _struct_to_plain(request.object)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        state = dict(state or {})
        obj = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        outputs = dict(_struct_to_plain(obj)[0])
        if request.custom:
            outputs["id"] = id_ or ""
        rec = Recorded(
            urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
            remote=bool(request.remote), parent=request.parent or None, provider=request.provider or None,
            inputs=json.loads(json.dumps(inputs)), outputs=outputs,
            protect=request.protect if request.HasField("protect") else None,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges), replace_on_changes=list(request.replaceOnChanges),
            aliases=[_alias_text(a) for a in request.aliases] + list(request.aliasURNs),
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            additional_secret_outputs=list(request.additionalSecretOutputs),
            custom_timeouts={k: v for k, v in (("create", request.customTimeouts.create),
                                               ("update", request.customTimeouts.update),
                                               ("delete", request.customTimeouts.delete)) if v},
            deleted_with=request.deletedWith or None, import_id=request.importId or None, secret_paths=secrets,
        )
        self._inherit_from_parent(rec)
        self.registered[urn] = rec
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=obj)

    def _inherit_from_parent(self, rec: Recorded) -> None:
        # The engine (not the SDK) copies these from the parent when the child leaves them unset
        # (source_eval.go inheritFromParent); emulate it so tests see what a real run does.
        parent = self.registered.get(rec.parent or "")
        if parent is None:
            return
        if rec.retain_on_delete is None:
            rec.retain_on_delete = parent.retain_on_delete
        if rec.deleted_with is None:
            rec.deleted_with = parent.deleted_with
        if rec.protect is None:
            rec.protect = parent.protect

    def ReadResource(self, request):  # noqa: N802
        # Reads (StackReference, `get` of an existing resource) enter the graph too, marked as reads:
        # they are part of what a preview shows, but own nothing.
        urn = self.make_urn(request.parent, request.type, request.name)
        _event_loop()
        inputs, _, _ = _struct_to_plain(request.properties)
        id_, state = self.mocks.new_resource(pulumi_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.id, custom=True))
        obj = _sync_await(rpc.serialize_properties(dict(state), {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", dict(state))
        self.registered[urn] = Recorded(
            urn=urn, type=request.type, name=request.name, custom=True, remote=False, parent=request.parent or None,
            provider=request.provider or None, inputs=json.loads(json.dumps(inputs)),
            outputs={**_struct_to_plain(obj)[0], "id": id_ or ""}, read=True,
        )
        return resource_pb2.ReadResourceResponse(urn=urn, properties=obj)

    def RegisterResourceOutputs(self, request):  # noqa: N802
        rec = self.registered.get(request.urn)
        if rec is not None:
            rec.registered_outputs = _struct_to_plain(request.outputs)[0]
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request):  # noqa: N802
        if request.tok != "pulumi:pulumi:getResource":
            args, _, _ = _struct_to_plain(request.args)
            self.invocations.append(Invocation(request.tok, args))
        return super().Invoke(request)

    def Call(self, request):  # noqa: N802
        # Component methods (eks.Cluster.get_kubeconfig) come here; the stock monitor has no Call.
        _event_loop()
        args, _, _ = _struct_to_plain(request.args)
        self.invocations.append(Invocation(request.tok, args))
        ret, _ = self.mocks.call(pulumi_mocks.MockCallArgs(token=request.tok, args=args, provider=request.provider))
        ret_proto = _sync_await(rpc.serialize_properties(ret, {}))
        return resource_pb2.CallResponse(**{"return": ret_proto})


# --------------------------------------------------------------------------------------------
# Stack config and program runs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackFile:
    """A stack's identity and config as the engine hands it to the program."""

    project: str
    stack: str
    path: Path
    config: dict[str, str]
    secret_keys: list[str]
    raw: dict[str, Any]
    """The stack file's `config:` mapping as YAML values (objects stay objects)."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each key path under `config:` (`platform:database.engine_version` -> 25)."""
    ambiguous: Mapping[str, str] = field(default_factory=dict)
    """Key paths whose unquoted value YAML reads as something else than it looks (`stack_yaml.ambiguous_values`)."""

    @property
    def name(self) -> str:
        """`project/stack`, as reports title the stack."""
        return f"{self.project}/{self.stack}"

    def setting(self, key: str, default: Any = None) -> Any:
        """The project key `key` (`policy_waivers`) as the program reads it (JSON-decoded), or `default`."""
        raw = self.config.get(f"{self.project}:{key}")
        return json.loads(raw) if raw else default

    def line_of(self, key: str | None) -> int | None:
        """The line that sets `key`, 0 when the stack file leaves it to the program's default, None without a key."""
        return self.lines.get(key, 0) if key else None

    def location(self, key: str | None, line: int | None) -> str:
        """`Pulumi.dev.yaml:25 platform:database.engine_version`, or what is known of where a value comes from."""
        if not key:
            return ""
        if line:
            return f"{self.path.name}:{line} {key}"
        return f"{key} (not set in the stack file: the program's default)" if line == 0 else key


def resolve_stack_file(ref: str | Path, project_dir: Path = PROJECT_DIR) -> Path:
    """`dev` -> `<project>/Pulumi.dev.yaml`; a path to an existing file is taken as it is."""
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise FileNotFoundError(f"no stack file at {candidate}")
        return candidate.resolve()
    path = project_dir / f"Pulumi.{ref}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack {ref!r}: {path.name} does not exist (stacks here: {', '.join(known)})")
    return path


def _engine_string(value: Any) -> str:
    # The engine passes every config value as a string: objects and lists as JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)  # YAML dates (a waiver's expires) as YYYY-MM-DD
    return str(value)


def load_stack_config(ref: str | Path, project_dir: Path = PROJECT_DIR) -> StackFile:
    """Read `Pulumi.yaml` and one stack file into the engine's config map (defaults applied)."""
    path = resolve_stack_file(ref, project_dir)
    project_doc = stack_yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    project = project_doc["name"]
    stack = path.name[len("Pulumi."):-len(".yaml")] if path.name.startswith("Pulumi.") else path.stem
    doc, lines = stack_yaml.load(path)  # refuses duplicate keys and malformed YAML, with file:line
    raw: dict[str, Any] = {}
    for key, spec in (project_doc.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(spec, dict) and "default" in spec:
            raw[full] = spec["default"]
        elif isinstance(spec, dict) and "value" in spec:
            raw[full] = spec["value"]
    raw.update(doc.get("config") or {})
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        # Offline there is no secrets provider: the program sees a placeholder where a `secure:` value is, at the
        # top or nested in an object (Pulumi decrypts both), and the key is marked secret.
        field = full.removeprefix(f"{project}:") if full.startswith(f"{project}:") else None
        plain, secret = _without_secure(value, (field,) if field else None)
        config[full] = _engine_string(plain)
        if secret:
            secret_keys.append(full)
    return StackFile(project=project, stack=stack, path=path, config=config, secret_keys=secret_keys, raw=raw,
                     lines=lines, ambiguous=stack_yaml.ambiguous_values(path))


SECRET_PLACEHOLDER = "offline-placeholder-secret"
"""What a `secure:` string reads as offline (there is no secrets provider to decrypt it)."""


def _without_secure(value: Any, path: tuple[Any, ...] | None) -> tuple[Any, bool]:
    """`value` with every `{secure: ...}` replaced by an offline placeholder of the setting's type (the string
    placeholder; true for a boolean setting), and whether there was one. `path` locates `value` among the project's
    settings (None: another namespace's key, whose type the program does not know)."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return (True if path is not None and _setting_is_bool(path) else SECRET_PLACEHOLDER), True
    if isinstance(value, dict):
        parts = {k: _without_secure(v, (*path, k) if path is not None else None) for k, v in value.items()}
        return {k: v for k, (v, _) in parts.items()}, any(secret for _, secret in parts.values())
    if isinstance(value, list):
        items = [_without_secure(v, (*path, i) if path is not None else None) for i, v in enumerate(value)]
        return [v for v, _ in items], any(secret for _, secret in items)
    return value, False


def _setting_is_bool(path: tuple[Any, ...]) -> bool:
    """Whether the project setting at `path` (`("database", "multi_az")`) is a boolean."""
    import typing

    import stack_config

    current: Any = stack_config.StackConfig
    annotation: Any = None
    entry_name_next = False
    for part in path:
        if entry_name_next or isinstance(part, int):
            entry_name_next = False
            continue
        model = stack_config._model_in(annotation) if annotation is not None else current
        if model is None or part not in model.model_fields:
            return False
        annotation = model.model_fields[part].annotation
        entry_name_next = stack_config._is_map(annotation)
    if annotation is None:
        return False
    return annotation is bool or bool in [a for a in typing.get_args(annotation) if a is not type(None)]


def _reset_runtime(config: Mapping[str, str], secret_keys: list[str]) -> None:
    # Config would otherwise fall back to PULUMI_CONFIG* from the environment (verified leak).
    for key in [k for k in os.environ if k.startswith("PULUMI_CONFIG")]:
        del os.environ[key]
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    # Without this the first run's root Stack is reused and exports pile up across stacks.
    settings.ROOT.set(None)
    # A failed run leaves its first unhandled RPC error behind; the next run would re-raise it.
    settings._get_rpc_manager().clear()
    with settings.SETTINGS.lock:
        for task in settings.SETTINGS.outputs:
            task.cancel()  # outputs of the failed run nobody will await
        settings.SETTINGS.outputs.clear()


def _mock_context(config: Mapping[str, str],
                  stack_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> MockContext:
    return MockContext(region=config.get("aws:region", "us-east-1"), stack_outputs=dict(stack_outputs or {}))


def _referenced_outputs(stack_file: StackFile, config: Mapping[str, str], project_dir: Path,
                        ) -> dict[str, dict[str, Any]]:
    """Exports of the data stack an app stack names, from running its stack file (beside this one) offline."""
    raw = config.get(f"{stack_file.project}:data_stack")
    try:
        name = json.loads(raw)["name"] if raw else None
    except (ValueError, KeyError, TypeError):
        return {}  # malformed: stack_config reports it with the key and the fix
    if not isinstance(name, str):
        return {}
    path = stack_file.path.parent / f"Pulumi.{name.rsplit('/', 1)[-1]}.yaml"
    if path == stack_file.path:
        return {}  # a stack naming itself: stack_config refuses data_stack outside layer: app
    if not path.is_file():
        raise HarnessError(f"{stack_file.path.name} reads the data stack {name!r} through a StackReference; offline "
                           f"its exports come from running {path.name} beside it, which does not exist. Put the "
                           "data stack's file there.")
    return {name: run_cached(path, project_dir=project_dir).exports}


def _effective_config(
    ref: str | Path, project_dir: Path, overrides: Mapping[str, Any] | None
) -> tuple[StackFile, dict[str, str]]:
    stack_file = load_stack_config(ref, project_dir)
    config = dict(stack_file.config)
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{stack_file.project}:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value if isinstance(value, str) else _engine_string(value)
    return stack_file, config


def load_config(ref: str | Path, *, project_dir: Path = PROJECT_DIR,
                overrides: Mapping[str, Any] | None = None) -> Any:
    """Run only `stack_config.load()` for a stack (with overrides), as the program would."""
    stack_file, config = _effective_config(ref, project_dir, overrides)
    _reset_runtime(config, stack_file.secret_keys)
    pulumi.runtime.set_mocks(DefaultMocks(_mock_context(config)), project=stack_file.project,
                             stack=stack_file.stack, preview=False)
    import stack_config  # the program's module: importable because the project dir is on sys.path

    return stack_config.load()


def run_program(
    ref: str | Path,
    *,
    project_dir: Path = PROJECT_DIR,
    preview: bool = False,
    overrides: Mapping[str, Any] | None = None,
    monitor: RecordingMonitor | None = None,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> RecordingMonitor:
    """Evaluate `__main__.py` for one stack under mocks; return the monitor with the graph.

    `overrides` replaces stack config values (keys without a namespace belong to the project);
    a value of None removes the key. Exceptions from the program propagate after RPCs drain; pass
    your own `monitor` to inspect what was registered before one was raised. An app-layer stack reads
    `stack_outputs` (stack name -> exports); by default its data stack's file, beside it, runs first.
    """
    stack_file, config = _effective_config(ref, project_dir, overrides)
    if stack_outputs is None:
        stack_outputs = _referenced_outputs(stack_file, config, project_dir)
    _reset_runtime(config, stack_file.secret_keys)
    context = _mock_context(config, stack_outputs)
    if monitor is None:
        monitor = RecordingMonitor(DefaultMocks(context))
    else:
        monitor.mocks = DefaultMocks(context)
        monitor.mocks.monitor = monitor
    pulumi.runtime.set_mocks(monitor.mocks, project=stack_file.project, stack=stack_file.stack,
                             preview=preview, monitor=monitor)
    root = settings.get_root_resource()
    main = project_dir / "__main__.py"
    added = str(project_dir) not in sys.path
    if added:
        sys.path.insert(0, str(project_dir))
    from stack_config import ConfigError  # the program's module, on sys.path from here on

    _event_loop()
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(main), run_name="__main__")))
        if root is not None and root.outputs:
            monitor.exports = _sync_await(pulumi.Output.from_input(root.outputs).future()) or {}
    except ConfigError as exc:
        if overrides:  # the stack file's lines would point at values the overrides replaced
            raise
        raise ConfigError(annotate_lines(str(exc), stack_file)) from None
    except KeyError as exc:
        missing = _missing_export(stack_file, stack_outputs, exc)
        if missing is None:
            raise
        raise HarnessError(missing) from None
    finally:
        if added:
            sys.path.remove(str(project_dir))
    return monitor


def annotate_lines(message: str, stack_file: StackFile) -> str:
    """Prefix each `  - key.path: problem` line of a config error with the stack file's line of that key
    (`  - Pulumi.dev.yaml:25: database.engine_version: ...`), when the file sets it."""
    annotated = []
    for line in message.splitlines():
        match = re.match(r"^(  - )([\w.:\[\]'-]+)( \(the name\))?: ", line)
        number = _line_of(stack_file, match.group(2)) if match else None
        if match:
            line += _ambiguity(stack_file, match.group(2), named=bool(match.group(3)))
        annotated.append(f"{match.group(1)}{stack_file.path.name}:{number}: {line[len(match.group(1)):]}"
                         if match and number else line)
    return "\n".join(annotated)


def _ambiguity(stack_file: StackFile, key: str, *, named: bool) -> str:
    """` (YAML reads 16.10 as the number 16.1: quote it, "16.10")` when the file's value at `key` is not what YAML
    made of it; "" otherwise."""
    path = key if ":" in key.split(".")[0] else f"{stack_file.project}:{key}"
    path = re.sub(r"\['([^']*)'\]", r".\1", path)
    if named:
        path = re.sub(r"\[(\d+)\]$", r".\1", path) + " (the name)"
    surprise = stack_file.ambiguous.get(path)
    return f" ({surprise}: quote it to keep what you wrote)" if surprise else ""


def _line_of(stack_file: StackFile, key: str) -> int | None:
    """Line of a config key path (`database.services.api.cpu`), or of its nearest written parent."""
    path = key if ":" in key.split(".")[0] else f"{stack_file.project}:{key}"
    path = re.sub(r"\['([^']*)'\]", r".\1", path)
    while path not in stack_file.lines:
        parent = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path)  # drop the last `.key` or `[i]`
        if parent == path:
            return None
        path = parent
    return stack_file.lines[path]


def _missing_export(stack_file: StackFile, stack_outputs: Mapping[str, Mapping[str, Any]],
                    exc: KeyError) -> str | None:
    """Explain a StackReference read of an export the data stack does not have, or None if it is not one."""
    key = exc.args[0] if exc.args else None
    if isinstance(key, str) and " " in key and stack_outputs:
        # The data layer's own explanation (an export that lacks one entry): said once, not inside another.
        line = stack_file.lines.get(f"{stack_file.project}:data_stack", 0)
        return f"{stack_file.path.name}:{line}: platform:data_stack: {key}"
    for name, exports in stack_outputs.items():
        if isinstance(key, str) and key not in exports:
            line = stack_file.lines.get(f"{stack_file.project}:data_stack", 0)
            data_file = f"Pulumi.{name.rsplit('/', 1)[-1]}.yaml"
            return (f"{stack_file.path.name}:{line}: platform:data_stack says this stack uses what the data stack {name!r} "
                    f"holds, but {data_file} exports no {key!r} (it exports {', '.join(sorted(exports)) or 'nothing'}). "
                    f"Add that section to the data stack, or drop it from platform:data_stack.")
    return None


_RUNS: dict[tuple[str, bool], RecordingMonitor] = {}


def run_cached(ref: str | Path, *, preview: bool = False, project_dir: Path = PROJECT_DIR) -> RecordingMonitor:
    """`run_program` once per stack file and mode per process (the CLI, tests, README generators and
    app stacks reading their data stack share it). Callers must treat the returned graph as read-only.
    """
    key = (str(resolve_stack_file(ref, project_dir)), preview)
    if key not in _RUNS:
        _RUNS[key] = run_program(ref, preview=preview, project_dir=project_dir)
    return _RUNS[key]


def run_components(
    build: Callable[[], Any],
    *,
    project: str = "platform",
    stack: str = "test",
    config: Mapping[str, str] | None = None,
    preview: bool = False,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> RecordingMonitor:
    """Evaluate `build()` (which declares components) under mocks; return the recording.

    `stack_outputs` answers StackReferences (stack name -> exports)."""
    _reset_runtime(dict(config or {"aws:region": "us-east-1"}), [])
    monitor = RecordingMonitor(DefaultMocks(_mock_context(config or {}, stack_outputs)))
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    result: list[Any] = []

    def body() -> None:
        value = build()
        if value is not None:
            # Wait for any Output the builder hands back (e.g. component outputs) to settle.
            _sync_await(pulumi.Output.from_input(value).future())
            result.append(value)

    _event_loop()
    _sync_await(run_pulumi_func(body))
    return monitor


def graph_json(monitor: RecordingMonitor, stack_file: StackFile | None = None) -> dict[str, Any]:
    """The recorded graph in the JSON shape `plan --json` writes."""
    return {
        "project": stack_file.project if stack_file else None,
        "stack": stack_file.stack if stack_file else None,
        # Sorted: registration order depends on when Outputs resolve, the URN set does not.
        "resources": [r.to_json() for r in sorted(monitor.records(), key=lambda r: r.urn)],
        "exports": monitor.exports,
    }
