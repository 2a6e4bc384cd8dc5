"""examples/Pulumi.petclinic.yaml: aws-samples/aws-ecs-cicd-terraform's Spring PetClinic on RDS for MySQL."""

from __future__ import annotations

import json

import pytest

from tests.conftest import container_of
from tools.harness import PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.petclinic.yaml"


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)


def test_rds_mysql_8_refuses_plain_connections_and_keeps_its_logs(mon) -> None:
    db = mon.one("aws:rds/instance:Instance").inputs
    assert (db["engine"], db["engineVersion"], db["port"], db["dbName"]) == ("mysql", "8.0", 3306, "petclinic")
    assert db["multiAz"] is False and db["publiclyAccessible"] is False and db["storageEncrypted"] is True
    assert db["skipFinalSnapshot"] is False and db["backupRetentionPeriod"] == 7
    assert db["enabledCloudwatchLogsExports"] == ["error", "slowquery"]
    params = {p["name"]: p["value"] for p in mon.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert params["require_secure_transport"] == "1" and params["slow_query_log"] == "1"
    assert mon.one("aws:rds/parameterGroup:ParameterGroup").inputs["family"] == "mysql8.0"


def test_spring_gets_a_tls_jdbc_url_and_the_rds_secret(mon) -> None:
    container = container_of(mon, "app-petclinic")
    env = {e["name"]: e["value"] for e in container["environment"]}
    host = mon.one("aws:rds/instance:Instance").outputs["address"]
    assert env["SPRING_DATASOURCE_URL"] == f"jdbc:mysql://{host}:3306/petclinic?sslMode=REQUIRED"
    assert env["SPRING_PROFILES_ACTIVE"] == "mysql"
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert secrets["SPRING_DATASOURCE_PASSWORD"].endswith(":password::")
    assert secrets["SPRING_DATASOURCE_USERNAME"].endswith(":username::")
    assert "SPRING_DATASOURCE_PASSWORD" not in env


def test_three_tasks_of_one_vcpu_behind_the_load_balancer_on_8080(mon) -> None:
    service = mon.one("aws:ecs/service:Service", "app-petclinic").inputs
    task = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-petclinic").inputs
    assert service["desiredCount"] == 3 and (task["cpu"], task["memory"]) == ("1024", "2048")
    (mapping,) = json.loads(task["containerDefinitions"])[0]["portMappings"]
    assert mapping["containerPort"] == 8080
    assert mon.one("aws:lb/targetGroup:TargetGroup", "app-petclinic").inputs["port"] == 8080
    assert len(mon.of_type("aws:ec2/natGateway:NatGateway")) == 2
