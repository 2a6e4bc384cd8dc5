"""`./run new-stack`: a new environment in one command, valid as written, found by the workflows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stack_config import from_mapping
from tests.conftest import FIXTURE_DEV, FIXTURE_PROD
from tools import route
from tools.harness import PROJECT_DIR, load_stack_config
from tools.new_stack import NewStackError, create


@pytest.fixture
def project(tmp_path: Path) -> Path:
    # A project with the reference dev and prod stacks and their pack configs.
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(FIXTURE_DEV, tmp_path / "Pulumi.dev.yaml")
    shutil.copy(FIXTURE_PROD, tmp_path / "Pulumi.prod.yaml")
    (tmp_path / "policies").mkdir()
    shutil.copy(PROJECT_DIR / "tests" / "fixtures" / "config.fixture-dev.json", tmp_path / "policies" / "config.dev.json")
    return tmp_path


def _config(path: Path):
    stack_file = load_stack_config(path, path.parent)
    prefix = f"{stack_file.project}:"
    raw = {k.removeprefix(prefix): v for k, v in stack_file.raw.items() if k.startswith(prefix)}
    return from_mapping({**raw, "region": stack_file.raw["aws:region"]}, path.name, stack_file.stack), stack_file


def test_staging_from_dev_is_a_valid_stack_of_its_own(project: Path) -> None:
    changes = create("staging", "dev", project_dir=project)
    config, stack_file = _config(project / "Pulumi.staging.yaml")
    dev, _ = _config(project / "Pulumi.dev.yaml")
    assert config.env == "staging" and stack_file.raw["aws:defaultTags"]["tags"]["env"] == "staging"
    assert config.github.environments == ["staging"]  # the environment deploy.yml runs its job in
    assert dev.github.create_provider is True and config.github.create_provider is False  # one provider per account
    assert config.domain.name == "staging.platform.example.com" != dev.domain.name
    assert config.domain.alternative_names == ["*.staging.platform.example.com"]
    assert (project / "policies" / "config.staging.json").read_text() == (project / "policies" / "config.dev.json").read_text()
    assert len(changes) == 6
    # Everything else is dev's, comments included.
    assert config.network == dev.network and config.services == dev.services
    assert "# dev: cheap." in (project / "Pulumi.staging.yaml").read_text()


def test_the_workflows_find_it_between_dev_and_prod(project: Path) -> None:
    create("staging", "dev", project_dir=project)
    create("qa", "dev", env="dev", project_dir=project)
    assert route.stacks(project) == ["dev", "qa", "staging", "prod"]


@pytest.mark.parametrize(("name", "source", "env", "message"), [
    ("Staging", "dev", None, "use lowercase letters"),
    ("staging", "nope", None, "no stack 'nope'"),
    ("dev", "prod", None, "Pulumi.dev.yaml exists already"),
    ("qa", "dev", "preview", "give --env dev, staging or prod"),
])
def test_bad_requests_are_refused_before_anything_is_written(project: Path, name, source, env, message) -> None:
    before = sorted(p.name for p in project.iterdir())
    with pytest.raises(NewStackError, match=message):
        create(name, source, env=env, project_dir=project)
    assert sorted(p.name for p in project.iterdir()) == before
