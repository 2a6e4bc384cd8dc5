"""policies/coverage.py: every FSBP control of the program's services is in exactly one place."""

from __future__ import annotations

from collections import Counter

from policies import coverage
from policies.rules import RULES


def test_every_control_is_covered_undecidable_inapplicable_or_a_named_gap() -> None:
    ids = [c["id"] for c in coverage.controls()]
    assert len(ids) == len(set(ids)) > 150
    statuses = Counter(coverage.status(i, RULES)[0] for i in ids)
    assert statuses["unclassified"] == 0 and statuses["gap"] == 0  # every decidable control has a rule
    assert set(statuses) == {"covered", "not decidable", "not applicable"}


def test_no_control_is_in_two_places() -> None:
    own = {r.fsbp for r in RULES if r.fsbp}
    tables = [set(coverage.ALSO_COVERED), set(coverage.NOT_DECIDABLE), set(coverage.NOT_APPLICABLE),
              set(coverage.GAPS)]
    places = Counter(c for table in [own | tables[0], *tables[1:]] for c in table)
    assert [c for c, n in places.items() if n > 1] == []
    ids = {c["id"] for c in coverage.controls()}
    assert set().union(*tables) <= ids and own <= ids  # nothing names a control the list lacks


def test_rules_named_as_covering_exist() -> None:
    names = {r.name for r in RULES}
    for control, rule in coverage.ALSO_COVERED.items():
        assert rule in names or rule.startswith("("), (control, rule)
