"""EFS file systems, their policies, backups and access points."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, statements, subjects
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, statements, subjects  # type: ignore[no-redef]

from .shared import setting
from .types import BACKUP_SELECTION, EFS, EFS_BACKUP, EFS_POLICY

efs_encrypted = setting("encrypted", lambda v: v is True, "EFS {name} is not encrypted at rest.")


def efs_tls_only(stack: Stack) -> Iterator[tuple[str, str]]:
    policies = {p.props.get("fileSystemId"): p for p in stack.of(EFS_POLICY)}
    for fs in subjects(stack.of(EFS)):
        policy = policies.get(fs.props.get("id"))
        denies = [s for s in statements(policy.props.get("policy") if policy else None)
                  if s.get("Effect") == "Deny" and str(dig(s, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"]
        if not denies:
            yield f"EFS {fs.name} accepts clients without TLS (no file system policy denying them).", fs.urn


def efs_backups(stack: Stack) -> Iterator[tuple[str, str]]:
    # FSBP EFS.2 passes a file system with its automatic backups on or in an AWS Backup plan (AWS Security Hub User
    # Guide, EFS.2 "Amazon EFS volumes should be in backup plans"; checked 2026-12-05).
    own = {str(p.props.get("fileSystemId")) for p in stack.of(EFS_BACKUP)
           if dig(p.props, "backupPolicy", "status") == "ENABLED"}
    selected = {a for s in stack.of(BACKUP_SELECTION) for a in as_strings(s.props.get("resources"))}
    for fs in subjects(stack.of(EFS)):
        if str(fs.props.get("id")) not in own and fs.props.get("arn") not in selected and "*" not in selected:
            yield f"File system {fs.name} is backed up neither by its backup policy nor by an AWS Backup plan.", fs.urn


def efs_access_point(res: Subject) -> Iterator[str]:
    if dig(res.props, "rootDirectory", "path") in (None, "", "/"):
        yield f"Access point {res.name} exposes the file system's root directory."
    if dig(res.props, "posixUser", "uid") is None:
        yield f"Access point {res.name} does not enforce a POSIX user identity."
