"""examples/single-component: another project's program using one component (Database) on its own."""

from __future__ import annotations

import pytest

from tools.harness import PROJECT_DIR, run_program

EXAMPLE = PROJECT_DIR / "examples" / "single-component"


@pytest.fixture(scope="module")
def mon():
    return run_program(EXAMPLE / "Pulumi.demo.yaml", project_dir=EXAMPLE)


def test_it_declares_the_database_and_nothing_of_the_platform(mon) -> None:
    (component,) = [r for r in mon.records() if not r.custom]
    assert component.type == "platform:components:Database" and component.name == "orders-db"
    assert all(r.type.startswith("aws:") for r in mon.records() if r.custom)


def test_its_settings_come_from_its_own_config_with_the_components_defaults(mon) -> None:
    db = mon.one("aws:rds/instance:Instance").inputs
    assert db["dbName"] == "orders" and db["instanceClass"] == "db.t4g.micro"
    assert db["storageEncrypted"] is True and db["publiclyAccessible"] is False
    assert db["manageMasterUserPassword"] is True and db["deletionProtection"] is True
    (ingress,) = mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress.inputs["referencedSecurityGroupId"] == "sg-0a1b2c3d4e5f60719"
    assert set(mon.exports) == {"endpoint", "secret_arn"}


def test_bad_settings_fail_before_anything_is_declared() -> None:
    with pytest.raises(Exception, match="orders:database is invalid") as caught:
        run_program(EXAMPLE / "Pulumi.demo.yaml", project_dir=EXAMPLE,
                    overrides={"database": {"engine_version": "16", "instance_class": "db.t4g.micro"}})
    assert "allocated_storage_gb" in str(caught.value)
