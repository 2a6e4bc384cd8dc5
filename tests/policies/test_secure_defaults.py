"""Mutation tests of the secure settings the components make: flip one in the recorded graph of the reference
prod (tests/fixtures), and
exactly the rules about that setting fire (the pack notices, and blames nothing else)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from policies.rules import POLICIES
from tests.conftest import FIXTURE_PROD, FIXTURE_PROD_POLICY
from tools.harness import RecordingMonitor
from tools.policy_run import load_policy_config, run_policies

DELETE = object()
"""A mutation value: remove the property (AWS's default applies)."""

# (resource type, logical name, property path, new value, the rules that must fire, and only they)
MUTATIONS: list[tuple[str, str, tuple[str, ...], Any, set[str]]] = [
    ("aws:rds/instance:Instance", "db-instance", ("storageEncrypted",), False, {"rds-storage-encrypted"}),
    ("aws:rds/instance:Instance", "db-instance", ("publiclyAccessible",), True, {"rds-not-public"}),
    ("aws:rds/instance:Instance", "db-instance", ("deletionProtection",), False, {"rds-deletion-protection-prod"}),
    ("aws:rds/instance:Instance", "db-instance", ("multiAz",), False, {"rds-multi-az-prod"}),
    ("aws:rds/instance:Instance", "db-instance", ("iamDatabaseAuthenticationEnabled",), DELETE, {"rds-iam-auth"}),
    ("aws:rds/instance:Instance", "db-instance", ("skipFinalSnapshot",), True, {"rds-final-snapshot-prod"}),
    ("aws:rds/instance:Instance", "db-instance", ("backupRetentionPeriod",), 6, {"rds-backup-retention"}),
    ("aws:rds/instance:Instance", "db-instance", ("enabledCloudwatchLogsExports",), ["upgrade"], {"rds-log-exports"}),
    ("aws:rds/instance:Instance", "db-instance", ("monitoringInterval",), 0, {"rds-enhanced-monitoring"}),
    ("aws:rds/parameterGroup:ParameterGroup", "db-params", ("parameters",), [], {"rds-force-ssl"}),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "cache-group", ("transitEncryptionEnabled",), False,
     {"elasticache-transit-encryption"}),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "cache-group", ("atRestEncryptionEnabled",), False,
     {"elasticache-at-rest-encryption"}),   # unset is encrypted for Valkey (the reference cache): tests/policies/test_precision.py
    ("aws:elasticache/replicationGroup:ReplicationGroup", "cache-group", ("snapshotRetentionLimit",), 0,
     {"elasticache-snapshots-prod"}),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "cache-group", ("multiAzEnabled",), False,
     {"elasticache-failover-prod"}),
    ("aws:kms/key:Key", "db-key", ("enableKeyRotation",), DELETE, {"kms-key-rotation"}),
    ("aws:lb/listener:Listener", "app-main-https", ("sslPolicy",), "ELBSecurityPolicy-TLS-1-1-2017-01", {"alb-https-tls13"}),
    ("aws:lb/loadBalancer:LoadBalancer", "app-main", ("dropInvalidHeaderFields",), DELETE, {"alb-drop-invalid-headers"}),
    ("aws:lb/loadBalancer:LoadBalancer", "app-main", ("enableDeletionProtection",), False,
     {"alb-deletion-protection-prod"}),
    ("aws:lb/loadBalancer:LoadBalancer", "app-main", ("accessLogs",), DELETE, {"alb-access-logs"}),
    ("aws:cloudwatch/logGroup:LogGroup", "app-api", ("retentionInDays",), DELETE, {"log-group-retention"}),
    ("aws:cloudfront/distribution:Distribution", "edge-cdn", ("webAclId",), DELETE, {"cloudfront-waf"}),
    ("aws:cloudfront/distribution:Distribution", "edge-cdn", ("viewerCertificate", "minimumProtocolVersion"), "TLSv1.1_2016",
     {"cloudfront-viewer-https"}),
    ("aws:ecr/repository:Repository", "registry-api", ("imageTagMutability",), "MUTABLE", {"ecr-immutable-tags-prod"}),
    ("aws:ecr/repository:Repository", "registry-api", ("imageScanningConfiguration",), DELETE, {"ecr-scan-on-push"}),
    ("aws:sfn/stateMachine:StateMachine", "pipeline-machine", ("loggingConfiguration", "includeExecutionData"), False,
     {"sfn-logging"}),
    ("aws:ecs/service:Service", "app-api", ("networkConfiguration", "assignPublicIp"), True, {"ecs-no-public-ip"}),
    ("aws:ecs/service:Service", "app-api", ("deploymentCircuitBreaker",), DELETE, {"ecs-circuit-breaker"}),
    ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pipeline-uploads", ("blockPublicPolicy",), False,
     {"s3-public-access-block"}),
    ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-api", ("cidrIpv4",), "0.0.0.0/0",
     {"sg-no-open-ingress"}),
    ("aws:secretsmanager/secret:Secret", "secrets-oauth", ("kmsKeyId",), "alias/aws/secretsmanager",
     {"secrets-customer-managed-key"}),
    ("aws:wafv2/webAcl:WebAcl", "waf-acl", ("rules",), [], {"waf-known-bad-inputs", "waf-rules-with-metrics"}),
]


def _mutated(monitor: RecordingMonitor, typ: str, name: str, path: tuple[str, ...], value: Any) -> RecordingMonitor:
    """A copy of the recorded graph with one property of one resource changed (inputs and state alike)."""
    rec = monitor.one(typ, name)

    def change(props: dict[str, Any]) -> dict[str, Any]:
        props = copy.deepcopy(props)
        node = props
        for key in path[:-1]:
            node = node.setdefault(key, {})
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
        return props

    clone = RecordingMonitor()
    clone.registered = dict(monitor.registered)
    clone.registered[rec.urn] = replace(rec, inputs=change(rec.inputs), outputs=change(rec.outputs) if rec.outputs else {})
    return clone


def _findings(monitor: RecordingMonitor) -> set[tuple[str, str]]:
    report = run_policies(monitor, POLICIES, {**load_policy_config("fixture-prod", FIXTURE_PROD_POLICY), "all": "mandatory"})
    return {(v.policy, v.urn) for v in report.violations}


@pytest.fixture(scope="module")
def prod(stack) -> tuple[RecordingMonitor, set[tuple[str, str]]]:
    monitor = stack(FIXTURE_PROD)
    return monitor, _findings(monitor)


@pytest.mark.parametrize(("typ", "name", "path", "value", "rules"), MUTATIONS,
                         ids=[f"{m[1]}.{'.'.join(m[2])}" for m in MUTATIONS])
def test_flipping_a_secure_setting_fires_exactly_its_rules(prod, typ, name, path, value, rules) -> None:
    monitor, baseline = prod
    # The setting is secure as committed: none of its rules fires on this resource yet.
    urn = monitor.one(typ, name).urn
    assert not {p for p, u in baseline if u == urn and p in rules}
    new = _findings(_mutated(monitor, typ, name, path, value)) - baseline
    assert {policy for policy, _ in new} == rules
    # Blamed on the resource that changed (a bucket's parts share its name; their findings name the bucket).
    assert all(u == urn or u.endswith(f"::{name}") for _, u in new), new


def test_the_mutations_cover_every_group_of_secure_setting() -> None:
    from policies.rules import RULES

    groups = {r.group for r in RULES for m in MUTATIONS if r.name in m[4]}
    assert groups >= {"encryption-at-rest", "encryption-in-transit", "network-exposure", "public-data",
                      "logging-monitoring", "resilience", "identity", "supply-chain"}
