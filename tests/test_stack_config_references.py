"""What one section of a stack names of another (stack_config.py's cross-section rules): load balancers' web ACLs,
injected references, queues, public tasks without NAT, hand-written records, secrets and buckets outside the stack,
MySQL and Memcached, application buckets served by CloudFront."""

from __future__ import annotations

import json

import pytest

from stack_config import from_mapping
from tests.conftest import (
    FIXTURE_DEV,
    container_of,
)
from tests.test_stack_config import (
    problems,
    raw,
    with_value,
)
from tools.harness import (
    PROJECT_DIR,
    load_stack_config,
    run_program,
)

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
    mapping = with_value("cache", {**MEMCACHED, "nodes": nodes}, base="prod")
    if ok:
        assert from_mapping(mapping).cache.memcached   # no snapshot rule: Memcached keeps none
    else:
        assert [p for p in problems(mapping) if p.startswith("cache.")] == [
            "cache.nodes: prod needs 2+ nodes spread over two AZs, so one AZ lost loses only its share "
            "of the keys; got 1"]


@pytest.mark.parametrize(("database", "expected"), [
    ({"engine": "mysql", "engine_version": "8.0", "instance_class": "db.t4g.micro", "allocated_storage_gb": 20},
     "database.multi_az: prod needs a database that survives an AZ loss; set database.multi_az: true"),
    ({"engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.10.6", "instance_class": "db.t4g.medium"},
     "database.instances: prod needs a database that survives an AZ loss; set database.instances: 2 or more"),
])
def test_prod_mysql_survives_an_az_loss_the_engines_way(database: dict, expected: str) -> None:
    assert expected in problems(with_value("database", database, base="prod"))


def test_a_mysql_class_aws_does_not_offer_for_the_engine_is_refused() -> None:
    # db.t4g.micro is orderable for RDS for MySQL but not for Aurora MySQL in us-east-1 (AWS's orderable lists).
    database = {"engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.10.6", "instance_class": "db.t4g.micro"}
    assert any(p.startswith("database.instance_class: db.t4g.micro is not orderable for aurora-mysql")
               for p in problems(with_value("database", database)))


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
