"""docs/stack-file.schema.json: what editors validate a stack file against, in step with the settings models."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import EXAMPLE_FILES, FIXTURE_DEV, FIXTURE_PROD, STACK_FILES
from tools.harness import PROJECT_DIR
from tools.schema import SCHEMA_PATH, modeline, render

ALL_FILES = [*STACK_FILES, *EXAMPLE_FILES, FIXTURE_DEV, FIXTURE_PROD]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_committed_schema_is_what_the_models_generate() -> None:
    assert SCHEMA_PATH.read_text() == render(), "stale: run ./run readme --write"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_committed_stack_file_is_valid_and_names_the_schema_on_its_first_line(validator, path: Path) -> None:
    text = path.read_text()
    assert text.splitlines()[0] == modeline(path)
    assert (path.parent / modeline(path).split("$schema=")[1]).resolve() == SCHEMA_PATH
    assert [e.message for e in validator.iter_errors(yaml.safe_load(text))] == []


def _dev() -> dict:
    return yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())


@pytest.mark.parametrize(("change", "where"), [
    (lambda c: c.update({"platform:databse": {}}), "'platform:databse' does not match"),           # a section typo
    (lambda c: c["platform:database"].update(enginex="postgres"), "Additional properties"),           # a key typo
    (lambda c: next(iter(c["platform:services"].values())).update(cpux=256), "Additional properties"),
    (lambda c: c["platform:database"].update(engine="postgress"), "is not one of"),                   # an enum
    (lambda c: c["platform:database"].update(backup_retention_days=36), "is greater than the maximum"),  # a bound
    (lambda c: c["platform:network"].update(az_count=1), "is less than the minimum"),
    (lambda c: c.update({"aws:region": "us-east-9"}), "is not one of"),
    (lambda c: c.update({"aws:defaultTags": {"tags": {"aws:owner": "x"}}}), "should not be valid"),
])
def test_an_editor_flags_the_mistakes_the_plan_refuses(validator, change, where) -> None:
    doc = _dev()
    change(doc["config"])

    def messages(errors) -> list[str]:   # an optional section's errors sit under its anyOf
        return [m for e in errors for m in (e.message, *messages(e.context or []))]

    found = messages(validator.iter_errors(doc))
    assert any(where in m for m in found), found


def test_other_providers_settings_are_theirs_to_judge(validator) -> None:
    doc = _dev()
    doc["config"] |= {"aws:profile": "dev-admin", "kubernetes:context": "x", "pulumi:tags": {"team": "web"}}
    assert list(validator.iter_errors(doc)) == []


def test_new_stack_writes_the_schema_line_first(tmp_path: Path) -> None:
    import shutil

    from tools.new_stack import create

    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(PROJECT_DIR / "Pulumi.dev.yaml", tmp_path / "Pulumi.dev.yaml")
    create("staging", "dev", project_dir=tmp_path)
    first, second = (tmp_path / "Pulumi.staging.yaml").read_text().splitlines()[:2]
    assert first == modeline(tmp_path / "Pulumi.staging.yaml") and second.startswith("# staging: created from")
    assert copy.deepcopy(first).count("yaml-language-server") == 1
