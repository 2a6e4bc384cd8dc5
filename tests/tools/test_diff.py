"""`diff`: create / update / replace / delete between two recorded graphs, and the guard on stateful resources."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest
import yaml

from components import Database
from tests.components.test_database import rds
from tests.conftest import FIXTURE_PROD
from tools import diff
from tools.__main__ import main
from tools.harness import PROJECT_DIR, graph_json, load_stack_config, run_program


@pytest.fixture(scope="module")
def prod_graph(stack) -> dict:
    """The fixture prod stack's graph (protected, stateful resources throughout)."""
    return graph_json(stack(FIXTURE_PROD), load_stack_config(FIXTURE_PROD))


def _variant(tmp_path: Path, edit) -> dict:
    """The graph of the fixture prod stack after `edit(config)`, under the same stack name."""
    doc = yaml.safe_load(FIXTURE_PROD.read_text())
    edit(doc["config"])
    path = tmp_path / FIXTURE_PROD.name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return graph_json(run_program(path), load_stack_config(path))


def _input_of(graph: dict, urn: str, key: str):
    return next(r for r in graph["resources"] if r["urn"] == urn)["inputs"].get(key)


def _actions(changes: list[diff.Change]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for c in changes:
        found.setdefault(c.action, set()).add(c.name)
    return found


def test_an_unchanged_stack_says_no_changes(prod_graph) -> None:
    changes = diff.compare(prod_graph, copy.deepcopy(prod_graph))
    assert changes == []
    report = diff.render("platform/prod", "abc", changes, {}, (100.0, 100.0), diff.guard(changes, {}))
    assert "no changes" in report and "+0.00" in report and "REFUSED" not in report


def test_a_tag_only_change_updates_in_place_and_passes_the_guard(prod_graph, tmp_path) -> None:
    head = _variant(tmp_path, lambda c: c["platform:tags"].update(owner="payments-team"))
    changes = diff.compare(prod_graph, head)
    assert _actions(changes).keys() == {"update"}
    # Only tags moved (directly, or inside a document that carries them, e.g. backup recovery point tags).
    leaves = [leaf for c in changes for k in c.inputs for leaf in diff.leaf_changes(c.before[k], c.after[k], k)]
    assert leaves and all(old == "platform-team" and new == "payments-team" for _, old, new in leaves)
    assert diff.guard(changes, {}) == []


def _engine_changed(graph: dict, *, protect: bool) -> tuple[dict, dict, str]:
    """(base, head, instance name): the database's engine changed in head; `protect` on both sides."""
    base, head = copy.deepcopy(graph), copy.deepcopy(graph)
    for side in (base, head):
        instance = next(r for r in side["resources"] if r["type"] == "aws:rds/instance:Instance")
        instance["options"]["protect"] = protect
    instance["inputs"]["engine"] = "mysql"
    return base, head, instance["name"]


def test_an_engine_change_replaces_the_database_and_trips_the_guard_until_acknowledged(prod_graph) -> None:
    base, head, name = _engine_changed(prod_graph, protect=False)
    changes = diff.compare(base, head)
    assert [(c.action, c.name, c.forced_by) for c in changes] == [("replace", name, ["engine"])]
    refusal, = diff.guard(changes, {})
    assert refusal.startswith(f"{name} (aws:rds/instance:Instance) would be replaced, losing the database and its data")
    assert "platform:acknowledged_replacements" in refusal and "snapshot" in refusal
    assert diff.guard(changes, {name: "snapshot restored into the new engine"}) == []
    assert diff.guard(changes, {"some-other-db": "not this one"}) != []


def test_an_acknowledged_replacement_of_a_protected_database_names_the_unprotect_step(prod_graph) -> None:
    base, head, name = _engine_changed(prod_graph, protect=True)
    changes = diff.compare(base, head)
    assert diff.guard(changes, {}) != []
    acknowledged = {name: "snapshot restored into the new engine"}
    assert diff.guard(changes, acknowledged) == []
    step, = diff.manual_steps(changes, acknowledged)
    assert step.startswith(f"{name}: take a snapshot, then `pulumi state unprotect 'urn:pulumi:")
    # The engine replaces when either side is unprotected (pulumi/pulumi#8873): nothing to do by hand then.
    next(r for r in head["resources"] if r["name"] == name)["options"]["protect"] = False
    assert diff.manual_steps(diff.compare(base, head), acknowledged) == []
    assert diff.manual_steps(changes, {}) == []


@pytest.mark.parametrize("key, forces", [("identifier", True), ("kmsKeyId", True), ("dbName", True),
                                         ("storageEncrypted", True), ("instanceClass", False),
                                         ("allocatedStorage", False), ("engineVersion", False)])
def test_create_only_inputs_of_an_rds_instance(key, forces) -> None:
    # identifier/kmsKeyId/storageEncrypted: createOnlyProperties of AWS::RDS::DBInstance (cfn-lint 1.58.0);
    # dbName: the provider's ForceNew; class, storage and version change in place.
    assert (key in diff.create_only("aws:rds/instance:Instance")) is forces


def test_replace_on_changes_forces_a_replacement(prod_graph) -> None:
    head = copy.deepcopy(prod_graph)
    group = next(r for r in head["resources"] if r["type"] == "aws:ec2/securityGroup:SecurityGroup")
    group["inputs"]["description"] = "changed"
    assert [c.action for c in diff.compare(prod_graph, head)] == ["replace"]  # AWS: description is create-only
    group["inputs"]["description"] = _input_of(prod_graph, group["urn"], "description")
    group["inputs"]["revokeRulesOnDelete"] = True
    assert [c.action for c in diff.compare(prod_graph, head)] == ["update"]
    group["options"]["replaceOnChanges"] = ["revokeRulesOnDelete"]
    assert [c.action for c in diff.compare(prod_graph, head)] == ["replace"]


SNAPSHOT = "arn:aws:rds:us-east-1:123456789012:snapshot:platform-prod-db-to-aurora"


def test_switching_prod_to_aurora_names_the_route_and_goes_ahead_once_acknowledged(prod_graph, tmp_path) -> None:
    def to_aurora(config: dict) -> None:
        db = config["platform:database"]
        for key in ("allocated_storage_gb", "max_allocated_storage_gb", "multi_az"):
            db.pop(key, None)
        db.update(engine="aurora-postgresql", engine_version="16.15", instances=2, restore_from_snapshot=SNAPSHOT)

    head = _variant(tmp_path, to_aurora)
    changes = diff.compare(prod_graph, head)
    actions = _actions(changes)
    assert "db-instance" in actions["delete"] and {"db-cluster", "db-instance-1", "db-instance-2"} <= actions["create"]
    # Unacknowledged: refused, with the way through.
    refusal, = diff.guard(changes, {})
    assert refusal.startswith("db-instance (aws:rds/instance:Instance) is protected and would be deleted")
    assert diff.DATABASE_ROUTE in refusal
    # Acknowledged: it goes ahead, and the step the engine needs first is printed.
    acknowledged = {"db-instance": "moving to Aurora: restored from a snapshot taken with writes stopped"}
    assert diff.guard(changes, acknowledged) == []
    step, = [s for s in diff.manual_steps(changes, acknowledged) if s.startswith("db-instance:")]
    assert "pulumi state unprotect" in step and "stays in AWS" in step
    cluster = next(r for r in diff._resources(head).values() if r["name"] == "db-cluster")
    assert cluster["inputs"]["snapshotIdentifier"] == SNAPSHOT and "databaseName" not in cluster["inputs"]


class _Store(pulumi.ComponentResource):
    """A component whose bucket's physical name does not follow its logical name."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Store", name, None, opts)
        aws.s3.BucketV2(f"{name}-bucket", bucket="platform-test-store",
                        opts=pulumi.ResourceOptions(parent=self, protect=True))
        self.register_outputs({})


def test_renaming_a_component_is_delete_plus_create_unless_an_alias_links_them(record) -> None:
    base = graph_json(record(lambda: _Store("store")))
    renamed = diff.compare(base, graph_json(record(lambda: _Store("files"))))
    assert _actions(renamed) == {"delete": {"store-bucket"}, "create": {"files-bucket"}}
    refusal, = diff.guard(renamed, {})
    assert "is protected and would be deleted" in refusal and "every object in the bucket" in refusal
    assert diff.DATABASE_ROUTE not in refusal  # a bucket has no snapshot route
    # Acknowledged, a protected delete goes ahead once unprotected by hand (the engine refuses it otherwise).
    assert diff.guard(renamed, {"store-bucket": "moved"}) == []
    assert [s.split(":")[0] for s in diff.manual_steps(renamed, {"store-bucket": "moved"})] == ["store-bucket"]
    # The child inherits its parent's alias, its name's prefix swapped (the engine's inherited child alias).
    aliased = graph_json(record(lambda: _Store("files", pulumi.ResourceOptions(aliases=[pulumi.Alias(name="store")]))))
    assert diff.compare(base, aliased) == []


def test_renaming_the_database_component_with_an_alias_still_replaces_it_as_its_identifier_follows_the_name(
        record) -> None:
    base = graph_json(record(lambda: Database("db", rds(protect=True))))
    head = graph_json(record(lambda: Database("orders", rds(protect=True),
                                              pulumi.ResourceOptions(aliases=[pulumi.Alias(name="db")]))))
    changes = diff.compare(base, head)
    assert not _actions(changes).keys() & {"create", "delete"}
    instance = next(c for c in changes if c.type == "aws:rds/instance:Instance")
    assert instance.action == "replace" and "identifier" in instance.forced_by
    assert any(r.startswith("orders-instance (aws:rds/instance:Instance) would be replaced") and "identifier" in r
               for r in diff.guard(changes, {}))


def test_alias_specs_resolve_like_the_engine() -> None:
    stack = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    comp = "urn:pulumi:s::p::pulumi:pulumi:Stack$platform:components:Store::new"
    resources = {
        comp: {"urn": comp, "type": "platform:components:Store", "name": "new", "parent": stack,
               "options": {"aliases": ["alias(name=old)"]}},
        f"{comp}-x": {"urn": "child", "type": "aws:s3/bucketV2:BucketV2", "name": "new-logs", "parent": comp,
                      "options": {"aliases": ["alias(name=moved, noParent=true)"]}},
    }
    ids = diff.identities(resources)
    assert "urn:pulumi:s::p::pulumi:pulumi:Stack$platform:components:Store::old" in ids[comp]
    assert ids[f"{comp}-x"] >= {"urn:pulumi:s::p::platform:components:Store$aws:s3/bucketV2:BucketV2::old-logs",
                                "urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::moved"}


def test_secret_inputs_are_masked_in_the_report(prod_graph) -> None:
    head = copy.deepcopy(prod_graph)
    secret = next(r for r in head["resources"] if r["type"] == "aws:rds/instance:Instance")
    secret["inputs"]["instanceClass"] = "db.r6g.large"
    change, = diff.compare(prod_graph, head)
    masked = diff.render("p", "b", [change], {change.urn: {"instanceClass"}}, (None, None), [])
    assert "instanceClass: [secret] changed" in masked and "db.r6g.large" not in masked
    shown = diff.render("p", "b", [change], {}, (None, None), [])
    assert '-> "db.r6g.large"' in shown


def test_a_bad_base_ref_is_one_clear_message(capsys) -> None:
    assert main(["diff", "dev", "--base", "no-such-ref-7f3a"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 'no-such-ref-7f3a' is not a git ref here") and "Traceback" not in err


def _clean_tree() -> bool:
    return subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_DIR, capture_output=True,
                          text=True).stdout == ""


def test_the_cli_plans_both_trees_and_prices_them(capsys) -> None:
    code = main(["diff", str(FIXTURE_PROD), "--base", "HEAD"])
    out = capsys.readouterr().out
    assert out.startswith("diff of platform/fixture-prod: ") and "\ncost: " in out
    assert code == (diff.EXIT_GUARD if "REFUSED: " in out else 0)
    if _clean_tree():  # a clean checkout (CI) is HEAD itself
        assert code == 0 and "\nno changes\n" in out and "(+0.00;" in out


def test_acknowledgements_are_read_from_the_stack_file(tmp_path) -> None:
    doc = yaml.safe_load(FIXTURE_PROD.read_text())
    path = tmp_path / FIXTURE_PROD.name
    path.write_text(yaml.safe_dump(doc))
    assert diff.acknowledged(load_stack_config(path)) == {}
    doc["config"]["platform:acknowledged_replacements"] = [{"resource": "db-instance", "reason": "snapshot restored"}]
    path.write_text(yaml.safe_dump(doc))
    assert diff.acknowledged(load_stack_config(path)) == {"db-instance": "snapshot restored"}


# -- create-only properties as the provider names them (issue 23) ------------------------------------------------------

def _create_only_properties():
    from components import aws_data
    from tools.preflight.cfn import CFN_MAP

    for typ, mapping in sorted(CFN_MAP.items()):
        schema = aws_data.cfn_schema(mapping.cfn_type)
        for prop in sorted({p.split("/")[2] for p in schema.get("createOnlyProperties", []) if p.startswith("/properties/")}):
            yield typ, prop


@pytest.mark.parametrize(("typ", "prop"), list(_create_only_properties()), ids=lambda v: str(v))
def test_every_create_only_property_is_an_input_the_provider_has_or_is_known_not_to_be(typ, prop) -> None:
    from tools.diff import CFN_ALIASES, create_only, provider_input, provider_inputs
    from tools.preflight.cfn import CFN_MAP

    mapped = {cfn.split(".")[0].split("[")[0].split("$")[0]: pul.split(".")[0].split("[")[0].split("$")[0]
              for pul, cfn in CFN_MAP[typ].properties.items()}
    name = mapped.get(prop) or CFN_ALIASES.get(typ, {}).get(prop) or provider_input(typ, prop)
    if name is None:
        assert prop in CFN_ALIASES.get(typ, {}), f"{typ} {prop}: map it in CFN_ALIASES (an input, or None)"
        return
    inputs = provider_inputs(typ)
    assert not inputs or name in inputs, f"{typ} {prop} -> {name}: the provider has no such input"
    assert name in create_only(typ) or name in ("tags", "tagsAll")


@pytest.mark.parametrize(("typ", "prop", "name"), [
    ("aws:rds/instance:Instance", "DBSubnetGroupName", "dbSubnetGroupName"),    # words, not `dBSubnetGroupName`
    ("aws:rds/instance:Instance", "CustomIAMInstanceProfile", "customIamInstanceProfile"),
    ("aws:rds/cluster:Cluster", "DBClusterIdentifier", "clusterIdentifier"),     # the type's prefix dropped
    ("aws:rds/instance:Instance", "SourceRegion", None),                        # not the provider's `region`
])
def test_a_cloudformation_name_becomes_the_providers(typ, prop, name) -> None:
    from tools.diff import provider_input

    assert provider_input(typ, prop) == name


def test_moving_an_aurora_cluster_to_another_subnet_group_is_a_replacement() -> None:
    from tools.diff import create_only

    assert {"dbSubnetGroupName", "clusterIdentifier"} <= create_only("aws:rds/cluster:Cluster")
    assert "subnetGroupName" in create_only("aws:elasticache/replicationGroup:ReplicationGroup")


# -- a stack moving to another region (issue 23) -----------------------------------------------------------------------

def test_moving_the_stack_to_another_region_replaces_every_regional_resource(prod_graph, tmp_path) -> None:
    head = _variant(tmp_path, lambda c: c.update({"aws:region": "eu-west-1"}))
    changes = diff.compare(prod_graph, head, region_move=("us-east-1", "eu-west-1"))
    by_name = {c.name: c for c in changes}
    resources = {r["name"]: r for r in head["resources"] if r.get("custom")}
    for name in ("network-vpc", "db-instance", "app-main"):
        assert by_name[name].action == "replace" and by_name[name].forced_by == ["aws:region us-east-1 -> eu-west-1"]
    for name, res in resources.items():   # global services stay (IAM, Route53, CloudFront and its web ACL)
        if res["type"].startswith(("aws:iam/", "aws:route53/", "aws:cloudfront/")):
            assert name not in by_name or by_name[name].action != "replace" or not by_name[name].forced_by[0].startswith("aws:region")
    report = diff.render("platform/prod", "abc", changes, {}, (100.0, 100.0), diff.guard(changes, {}))
    assert "region: us-east-1 -> eu-west-1 replaces every regional resource" in report
    assert "the cost above is us-east-1's, not the new region's" in report
    # The same edit without the move known is what the diff showed before: updates in place.
    assert "replace" not in {c.action for c in diff.compare(prod_graph, head) if c.name == "network-vpc"}


def test_what_stays_when_a_stack_moves() -> None:
    assert diff.stays_on_region_move({"type": "aws:iam/role:Role", "inputs": {}})
    assert diff.stays_on_region_move({"type": "aws:wafv2/webAcl:WebAcl", "inputs": {"scope": "CLOUDFRONT"}})
    assert diff.stays_on_region_move({"type": "aws:cloudwatch/logDeliverySource:LogDeliverySource",
                                      "inputs": {"region": "us-east-1"}})
    assert not diff.stays_on_region_move({"type": "aws:wafv2/webAcl:WebAcl", "inputs": {"scope": "REGIONAL"}})
    assert not diff.stays_on_region_move({"type": "aws:ec2/vpc:Vpc", "inputs": {}})


def test_the_base_region_is_read_from_the_stack_file_at_the_ref() -> None:
    from pathlib import Path

    assert diff._base_region("HEAD", Path("Pulumi.dev.yaml")) == "us-east-1"
    assert diff._base_region("HEAD", Path("Pulumi.nope.yaml")) is None   # a stack the base does not have
