"""same-graph: two recorded graphs compare equal exactly when AWS would see the same thing."""

from __future__ import annotations

import copy

from tools.harness import PROJECT_DIR
from tools.same_graph import _normalise, differences, error_differences, stack_files

URN = "urn:pulumi:dev::platform::platform:components:Database$aws:rds/instance:Instance::db-instance"


def graph(**inputs) -> dict:
    resource = {"urn": URN, "inputs": {"storageEncrypted": True, **inputs},
                "options": {"dependsOn": ["urn:b", "urn:a"], "protect": True}}
    return {"resources": {URN: _normalise(resource)}, "exports": {"db_endpoint": "x"}, "policy": []}


def test_identical_graphs_have_no_differences_whatever_the_dependency_order() -> None:
    before = graph()
    after = copy.deepcopy(before)
    after["resources"][URN]["options"]["dependsOn"] = sorted(after["resources"][URN]["options"]["dependsOn"])
    assert differences(before, after) == []
    shuffled = graph()
    shuffled["resources"][URN] = _normalise({**shuffled["resources"][URN],
                                             "options": {"dependsOn": ["urn:a", "urn:b"], "protect": True}})
    assert differences(before, shuffled) == []


def test_a_changed_input_option_urn_or_export_is_named() -> None:
    before = graph()
    assert any("inputs" in line for line in differences(before, graph(storageEncrypted=False)))
    unprotected = graph()
    unprotected["resources"][URN]["options"]["protect"] = False
    assert any("options" in line for line in differences(before, unprotected))
    renamed = {**graph(), "resources": {URN + "-2": graph()["resources"][URN]}}
    lines = differences(before, renamed)
    assert f"  - removed {URN}" in lines and f"  + added   {URN}-2" in lines
    assert differences(before, {**graph(), "exports": {"db_endpoint": "y"}}) == ["  ~ exports: db_endpoint"]


def test_every_committed_stack_and_example_is_compared() -> None:
    found = {str(p) for p in stack_files(PROJECT_DIR)}
    assert {"Pulumi.dev.yaml", "Pulumi.prod.yaml"} <= found
    assert {f"examples/{p.name}" for p in (PROJECT_DIR / "examples").glob("Pulumi.*.yaml")} <= found


def test_config_errors_must_name_the_same_keys_and_a_crash_is_never_acceptable() -> None:
    before = {"a drop": ["- database.port: expected a whole number"], "b string": [],
              "c drop": ["crash: IndexError: list index out of range"], "d drop": ["- cache.nodes: too many"]}
    after = {"a drop": ["- database.port: expected an integer"], "b string": ["crash: KeyError: 'x'"],
             "c drop": ["- cluster.eks.node_group.instance_types: at least one"], "d drop": ["- cache: too many"]}
    moved, reworded, fixed = error_differences(before, after)
    assert moved == ["b string", "d drop"] and reworded == ["a drop"] and fixed == ["c drop"]
    assert error_differences(before, before) == ([], [], [])
