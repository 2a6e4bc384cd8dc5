"""AWS Backup vaults, plans and selections."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject  # type: ignore[no-redef]



def vault_encrypted(res: Subject) -> Iterator[str]:
    if not res.props.get("kmsKeyArn"):
        yield f"Backup vault {res.name} uses the default key instead of a customer-managed one."
