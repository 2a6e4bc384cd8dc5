"""The typed stack config: committed stacks validate, bad input fails early and clearly."""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stack_config
from components import _settings
from stack_config import ConfigError, from_mapping
from tests.conftest import EXAMPLE_FILES, FIXTURE_DEV, FIXTURE_PROD, STACK_FILES, container_of
from tools.harness import PROJECT_DIR, RecordingMonitor, load_config, load_stack_config, run_program


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


# -- the issue's examples of bad input ------------------------------------------------------------


# Dev runs Aurora Serverless v2; the RDS cases start from a small RDS instance instead.
_RDS = {"engine": "postgres", "engine_version": "16.15", "instance_class": "db.t4g.micro", "allocated_storage_gb": 20,
        "max_allocated_storage_gb": 50, "backup_retention_days": 1, "deletion_protection": False,
        "final_snapshot": False, "monitoring_interval": 0}


def _with(path: str, value: Any, base: str = "dev") -> dict[str, Any]:
    mapping = raw(base)
    if path.startswith("database.") and base == "dev":
        mapping["database"] = dict(_RDS)
    *parents, leaf = path.split(".")
    node = mapping
    for part in parents:
        node = node.setdefault(part, {})
    if value is _DELETE:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return mapping


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("network.cidr", "10.0.0.0/33", "network.cidr: expected an IPv4 network in CIDR notation"),
        ("network.cidr", "10.0.0.1/16", "no host bits set"),
        ("network.cidr", "10.0.0.0/8", "network.cidr: VPC prefix must be /16 to /24; got /8"),
        ("network.cidrr", "10.0.0.0/16", "network.cidrr: unknown key. Did you mean 'cidr'?"),
        ("network.egress", "nat", "network.egress: expected 'none', 'single', 'per_az' or 'instance'; got 'nat'"),
        ("network.az_count", 4, "network.az_count: expected less than or equal to 3; got 4"),
        ("network.availability_zones", ["eu-west-1a", "eu-west-1b"], "network.availability_zones: eu-west-1a is not in region us-east-1; its zones are us-east-1a to us-east-1f"),
        # us-east-1's last zone is f (cfn-lint's table): f is the nearest passing letter, g the nearest failing.
        ("network.availability_zones", ["us-east-1a", "us-east-1g"], "network.availability_zones: us-east-1 has no zone us-east-1g (its zones are us-east-1a to us-east-1f); pick one of those"),
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
        ("cache.engine_version", "9.0", "cache.engine_version: expected one of 7.2, 8.0, 8.1, 8.2 for valkey (ElastiCache's API names no parameter group family for it)"),
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
        ("network", _DELETE, "network: required key is missing"),
    ],
)
def test_bad_input_names_the_key_what_was_expected_and_what_was_given(path: str, value: Any, expected: str) -> None:
    lines = problems(_with(path, value))
    assert any(expected in line for line in lines), lines


# -- web tier --------------------------------------------------------------------------------------


def _service(mapping: dict[str, Any], name: str) -> dict[str, Any]:
    return mapping["services"][name]


def test_a_path_rule_priority_used_twice_is_rejected() -> None:
    mapping = raw("dev")
    _service(mapping, "api")["routes"] = [{"paths": ["/api/*"], "priority": 10}]
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
    _service(mapping, "api").update(cpu=cpu, memory=memory)
    assert problems(mapping) == [expected]


def test_an_internal_load_balancer_cannot_sit_behind_cloudfront() -> None:
    mapping = raw("dev")
    mapping["load_balancers"]["main"]["scheme"] = "internal"
    assert problems(mapping) == [
        "edge.cloudfront: load balancer 'main' is internal and CloudFront reaches only public origins here "
        "(no VPC origin); make it internet-facing or set cloudfront: false"]


def test_a_health_check_path_must_start_with_a_slash() -> None:
    mapping = raw("dev")
    _service(mapping, "api")["health_check"]["path"] = "api/health"
    assert problems(mapping) == ["services.api.health_check.path: must start with /; got 'api/health'"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: _service(m, "api")["image"].update(repository="search"),
         "services.api.image.repository: 'search' is not in registry.repositories (api, frontend, worker); add it there or use image.uri"),
        (lambda m: _service(m, "api")["image"].pop("tag"),
         "services.api.image.tag: required with repository 'api' (immutable tags: no `latest`)"),
        (lambda m: _service(m, "api")["secrets"].update(X={"secret": "stripe"}),
         "services.api.secrets.X.secret: 'stripe' is not in platform:secrets (jwt-signing-key, oauth)"),
        (lambda m: _service(m, "api")["secrets"].update(X={"secret": "database", "key": "host"}),
         "services.api.secrets.X.key: the database secret holds username and password; got 'host'"),
        (lambda m: _service(m, "api").update(connects_to=["database", "search"]),
         "services.api.connects_to: 'search' is not database, cache or another service"),
        (lambda m: _service(m, "api").update(load_balancer="public"),
         "services.api.load_balancer: no load balancer 'public' in platform:load_balancers (main)"),
        (lambda m: _service(m, "api").update(default_route=True),
         "services.api.default_route: load balancer 'main' already sends its default to frontend"),
        (lambda m: _service(m, "api").update(desired_count=5),
         "services.api.desired_count: must lie within scaling.min..max (1..2); got 5"),
        (lambda m: _service(m, "api")["scaling"].update(min=3),
         "services.api.scaling.max: must be >= min (3); got 2"),
        (lambda m: [(_service(m, s).update(load_balancer=None, routes=[], default_route=False),
                     _service(m, s).pop("health_check", None)) for s in ("api", "frontend")],
         "load_balancers.main: no service uses it"),
        # A service no load balancer checks has no health check to set (it would be silently ignored).
        (lambda m: _service(m, "api").update(load_balancer=None, routes=[], default_route=False),
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


def _eks(mapping: dict[str, Any]) -> dict[str, Any]:
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
    mapping = _eks(raw("dev"))
    mapping["services"]["api"]["release_task"] = {"command": ["migrate"]}
    assert any(p.startswith("services.api.release_task: release tasks run on ECS only") for p in problems(mapping))


def test_the_dev_stack_switches_to_eks_with_only_the_runtime_settings() -> None:
    assert from_mapping(_eks(raw("dev"))).cluster.runtime == "eks"


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
    mapping = _eks(raw("dev"))
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
    mapping = _with("network.subnets", {"public": ["10.10.1.0/24", "10.99.2.0/24"],
                                        "private": ["10.10.10.0/24", "10.10.11.0/24"]})
    assert problems(mapping) == ["network.subnets.public[1]: 10.99.2.0/24 is outside the VPC CIDR 10.10.0.0/16"]


def test_overlapping_subnets_are_rejected() -> None:
    mapping = _with("network.subnets", {"public": ["10.10.1.0/24", "10.10.2.0/24"],
                                        "private": ["10.10.0.0/23", "10.10.11.0/24"]})
    mapping["database"]["subnet_tier"] = "private"
    mapping["cache"]["subnet_tier"] = "private"
    assert problems(mapping) == ["network.subnets.private[0]: 10.10.0.0/23 overlaps subnets.public[0] (10.10.1.0/24)"]


def test_a_tier_the_network_lacks_cannot_host_the_database() -> None:
    mapping = _with("network.subnets", {"public": ["10.10.1.0/24", "10.10.2.0/24"],
                                        "private": ["10.10.10.0/24", "10.10.11.0/24"]})
    lines = problems(mapping)
    assert "database.subnet_tier: the network has no isolated subnets (tiers: public, private); pick one of those" in lines


def test_egress_needs_a_public_tier() -> None:
    mapping = _with("network.subnets", {"private": ["10.10.10.0/24", "10.10.11.0/24"],
                                        "isolated": ["10.10.20.0/24", "10.10.21.0/24"]})
    assert any(line.startswith("network.egress: 'instance' needs a public tier") for line in problems(mapping))


def test_adopting_a_vpc_rejects_new_vpc_settings() -> None:
    mapping = _with("network.existing", {"vpc_id": "vpc-55522232", "subnet_ids": {"private": ["subnet-0123456789abcdef0"]}})
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
    assert any(line.startswith(expected) for line in problems(_with(path, value, base="prod")))


def test_protection_can_be_asked_for_outside_prod_but_not_turned_off_in_prod() -> None:
    assert from_mapping(_with("protect_stateful", True)).protect is True
    assert from_mapping(_with("protect_stateful", False, base="prod")).protect is True


def test_all_prod_problems_are_reported_at_once() -> None:
    mapping = _with("database.multi_az", False, base="prod")
    mapping["cache"]["nodes"] = 1
    lines = problems(mapping)
    assert [line.split(":")[0] for line in lines] == ["database.multi_az", "cache.nodes"]


def test_aurora_rules() -> None:
    aurora = {"engine": "aurora-postgresql", "engine_version": "16", "instance_class": "db.r6g.large"}
    assert problems(_with("database", aurora))[0].startswith(
        "database.engine_version: expected a version of aurora-postgresql, 13 or later, with its minor version")
    aurora.update(engine_version="16.15", multi_az=True)
    assert problems(_with("database", aurora))[0].startswith("database.multi_az: not used with aurora-postgresql")
    aurora.pop("multi_az")
    aurora.update(instance_class="db.serverless")
    assert problems(_with("database", aurora))[0].startswith("database.serverless_v2: set serverless_v2 together")
    aurora.update(serverless_v2={"min_capacity": 0, "max_capacity": 4})
    assert from_mapping(_with("database", aurora)).database.instance_class == "db.serverless"
    # 15.4 is too old to pause and deprecated besides: both are said at once.
    aurora.update(engine_version="15.4")
    assert problems(_with("database", aurora))[0].startswith("database.engine_version: aurora-postgresql 15.4 is deprecated")
    # 14.6 is current, but pausing (0 ACU) arrived with 14.12 (AWS's Aurora Serverless v2 auto-pause notes).
    aurora.update(engine_version="14.6")
    assert problems(_with("database", aurora)) == [
        "database.serverless_v2.min_capacity: 0 ACU (auto-pause) needs Aurora PostgreSQL 14.12 or later; got 14.6"]
    aurora.update(engine_version="16.15", master_username="app_admin")
    assert problems(_with("database", aurora)) == [
        "database.master_username: aurora-postgresql master user names are 1-16 letters or numbers, starting with a "
        "letter; got 'app_admin'"]
    aurora.pop("master_username")
    aurora.update(log_exports=["postgresql", "upgrade"])
    assert problems(_with("database", aurora)) == [
        "database.log_exports[1]: aurora-postgresql exports only instance, postgresql, iam-db-auth-error; got 'upgrade'"]
    aurora.pop("log_exports")
    assert from_mapping(_with("database", aurora)).database.instance_class == "db.serverless"
    prod = _with("database", dict(aurora, instances=1), base="prod")
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
    mapping = _with("network", {"cidr": "10.0.0.0/16", "availability_zones": ["us-east-1e", "us-east-1f"],
                                "egress": "per_az"})
    assert from_mapping(mapping).network.availability_zones == ["us-east-1e", "us-east-1f"]


def test_portfolio_subnets_can_be_fixed_exactly() -> None:
    mapping = _with("network", {"cidr": "10.0.0.0/16", "availability_zones": ["us-east-1a", "us-east-1b"],
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
    overrides: dict[str, Any] = {key: None for key in ("network", "database", "cache", "tags", "env", "protect_stateful")}
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
    mapping = _eks(raw("dev"))
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
    mapping = _eks(raw("dev"))
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
    mapping = _with("database", dict(_RDS, engine_version="16.4", master_username="rdsadmin", db_name="select",
                                     log_exports=["instance"], maintenance_window="mon:03:30-mon:04:30"))
    keys = [line.split(":")[0] for line in problems(mapping)]
    assert keys == ["database.engine_version", "database.master_username", "database.db_name",
                    "database.log_exports[0]", "database.maintenance_window"]


# -- policy waivers (platform:policy_waivers) -------------------------------------------------------------


def _waiver(**changes) -> dict[str, Any]:
    return {"rule": "alb-access-logs", "resource": "app-main", "reason": "logs reach the WAF log group meanwhile",
            "owner": "platform-team", "expires": "2027-01-31", **changes}


@pytest.mark.parametrize(("changes", "problem"), [
    ({}, None),
    ({"expires": "2027-12-01"}, None),  # 366 days after 2026-11-30: the longest a waiver may run
    ({"expires": "2027-12-02"}, "policy_waivers[0].expires: at most 366 days ahead (2027-12-01)"),
    ({"expires": "soon"}, "policy_waivers[0].expires:"),
    ({"owner": None}, "policy_waivers[0].owner:"),
    ({"reason": "because"}, "policy_waivers[0].reason:"),
    ({"rule": "ALB access logs"}, "policy_waivers[0].rule: expected a policy rule name such as alb-access-logs"),
    ({"expiry": "2027-01-31"}, "policy_waivers[0].expiry: unknown key. Did you mean 'expires'?"),
])
def test_a_waiver_has_a_rule_a_resource_a_reason_an_owner_and_a_near_expiry(monkeypatch, changes, problem) -> None:
    monkeypatch.setattr(_settings, "today", lambda: date(2026, 11, 30))
    mapping = raw("dev")
    mapping["policy_waivers"] = [{k: v for k, v in _waiver(**changes).items() if v is not None}]
    if problem is None:
        assert from_mapping(mapping).policy_waivers[0].owner == "platform-team"
    else:
        assert any(p.startswith(problem) for p in problems(mapping)), problems(mapping)


# -- acknowledged replacements (platform:acknowledged_replacements, read by ./run diff) ----------------------


@pytest.mark.parametrize(("entry", "problem"), [
    ({"resource": "db-instance", "reason": "snapshot taken"}, None),
    ({"resource": "db-instance", "reason": "ten chars!"}, None),  # the shortest reason accepted
    ({"resource": "db-instance", "reason": "nine char"}, "acknowledged_replacements[0].reason:"),
    ({"resource": "db-instance"}, "acknowledged_replacements[0].reason:"),
    ({"resource": "", "reason": "snapshot taken"}, "acknowledged_replacements[0].resource:"),
    ({"resource": "db-instance", "reasons": "snapshot taken"}, "acknowledged_replacements[0].reasons: unknown key"),
])
def test_an_acknowledged_replacement_names_the_resource_and_why(entry, problem) -> None:
    mapping = raw("prod")
    mapping["acknowledged_replacements"] = [entry]
    if problem is None:
        assert from_mapping(mapping).acknowledged_replacements[0].resource == "db-instance"
    else:
        assert any(p.startswith(problem) for p in problems(mapping)), problems(mapping)


# -- web ACLs of load balancers (issue 21) ------------------------------------------------------------------------

def test_the_edges_own_load_balancer_is_guarded_by_edge_waf_only() -> None:
    config = raw("prod")
    config["load_balancers"]["main"]["waf"] = {"managed_rules": ["common"]}
    assert problems(config) == ["load_balancers.main.waf: the edge serves this load balancer and edge.waf guards "
                                "it; remove this (change edge.waf instead)"]


@pytest.mark.parametrize(("scheme", "waf", "carried"), [
    ("internet-facing", None, "edge"),                       # unset: shares the stack's rules
    ("internet-facing", {"managed_rules": ["sqli"]}, "own"),  # its own
    ("internal", None, None),                                # internal: none asked
    ("internal", {"managed_rules": ["common"]}, "own"),      # but one may be given
])
def test_each_other_load_balancer_carries_the_stacks_rules_its_own_or_none(scheme, waf, carried) -> None:
    config = raw("prod")
    config["load_balancers"]["other"] = {"scheme": scheme, "hostname": "other", **({"waf": waf} if waf else {})}
    config["services"]["admin"] = {"image": {"uri": "example/other:1"}, "cpu": 256, "memory": 512, "port": 8080,
                                   "load_balancer": "other", "default_route": True}
    loaded = from_mapping(config)
    found = loaded.load_balancer_waf("other")
    assert (found if found in (None, "edge") else "own") == carried
    if carried == "own":
        assert found.managed_rules == waf["managed_rules"]
    assert loaded.load_balancer_waf("main") is None  # the edge's: edge.waf, through the edge


# -- inject: references a service may use (issue 21) ---------------------------------------------------------------

@pytest.mark.parametrize(("service", "template", "problem"), [
    ("api", "{database.host}", None),
    ("frontend", "{database.host}", "{database.host} is of no use without a connection; add database to connects_to"),
    ("api", "rediss://{cache.host}:{cache.port}", None),
    ("frontend", "{cache.url}", "{cache.url} is of no use without a connection; add cache to connects_to"),
    ("api", "{pipeline.uploads_bucket}", None),
    ("frontend", "{pipeline.results_bucket}", "needs rights on the pipeline; set pipeline"),
    ("api", "{buckets.media.name}", "{buckets.media.name} names a bucket the service has no rights on; add media"),
    ("api", "{volumes.data.path}", "names an access point the service does not mount"),
    ("frontend", "{services.api.url}", "{services.api.url} names a service it does not connect to; add api"),
    ("api", "{queues.jobs.url}", "{queues.jobs.url} names a queue the service has no rights on; add jobs to its queues"),
    ("api", "{secrets.nope}", "{secrets.nope} is not in platform:secrets (jwt-signing-key, oauth)"),
    ("api", "{secrets.oauth.CLIENT_ID}", None),                       # alone: injected from the secret itself
    ("api", "id={secrets.oauth.CLIENT_ID}", "is put by operators, so the platform cannot compose it"),
    ("api", "Bearer {secrets.jwt-signing-key}", None),                # generated: the program knows its value
    ("api", "{secrets.jwt-signing-key.k}", "a generated secret is one string without JSON keys"),
    ("api", "{edge.url}/callback", None),
    ("api", "{domain.name}", None),
])
def test_an_injected_reference_must_point_at_something_the_service_has(service, template, problem) -> None:
    config = raw("dev")
    config["services"][service]["inject"] = {"VALUE": template}
    if problem is None:
        assert from_mapping(config).services[service].inject == {"VALUE": template}
    else:
        (line,) = problems(config)
        assert line.startswith(f"services.{service}.inject.VALUE: ") and problem in line


def test_a_peer_is_injected_by_the_name_and_port_it_publishes(stack) -> None:
    config = raw("dev")
    config["services"]["frontend"]["connects_to"] = ["api"]
    config["services"]["frontend"]["inject"] = {"API_URL": "{services.api.url}"}
    assert from_mapping(config).services["frontend"].inject["API_URL"] == "{services.api.url}"
    mon = run_program(FIXTURE_DEV, overrides={"services": config["services"]})
    container = container_of(mon, "app-frontend")
    assert {"name": "API_URL", "value": "http://api:8000"} in container["environment"]


def test_without_an_edge_its_url_cannot_be_injected() -> None:
    config = raw("dev")
    config["services"]["api"]["inject"] = {"SITE": "{edge.url}"}
    del config["edge"]
    assert "services.api.inject.SITE: {edge.url} needs platform:edge" in problems(config)


# -- queues (issue 21) -------------------------------------------------------------------------------------------------

def _with_worker(**worker) -> dict:
    config = raw("dev")
    config["queues"] = {"jobs": {}}
    config["services"]["worker"] = {"image": {"repository": "worker", "tag": "v1.0.0"}, "cpu": 256, "memory": 512,
                                    "queues": {"jobs": "receive"}, **worker}
    return config


def test_a_service_uses_only_queues_the_stack_has() -> None:
    config = _with_worker()
    assert from_mapping(config).services["worker"].queues == {"jobs": "receive"}
    config["services"]["worker"]["queues"] = {"jbos": "receive"}
    assert problems(config) == ["services.worker.queues: 'jbos' is not in platform:queues (jobs)"]


def test_on_eks_backlog_scaling_is_refused_naming_the_alternative() -> None:
    config = raw(PROJECT_DIR / "examples" / "Pulumi.bioinformatics.yaml")
    config["queues"] = {"jobs": {}}
    config["services"]["api"]["queues"] = {"jobs": "receive"}
    config["services"]["api"]["scaling"] = {**config["services"]["api"].get("scaling", {}), "backlog_per_task": 10}
    lines = problems(config)
    assert any(line.startswith("services.api.scaling.backlog_per_task: queue-backlog scaling is ECS-only") and "KEDA" in line
               for line in lines), lines
    del config["services"]["api"]["scaling"]["backlog_per_task"]
    assert from_mapping(config).services["api"].queues == {"jobs": "receive"}  # sending and receiving work on EKS


def test_a_worker_gets_its_queues_url_and_may_use_it(stack) -> None:
    config = _with_worker(scaling={"min": 1, "max": 3, "cpu_target": None, "backlog_per_task": 20})
    mon = run_program(FIXTURE_DEV, overrides={"services": config["services"], "queues": config["queues"]})
    queue = mon.one("aws:sqs/queue:Queue", "queues-jobs")
    container = container_of(mon, "app-worker")
    assert {"name": "QUEUE_JOBS_URL", "value": queue.outputs["url"]} in container["environment"]
    grant = mon.one("aws:iam/rolePolicy:RolePolicy", "queues-grant-worker").inputs
    assert grant["role"] == mon.one("aws:iam/role:Role", "app-worker-task").outputs["name"]
    alarm = mon.one("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-jobs-dead-letters").inputs
    assert alarm["dimensions"] == {"QueueName": mon.one("aws:sqs/queue:Queue", "queues-jobs-dead-letters").outputs["name"]}


def test_on_eks_a_scheduled_task_is_refused_naming_the_cronjob() -> None:
    config = raw(PROJECT_DIR / "examples" / "Pulumi.bioinformatics.yaml")
    config["services"]["nightly"] = {"image": {"uri": "example/job:1"}, "cpu": 256, "memory": 512,
                                     "architecture": config["services"]["api"].get("architecture", "arm64"),
                                     "schedule": {"expression": "cron(0 3 * * ? *)"}}
    assert problems(config) == ["services.nightly.schedule: scheduled tasks run on ECS only; on EKS run the image as a "
                                "Kubernetes CronJob of your own (concurrencyPolicy: Forbid keeps runs from overlapping)"]


def test_a_scheduled_tasks_failures_and_lost_starts_alarm() -> None:
    config = raw("dev")
    config["services"]["nightly"] = {"image": {"repository": "api", "tag": "v1.0.0"}, "cpu": 256, "memory": 512,
                                     "schedule": {"expression": "rate(1 day)"}}
    mon = run_program(FIXTURE_DEV, overrides={"services": config["services"]})
    machine = mon.one("aws:sfn/stateMachine:StateMachine", "app-nightly-schedule-machine").outputs["arn"]
    failed = mon.one("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-nightly-schedule-failed").inputs
    assert (failed["metricName"], failed["dimensions"]) == ("ExecutionsFailed", {"StateMachineArn": machine})
    lost = mon.one("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-nightly-schedule-dead-letters").inputs
    assert lost["dimensions"] == {"QueueName": mon.one("aws:sqs/queue:Queue", "app-nightly-schedule-dead-letters").outputs["name"]}
    # Neither CPU nor memory alarms: nothing runs between runs.
    assert not [a for a in mon.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name == "monitoring-nightly-cpu"]


# -- a lean dev without NAT (issue 21) ---------------------------------------------------------------------------------

def test_public_tasks_are_refused_in_prod_and_on_eks() -> None:
    config = raw("prod")
    config["cluster"] = {**config.get("cluster", {}), "task_subnets": "public"}
    assert "cluster.task_subnets: prod tasks run in private subnets (no public IP on a workload); set private, with " \
           "NAT gateways per AZ or interface endpoints" in problems(config)
    eks = raw(PROJECT_DIR / "examples" / "Pulumi.bioinformatics.yaml")
    eks["cluster"] = {**eks["cluster"], "task_subnets": "public"}
    assert any(line.startswith("cluster.task_subnets: public tasks are an ECS option") for line in problems(eks))


@pytest.mark.parametrize(("network", "pipeline", "problem"), [
    ({"egress": "none"}, False, None),
    ({"egress": "instance"}, True, None),                                       # the NAT serves the jobs
    ({"egress": "none", "interface_endpoints": ["ecr.api", "ecr.dkr", "logs"]}, True, None),
    ({"egress": "none"}, True, "network.egress: the pipeline's jobs run in private subnets"),
])
def test_a_dev_without_nat_keeps_a_way_out_for_the_pipeline(network, pipeline, problem) -> None:
    config = raw("dev")
    config["cluster"] = {**config.get("cluster", {}), "task_subnets": "public"}
    config["network"] = {**config["network"], **network}
    if not pipeline:
        del config["pipeline"]
        config["services"]["api"].pop("pipeline")
    if problem is None:
        assert from_mapping(config).cluster.task_subnets == "public"
    else:
        assert any(line.startswith(problem) for line in problems(config))


def test_public_tasks_run_in_the_public_subnets_with_public_ips_and_admit_only_their_load_balancer() -> None:
    config = raw("dev")
    config["cluster"] = {**config.get("cluster", {}), "task_subnets": "public"}
    config["network"] = {**config["network"], "egress": "none"}
    del config["pipeline"]
    config["services"]["api"].pop("pipeline")
    config["services"]["nightly"] = {"image": {"repository": "api", "tag": "v1.0.0"}, "cpu": 256, "memory": 512,
                                     "schedule": {"expression": "rate(1 day)"}}
    mon = run_program(FIXTURE_DEV, overrides={"cluster": config["cluster"], "network": config["network"],
                                             "pipeline": None, "services": config["services"]})
    public = {s.outputs["id"] for s in mon.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"].get("tier") == "public"}
    for name in ("app-api", "app-frontend"):
        network = mon.one("aws:ecs/service:Service", name).inputs["networkConfiguration"]
        assert network["assignPublicIp"] is True and set(network["subnets"]) == public
        group = mon.one("aws:ec2/securityGroup:SecurityGroup", name).outputs["id"]
        ingress = [r.inputs for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                   if r.inputs["securityGroupId"] == group]
        lb_group = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-main").outputs["id"]
        assert ingress and all(r.get("referencedSecurityGroupId") == lb_group and "cidrIpv4" not in r for r in ingress)
    run = json.loads(mon.one("aws:sfn/stateMachine:StateMachine", "app-nightly-schedule-machine").inputs["definition"])
    vpc = run["States"]["Run"]["Arguments"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert vpc["AssignPublicIp"] == "ENABLED" and set(vpc["Subnets"]) == public
    assert mon.of_type("aws:ec2/natGateway:NatGateway") == [] and mon.of_type("aws:ec2/instance:Instance") == []


# -- records written by hand (issue 22) ------------------------------------------------------------------------------

@pytest.mark.parametrize(("record", "problem"), [
    ({"name": "", "type": "A", "values": ["192.0.2.1"]}, "(the name itself) already points at the site"),
    ({"name": "origin", "type": "CNAME", "values": ["x.example.net"]}, "origin already points at the site"),
    ({"name": "", "type": "MX", "values": ["10 mail.example.net"]}, None),   # mail beside the site's aliases
    ({"name": "api", "type": "A", "values": ["192.0.2.1"]}, None),          # a name the stack does not use
])
def test_a_hand_written_record_never_replaces_the_sites_aliases(record, problem) -> None:
    config = raw("dev")
    config["domain"] = {**config["domain"], "records": [record]}
    if problem is None:
        assert from_mapping(config).domain.records[0].type == record["type"]
    else:
        (line,) = problems(config)
        assert line.startswith("domain.records[0]: ") and problem in line


# -- secrets outside the stack (issue 22) ----------------------------------------------------------------------------

EXTERNAL_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/stripe-AbCdEf"
EXTERNAL_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


@pytest.mark.parametrize(("ref", "problem"), [
    ({"arn": EXTERNAL_SECRET, "kms_key_arn": EXTERNAL_KEY}, None),
    ({"arn": EXTERNAL_SECRET}, None),                                             # the AWS-managed key
    ({"secret": "oauth", "kms_key_arn": EXTERNAL_KEY}, "kms_key_arn: only with arn"),
    ({"arn": EXTERNAL_SECRET, "kms_key_arn": "alias/stripe"}, "kms_key_arn: expected a KMS key ARN"),
])
def test_a_secret_outside_the_stack_may_name_its_key(ref, problem) -> None:
    config = raw("dev")
    config["services"]["api"]["secrets"] = {**config["services"]["api"]["secrets"], "STRIPE_KEY": ref}
    if problem is None:
        assert from_mapping(config).services["api"].secrets["STRIPE_KEY"].arn == EXTERNAL_SECRET
    else:
        (line,) = problems(config)
        assert line.startswith("services.api.secrets.STRIPE_KEY.") and problem in line


def test_the_task_may_read_an_outside_secret_and_decrypt_it_with_its_key_through_secrets_manager() -> None:
    config = raw("dev")
    config["services"]["api"]["secrets"] = {**config["services"]["api"]["secrets"],
                                            "STRIPE_KEY": {"arn": EXTERNAL_SECRET, "kms_key_arn": EXTERNAL_KEY}}
    mon = run_program(FIXTURE_DEV, overrides={"services": config["services"]})
    statements = {s["Sid"]: s for s in json.loads(
        mon.one("aws:iam/rolePolicy:RolePolicy", "app-api-execution").inputs["policy"])["Statement"]}
    assert EXTERNAL_SECRET in statements["ReadOwnSecrets"]["Resource"]
    assert EXTERNAL_KEY in statements["DecryptOwnSecrets"]["Resource"]
    assert statements["DecryptOwnSecrets"]["Action"] == "kms:Decrypt"
    assert statements["DecryptOwnSecrets"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}


# -- buckets outside the stack (issue 22) ------------------------------------------------------------------------------

ARCHIVE = "arn:aws:s3:::org-archive"
ARCHIVE_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


@pytest.mark.parametrize(("arn", "valid"), [
    ("arn:aws:s3:::abc", True), (f"arn:aws:s3:::{'a' * 63}", True), ("arn:aws:s3:::org.archive-2", True),
    ("arn:aws:s3:::ab", False), (f"arn:aws:s3:::{'a' * 64}", False), ("arn:aws:s3:::Org-Archive", False),
    ("arn:aws:s3:::org-archive/prefix", False), ("org-archive", False),
])
def test_an_external_bucket_is_named_by_its_arn(arn, valid) -> None:
    config = raw("dev")
    config["external_buckets"] = {"archive": {"arn": arn}}
    if valid:
        assert from_mapping(config).external_buckets["archive"].arn == arn
    else:
        (line,) = problems(config)
        assert line.startswith("external_buckets.archive.arn: expected an S3 bucket ARN")


def test_an_external_bucket_may_not_share_a_name_with_the_stacks_own() -> None:
    config = raw("dev")
    config["buckets"] = {"archive": {}}
    config["external_buckets"] = {"archive": {"arn": ARCHIVE}}
    assert "external_buckets.archive: the stack has a bucket of that name; give the external one another name " \
           "(services refer to both the same way)" in problems(config)


@pytest.mark.parametrize(("kms_key_arn", "mode"), [(None, "read"), (ARCHIVE_KEY, "read_write")])
def test_a_service_gets_exactly_its_rights_on_an_external_bucket_and_its_key(kms_key_arn, mode) -> None:
    from tools.runtime import run_runtime

    config = raw("dev")
    config["services"]["api"]["buckets"] = {"archive": mode}
    external = {"archive": {"arn": ARCHIVE, **({"kms_key_arn": kms_key_arn} if kms_key_arn else {})}}
    mon = run_program(FIXTURE_DEV, overrides={"services": config["services"], "external_buckets": external})
    grant = mon.one("aws:iam/rolePolicy:RolePolicy", "external-grant-api").inputs
    assert grant["role"] == mon.one("aws:iam/role:Role", "app-api-task").outputs["name"]
    statements = {s["Sid"]: s for s in json.loads(grant["policy"])["Statement"]}
    sid = "ReadArchive" if mode == "read" else "ReadWriteArchive"
    assert statements[sid]["Resource"] == f"{ARCHIVE}/*"
    assert set(statements[sid]["Action"]) == ({"s3:GetObject"} if mode == "read" else
                                              {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"})
    assert (statements[f"{sid}List"]["Action"], statements[f"{sid}List"]["Resource"]) == ("s3:ListBucket", ARCHIVE)
    if kms_key_arn is None:
        assert set(statements) == {sid, f"{sid}List"}
    else:
        assert statements[f"{sid}Key"]["Resource"] == kms_key_arn
        assert statements[f"{sid}Key"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    container = container_of(mon, "app-api")
    assert {"name": "BUCKET_ARCHIVE", "value": "org-archive"} in container["environment"]
    assert run_runtime(mon, load_stack_config(FIXTURE_DEV)).findings == []


def test_every_plain_reference_resolves_to_what_the_stack_built() -> None:
    config = raw("dev")
    api = config["services"]["api"]
    api["buckets"] = {"media": "read"}
    api["queues"] = {"jobs": "send"}
    refs = ["database.host", "database.reader_host", "database.port", "database.name", "cache.host", "cache.port",
            "cache.url", "pipeline.uploads_bucket", "pipeline.results_bucket", "pipeline.state_machine_arn",
            "buckets.media.name", "buckets.media.arn", "queues.jobs.url", "queues.jobs.arn", "queues.jobs.name",
            "domain.name", "edge.url", "stack.region", "stack.env"]
    api["inject"] = {f"R_{i}": f"{{{ref}}}" for i, ref in enumerate(refs)}
    config["services"]["frontend"]["connects_to"] = ["api"]
    config["services"]["frontend"]["inject"] = {"API_URL": "{services.api.url}", "API_HOST": "{services.api.host}",
                                                "API_PORT": "{services.api.port}"}
    mon = run_program(FIXTURE_DEV, overrides={"services": config["services"], "buckets": {"media": {}},
                                             "queues": {"jobs": {}}})

    def env(service: str) -> dict[str, str]:
        return {e["name"]: e["value"] for e in container_of(mon, f"app-{service}")["environment"]}

    got = {ref: env("api")[f"R_{i}"] for i, ref in enumerate(refs)}
    db = mon.one("aws:rds/cluster:Cluster", "db-cluster").outputs
    cache = mon.one("aws:elasticache/replicationGroup:ReplicationGroup", "cache-group").outputs
    bucket = mon.one("aws:s3/bucket:Bucket", "storage-media").outputs
    queue = mon.one("aws:sqs/queue:Queue", "queues-jobs").outputs
    assert got == {
        "database.host": db["endpoint"], "database.reader_host": db["readerEndpoint"], "database.port": "5432",
        "database.name": "app", "cache.host": cache["primaryEndpointAddress"], "cache.port": "6379",
        "cache.url": f"rediss://{cache['primaryEndpointAddress']}:6379",
        "pipeline.uploads_bucket": mon.one("aws:s3/bucket:Bucket", "pipeline-uploads").outputs["bucket"],
        "pipeline.results_bucket": mon.one("aws:s3/bucket:Bucket", "pipeline-results").outputs["bucket"],
        "pipeline.state_machine_arn": mon.one("aws:sfn/stateMachine:StateMachine", "pipeline-machine").outputs["arn"],
        "buckets.media.name": bucket["bucket"], "buckets.media.arn": bucket["arn"],
        "queues.jobs.url": queue["url"], "queues.jobs.arn": queue["arn"], "queues.jobs.name": queue["name"],
        "domain.name": "dev.platform.example.com", "edge.url": "https://dev.platform.example.com",
        "stack.region": "us-east-1", "stack.env": "dev"}
    assert {k: env("frontend")[k] for k in ("API_URL", "API_HOST", "API_PORT")} == {
        "API_URL": "http://api:8000", "API_HOST": "api", "API_PORT": "8000"}


# -- MySQL and Memcached (issue 22) -----------------------------------------------------------------------------------

MEMCACHED = {"engine": "memcached", "engine_version": "1.6.22", "node_type": "cache.t4g.small"}


def test_memcached_has_no_url_form() -> None:
    config = raw("dev")
    config["cache"] = dict(MEMCACHED)
    config["services"]["api"]["inject"] = {"CACHE": "{cache.url}"}
    assert any("{cache.url} has no URL form: Memcached clients take a host and a port" in p for p in problems(config))
    config["services"]["api"]["inject"] = {"CACHE": "{cache.host}:{cache.port}"}   # nearest passing
    assert from_mapping(config).services["api"].inject == {"CACHE": "{cache.host}:{cache.port}"}


@pytest.mark.parametrize(("nodes", "ok"), [(1, False), (2, True)])
def test_prod_memcached_spreads_over_two_azs_and_is_not_asked_for_snapshots(nodes: int, ok: bool) -> None:
    mapping = _with("cache", {**MEMCACHED, "nodes": nodes}, base="prod")
    if ok:
        assert from_mapping(mapping).cache.memcached   # no snapshot rule: Memcached keeps none
    else:
        assert [p for p in problems(mapping) if p.startswith("cache.")] == ["cache.nodes: prod needs 2+ nodes spread over two AZs, so one AZ lost loses only its share "
                         "of the keys; got 1"]


@pytest.mark.parametrize(("database", "expected"), [
    ({"engine": "mysql", "engine_version": "8.0", "instance_class": "db.t4g.micro", "allocated_storage_gb": 20},
     "database.multi_az: prod needs a database that survives an AZ loss; set database.multi_az: true"),
    ({"engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.10.6", "instance_class": "db.t4g.medium"},
     "database.instances: prod needs a database that survives an AZ loss; set database.instances: 2 or more"),
])
def test_prod_mysql_survives_an_az_loss_the_engines_way(database: dict, expected: str) -> None:
    assert expected in problems(_with("database", database, base="prod"))


def test_a_mysql_class_aws_does_not_offer_for_the_engine_is_refused() -> None:
    # db.t4g.micro is orderable for RDS for MySQL but not for Aurora MySQL in us-east-1 (AWS's orderable lists).
    database = {"engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.10.6", "instance_class": "db.t4g.micro"}
    assert any(p.startswith("database.instance_class: db.t4g.micro is not orderable for aurora-mysql")
               for p in problems(_with("database", database)))


# -- application buckets served by CloudFront (issue 22) -------------------------------------------------------------

def test_only_this_stacks_buckets_are_served_and_their_host_is_injectable() -> None:
    config = raw("dev")
    config["edge"]["buckets"] = {"media": {"hostname": "files"}}
    assert "edge.buckets.media: not a bucket of this stack (platform:buckets has none)" in problems(config)
    config["buckets"] = {"media": {}}
    config["services"]["api"]["inject"] = {"MEDIA_HOST": "{buckets.media.host}"}
    loaded = from_mapping(config)   # nearest passing: the bucket exists here
    assert loaded.bucket_host("media") == f"files.{loaded.domain.name}"
    assert "files" in loaded.hostnames()   # the certificate covers it
    config["edge"]["buckets"] = {"media": {"paths": ["/media/*"]}}
    on_paths = from_mapping(config)
    first = on_paths.edge.hostnames[0]
    assert on_paths.bucket_host("media") == (f"{first}.{on_paths.domain.name}" if first else on_paths.domain.name)


def test_a_bucket_host_needs_the_bucket_served() -> None:
    config = raw("dev")
    config["buckets"] = {"media": {}}
    config["services"]["api"]["inject"] = {"MEDIA_HOST": "{buckets.media.host}"}
    assert any("{buckets.media.host} names a bucket CloudFront does not serve; add media to edge.buckets" in p
               for p in problems(config))


def test_an_app_stack_cannot_serve_the_data_stacks_bucket() -> None:
    config = raw(PROJECT_DIR / "examples" / "Pulumi.semiont-app.yaml")
    config["edge"]["buckets"] = {"uploads": {"paths": ["/files/*"]}}
    assert any(p.startswith("edge.buckets.uploads: not a bucket of this stack (the data stack's bucket policy is the "
                            "data stack's to write") for p in problems(config))


def test_pipeline_jobs_name_only_outside_buckets_the_stack_knows() -> None:
    config = raw("dev")
    config["pipeline"]["external_buckets"] = {"references": "read"}
    assert any(p.startswith("pipeline.external_buckets.references: not in platform:external_buckets (none)")
               for p in problems(config))
    config["external_buckets"] = {"references": {"arn": "arn:aws:s3:::broad-references"}}
    assert from_mapping(config).pipeline.external_buckets == {"references": "read"}   # nearest passing


# -- a newcomer is never misled (issue 23) ----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "fix"), [
    ("platfrom:backup", "did you mean platform:backup?"),            # a typo drops a whole section in Pulumi
    ("platfom:alarms", "did you mean platform:alarms?"),
    ("awss:region", "did you mean aws:region?"),
    ("myapp:database", "this project is 'platform' and reads only platform, aws, kubernetes, pulumi"),
    ("9x:y", "namespaces here are platform, aws, kubernetes, pulumi"),
])
def test_a_key_in_a_namespace_nothing_reads_is_refused_with_its_fix(key: str, fix: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config("dev", overrides={key: {"a": 1}})
    (line,) = str(caught.value).splitlines()[1:]
    assert line.startswith(f"  - {key}: nothing reads the namespace") and line.endswith(fix)


@pytest.mark.parametrize(("value", "problem"), [
    ({"tags": {"aws:owner": "x"}}, "aws:defaultTags.tags.aws:owner: tag keys starting with aws: are AWS's own"),
    ({"tags": {"AWS:Owner": "x"}}, "aws:defaultTags.tags.AWS:Owner: tag keys starting with aws:"),
    ({"tags": ["project"]}, "aws:defaultTags: expected `tags:` holding a mapping"),
    (["project"], "aws:defaultTags: expected `tags:` holding a mapping"),
    ({"project": "web"}, "aws:defaultTags: expected `tags:` holding a mapping"),
])
def test_default_tags_aws_would_refuse_are_refused(value, problem) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_config("dev", overrides={"aws:defaultTags": value})
    assert load_config("dev", overrides={"aws:defaultTags": {"tags": {"awsome": "x"}}})  # nearest passing


@pytest.mark.parametrize(("section", "typo", "hint"), [
    ("services", "cpux", "Did you mean 'cpu'?"),
    ("load_balancers", "schemex", "Did you mean 'scheme'?"),
    ("secrets", "descriptionx", "Did you mean 'description'?"),
])
def test_a_typo_inside_a_named_entry_lists_the_entrys_keys(section: str, typo: str, hint: str) -> None:
    config = raw("dev")
    entries = config.setdefault(section, {}) or {}
    name = next(iter(entries), "k")
    entries.setdefault(name, {})[typo] = 1
    config[section] = entries
    (line,) = [p for p in problems(config) if p.startswith(f"{section}.{name}.{typo}")]
    listed = line.split("Allowed keys here: ")[1].split(", ")
    assert hint in line and typo.removesuffix("x") in listed and len(listed) > 2


def test_a_name_outside_the_grammar_says_what_a_name_may_be() -> None:
    config = raw("dev")
    config["services"]["API"] = next(iter(config["services"].values()))
    assert any(p.startswith("services.API (the name): expected a name of 1-28 lowercase ASCII letters, digits or hyphens")
               for p in problems(config))


def test_a_value_yaml_read_otherwise_is_named_in_the_refusal(tmp_path: Path) -> None:
    from tools.harness import annotate_lines, load_stack_config

    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    text = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    assert 'engine_version: "16.15"' in text
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text.replace('engine_version: "16.15"', "engine_version: 16.10"))
    with pytest.raises(ConfigError) as caught:
        load_config(path, project_dir=tmp_path)
    message = annotate_lines(str(caught.value), load_stack_config(path, tmp_path))
    assert ("database.engine_version: expected a string; got 16.1 (YAML reads 16.10 as the number 16.1: quote it to "
            "keep what you wrote)") in message


def test_a_nested_secure_value_is_a_secret_wherever_a_string_is(tmp_path: Path) -> None:
    from tools.harness import load_stack_config

    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    text = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text.replace("config:\n", "config:\n  platform:tags:\n    owner: {secure: AAABADsomething}\n", 1)
                    if "platform:tags:" not in text else text.replace("platform:tags:\n", "platform:tags:\n    secret-owner: {secure: AAABAD}\n", 1))
    stack_file = load_stack_config(path, tmp_path)
    assert "platform:tags" in stack_file.secret_keys
    assert "offline-placeholder-secret" in stack_file.config["platform:tags"]
    assert load_config(path, project_dir=tmp_path)   # a string setting takes it


@pytest.mark.parametrize(("matcher", "ok"), [
    ("200", True), ("199", False),            # ALB takes 200-499
    ("499", True), ("500", False),
    ("200-399", True), ("200-500", False), ("399-200", False), ("200,302", True), ("200,502", False),
])
def test_a_health_check_matcher_stays_within_what_an_alb_takes(matcher: str, ok: bool) -> None:
    from components._alb import TargetHealthCheckSettings

    if ok:
        assert TargetHealthCheckSettings(matcher=matcher).matcher == matcher
    else:
        with pytest.raises(ValidationError, match="codes run from 200 to 499"):
            TargetHealthCheckSettings(matcher=matcher)


@pytest.mark.parametrize(("tag", "ok"), [
    ("v1.0.0", True), ("1.19", True), ("v1.0_rc-1", True), ("a" * 128, True),
    ("a" * 129, False), ("-bad", False), (".bad", False), ("has space", False), ("tag/with/slash", False),
])
def test_an_image_tag_follows_the_registry_grammar(tag: str, ok: bool) -> None:
    from components._settings import ImageSettings

    if ok:
        assert ImageSettings(repository="api", tag=tag).tag == tag
    else:
        with pytest.raises(ValidationError, match="image tags are 1-128 letters"):
            ImageSettings(repository="api", tag=tag)


@pytest.mark.parametrize(("names", "problem"), [
    (["*.dev.platform.example.com"], None),
    (["api.dev.platform.example.com"], None),
    (["*.other.example.com"], "is outside the zone dev.platform.example.com"),
    (["platform.example.com"], "is outside the zone"),                 # the parent is outside too
    (["dev.platform.example.com"], "is already on the certificate"),
    (["*.dev.platform.example.com", "*.dev.platform.example.com"], "lists each entry once"),
])
def test_certificate_names_stay_in_the_zone_that_validates_them(names, problem) -> None:
    config = raw("dev")
    config["domain"]["alternative_names"] = names
    if problem is None:
        assert from_mapping(config).domain.alternative_names == names
    else:
        assert any(problem in p for p in problems(config))


def test_a_generated_secret_has_no_json_keys_to_read() -> None:
    config = raw("dev")
    generated = next(k for k, v in config["secrets"].items() if v.get("generate"))
    config["services"]["api"]["secrets"] = {"X": {"secret": generated, "key": "k"}}
    assert f"services.api.secrets.X.key: {generated!r} is generated: one string without JSON keys; remove key" in problems(config)
    config["services"]["api"]["secrets"] = {"X": {"secret": generated}}
    assert from_mapping(config).services["api"].secrets["X"].secret == generated   # nearest passing


@pytest.mark.parametrize(("change", "key"), [
    (lambda c: c["edge"].update(hostnames=["", "www", "www"]), "edge.hostnames"),
    (lambda c: c["services"]["api"].update(connects_to=["database", "database"]), "services.api.connects_to"),
    (lambda c: c["edge"].update(api_paths=["/api/*", "/api/*"]), "edge.api_paths"),
])
def test_a_list_that_becomes_resources_lists_each_entry_once(change, key) -> None:
    config = raw("dev")
    change(config)
    assert any(p.startswith(f"{key}: lists each entry once") for p in problems(config))


def test_a_commands_words_may_repeat() -> None:
    config = raw("dev")
    config["services"]["api"]["command"] = ["sh", "-c", "-c"]
    assert from_mapping(config).services["api"].command == ["sh", "-c", "-c"]


def test_a_secure_value_for_a_boolean_setting_plans_offline(tmp_path: Path) -> None:
    from tools.harness import load_stack_config

    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    text = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    assert "    deletion_protection: false\n" in text
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text.replace("    deletion_protection: false\n", "    deletion_protection: {secure: AAABAD}\n", 1))
    stack_file = load_stack_config(path, tmp_path)
    assert "platform:database" in stack_file.secret_keys
    assert json.loads(stack_file.config["platform:database"])["deletion_protection"] is True   # a boolean, not text
    assert load_config(path, project_dir=tmp_path).database.deletion_protection is True
