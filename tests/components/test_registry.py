"""Registry: ECR repositories scanned on push, encrypted, immutable, with lifecycle."""

from __future__ import annotations

import json

from components import Registry, RegistryArgs, RegistrySettings


def test_repositories_scan_encrypt_and_refuse_tag_overwrites(record) -> None:
    mon = record(lambda: Registry("registry", RegistryArgs(settings=RegistrySettings(repositories=["frontend", "api"]), protect=True)),
                 stack="prod")
    repos = {r.name: r for r in mon.of_type("aws:ecr/repository:Repository")}
    assert set(repos) == {"registry-api", "registry-frontend"}
    for repo in repos.values():
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]
        assert repo.protect is True
    assert repos["registry-api"].inputs["name"] == "platform-prod-registry-api"


def test_lifecycle_keeps_ten_release_images_and_expires_untagged_after_a_week(record) -> None:
    mon = record(lambda: Registry("registry", RegistryArgs(settings=RegistrySettings(
        repositories=["backend"], keep_tagged=10, tag_prefixes=["v"], untagged_expiry_days=7, immutable_tags=False))))
    rules = {r["selection"]["tagStatus"]: r for r in json.loads(
        mon.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"]}
    assert rules["untagged"]["selection"] == {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                              "countUnit": "days", "countNumber": 7}
    assert rules["tagged"]["selection"] == {"tagStatus": "tagged", "tagPrefixList": ["v"],
                                            "countType": "imageCountMoreThan", "countNumber": 10}
    assert mon.one("aws:ecr/repository:Repository").inputs["imageTagMutability"] == "MUTABLE"
