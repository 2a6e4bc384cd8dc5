"""The fake AWS: realistic outputs (ids, ARNs, endpoints) for every registration and a fixed table of invokes.

An invoke the table does not know is an error (`HarnessError`), never a silent empty answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi.runtime import mocks as pulumi_mocks

MOCK_ACCOUNT = "123456789012"


class ChildPlanter(Protocol):
    """What the mocks need of the monitor (`recording.RecordingMonitor`, which imports these mocks)."""

    def fake_child(self, parent_type: str, typ: str, name: str, state: dict[str, Any]) -> dict[str, Any]: ...


class HarnessError(Exception):
    """The harness cannot answer what the program asked (an unknown invoke, a duplicate URN)."""


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

    monitor: ChildPlanter | None = None
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
                "add one to tools/harness/mocks.py INVOKES"
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
    return {"arn": f"arn:aws:ecs:{ctx.region}:{ctx.account}:service/{cluster}/{physical}"}


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
    # A new launch template is version 1 (EC2 CreateLaunchTemplate: the first version is the default and latest).
    "aws:ec2/launchTemplate:LaunchTemplate": lambda a, i, p, c: {"latestVersion": 1, "defaultVersion": 1},
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


COMPONENT_OUTPUTS: dict[str, Callable[[pulumi_mocks.MockResourceArgs, DefaultMocks], dict[str, Any]]] = {
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


