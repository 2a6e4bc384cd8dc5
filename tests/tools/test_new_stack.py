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
    assert len(changes) == 8
    # Its own network: no other stack's range (two stacks may be peered one day).
    import ipaddress

    assert not ipaddress.ip_network(config.network.cidr).overlaps(ipaddress.ip_network(dev.network.cidr))
    # Everything else is dev's, comments included, and what environments differ in is marked for review.
    assert config.network.model_copy(update={"cidr": dev.network.cidr}) == dev.network and config.services == dev.services
    text = (project / "Pulumi.staging.yaml").read_text()
    assert "# dev: cheap." in text
    marked = [line for line in text.splitlines() if line.endswith("# from dev: review")]
    assert any("fargate_spot" in line for line in marked) and any("fixed_usd" in line or "budget" in line for line in marked)
    assert not any(line.lstrip().startswith("#") for line in marked)   # comments are not values


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


def test_the_plan_of_a_copied_stack_lists_what_still_carries_the_sources_values(project: Path, capsys) -> None:
    from tools.__main__ import main
    from tools.new_stack import review_lines

    create("staging", "dev", project_dir=project)
    path = project / "Pulumi.staging.yaml"
    marked = review_lines(path)
    assert marked
    assert main(["plan", str(path)]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("REVIEW:")]
    assert line.endswith("lines " + ", ".join(map(str, marked)))
    # Reviewed: the marks go, and so does the line.
    path.write_text(path.read_text().replace("  # from dev: review", ""))
    assert review_lines(path) == []


def test_a_block_scalar_is_never_marked(tmp_path: Path) -> None:
    from tools.new_stack import _mark_for_review

    text = "config:\n  platform:x:\n    note: |\n      runs in dev\n      cpu: 1\n    cpu: 256\n"
    marked_text, marked = _mark_for_review(text, "dev")
    assert marked == [6] and "runs in dev\n" in marked_text
