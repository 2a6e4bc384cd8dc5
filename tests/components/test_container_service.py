"""ContainerService: Fargate services, their IAM, network reach, routing and scaling."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components import (
    ClusterSettings,
    ContainerService,
    ContainerServiceArgs,
    LoadBalancerSettings,
    LoadBalancerSpec,
    SecretEnv,
    ServiceSettings,
    ServiceSpec,
    Volume,
)
from components._service import ReleaseTaskSettings
from tests.conftest import service_spec

DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf"
APP_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:platform/test/jwt-AbCdEf"
OTHER_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
REPO = "arn:aws:ecr:us-east-1:123456789012:repository/platform-test-api"


def lb(**overrides) -> LoadBalancerSpec:
    """A load balancer in the public subnets; overrides naming a LoadBalancerSettings field go to its settings."""
    settings = {k: overrides.pop(k) for k in list(overrides) if k in LoadBalancerSettings.model_fields}
    values = dict(subnet_ids=["subnet-0pub0000000000001", "subnet-0pub0000000000002"],
                  certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc")
    values.update(overrides)
    return LoadBalancerSpec(settings=LoadBalancerSettings(**settings), **values)


def services() -> dict[str, ServiceSpec]:
    return {
        "frontend": service_spec("example/frontend:1", cpu=256, memory=512, port=3000, load_balancer="main",
                                 default_route=True, routes=[{"paths": ["/auth/*"], "priority": 10}],
                                 scaling={"min": 1, "max": 10, "cpu_target": 70, "memory_target": 80}),
        "api": service_spec(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/platform-test-api:v1", repository_arn=REPO,
            cpu=512, memory=1024, port=8000, load_balancer="main", architecture="x86_64",
            routes=[{"paths": ["/api", "/api/*"], "priority": 20}],
            health_check={"path": "/api/health", "interval": 30, "timeout": 5, "healthy_threshold": 2,
                          "unhealthy_threshold": 3},
            container_health_check={"command": ["CMD-SHELL", "curl -f localhost:8000/ || exit 1"]},
            secrets={"DB_PASSWORD": SecretEnv(arn=DB_SECRET, key="password"),
                     "DB_USER": SecretEnv(arn=DB_SECRET, key="username"),
                     "JWT_SECRET": SecretEnv(arn=APP_SECRET)},
            secret_kms_key_arns=(KEY, KEY), exec=True,
            scaling={"min": 1, "max": 4, "cpu_target": 70, "requests_per_target": 500},
            capacity={"fargate": {"base": 1, "weight": 1}, "fargate_spot": {"weight": 3}},
        ),
        "worker": service_spec("example/worker:1", cpu=512, memory=1024, command=["celery", "worker"],
                               secrets={"OTHER": SecretEnv(arn=OTHER_SECRET)},
                               capacity={"fargate": {"base": 0, "weight": 0}, "fargate_spot": {"weight": 1}}),
        "vectors": service_spec("semitechnologies/weaviate:1.24.1", cpu=512, memory=1024, port=8080,
                                extra_ports={"grpc": 50051}, discovery_name="weaviate", allow_from=("api", "worker"),
                                volumes=(Volume(name="data", file_system_id="fs-0123", access_point_id="fsap-0123",
                                                file_system_arn="arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123",
                                                access_point_arn="arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123",
                                                path="/var/lib/weaviate"),)),
    }


def build(lbs: dict | None = None, **overrides) -> ContainerService:
    """The four services behind `lbs`; `container_insights` goes to the cluster settings."""
    cluster = ClusterSettings(**{k: overrides.pop(k) for k in list(overrides) if k in ClusterSettings.model_fields})
    values = dict(vpc_id="vpc-0123456789abcdef0", vpc_cidr="10.0.0.0/16",
                  subnet_ids=["subnet-0priv000000000001", "subnet-0priv000000000002"], region="us-east-1",
                  account_id="123456789012", services=services(), load_balancers=lbs or {"main": lb()},
                  settings=cluster, tags={"env": "test"})
    values.update(overrides)
    return ContainerService("app", ContainerServiceArgs(**values))


def policy(mon, name: str) -> dict:
    return json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])


def statement(doc: dict, sid: str) -> dict:
    return next(s for s in doc["Statement"] if s["Sid"] == sid)


def ingress_to(mon, sg_id: str) -> list:
    return [r.inputs for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if r.inputs["securityGroupId"] == sg_id]


def test_cluster_has_container_insights_and_both_capacity_providers(record) -> None:
    mon = record(lambda: build(container_insights="enhanced"))
    cluster = mon.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    providers = mon.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs
    assert set(providers["capacityProviders"]) == {"FARGATE", "FARGATE_SPOT"}


def test_services_run_privately_with_rollback_and_rolling_deployments(record) -> None:
    mon = record(build)
    for service in mon.of_type("aws:ecs/service:Service"):
        i = service.inputs
        assert i["networkConfiguration"]["assignPublicIp"] is False
        assert i["networkConfiguration"]["subnets"] == ["subnet-0priv000000000001", "subnet-0priv000000000002"]
        assert i["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert (i["deploymentMinimumHealthyPercent"], i["deploymentMaximumPercent"]) == (100, 200)
    api = mon.one("aws:ecs/service:Service", "app-api").inputs
    assert api["enableExecuteCommand"] is True
    assert {(s["capacityProvider"], s["base"], s["weight"]) for s in api["capacityProviderStrategies"]} == {
        ("FARGATE", 1, 1), ("FARGATE_SPOT", 0, 3)}
    worker = mon.one("aws:ecs/service:Service", "app-worker").inputs
    assert "loadBalancers" not in worker and "healthCheckGracePeriodSeconds" not in worker
    assert [s["capacityProvider"] for s in worker["capacityProviderStrategies"]] == ["FARGATE_SPOT"]


def test_task_definition_sizes_architecture_secrets_and_health_check(record) -> None:
    mon = record(build)
    task = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-api").inputs
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("512", "1024", "awsvpc")
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["runtimePlatform"] == {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
    (container,) = json.loads(task["containerDefinitions"])
    assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == {
        "DB_PASSWORD": f"{DB_SECRET}:password::", "DB_USER": f"{DB_SECRET}:username::", "JWT_SECRET": APP_SECRET}
    assert container["healthCheck"]["command"][0] == "CMD-SHELL"
    assert container["logConfiguration"]["options"]["awslogs-stream-prefix"] == "api"
    assert not any(e["name"].endswith(("PASSWORD", "SECRET")) for e in container["environment"])
    frontend = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-frontend").inputs
    assert frontend["runtimePlatform"]["cpuArchitecture"] == "ARM64"


def test_execution_role_reads_exactly_its_own_secrets_and_image(record) -> None:
    mon = record(build)
    doc = policy(mon, "app-api-execution")
    assert statement(doc, "ReadOwnSecrets")["Resource"] == sorted({DB_SECRET, APP_SECRET})
    decrypt = statement(doc, "DecryptOwnSecrets")
    assert decrypt["Resource"] == [KEY] and decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    assert statement(doc, "PullOwnImage")["Resource"] == REPO
    logs = mon.one("aws:cloudwatch/logGroup:LogGroup", "app-api")
    assert statement(doc, "WriteOwnLogs")["Resource"] == f"{logs.outputs['arn']}:*"
    # The only "*" resource is ECR login, which has no resource-level permission.
    assert [s["Sid"] for s in doc["Statement"] if s["Resource"] == "*"] == ["EcrLogin"]
    worker = policy(mon, "app-worker-execution")
    assert statement(worker, "ReadOwnSecrets")["Resource"] == [OTHER_SECRET]
    assert "PullOwnImage" not in {s["Sid"] for s in worker["Statement"]}  # public image: no ECR rights


def test_roles_trust_only_this_accounts_services(record) -> None:
    mon = record(build)
    services = {"execution": "ecs-tasks.amazonaws.com", "task": "ecs-tasks.amazonaws.com",
                "redeploy-role": "states.amazonaws.com", "redeploy-trigger": "events.amazonaws.com"}
    roles = mon.of_type("aws:iam/role:Role")
    assert len(roles) == 10  # execution + task per service (4), the redeploy machine's and its trigger's
    for role in roles:
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        kind = next(k for k in services if role.name.endswith(k))
        assert trust["Principal"] == {"Service": services[kind]} and trust["Action"] == "sts:AssumeRole"
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


def test_task_role_gets_exec_and_scoped_efs_mounts_only(record) -> None:
    mon = record(build)
    api = policy(mon, "app-api-task")
    assert [s["Sid"] for s in api["Statement"]] == ["EcsExec"]
    vectors = policy(mon, "app-vectors-task")
    (mount,) = vectors["Statement"]
    assert mount["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert mount["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"].endswith("fsap-0123")
    assert mon.of_type("aws:iam/rolePolicy:RolePolicy") and not [
        r for r in mon.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == "app-frontend-task"]


def test_tasks_are_reachable_only_from_their_load_balancer_and_named_peers(record) -> None:
    mon = record(build)
    lb_sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-main").id
    groups = {g.name.removeprefix("app-"): g.id for g in mon.of_type("aws:ec2/securityGroup:SecurityGroup")}
    assert [(r["referencedSecurityGroupId"], r["fromPort"]) for r in ingress_to(mon, groups["api"])] == [(lb_sg, 8000)]
    assert ingress_to(mon, groups["worker"]) == []
    vectors = {(r["referencedSecurityGroupId"], r["fromPort"]) for r in ingress_to(mon, groups["vectors"])}
    assert vectors == {(groups[p], port) for p in ("api", "worker") for port in (8080, 50051)}
    for rule in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        if rule.inputs["securityGroupId"] != lb_sg:
            assert "cidrIpv4" not in rule.inputs, rule.name


def test_internet_facing_load_balancer_takes_443_and_80_redirects(record) -> None:
    mon = record(build)
    alb = mon.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert alb["internal"] is False and alb["dropInvalidHeaderFields"] is True
    http = mon.one("aws:lb/listener:Listener", "app-main-http").inputs
    assert http["port"] == 80 and http["defaultActions"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]
    https = mon.one("aws:lb/listener:Listener", "app-main-https").inputs
    assert https["protocol"] == "HTTPS" and https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-main").id
    assert sorted((r["cidrIpv4"], r["fromPort"]) for r in ingress_to(mon, sg)) == [("0.0.0.0/0", 80), ("0.0.0.0/0", 443)]


def test_path_rules_route_by_priority_and_default_goes_to_the_frontend(record) -> None:
    mon = record(build)
    groups = {t.name: t.outputs["arn"] for t in mon.of_type("aws:lb/targetGroup:TargetGroup")}
    rules = {int(r.inputs["priority"]): r.inputs for r in mon.of_type("aws:lb/listenerRule:ListenerRule")}
    assert sorted(rules) == [10, 20]
    assert rules[10]["conditions"] == [{"pathPattern": {"values": ["/auth/*"]}}]
    assert rules[10]["actions"][0]["targetGroupArn"] == groups["app-frontend"]
    assert rules[20]["conditions"] == [{"pathPattern": {"values": ["/api", "/api/*"]}}]
    assert rules[20]["actions"][0]["targetGroupArn"] == groups["app-api"]
    https = mon.one("aws:lb/listener:Listener", "app-main-https").inputs
    assert https["defaultActions"] == [{"type": "forward", "targetGroupArn": groups["app-frontend"]}]


def test_target_groups_are_ip_targets_with_the_service_health_check(record) -> None:
    mon = record(build)
    api = mon.one("aws:lb/targetGroup:TargetGroup", "app-api").inputs
    assert (api["targetType"], api["port"], api["protocol"]) == ("ip", 8000, "HTTP")
    hc = api["healthCheck"]
    assert (hc["path"], hc["interval"], hc["timeout"], hc["healthyThreshold"], hc["unhealthyThreshold"]) == (
        "/api/health", 30, 5, 2, 3)


def test_behind_cloudfront_only_the_prefix_list_and_the_secret_header_get_in(record) -> None:
    mon = record(lambda: build({"main": lb(cloudfront_only=True)}))
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-main").id
    (rule,) = ingress_to(mon, sg)
    assert rule["fromPort"] == 443 and rule["prefixListId"].startswith("pl-") and "cidrIpv4" not in rule
    https = mon.one("aws:lb/listener:Listener", "app-main-https").inputs
    assert https["defaultActions"][0]["fixedResponse"]["statusCode"] == "403"
    secret = mon.one("random:index/randomPassword:RandomPassword").outputs["result"]
    rules = mon.of_type("aws:lb/listenerRule:ListenerRule")
    assert len(rules) == 3  # two path rules and the frontend's catch-all at the lowest priority
    for r in rules:
        assert {"httpHeader": {"httpHeaderName": "X-Origin-Verify", "values": [secret]}} in r.inputs["conditions"]
    catch_all = mon.one("aws:lb/listenerRule:ListenerRule", "app-frontend-default").inputs
    assert catch_all["priority"] == 50000
    assert mon.one("platform:components:ContainerService").registered_outputs["origin_secrets"]["main"] == secret


def test_internal_load_balancer_admits_only_its_client_ranges(record) -> None:
    mon = record(lambda: build({"main": lb(scheme="internal", ingress_cidrs=["10.8.0.0/16"])}))
    assert mon.one("aws:lb/loadBalancer:LoadBalancer").inputs["internal"] is True
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-main").id
    assert {r["cidrIpv4"] for r in ingress_to(mon, sg)} == {"10.8.0.0/16"}


def test_access_logs_go_to_a_private_sse_s3_bucket_the_elb_may_write(record) -> None:
    mon = record(lambda: build({"main": lb(access_logs=True, deletion_protection=True)}, protect=True))
    alb = mon.one("aws:lb/loadBalancer:LoadBalancer").inputs
    bucket = mon.one("aws:s3/bucket:Bucket")
    assert alb["accessLogs"] == {"bucket": bucket.outputs["bucket"], "prefix": "main", "enabled": True}
    assert alb["enableDeletionProtection"] is True
    sse = mon.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    doc = json.loads(mon.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    writes = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
    assert all(s["Action"] == "s3:PutObject" and s["Resource"].endswith("/main/AWSLogs/123456789012/*") for s in writes)
    assert bucket.protect is True


def test_autoscaling_tracks_cpu_memory_and_requests(record) -> None:
    mon = record(build)
    targets = {t.name: t.inputs for t in mon.of_type("aws:appautoscaling/target:Target")}
    assert (targets["app-frontend"]["minCapacity"], targets["app-frontend"]["maxCapacity"]) == (1, 10)
    policies = {p.name: p.inputs["targetTrackingScalingPolicyConfiguration"]
                for p in mon.of_type("aws:appautoscaling/policy:Policy")}
    assert policies["app-frontend-cpu"]["targetValue"] == 70
    assert policies["app-frontend-cpu"]["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    assert policies["app-frontend-memory"]["targetValue"] == 80
    requests = policies["app-api-requests"]["predefinedMetricSpecification"]
    assert requests["predefinedMetricType"] == "ALBRequestCountPerTarget"
    assert requests["resourceLabel"].startswith("app/") and "/targetgroup/" in requests["resourceLabel"]
    assert "app-worker" not in targets
    scaled = mon.one("aws:ecs/service:Service", "app-frontend")
    assert scaled.ignore_changes == ["desiredCount"]
    assert mon.one("aws:ecs/service:Service", "app-worker").ignore_changes == []


def test_service_connect_exposes_named_ports_to_peers(record) -> None:
    mon = record(build)
    namespace = mon.one("aws:servicediscovery/httpNamespace:HttpNamespace")
    vectors = mon.one("aws:ecs/service:Service", "app-vectors").inputs["serviceConnectConfiguration"]
    assert vectors["namespace"] == namespace.outputs["arn"]
    # One alias per published port: a list in pulumi-aws 7 (ServiceConnectService.client_alias).
    assert all(len(s["clientAlias"]) == 1 for s in vectors["services"])
    assert {(s["portName"], s["discoveryName"], s["clientAlias"][0]["port"]) for s in vectors["services"]} == {
        ("http", "weaviate", 8080), ("grpc", "weaviate-grpc", 50051)}
    client = mon.one("aws:ecs/service:Service", "app-api").inputs["serviceConnectConfiguration"]
    assert client == {"enabled": True, "namespace": namespace.outputs["arn"]}


def test_log_groups_have_retention(record) -> None:
    mon = record(build)
    groups = mon.of_type("aws:cloudwatch/logGroup:LogGroup")
    # One per service, and the redeploy machine's execution log.
    assert len(groups) == 5 and all(g.inputs["retentionInDays"] == 30 for g in groups)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"load_balancers": {}}, "uses unknown load balancer main"),
        ({"services": {"x": service_spec("i", cpu=256, memory=512, allow_from=("y",))}}, "allows unknown service y"),
    ],
)
def test_args_reject_dangling_references(change: dict, message: str) -> None:
    values = dict(vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", subnet_ids=["subnet-1"], region="us-east-1",
                  account_id="123456789012", services=services(), load_balancers={"main": lb()},
                  settings=ClusterSettings())
    values.update(change)
    with pytest.raises(ValueError, match=message):
        ContainerServiceArgs(**values)


def test_a_load_balanced_service_needs_a_port() -> None:
    with pytest.raises(ValidationError, match="required behind a load balancer"):
        ServiceSettings(image={"uri": "i"}, cpu=256, memory=512, load_balancer="main", default_route=True)
    assert ServiceSettings(image={"uri": "i"}, cpu=256, memory=512, load_balancer="main", default_route=True,
                           port=1).port == 1


def test_a_dual_stack_load_balancer_takes_ipv6_clients_too(record) -> None:
    mon = record(lambda: build({"main": lb(ip_address_type="dualstack")}))
    assert mon.one("aws:lb/loadBalancer:LoadBalancer").inputs["ipAddressType"] == "dualstack"
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-main").id
    sources = sorted((r.get("cidrIpv4") or r.get("cidrIpv6"), r["fromPort"]) for r in ingress_to(mon, sg))
    assert sources == [("0.0.0.0/0", 80), ("0.0.0.0/0", 443), ("::/0", 80), ("::/0", 443)]
    ipv4 = record(build).one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert "ipAddressType" not in ipv4  # AWS's default: IPv4 only


def test_a_release_task_runs_the_services_container_with_its_command_and_no_ports(record) -> None:
    def build_with_release():
        specs = services()
        api = specs["api"]
        specs["api"] = ServiceSpec(settings=api.settings.model_copy(update={"release_task": ReleaseTaskSettings(
            command=["python", "manage.py", "migrate"], timeout_seconds=600)}), image=api.image,
            repository_arn=api.repository_arn, secrets=api.secrets, secret_kms_key_arns=api.secret_kms_key_arns)
        app = ContainerService("app", ContainerServiceArgs(
            vpc_id="vpc-0123456789abcdef0", vpc_cidr="10.0.0.0/16", subnet_ids=["subnet-0priv000000000001"],
            region="us-east-1", account_id="123456789012", services=specs, load_balancers={"main": lb()},
            settings=ClusterSettings()))
        return app.release_tasks

    mon = record(build_with_release)
    service_td = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-api").inputs
    release_td = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-api-release").inputs
    (service_c,) = json.loads(service_td["containerDefinitions"])
    (release_c,) = json.loads(release_td["containerDefinitions"])
    assert release_c["command"] == ["python", "manage.py", "migrate"] and release_c["portMappings"] == []
    assert "healthCheck" not in release_c
    for key in ("image", "secrets", "environment", "logConfiguration"):
        assert release_c[key] == service_c[key], key
    for key in ("executionRoleArn", "taskRoleArn", "cpu", "memory", "networkMode"):
        assert release_td[key] == service_td[key], key
    (entry,) = mon.one("platform:components:ContainerService").registered_outputs["release_tasks"].values()
    assert entry["task_definition"] == release_td["family"] and entry["timeout_seconds"] == 600
    assert entry["security_groups"] == [mon.one("aws:ec2/securityGroup:SecurityGroup", "app-api").id]
    # Other services get none.
    assert [t.name for t in mon.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-release")] == [
        "app-api-release"]


def test_a_service_redeploys_when_a_secret_it_reads_changes(record) -> None:
    """ECS injects secrets only at start: a new current value (a rotation, a put) must start new tasks."""
    mon = record(build)
    rules = {r.name: json.loads(r.inputs["eventPattern"]) for r in mon.of_type("aws:cloudwatch/eventRule:EventRule")}
    # Only services that read secrets: api (the database and JWT secrets), worker (its own).
    assert set(rules) == {"app-api-secret-changed", "app-worker-secret-changed"}
    api = rules["app-api-secret-changed"]
    assert api["source"] == ["aws.secretsmanager"] and api["detail-type"] == ["Secret Label Updated"]
    assert api["detail"] == {"labelUpdated": ["AWSCURRENT"]}
    assert sorted(api["resources"]) == sorted([DB_SECRET, APP_SECRET])  # each secret once
    assert rules["app-worker-secret-changed"]["resources"] == [OTHER_SECRET]
    machine = mon.one("aws:sfn/stateMachine:StateMachine", "app-redeploy-machine")
    targets = {t.name: t.inputs for t in mon.of_type("aws:cloudwatch/eventTarget:EventTarget")}
    for svc in ("api", "worker"):
        target = targets[f"app-{svc}-secret-changed"]
        service = mon.one("aws:ecs/service:Service", f"app-{svc}")
        assert target["arn"] == machine.outputs["arn"] and json.loads(target["input"]) == {"service": service.outputs["arn"]}
        assert target["retryPolicy"] == {"maximumEventAgeInSeconds": 3600, "maximumRetryAttempts": 10}
        assert target["roleArn"] == mon.one("aws:iam/role:Role", "app-redeploy-trigger").outputs["arn"]
    (state,) = json.loads(machine.inputs["definition"])["States"].values()
    assert state["Resource"] == "arn:aws:states:::aws-sdk:ecs:updateService" and state["End"] is True
    assert state["Parameters"] == {"Cluster": mon.one("aws:ecs/cluster:Cluster").outputs["arn"],
                                   "Service.$": "$.service", "ForceNewDeployment": True}
    assert machine.inputs["type"] == "STANDARD"
    assert machine.inputs["loggingConfiguration"]["includeExecutionData"] is True
    # The machine may redeploy exactly the services that read secrets; the trigger may only start the machine.
    doc = policy(mon, "app-redeploy-role")
    update = statement(doc, "RedeployOwnServices")
    assert update["Action"] == "ecs:UpdateService"
    assert sorted(update["Resource"]) == sorted(mon.one("aws:ecs/service:Service", f"app-{s}").outputs["arn"]
                                                for s in ("api", "worker"))
    (start,) = policy(mon, "app-redeploy-trigger")["Statement"]
    assert (start["Action"], start["Resource"]) == ("states:StartExecution", machine.outputs["arn"])


def test_no_redeploy_machine_without_secrets(record) -> None:
    specs = {"frontend": services()["frontend"]}
    mon = record(lambda: build(services=specs))
    assert not mon.of_type("aws:sfn/stateMachine:StateMachine") and not mon.of_type("aws:cloudwatch/eventRule:EventRule")


@pytest.mark.parametrize(("singleton", "minimum", "maximum"), [(False, 100, 200), (True, 0, 100)])
def test_a_singleton_never_runs_twice(record, singleton, minimum, maximum) -> None:
    specs = {**services(), "beat": service_spec("example/worker:1", cpu=256, memory=512, singleton=singleton,
                                                command=["celery", "-A", "app", "beat"])}
    mon = record(lambda: build(services=specs))
    beat = mon.one("aws:ecs/service:Service", "app-beat").inputs
    assert (beat["desiredCount"], beat["deploymentMinimumHealthyPercent"], beat["deploymentMaximumPercent"]) == (
        1, minimum, maximum)


@pytest.mark.parametrize(("settings", "key"), [
    ({"desired_count": 2}, "desired_count"),
    ({"desired_count": 0}, "desired_count"),
    ({"scaling": {"min": 1, "max": 1}}, "scaling"),
    ({"load_balancer": "main", "port": 8000, "default_route": True}, "singleton"),
])
def test_a_singleton_runs_exactly_one_task_outside_a_load_balancer(settings, key) -> None:
    with pytest.raises(ValidationError) as caught:
        ServiceSettings(image={"uri": "example/worker:1"}, cpu=256, memory=512, singleton=True, **settings)
    assert f"@{key}:" in str(caught.value)
    # The nearest passing one: one task, no scaling, no load balancer.
    assert ServiceSettings(image={"uri": "example/worker:1"}, cpu=256, memory=512, singleton=True).desired_count == 1


@pytest.mark.parametrize(("deployment", "minimum", "maximum", "stop", "delay"), [
    ({}, 100, 200, None, 30),
    ({"minimum_healthy_percent": 50, "maximum_percent": 150, "stop_timeout": 120, "deregistration_delay": 0},
     50, 150, 120, 0),
])
def test_a_services_rollout_follows_its_deployment_settings(record, deployment, minimum, maximum, stop, delay) -> None:
    specs = {**services(), "web": service_spec("example/web:1", cpu=256, memory=512, port=8080, load_balancer="main",
                                               routes=[{"paths": ["/web/*"], "priority": 30}], desired_count=2,
                                               deployment=deployment)}
    mon = record(lambda: build(services=specs))
    web = mon.one("aws:ecs/service:Service", "app-web").inputs
    assert (web["deploymentMinimumHealthyPercent"], web["deploymentMaximumPercent"]) == (minimum, maximum)
    (container,) = json.loads(mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-web").inputs["containerDefinitions"])
    assert container.get("stopTimeout") == stop
    assert mon.one("aws:lb/targetGroup:TargetGroup", "app-web").inputs["deregistrationDelay"] == delay


def test_a_worker_scales_on_its_queues_backlog_per_running_task(record) -> None:
    specs = {**services(), "jobs": service_spec("example/worker:1", cpu=256, memory=512, queues={"jobs": "receive"},
                                                scaling={"min": 1, "max": 8, "cpu_target": None, "backlog_per_task": 25},
                                                backlog_queue_name="platform-test-queues-jobs")}
    mon = record(lambda: build(services=specs))
    config = mon.one("aws:appautoscaling/policy:Policy", "app-jobs-backlog").inputs["targetTrackingScalingPolicyConfiguration"]
    cluster, service = mon.one("aws:ecs/cluster:Cluster"), mon.one("aws:ecs/service:Service", "app-jobs")
    assert config["targetValue"] == 25
    messages, tasks, ratio = config["customizedMetricSpecification"]["metrics"]
    assert messages["metricStat"] == {"stat": "Sum", "metric": {
        "namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible",
        "dimensions": [{"name": "QueueName", "value": "platform-test-queues-jobs"}]}}
    assert tasks["metricStat"] == {"stat": "Average", "metric": {
        "namespace": "ECS/ContainerInsights", "metricName": "RunningTaskCount",
        "dimensions": [{"name": "ClusterName", "value": cluster.outputs["name"]},
                       {"name": "ServiceName", "value": service.outputs["name"]}]}}
    assert (messages["returnData"], tasks["returnData"]) == (False, False)
    assert (ratio["expression"], ratio["returnData"]) == (f"{messages['id']} / {tasks['id']}", True)
    # No CPU policy was asked for: the backlog alone moves the count.
    assert [p.name for p in mon.of_type("aws:appautoscaling/policy:Policy") if p.name.startswith("app-jobs")] == ["app-jobs-backlog"]
