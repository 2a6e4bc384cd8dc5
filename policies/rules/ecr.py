"""ECR repositories."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, dig, items, unreferenced
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, dig, items, unreferenced  # type: ignore[no-redef]

from .types import ECR_LIFECYCLE, ECR_REPO


def ecr_encrypted(res: Subject) -> Iterator[str]:
    kinds = {dig(c, "encryptionType") for c in items(res.props.get("encryptionConfigurations"))}
    if "KMS" not in kinds:
        yield f"Repository {res.name} is not encrypted with KMS."


# ==================================================================================================
# Supply chain
# ==================================================================================================


def scan_on_push(res: Subject) -> Iterator[str]:
    if dig(res.props, "imageScanningConfiguration", "scanOnPush") is not True:
        yield f"Repository {res.name} does not scan images on push."


def immutable_tags(res: Subject) -> Iterator[str]:
    if res.props.get("imageTagMutability") not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield f"Repository {res.name} lets a tag be moved to another image."


def ecr_lifecycle(stack: Stack) -> Iterator[tuple[str, str]]:
    for repo in unreferenced(stack, (ECR_REPO,), ("name", "id"), ECR_LIFECYCLE, "repository"):
        yield f"Repository {repo.name} keeps every image forever (no lifecycle policy).", repo.urn
