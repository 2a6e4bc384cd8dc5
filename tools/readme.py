"""Keep generated README sections in step with their generators."""

from __future__ import annotations

from pathlib import Path

from tools.docs import END, START, config_reference


def sync_readme(path: Path) -> bool:
    """Rewrite the config-reference section of `path`; return True when it changed."""
    text = path.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    updated = head + config_reference() + tail
    if updated != text:
        path.write_text(updated)
        return True
    return False
