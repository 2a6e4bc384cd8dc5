"""The preflight rules: what AWS would refuse, or what would be created but not work.

Each rule reads the recorded graph (camelCase inputs, as the engine sends them) and yields a `Hit`
per problem. Rules backed by AWS's data read it through `components.aws_data` (pinned cfn-lint and
botocore); the others cite the AWS page they encode and the date it was checked. `RULES` is the
registry the runner, docs/plan.md and the tests share.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from components import aws_data
from components.domain import covers
from tools.harness import Recorded
from tools.preflight.cfn import CFN_MAP, check_schema
from tools.preflight.graph import Graph

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PARAMS = "aws:rds/parameterGroup:ParameterGroup"
RDS_CLUSTER_PARAMS = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
CACHE_PARAMS = "aws:elasticache/parameterGroup:ParameterGroup"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
JOB_DEFINITION = "aws:batch/jobDefinition:JobDefinition"
COMPUTE_ENVIRONMENT = "aws:batch/computeEnvironment:ComputeEnvironment"
EKS_CLUSTER = "eks:index:Cluster"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
CERTIFICATE = "aws:acm/certificate:Certificate"
RECORD = "aws:route53/record:Record"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
BACKUP_SELECTION = "aws:backup/selection:Selection"
ROLE = "aws:iam/role:Role"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
REPOSITORY = "aws:ecr/repository:Repository"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"

DOCUMENTATION_RANGES = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
"""RFC 5737's documentation ranges: placeholders, never real clients."""


@dataclass(frozen=True)
class Context:
    """What rules need beside the graph."""

    region: str
    """The stack's region (`aws:region`)."""
    today: date
    """The date support windows are judged at."""


@dataclass(frozen=True)
class Hit:
    """One problem a rule found."""

    resource: Recorded
    prop: str | None
    """The pulumi input property (camelCase path), when one value is at fault."""
    value: Any
    message: str
    key: str | None = None
    """The stack-file key behind it, when the rule knows it (else it is traced from the value)."""


@dataclass(frozen=True)
class Rule:
    """A preflight rule: what it refuses, on whose authority, and the check."""

    id: str
    severity: Literal["error", "advisory"]
    summary: str
    """One line for docs/plan.md: what AWS refuses (or what would not work)."""
    source: str
    """The AWS data or page this encodes, with the date checked."""
    check: Callable[[Graph, Context], Iterable[Hit]]


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return []
        return parsed if isinstance(parsed, list) else [parsed]
    return list(value) if isinstance(value, list) else []


# -- rules backed by AWS's data ----------------------------------------------------------------------


def _schema(g: Graph, ctx: Context) -> Iterator[Hit]:
    region = ctx.region if ctx.region in aws_data.regions() else "us-east-1"
    for rec in g.resources:
        if rec.type not in CFN_MAP:
            continue
        for found in check_schema(rec.type, rec.inputs, region):
            yield Hit(rec, found.prop, found.value,
                      f"{CFN_MAP[rec.type].cfn_type} {found.cfn_path}: {found.message}")


def _rds_engine_version(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE):
        engine, version = rec.inputs.get("engine"), rec.inputs.get("engineVersion")
        if not engine or version is None:
            continue
        cluster = rec.type == RDS_CLUSTER
        status = aws_data.rds_version_status(engine, str(version), cluster=cluster)
        if status == "current":
            continue
        offer = ", ".join(aws_data.rds_suggested_versions(engine, str(version), cluster=cluster))
        problem = ("is deprecated: AWS no longer creates databases on it" if status == "deprecated"
                   else "is not a version AWS offers")
        yield Hit(rec, "engineVersion", version, f"{engine} {version} {problem} (current versions: {offer})")


def _rds_instance_class(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(RDS_INSTANCE, RDS_CLUSTER_INSTANCE):
        engine, cls = rec.inputs.get("engine"), rec.inputs.get("instanceClass")
        classes = aws_data.rds_instance_classes(ctx.region, str(engine))
        if cls and classes and cls not in classes:
            yield Hit(rec, "instanceClass", cls, f"{cls} is not orderable for {engine} in {ctx.region}")


def _rds_log_exports(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(RDS_INSTANCE, RDS_CLUSTER):
        engine = str(rec.inputs.get("engine"))
        allowed = aws_data.rds_log_exports(engine)
        for i, kind in enumerate(rec.inputs.get("enabledCloudwatchLogsExports") or []):
            if kind not in allowed:
                yield Hit(rec, f"enabledCloudwatchLogsExports[{i}]", kind,
                          f"{engine} exports only {' | '.join(allowed)}; {kind!r} is refused",
                          key="platform:database.log_exports")


def _rds_master_username(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(RDS_INSTANCE, RDS_CLUSTER):
        prop = "masterUsername" if rec.type == RDS_CLUSTER else "username"
        name = rec.inputs.get(prop)
        if name is None:
            continue
        problem = aws_data.rds_master_username_problem(str(rec.inputs.get("engine")), str(name))
        if problem:
            yield Hit(rec, prop, name, problem, key="platform:database.master_username")


def _rds_parameter_family(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec, prop, group_type in ((r, "parameterGroupName", RDS_PARAMS) for r in g.of(RDS_INSTANCE)):
        yield from _family_matches(g, rec, prop, group_type)
    for rec in g.of(RDS_CLUSTER):
        yield from _family_matches(g, rec, "dbClusterParameterGroupName", RDS_CLUSTER_PARAMS)


def _family_matches(g: Graph, rec: Recorded, prop: str, group_type: str) -> Iterator[Hit]:
    group = g.ref(rec.inputs.get(prop), group_type)
    engine, version = rec.inputs.get("engine"), rec.inputs.get("engineVersion")
    if group is None or not engine or version is None:
        return
    expected = aws_data.rds_parameter_family(str(engine), str(version))
    if group.inputs.get("family") != expected:
        yield Hit(group, "family", group.inputs.get("family"),
                  f"{rec.name} runs {engine} {version}, whose parameter group family is {expected}")


def _cache_engine_version(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(CACHE_GROUP, CACHE_CLUSTER):
        engine, version = str(rec.inputs.get("engine", "redis")), rec.inputs.get("engineVersion")
        offered = aws_data.cache_engine_versions(engine)
        if version is not None and str(version) not in offered:
            yield Hit(rec, "engineVersion", version, f"ElastiCache offers {engine} {', '.join(offered)}")


def _cache_node_type(g: Graph, ctx: Context) -> Iterator[Hit]:
    types = aws_data.cache_node_types(ctx.region)
    for rec in g.of(CACHE_GROUP, CACHE_CLUSTER):
        node = rec.inputs.get("nodeType")
        if node and types and node not in types:
            yield Hit(rec, "nodeType", node, f"{node} is not offered in {ctx.region}")


def _cache_parameter_family(g: Graph, ctx: Context) -> Iterator[Hit]:
    families = aws_data.cache_parameter_families()
    for group in g.of(CACHE_PARAMS):
        if group.inputs.get("family") not in families:
            yield Hit(group, "family", group.inputs.get("family"),
                      f"ElastiCache parameter group families are {' | '.join(families)}")
    for rec in g.of(CACHE_GROUP, CACHE_CLUSTER):
        group = g.ref(rec.inputs.get("parameterGroupName"), CACHE_PARAMS)
        engine, version = str(rec.inputs.get("engine", "redis")), str(rec.inputs.get("engineVersion", ""))
        expected = aws_data.cache_parameter_group_family(engine, version)
        if group is not None and expected and group.inputs.get("family") != expected:
            yield Hit(group, "family", group.inputs.get("family"),
                      f"{rec.name} runs {engine} {version}, whose parameter group family is {expected}")


def _fargate_size(g: Graph, ctx: Context) -> Iterator[Hit]:
    pairs = aws_data.fargate_memory_by_cpu()
    for rec in g.of(TASK_DEFINITION):
        if "FARGATE" not in (rec.inputs.get("requiresCompatibilities") or []):
            continue
        yield from _fargate_pair(rec, "cpu/memory", rec.inputs.get("cpu"), rec.inputs.get("memory"), pairs)
    for rec in g.of(JOB_DEFINITION):
        if "FARGATE" not in (rec.inputs.get("platformCapabilities") or []):
            continue
        for props in _json_list(rec.inputs.get("containerProperties")):
            needs = {r.get("type"): r.get("value") for r in props.get("resourceRequirements", [])}
            vcpu = needs.get("VCPU")
            units = float(vcpu) * 1024 if vcpu is not None else None
            yield from _fargate_pair(rec, "containerProperties.resourceRequirements", units, needs.get("MEMORY"), pairs)


def _fargate_pair(rec: Recorded, prop: str, cpu: Any, memory: Any, pairs: Mapping[int, tuple[int, ...]]) -> Iterator[Hit]:
    try:
        units, mib = int(float(cpu)), int(float(memory))
    except (TypeError, ValueError):
        return
    if units not in pairs:
        yield Hit(rec, prop, f"{units}/{mib}", f"Fargate takes {', '.join(map(str, pairs))} CPU units; got {units}")
    elif mib not in pairs[units]:
        yield Hit(rec, prop, f"{units}/{mib}",
                  f"Fargate pairs {units} CPU units with {pairs[units][0]}-{pairs[units][-1]} MiB "
                  f"({', '.join(map(str, pairs[units][:8]))}{', ...' if len(pairs[units]) > 8 else ''}); got {mib}")


def _region(g: Graph, ctx: Context) -> Iterator[Hit]:
    if ctx.region not in aws_data.regions() and g.resources:
        yield Hit(g.resources[0], None, ctx.region, f"{ctx.region!r} is not an AWS region "
                  f"(known: {', '.join(sorted(r for r, p in aws_data.regions().items() if p == 'aws'))})",
                  key="aws:region")


def _eks_version(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(EKS_CLUSTER):
        version = str(rec.inputs.get("version", ""))
        status, row = aws_data.eks_support(version, ctx.today)
        support = (rec.inputs.get("upgradePolicy") or {}).get("supportType", "EXTENDED")
        if status == "unknown":
            yield Hit(rec, "version", version, f"EKS has no Kubernetes {version} for new clusters "
                      f"(calendar: {', '.join(v.version for v in aws_data.EKS_VERSIONS)})",
                      key="platform:cluster.eks.version")
        elif status == "ended" and row is not None:
            yield Hit(rec, "version", version, f"Kubernetes {version} left extended support on {row.extended_until}; "
                      "EKS no longer creates it", key="platform:cluster.eks.version")
        elif status == "extended" and row is not None and support != "EXTENDED":
            yield Hit(rec, "version", version, f"Kubernetes {version} left standard support on {row.standard_until}; "
                      "with upgradePolicy STANDARD, EKS would upgrade it at once. Pick a version in standard "
                      "support, or opt in to extended support", key="platform:cluster.eks.version")
        # newer than the calendar: the advisory rule names it


def _eks_version_advice(g: Graph, ctx: Context) -> Iterator[Hit]:
    newest = aws_data.EKS_VERSIONS[-1]
    for rec in g.of(EKS_CLUSTER):
        version = str(rec.inputs.get("version", ""))
        status, row = aws_data.eks_support(version, ctx.today)
        if row is None:
            yield Hit(rec, "version", version, f"Kubernetes {version} is newer than the calendar table "
                      f"(components/aws_data.py EKS_VERSIONS, newest {newest.version}); add its dates")
        elif status == "standard" and (row.standard_until - ctx.today).days <= 60:
            yield Hit(rec, "version", version, f"standard support of Kubernetes {version} ends on "
                      f"{row.standard_until} ({(row.standard_until - ctx.today).days} days)")
        elif status != "standard":
            yield Hit(rec, "version", version, f"Kubernetes {version} is in extended support since "
                      f"{row.standard_until} (about 6x the control-plane price)")


def _eks_endpoint(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(EKS_CLUSTER):
        # pulumi-eks's defaults when the inputs are absent: public on, private off.
        public = rec.inputs.get("endpointPublicAccess", True) is not False
        private = rec.inputs.get("endpointPrivateAccess", False) is True
        if not public and g.ref(rec.inputs.get("vpcId"), VPC) is not None:
            yield Hit(rec, "endpointPublicAccess", False,
                      "the API endpoint is private to a VPC this same stack creates, but `pulumi up` applies the "
                      "Kubernetes objects (namespace, Helm releases, deployments) through that endpoint from "
                      "outside the VPC, so the first deploy cannot reach it. Open it to your deploy runner's "
                      "CIDRs (private access stays on), or adopt a VPC your runner lives in",
                      key="platform:cluster.eks.endpoint_public_access")
        if public and rec.inputs.get("publicAccessCidrs") and not private:
            yield Hit(rec, "endpointPrivateAccess", rec.inputs.get("endpointPrivateAccess"),
                      "with the public endpoint limited to CIDRs, nodes and pods inside the VPC reach the API "
                      "only through the private endpoint; turn private access on")


def _service_connect(g: Graph, ctx: Context) -> Iterator[Hit]:
    services = g.of(ECS_SERVICE)
    by_namespace: dict[str, list[tuple[Recorded, str, Any]]] = defaultdict(list)
    group_of: dict[str, Recorded] = {}
    for rec in services:
        connect = rec.inputs.get("serviceConnectConfiguration") or {}
        for sg in (rec.inputs.get("networkConfiguration") or {}).get("securityGroups") or []:
            group_of[sg] = rec
        for i, published in enumerate(connect.get("services") or []):
            by_namespace[str(connect.get("namespace"))].append(
                (rec, f"serviceConnectConfiguration.services[{i}].discoveryName", published.get("discoveryName")))
            for j, alias in enumerate(published.get("clientAlias") or []):
                by_namespace[str(connect.get("namespace"))].append(
                    (rec, f"serviceConnectConfiguration.services[{i}].clientAlias[{j}]",
                     f"{alias.get('dnsName')}:{int(float(alias.get('port', 0)))}"))
    for entries in by_namespace.values():
        seen: dict[tuple[str, Any], Recorded] = {}
        for rec, prop, value in entries:
            kind = prop.rsplit(".", 1)[-1]
            if (kind, value) in seen and seen[(kind, value)] is not rec:
                yield Hit(rec, prop, value, f"{seen[(kind, value)].name} already publishes {kind} {value!r} in "
                          "this Service Connect namespace; names must be unique", key="platform:services")
            seen.setdefault((kind, value), rec)
    for rule in g.of(INGRESS_RULE):
        target = group_of.get(rule.inputs.get("securityGroupId"))
        caller = group_of.get(rule.inputs.get("referencedSecurityGroupId"))
        if target is None or caller is None or target is caller:
            continue
        if not (target.inputs.get("serviceConnectConfiguration") or {}).get("services"):
            yield Hit(target, "serviceConnectConfiguration.services", None,
                      f"{caller.name} may call it (security group rule {rule.name}) but it publishes no Service "
                      "Connect name, so the caller cannot resolve it", key="platform:services")


def _names_of(cert: Recorded) -> list[str]:
    return [str(n).rstrip(".").lower() for n in [cert.inputs.get("domainName"),
                                                 *(cert.inputs.get("subjectAlternativeNames") or [])] if n]


def _https_record(g: Graph, ctx: Context) -> Iterator[Hit]:
    records = g.of(RECORD)
    for listener in g.of(LISTENER):
        if listener.inputs.get("protocol") != "HTTPS":
            continue
        lb = g.ref(listener.inputs.get("loadBalancerArn"), LOAD_BALANCER)
        cert = g.ref(listener.inputs.get("certificateArn"), CERTIFICATE)
        if lb is None or cert is None:
            continue
        dns = str(lb.outputs.get("dnsName", "")).lower()
        names = [str(r.inputs.get("name", "")) for r in records
                 if any(str(a.get("name", "")).lower() == dns for a in r.inputs.get("aliases") or [])
                 or any(str(v).lower() == dns for v in r.inputs.get("records") or [])]
        cert_names = _names_of(cert)
        if not names:
            yield Hit(lb, None, None, f"its HTTPS listener serves a certificate for {', '.join(cert_names)}, but no DNS "
                      "record points at it, so no client can reach it by a name the certificate covers; give it a "
                      "hostname", key="platform:load_balancers")
        elif not any(covers(cert_names, n) for n in names):
            yield Hit(lb, None, ", ".join(names), f"its DNS names ({', '.join(names)}) are not covered by its "
                      f"certificate ({', '.join(cert_names)}); TLS would fail for every client")


def _spa_fallback(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(DISTRIBUTION):
        custom = {o.get("originId") for o in rec.inputs.get("origins") or [] if o.get("customOriginConfig")}
        dynamic = [b.get("pathPattern") for b in rec.inputs.get("orderedCacheBehaviors") or []
                   if b.get("targetOriginId") in custom]
        rewrites = [e for e in rec.inputs.get("customErrorResponses") or []
                    if int(float(e.get("responseCode") or 0)) == 200 or e.get("responsePagePath")]
        if dynamic and rewrites:
            codes = ", ".join(str(int(float(e.get("errorCode", 0)))) for e in rewrites)
            yield Hit(rec, "customErrorResponses", codes,
                      f"custom error responses apply to the whole distribution, so {', '.join(map(str, dynamic))} "
                      f"errors ({codes}) would come back as 200 with the page; rewrite the single-page app's "
                      "routes with a function on the default behaviour instead")


def _backup_s3(g: Graph, ctx: Context) -> Iterator[Hit]:
    for selection in g.of(BACKUP_SELECTION):
        buckets = [arn for arn in selection.inputs.get("resources") or [] if str(arn).startswith("arn:aws:s3:::")]
        if not buckets:
            continue
        role = g.ref(selection.inputs.get("iamRoleArn"), ROLE)
        if role is not None:
            attached = {a.inputs.get("policyArn") for a in g.of(ROLE_ATTACHMENT)
                        if a.inputs.get("role") in (role.outputs.get("name"), role.outputs.get("id"))}
            missing = [p for p in aws_data.BACKUP_S3_POLICIES if p not in attached]
            if missing:
                yield Hit(role, None, None, f"selection {selection.name} backs up S3 buckets, but the role lacks "
                          f"{', '.join(p.rsplit('/', 1)[-1] for p in missing)}; every S3 backup job would fail")
        versioned = {v.inputs.get("bucket") for v in g.of(BUCKET_VERSIONING)
                     if (v.inputs.get("versioningConfiguration") or {}).get("status") == "Enabled"}
        for arn in buckets:
            bucket = g.ref(arn, BUCKET)
            if bucket is not None and bucket.outputs.get("id") not in versioned and bucket.id not in versioned:
                yield Hit(bucket, None, arn, "AWS Backup backs up only versioned S3 buckets; enable versioning")


def _dualstack(g: Graph, ctx: Context) -> Iterator[Hit]:
    lbs = {str(lb.outputs.get("dnsName", "")).lower(): lb for lb in g.of(LOAD_BALANCER)}
    for record in g.of(RECORD):
        if record.inputs.get("type") != "AAAA":
            continue
        for alias in record.inputs.get("aliases") or []:
            lb = lbs.get(str(alias.get("name", "")).lower())
            if lb is not None and not str(lb.inputs.get("ipAddressType", "ipv4")).startswith("dualstack"):
                yield Hit(record, "aliases", lb.name, f"an AAAA record aliases load balancer {lb.name}, which has no "
                          "IPv6 address (ipAddressType ipv4); make it dualstack", key="platform:load_balancers")
    for lb in g.of(LOAD_BALANCER):
        if not str(lb.inputs.get("ipAddressType", "ipv4")).startswith("dualstack"):
            continue
        for subnet in g.refs(lb.inputs.get("subnets") or [], SUBNET):
            if not subnet.inputs.get("ipv6CidrBlock") and not subnet.inputs.get("ipv6Native"):
                yield Hit(lb, "ipAddressType", lb.inputs.get("ipAddressType"),
                          f"a dualstack load balancer needs IPv6 CIDRs on its subnets; {subnet.name} has none",
                          key="platform:network.ipv6")


def _reserved_tags(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.resources:
        tags = rec.inputs.get("tags")
        if not isinstance(tags, Mapping):
            continue
        for key in tags:
            if str(key).lower().startswith("aws:"):
                yield Hit(rec, f"tags.{key}", key, "tag keys starting with aws: are reserved for AWS",
                          key="platform:tags")


def _isolated_egress(g: Graph, ctx: Context) -> Iterator[Hit]:
    routes_by_table: dict[Any, list[Recorded]] = defaultdict(list)
    for route in g.of(ROUTE):
        routes_by_table[route.inputs.get("routeTableId")].append(route)
    table_of = {a.inputs.get("subnetId"): a.inputs.get("routeTableId") for a in g.of(ROUTE_TABLE_ASSOCIATION)}
    endpoints = {str(e.inputs.get("serviceName", "")).split(f"com.amazonaws.{ctx.region}.", 1)[-1]
                 for e in g.of(VPC_ENDPOINT)}
    for rec, subnets, images, secrets in _workloads(g):
        ours = [s for s in subnets if s in table_of]
        if not ours or any(r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"
                           for s in ours for r in routes_by_table.get(table_of[s], [])):
            continue  # an adopted VPC (unknown routes), or the subnets have a way out
        needed = {"logs"}
        for image in images:
            if ".dkr.ecr." in image:
                needed |= {"ecr.api", "ecr.dkr", "s3"}
            else:
                yield Hit(rec, "image", image, "its subnets have no route to the internet, so this public image can "
                          "never be pulled; mirror it into ECR or give the network egress", key="platform:network.egress")
        if secrets:
            needed.add("secretsmanager")
        missing = sorted(needed - endpoints)
        if missing:
            yield Hit(rec, None, ", ".join(missing), f"its subnets have no route to the internet and the VPC lacks the "
                      f"endpoints it needs ({', '.join(missing)}): image pulls, logs or secrets would fail",
                      key="platform:network.interface_endpoints")


def _workloads(g: Graph) -> Iterator[tuple[Recorded, list[str], list[str], bool]]:
    """(resource, subnet ids, images, reads secrets) of each ECS service and Batch compute environment."""
    for service in g.of(ECS_SERVICE):
        task = g.ref(service.inputs.get("taskDefinition"), TASK_DEFINITION)
        containers = _json_list(task.inputs.get("containerDefinitions")) if task else []
        yield (service, list((service.inputs.get("networkConfiguration") or {}).get("subnets") or []),
               [str(c.get("image", "")) for c in containers], any(c.get("secrets") for c in containers))
    jobs = [p for j in g.of(JOB_DEFINITION) for p in _json_list(j.inputs.get("containerProperties"))]
    for env in g.of(COMPUTE_ENVIRONMENT):
        yield (env, list((env.inputs.get("computeResources") or {}).get("subnets") or []),
               [str(p.get("image", "")) for p in jobs], any(p.get("secrets") for p in jobs))


def _fargate_spot(g: Graph, ctx: Context) -> Iterator[Hit]:
    for service in g.of(ECS_SERVICE):
        if not any(s.get("capacityProvider") == "FARGATE_SPOT" for s in service.inputs.get("capacityProviderStrategies") or []):
            continue
        task = g.ref(service.inputs.get("taskDefinition"), TASK_DEFINITION)
        platform = (task.inputs.get("runtimePlatform") or {}) if task else {}
        arch = platform.get("cpuArchitecture", "X86_64")
        family = platform.get("operatingSystemFamily", "LINUX")
        version = str(service.inputs.get("platformVersion") or "LATEST")
        if family != "LINUX":
            yield Hit(service, "capacityProviderStrategies", "FARGATE_SPOT", f"Fargate Spot runs Linux tasks only; {family} is refused")
            continue
        floor = (1, 4, 0) if arch == "ARM64" else (1, 3, 0)
        if version != "LATEST" and tuple(map(int, re.findall(r"\d+", version))) < floor:
            yield Hit(service, "platformVersion", version, f"Fargate Spot runs {arch} tasks on platform version "
                      f"{'.'.join(map(str, floor))} or later")


def _waf_log_group(g: Graph, ctx: Context) -> Iterator[Hit]:
    for config in g.of(WAF_LOGGING):
        for arn in config.inputs.get("logDestinationConfigs") or []:
            group = g.ref(arn, LOG_GROUP)
            name = str(group.inputs.get("name", "")) if group is not None else ""
            if group is not None and not name.startswith("aws-waf-logs-"):
                yield Hit(group, "name", name, "WAF sends logs only to log groups whose name starts with aws-waf-logs-")


def _first_deploy(g: Graph, ctx: Context) -> Iterator[Hit]:
    repositories = {str(r.outputs.get("repositoryUrl")): r for r in g.of(REPOSITORY) if r.outputs.get("repositoryUrl")}
    images: list[tuple[Recorded, str]] = []
    for task in g.of(TASK_DEFINITION):
        images += [(task, str(c.get("image", ""))) for c in _json_list(task.inputs.get("containerDefinitions"))]
    for job in g.of(JOB_DEFINITION):
        images += [(job, str(p.get("image", ""))) for p in _json_list(job.inputs.get("containerProperties"))]
    for deployment in g.of(K8S_DEPLOYMENT):
        containers = (((deployment.inputs.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")
        images += [(deployment, str(c.get("image", ""))) for c in containers or []]
    for rec, image in images:
        repository = repositories.get(image.rsplit(":", 1)[0])
        if repository is not None:
            yield Hit(rec, "image", image, f"the image lives in repository {repository.name}, which this stack creates "
                      "empty: push it before the service can start (README: First deploy)")
    filled = {v.inputs.get("secretId") for v in g.of(SECRET_VERSION)}
    readers: dict[str, list[str]] = defaultdict(list)
    for task in g.of(TASK_DEFINITION):
        for container in _json_list(task.inputs.get("containerDefinitions")):
            for secret in container.get("secrets") or []:
                # valueFrom is the secret's ARN, optionally followed by :json-key:version-stage:version-id
                readers[":".join(str(secret.get("valueFrom", "")).split(":")[:7])].append(task.name)
    for secret in g.of(SECRET):
        arn, sid = str(secret.outputs.get("arn", "")), secret.outputs.get("id")
        if arn in filled or sid in filled or secret.id in filled:
            continue
        if readers.get(arn):
            yield Hit(secret, None, secret.inputs.get("name"), f"{', '.join(sorted(set(readers[arn])))} read it, but "
                      "its value is put by operators: put it before the services start (README: First deploy)")


def _documentation_cidrs(g: Graph, ctx: Context) -> Iterator[Hit]:
    for rec in g.of(EKS_CLUSTER):
        for cidr in rec.inputs.get("publicAccessCidrs") or []:
            try:
                network = ipaddress.ip_network(str(cidr), strict=False)
            except ValueError:
                continue
            if any(network.subnet_of(r) for r in DOCUMENTATION_RANGES if r.version == network.version):
                yield Hit(rec, "publicAccessCidrs", cidr, "a documentation range (RFC 5737) stands in for your deploy "
                          "runner's and operators' addresses; replace it before deploying",
                          key="platform:cluster.eks.public_access_cidrs")


def _cfn_source() -> str:
    cfn = aws_data.data_sources()[0]
    return f"CloudFormation resource schemas (cfn-lint {cfn.version}, data of {cfn.as_of})"


RULES: tuple[Rule, ...] = (
    Rule("cfn-schema", "error", "Every mapped input satisfies its CloudFormation property's enum, pattern, length "
         "and range (tools/preflight/cfn.py maps the pulumi-aws types to CloudFormation types).", _cfn_source(), _schema),
    Rule("region", "error", "The region exists.", "botocore partitions.json", _region),
    Rule("rds-engine-version", "error", "RDS and Aurora engine versions exist and are not deprecated "
         "(new databases are refused on deprecated versions).",
         "DescribeDBEngineVersions, via cfn-lint's engine_version and engine_version_deprecated data", _rds_engine_version),
    Rule("rds-instance-class", "error", "The DB instance class is orderable for the engine in the region.",
         "AWS Pricing API, via cfn-lint's dbinstanceclass_enum data", _rds_instance_class),
    Rule("rds-log-exports", "error", "Exported log types are those the engine offers (Aurora PostgreSQL has no "
         "`upgrade` log).", "RDS API reference CreateDBCluster / CreateDBInstance EnableCloudwatchLogsExports "
         "(botocore's RDS model; checked 2026-11-30)", _rds_log_exports),
    Rule("rds-master-username", "error", "The master user name has the engine's form and is not reserved "
         "(rdsadmin; admin and SQL key words on PostgreSQL).", "RDS API reference MasterUsername (botocore), cfn-lint's "
         "DBCluster patch, PostgreSQL 17 Appendix C (checked 2026-11-30)", _rds_master_username),
    Rule("rds-parameter-family", "error", "A parameter group's family matches the engine and major version of the "
         "database using it.", "RDS API reference DBParameterGroupFamily (botocore)", _rds_parameter_family),
    Rule("cache-engine-version", "error", "The cache engine version is one ElastiCache offers.",
         "DescribeCacheEngineVersions, via cfn-lint's aws_elasticache_cachecluster data", _cache_engine_version),
    Rule("cache-node-type", "error", "The cache node type is offered in the region.",
         "AWS Pricing API, via cfn-lint's cachenodetype_enum data", _cache_node_type),
    Rule("cache-parameter-family", "error", "The cache parameter group family exists and matches the engine version "
         "(redis 6.2 is redis6.x).", "ElastiCache API reference CreateCacheParameterGroup (botocore)",
         _cache_parameter_family),
    Rule("fargate-size", "error", "ECS tasks and Batch jobs on Fargate use a valid cpu/memory pair.",
         "cfn-lint's Fargate cpu/memory data (E3047); Batch ResourceRequirement (botocore)", _fargate_size),
    Rule("fargate-spot-platform", "error", "Fargate Spot runs Linux tasks, ARM64 on platform version 1.4.0+, "
         "x86_64 on 1.3.0+.", "ECS API reference CapacityProviderStrategyItem (checked 2026-11-30; newer than the "
         "guide pages that still call ARM64 unsupported)", _fargate_spot),
    Rule("eks-version", "error", "The Kubernetes version is on EKS's calendar and in standard support, unless the "
         "stack opted in to extended support.", "EKS User Guide, Kubernetes release calendar (components/aws_data.py, "
         "checked 2026-11-30)", _eks_version),
    Rule("eks-endpoint-reachable", "error", "The deploy can reach the EKS API it applies Kubernetes objects through; "
         "nodes reach it privately.", "EKS User Guide, cluster endpoint access control (checked 2026-11-30)",
         _eks_endpoint),
    Rule("service-connect-names", "error", "A service other services call publishes a Service Connect name; names "
         "are unique per namespace.", "ECS API reference ServiceConnectService / ServiceConnectClientAlias "
         "(checked 2026-11-30)", _service_connect),
    Rule("https-record", "error", "Every HTTPS load balancer has a DNS record under a name its certificate "
         "covers.", "ELB User Guide, HTTPS listener certificates (checked 2026-11-30)", _https_record),
    Rule("spa-fallback-scope", "error", "CloudFront's custom error pages do not turn API errors into 200 + HTML.",
         "CloudFront Developer Guide, custom error responses apply to every behaviour (checked 2026-11-30)",
         _spa_fallback),
    Rule("backup-s3", "error", "AWS Backup of S3 has the S3 backup and restore policies and versioned buckets.",
         "AWS Backup Developer Guide, Amazon S3 backups; AWS managed policy reference (checked 2026-11-30)", _backup_s3),
    Rule("dualstack", "error", "AAAA records alias dual-stack load balancers, whose subnets have IPv6.",
         "ELB User Guide, IP address types; Route 53 alias records (checked 2026-11-30)", _dualstack),
    Rule("reserved-tags", "error", "No tag key starts with aws: (reserved for AWS).",
         "Tagging AWS Resources User Guide, tag naming limits (checked 2026-11-30)", _reserved_tags),
    Rule("isolated-egress", "error", "Workloads without internet egress have the VPC endpoints they need "
         "(ECR api + dkr, S3 gateway, logs, Secrets Manager) and no public images.",
         "ECS Developer Guide, interface VPC endpoints for Fargate (checked 2026-11-30)", _isolated_egress),
    Rule("waf-log-group", "error", "WAF logs go to a log group named aws-waf-logs-*.",
         "AWS WAF Developer Guide, CloudWatch Logs destinations (checked 2026-11-30)", _waf_log_group),
    Rule("eks-version-support", "advisory", "The Kubernetes version is newer than the calendar table, near the end of "
         "standard support, or in (paid) extended support.", "EKS release calendar (components/aws_data.py)",
         _eks_version_advice),
    Rule("first-deploy", "advisory", "Images this stack's new repositories do not hold yet, and secrets operators "
         "must put, before the services can start.", "README, First deploy", _first_deploy),
    Rule("documentation-cidr", "advisory", "No documentation range (RFC 5737) stands in for real client addresses.",
         "RFC 5737", _documentation_cidrs),
)
"""Every preflight rule, in report order."""
