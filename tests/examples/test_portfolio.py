"""examples/Pulumi.portfolio-{dev,prod}.yaml: Next.js + FastAPI on Fargate behind one ALB, RDS, Redis."""

from __future__ import annotations

import json

import pytest

from tools.harness import PROJECT_DIR

DEV = PROJECT_DIR / "examples" / "Pulumi.portfolio-dev.yaml"
PROD = PROJECT_DIR / "examples" / "Pulumi.portfolio-prod.yaml"


@pytest.fixture(scope="module", params=[DEV, PROD], ids=["dev", "prod"])
def mon(request, stack):
    return stack(request.param)


@pytest.fixture(scope="module")
def dev(stack):
    return stack(DEV)


@pytest.fixture(scope="module")
def prod(stack):
    return stack(PROD)


def test_the_documents_subnets_with_a_nat_gateway_per_az(mon) -> None:
    subnets = {s.inputs["cidrBlock"]: s.inputs["availabilityZone"] for s in mon.of_type("aws:ec2/subnet:Subnet")}
    assert subnets == {"10.0.1.0/24": "us-east-1a", "10.0.2.0/24": "us-east-1b",
                       "10.0.10.0/24": "us-east-1a", "10.0.11.0/24": "us-east-1b"}
    assert len(mon.of_type("aws:ec2/natGateway:NatGateway")) == 2
    # Data lives in the private /24s, as the document places it.
    private = mon.exports["network_private_subnet_ids"]
    assert mon.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == private
    assert mon.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"] == private


def test_api_goes_to_the_backend_on_8000_and_everything_else_to_the_frontend_on_3000(mon) -> None:
    (rule,) = mon.of_type("aws:lb/listenerRule:ListenerRule")
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/api/*"]}}]
    backend = mon.one("aws:lb/targetGroup:TargetGroup", "app-backend")
    frontend = mon.one("aws:lb/targetGroup:TargetGroup", "app-frontend")
    assert rule.inputs["actions"][0]["targetGroupArn"] == backend.outputs["arn"]
    assert backend.inputs["port"] == 8000 and backend.inputs["healthCheck"]["path"] == "/api/v1/health"
    assert frontend.inputs["port"] == 3000 and frontend.inputs["healthCheck"]["path"] == "/"
    https = next(listener.inputs for listener in mon.of_type("aws:lb/listener:Listener") if listener.inputs["port"] == 443)
    assert https["defaultActions"][0]["targetGroupArn"] == frontend.outputs["arn"]


def test_services_are_quarter_vcpu_half_gb_scaling_to_four_at_70_percent_cpu(mon) -> None:
    for task in mon.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        assert (task.inputs["cpu"], task.inputs["memory"]) == ("256", "512")
    targets = {t.name: t.inputs for t in mon.of_type("aws:appautoscaling/target:Target")}
    assert {t["maxCapacity"] for t in targets.values()} == {4}
    policies = mon.of_type("aws:appautoscaling/policy:Policy")
    assert {p.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"] for p in policies} == {70}
    assert {g.inputs["retentionInDays"] for g in mon.of_type("aws:cloudwatch/logGroup:LogGroup")
            if g.name.startswith("app-")} == {30}


def test_ecr_keeps_ten_release_images_and_expires_untagged_after_a_week(mon) -> None:
    env = mon.exports["env"]
    assert sorted(r.inputs["name"] for r in mon.of_type("aws:ecr/repository:Repository")) == [
        f"portfolio-{env}-backend", f"portfolio-{env}-frontend"]
    for policy in mon.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy"):
        rules = {r["selection"]["tagStatus"]: r["selection"] for r in json.loads(policy.inputs["policy"])["rules"]}
        assert rules["untagged"]["countNumber"] == 7 and rules["untagged"]["countUnit"] == "days"
        assert rules["tagged"]["tagPrefixList"] == ["v"] and rules["tagged"]["countNumber"] == 10


def test_redis_evicts_lru_and_keeps_five_days_of_snapshots(mon) -> None:
    group = mon.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert group["engineVersion"] == "7.1"
    assert group["snapshotRetentionLimit"] == 5 and group["snapshotWindow"] == "03:00-05:00"
    params = mon.one("aws:elasticache/parameterGroup:ParameterGroup").inputs["parameters"]
    assert {"name": "maxmemory-policy", "value": "allkeys-lru"} in params


def test_dns_points_the_apex_and_www_at_the_alb(mon) -> None:
    records = {r.inputs["type"]: r.inputs for r in mon.of_type("aws:route53/record:Record") if r.name.startswith("edge-")}
    lb = mon.one("aws:lb/loadBalancer:LoadBalancer")
    assert records["A"]["aliases"][0]["name"] == lb.outputs["dnsName"]
    # The document's "AAAA record for IPv6": the ALB is dual-stack in public subnets that have IPv6.
    assert records["AAAA"]["aliases"] == records["A"]["aliases"] and records["AAAA"]["name"] == records["A"]["name"]
    assert lb.inputs["ipAddressType"] == "dualstack"
    public = {s.outputs["id"]: s.inputs for s in mon.of_type("aws:ec2/subnet:Subnet")}
    assert all(public[subnet]["ipv6CidrBlock"].endswith("/64") for subnet in lb.inputs["subnets"])
    assert records["CNAME"]["name"] == "www." + records["A"]["name"]
    assert mon.of_type("aws:cloudfront/distribution:Distribution") == []
    # No CloudFront, so the public ALB gets the regional WAF the policy pack requires.
    assert mon.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs["resourceArn"] == lb.outputs["arn"]


def test_dev_is_small_and_single_az(dev) -> None:
    db = dev.one("aws:rds/instance:Instance").inputs
    # The document's 16.3 is retired (AWS refuses new instances on it): RDS picks the current 16 minor.
    assert (db["engineVersion"], db["instanceClass"], db["allocatedStorage"], db["multiAz"]) == (
        "16", "db.t4g.micro", 20, False)
    assert db["backupRetentionPeriod"] == 7 and db["backupWindow"] == "03:00-04:00"
    assert db["maintenanceWindow"] == "mon:04:00-mon:05:00" and db["monitoringInterval"] == 60
    assert db["deletionProtection"] is True and db["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    cache = dev.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert cache["nodeType"] == "cache.t4g.micro" and cache["numCacheClusters"] == 1
    assert dev.exports["domain_zone_id"] and dev.one("aws:route53/zone:Zone").inputs["name"] == "dev.therpiproject.com"


def test_prod_is_larger_multi_az_failover_and_protected(prod) -> None:
    db = prod.one("aws:rds/instance:Instance")
    assert (db.inputs["instanceClass"], db.inputs["allocatedStorage"], db.inputs["multiAz"]) == (
        "db.t4g.small", 50, True)
    assert db.protect is True
    cache = prod.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert cache["nodeType"] == "cache.t4g.small" and cache["numCacheClusters"] == 2
    assert cache["automaticFailoverEnabled"] is True and cache["multiAzEnabled"] is True
    assert prod.one("aws:route53/zone:Zone").inputs["name"] == "therpiproject.com"
    assert prod.one("aws:acm/certificate:Certificate").inputs["subjectAlternativeNames"] == ["*.therpiproject.com"]
    assert {s.inputs["desiredCount"] for s in prod.of_type("aws:ecs/service:Service")} == {2}
