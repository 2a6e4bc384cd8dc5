"""examples/Pulumi.wordpress.yaml: aws-samples/aws-refarch-wordpress as a stack file (Aurora MySQL, Memcached, EFS, CDN)."""

from __future__ import annotations

import pytest

from tests.conftest import container_of
from tools.harness import PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.wordpress.yaml"


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)


def test_aurora_mysql_refuses_plain_connections_and_keeps_what_the_pack_asks(mon) -> None:
    cluster = mon.one("aws:rds/cluster:Cluster").inputs
    assert (cluster["engine"], cluster["port"], cluster["backupRetentionPeriod"]) == ("aurora-mysql", 3306, 30)
    assert cluster["storageEncrypted"] is True and cluster["deletionProtection"] is True
    assert "audit" in cluster["enabledCloudwatchLogsExports"] and cluster["backtrackWindow"] > 0
    params = {p["name"]: p["value"] for p in mon.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs["parameters"]}
    assert params["require_secure_transport"] == "ON" and params["server_audit_logging"] == "1"
    assert len(mon.of_type("aws:rds/clusterInstance:ClusterInstance")) == 2   # DatabaseInstance0 and 1
    # ... and WordPress asks for TLS, or every connection would be refused.
    env = {e["name"]: e["value"] for e in container_of(mon, "app-web")["environment"]}
    assert "MYSQLI_CLIENT_SSL" in env["WORDPRESS_CONFIG_EXTRA"]


def test_memcached_spreads_over_the_azs_speaks_tls_and_is_reached_only_from_the_web_tasks(mon) -> None:
    cluster = mon.one("aws:elasticache/cluster:Cluster")
    c = cluster.inputs
    assert (c["engine"], c["numCacheNodes"], c["azMode"], c["port"]) == ("memcached", 3, "cross-az", 11211)
    assert c["transitEncryptionEnabled"] is True and cluster.protect is True
    (rule,) = [r for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.name.startswith("cache-from-")]
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (11211, 11211) and rule.name == "cache-from-web"
    env = {e["name"]: e["value"] for e in container_of(mon, "app-web")["environment"]}
    assert env["MEMCACHED"] == f"{cluster.outputs['clusterAddress']}:11211"
    # One CPU alarm per node, on the host's CPU (Memcached is multi-threaded), dimensioned by node.
    alarms = sorted((a for a in mon.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if "-cache-" in a.name),
                    key=lambda a: a.name)
    assert [a.inputs["metricName"] for a in alarms] == ["CPUUtilization"] * 3
    assert [a.inputs["dimensions"]["CacheNodeId"] for a in alarms] == ["0001", "0002", "0003"]


def test_wp_content_is_shared_on_efs_by_every_task(mon) -> None:
    point = mon.one("aws:efs/accessPoint:AccessPoint").inputs
    assert point["rootDirectory"]["path"] == "/wp-content"
    assert (point["posixUser"]["uid"], point["posixUser"]["gid"]) == (33, 33)
    assert container_of(mon, "app-web")["mountPoints"] == [
        {"sourceVolume": "wp-content", "containerPath": "/var/www/html/wp-content", "readOnly": False}]
    assert mon.one("aws:efs/backupPolicy:BackupPolicy").inputs["backupPolicy"]["status"] == "ENABLED"


def test_cloudfront_caches_the_static_paths_in_the_templates_order_and_passes_the_rest(mon) -> None:
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    cached = [(b["pathPattern"], b["targetOriginId"]) for b in dist["orderedCacheBehaviors"]]
    assert cached == [("/wp-includes/*", "load-balancer"), ("/wp-content/*", "load-balancer")]
    policy = mon.one("aws:cloudfront/cachePolicy:CachePolicy").inputs
    assert (policy["minTtl"], policy["defaultTtl"], policy["maxTtl"]) == (900, 900, 900)
    key = policy["parametersInCacheKeyAndForwardedToOrigin"]
    assert key["queryStringsConfig"]["queryStringBehavior"] == "all"
    assert key["headersConfig"]["headers"]["items"] == ["Host"]
    assert key["cookiesConfig"]["cookieBehavior"] == "none"   # a logged-in cookie never reaches the cache
    assert {b["cachePolicyId"] for b in dist["orderedCacheBehaviors"]} == {mon.one(
        "aws:cloudfront/cachePolicy:CachePolicy").id}
    default = dist["defaultCacheBehavior"]
    assert default["targetOriginId"] == "load-balancer" and default["viewerProtocolPolicy"] == "redirect-to-https"
    assert "POST" in default["allowedMethods"]   # wp-admin and wp-login pass through
    assert dist["priceClass"] == "PriceClass_100"


def test_two_to_four_web_tasks(mon) -> None:
    service = mon.one("aws:ecs/service:Service", "app-web").inputs
    target = mon.one("aws:appautoscaling/target:Target").inputs
    assert service["desiredCount"] == 2 and (target["minCapacity"], target["maxCapacity"]) == (2, 4)
