"""examples/Pulumi.mastodon.yaml: widdix/mastodon-on-aws as a stack file (web, streaming, Sidekiq, a daily cleanup)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import container_of
from tools.harness import MOCK_DATABASE_PASSWORD, PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.mastodon.yaml"


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)



def test_the_published_tasks_with_their_sizes_on_x86_spot(mon) -> None:
    sizes = {t.name: (t.inputs["cpu"], t.inputs["memory"], t.inputs["runtimePlatform"]["cpuArchitecture"])
             for t in mon.of_type("aws:ecs/taskDefinition:TaskDefinition") if not t.name.endswith("-release")}
    assert sizes == {"app-web": ("512", "1024", "X86_64"), "app-streaming": ("256", "512", "X86_64"),
                     "app-sidekiq": ("256", "1024", "X86_64"), "app-media-cleanup": ("1024", "2048", "X86_64")}
    for service in mon.of_type("aws:ecs/service:Service"):
        assert [s["capacityProvider"] for s in service.inputs["capacityProviderStrategies"]] == ["FARGATE_SPOT"]
        assert service.inputs["enableExecuteCommand"] is True


def test_streaming_takes_its_path_first_and_rails_the_rest(mon) -> None:
    rule = mon.one("aws:lb/listenerRule:ListenerRule", "app-streaming-2").inputs
    assert rule["priority"] == 2
    assert rule["conditions"][0]["pathPattern"]["values"] == ["/api/v1/streaming", "/api/v1/streaming/*"]
    assert rule["actions"][0]["targetGroupArn"] == mon.one("aws:lb/targetGroup:TargetGroup", "app-streaming").outputs["arn"]
    https = mon.one("aws:lb/listener:Listener", "app-main-https").inputs
    assert https["defaultActions"][0]["targetGroupArn"] == mon.one("aws:lb/targetGroup:TargetGroup", "app-web").outputs["arn"]
    groups = {g.name: g.inputs for g in mon.of_type("aws:lb/targetGroup:TargetGroup")}
    assert (groups["app-web"]["port"], groups["app-web"]["healthCheck"]["path"]) == (3000, "/health")
    assert (groups["app-streaming"]["port"], groups["app-streaming"]["healthCheck"]["path"]) == (
        4000, "/api/v1/streaming/health")
    assert groups["app-streaming"]["deregistrationDelay"] == 60 and groups["app-web"]["deregistrationDelay"] == 30


def test_sidekiq_never_runs_twice_and_migrations_run_before_each_rollout(mon) -> None:
    sidekiq = mon.one("aws:ecs/service:Service", "app-sidekiq").inputs
    assert (sidekiq["desiredCount"], sidekiq["deploymentMinimumHealthyPercent"], sidekiq["deploymentMaximumPercent"]) == (
        1, 0, 100)
    assert not sidekiq.get("loadBalancers")
    assert container_of(mon, "app-web-release")["command"] == ["bash", "-c", "bundle exec rails db:migrate"]
    assert "db:migrate" not in " ".join(container_of(mon, "app-web")["command"])


def test_the_daily_cleanup_is_a_scheduled_task_not_a_service(mon) -> None:
    schedule = mon.one("aws:scheduler/schedule:Schedule", "app-media-cleanup-schedule").inputs
    assert schedule["scheduleExpression"] == "rate(1 day)"
    machine = json.loads(mon.one("aws:sfn/stateMachine:StateMachine", "app-media-cleanup-schedule-machine").inputs["definition"])
    assert machine["TimeoutSeconds"] == 3600 and machine["StartAt"] == "ListRunning"
    assert "app-media-cleanup" not in [s.name for s in mon.of_type("aws:ecs/service:Service")]
    assert "tootctl media remove" in container_of(mon, "app-media-cleanup")["command"][2]


def test_mastodon_reads_its_own_names_and_the_password_never_in_clear(mon) -> None:
    web = container_of(mon, "app-web")
    env = {e["name"]: e["value"] for e in web["environment"]}
    secrets = {s["name"]: s["valueFrom"] for s in web["secrets"]}
    db = mon.one("aws:rds/instance:Instance", "db-instance").outputs
    assert env["DB_HOST"] == db["address"] and env["DB_PORT"] == "5432" and env["DB_NAME"] == "mastodon"
    assert env["LOCAL_DOMAIN"] == "social.example.org" and env["S3_REGION"] == "us-east-1"
    assert env["S3_BUCKET"] == mon.one("aws:s3/bucket:Bucket", "storage-media").outputs["bucket"]
    assert env["REDIS_URL"].startswith("rediss://") and env["REDIS_URL"].endswith(":6379")
    rds_secret = db["masterUserSecrets"][0]["secretArn"]
    assert secrets["DB_PASS"] == f"{rds_secret}:password::" and secrets["DB_USER"] == f"{rds_secret}:username::"
    app_keys = mon.one("aws:secretsmanager/secret:Secret", "secrets-app-keys").outputs["arn"]
    assert secrets["SECRET_KEY_BASE"] == f"{app_keys}:SECRET_KEY_BASE::"
    assert not any(MOCK_DATABASE_PASSWORD in json.dumps(r.inputs) for r in mon.records())


def test_every_task_runs_in_a_public_subnet_with_a_public_ip_and_there_is_no_nat(mon) -> None:
    public = {s.outputs["id"] for s in mon.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == "public"}
    for service in mon.of_type("aws:ecs/service:Service"):
        network = service.inputs["networkConfiguration"]
        assert network["assignPublicIp"] is True and set(network["subnets"]) == public
    assert not mon.of_type("aws:ec2/natGateway:NatGateway") and not mon.of_type("aws:ec2/instance:Instance")
    isolated = {s.outputs["id"] for s in mon.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == "isolated"}
    group = mon.one("aws:rds/subnetGroup:SubnetGroup").inputs
    assert set(group["subnetIds"]) == isolated


def test_mail_goes_out_as_the_domain_signed_with_dkim(mon) -> None:
    identity = mon.one("aws:sesv2/emailIdentity:EmailIdentity", "domain-email")
    assert identity.inputs["emailIdentity"] == "social.example.org"
    tokens = identity.outputs["dkimSigningAttributes"]["tokens"]
    records = {r.inputs["name"]: r.inputs.get("records") for r in mon.of_type("aws:route53/record:Record")}
    assert all(records[f"{t}._domainkey.social.example.org"] == [f"{t}.dkim.amazonses.com"] for t in tokens)
    assert records["_dmarc.social.example.org"] == ["v=DMARC1; p=quarantine"]


def test_media_is_served_by_its_own_distribution_which_alone_reads_the_bucket(mon) -> None:
    media_cdn = mon.one("aws:cloudfront/distribution:Distribution", "edge-media-cdn")
    assert media_cdn.inputs["aliases"] == ["files.social.example.org"]
    assert media_cdn.inputs["webAclId"] == mon.one("aws:wafv2/webAcl:WebAcl", "waf-cdn-acl").outputs["arn"]
    assert mon.one("aws:wafv2/webAcl:WebAcl", "waf-cdn-acl").inputs["scope"] == "CLOUDFRONT"
    env = {e["name"]: e["value"] for e in container_of(mon, "app-web")["environment"]}
    assert env["S3_ALIAS_HOST"] == "files.social.example.org"
    policy = json.loads(mon.one("aws:s3/bucketPolicy:BucketPolicy", "storage-media").inputs["policy"])
    read = next(s for s in policy["Statement"] if s.get("Sid") == "CloudFrontReadsThroughOac")
    assert read["Condition"]["StringEquals"]["AWS:SourceArn"] == media_cdn.outputs["arn"]
    # The site itself is still not behind CloudFront: its name points at the load balancer.
    assert [d.name for d in mon.of_type("aws:cloudfront/distribution:Distribution")] == ["edge-media-cdn"]
