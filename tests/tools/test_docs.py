"""The generated sections of the README and docs/ match their generators, what they claim holds, and every link
between them resolves."""

from __future__ import annotations

import pytest

from policies.rules import RULES
from tests.conftest import FIXTURE_DEV, FIXTURE_PROD
from tools.__main__ import main
from tools.docs import AWSGUARD, config_reference, policy_coverage
from tools.harness import PROJECT_DIR
from tools.readme import SECTIONS, current, doc_files, locate, render

STACK_DERIVED = {"cost-estimates", "diagram-dev", "diagram-prod"}
"""Sections drawn from Pulumi.dev.yaml and Pulumi.prod.yaml themselves (the rest come from code and examples)."""


def _reference_stacks_as_shipped() -> bool:
    """Whether Pulumi.dev.yaml and Pulumi.prod.yaml are still the reference program's (tests/fixtures' copies)."""
    def body(path) -> str:
        return "".join(line for line in path.read_text().splitlines(keepends=True) if not line.startswith("# A copy of")
                       and not line.startswith("# messages, sizes)"))
    return all(body(PROJECT_DIR / f"Pulumi.{env}.yaml") == body(fixture)
               for env, fixture in (("dev", FIXTURE_DEV), ("prod", FIXTURE_PROD)))


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_readme_section_matches_its_generator(name: str) -> None:
    readme = locate(PROJECT_DIR)[name].read_text()
    if name in STACK_DERIVED and not _reference_stacks_as_shipped():
        # A team's own dev/prod: `./run readme --write` redraws these sections from them; here it only has to work.
        assert current(readme, name) is not None and render(name).count("\n") > 5
        return
    assert current(readme, name) == render(name), "run `./run readme --write`"


def test_readme_check_fails_on_a_stale_section(tmp_path, monkeypatch, capsys) -> None:
    import shutil

    import tools.harness
    import tools.readme

    shutil.copy(PROJECT_DIR / "README.md", tmp_path / "README.md")
    shutil.copytree(PROJECT_DIR / "docs", tmp_path / "docs")
    stale = tmp_path / "docs" / "policy-pack.md"
    stale.write_text(stale.read_text().replace("| `rds-storage-encrypted` |", "| `x` |"))
    monkeypatch.setattr(tools.harness, "PROJECT_DIR", tmp_path)
    # The mechanics (find the stale section, rewrite it, pass again) on two sections: every section's
    # freshness is test_readme_section_matches_its_generator's, and the priced ones run every stack.
    monkeypatch.setattr(tools.readme, "SECTIONS", {name: tools.readme.SECTIONS[name]
                                                   for name in ("config-reference", "policy-coverage")})
    assert main(["readme"]) == 1
    assert "docs/policy-pack.md: section policy-coverage is stale" in capsys.readouterr().err
    assert main(["readme", "--write"]) == 0
    assert main(["readme"]) == 0


def test_every_config_field_is_documented() -> None:
    text = config_reference()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    undocumented = [row.split("|")[1].strip() for row in rows if row.rstrip().endswith("|  |")]
    assert undocumented == []
    assert len(rows) > 50


def test_coverage_table_lists_every_rule_once() -> None:
    from policies.framework import GROUPS

    rule_table = policy_coverage().split("awsguard")[0]
    rows = [line.split("|")[1].strip(" `") for line in rule_table.splitlines() if line.startswith("| `")]
    assert rows == [r.name for g in GROUPS for r in RULES if r.group == g]


def test_awsguard_claims_are_backed_by_rules() -> None:
    claimed = {r.awsguard for r in RULES if r.awsguard}
    # A rule may only claim a real awsguard policy, and each policy is either covered or explained.
    assert claimed <= set(AWSGUARD)
    for name, reason in AWSGUARD.items():
        assert (name in claimed) != bool(reason), name


def test_every_export_of_every_committed_stack_is_documented(stack) -> None:
    from tests.conftest import EXAMPLE_FILES, STACK_FILES

    outputs = (PROJECT_DIR / "docs" / "outputs.md").read_text()
    exported = {key for path in (*STACK_FILES, *EXAMPLE_FILES) for key in stack(path).exports}
    assert sorted(k for k in exported if f"`{k}`" not in outputs) == []


def test_the_examples_table_shows_each_systems_current_estimate() -> None:
    from tools.cost import estimate_stack
    from tools.docs import ESTIMATES

    readme = (PROJECT_DIR / "docs" / "examples.md").read_text()
    table = readme[readme.index("| system | example | est. / month |"):].split("\n\n", 1)[0]
    shown = {row.split("|")[1].strip(): row.split("|")[3].strip() for row in table.splitlines()[2:]}
    expected = {system: f"${sum(estimate_stack(PROJECT_DIR / f).total() for f in files):,.2f}"
                for system, files, _, _ in ESTIMATES if not system.startswith("reference")}
    assert shown == expected


def test_the_add_a_service_walkthrough_is_valid_config_of_its_four_shapes() -> None:
    import yaml

    from components import ServiceSettings

    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme[readme.index("### Adding a service"):readme.index("### Adding an environment")]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    services = {name: ServiceSettings(**spec) for name, spec in yaml.safe_load(block)["platform:services"].items()}
    assert services["web"].load_balancer == "main" and services["web"].inject
    assert services["worker"].backlog_queue == "jobs"
    assert services["nightly"].schedule is not None and services["beat"].rollout == (0, 100)


def _anchors(text: str) -> set[str]:
    """GitHub's anchors of a Markdown file's headings (outside code blocks)."""
    import re

    found, fence = set(), False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"#{1,6} ", line):
            found.add(re.sub(r"[^\w\- ]", "", line.split(" ", 1)[1].strip().lower()).replace(" ", "-"))
    return found


def test_every_relative_link_of_the_readme_and_docs_resolves() -> None:
    import re

    broken = []
    for path in doc_files(PROJECT_DIR):
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                broken.append(f"{path.name}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest.read_text()):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert broken == []


def test_the_readme_is_a_guide_of_at_most_40_kb() -> None:
    assert len((PROJECT_DIR / "README.md").read_bytes()) <= 40_000
