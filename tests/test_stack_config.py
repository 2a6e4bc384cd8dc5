"""The typed stack config: committed stacks validate, bad input fails early and clearly."""

from __future__ import annotations

import copy
import ipaddress
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stack_config
from components import _settings
from stack_config import ConfigError, from_mapping
from tests.conftest import (
    EXAMPLE_FILES,
    FIXTURE_DEV,
    FIXTURE_PROD,
    STACK_FILES,
)
from tools.harness import (
    PROJECT_DIR,
    RecordingMonitor,
    load_config,
    load_stack_config,
    run_program,
)

REFERENCE = {"dev": FIXTURE_DEV, "prod": FIXTURE_PROD}
"""Mistakes are made on copies of the reference stacks (tests/fixtures), so a team's own edits to
Pulumi.dev.yaml and Pulumi.prod.yaml never change what these tests start from."""


def raw(ref: str | Path) -> dict[str, Any]:
    """A stack file's project-namespace values as `from_mapping` takes them (plus the region)."""
    stack_file = load_stack_config(REFERENCE.get(str(ref), ref))
    prefix = f"{stack_file.project}:"
    values = {k[len(prefix):]: copy.deepcopy(v) for k, v in stack_file.raw.items() if k.startswith(prefix)}
    values["region"] = stack_file.raw["aws:region"]
    return values


def problems(mapping: dict[str, Any]) -> list[str]:
    """The per-key lines of the ConfigError a mapping raises."""
    with pytest.raises(ConfigError) as caught:
        from_mapping(mapping, "Pulumi.test.yaml")
    message = str(caught.value)
    assert message.startswith("invalid stack config in Pulumi.test.yaml:")
    return [line[4:] for line in message.splitlines()[1:]]


# -- committed stacks ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_committed_stack_config_is_valid(path: Path) -> None:
    config = load_config(path)
    assert config.env == path.name.split(".")[1]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_validates(path: Path) -> None:
    assert load_config(path).tags["owner"]


def test_dev_is_cheap() -> None:
    dev = load_config(FIXTURE_DEV)
    assert dev.network.zone_count == 2
    assert dev.network.egress in ("single", "instance")
    # Aurora Serverless v2 that pauses when idle: no compute cost overnight.
    assert dev.database is not None and dev.database.serverless_v2 is not None
    assert dev.database.serverless_v2.min_capacity == 0
    assert not dev.database.highly_available
    assert dev.database.backup_retention_days <= 3
    assert dev.cache is not None and dev.cache.nodes == 1
    assert dev.protect is False


def test_the_reference_prod_is_durable() -> None:
    prod = load_config(FIXTURE_PROD)
    assert prod.network.zone_count == 3 and prod.network.egress == "per_az"
    db = prod.database
    assert db is not None and db.multi_az and db.deletion_protection and db.final_snapshot
    assert db.backup_retention_days >= 14
    assert prod.cache is not None and prod.cache.nodes >= 2
    assert prod.protect is True


@pytest.mark.parametrize("path", STACK_FILES + EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_prod_stack_is_durable(path: Path) -> None:
    # What every stack with env: prod holds, whatever a team sets: the invariants stack_config enforces.
    config = load_config(path)
    if config.env != "prod":
        return
    db, cache, net = config.database, config.cache, config.network
    assert db is None or (db.highly_available and db.deletion_protection and db.final_snapshot
                          and db.backup_retention_days >= 7)
    assert cache is None or (cache.nodes >= 2 and cache.snapshot_retention_days >= 1 and cache.final_snapshot)
    assert net is None or net.existing is not None or net.egress in ("per_az", "none")
    assert config.protect is True


def test_load_reads_every_project_key_and_rejects_a_misspelt_section() -> None:
    with pytest.raises(ConfigError, match=r"netwrok: unknown key\. Did you mean 'network'\?"):
        load_config(FIXTURE_DEV, overrides={"netwrok": {"cidr": "10.0.0.0/16"}})


def test_load_requires_the_region() -> None:
    with pytest.raises(ConfigError, match=r"aws:region: required key is missing"):
        load_config(FIXTURE_DEV, overrides={"aws:region": None})


# -- the examples of bad input ------------------------------------------------------------


# Dev runs Aurora Serverless v2; the RDS cases start from a small RDS instance instead.
SMALL_RDS = {"engine": "postgres", "engine_version": "16.15", "instance_class": "db.t4g.micro", "allocated_storage_gb": 20,
        "max_allocated_storage_gb": 50, "backup_retention_days": 1, "deletion_protection": False,
        "final_snapshot": False, "monitoring_interval": 0}


def with_value(path: str, value: Any, base: str = "dev") -> dict[str, Any]:
    mapping = raw(base)
    if path.startswith("database.") and base == "dev":
        mapping["database"] = dict(SMALL_RDS)
    *parents, leaf = path.split(".")
    node = mapping
    for part in parents:
        node = node.setdefault(part, {})
    if value is DELETE:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return mapping


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("network.cidr", "10.0.0.0/33", "network.cidr: expected an IPv4 network in CIDR notation"),
        ("network.cidr", "10.0.0.1/16", "no host bits set"),
        ("network.cidr", "10.0.0.0/8", "network.cidr: VPC prefix must be /16 to /24; got /8"),
        ("network.cidrr", "10.0.0.0/16", "network.cidrr: unknown key. Did you mean 'cidr'?"),
        ("network.egress", "nat", "network.egress: expected 'none', 'single', 'per_az' or 'instance'; got 'nat'"),
        ("network.az_count", 4, "network.az_count: expected less than or equal to 3; got 4"),
        ("network.availability_zones", ["eu-west-1a", "eu-west-1b"], "network.availability_zones: eu-west-1a is not in region us-east-1; "
         "its zones are us-east-1a to us-east-1f"),
        # us-east-1's last zone is f (cfn-lint's table): f is the nearest passing letter, g the nearest failing.
        ("network.availability_zones", ["us-east-1a", "us-east-1g"], "network.availability_zones: us-east-1 has no zone us-east-1g "
         "(its zones are us-east-1a to us-east-1f); pick one of those"),
        ("network.availability_zones", ["us-east-1a", "us-east-1z"], "us-east-1 has no zone us-east-1z"),
        ("database.engine_version", "9", "database.engine_version: expected a version of postgres, 13 or later"),
        ("database.engine_version", "16.4", "database.engine_version: postgres 16.4 is deprecated: AWS refuses new databases on it"),
        ("database.engine_version", "16.99", "database.engine_version: postgres 16.99 is not offered by AWS"),
        ("database.instance_class", "m5.large", "database.instance_class: expected an RDS instance class such as db.t4g.micro"),
        ("database.instance_class", "db.t4g.tiny", "database.instance_class: db.t4g.tiny is not orderable for postgres in us-east-1"),
        ("database.master_username", "rdsadmin", "database.master_username: 'rdsadmin' is a reserved name for postgres"),
        ("database.master_username", "select", "database.master_username: 'select' is a reserved name for postgres"),
        ("database.log_exports", ["instance"], "database.log_exports[0]: postgres exports only postgresql, upgrade, iam-db-auth-error; got 'instance'"),
        ("cache.node_type", "cache.t4g.huge", "cache.node_type: cache.t4g.huge is not offered in us-east-1"),
        ("cache.engine_version", "9.0", "cache.engine_version: expected one of 7.2, 8.0, 8.1, 8.2 for valkey "
         "(ElastiCache's API names no parameter group family for it)"),
        ("tags", {"owner": "me", "cost-center": "x", "aws:team": "y"}, "tags: tag key 'aws:team' starts with aws:"),
        ("database.allocated_storage_gb", 10, "database.allocated_storage_gb: expected greater than or equal to 20; got 10"),
        ("database.max_allocated_storage_gb", 20, "database.max_allocated_storage_gb: expected greater than or equal to 21; got 20"),
        ("database.allocated_storage_gb", 60, "database.max_allocated_storage_gb: must exceed allocated_storage_gb (60)"),
        ("database.maintenance_window", "mon:03:30-mon:04:30", "database.maintenance_window: overlaps backup_window 03:00-04:00"),
        ("database.backup_window", "3am", "database.backup_window: expected a daily UTC window hh:mm-hh:mm such as 03:00-04:00; got '3am'"),
        ("database.performance_insights", True, "database.performance_insights: not supported on db.t4g.micro"),
        ("database.parameters", {"rds.force_ssl": "0"}, "database.parameters: rds.force_ssl is always 1"),
        ("database.multi_az", "yes please", "database.multi_az: expected true or false; got 'yes please'"),
        ("cache.engine_version", "5.0", "cache.engine_version: expected one of 7.2, 8.0, 8.1, 8.2 for valkey (ElastiCache offers valkey"),
        ("cache.node_type", "t4g.micro", "cache.node_type: expected an ElastiCache node type such as cache.t4g.micro; got 't4g.micro'"),
        ("tags", {"owner": "me"}, "tags: missing required tag(s) cost-center"),
        ("env", "qa", "env: expected 'dev', 'staging' or 'prod'; got 'qa'"),
        ("network", DELETE, "network: required key is missing"),
    ],
)
def test_bad_input_names_the_key_what_was_expected_and_what_was_given(path: str, value: Any, expected: str) -> None:
    lines = problems(with_value(path, value))
    assert any(expected in line for line in lines), lines


# -- web tier --------------------------------------------------------------------------------------


def service_of(mapping: dict[str, Any], name: str) -> dict[str, Any]:
    return mapping["services"][name]


def test_a_path_rule_priority_used_twice_is_rejected() -> None:
    mapping = raw("dev")
    service_of(mapping, "api")["routes"] = [{"paths": ["/api/*"], "priority": 10}]
    assert problems(mapping) == ["services.api.routes: priority 10 on load balancer 'main' is already used by frontend; "
                                 "priorities must be unique per load balancer"]


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [(256, 4096, "services.api.memory: 256 CPU units take 512, 1024, 2048 MiB on Fargate; got 4096"),
     (300, 512, "services.api.cpu: Fargate takes 256, 512, 1024, 2048, 4096, 8192, 16384, 32768 CPU units; got 300"),
     (1024, 1024, "services.api.memory: 1024 CPU units take 2048, 3072, 4096, 5120, 6144, 7168, 8192 MiB on Fargate; got 1024")],
)
def test_cpu_and_memory_must_be_a_fargate_combination(cpu: int, memory: int, expected: str) -> None:
    mapping = raw("dev")
    service_of(mapping, "api").update(cpu=cpu, memory=memory)
    assert problems(mapping) == [expected]


def test_an_internal_load_balancer_cannot_sit_behind_cloudfront() -> None:
    mapping = raw("dev")
    mapping["load_balancers"]["main"]["scheme"] = "internal"
    assert problems(mapping) == [
        "edge.cloudfront: load balancer 'main' is internal and CloudFront reaches only public origins here "
        "(no VPC origin); make it internet-facing or set cloudfront: false"]


def test_a_health_check_path_must_start_with_a_slash() -> None:
    mapping = raw("dev")
    service_of(mapping, "api")["health_check"]["path"] = "api/health"
    assert problems(mapping) == ["services.api.health_check.path: must start with /; got 'api/health'"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: service_of(m, "api")["image"].update(repository="search"),
         "services.api.image.repository: 'search' is not in registry.repositories (api, frontend, worker); add it there or use image.uri"),
        (lambda m: service_of(m, "api")["image"].pop("tag"),
         "services.api.image.tag: required with repository 'api' (immutable tags: no `latest`)"),
        (lambda m: service_of(m, "api")["secrets"].update(X={"secret": "stripe"}),
         "services.api.secrets.X.secret: 'stripe' is not in platform:secrets (jwt-signing-key, oauth)"),
        (lambda m: service_of(m, "api")["secrets"].update(X={"secret": "database", "key": "host"}),
         "services.api.secrets.X.key: the database secret holds username and password; got 'host'"),
        (lambda m: service_of(m, "api").update(connects_to=["database", "search"]),
         "services.api.connects_to: 'search' is not database, cache or another service"),
        (lambda m: service_of(m, "api").update(load_balancer="public"),
         "services.api.load_balancer: no load balancer 'public' in platform:load_balancers (main)"),
        (lambda m: service_of(m, "api").update(default_route=True),
         "services.api.default_route: load balancer 'main' already sends its default to frontend"),
        (lambda m: service_of(m, "api").update(desired_count=5),
         "services.api.desired_count: must lie within scaling.min..max (1..2); got 5"),
        (lambda m: service_of(m, "api")["scaling"].update(min=3),
         "services.api.scaling.max: must be >= min (3); got 2"),
        (lambda m: [(service_of(m, s).update(load_balancer=None, routes=[], default_route=False),
                     service_of(m, s).pop("health_check", None)) for s in ("api", "frontend")],
         "load_balancers.main: no service uses it"),
        # A service no load balancer checks has no health check to set (it would be silently ignored).
        (lambda m: service_of(m, "api").update(load_balancer=None, routes=[], default_route=False),
         "services.api.health_check: only for services behind a load balancer"),
        (lambda m: m.pop("domain"), "domain: load balancers serve HTTPS and need platform:domain for their certificate"),
        (lambda m: m["edge"].update(hostnames=["Bad Name"]),
         "edge.hostnames: labels are single DNS labels such as www or api; got 'Bad Name'"),
        (lambda m: m["edge"]["waf"].update(rate_limit=5), "edge.waf.rate_limit: expected greater than or equal to 10; got 5"),
        (lambda m: m["edge"]["waf"].update(geo_block=["north korea"]),
         "edge.waf.geo_block[0]: expected an ISO 3166 country code such as KP; got 'north korea'"),
        (lambda m: m["alarms"].update(emails=["not-an-email"]), "alarms.emails[0]: expected an email address; got 'not-an-email'"),
    ],
)
def test_web_tier_mistakes_name_the_key_and_the_fix(change, expected: str) -> None:
    mapping = raw("dev")
    change(mapping)
    assert any(line.startswith(expected) for line in problems(mapping)), problems(mapping)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m["pipeline"]["steps"][0].update(vcpu=3),
         "pipeline.steps[0].vcpu: Fargate takes 0.25, 0.5, 1, 2, 4, 8, 16, 32 vCPU; got 3"),
        (lambda m: m["pipeline"]["steps"][0].update(memory=512),
         "pipeline.steps[0].memory: 1 vCPU takes 2048, 3072, 4096, 5120, 6144, 7168, 8192 MiB on Fargate; got 512"),
        (lambda m: m["pipeline"]["steps"][0]["image"].update(repository="aligner"),
         "pipeline.steps[0].image.repository: 'aligner' is not in registry.repositories"),
        (lambda m: m["pipeline"]["steps"].append(dict(m["pipeline"]["steps"][0])),
         "pipeline.steps: step names must be unique"),
        (lambda m: m["pipeline"]["uploads"].update(expiration_days=10),
         "pipeline.uploads.expiration_days: must come after transition_days (30); got 10"),
        (lambda m: m["pipeline"].update(instance_types=["c7g"]), "pipeline.instance_types: only for compute: ec2_spot"),
        (lambda m: m.pop("pipeline"), "services.api.pipeline: needs platform:pipeline"),
        (lambda m: m["pipeline"].update(steps=[]), "pipeline.steps: List should have at least 1 item"),
    ],
)
def test_pipeline_mistakes_name_the_key_and_the_fix(change, expected: str) -> None:
    mapping = raw("dev")
    change(mapping)
    assert any(line.startswith(expected) for line in problems(mapping)), problems(mapping)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m["load_balancers"].update(api={"scheme": "internal"}),
         "load_balancers.api: a service has the same name; rename the load balancer (e.g. api-lb)"),
        (lambda m: m["services"]["api"].update(buckets={"media": "read_write"}),
         "services.api.buckets: 'media' is not in platform:buckets (none)"),
        (lambda m: m.update(buckets={"media": {}}) or m["services"]["api"].update(buckets={"media": "write"}),
         "services.api.buckets.media: expected 'read' or 'read_write'; got 'write'"),
        (lambda m: m.update(buckets={"media": {"transition_days": 30, "expiration_days": 7}}),
         "buckets.media.expiration_days: must come after transition_days (30); got 7"),
        (lambda m: m.update(backup={"resources": ["buckets"]}),
         "backup.resources: 'buckets' is selected but the stack has no buckets"),
    ],
)
def test_bucket_mistakes_name_the_key_and_the_fix(change, expected: str) -> None:
    mapping = raw("dev")
    change(mapping)
    assert any(line.startswith(expected) for line in problems(mapping)), problems(mapping)


def on_eks(mapping: dict[str, Any]) -> dict[str, Any]:
    # The dev stack creates its VPC, so the deploy reaches the API through a CIDR-limited public endpoint,
    # from a self-hosted runner whose address is listed.
    mapping["cluster"] = {"runtime": "eks", "eks": {"node_group": {"instance_types": ["m7g.large"]},
                                                    "endpoint_public_access": True,
                                                    "public_access_cidrs": ["198.51.100.7/32"]}}
    mapping["github"]["runner"] = ["self-hosted", "platform-deploy"]
    mapping["edge"]["cloudfront"] = False
    for svc in mapping["services"].values():
        svc.pop("capacity", None)
        svc.pop("exec", None)
    return mapping


@pytest.mark.parametrize(("release", "problem"), [
    ({"command": ["python", "manage.py", "migrate"]}, None),
    ({"command": []}, "services.api.release_task.command:"),
    ({"command": ["migrate"], "timeout_seconds": 59}, "services.api.release_task.timeout_seconds:"),
    ({"command": ["migrate"], "timeout_seconds": 60}, None),
])
def test_a_release_task_is_a_command_with_a_bounded_wait(release: dict, problem: str | None) -> None:
    mapping = raw("dev")
    mapping["services"]["api"]["release_task"] = release
    if problem is None:
        assert from_mapping(mapping).services["api"].release_task.command == release["command"]
    else:
        assert any(p.startswith(problem) for p in problems(mapping)), problems(mapping)


def test_release_tasks_are_ecs_only() -> None:
    mapping = on_eks(raw("dev"))
    mapping["services"]["api"]["release_task"] = {"command": ["migrate"]}
    assert any(p.startswith("services.api.release_task: release tasks run on ECS only") for p in problems(mapping))


def test_the_dev_stack_switches_to_eks_with_only_the_runtime_settings() -> None:
    assert from_mapping(on_eks(raw("dev"))).cluster.runtime == "eks"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m["edge"].update(cloudfront=True), "edge.cloudfront: the EKS runtime's load balancer belongs to its ingress"),
        (lambda m: m["services"]["api"].update(exec=True), "services.api.exec: ECS Exec is ECS-only"),
        (lambda m: m["services"]["api"].update(capacity={"fargate": {"base": 1, "weight": 1}}),
         "services.api.capacity: Fargate capacity providers are ECS-only"),
        (lambda m: m["services"]["api"].update(architecture="x86_64"),
         "services.api.architecture: the node group runs arm64; got x86_64"),
        (lambda m: m["cluster"]["eks"]["node_group"].update(instance_types=["t4g.large"]),
         "cluster.eks.node_group.instance_types: api reach data stores through security groups for pods"),
        (lambda m: m["cluster"]["eks"]["node_group"].update(instance_types=["m7g.large", "m7i.large"]),
         "cluster.eks.node_group.instance_types: mix of ARM64 (Graviton) and x86_64 types"),
        (lambda m: m["cluster"]["eks"].update(public_access_cidrs=[]),
         "cluster.eks.public_access_cidrs: a public API endpoint must be limited"),
        (lambda m: m["cluster"]["eks"].update(endpoint_public_access=False, public_access_cidrs=[]),
         "cluster.eks.endpoint_public_access: `pulumi up` applies the Kubernetes objects through the API endpoint"),
        (lambda m: m["github"].update(runner=["ubuntu-latest"]),
         "github.runner: the EKS API admits only 198.51.100.7/32, but ubuntu-latest is a GitHub-hosted runner"),
        (lambda m: m["cluster"]["eks"].update(endpoint_public_access=True, public_access_cidrs=["0.0.0.0/0"]),
         "cluster.eks.public_access_cidrs: 0.0.0.0/0 opens the API endpoint to everyone"),
        (lambda m: m["cluster"]["eks"].update(version="1.20"), "cluster.eks.version: EKS offers 1.29, 1.30"),
        (lambda m: m["cluster"]["eks"].update(version="v1.35"), "cluster.eks.version: expected a Kubernetes minor version"),
        (lambda m: m["cluster"].update(runtime="ecs"), "cluster.eks: EKS settings need runtime: eks"),
    ],
)
def test_eks_mistakes_name_the_key_and_the_fix(change, expected: str) -> None:
    mapping = on_eks(raw("dev"))
    change(mapping)
    assert any(line.startswith(expected) for line in problems(mapping)), problems(mapping)


def test_prod_images_are_immutable() -> None:
    mapping = raw("prod")
    mapping["registry"]["immutable_tags"] = False
    assert problems(mapping) == ["registry.immutable_tags: prod images are immutable (a tag always means the same image); set true"]


def test_certificate_covers_every_served_name() -> None:
    mapping = raw("prod")
    mapping["domain"]["alternative_names"] = []
    mapping["edge"]["direct_hostnames"] = ["ws"]
    config = from_mapping(mapping)
    assert config.certificate_names() == ["platform.example.com", "www.platform.example.com",
                                          "ws.platform.example.com", "origin.platform.example.com"]
    assert from_mapping(raw("prod")).certificate_names() == ["platform.example.com", "*.platform.example.com"]


def test_subnet_outside_the_vpc_is_rejected() -> None:
    mapping = with_value("network.subnets", {"public": ["10.10.1.0/24", "10.99.2.0/24"],
                                        "private": ["10.10.10.0/24", "10.10.11.0/24"]})
    assert problems(mapping) == ["network.subnets.public[1]: 10.99.2.0/24 is outside the VPC CIDR 10.10.0.0/16"]


def test_overlapping_subnets_are_rejected() -> None:
    mapping = with_value("network.subnets", {"public": ["10.10.1.0/24", "10.10.2.0/24"],
                                        "private": ["10.10.0.0/23", "10.10.11.0/24"]})
    mapping["database"]["subnet_tier"] = "private"
    mapping["cache"]["subnet_tier"] = "private"
    assert problems(mapping) == ["network.subnets.private[0]: 10.10.0.0/23 overlaps subnets.public[0] (10.10.1.0/24)"]


def test_a_tier_the_network_lacks_cannot_host_the_database() -> None:
    mapping = with_value("network.subnets", {"public": ["10.10.1.0/24", "10.10.2.0/24"],
                                        "private": ["10.10.10.0/24", "10.10.11.0/24"]})
    lines = problems(mapping)
    assert "database.subnet_tier: the network has no isolated subnets (tiers: public, private); pick one of those" in lines


def test_egress_needs_a_public_tier() -> None:
    mapping = with_value("network.subnets", {"private": ["10.10.10.0/24", "10.10.11.0/24"],
                                        "isolated": ["10.10.20.0/24", "10.10.21.0/24"]})
    assert any(line.startswith("network.egress: 'instance' needs a public tier") for line in problems(mapping))


def test_adopting_a_vpc_rejects_new_vpc_settings() -> None:
    mapping = with_value("network.existing", {"vpc_id": "vpc-55522232", "subnet_ids": {"private": ["subnet-0123456789abcdef0"]}})
    assert problems(mapping)[0].startswith("network.az_count: not used when adopting a VPC")


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("database.multi_az", False, "database.multi_az: prod needs a database that survives an AZ loss; set database.multi_az: true"),
        ("database.deletion_protection", False, "database.deletion_protection: prod needs deletion protection"),
        ("database.backup_retention_days", 3, "database.backup_retention_days: prod keeps backups at least 7 days; got 3"),
        ("database.final_snapshot", False, "database.final_snapshot: prod takes a final snapshot"),
        ("network.egress", "single", "network.egress: prod needs one NAT gateway per AZ (per_az) or no egress (none); got 'single'"),
        ("cache.nodes", 1, "cache.nodes: prod needs 2+ nodes for automatic failover; got 1"),
    ],
)
def test_prod_invariants(path: str, value: Any, expected: str) -> None:
    assert any(line.startswith(expected) for line in problems(with_value(path, value, base="prod")))


def test_protection_can_be_asked_for_outside_prod_but_not_turned_off_in_prod() -> None:
    assert from_mapping(with_value("protect_stateful", True)).protect is True
    assert from_mapping(with_value("protect_stateful", False, base="prod")).protect is True


def test_all_prod_problems_are_reported_at_once() -> None:
    mapping = with_value("database.multi_az", False, base="prod")
    mapping["cache"]["nodes"] = 1
    lines = problems(mapping)
    assert [line.split(":")[0] for line in lines] == ["database.multi_az", "cache.nodes"]


def test_aurora_rules() -> None:
    aurora = {"engine": "aurora-postgresql", "engine_version": "16", "instance_class": "db.r6g.large"}
    assert problems(with_value("database", aurora))[0].startswith(
        "database.engine_version: expected a version of aurora-postgresql, 13 or later, with its minor version")
    aurora.update(engine_version="16.15", multi_az=True)
    assert problems(with_value("database", aurora))[0].startswith("database.multi_az: not used with aurora-postgresql")
    aurora.pop("multi_az")
    aurora.update(instance_class="db.serverless")
    assert problems(with_value("database", aurora))[0].startswith("database.serverless_v2: set serverless_v2 together")
    aurora.update(serverless_v2={"min_capacity": 0, "max_capacity": 4})
    assert from_mapping(with_value("database", aurora)).database.instance_class == "db.serverless"
    # 15.4 is too old to pause and deprecated besides: both are said at once.
    aurora.update(engine_version="15.4")
    assert problems(with_value("database", aurora))[0].startswith("database.engine_version: aurora-postgresql 15.4 is deprecated")
    # 14.6 is current, but pausing (0 ACU) arrived with 14.12 (AWS's Aurora Serverless v2 auto-pause notes).
    aurora.update(engine_version="14.6")
    assert problems(with_value("database", aurora)) == [
        "database.serverless_v2.min_capacity: 0 ACU (auto-pause) needs Aurora PostgreSQL 14.12 or later; got 14.6"]
    aurora.update(engine_version="16.15", master_username="app_admin")
    assert problems(with_value("database", aurora)) == [
        "database.master_username: aurora-postgresql master user names are 1-16 letters or numbers, starting with a "
        "letter; got 'app_admin'"]
    aurora.pop("master_username")
    aurora.update(log_exports=["postgresql", "upgrade"])
    assert problems(with_value("database", aurora)) == [
        "database.log_exports[1]: aurora-postgresql exports only instance, postgresql, iam-db-auth-error; got 'upgrade'"]
    aurora.pop("log_exports")
    assert from_mapping(with_value("database", aurora)).database.instance_class == "db.serverless"
    prod = with_value("database", dict(aurora, instances=1), base="prod")
    assert "database.instances: prod needs a database that survives an AZ loss; set database.instances: 2 or more" in problems(prod)


def test_default_subnet_layout_is_inside_the_vpc_and_disjoint() -> None:
    config = from_mapping(raw("prod"))
    vpc = ipaddress.ip_network(str(config.network.cidr))
    nets = [ipaddress.ip_network(c) for cidrs in config.network.subnet_cidrs().values() for c in cidrs]
    assert len(nets) == 9
    assert all(n.subnet_of(vpc) for n in nets)
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])


def test_the_last_zone_of_the_region_is_accepted() -> None:
    # Nearest passing beside the refusals of us-east-1g above: f is us-east-1's last zone.
    mapping = with_value("network", {"cidr": "10.0.0.0/16", "availability_zones": ["us-east-1e", "us-east-1f"],
                                "egress": "per_az"})
    assert from_mapping(mapping).network.availability_zones == ["us-east-1e", "us-east-1f"]


def test_portfolio_subnets_can_be_fixed_exactly() -> None:
    mapping = with_value("network", {"cidr": "10.0.0.0/16", "availability_zones": ["us-east-1a", "us-east-1b"],
                                "egress": "per_az",
                                "subnets": {"public": ["10.0.1.0/24", "10.0.2.0/24"],
                                            "private": ["10.0.10.0/24", "10.0.11.0/24"]}})
    mapping["database"]["subnet_tier"] = "private"
    mapping["cache"]["subnet_tier"] = "private"
    config = from_mapping(mapping)
    assert config.network.subnet_cidrs() == {"public": ["10.0.1.0/24", "10.0.2.0/24"],
                                             "private": ["10.0.10.0/24", "10.0.11.0/24"], "isolated": []}


@pytest.mark.parametrize(
    ("daily", "weekly", "overlap"),
    [("03:00-04:00", "mon:04:00-mon:05:00", False), ("03:00-04:00", "mon:03:30-mon:04:30", True),
     ("23:30-00:30", "tue:00:00-tue:01:00", True), ("01:00-02:00", "sun:23:00-mon:00:30", False),
     ("00:00-01:00", "sun:23:00-mon:00:30", True)],
)
def test_window_overlap(daily: str, weekly: str, overlap: bool) -> None:
    assert _settings.windows_overlap(daily, weekly) is overlap


# -- property: no invalid config gets past validation as anything but a ConfigError --------------

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["10.0.0.0/33", "db.t4g.micro", "per_az", "16.4", "-1", ""]),
    st.lists(st.integers(0, 5), max_size=3), st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


@st.composite
def mutated_configs(draw: st.DrawFn) -> dict[str, Any]:
    """A committed stack's config with one key replaced, removed or misspelt anywhere in the tree."""
    mapping = raw(draw(st.sampled_from(["dev", "prod"])))
    node: Any = mapping
    while True:
        keys = sorted(node)
        key = draw(st.sampled_from(keys))
        if isinstance(node[key], dict) and node[key] and draw(st.booleans()):
            node = node[key]
            continue
        action = draw(st.sampled_from(["replace", "delete", "misspell"]))
        if action == "replace":
            node[key] = draw(_JUNK)
        elif action == "delete":
            del node[key]
        else:
            node[key + draw(st.sampled_from(["s", "_", "x"]))] = node.pop(key)
        return mapping


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_any_config_either_validates_or_fails_with_one_clear_message(mapping: dict[str, Any]) -> None:
    try:
        config = from_mapping(mapping, "Pulumi.fuzz.yaml")
    except ConfigError as exc:
        lines = str(exc).splitlines()
        assert lines[0] == "invalid stack config in Pulumi.fuzz.yaml:"
        for line in lines[1:]:
            key, _, problem = line.removeprefix("  - ").partition(": ")
            assert key.split(".")[0].split("[")[0] in stack_config.StackConfig.model_fields or "unknown key" in problem
            assert problem, line
        assert "Traceback" not in str(exc)
        return
    # What validates keeps the invariants the components rely on.
    if config.env == "prod":
        assert config.protect
        assert config.database is None or (config.database.highly_available and config.database.deletion_protection)
    if config.network.existing is None:
        vpc = config.network.cidr
        assert vpc is not None
        for cidrs in config.network.subnet_cidrs().values():
            assert all(ipaddress.ip_network(c).subnet_of(vpc) for c in cidrs)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_invalid_config_never_reaches_a_component(mapping: dict[str, Any]) -> None:
    overrides: dict[str, Any] = dict.fromkeys(("network", "database", "cache", "tags", "env", "protect_stateful"))
    overrides.update({k: (v if isinstance(v, str) else json.dumps(v)) for k, v in mapping.items() if k != "region"})
    overrides["aws:region"] = mapping.get("region", "us-east-1")
    monitor = RecordingMonitor()
    try:
        run_program("dev", overrides=overrides, monitor=monitor)
    except ConfigError:
        assert monitor.registered == {}, "a resource was declared before the config was rejected"
        return
    assert any(r.type == "platform:components:Network" for r in monitor.records())


# -- layers: one stack, or a data stack and an app stack -----------------------------------------

SEMIONT_DATA = Path("examples/Pulumi.semiont.yaml")
SEMIONT_APP = Path("examples/Pulumi.semiont-app.yaml")


def test_the_two_semiont_stacks_split_the_sections_between_them() -> None:
    data, app = load_config(SEMIONT_DATA), load_config(SEMIONT_APP)
    assert (data.layer, app.layer) == ("data", "app")
    assert data.network is not None and data.database is not None and not data.services
    assert app.network is None and app.database is None and set(app.services) == {"frontend", "backend"}


@pytest.mark.parametrize(
    ("ref", "change", "expected"),
    [
        (SEMIONT_DATA, lambda m: m.update(services={}),
         "services: belongs to the app layer; move it to the app stack (layer: app) or set layer: all"),
        (SEMIONT_DATA, lambda m: m.update(edge={"load_balancer": "main"}), "edge: belongs to the app layer"),
        (SEMIONT_DATA, lambda m: m.update(data_stack={"name": "semiont"}),
         "data_stack: only an app-layer stack reads a data stack"),
        (SEMIONT_DATA, lambda m: m.pop("network"), "network: required key is missing"),
        (SEMIONT_APP, lambda m: m.update(database=raw(SEMIONT_DATA)["database"]),
         "database: belongs to the data layer, which an app deploy never touches"),
        (SEMIONT_APP, lambda m: m.update(network={"cidr": "10.0.0.0/16"}), "network: belongs to the data layer"),
        (SEMIONT_APP, lambda m: m.update(backup={"resources": ["database"]}),
         "backup: backups protect the data layer's resources; configure them in the data stack"),
        (SEMIONT_APP, lambda m: m.pop("data_stack"), "data_stack: required with layer: app"),
        (SEMIONT_APP, lambda m: m.update(data_stack={**m["data_stack"], "secrets": ["oauth"]}),
         "services.backend.secrets.JWT_SECRET.secret: 'jwt-secret' is not in platform:secrets (oauth)"),
        (SEMIONT_APP, lambda m: m.update(data_stack={**m["data_stack"], "database": False}),
         "services.backend.connects_to: 'database' needs platform:database"),
        (SEMIONT_APP, lambda m: m.update(data_stack={**m["data_stack"], "access_points": []}),
         "services.backend.volumes[0].access_point: 'uploads' is not in file_system.access_points (none)"),
        (SEMIONT_APP, lambda m: m.update(data_stack={**m["data_stack"], "tiers": ["private", "isolated"]}),
         "load_balancers.main.scheme: internet-facing needs public subnets"),
        (SEMIONT_APP, lambda m: m.update(data_stack={**m["data_stack"], "name": "a/b/c/d"}),
         "data_stack.name: expected a stack name such as semiont-data"),
        (SEMIONT_APP, lambda m: m.update(layer="apps"), "layer: expected 'all', 'data' or 'app'"),
    ],
)
def test_layer_mistakes_name_the_key_and_the_fix(ref: Path, change, expected: str) -> None:
    mapping = raw(ref)
    change(mapping)
    assert any(line.startswith(expected) for line in problems(mapping)), problems(mapping)


def test_a_node_group_names_at_least_one_instance_type() -> None:
    # Found by `./run same-graph`'s broken variants: an empty list was a traceback (IndexError), not a message.
    mapping = on_eks(raw("dev"))
    mapping["cluster"]["eks"]["node_group"]["instance_types"] = []
    assert [p for p in problems(mapping) if p.startswith("cluster.eks.node_group.instance_types:")]
    mapping["cluster"]["eks"]["node_group"]["instance_types"] = ["m7g.large"]
    assert from_mapping(mapping).cluster.eks_settings.node_group.architecture == "arm64"


# -- AWS's data in the config (components/aws_data.py) ---------------------------------------------------


@pytest.mark.parametrize(("version", "extended", "today", "problem"), [
    ("1.35", False, date(2026, 11, 30), None),
    ("1.34", False, date(2026, 12, 2), None),  # the last day of standard support
    ("1.34", False, date(2026, 12, 3), "cluster.eks.version: Kubernetes 1.34 left standard support on 2026-12-02"),
    ("1.34", True, date(2026, 12, 3), None),  # extended support, chosen and paid for
    ("1.34", True, date(2027, 12, 2), None),  # the last day of extended support
    ("1.34", True, date(2027, 12, 3), "cluster.eks.version: Kubernetes 1.34 left EKS extended support on 2027-12-02"),
    ("1.20", False, date(2026, 11, 30), "cluster.eks.version: EKS offers 1.29"),
    ("1.40", False, date(2026, 11, 30), None),  # newer than the calendar: accepted, the preflight advises
])
def test_eks_versions_follow_the_calendar(monkeypatch, version: str, extended: bool, today: date,
                                          problem: str | None) -> None:
    monkeypatch.setattr(_settings, "today", lambda: today)
    mapping = on_eks(raw("dev"))
    mapping["cluster"]["eks"].update(version=version, extended_support=extended)
    if problem is None:
        config = from_mapping(mapping)
        assert config.cluster.eks_settings.support_type == ("EXTENDED" if extended else "STANDARD")
    else:
        assert any(line.startswith(problem) for line in problems(mapping)), problems(mapping)


def test_every_load_balancer_the_edge_does_not_serve_has_a_covered_name() -> None:
    pavi = raw(PROJECT_DIR / "examples" / "Pulumi.pavi.yaml")
    config = from_mapping(pavi)
    assert "api.pavi.alliancegenome.org" in config.certificate_names()
    pavi["load_balancers"]["api-lb"].pop("hostname")
    assert problems(pavi) == [
        "load_balancers.api-lb.hostname: HTTPS works only under a name the certificate covers, and no DNS name points "
        "at this load balancer (platform:edge serves 'webui-lb'); give it one, e.g. hostname: api"]


def test_a_called_service_publishes_its_own_name_unless_it_names_another() -> None:
    pavi = from_mapping(raw(PROJECT_DIR / "examples" / "Pulumi.pavi.yaml"))
    assert pavi.discovery_name_of("api") == "api"  # the web UI calls http://api:8000
    assert pavi.discovery_name_of("webui") is None  # nobody calls it by name
    allthrive = from_mapping(raw(PROJECT_DIR / "examples" / "Pulumi.allthrive.yaml"))
    assert allthrive.discovery_name_of("weaviate") == "weaviate"


@pytest.mark.parametrize(("stack", "env", "ok"), [("prod", "prod", True), ("prod", "dev", False),
                                                  ("staging", "prod", False), ("portfolio-prod", "prod", True),
                                                  ("qa-eu", "dev", True)])
def test_a_stack_named_like_an_environment_runs_that_environment(stack: str, env: str, ok: bool) -> None:
    mapping = raw("prod")
    mapping["env"] = env
    if env != "prod":  # dev and staging relax prod's invariants: keep the mapping valid otherwise
        mapping.pop("backup", None)
    if ok:
        assert from_mapping(mapping, stack=stack).env == env
    else:
        with pytest.raises(ConfigError, match=f"env: stack '{stack}' must set env: {stack}"):
            from_mapping(mapping, stack=stack)


def test_all_problems_of_one_section_are_reported_at_once() -> None:
    # Before, a section's checks stopped at the first problem: one fix, one run, one more problem.
    mapping = with_value("database", dict(SMALL_RDS, engine_version="16.4", master_username="rdsadmin", db_name="select",
                                     log_exports=["instance"], maintenance_window="mon:03:30-mon:04:30"))
    keys = [line.split(":")[0] for line in problems(mapping)]
    assert keys == ["database.engine_version", "database.master_username", "database.db_name",
                    "database.log_exports[0]", "database.maintenance_window"]
