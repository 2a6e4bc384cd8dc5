"""GithubDeploy: OIDC trust limited to one repository; preview read-only, deploy scoped IAM."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components import GithubDeploy, GithubDeployArgs, GithubSettings


def trust(mon, logical: str) -> dict:
    (statement,) = json.loads(mon.one("aws:iam/role:Role", logical).inputs["assumeRolePolicy"])["Statement"]
    return statement


def test_roles_trust_only_this_repository_its_branches_and_environments(record) -> None:
    mon = record(lambda: GithubDeploy("github", GithubDeployArgs(account_id="123456789012", settings=GithubSettings(
        repository="acme/platform", branches=["main"], environments=["prod"], create_provider=True))))
    provider = mon.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    deploy = trust(mon, "github-deploy")
    assert deploy["Principal"] == {"Federated": provider.outputs["arn"]}
    assert deploy["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = deploy["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert conditions["token.actions.githubusercontent.com:sub"] == [
        "repo:acme/platform:ref:refs/heads/main", "repo:acme/platform:environment:prod"]
    preview = trust(mon, "github-preview")["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert preview[0] == "repo:acme/platform:pull_request"
    assert not any("*" in s for s in preview)


def test_preview_reads_and_deploy_manages_iam_only_under_the_project_path(record) -> None:
    mon = record(lambda: GithubDeploy("github", GithubDeployArgs(account_id="123456789012",
                                                                 settings=GithubSettings(repository="acme/platform"))))
    attachments = {a.name: a.inputs["policyArn"] for a in mon.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert attachments == {"github-preview-ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                           "github-deploy-PowerUserAccess": "arn:aws:iam::aws:policy/PowerUserAccess"}
    doc = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "github-deploy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["OwnRolesAndPolicies"]["Resource"] == [
        "arn:aws:iam::123456789012:role/platform/*", "arn:aws:iam::123456789012:instance-profile/platform/*"]
    assert "iam:PassRole" in by_sid["OwnRolesAndPolicies"]["Action"]
    assert all(not (s["Action"] == "*" or s["Action"] == ["*"]) for s in doc["Statement"])
    writes = [s for s in doc["Statement"] if s["Resource"] == "*"]
    assert [s["Sid"] for s in writes] == ["ReadIam"]
    assert all(a.startswith(("iam:Get", "iam:List")) for a in by_sid["ReadIam"]["Action"])


def test_without_create_provider_the_existing_one_is_referenced(record) -> None:
    mon = record(lambda: GithubDeploy("github", GithubDeployArgs(account_id="123456789012",
                                                                 settings=GithubSettings(repository="acme/platform"))))
    assert mon.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert trust(mon, "github-deploy")["Principal"]["Federated"] == (
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")


def test_wildcard_repositories_are_refused() -> None:
    with pytest.raises(ValidationError, match="should match pattern"):
        GithubSettings(repository="acme/*")
