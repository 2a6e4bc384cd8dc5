"""The run-time stage: the committed stacks and examples pass it, a planted break of every kind of need is found
(with the workload, what is missing, what should grant it and the stack-file key), and removing any grant a
component makes fails it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import EXAMPLE_FILES, FIXTURE_PROD, STACK_FILES
from tools.harness import PROJECT_DIR, Recorded, RecordingMonitor, load_stack_config, run_cached
from tools.runtime import CHECKS, RuntimeFinding, run_runtime

BIOINFORMATICS = PROJECT_DIR / "examples" / "Pulumi.bioinformatics.yaml"
ALLTHRIVE = PROJECT_DIR / "examples" / "Pulumi.allthrive.yaml"
DEV = PROJECT_DIR / "tests" / "fixtures" / "Pulumi.fixture-dev.yaml"
AIRFLOW = PROJECT_DIR / "examples" / "Pulumi.airflow.yaml"
MASTODON = PROJECT_DIR / "examples" / "Pulumi.mastodon.yaml"
GENOMICS = PROJECT_DIR / "examples" / "Pulumi.genomics.yaml"


def stage(ref: Any, monitor: RecordingMonitor | None = None) -> list[RuntimeFinding]:
    stack_file = load_stack_config(ref)
    return run_runtime(monitor or run_cached(stack_file.path), stack_file).findings


def edited(monitor: RecordingMonitor, typ: str, name: str, change: Callable[[dict[str, Any]], Any] | None) -> RecordingMonitor:
    """A copy of the graph with one resource's inputs changed in place by `change`, or removed (None)."""
    rec = monitor.one(typ, name)
    clone = RecordingMonitor()
    clone.registered = dict(monitor.registered)
    clone.invocations = list(monitor.invocations)  # what the program read (composing reads secret values)
    if change is None:
        del clone.registered[rec.urn]
    else:
        inputs = copy.deepcopy(rec.inputs)
        change(inputs)
        clone.registered[rec.urn] = replace(rec, inputs=inputs)
    return clone


def without_statement(sid: str) -> Callable[[dict[str, Any]], None]:
    def change(inputs: dict[str, Any]) -> None:
        doc = json.loads(inputs["policy"])
        assert any(s.get("Sid") == sid for s in doc["Statement"]), sid
        doc["Statement"] = [s for s in doc["Statement"] if s.get("Sid") != sid]
        inputs["policy"] = json.dumps(doc)
    return change


@pytest.mark.parametrize("path", STACK_FILES + EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_committed_stack_works_once_deployed(path) -> None:
    findings = stage(path)
    assert findings == [], "\n".join(f"{f.check}: {f.workload}: {f.need}: {f.missing}" for f in findings)


def test_the_reference_stacks_declare_needs_of_every_kind() -> None:
    from tools.runtime import needs_of

    kinds = {n["kind"] for ref in (FIXTURE_PROD, BIOINFORMATICS) for n in needs_of(run_cached(ref))}
    assert kinds == {"access", "connection", "refresh", "trigger", "managed"}


# -- a planted break of every kind is found, traced and explained ------------------------------------------------

BREAKS = [
    # (stack, type, name, change, check, workload contains, need contains, key)
    (FIXTURE_PROD, "aws:iam/rolePolicy:RolePolicy", "app-api-execution", without_statement("ReadOwnSecrets"),
     "access", "app-api task start", "secretsmanager:GetSecretValue", "services.api.secrets"),
    (FIXTURE_PROD, "aws:iam/rolePolicy:RolePolicy", "app-api-execution", without_statement("DecryptOwnSecrets"),
     "access", "app-api task start", "kms:Decrypt", "services.api.secrets"),
    (FIXTURE_PROD, "aws:iam/rolePolicy:RolePolicy", "pipeline-grant-api", without_statement("ReadResults"),
     "access", "app-api tasks", "s3:GetObject", "services.api.pipeline"),
    (FIXTURE_PROD, "aws:iam/rolePolicy:RolePolicy", "pipeline-grant-api", without_statement("UseBucketKey"),
     "access", "app-api tasks", "kms:GenerateDataKey", "services.api.pipeline"),
    (FIXTURE_PROD, "aws:kms/key:Key", "monitoring-key", without_statement("AlarmServicesPublish"),
     "access", "cloudwatch notifications", "kms:GenerateDataKey", "alarms"),
    (FIXTURE_PROD, "aws:sns/topicPolicy:TopicPolicy", "monitoring-alerts", None,
     "access", "events notifications", "sns:Publish", "alarms"),
    (FIXTURE_PROD, "aws:iam/role:Role", "app-api-task",
     lambda i: i.update(assumeRolePolicy=i["assumeRolePolicy"].replace("ecs-tasks", "lambda")),
     "access", "app-api tasks", "sts:AssumeRole", "services.api"),
    (FIXTURE_PROD, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-api", None,
     "network", "app-api tasks", "TCP 5432", "services.api.connects_to"),
    (FIXTURE_PROD, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "app-api-egress", None,
     "network", "app-api tasks", "TCP 5432", "services.api.connects_to"),
    (FIXTURE_PROD, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-api-from-main", None,
     "network", "load balancer main", "TCP 8000", "services.api.port"),
    (FIXTURE_PROD, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-main-cloudfront-443", None,
     "network", "CloudFront", "TCP 443", "load_balancers.main"),
    (FIXTURE_PROD, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "network-endpoints-https", None,
     "network", "app-api tasks", "TCP 443 to aws:secretsmanager", "services.api"),
    (DEV, "aws:ec2/route:Route", "network-private-us-east-1a-default", None,
     "network", "app-api tasks", "TCP 443 to aws:ecr.api", "services.api"),
    (DEV, "aws:ec2/routeTableAssociation:RouteTableAssociation", "network-private-us-east-1b", None,
     "network", "pipeline jobs", "TCP 443 to aws:logs", "pipeline.steps"),
    (DEV, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "network-nat-to-internet", None,
     "network", "app-api tasks", "TCP 443 to aws:ecr.api", "services.api"),
    (FIXTURE_PROD, "aws:cloudwatch/eventRule:EventRule", "app-api-secret-changed", None,
     "refresh", "app-api tasks", "restart", "services.api.secrets"),
    (FIXTURE_PROD, "aws:iam/rolePolicy:RolePolicy", "app-redeploy-role", without_statement("RedeployOwnServices"),
     "refresh", "app-api tasks", "restart", "services.api.secrets"),
    (FIXTURE_PROD, "aws:s3/bucketNotification:BucketNotification", "pipeline-uploads", None,
     "events", "upload trigger", "its events", "pipeline.trigger_prefix"),
    (FIXTURE_PROD, "aws:cloudwatch/eventTarget:EventTarget", "monitoring-pipeline-job-failed", None,
     "events", "pipeline-job-failed alerts", "its events", "alarms"),
    (ALLTHRIVE, "aws:ecs/service:Service", "app-beat", lambda i: i.update(deploymentMaximumPercent=200),
     "singleton", "app-beat", "singleton", "services.beat"),
    (BIOINFORMATICS, "aws:eks/addon:Addon", "app-metrics-server", None,
     "await", "HorizontalPodAutoscalers", "await", "services"),
    (BIOINFORMATICS, "kubernetes:helm.sh/v3:Release", "app-autoscaler", None,
     "await", "node group app-nodes", "await", "cluster.eks.node_group.max_size"),
    (BIOINFORMATICS, "kubernetes:helm.sh/v3:Release", "app-lb-controller", lambda i: i["values"].pop("enableWaf"),
     "await", "Load Balancer Controller", "await", "load_balancers"),
    (BIOINFORMATICS, "kubernetes:helm.sh/v3:Release", "app-reloader", None,
     "refresh", "app-api pods", "restart", "services.api.secrets"),
    (BIOINFORMATICS, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "app-nodes-AmazonEKS_CNI_Policy", None,
     "access", "app nodes", "managed policy", "cluster.eks.node_group"),
    (BIOINFORMATICS, "aws:eks/accessEntry:AccessEntry", "app-viewer-1", None,
     "ci", "preview role", "Kubernetes API access", "github"),
    (BIOINFORMATICS, "aws:iam/rolePolicy:RolePolicy", "github-preview", without_statement("RefreshSecretValues"),
     "ci", "preview role", "secretsmanager:GetSecretValue", "github"),
    # Composed secrets: the machine that keeps DATABASE_URL current, and what starts it.
    (AIRFLOW, "aws:iam/rolePolicy:RolePolicy", "composed-recompose-role", without_statement("WriteComposed"),
     "access", "recompose machine (worker-AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)", "secretsmanager:PutSecretValue",
     "services.worker.inject.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
    (AIRFLOW, "aws:iam/rolePolicy:RolePolicy", "composed-recompose-role", without_statement("EncryptComposed"),
     "access", "recompose machine (worker-AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)", "kms:GenerateDataKey",
     "services.worker.inject.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
    (AIRFLOW, "aws:cloudwatch/eventTarget:EventTarget", "composed-worker-AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None,
     "events", "composed-worker-AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "its events",
     "services.worker.inject.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
    # Queues: the worker's rights on its queue.
    (AIRFLOW, "aws:iam/rolePolicy:RolePolicy", "queues-grant-worker", None,
     "access", "app-worker tasks", "sqs:ReceiveMessage", "services.worker.queues.celery"),
    # Schedules: Scheduler starting the run, the run starting the task.
    (MASTODON, "aws:iam/rolePolicy:RolePolicy", "app-media-cleanup-scheduler", without_statement("StartRun"),
     "access", "app-media-cleanup scheduler", "states:StartExecution", "services.media-cleanup.schedule"),
    (MASTODON, "aws:iam/rolePolicy:RolePolicy", "app-media-cleanup-schedule-role", without_statement("PassTaskRoles"),
     "access", "app-media-cleanup schedule machine", "iam:PassRole", "services.media-cleanup.schedule"),
    # Pipeline jobs read buckets outside the stack only through their own grant.
    (GENOMICS, "aws:iam/rolePolicy:RolePolicy", "pipeline-job-outside", without_statement("ReadBroadReferences"),
     "access", "pipeline jobs", "s3:GetObject", "pipeline.external_buckets.broad-references"),
    # A bucket CloudFront serves: its policy admits the distribution, the key lets it decrypt (the KeyPolicy resource
    # replaces the key's default policy).
    (MASTODON, "aws:s3/bucketPolicy:BucketPolicy", "storage-media", without_statement("CloudFrontReadsThroughOac"),
     "access", "CloudFront (bucket media)", "s3:GetObject", "edge.buckets.media"),
    (MASTODON, "aws:kms/keyPolicy:KeyPolicy", "storage-key", without_statement("CloudFrontDecryptsServedObjects"),
     "access", "CloudFront (bucket media)", "kms:Decrypt", "edge.buckets.media"),
    # Public tasks leave through the internet gateway; without it they cannot pull their image.
    (MASTODON, "aws:ec2/route:Route", "network-public-default", None,
     "network", "app-web tasks", "TCP 443 to aws:logs", "services.web"),
]


@pytest.mark.parametrize(("ref", "typ", "name", "change", "check", "workload", "need", "key"), BREAKS,
                         ids=[f"{b[4]}-{b[2]}" for b in BREAKS])
def test_a_planted_break_is_found_and_traced(ref, typ, name, change, check, workload, need, key) -> None:
    assert stage(ref) == []
    findings = stage(ref, edited(run_cached(ref), typ, name, change))
    hits = [f for f in findings if f.check == check and workload in f.workload and need in f.need]
    assert hits, "\n".join(f"{f.check}: {f.workload}: {f.need}: {f.missing}" for f in findings)
    assert all(f.key == key and f.missing and f.fix and f.source for f in hits)
    assert {f.check for f in findings} <= set(CHECKS)


def test_an_undeclared_path_into_a_data_store_is_found() -> None:
    mon = run_cached(FIXTURE_PROD)
    rule = mon.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-api")
    # The frontend declared no connection to the database; a rule admitting it anyway is a finding.
    frontend = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-frontend").id
    clone = RecordingMonitor()
    clone.registered = {**mon.registered, rule.urn + "x": replace(rule, urn=rule.urn + "x", name="db-from-frontend",
                                                                  inputs={**rule.inputs, "referencedSecurityGroupId": frontend})}
    (finding,) = stage(FIXTURE_PROD, clone)
    assert finding.check == "network" and frontend in finding.workload and "database db" in finding.need
    assert "nothing declared a connection" in finding.missing and "db-from-frontend" in finding.fix


def test_a_start_period_longer_than_the_grace_period_is_found() -> None:
    mon = run_cached(FIXTURE_PROD)
    task = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-api")

    def slow(inputs: dict[str, Any]) -> None:
        containers = json.loads(inputs["containerDefinitions"])
        containers[0]["healthCheck"] = {"command": ["CMD", "true"], "startPeriod": 300}
        inputs["containerDefinitions"] = json.dumps(containers)

    findings = stage(FIXTURE_PROD, edited(mon, task.type, task.name, slow))
    (finding,) = [f for f in findings if f.check == "grace"]
    assert "300 s" in finding.missing and finding.key == "services.api.grace_period"


# -- removing any grant a component makes fails the stage -------------------------------------------------------

GRANTS = {
    "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:sns/topicPolicy:TopicPolicy", "aws:efs/fileSystemPolicy:FileSystemPolicy",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget",
    "aws:s3/bucketNotification:BucketNotification",
}
"""Resources that grant a permission, open a path or deliver an event."""


def _grants(rec: Recorded) -> bool:
    if rec.type not in GRANTS or rec.read:
        return False
    policy = rec.inputs.get("policy")
    # A deny-only resource policy (TLS only) guards; it grants nothing a workload could miss.
    return not (isinstance(policy, str) and rec.type != "aws:iam/rolePolicy:RolePolicy"
                and not any(s.get("Effect") == "Allow" for s in json.loads(policy)["Statement"]))


@pytest.mark.parametrize("ref", [*STACK_FILES, BIOINFORMATICS, AIRFLOW, MASTODON], ids=lambda p: p.name)
def test_removing_any_grant_fails_the_stage(ref) -> None:
    """On every committed stack, the EKS example, and the examples with queues, schedules and composed secrets:
    nothing is granted, opened or routed that no workload needs."""
    mon = run_cached(ref)
    unneeded = [f"{r.type.rsplit(':', 1)[-1]} {r.name}" for r in mon.records() if _grants(r)
                and not stage(ref, edited(mon, r.type, r.name, None))]
    assert unneeded == [], f"granted but needed by no declared need: {unneeded}"


def test_removing_any_statement_of_a_role_policy_fails_the_stage() -> None:
    """Finer than whole policies: every statement of every role policy of prod is some workload's need."""
    mon = run_cached(FIXTURE_PROD)
    unneeded = []
    for rec in mon.of_type("aws:iam/rolePolicy:RolePolicy"):
        statements = json.loads(rec.inputs["policy"])["Statement"]
        for i in range(len(statements)):
            def drop(inputs: dict[str, Any], i: int = i) -> None:
                doc = json.loads(inputs["policy"])
                del doc["Statement"][i]
                inputs["policy"] = json.dumps(doc)
            if not stage(FIXTURE_PROD, edited(mon, rec.type, rec.name, drop)):
                unneeded.append(f"{rec.name} {statements[i].get('Sid') or i}")
    assert unneeded == []


def test_a_public_ip_takes_a_task_out_through_the_internet_gateway_and_nothing_else_does() -> None:
    from tools.harness import run_program
    from tools.runtime import needs_of
    from tools.runtime.network import build, connect

    config = load_stack_config(DEV).raw
    services = {n: {k: v for k, v in s.items() if k != "pipeline"} for n, s in config["platform:services"].items()}
    mon = run_program(DEV, overrides={"cluster": {"task_subnets": "public"}, "pipeline": None, "services": services,
                                      "network": {**config["platform:network"], "egress": "none"}})
    assert stage(DEV, mon) == []
    net = build(mon)
    (ecr,) = [n for n in needs_of(mon) if n["kind"] == "connection" and n["workload"] == "app-api tasks"
              and n["target"] == "aws:ecr.api"]
    assert ecr["public_ip"] is True and connect(net, "us-east-1", ecr) == []
    blocked = connect(net, "us-east-1", {**ecr, "public_ip": False})  # one per public subnet
    assert len(blocked) == 2 and all("goes to the internet gateway and the workload has no public IP" in b.what
                                     for b in blocked)


def _composing_dev() -> RecordingMonitor:
    """The fixture dev whose api composes DATABASE_URL from the RDS-managed secret (read at preview and deploy)."""
    from tools.harness import run_program

    services = copy.deepcopy(load_stack_config(DEV).raw["platform:services"])
    services["api"]["inject"] = {
        "DATABASE_URL": "postgresql://{database.user}:{database.password}@{database.host}:{database.port}/{database.name}"}
    return run_program(DEV, overrides={"services": services})


def test_ci_roles_must_read_what_composing_a_value_reads() -> None:
    mon = _composing_dev()
    assert stage(DEV, mon) == []
    rds_secret = next(i.args["secretId"] for i in mon.invocations
                      if i.token == "aws:secretsmanager/getSecretVersion:getSecretVersion")
    findings = stage(DEV, edited(mon, "aws:iam/rolePolicy:RolePolicy", "github-preview",
                                 without_statement("RefreshSecretValues")))
    assert any(f.check == "ci" and "preview role" in f.workload and "secretsmanager:GetSecretValue" in f.need
               and rds_secret in f.need for f in findings), [f"{f.workload}: {f.need}" for f in findings]
    findings = stage(DEV, edited(mon, "aws:iam/rolePolicy:RolePolicy", "github-preview",
                                 without_statement("DecryptSecretValues")))
    assert any(f.check == "ci" and "kms:Decrypt" in f.need for f in findings)
