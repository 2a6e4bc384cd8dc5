"""The README's generated sections match their generators, and what they claim holds."""

from __future__ import annotations

import pytest

from policies.rules import RULES
from tools.__main__ import main
from tools.docs import AWSGUARD, config_reference, policy_coverage
from tools.harness import PROJECT_DIR
from tools.readme import SECTIONS, current, render


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_readme_section_matches_its_generator(name: str) -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    assert current(readme, name) == render(name), "run `./run readme --write`"


def test_readme_check_fails_on_a_stale_section(tmp_path, monkeypatch, capsys) -> None:
    import tools.harness

    stale = tmp_path / "README.md"
    stale.write_text((PROJECT_DIR / "README.md").read_text().replace("| `rds-storage-encrypted` |", "| `x` |"))
    monkeypatch.setattr(tools.harness, "PROJECT_DIR", tmp_path)
    assert main(["readme"]) == 1
    assert "section policy-coverage is stale" in capsys.readouterr().err
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

    readme = (PROJECT_DIR / "README.md").read_text()
    outputs = readme[readme.index("## Outputs"):readme.index("## Config reference")]
    exported = {key for path in (*STACK_FILES, *EXAMPLE_FILES) for key in stack(path).exports}
    assert sorted(k for k in exported if f"`{k}`" not in outputs) == []


def test_the_examples_table_shows_each_systems_current_estimate() -> None:
    from tools.docs import ESTIMATES
    from tools.cost import estimate_stack

    readme = (PROJECT_DIR / "README.md").read_text()
    table = readme[readme.index("| system | example | est. / month |"):].split("\n\n", 1)[0]
    shown = {row.split("|")[1].strip(): row.split("|")[3].strip() for row in table.splitlines()[2:]}
    expected = {system: f"${sum(estimate_stack(PROJECT_DIR / f).total() for f in files):,.2f}"
                for system, files, _, _ in ESTIMATES if not system.startswith("reference")}
    assert shown == expected
