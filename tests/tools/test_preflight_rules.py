"""Every preflight rule: a failing and a passing fixture, and the rule's boundaries.

Fixtures are recorded resources as the engine sends them (camelCase inputs, floats for numbers,
references as the other resource's id or ARN), so each rule is tested exactly as `plan` runs it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tools.harness import Recorded
from tools.preflight.graph import Graph
from tools.preflight.rules import RULES, Context, Hit

"""Rules exercised below; the last test checks none was forgotten."""
TODAY = date(2026, 11, 30)


class _Monitor:
    """Just what `Graph` reads of a RecordingMonitor."""

    def __init__(self, records: list[Recorded]) -> None:
        self._records = records

    def records(self):  # noqa: ANN201 - the harness's iterator protocol
        return iter(self._records)

    def component_name(self, rec: Recorded) -> str:
        return "-"


def res(typ: str, name: str, inputs: dict[str, Any] | None = None, outputs: dict[str, Any] | None = None, *,
        remote: bool = False) -> Recorded:
    """A recorded resource whose id, ARN and name outputs are derived from its name unless given."""
    outputs = {"id": f"{name}-id", "arn": f"arn:aws:test:us-east-1:123456789012:{name}", "name": name,
               **(outputs or {})}
    return Recorded(urn=f"urn:pulumi:test::platform::{typ}::{name}", type=typ, name=name, custom=not remote,
                    remote=remote, parent=None, provider=None, inputs=dict(inputs or {}), outputs=outputs)


def hits(rule_id: str, *records: Recorded, region: str = "us-east-1", today: date = TODAY) -> list[Hit]:
    rule = next(r for r in RULES if r.id == rule_id)
    return list(rule.check(Graph(_Monitor(list(records))), Context(region=region, today=today)))  # type: ignore[arg-type]


def props(found: list[Hit]) -> list[str | None]:
    return [h.prop for h in found]


# -- AWS's data -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typ", "inputs", "bad"), [
    ("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 14.0}, []),
    ("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 13.0}, ["retentionInDays"]),
    ("aws:cloudwatch/logGroup:LogGroup", {"name": "/ecs/app/api"}, []),
    ("aws:cloudwatch/logGroup:LogGroup", {"name": "/ecs/app api"}, ["name"]),
    # WAF's rate limit: 10 is the smallest AWS takes.
    ("aws:wafv2/webAcl:WebAcl", {"rules": [{"statement": {"rateBasedStatement": {"limit": 10.0}}}]}, []),
    ("aws:wafv2/webAcl:WebAcl", {"rules": [{"statement": {"rateBasedStatement": {"limit": 9.0}}}]},
     ["rules[0].statement.rateBasedStatement.limit"]),
    # cfn-lint's DBCluster patch: admin is reserved on PostgreSQL engines only.
    ("aws:rds/cluster:Cluster", {"engine": "aurora-postgresql", "masterUsername": "admin"}, ["masterUsername"]),
    ("aws:rds/cluster:Cluster", {"engine": "aurora-mysql", "masterUsername": "admin"}, []),
    ("aws:ec2/securityGroup:SecurityGroup", {"description": "db: PostgreSQL, from granted groups"}, []),
    ("aws:ec2/securityGroup:SecurityGroup", {"description": "db's group"}, ["description"]),
    ("aws:efs/accessPoint:AccessPoint", {"rootDirectory": {"path": "/a/b/c/d"}}, []),
    ("aws:efs/accessPoint:AccessPoint", {"rootDirectory": {"path": "/a/b/c/d/e"}}, ["rootDirectory.path"]),
    ("aws:secretsmanager/secret:Secret", {"description": "x" * 2048}, []),
    ("aws:secretsmanager/secret:Secret", {"description": "x" * 2049}, ["description"]),
    ("aws:ecr/repository:Repository", {"name": "team-api"}, []),
    ("aws:ecr/repository:Repository", {"name": "team.-api"}, ["name"]),
    ("aws:ecs/service:Service", {"tags": {"owner": "platform team"}}, []),
    ("aws:ecs/service:Service", {"tags": {"owner": "platform (eu)"}}, ["tags"]),  # ECS admits only AWS's tag characters
    ("aws:lb/listenerRule:ListenerRule", {"priority": 50000.0}, []),
    ("aws:lb/listenerRule:ListenerRule", {"priority": 50001.0}, ["priority"]),
    ("aws:dynamodb/table:Table", {"anything": "goes"}, []),  # not mapped: nothing to check against
])
def test_cfn_schema(typ: str, inputs: dict[str, Any], bad: list[str]) -> None:
    assert props(hits("cfn-schema", res(typ, "thing", inputs))) == bad


def test_cfn_schema_names_the_cloudformation_property_and_the_rule() -> None:
    (hit,) = hits("cfn-schema", res("aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": 13.0}))
    assert hit.value == 13 and hit.message.startswith("AWS::Logs::LogGroup RetentionInDays: must be one of 1, 3, 5")


@pytest.mark.parametrize(("region", "bad"), [("us-east-1", False), ("eu-central-2", False), ("us-east-9", True),
                                             ("mars-north-1", True)])
def test_region(region: str, bad: bool) -> None:
    assert bool(hits("region", res("aws:ec2/vpc:Vpc", "vpc"), region=region)) is bad


@pytest.mark.parametrize(("typ", "engine", "version", "bad"), [
    ("aws:rds/instance:Instance", "postgres", "16", False),  # a major: RDS picks its current minor
    ("aws:rds/instance:Instance", "postgres", "16.9", False),  # the oldest current 16 minor
    ("aws:rds/instance:Instance", "postgres", "16.8", True),  # the newest deprecated one
    ("aws:rds/instance:Instance", "postgres", "16.4", True),  # the landed prod's
    ("aws:rds/instance:Instance", "postgres", "16.99", True),  # never offered
    ("aws:rds/cluster:Cluster", "aurora-postgresql", "16.8", False),
    ("aws:rds/cluster:Cluster", "aurora-postgresql", "16.6", True),
    ("aws:rds/clusterInstance:ClusterInstance", "aurora-postgresql", "16.4", True),  # the landed dev's
    ("aws:rds/clusterInstance:ClusterInstance", "aurora-postgresql", "16.15", False),
    ("aws:rds/instance:Instance", "mysql", "8.0", False),            # MySQL's major is two numbers
    ("aws:rds/instance:Instance", "mysql", "8.4", False),
    ("aws:rds/instance:Instance", "mysql", "8.1", True),             # never a major RDS offered
    ("aws:rds/instance:Instance", "mysql", "8.0.42", False),         # the oldest current 8.0 minor
    ("aws:rds/instance:Instance", "mysql", "8.0.41", True),          # the newest deprecated one
    ("aws:rds/cluster:Cluster", "aurora-mysql", "8.0.mysql_aurora.3.10.6", False),
    ("aws:rds/cluster:Cluster", "aurora-mysql", "8.0.mysql_aurora.3.11.0", True),   # deprecated
])
def test_rds_engine_version(typ: str, engine: str, version: str, bad: bool) -> None:
    found = hits("rds-engine-version", res(typ, "db", {"engine": engine, "engineVersion": version}))
    assert bool(found) is bad
    if bad:
        assert "current" in found[0].message and found[0].prop == "engineVersion"


@pytest.mark.parametrize(("engine", "cls", "bad"), [
    ("aurora-postgresql", "db.t4g.medium", False),  # Aurora's smallest burstable class
    ("aurora-postgresql", "db.t4g.small", True),
    ("aurora-postgresql", "db.serverless", False),
    ("postgres", "db.t4g.micro", False),
    ("postgres", "db.serverless", True),
    ("mysql", "db.t4g.micro", False),
    ("aurora-mysql", "db.t4g.micro", True),    # Aurora MySQL starts at db.t4g.medium
    ("aurora-mysql", "db.t4g.medium", False),
])
def test_rds_instance_class(engine: str, cls: str, bad: bool) -> None:
    found = hits("rds-instance-class", res("aws:rds/clusterInstance:ClusterInstance", "db-1",
                                           {"engine": engine, "instanceClass": cls}))
    assert bool(found) is bad


@pytest.mark.parametrize(("typ", "engine", "exports", "bad"), [
    ("aws:rds/cluster:Cluster", "aurora-postgresql", ["postgresql"], []),
    ("aws:rds/cluster:Cluster", "aurora-postgresql", ["postgresql", "upgrade"], ["enabledCloudwatchLogsExports[1]"]),
    ("aws:rds/cluster:Cluster", "aurora-postgresql", ["instance", "iam-db-auth-error"], []),
    ("aws:rds/instance:Instance", "postgres", ["postgresql", "upgrade"], []),
    ("aws:rds/instance:Instance", "postgres", ["instance"], ["enabledCloudwatchLogsExports[0]"]),
    ("aws:rds/instance:Instance", "postgres", None, []),
    ("aws:rds/instance:Instance", "mysql", ["error", "slowquery", "audit", "general"], []),
    ("aws:rds/instance:Instance", "mysql", ["error", "postgresql"], ["enabledCloudwatchLogsExports[1]"]),
    ("aws:rds/instance:Instance", "mysql", ["instance"], ["enabledCloudwatchLogsExports[0]"]),   # Aurora's only
    ("aws:rds/cluster:Cluster", "aurora-mysql", ["error", "slowquery", "audit", "instance"], []),
])
def test_rds_log_exports(typ: str, engine: str, exports: list[str] | None, bad: list[str]) -> None:
    inputs = {"engine": engine, **({"enabledCloudwatchLogsExports": exports} if exports is not None else {})}
    assert props(hits("rds-log-exports", res(typ, "db", inputs))) == bad


@pytest.mark.parametrize(("typ", "prop", "engine", "name", "bad"), [
    ("aws:rds/cluster:Cluster", "masterUsername", "aurora-postgresql", "appadmin", False),
    ("aws:rds/cluster:Cluster", "masterUsername", "aurora-postgresql", "app_admin", True),  # no _ on clusters
    ("aws:rds/instance:Instance", "username", "postgres", "app_admin", False),
    ("aws:rds/instance:Instance", "username", "postgres", "a" * 16, False),
    ("aws:rds/instance:Instance", "username", "postgres", "a" * 17, True),
    ("aws:rds/instance:Instance", "username", "postgres", "1admin", True),
    ("aws:rds/instance:Instance", "username", "postgres", "rdsadmin", True),
    ("aws:rds/instance:Instance", "username", "postgres", "user", True),  # a SQL key word
    ("aws:rds/instance:Instance", "username", "postgres", "postgres", False),  # the console's own default
])
def test_rds_master_username(typ: str, prop: str, engine: str, name: str, bad: bool) -> None:
    assert bool(hits("rds-master-username", res(typ, "db", {"engine": engine, prop: name}))) is bad


@pytest.mark.parametrize(("engine", "version", "family", "bad"), [
    ("postgres", "16", "postgres16", False), ("postgres", "16", "postgres15", True),
    ("mysql", "8.0", "mysql8.0", False), ("mysql", "8.0.42", "mysql8.0", False), ("mysql", "8.4.7", "mysql8.0", True),
    ("mysql", "8.0.42", "mysql8", True),   # MySQL's family keeps the minor of its major
])
def test_rds_parameter_family(engine: str, version: str, family: str, bad: bool) -> None:
    group = res("aws:rds/parameterGroup:ParameterGroup", "db-params", {"family": family})
    db = res("aws:rds/instance:Instance", "db", {"engine": engine, "engineVersion": version,
                                                "parameterGroupName": group.outputs["name"]})
    assert bool(hits("rds-parameter-family", group, db)) is bad


@pytest.mark.parametrize(("family", "bad"), [("aurora-mysql8.0", False), ("aurora-mysql8", True), ("mysql8.0", True)])
def test_aurora_mysql_cluster_parameter_family(family: str, bad: bool) -> None:
    group = res("aws:rds/clusterParameterGroup:ClusterParameterGroup", "db-params", {"family": family})
    db = res("aws:rds/cluster:Cluster", "db", {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.10.6",
                                              "dbClusterParameterGroupName": group.outputs["name"]})
    assert bool(hits("rds-parameter-family", group, db)) is bad


@pytest.mark.parametrize(("engine", "version", "bad"), [("valkey", "8.0", False), ("valkey", "6.2", True),
                                                        ("redis", "7.1", False), ("redis", "7.3", True)])
def test_cache_engine_version(engine: str, version: str, bad: bool) -> None:
    group = res("aws:elasticache/replicationGroup:ReplicationGroup", "cache", {"engine": engine, "engineVersion": version})
    assert bool(hits("cache-engine-version", group)) is bad


@pytest.mark.parametrize(("version", "bad"), [("1.6.22", False), ("1.6.23", True)])
def test_a_memcached_clusters_version_is_one_elasticache_offers(version: str, bad: bool) -> None:
    cluster = res("aws:elasticache/cluster:Cluster", "cache", {"engine": "memcached", "engineVersion": version})
    assert bool(hits("cache-engine-version", cluster)) is bad


@pytest.mark.parametrize(("node", "region", "bad"), [("cache.t4g.micro", "us-east-1", False),
                                                     ("cache.t4g.huge", "us-east-1", True)])
def test_cache_node_type(node: str, region: str, bad: bool) -> None:
    group = res("aws:elasticache/replicationGroup:ReplicationGroup", "cache", {"nodeType": node})
    assert bool(hits("cache-node-type", group, region=region)) is bad


@pytest.mark.parametrize(("engine", "version", "family", "bad"), [
    ("redis", "6.2", "redis6.x", False),
    ("redis", "6.2", "redis6", True),  # what the cache component named it before the data did
    ("valkey", "8.0", "valkey8", False),
    ("valkey", "8.0", "valkey7", True),
    ("memcached", "1.6.22", "memcached1.6", False),
    ("memcached", "1.6.22", "memcached1.5", True),
])
def test_cache_parameter_family(engine: str, version: str, family: str, bad: bool) -> None:
    params = res("aws:elasticache/parameterGroup:ParameterGroup", "cache-params", {"family": family})
    group = res("aws:elasticache/replicationGroup:ReplicationGroup", "cache",
                {"engine": engine, "engineVersion": version, "parameterGroupName": params.outputs["name"]})
    assert bool(hits("cache-parameter-family", params, group)) is bad


@pytest.mark.parametrize(("cpu", "memory", "bad"), [("256", "512", False), ("256", "2048", False),
                                                    ("256", "3072", True), ("32768", "61440", False),
                                                    ("300", "512", True)])
def test_fargate_size_of_tasks(cpu: str, memory: str, bad: bool) -> None:
    task = res("aws:ecs/taskDefinition:TaskDefinition", "task", {"cpu": cpu, "memory": memory,
                                                                 "requiresCompatibilities": ["FARGATE"]})
    assert bool(hits("fargate-size", task)) is bad


@pytest.mark.parametrize(("vcpu", "memory", "bad"), [("1", "2048", False), ("1", "1024", True),
                                                     ("0.25", "512", False), ("3", "8192", True)])
def test_fargate_size_of_batch_jobs(vcpu: str, memory: str, bad: bool) -> None:
    props_json = json.dumps({"resourceRequirements": [{"type": "VCPU", "value": vcpu}, {"type": "MEMORY", "value": memory}]})
    job = res("aws:batch/jobDefinition:JobDefinition", "job", {"platformCapabilities": ["FARGATE"],
                                                               "containerProperties": props_json})
    assert bool(hits("fargate-size", job)) is bad


@pytest.mark.parametrize(("arch", "family", "version", "bad"), [
    ("ARM64", "LINUX", None, False),  # LATEST: the dev services as committed
    ("ARM64", "LINUX", "1.4.0", False),
    ("ARM64", "LINUX", "1.3.0", True),
    ("X86_64", "LINUX", "1.3.0", False),
    ("X86_64", "LINUX", "1.2.0", True),
    ("X86_64", "WINDOWS_SERVER_2022_CORE", None, True),
])
def test_fargate_spot_platform(arch: str, family: str, version: str | None, bad: bool) -> None:
    task = res("aws:ecs/taskDefinition:TaskDefinition", "task",
               {"runtimePlatform": {"cpuArchitecture": arch, "operatingSystemFamily": family}})
    service = res("aws:ecs/service:Service", "svc", {
        "taskDefinition": task.outputs["arn"], "capacityProviderStrategies": [{"capacityProvider": "FARGATE_SPOT"}],
        **({"platformVersion": version} if version else {})})
    assert bool(hits("fargate-spot-platform", task, service)) is bad
    # Without Fargate Spot the platform version is no concern of this rule.
    on_demand = res("aws:ecs/service:Service", "svc", {**service.inputs, "capacityProviderStrategies": [
        {"capacityProvider": "FARGATE"}]})
    assert hits("fargate-spot-platform", task, on_demand) == []


# -- EKS ------------------------------------------------------------------------------------------------


def _eks(version: str, support: str | None = None, **inputs: Any) -> Recorded:
    extra = {"upgradePolicy": {"supportType": support}} if support else {}
    return res("eks:index:Cluster", "app-cluster", {"version": version, **extra, **inputs}, remote=True)


@pytest.mark.parametrize(("version", "support", "today", "bad"), [
    ("1.35", "STANDARD", TODAY, False),
    ("1.33", "STANDARD", TODAY, True),  # standard support ended 2026-07-29
    ("1.33", None, TODAY, False),  # pulumi-eks's default policy is EXTENDED: paid, but AWS creates it
    ("1.33", "EXTENDED", TODAY, False),
    ("1.34", "STANDARD", date(2026, 12, 2), False),  # the last day of standard support
    ("1.34", "STANDARD", date(2026, 12, 3), True),
    ("1.33", "EXTENDED", date(2027, 7, 29), False),  # the last day of extended support
    ("1.33", "EXTENDED", date(2027, 7, 30), True),
    ("1.20", "STANDARD", TODAY, True),  # older than the calendar
    ("1.40", "STANDARD", TODAY, False),  # newer than the calendar: an advisory, below
])
def test_eks_version(version: str, support: str | None, today: date, bad: bool) -> None:
    assert bool(hits("eks-version", _eks(version, support), today=today)) is bad


@pytest.mark.parametrize(("version", "today", "advised"), [
    ("1.35", TODAY, False),
    ("1.34", TODAY, True),  # two days of standard support left
    ("1.34", date(2026, 10, 2), False),  # 61 days left
    ("1.34", date(2026, 10, 3), True),  # 60 days left
    ("1.33", TODAY, True),  # in paid extended support
    ("1.40", TODAY, True),  # not on the calendar yet
])
def test_eks_version_support(version: str, today: date, advised: bool) -> None:
    assert bool(hits("eks-version-support", _eks(version, "EXTENDED"), today=today)) is advised


@pytest.mark.parametrize(("inputs", "vpc_ours", "bad"), [
    ({"endpointPublicAccess": False, "endpointPrivateAccess": True}, True, ["endpointPublicAccess"]),
    ({"endpointPublicAccess": False, "endpointPrivateAccess": True}, False, []),  # an adopted VPC the runner lives in
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["198.51.100.7/32"], "endpointPrivateAccess": True}, True, []),
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["198.51.100.7/32"]}, True, ["endpointPrivateAccess"]),
])
def test_eks_endpoint_reachable(inputs: dict[str, Any], vpc_ours: bool, bad: list[str]) -> None:
    vpc = res("aws:ec2/vpc:Vpc", "network-vpc", outputs={"id": "vpc-0123"})
    cluster = _eks("1.35", vpcId="vpc-0123" if vpc_ours else "vpc-elsewhere", **inputs)
    assert props(hits("eks-endpoint-reachable", vpc, cluster)) == bad


@pytest.mark.parametrize(("cidr", "advised"), [("203.0.113.0/24", True), ("198.51.100.7/32", True),
                                               ("192.0.2.0/24", True), ("198.51.101.0/24", False)])
def test_documentation_cidr(cidr: str, advised: bool) -> None:
    assert bool(hits("documentation-cidr", _eks("1.35", publicAccessCidrs=[cidr]))) is advised


# -- services and names -----------------------------------------------------------------------------------


def _service(name: str, sg: str, published: list[tuple[str, str, float]] | None = None) -> Recorded:
    connect: dict[str, Any] = {"enabled": True, "namespace": "arn:ns"}
    if published:
        connect["services"] = [{"portName": "http", "discoveryName": d, "clientAlias": [{"dnsName": n, "port": p}]}
                               for d, n, p in published]
    return res("aws:ecs/service:Service", name, {"networkConfiguration": {"securityGroups": [sg]},
                                                 "serviceConnectConfiguration": connect})


def _peer_rule(target_sg: str, caller_sg: str) -> Recorded:
    return res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-api-from-webui-8000",
               {"securityGroupId": target_sg, "referencedSecurityGroupId": caller_sg})


def test_service_connect_a_called_service_publishes_its_name() -> None:
    webui = _service("app-webui", "sg-webui")
    silent_api = _service("app-api", "sg-api")
    (hit,) = hits("service-connect-names", webui, silent_api, _peer_rule("sg-api", "sg-webui"))
    assert hit.resource.name == "app-api" and "app-webui may call it" in hit.message
    api = _service("app-api", "sg-api", [("api", "api", 8000.0)])
    assert hits("service-connect-names", webui, api, _peer_rule("sg-api", "sg-webui")) == []


def test_service_connect_names_are_unique_per_namespace() -> None:
    one = _service("app-one", "sg-1", [("search", "search", 8080.0)])
    two = _service("app-two", "sg-2", [("search", "search", 9090.0)])
    assert props(hits("service-connect-names", one, two)) == ["serviceConnectConfiguration.services[0].discoveryName"]
    three = _service("app-three", "sg-3", [("other", "search", 8080.0)])  # same alias and port
    assert props(hits("service-connect-names", one, three)) == ["serviceConnectConfiguration.services[0].clientAlias[0]"]
    four = _service("app-four", "sg-4", [("other", "other", 8080.0)])
    assert hits("service-connect-names", one, four) == []


def _https(cert_names: list[str], record_names: list[str]) -> list[Recorded]:
    lb = res("aws:lb/loadBalancer:LoadBalancer", "app-api-lb", outputs={"dnsName": "internal-api-1.elb.amazonaws.com"})
    cert = res("aws:acm/certificate:Certificate", "domain-cert",
               {"domainName": cert_names[0], "subjectAlternativeNames": cert_names[1:]})
    listener = res("aws:lb/listener:Listener", "app-api-lb-https", {
        "protocol": "HTTPS", "loadBalancerArn": lb.outputs["arn"], "certificateArn": cert.outputs["arn"]})
    records = [res("aws:route53/record:Record", f"domain-{i}-a", {
        "name": name, "type": "A", "aliases": [{"name": "internal-api-1.elb.amazonaws.com"}]})
        for i, name in enumerate(record_names)]
    return [lb, cert, listener, *records]


@pytest.mark.parametrize(("cert_names", "record_names", "bad"), [
    (["pavi.example.org", "api.pavi.example.org"], ["api.pavi.example.org"], False),
    (["pavi.example.org"], [], True),  # the landed pavi API: nothing points at its load balancer
    (["pavi.example.org"], ["api.pavi.example.org"], True),  # a record, but not a covered name
    (["example.org", "*.example.org"], ["api.example.org"], False),  # a wildcard covers one label
    (["example.org", "*.example.org"], ["v1.api.example.org"], True),  # ... and only one
])
def test_https_record(cert_names: list[str], record_names: list[str], bad: bool) -> None:
    assert bool(hits("https-record", *_https(cert_names, record_names))) is bad


def _distribution(error_responses: list[dict[str, Any]], api_behaviour: bool = True) -> Recorded:
    origins = [{"originId": "load-balancer", "customOriginConfig": {"originProtocolPolicy": "https-only"}},
               {"originId": "static-site", "originAccessControlId": "oac"}]
    behaviours = [{"pathPattern": "/api/*", "targetOriginId": "load-balancer"}] if api_behaviour else []
    return res("aws:cloudfront/distribution:Distribution", "edge-cdn", {
        "origins": origins, "orderedCacheBehaviors": behaviours, "customErrorResponses": error_responses})


@pytest.mark.parametrize(("responses", "api", "bad"), [
    ([{"errorCode": 404.0, "responseCode": 200.0, "responsePagePath": "/index.html"}], True, True),  # landed allthrive
    ([], True, False),  # the single-page app's routes rewritten by a function instead
    ([{"errorCode": 404.0, "responseCode": 200.0, "responsePagePath": "/index.html"}], False, False),  # no API behind it
    ([{"errorCode": 503.0, "errorCachingMinTtl": 0.0}], True, False),  # caching rules only: no rewrite
])
def test_spa_fallback_scope(responses: list[dict[str, Any]], api: bool, bad: bool) -> None:
    assert bool(hits("spa-fallback-scope", _distribution(responses, api))) is bad


def _backup(policies: list[str], versioned: bool, buckets: bool = True) -> list[Recorded]:
    role = res("aws:iam/role:Role", "backup-service")
    attachments = [res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"backup-service-{p.rsplit('/', 1)[-1]}",
                       {"role": "backup-service", "policyArn": p}) for p in policies]
    bucket = res("aws:s3/bucket:Bucket", "pipeline-uploads", outputs={"arn": "arn:aws:s3:::uploads-1", "id": "uploads-1"})
    versioning = [res("aws:s3/bucketVersioning:BucketVersioning", "pipeline-uploads",
                      {"bucket": "uploads-1", "versioningConfiguration": {"status": "Enabled"}})] if versioned else []
    selection = res("aws:backup/selection:Selection", "backup-selection", {
        "iamRoleArn": role.outputs["arn"], "resources": ["arn:aws:rds:db"] + (["arn:aws:s3:::uploads-1"] if buckets else [])})
    return [role, *attachments, bucket, *versioning, selection]


S3_POLICIES = ["arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
               "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"]


@pytest.mark.parametrize(("policies", "versioned", "buckets", "bad"), [
    (S3_POLICIES, True, True, 0),
    ([], True, True, 1),  # the landed prod: S3 selected, the role without the S3 policies
    (S3_POLICIES[:1], True, True, 1),  # backs up, cannot restore
    (S3_POLICIES, False, True, 1),  # an unversioned bucket
    ([], False, False, 0),  # no S3 selected: nothing to ask
])
def test_backup_s3(policies: list[str], versioned: bool, buckets: bool, bad: int) -> None:
    assert len(hits("backup-s3", *_backup(policies, versioned, buckets))) == bad


def _dual(ip_type: str, subnet_ipv6: bool, record: str = "AAAA") -> list[Recorded]:
    subnet = res("aws:ec2/subnet:Subnet", "network-public-a", {"ipv6CidrBlock": "2600::/64"} if subnet_ipv6 else {},
                 outputs={"id": "subnet-a"})
    lb = res("aws:lb/loadBalancer:LoadBalancer", "app-main", {"ipAddressType": ip_type, "subnets": ["subnet-a"]},
             outputs={"dnsName": "main-1.elb.amazonaws.com"})
    alias = res("aws:route53/record:Record", f"edge-apex-{record.lower()}",
                {"type": record, "aliases": [{"name": "main-1.elb.amazonaws.com"}]})
    return [subnet, lb, alias]


@pytest.mark.parametrize(("ip_type", "subnet_ipv6", "record", "bad"), [
    ("dualstack", True, "AAAA", 0),
    ("ipv4", False, "AAAA", 1),  # an AAAA alias to a load balancer without IPv6
    ("ipv4", False, "A", 0),
    ("dualstack", False, "AAAA", 1),  # a dual-stack load balancer in IPv4-only subnets
])
def test_dualstack(ip_type: str, subnet_ipv6: bool, record: str, bad: int) -> None:
    assert len(hits("dualstack", *_dual(ip_type, subnet_ipv6, record))) == bad


@pytest.mark.parametrize(("key", "bad"), [("aws:team", True), ("AWS:Team", True), ("awsteam", False),
                                          ("team:aws", False)])
def test_reserved_tags(key: str, bad: bool) -> None:
    assert bool(hits("reserved-tags", res("aws:ec2/vpc:Vpc", "vpc", {"tags": {key: "x"}}))) is bad


def _isolated(endpoints: list[str], image: str, default_route: bool = False, secrets: bool = False) -> list[Recorded]:
    table = res("aws:ec2/routeTable:RouteTable", "network-private-a", outputs={"id": "rtb-1"})
    association = res("aws:ec2/routeTableAssociation:RouteTableAssociation", "network-private-a",
                      {"subnetId": "subnet-a", "routeTableId": "rtb-1"})
    routes = [res("aws:ec2/route:Route", "network-private-a-default",
                  {"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0"})] if default_route else []
    container = {"image": image, **({"secrets": [{"name": "X", "valueFrom": "arn:aws:secretsmanager:s"}]} if secrets else {})}
    task = res("aws:ecs/taskDefinition:TaskDefinition", "app-api", {"containerDefinitions": json.dumps([container])})
    service = res("aws:ecs/service:Service", "app-api", {"taskDefinition": task.outputs["arn"],
                                                         "networkConfiguration": {"subnets": ["subnet-a"]}})
    ends = [res("aws:ec2/vpcEndpoint:VpcEndpoint", f"network-{e}", {"serviceName": f"com.amazonaws.us-east-1.{e}"})
            for e in endpoints]
    return [table, association, *routes, task, service, *ends]


ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1"


@pytest.mark.parametrize(("endpoints", "image", "route", "secrets", "bad"), [
    (["s3", "ecr.api", "ecr.dkr", "logs"], ECR_IMAGE, False, False, 0),
    (["s3", "ecr.api", "ecr.dkr"], ECR_IMAGE, False, False, 1),  # no logs endpoint: awslogs cannot write
    (["s3", "ecr.api", "ecr.dkr", "logs"], ECR_IMAGE, False, True, 1),  # secrets, but no Secrets Manager endpoint
    (["s3", "logs"], "semitechnologies/weaviate:1.24.1", False, False, 1),  # a public image without egress
    ([], "semitechnologies/weaviate:1.24.1", True, True, 0),  # a NAT route: the internet is reachable
])
def test_isolated_egress(endpoints: list[str], image: str, route: bool, secrets: bool, bad: int) -> None:
    assert len(hits("isolated-egress", *_isolated(endpoints, image, route, secrets))) == bad


ISOLATED_NEEDS = ["ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager"]
"""What a workload without a way out needs for an ECR image and secrets: pulls (ECR's two endpoints and S3, where
the layers are), awslogs, and its secrets."""


def test_an_isolated_workload_with_every_endpoint_it_needs_passes() -> None:
    assert hits("isolated-egress", *_isolated(ISOLATED_NEEDS, ECR_IMAGE, secrets=True)) == []


@pytest.mark.parametrize("missing", ISOLATED_NEEDS)
def test_each_endpoint_an_isolated_workload_needs_is_missed_alone(missing: str) -> None:
    found = hits("isolated-egress", *_isolated([e for e in ISOLATED_NEEDS if e != missing], ECR_IMAGE, secrets=True))
    assert [h.value for h in found] == [missing]


@pytest.mark.parametrize(("name", "bad"), [("aws-waf-logs-edge", False), ("waf-logs-edge", True)])
def test_waf_log_group(name: str, bad: bool) -> None:
    group = res("aws:cloudwatch/logGroup:LogGroup", "waf-logs", {"name": name})
    config = res("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "waf-logging",
                 {"logDestinationConfigs": [group.outputs["arn"]]})
    assert bool(hits("waf-log-group", group, config)) is bad


def test_first_deploy_names_empty_repositories_and_unfilled_secrets() -> None:
    repo = res("aws:ecr/repository:Repository", "registry-api", outputs={"repositoryUrl": "1234.dkr.ecr.x/api"})
    secret = res("aws:secretsmanager/secret:Secret", "secrets-oauth", {"name": "dev/oauth"},
                 outputs={"arn": "arn:aws:secretsmanager:us-east-1:1234:secret:dev/oauth-AbCdEf"})
    container = ('[{"image": "1234.dkr.ecr.x/api:v1", "secrets": [{"name": "OAUTH", '
                 '"valueFrom": "arn:aws:secretsmanager:us-east-1:1234:secret:dev/oauth-AbCdEf:client_id::"}]}]')
    task = res("aws:ecs/taskDefinition:TaskDefinition", "app-api", {"containerDefinitions": container})
    found = hits("first-deploy", repo, secret, task)
    assert sorted(h.resource.name for h in found) == ["app-api", "secrets-oauth"]
    filled = res("aws:secretsmanager/secretVersion:SecretVersion", "secrets-oauth", {"secretId": secret.outputs["arn"]})
    external = res("aws:ecs/taskDefinition:TaskDefinition", "app-api", {"containerDefinitions": container.replace(
        "1234.dkr.ecr.x/api:v1", "nginx:1.27")})
    assert hits("first-deploy", repo, secret, filled, external) == []


def test_every_rule_is_tested_here() -> None:
    # Read from this module's source, not from the ids the tests above collected: the suite spreads a module's tests
    # over workers (pytest-xdist worksteal), so no one process sees them all.
    import re
    from pathlib import Path

    called = set(re.findall(r'hits\(\s*"([a-z0-9-]+)"', Path(__file__).read_text()))
    assert called == {r.id for r in RULES}
