"""The README's generated sections match their generators."""

from __future__ import annotations

from tools.docs import END, START, config_reference
from tools.harness import PROJECT_DIR


def test_readme_config_reference_matches_the_model() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    section = START + readme.split(START, 1)[1].split(END, 1)[0] + END
    assert section == config_reference(), "run `./run config-reference --write`"


def test_every_config_field_is_documented() -> None:
    text = config_reference()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    undocumented = [row.split("|")[1].strip() for row in rows if row.rstrip().endswith("|  |")]
    assert undocumented == []
    assert len(rows) > 50
