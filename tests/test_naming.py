"""Two instances of each component side by side never collide (the engine would refuse them)."""

from __future__ import annotations

from collections import Counter

from components import (
    AlarmsSettings,
    Cache,
    CacheArgs,
    CacheSettings,
    ClusterSettings,
    ContainerService,
    ContainerServiceArgs,
    Database,
    DatabaseArgs,
    DatabaseSettings,
    Domain,
    DomainArgs,
    DomainSettings,
    Edge,
    EdgeArgs,
    EdgeSettings,
    FileSystem,
    FileSystemArgs,
    FileSystemSettings,
    Firewall,
    FirewallArgs,
    LoadBalancerSettings,
    LoadBalancerSpec,
    Monitoring,
    MonitoringArgs,
    Network,
    NetworkArgs,
    NetworkSettings,
    Registry,
    RegistryArgs,
    RegistrySettings,
    Secrets,
    SecretsArgs,
    SecretSettings,
    WafSettings,
)
from tests.conftest import service_spec

AZS = ["us-east-1a", "us-east-1b"]
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]


def _network(name: str, cidr: str) -> Network:
    base = cidr.split(".")[1]
    return Network(name, NetworkArgs(region="us-east-1", settings=NetworkSettings(
        cidr=cidr, availability_zones=AZS, egress="instance", interface_endpoints=["logs"],
        subnets={"public": [f"10.{base}.0.0/20", f"10.{base}.16.0/20"],
                 "private": [f"10.{base}.64.0/20", f"10.{base}.80.0/20"],
                 "isolated": [f"10.{base}.128.0/20", f"10.{base}.144.0/20"]},
    )))


def _everything_twice() -> None:
    for suffix, cidr in (("a", "10.1.0.0/16"), ("b", "10.2.0.0/16")):
        _network(f"net-{suffix}", cidr)
        db = Database(f"db-{suffix}", DatabaseArgs(vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS, settings=DatabaseSettings(
            engine_version="16", instance_class="db.t4g.micro", allocated_storage_gb=20)))
        db.allow_from("api", "sg-0api000000000000a")
        Database(f"aurora-{suffix}", DatabaseArgs(vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS, settings=DatabaseSettings(
            engine="aurora-postgresql", engine_version="16.15", instance_class="db.r6g.large", instances=2)))
        cache = Cache(f"cache-{suffix}", CacheArgs(vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS,
                                                   settings=CacheSettings(node_type="cache.t4g.micro")))
        cache.allow_from("api", "sg-0api000000000000a")
        Secrets(f"secrets-{suffix}", SecretsArgs(settings={
            "jwt": SecretSettings(generate={"length": 32}), "oauth": SecretSettings()}))
        files = FileSystem(f"files-{suffix}", FileSystemArgs(vpc_id="vpc-0123456789abcdef0",
                                                             subnets={"a": SUBNETS[0], "b": SUBNETS[1]},
                                                             settings=FileSystemSettings(
                                                                 access_points={"data": {"path": "/data"}})))
        files.allow_from("api", "sg-0api000000000000a")
        Registry(f"registry-{suffix}", RegistryArgs(settings=RegistrySettings(repositories=["api", "frontend"])))
        domain = Domain(f"domain-{suffix}", DomainArgs(settings=DomainSettings(name=f"{suffix}.example.com"),
                                                       region="eu-west-1", cloudfront_certificate=True))
        app = ContainerService(f"app-{suffix}", ContainerServiceArgs(
            vpc_id="vpc-0123456789abcdef0", vpc_cidr="10.0.0.0/16", subnet_ids=SUBNETS, region="eu-west-1",
            account_id="123456789012", settings=ClusterSettings(),
            services={"api": service_spec("i", cpu=256, memory=512, port=80, load_balancer="main",
                                          default_route=True, routes=[{"paths": ["/api/*"], "priority": 5}]),
                      "worker": service_spec("w", cpu=256, memory=512, allow_from=("api",), port=9000,
                                             discovery_name="worker")},
            load_balancers={"main": LoadBalancerSpec(settings=LoadBalancerSettings(access_logs=True), subnet_ids=SUBNETS,
                                                     certificate_arn=domain.certificate_arn, cloudfront_only=True)},
        ))
        waf = Firewall(f"waf-{suffix}", FirewallArgs(settings=WafSettings(large_body_paths=["/up"]), scope="CLOUDFRONT",
                                                     region="eu-west-1"))
        Edge(f"edge-{suffix}", EdgeArgs(
            settings=EdgeSettings(static_site=True, www_cname=True, direct_hostnames=["ws"]), domain_name=f"{suffix}.example.com",
            zone_id=domain.zone_id, region="eu-west-1", account_id="123456789012",
            load_balancer_dns_name=app.load_balancer_dns_names["main"],
            load_balancer_zone_id=app.load_balancer_zone_ids["main"], load_balancer_arn=app.load_balancer_arns["main"],
            cloudfront_certificate_arn=domain.cloudfront_certificate_arn, web_acl_arn=waf.web_acl_arn))
        Monitoring(f"monitoring-{suffix}", MonitoringArgs(
            settings=AlarmsSettings(emails=["ops@example.com"], budget={"monthly_limit_usd": 10}),
            account_id="123456789012", region="eu-west-1", cluster_name=app.cluster_name,
            services=app.service_names, load_balancers=app.load_balancer_arn_suffixes,
            db_instances=db.instance_identifiers))


def test_two_instances_of_each_component_have_no_duplicate_type_and_name(record) -> None:
    mon = record(_everything_twice)
    counts = Counter((r.type, r.name) for r in mon.records())
    assert [key for key, n in counts.items() if n > 1] == []
    assert len(mon.of_type("platform:components:Network")) == 2


def test_physical_names_of_stateful_resources_differ_between_instances(record) -> None:
    mon = record(_everything_twice)
    identifiers = [r.inputs["identifier"] for r in mon.of_type("aws:rds/instance:Instance")]
    identifiers += [r.inputs["clusterIdentifier"] for r in mon.of_type("aws:rds/cluster:Cluster")]
    identifiers += [r.inputs["replicationGroupId"] for r in mon.of_type("aws:elasticache/replicationGroup:ReplicationGroup")]
    identifiers += [r.inputs["name"] for r in mon.of_type("aws:ecr/repository:Repository")]
    identifiers += [r.inputs["name"] for r in mon.of_type("aws:secretsmanager/secret:Secret")]
    identifiers += [r.inputs["name"] for r in mon.of_type("aws:cloudwatch/logGroup:LogGroup") if "name" in r.inputs]
    identifiers += [r.inputs["dashboardName"] for r in mon.of_type("aws:cloudwatch/dashboard:Dashboard")]
    assert len(identifiers) == len(set(identifiers)) > 20
