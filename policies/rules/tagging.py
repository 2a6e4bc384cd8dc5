"""Tags every taggable resource carries."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject, as_strings
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject, as_strings  # type: ignore[no-redef]



# ==================================================================================================
# Tagging
# ==================================================================================================


def required_tags(res: Subject) -> Iterator[str]:
    if "tags" not in res.props:
        return
    required = as_strings(res.config.get("requiredTags")) or ["env", "owner", "cost-center"]
    missing = [k for k in required if not res.tags.get(k)]
    if missing:
        yield f"{res.name} lacks the tag(s) {', '.join(missing)}."
