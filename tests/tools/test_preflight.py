"""The preflight stage as a whole: the mapping table, the schema reader, tracing, committed stacks."""

from __future__ import annotations

import importlib
import inspect
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from components import aws_data
from tests.conftest import EXAMPLE_FILES, FIXTURE_PROD, STACK_FILES
from tools.harness import load_stack_config
from tools.preflight import render_report, run_preflight
from tools.preflight.cfn import CFN_MAP, parse_path, translate
from tools.preflight.schema import Validator
from tools.preflight.trace import trace

# -- every committed stack and example passes -----------------------------------------------------------


@pytest.mark.parametrize("path", [*STACK_FILES, *EXAMPLE_FILES], ids=lambda p: p.name)
def test_every_committed_stack_and_example_passes_preflight(stack, path: Path) -> None:
    report = run_preflight(stack(path), load_stack_config(path))
    assert report.errors == [], render_report(report)
    assert report.resources > 40 and report.rules == 25


def test_the_preview_graph_passes_too(stack) -> None:
    # Unknown values (a preview's computed outputs) decide nothing; they never fail the preflight.
    report = run_preflight(stack(FIXTURE_PROD, preview=True), load_stack_config(FIXTURE_PROD))
    assert report.errors == [], render_report(report)


# -- the mapping table ------------------------------------------------------------------------------------


def _pulumi_inputs(typ: str) -> set[str]:
    """snake_case input names of a pulumi resource type (`aws:rds/instance:Instance`)."""
    package, module_path, cls = re.fullmatch(r"([a-z]+):([\w/.]+):(\w+)", typ).groups()  # type: ignore[union-attr]
    module = importlib.import_module(
        "pulumi_eks" if package == "eks" else f"pulumi_aws.{module_path.split('/')[0]}")
    init = getattr(module, cls)._internal_init
    return set(inspect.signature(init).parameters) - {"self", "resource_name", "opts"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _cfn_property(schema: dict[str, Any], path: str) -> bool:
    """Whether a CloudFormation property path exists in the schema (following $ref and items)."""
    node: Any = schema
    for kind, name in parse_path(path):
        while isinstance(node, dict) and "$ref" in node:
            node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
        if kind == "key":
            props = node.get("properties") if isinstance(node, dict) else None
            if not props or name not in props:
                return False
            node = props[name]
        elif kind in ("each", "index"):
            node = node.get("items", {}) if isinstance(node, dict) else {}
    return True


@pytest.mark.parametrize("typ", sorted(CFN_MAP))
def test_every_mapping_names_real_properties_on_both_sides(typ: str) -> None:
    mapping = CFN_MAP[typ]
    assert mapping.cfn_type in aws_data.cfn_types("us-east-1")
    schema = aws_data.cfn_schema(mapping.cfn_type)
    inputs = _pulumi_inputs(typ)
    for pulumi_path, cfn_path in mapping.properties.items():
        first = parse_path(pulumi_path)[0][1]
        assert _snake(first) in inputs, f"{typ} has no input {first!r}"
        if cfn_path != "Tags":  # tag lists: each type's definition, checked by the schema itself
            assert _cfn_property(schema, cfn_path), f"{mapping.cfn_type} has no property {cfn_path}"


def test_every_mapped_type_occurs_in_a_committed_stack(stack) -> None:
    seen = {r.type for path in [*STACK_FILES, *EXAMPLE_FILES] for r in stack(path).records()}
    assert set(CFN_MAP) - seen == set()


def test_translation_follows_lists_json_and_tags() -> None:
    document, origins = translate("aws:ecs/taskDefinition:TaskDefinition", {
        "cpu": "256", "containerDefinitions": '[{"name": "api", "portMappings": [{"containerPort": 8000.0}]}]',
        "tags": {"env": "dev"}})
    assert document == {"Cpu": "256", "ContainerDefinitions": [{"Name": "api", "PortMappings": [{"ContainerPort": 8000}]}],
                        "Tags": [{"Key": "env", "Value": "dev"}]}
    assert origins[("ContainerDefinitions", 0, "PortMappings", 0, "ContainerPort")] == (
        "containerDefinitions[0].portMappings[0].containerPort", 8000)


# -- the schema reader -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("schema", "value", "valid"), [
    ({"type": "string"}, 7, True),  # CloudFormation coerces scalars
    ({"type": "integer"}, "7", True),
    ({"type": "integer"}, 7.5, False),
    ({"enum": [7, 14]}, 14.0, True),
    ({"minimum": 10}, 10, True),
    ({"minimum": 10}, 9.999, False),
    ({"maximum": 50000}, 50000, True),
    ({"maximum": 50000}, 50001, False),
    ({"maxLength": 3}, "abc", True),
    ({"maxLength": 3}, "abcd", False),
    ({"pattern": r"^[\p{L}]+$"}, "Zürich", True),  # AWS's \p classes
    ({"pattern": r"^[\p{L}]+$"}, "a&b", False),
    ({"not": {"enum": ["rdsadmin"]}}, "rdsadmin", False),
    ({"multipleOf": 1024}, 3072, True),
    ({"multipleOf": 1024}, 3000, False),
    ({"type": "array", "maxItems": 1}, [1, 2], False),
    ({"unknownKeyword": True}, "anything", True),  # unknown keywords never invent a refusal
])
def test_schema_keywords(schema: dict[str, Any], value: Any, valid: bool) -> None:
    assert Validator({}).valid(value, schema) is valid


def test_partial_documents_are_judged_only_on_what_they_hold() -> None:
    schema = {"properties": {"Origins": {"items": {"required": ["Id", "DomainName"],
                                                    "properties": {"Port": {"maximum": 65535}}}}},
              "allOf": [{"if": {"properties": {"Engine": {"const": "valkey"}}, "required": ["Engine"]},
                         "then": {"required": ["TransitEncryptionEnabled"]}}]}
    partial = Validator(schema, partial=True)
    assert partial.valid({"Origins": [{"Port": 443}]}, schema)  # Id and DomainName are just not mapped
    assert not partial.valid({"Origins": [{"Port": 70000}]}, schema)
    # A condition that holds still applies its `then` (as `if` evaluates required strictly).
    assert partial.valid({"Engine": "redis"}, schema)
    assert list(Validator(schema).errors({"Engine": "valkey", "Origins": []}, schema))


# -- tracing a value to the stack file ----------------------------------------------------------------------


_TRACED = """\
config:
  aws:region: us-east-1
  platform:database:
    engine_version: "16"
  platform:services:
    frontend:
      memory: 2048
      image: {repository: frontend, tag: v1.0.0}
    api:
      memory: 2048
      image: {repository: api, tag: v1.0.0}
"""


def _traced_file(tmp_path: Path):
    path = tmp_path / "Pulumi.traced.yaml"
    path.write_text(_TRACED)
    return load_stack_config(path)


def test_a_value_is_traced_to_the_key_and_line_that_set_it(tmp_path: Path) -> None:
    stack_file = _traced_file(tmp_path)
    key, line = trace(stack_file, "16", "engineVersion", "db-instance")  # type: ignore[misc]
    assert key == "platform:database.engine_version"
    assert stack_file.path.read_text().splitlines()[line - 1].strip().startswith("engine_version:")
    # The same value under several keys: the one named like the property and the resource wins.
    key, _ = trace(stack_file, 2048, "memory", "app-api")  # type: ignore[misc]
    assert key == "platform:services.api.memory"
    key, _ = trace(stack_file, 2048, "memory", "app-frontend")  # type: ignore[misc]
    assert key == "platform:services.frontend.memory"
    assert trace(stack_file, "not-in-the-file", "x", "y") is None


def test_a_composed_value_is_traced_to_the_key_its_resource_or_value_names(tmp_path: Path) -> None:
    # An image URI the program built from `tag`: both services wrote v1.0.0; the URI and the task name say which.
    stack_file = _traced_file(tmp_path)
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/platform-dev-registry-api:v1.0.0"
    assert trace(stack_file, uri, "image", "app-api")[0] == "platform:services.api.image.tag"  # type: ignore[index]
    assert trace(stack_file, uri.replace("-api:", "-frontend:"), "image", "pipeline-x")[0] == (  # type: ignore[index]
        "platform:services.frontend.image.tag")


def test_a_default_names_the_section_key_as_not_set() -> None:
    # Through the runner: the default log exports are not in the file; the rule's hint is named.
    from tools.preflight import Finding

    finding = Finding(rule="r", severity="error", resource="db", type="t", urn="u", prop="p", value=None, message="m",
                      source="s", key="platform:database.log_exports", line=0)
    assert finding.location(load_stack_config(FIXTURE_PROD)) == (
        "platform:database.log_exports (not set in the stack file: the program's default)")


def test_report_names_resource_property_value_rule_key_and_source(stack) -> None:
    # An old engine version, as a team might write it: the report has everything needed to fix it.
    example = Path(__file__).resolve().parents[2] / "examples" / "Pulumi.portfolio-prod.yaml"  # an RDS instance, "16"
    stack_file = load_stack_config(example)
    monitor = stack(example)
    db = next(r for r in monitor.records() if r.type == "aws:rds/instance:Instance")
    original = db.inputs["engineVersion"]
    try:
        db.inputs["engineVersion"] = "16"  # the committed value: fine
        assert not run_preflight(monitor, stack_file).errors
        db.inputs["engineVersion"] = "16.4"
        text = render_report(run_preflight(monitor, stack_file), stack_file)
    finally:
        db.inputs["engineVersion"] = original
    assert "ERROR rds-engine-version: db-instance (aws:rds/instance:Instance)" in text
    assert "engineVersion = '16.4': postgres 16.4 is deprecated" in text
    block = text[text.index("ERROR rds-engine-version"):].split("\n  ", 1)[1].split("\n  ERROR", 1)[0]
    block = block.split("\n  ADVISORY", 1)[0]
    assert "source: DescribeDBEngineVersions" in block
    assert "set by Pulumi.portfolio-prod.yaml:" not in block  # 16.4 is not what the file says: no false trace


def test_the_eks_calendar_is_ordered_and_consistent() -> None:
    rows = aws_data.EKS_VERSIONS
    assert [tuple(map(int, r.version.split("."))) for r in rows] == sorted(tuple(map(int, r.version.split("."))) for r in rows)
    for row in rows:
        assert row.released < row.standard_until < row.extended_until
        # EKS's rule: 14 months of standard support, then 12 of extended (the calendar page).
        assert 13 * 30 <= (row.standard_until - row.released).days <= 15 * 31
        assert 360 <= (row.extended_until - row.standard_until).days <= 366
    assert aws_data.eks_version("1.35") is not None and aws_data.eks_version("1.20") is None
    assert aws_data.eks_version("1.35").standard_until > date(2026, 11, 30)  # type: ignore[union-attr]


def test_a_value_in_a_list_of_named_entries_is_traced_to_its_own_entry(tmp_path: Path) -> None:
    # Regression (issue 23): five pipeline steps, three sharing a tag: each job definition named its step's line,
    # not the first entry that wrote the same tag (list indices say nothing of which entry a resource is).
    path = tmp_path / "Pulumi.steps.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n  platform:pipeline:\n    steps:\n"
                    "      - {name: align, image: {repository: bwa, tag: '1.19'}}\n"
                    "      - {name: sort, image: {repository: tools, tag: '1.19'}}\n"
                    "      - {name: call, image: {repository: tools, tag: '1.19'}}\n")
    stack_file = load_stack_config(path)
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/platform-steps-registry-tools:1.19"
    assert trace(stack_file, uri, "containerProperties", "pipeline-call") == ("platform:pipeline.steps[2].image.tag", 7)
    assert trace(stack_file, uri, "containerProperties", "pipeline-sort") == ("platform:pipeline.steps[1].image.tag", 6)
