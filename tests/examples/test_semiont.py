"""semiont's two stacks: examples/Pulumi.semiont.yaml (data: three-tier VPC, RDS 15, EFS, secrets) and
examples/Pulumi.semiont-app.yaml (app: Next.js + Hono on Fargate, ALB, CloudFront + WAF, alarms, budget)."""

from __future__ import annotations

import json

import pytest

from tools.harness import PROJECT_DIR

DATA = PROJECT_DIR / "examples" / "Pulumi.semiont.yaml"
APP = PROJECT_DIR / "examples" / "Pulumi.semiont-app.yaml"
DATA_TYPES = ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:rds/instance:Instance",
              "aws:efs/fileSystem:FileSystem", "aws:efs/accessPoint:AccessPoint", "aws:secretsmanager/secret:Secret",
              "aws:ec2/securityGroup:SecurityGroup")


@pytest.fixture(scope="module")
def data(stack):
    return stack(DATA)


@pytest.fixture(scope="module")
def mon(stack):
    """The app stack (it reads the data stack's exports, from running examples/Pulumi.semiont.yaml)."""
    return stack(APP)


def test_the_app_stack_owns_no_data_resource_and_the_data_stack_no_app_resource(data, mon) -> None:
    app_types = {r.type for r in mon.records()}
    assert not app_types & {t for t in DATA_TYPES if t != "aws:ec2/securityGroup:SecurityGroup"}
    # The app's own groups (services, load balancer) only; the database's and EFS's stay in the data stack.
    assert {g.name for g in mon.of_type("aws:ec2/securityGroup:SecurityGroup")} == {
        "app-frontend", "app-backend", "app-main"}
    assert not {r.type for r in data.records()} & {
        "aws:ecs/service:Service", "aws:lb/loadBalancer:LoadBalancer", "aws:cloudfront/distribution:Distribution"}
    assert mon.one("pulumi:pulumi:StackReference").inputs["name"] == "semiont"


def test_the_app_reaches_the_data_stacks_database_files_and_secrets_by_their_exported_ids(data, mon) -> None:
    exported = data.exports
    backend = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-backend").inputs
    (container,) = json.loads(backend["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert (env["DATABASE_HOST"], env["DATABASE_PORT"], env["DATABASE_NAME"]) == (
        exported["db_endpoint"], "5432", exported["db_name"])
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert secrets["JWT_SECRET"] == exported["secrets_arns"]["jwt-secret"]
    assert secrets["DATABASE_PASSWORD"] == f"{exported['db_secret_arn']}:password::"
    efs = backend["volumes"][0]["efsVolumeConfiguration"]
    assert (efs["fileSystemId"], efs["authorizationConfig"]["accessPointId"]) == (
        exported["files_file_system_id"], exported["files_access_point_ids"]["uploads"])
    # The only changes to the data stack's resources: one ingress rule each, owned by the app stack.
    layer = mon.one("platform:components:DataLayer").urn
    grants = {r.inputs["securityGroupId"]: mon.by_id(r.inputs["referencedSecurityGroupId"]).name
              for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") if r.parent == layer}
    assert grants == {exported["db_security_group_id"]: "app-backend",
                      exported["files_security_group_id"]: "app-backend"}
    assert mon.exports["layer"] == "app" and "db_endpoint" not in mon.exports


def test_the_services_run_in_the_data_stacks_private_subnets(data, mon) -> None:
    for service in mon.of_type("aws:ecs/service:Service"):
        assert service.inputs["networkConfiguration"]["subnets"] == data.exports["network_private_subnet_ids"]
    assert mon.one("aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == data.exports["network_public_subnet_ids"]


def test_three_tiers_one_nat_and_the_database_isolated(data) -> None:
    mon = data
    tiers = [s.inputs["tags"]["tier"] for s in mon.of_type("aws:ec2/subnet:Subnet")]
    assert sorted(tiers) == ["isolated", "isolated", "private", "private", "public", "public"]
    assert len(mon.of_type("aws:ec2/natGateway:NatGateway")) == 1
    db = mon.one("aws:rds/instance:Instance").inputs
    assert (db["engineVersion"], db["instanceClass"], db["multiAz"], db["backupRetentionPeriod"]) == (
        "15", "db.t3.micro", False, 7)
    assert mon.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == mon.exports["network_isolated_subnet_ids"]


def test_auth_to_the_frontend_at_10_api_to_the_backend_at_20_the_rest_to_the_frontend(mon) -> None:
    groups = {tg.name: tg for tg in mon.of_type("aws:lb/targetGroup:TargetGroup")}
    rules = {r.inputs["priority"]: r.inputs for r in mon.of_type("aws:lb/listenerRule:ListenerRule")}
    forwards = {p: next(a for a in r["actions"] if a["type"] == "forward")["targetGroupArn"] for p, r in rules.items()}
    # The default goes to the frontend through the last rule: requests must carry CloudFront's header.
    frontend, backend = groups["app-frontend"].outputs["arn"], groups["app-backend"].outputs["arn"]
    assert forwards == {10: frontend, 20: backend, 50000: frontend}
    paths = {p: [v for c in r["conditions"] if "pathPattern" in c for v in c["pathPattern"]["values"]]
             for p, r in rules.items()}
    assert paths == {10: ["/auth/*"], 20: ["/api", "/api/*"], 50000: []}
    for tg in groups.values():
        check = tg.inputs["healthCheck"]
        assert (check["path"], check["interval"], check["timeout"], check["healthyThreshold"],
                check["unhealthyThreshold"]) == ("/api/health", 30, 5, 2, 3)


def test_both_services_scale_one_to_ten_at_70_cpu_or_80_memory_with_exec_and_a_two_minute_grace(mon) -> None:
    assert {t.inputs["maxCapacity"] for t in mon.of_type("aws:appautoscaling/target:Target")} == {10}
    targets = sorted((p.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]
                      ["predefinedMetricType"], p.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"])
                     for p in mon.of_type("aws:appautoscaling/policy:Policy"))
    assert targets == [("ECSServiceAverageCPUUtilization", 70)] * 2 + [("ECSServiceAverageMemoryUtilization", 80)] * 2
    for service in mon.of_type("aws:ecs/service:Service"):
        assert service.inputs["enableExecuteCommand"] is True
        assert service.inputs["healthCheckGracePeriodSeconds"] == 120


def test_uploads_live_on_encrypted_efs_that_only_the_backend_mounts(data, mon) -> None:
    fs = data.one("aws:efs/fileSystem:FileSystem").inputs
    assert fs["encrypted"] is True
    assert {"transitionToIa": "AFTER_30_DAYS"} in fs["lifecyclePolicies"]
    backend = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-backend").inputs
    (container,) = json.loads(backend["containerDefinitions"])
    assert container["mountPoints"][0]["containerPath"] == "/data"
    assert container["logConfiguration"]["options"]["awslogs-stream-prefix"] == "semiont-backend"
    fs_sg = data.exports["files_security_group_id"]
    sources = {mon.by_id(r.inputs["referencedSecurityGroupId"]).name
               for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == fs_sg}
    assert sources == {"app-backend"}


def test_waf_limits_100_requests_per_5_minutes_blocks_countries_and_spares_uploads(mon) -> None:
    acl = mon.one("aws:wafv2/webAcl:WebAcl").inputs
    assert acl["scope"] == "CLOUDFRONT"
    rules = {r["name"]: r for r in acl["rules"]}
    rate = rules["rate-limit"]["statement"]["rateBasedStatement"]
    assert (rate["limit"], rate["evaluationWindowSec"]) == (100, 300)
    assert rules["geo-block"]["statement"]["geoMatchStatement"]["countryCodes"] == ["KP", "IR", "SY", "CU"]
    assert "large-body-outside-uploads" in rules


def test_budget_of_100_usd_alerts_at_80_and_100_percent(mon) -> None:
    budget = mon.one("aws:budgets/budget:Budget").inputs
    assert budget["limitAmount"] == "100.00"
    assert [n["threshold"] for n in budget["notifications"]] == [80, 100]
