"""GithubDeploy: GitHub Actions' OIDC identity provider and the roles the workflows assume.

No long-lived keys: a workflow exchanges its OIDC token for short-lived credentials. Two roles,
each trusting only this repository:
- `preview` (pull requests and the deploy branches): AWS ReadOnlyAccess, plus reading the values of
  the secrets the stack itself writes (a refresh reads a secret version's value, which ReadOnlyAccess
  does not grant), enough for `pulumi preview --refresh`;
- `deploy` (the deploy branches and the named GitHub environments, e.g. `prod` behind a required
  review): PowerUserAccess (everything but IAM and account management, plus creating service-linked
  roles) plus IAM rights limited to the program's own path (`/<project>/`), so `pulumi up` can
  create the roles it declares but cannot touch any other identity in the account.

The OIDC provider exists once per account; the stack creates it only when asked and otherwise
refers to the account's existing one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws

from components._common import child_opts, distinct, iam_path, policy_document, service_role, tags_for
from components._settings import Settings, matching

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


class GithubSettings(Settings):
    """`platform:github`: OIDC roles for this repository's workflows (no long-lived keys)."""

    repository: Annotated[str, matching(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", "owner/name of a GitHub repository")]
    """The repository whose workflows may assume the roles."""
    branches: list[str] = ["main"]
    """Branches that deploy."""
    environments: list[str] = []
    """GitHub environments that deploy (e.g. prod, behind a required review)."""
    create_provider: bool = False
    """Create the account's GitHub OIDC provider (exactly one stack per account)."""
    runner: list[str] = ["ubuntu-latest"]
    """`runs-on` labels of the runner that previews and deploys this stack (the workflows read them from here).
    A stack whose endpoints admit only listed addresses (a CIDR-limited EKS API) needs a self-hosted runner
    whose egress is listed: GitHub-hosted runners have no fixed addresses."""

    @property
    def github_hosted(self) -> bool:
        """Whether the runner is one of GitHub's (no fixed egress address)."""
        return any(re.match(r"^(ubuntu|windows|macos)-", label) for label in self.runner)


@dataclass(frozen=True, kw_only=True)
class GithubDeployArgs:
    """Inputs for :class:`GithubDeploy`: its settings (`platform:github`) and the account."""

    settings: GithubSettings
    """Repository, branches and environments that may assume the roles (`runner` is read by the workflows)."""
    account_id: pulumi.Input[str]
    """The account the roles live in."""
    region: str = "us-east-1"
    """The stack's region (the secrets' key is used only through Secrets Manager there)."""
    state_secret_arns: Sequence[pulumi.Input[str]] = ()
    """Secrets whose value the stack writes (generated secrets): refreshing their versions reads the value."""
    state_secret_kms_key_arns: Sequence[pulumi.Input[str]] = ()
    """The keys of those secrets."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""


class GithubDeploy(pulumi.ComponentResource):
    """OIDC trust for GitHub Actions and the preview / deploy roles."""

    provider_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    """For `pulumi preview` in pull requests."""
    deploy_role_arn: pulumi.Output[str]
    """For `pulumi up` from the deploy branches and environments."""

    def __init__(self, name: str, args: GithubDeployArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:GithubDeploy", name, None, opts)
        if args.settings.create_provider:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-provider", url=f"https://{GITHUB_OIDC_HOST}", client_id_lists=["sts.amazonaws.com"],
                tags=tags_for(args.tags, name, "provider"), opts=child_opts(self))
            provider_arn = provider.arn
        else:
            provider_arn = pulumi.Output.concat("arn:aws:iam::", args.account_id, f":oidc-provider/{GITHUB_OIDC_HOST}")
        repo = args.settings.repository
        deploy_subjects = [f"repo:{repo}:ref:refs/heads/{b}" for b in args.settings.branches] + [
            f"repo:{repo}:environment:{e}" for e in args.settings.environments]
        preview_subjects = [f"repo:{repo}:pull_request", *deploy_subjects]
        # Tag reads of APIs newer than the ReadOnlyAccess version the run-time stage can check (tools/runtime/
        # managed_policies.json): granted here so a refresh never depends on when AWS extended that policy.
        refresh: list[dict[str, Any]] = [{"Sid": "RefreshTagReads", "Effect": "Allow", "Resource": "*", "Action": [
            "application-autoscaling:ListTagsForResource", "budgets:ListTagsForResource", "logs:ListTagsForResource"]}]
        if args.state_secret_arns:
            # The provider refreshes a secret version with GetSecretValue (its state holds the value).
            refresh.append({"Sid": "RefreshSecretValues", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                            "Resource": distinct(args.state_secret_arns)})
        if args.state_secret_kms_key_arns:
            refresh.append({"Sid": "DecryptSecretValues", "Effect": "Allow", "Action": "kms:Decrypt",
                            "Resource": distinct(args.state_secret_kms_key_arns),
                            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{args.region}.amazonaws.com"}}})
        preview = service_role(
            self, f"{name}-preview", trust=_trust(provider_arn, preview_subjects),
            description=f"{name}: pulumi preview from {repo}", tags=tags_for(args.tags, name, "preview"),
            managed_policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"], policy=policy_document(refresh))
        iam_arn = pulumi.Output.concat("arn:aws:iam::", args.account_id, ":")
        path = iam_path()
        deploy = service_role(
            self, f"{name}-deploy", trust=_trust(provider_arn, deploy_subjects),
            description=f"{name}: pulumi up from {repo}", tags=tags_for(args.tags, name, "deploy"),
            managed_policy_arns=["arn:aws:iam::aws:policy/PowerUserAccess"],
            policy=policy_document([
                {"Sid": "OwnRolesAndPolicies", "Effect": "Allow", "Action": [
                    "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
                    "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PassRole",
                    "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:AddRoleToInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile"],
                 "Resource": [pulumi.Output.concat(iam_arn, f"role{path}*"),
                              pulumi.Output.concat(iam_arn, f"instance-profile{path}*")]},
                {"Sid": "OidcProviders", "Effect": "Allow", "Action": [
                    "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
                    "iam:UpdateOpenIDConnectProviderThumbprint", "iam:TagOpenIDConnectProvider"],
                 "Resource": [pulumi.Output.concat(iam_arn, "oidc-provider/oidc.eks.*"),
                              pulumi.Output.concat(iam_arn, f"oidc-provider/{GITHUB_OIDC_HOST}")]},
                {"Sid": "ReadIam", "Effect": "Allow", "Resource": "*", "Action": [
                    "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole", "iam:GetInstanceProfile", "iam:GetOpenIDConnectProvider",
                    "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListRoleTags"]},
            ]),
        )
        self.provider_arn = provider_arn
        self.preview_role_arn = preview.arn
        self.deploy_role_arn = deploy.arn
        self.register_outputs({"provider_arn": self.provider_arn, "preview_role_arn": self.preview_role_arn,
                               "deploy_role_arn": self.deploy_role_arn})


def _trust(provider_arn: pulumi.Input[str], subjects: Sequence[str]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        # Exact subjects, no wildcards: only this repository's named branches and environments
        # and, for previews, its pull requests (a list under StringEquals matches any one of them).
        "Condition": {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                                       f"{GITHUB_OIDC_HOST}:sub": list(subjects)}},
    }]})
