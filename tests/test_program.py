"""The whole program (`__main__.py`) per committed stack, under mocks."""

from __future__ import annotations

import json

import pytest

from stack_config import ConfigError
from tests.conftest import FIXTURE_DEV, FIXTURE_PROD, FIXTURE_PROD_POLICY, STACK_FILES
from tools.harness import RecordingMonitor, load_stack_config, run_program

STATEFUL_TYPES = {
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:efs/fileSystem:FileSystem",
    "aws:secretsmanager/secret:Secret",
    "aws:ecr/repository:Repository",
    "aws:route53/zone:Zone",
    "aws:backup/vault:Vault",
}
"""Resources whose loss loses data (or, for zones, an external NS delegation)."""



REFERENCE = {"dev": FIXTURE_DEV, "prod": FIXTURE_PROD}
"""The program's behaviour is pinned on copies of the reference stacks (tests/fixtures); what every stack
must hold is asserted over the committed stack files at the end."""

def stateful(mon) -> list:
    """Stateful resources, data buckets, and every KMS key one of them is encrypted with."""
    found = [r for r in mon.records() if r.type in STATEFUL_TYPES
             or (r.type == "aws:s3/bucket:Bucket" and r.inputs["tags"].get("purpose") == "data")]
    key_arns = {r.inputs.get(k) for r in found for k in ("kmsKeyId", "masterUserSecretKmsKeyId", "kmsKeyArn")} - {None}
    for sse in mon.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"):
        key_arns.add(sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"].get("kmsMasterKeyId"))
    keys = [k for k in mon.of_type("aws:kms/key:Key") if k.outputs["arn"] in key_arns]
    return found + keys


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_stack_declares_every_component_and_exports(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    components = {r.type for r in mon.records() if not r.custom}
    assert {"platform:components:Network", "platform:components:Database", "platform:components:Cache"} <= components
    assert mon.exports["env"] == name
    for key in ("network_vpc_id", "network_private_subnet_ids", "db_endpoint", "db_secret_arn", "cache_primary_endpoint"):
        assert mon.exports[key], key


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_resource_belongs_to_a_component(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    loose = [r.name for r in mon.records() if r.custom and mon.component_of(r) is None]
    assert loose == []


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_child_names_are_prefixed_with_their_component(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    for rec in mon.records():
        owner = mon.component_of(rec)
        if owner is not None:
            assert rec.name.startswith(f"{owner.name}-"), (rec.type, rec.name)


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_taggable_resources_carry_env_owner_and_a_name(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    tagged = [r for r in mon.records() if r.custom and "tags" in r.inputs]
    assert len(tagged) > 20
    for rec in tagged:
        tags = rec.inputs["tags"]
        owner = mon.component_of(rec)
        assert owner is not None
        assert tags["env"] == name and tags["owner"] and tags["cost-center"], rec.name
        assert tags["Name"].startswith(f"{owner.name}-"), (rec.name, tags["Name"])


def test_stateful_resources_are_protected_and_retained_in_prod(stack) -> None:
    resources = stateful(stack(FIXTURE_PROD))
    assert {r.type for r in resources} >= {"aws:rds/instance:Instance", "aws:kms/key:Key",
                                           "aws:elasticache/replicationGroup:ReplicationGroup",
                                           "aws:secretsmanager/secret:Secret", "aws:ecr/repository:Repository",
                                           "aws:s3/bucket:Bucket", "aws:backup/vault:Vault"}
    assert len([r for r in resources if r.type == "aws:kms/key:Key"]) >= 4  # db, secrets, pipeline, backup
    for rec in resources:
        assert rec.protect is True and rec.retain_on_delete is True, rec.name


def test_dev_can_be_torn_down(stack) -> None:
    for rec in stack(FIXTURE_DEV).records():
        assert not rec.protect, rec.name


BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_bucket_is_kept_in_prod_and_only_log_buckets_are_emptied_on_teardown(stack, name: str) -> None:
    # Every bucket, not one: prod keeps each (protect + retainOnDelete, never forceDestroy); elsewhere a log bucket
    # may go with its logs so dev tears down, while a data bucket is never emptied by a destroy.
    buckets = [r for t in BUCKETS for r in stack(REFERENCE[name]).of_type(t)]
    assert {r.inputs["tags"]["purpose"] for r in buckets} >= {"data", "logs"}
    for bucket in buckets:
        purpose = bucket.inputs["tags"]["purpose"]
        if name == "prod":
            assert bucket.protect and bucket.retain_on_delete and not bucket.inputs.get("forceDestroy"), bucket.name
        else:
            assert bool(bucket.inputs.get("forceDestroy")) is (purpose == "logs"), bucket.name


def test_prod_database_survives_an_az_and_a_mistake(stack) -> None:
    db = stack(FIXTURE_PROD).one("aws:rds/instance:Instance")
    assert db.inputs["multiAz"] is True
    assert db.inputs["deletionProtection"] is True
    assert db.inputs["backupRetentionPeriod"] >= 14
    assert db.inputs["skipFinalSnapshot"] is False and db.inputs["finalSnapshotIdentifier"] == "platform-fixture-prod-db-final"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_no_password_in_inputs_or_exports(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    for rec in mon.records():
        assert not {"password", "masterPassword", "authToken"} & set(rec.inputs), rec.name
    assert "password" not in json.dumps(mon.exports).lower()


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_database_and_cache_sit_in_isolated_subnets(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    isolated = set(mon.exports["network_isolated_subnet_ids"])
    assert set(mon.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"]) == isolated
    assert set(mon.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"]) == isolated


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_program_tolerates_unknowns_in_preview(stack, name: str) -> None:
    mon = stack(REFERENCE[name], preview=True)
    assert len([r for r in mon.records() if r.custom]) == len([r for r in stack(REFERENCE[name]).records() if r.custom])


def test_bad_config_fails_before_any_resource_is_declared() -> None:
    monitor = RecordingMonitor()
    with pytest.raises(ConfigError, match=r"network\.cidr: expected an IPv4 network"):
        run_program(FIXTURE_DEV, overrides={"network": {"cidr": "10.0.0.0/33"}}, monitor=monitor)
    assert monitor.registered == {}
    assert monitor.invocations == []


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_only_granted_security_groups_reach_database_and_cache_ports(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    guarded = {mon.one("aws:ec2/securityGroup:SecurityGroup", "db-sg").id: 5432,
               mon.one("aws:ec2/securityGroup:SecurityGroup", "cache-sg").id: 6379}
    for rule in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        port = guarded.get(rule.inputs["securityGroupId"])
        if port is None:
            continue
        assert rule.inputs.get("referencedSecurityGroupId"), rule.name
        assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule.inputs), rule.name
        assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (port, port), rule.name


# -- web tier ----------------------------------------------------------------------------------------


def ingress_edges(mon) -> set[tuple[str, str, int | None]]:
    """Every way in: (source group name | CIDR | prefix list, destination group name, port)."""
    owner = {sg.id: sg.name for sg in mon.of_type("aws:ec2/securityGroup:SecurityGroup")}
    edges = set()
    for rule in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        i = rule.inputs
        source = owner.get(i.get("referencedSecurityGroupId", "")) or i.get("cidrIpv4") or (
            "cloudfront-prefix-list" if i.get("prefixListId") else "?")
        # Both ends of the range: a rule from 5432 to 5500 is not the database port.
        low, high = (int(i["fromPort"]), int(i["toPort"])) if "fromPort" in i else (None, None)
        edges.add((source, owner[i["securityGroupId"]], low if low == high else f"{low}-{high}"))
    return edges


@pytest.mark.parametrize(("name", "vpc", "extra"), [
    ("dev", "10.10.0.0/16", {("10.10.0.0/16", "network-nat", None)}),
    ("prod", "10.20.0.0/16", {("10.20.0.0/16", "network-endpoints", 443)}),
])
def test_the_only_paths_in_are_cloudfront_to_alb_to_tasks_to_data(stack, name: str, vpc: str, extra: set) -> None:
    assert ingress_edges(stack(REFERENCE[name])) == {
        ("cloudfront-prefix-list", "app-main", 443),
        ("app-main", "app-frontend", 3000),
        ("app-main", "app-api", 8000),
        ("app-api", "db-sg", 5432),
        ("app-api", "cache-sg", 6379),
    } | extra


def test_routing_sends_auth_to_the_frontend_api_to_the_api_and_the_rest_to_the_frontend(stack) -> None:
    mon = stack(FIXTURE_PROD)
    groups = {t.name: t.outputs["arn"] for t in mon.of_type("aws:lb/targetGroup:TargetGroup")}
    rules = {int(r.inputs["priority"]): r.inputs for r in mon.of_type("aws:lb/listenerRule:ListenerRule")}
    routed = {p: (next((c["pathPattern"]["values"] for c in r["conditions"] if "pathPattern" in c), None),
                  r["actions"][0]["targetGroupArn"]) for p, r in rules.items()}
    assert routed == {10: (["/auth/*"], groups["app-frontend"]), 20: (["/api", "/api/*"], groups["app-api"]),
                      50000: (None, groups["app-frontend"])}
    assert all(any("httpHeader" in c for c in r["conditions"]) for r in rules.values())


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_port_80_only_redirects_to_https(stack, name: str) -> None:
    listeners = {lis.inputs["port"]: lis.inputs for lis in stack(REFERENCE[name]).of_type("aws:lb/listener:Listener")}
    assert listeners[80]["defaultActions"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]
    assert listeners[443]["protocol"] == "HTTPS" and listeners[443]["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_each_execution_role_reads_only_the_secrets_its_service_names(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    secret_arn = {s.name.removeprefix("secrets-"): s.outputs["arn"] for s in mon.of_type("aws:secretsmanager/secret:Secret")}
    db_secret = mon.exports["db_secret_arn"]
    expected = {"api": sorted([db_secret, secret_arn["jwt-signing-key"]]), "frontend": [secret_arn["oauth"]]}
    for service, arns in expected.items():
        doc = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", f"app-{service}-execution").inputs["policy"])
        (read,) = [s for s in doc["Statement"] if s["Action"] == "secretsmanager:GetSecretValue"]
        assert read["Resource"] == arns


def test_prod_services_scale_on_cpu_and_memory(stack) -> None:
    mon = stack(FIXTURE_PROD)
    targets = {t.name: (t.inputs["minCapacity"], t.inputs["maxCapacity"]) for t in mon.of_type("aws:appautoscaling/target:Target")}
    assert targets == {"app-frontend": (2, 10), "app-api": (2, 10)}
    values = {p.name: p.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"]
              for p in mon.of_type("aws:appautoscaling/policy:Policy")}
    assert values == {"app-frontend-cpu": 70, "app-frontend-memory": 80, "app-api-cpu": 70, "app-api-memory": 80}


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_cloudfront_and_its_waf_front_the_site(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    acl = mon.one("aws:wafv2/webAcl:WebAcl")
    assert dist["webAclId"] == acl.outputs["arn"] and acl.inputs["scope"] == "CLOUDFRONT"
    assert mon.component_of(acl).type == "platform:components:Firewall"
    groups = {r["statement"]["managedRuleGroupStatement"]["name"] for r in acl.inputs["rules"]
              if "managedRuleGroupStatement" in r["statement"]}
    # Lean dev keeps the core rule set; prod adds bad inputs and IP reputation.
    assert groups == ({"AWSManagedRulesCommonRuleSet"} if name == "dev" else {
        "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"})
    assert any("rateBasedStatement" in r["statement"] for r in acl.inputs["rules"])
    assert dist["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"


def test_outside_us_east_1_cloudfront_uses_a_us_east_1_certificate() -> None:
    mon = run_program(FIXTURE_PROD, overrides={"aws:region": "eu-west-1"})
    provider = next(p for p in mon.of_type("pulumi:providers:aws") if p.parent and "Domain" in p.parent)
    assert provider.inputs["region"] == "us-east-1"
    cert = mon.one("aws:acm/certificate:Certificate", "domain-cloudfront-cert")
    assert cert.provider.startswith(provider.urn)
    validation = mon.one("aws:acm/certificateValidation:CertificateValidation", "domain-cloudfront-cert")
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    assert dist["viewerCertificate"]["acmCertificateArn"] == validation.outputs["certificateArn"]
    assert ":acm:us-east-1:" in validation.outputs["certificateArn"]
    listener = next(lis for lis in mon.of_type("aws:lb/listener:Listener") if lis.inputs["port"] == 443)
    assert ":acm:eu-west-1:" in listener.inputs["certificateArn"]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_alarm_notifies_the_topic(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    topic = mon.one("aws:sns/topic:Topic").outputs["arn"]
    alarms = mon.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) >= 12
    assert all(a.inputs["alarmActions"] == [topic] for a in alarms)


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_role_lives_under_the_project_path(stack, name: str) -> None:
    # The deploy role may manage IAM only under /platform/ (see components/github_deploy.py).
    roles = stack(REFERENCE[name]).of_type("aws:iam/role:Role")
    assert roles and all(r.inputs["path"] == "/platform/" for r in roles)


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_api_may_start_the_pipeline_and_use_its_buckets(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    grant = mon.one("aws:iam/rolePolicy:RolePolicy", "pipeline-grant-api")
    api_task_role = mon.one("aws:iam/role:Role", "app-api-task")
    assert grant.inputs["role"] == api_task_role.outputs["name"]
    by_sid = {s["Sid"]: s for s in json.loads(grant.inputs["policy"])["Statement"]}
    assert by_sid["StartPipeline"]["Resource"] == mon.exports["pipeline_state_machine_arn"]
    assert {"StartPipeline", "WriteUploads", "ReadResults"} <= set(by_sid)
    assert "SubmitPipelineJobs" not in by_sid
    assert not [r for r in mon.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == "pipeline-grant-frontend"]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_pipeline_failures_reach_the_alarm_topic(stack, name: str) -> None:
    mon = stack(REFERENCE[name])
    topic = mon.one("aws:sns/topic:Topic").outputs["arn"]
    machine = mon.exports["pipeline_state_machine_arn"]
    sfn = {a.inputs["metricName"]: a.inputs for a in mon.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
           if a.inputs["namespace"] == "AWS/States"}
    assert set(sfn) == {"ExecutionsFailed", "ExecutionsTimedOut"}
    assert all(a["dimensions"] == {"StateMachineArn": machine} and a["alarmActions"] == [topic] for a in sfn.values())
    rule = mon.one("aws:cloudwatch/eventRule:EventRule", "monitoring-pipeline-job-failed")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["detail"] == {"status": ["FAILED"], "jobQueue": [mon.exports["pipeline_job_queue_arn"]]}
    target = mon.one("aws:cloudwatch/eventTarget:EventTarget", "monitoring-pipeline-job-failed")
    assert target.inputs["arn"] == topic


# -- what every committed stack holds, whatever a team sets in it ------------------------------------


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_keeps_passwords_out_and_protects_prod_data(stack, path) -> None:
    from tools.harness import load_config

    mon = stack(path)
    for rec in mon.records():
        assert not {"password", "masterPassword", "authToken"} & set(rec.inputs), rec.name
    assert "password" not in json.dumps(mon.exports).lower()
    if load_config(path).protect:
        for rec in stateful(mon):
            assert rec.protect is True and rec.retain_on_delete is True, rec.name


# -- every internet-facing load balancer carries a web ACL (issue 21) --------------------------------------------

def _second_public_lb(waf: dict | None = None) -> dict:
    """Fixture prod with an `admin` service behind a second internet-facing load balancer, `admin.<domain>`."""
    stack_file = load_stack_config(FIXTURE_PROD)
    lbs = dict(stack_file.raw["platform:load_balancers"])
    lbs["admin-lb"] = {"hostname": "admin", **({"waf": waf} if waf is not None else {})}
    services = dict(stack_file.raw["platform:services"])
    services["admin"] = {"image": {"repository": "frontend", "tag": "v1.0.0"}, "port": 3000, "cpu": 256,
                         "memory": 512, "load_balancer": "admin-lb", "default_route": True}
    return {"load_balancers": lbs, "services": services}


@pytest.mark.parametrize(("waf", "acl"), [(None, "waf-direct"), ({"managed_rules": ["common"]}, "admin-lb-waf")])
def test_a_second_public_load_balancer_carries_the_stacks_rules_or_its_own(waf, acl) -> None:
    from policies.rules import POLICIES
    from tools.policy_run import load_policy_config, run_policies

    mon = run_program(FIXTURE_PROD, overrides=_second_public_lb(waf))
    lb = mon.one("aws:lb/loadBalancer:LoadBalancer", "app-admin-lb")
    association = mon.one("aws:wafv2/webAclAssociation:WebAclAssociation", "app-admin-lb-waf").inputs
    web_acl = mon.one("aws:wafv2/webAcl:WebAcl", f"{acl}-acl")
    assert association == {"resourceArn": lb.outputs["arn"], "webAclArn": web_acl.outputs["arn"]}
    assert web_acl.inputs["scope"] == "REGIONAL"
    # Logged like the edge's: a logging configuration on that very ACL.
    logging = mon.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", f"{acl}-logs").inputs
    assert logging["resourceArn"] == web_acl.outputs["arn"]
    # The edge's CloudFront ACL stays global and on the distribution; the edge's own load balancer is CloudFront-only.
    assert mon.one("aws:wafv2/webAcl:WebAcl", "waf-acl").inputs["scope"] == "CLOUDFRONT"
    report = run_policies(mon, POLICIES, load_policy_config("fixture-prod", FIXTURE_PROD_POLICY))
    assert [v for v in report.mandatory if v.policy == "alb-waf-or-cloudfront-only"] == []


def test_without_rules_to_share_a_second_public_load_balancer_is_refused_before_any_resource() -> None:
    overrides = _second_public_lb()
    edge = dict(load_stack_config(FIXTURE_PROD).raw["platform:edge"])
    edge["waf"] = None  # edge.waf defaults to the managed rules: null turns it off
    monitor = RecordingMonitor()
    with pytest.raises(ConfigError, match=r"load_balancers.admin-lb.waf: an internet-facing load balancer needs a web"):
        run_program(FIXTURE_PROD, overrides={**overrides, "edge": edge}, monitor=monitor)
    assert monitor.registered == {}


SG_RULES = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:ec2/securityGroupRule:SecurityGroupRule")


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_security_group_rule_opens_one_port_or_is_all_traffic(stack, path) -> None:
    # Grants name a port (the database's, the service's); only "-1" (every protocol, no ports) spans more.
    for rule in (r for t in SG_RULES for r in stack(path).of_type(t)):
        i = rule.inputs
        protocol = str(i.get("ipProtocol") or i.get("protocol"))
        if protocol == "-1":
            assert "fromPort" not in i and "toPort" not in i, rule.name
        else:
            assert protocol == "tcp" and i["fromPort"] == i["toPort"], (rule.name, i.get("fromPort"), i.get("toPort"))
