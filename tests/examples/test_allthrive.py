"""examples/Pulumi.allthrive.yaml: Django/Daphne + Celery + Weaviate on Fargate, S3 site via CloudFront."""

from __future__ import annotations

import json

import pytest

from tools.harness import PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.allthrive.yaml"


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)


def _task(mon, service: str) -> dict:
    task = mon.one("aws:ecs/taskDefinition:TaskDefinition", f"app-{service}").inputs
    return {"cpu": task["cpu"], "memory": task["memory"], "container": json.loads(task["containerDefinitions"])[0]}


def test_four_services_with_the_documents_sizes_and_only_web_behind_the_alb(mon) -> None:
    tasks = {s: _task(mon, s) for s in ("web", "celery", "beat", "weaviate")}
    sizes = {s: (t["cpu"], t["memory"]) for s, t in tasks.items()}
    assert sizes == {"web": ("512", "1024"), "celery": ("512", "1024"), "beat": ("256", "512"),
                     "weaviate": ("512", "1024")}
    services = {s.name: s.inputs for s in mon.of_type("aws:ecs/service:Service")}
    assert [n for n, s in services.items() if s.get("loadBalancers")] == ["app-web"]
    assert services["app-beat"]["desiredCount"] == 1  # one scheduler, or tasks run twice
    assert tasks["celery"]["container"]["command"][:4] == ["celery", "-A", "config", "worker"]


def test_weaviate_is_reachable_by_name_on_8080_and_50051_from_web_and_celery_only(mon) -> None:
    connect = mon.one("aws:ecs/service:Service", "app-weaviate").inputs["serviceConnectConfiguration"]
    assert {(alias["dnsName"], alias["port"]) for s in connect["services"] for alias in s["clientAlias"]} == {
        ("weaviate", 8080), ("weaviate", 50051)}
    weaviate_sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-weaviate").id
    rules = [r.inputs for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r.inputs["securityGroupId"] == weaviate_sg]
    sources = {mon.by_id(r["referencedSecurityGroupId"]).name for r in rules}
    assert sources == {"app-web", "app-celery"} and {r["fromPort"] for r in rules} == {8080, 50051}


def test_frontend_from_s3_through_oac_api_and_ws_to_the_alb(mon) -> None:
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    origins = {o["originId"]: o for o in dist["origins"]}
    assert dist["defaultCacheBehavior"]["targetOriginId"] == "static-site"
    assert origins["static-site"]["originAccessControlId"]
    # CloudFront takes the first behaviour that matches: the order is part of the answer.
    assert [(b["pathPattern"], b["targetOriginId"]) for b in dist["orderedCacheBehaviors"]] == [
        ("/api/*", "load-balancer"), ("/ws/*", "load-balancer")]
    assert sorted(dist["aliases"]) == ["allthrive.ai", "api.allthrive.ai"]
    # The single-page app's routes are rewritten on the default behaviour only: /api/* and /ws/* errors
    # reach clients as they are (regression: error pages turned them into 200 + index.html).
    assert not dist.get("customErrorResponses")
    assert [a["eventType"] for a in dist["defaultCacheBehavior"]["functionAssociations"]] == ["viewer-request"]
    assert all(not b.get("functionAssociations") for b in dist["orderedCacheBehaviors"])


def test_ws_goes_straight_to_the_alb_which_keeps_websockets_open_and_has_its_own_waf(mon) -> None:
    lb = mon.one("aws:lb/loadBalancer:LoadBalancer")
    assert lb.inputs["idleTimeout"] >= 120
    ws = next(r.inputs for r in mon.of_type("aws:route53/record:Record") if r.inputs["name"] == "ws.allthrive.ai")
    assert ws["aliases"][0]["name"] == lb.outputs["dnsName"]
    acls = {a.inputs["scope"]: a for a in mon.of_type("aws:wafv2/webAcl:WebAcl")}
    assert set(acls) == {"CLOUDFRONT", "REGIONAL"}
    assoc = mon.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert assoc == {"resourceArn": lb.outputs["arn"], "webAclArn": acls["REGIONAL"].outputs["arn"]}


def test_secrets_follow_the_production_allthrive_layout(mon) -> None:
    names = sorted(s.inputs["name"] for s in mon.of_type("aws:secretsmanager/secret:Secret"))
    assert names == ["production/allthrive/ai/api-keys", "production/allthrive/app",
                     "production/allthrive/oauth/credentials", "production/allthrive/stripe/credentials"]
    secrets = {s["name"]: s["valueFrom"] for s in _task(mon, "web")["container"]["secrets"]}
    assert secrets["STRIPE_SECRET_KEY"].endswith(":STRIPE_SECRET_KEY::")


def test_web_and_celery_share_the_media_bucket_and_nothing_else_gets_it(mon) -> None:
    grants = {g.name for g in mon.of_type("aws:iam/rolePolicy:RolePolicy") if g.name.startswith("storage-grant-")}
    assert grants == {"storage-grant-web", "storage-grant-celery"}
    env = {e["name"]: e["value"] for e in _task(mon, "web")["container"]["environment"]}
    assert env["BUCKET_MEDIA"] == mon.exports["storage_bucket_names"]["media"]


def test_github_actions_deploy_through_oidc_to_the_production_environment(mon) -> None:
    trust = json.loads(mon.one("aws:iam/role:Role", "github-deploy").inputs["assumeRolePolicy"])
    subjects = trust["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert "repo:allthrive/allthrive:environment:production" in subjects


def test_migrations_run_as_the_web_release_task_before_each_rollout(mon) -> None:
    # The document runs `python manage.py migrate` through ECS Exec by hand on every release.
    release = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-web-release").inputs
    (container,) = json.loads(release["containerDefinitions"])
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert container["image"] == _task(mon, "web")["container"]["image"]
    tasks = mon.exports["app_release_tasks"]
    assert set(tasks) == {"web"} and tasks["web"]["timeout_seconds"] == 900
    assert tasks["web"]["task_definition"] == release["family"]
