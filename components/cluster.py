"""`platform:cluster`: which runtime runs the services (ECS Fargate or EKS) and the EKS cluster's settings.

Both service components read it: `ContainerService` (ECS) its Container Insights level,
`KubernetesService` (EKS) the cluster, node group and chart versions.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import Field, model_validator

from components import _settings, aws_data
from components._settings import Problems, RetentionDays, Settings, matching


class NodeGroupSettings(Settings):
    """An EKS managed node group."""

    instance_types: list[Annotated[str, matching(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$", "an EC2 instance type such as t4g.medium")]] = Field(
        ["t4g.medium"], min_length=1)
    """Instance types (all ARM64 or all x86_64)."""
    min_size: int = Field(2, ge=0, le=450)
    """Fewest nodes."""
    max_size: int = Field(4, ge=1, le=450)
    """Most nodes."""
    desired_size: int = Field(2, ge=0, le=450)
    """Nodes at creation (an autoscaler may move it)."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """On-demand or Spot nodes."""
    disk_size_gb: int = Field(50, ge=20, le=16384)
    """Root volume size."""

    @model_validator(mode="after")
    def _rules(self) -> NodeGroupSettings:
        problems = Problems()
        if not self.min_size <= self.desired_size <= self.max_size:
            problems.add("desired_size", f"must lie within min_size..max_size ({self.min_size}..{self.max_size}); got {self.desired_size}")
        kinds = {_graviton(t) for t in self.instance_types}
        if len(kinds) > 1:
            problems.add("instance_types", "mix of ARM64 (Graviton) and x86_64 types; one node group runs one architecture")
        return problems.done(self)

    @property
    def architecture(self) -> Literal["arm64", "x86_64"]:
        """CPU architecture of the nodes."""
        return "arm64" if _graviton(self.instance_types[0]) else "x86_64"


def autoscaler_image_tag(kubernetes_version: str) -> str:
    """The Cluster Autoscaler release for a Kubernetes minor: CA is released as `<minor>.0` with every Kubernetes
    minor and must match the control plane's (kubernetes/autoscaler cluster-autoscaler/README.md, "Releases";
    checked 2026-12-04)."""
    return f"v{kubernetes_version}.0"


def lacks_pod_security_groups(instance_types: list[str] | tuple[str, ...]) -> bool:
    """Whether nodes of these types cannot carry security groups for pods: burstable t* instances have no
    ENI trunking (EKS User Guide, security groups for pods: supported instance types)."""
    return any(t.startswith("t") for t in instance_types)


def _graviton(instance_type: str) -> bool:
    """t4g, m7g, c7gn, r8g... are Graviton (ARM64)."""
    return bool(re.search(r"\d+[a-z]*g[a-z]*$", instance_type.split(".")[0]))


class ChartsSettings(Settings):
    """Helm chart versions the EKS runtime installs (pinned; bump deliberately)."""

    load_balancer_controller: str = "1.13.1"
    """aws-load-balancer-controller chart (https://aws.github.io/eks-charts)."""
    secrets_provider_aws: str = "2.2.0"
    """secrets-store-csi-driver-provider-aws chart (includes the Secrets Store CSI driver)."""
    cluster_autoscaler: str = "9.59.0"
    """cluster-autoscaler chart (https://kubernetes.github.io/autoscaler); 9.59.0 ships Cluster Autoscaler 1.35.0
    (kubernetes/autoscaler PR 9193; checked 2026-12-04). Its image follows the cluster's version
    (`autoscaler_image_tag`)."""
    reloader: str = "2.2.17"
    """stakater Reloader chart (https://stakater.github.io/stakater-charts), app v1.4.22 (stakater/Reloader PR 1218;
    checked 2026-12-04): rolls a Deployment when a Secret it reads changes."""


class EksSettings(Settings):
    """EKS cluster settings (runtime: eks)."""

    version: Annotated[str, matching(r"^1\.\d{2}$", "a Kubernetes minor version such as 1.35")] = "1.35"
    """Kubernetes version on EKS's calendar and in standard support (components/aws_data.py EKS_VERSIONS)."""
    extended_support: bool = False
    """Opt in to EKS extended support (about 6x the control-plane price): allows a version past its standard
    support. Off: the cluster's upgrade policy is STANDARD and such versions are refused."""
    endpoint_public_access: bool = False
    """Expose the API endpoint publicly, only to public_access_cidrs (private access stays on). `pulumi up` applies
    the Kubernetes objects through this endpoint, so a private one needs the deploy to run inside the VPC."""
    public_access_cidrs: list[IPv4Network] = []
    """Who may reach a public API endpoint: your deploy runner's and operators' egress addresses."""
    log_types: list[Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]] = [
        "api", "audit", "authenticator", "controllerManager", "scheduler"]
    """Control-plane log types sent to CloudWatch."""
    log_retention_days: RetentionDays = 30
    """Retention of the control-plane log group."""
    node_group: NodeGroupSettings | None = NodeGroupSettings()
    """Managed node group; unset: Fargate only."""
    fargate_namespaces: list[str] = []
    """Namespaces whose pods run on Fargate."""
    namespace: Annotated[str, matching(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", "a Kubernetes namespace name such as apps")] = "apps"
    """Namespace of the services."""
    charts: ChartsSettings = ChartsSettings()
    """Helm chart versions."""

    @model_validator(mode="after")
    def _rules(self) -> EksSettings:
        problems = Problems()
        if self.endpoint_public_access and not self.public_access_cidrs:
            problems.add("public_access_cidrs", "a public API endpoint must be limited to given CIDRs (or keep it private)")
        if any(c.prefixlen == 0 for c in self.public_access_cidrs):
            problems.add("public_access_cidrs", "0.0.0.0/0 opens the API endpoint to everyone; list your networks")
        if self.node_group is None and not self.fargate_namespaces:
            problems.add("node_group", "give a node group or fargate_namespaces")
        self._version_rules(problems)
        return problems.done(self)

    def _version_rules(self, problems: Problems) -> None:
        status, row = aws_data.eks_support(self.version, _settings.today())
        newest = aws_data.EKS_VERSIONS[-1]
        if status == "unknown":
            problems.add("version", f"EKS offers {', '.join(v.version for v in aws_data.EKS_VERSIONS)} on its "
                                    f"calendar; got {self.version}")
        elif status == "ended":
            assert row is not None
            problems.add("version", f"Kubernetes {self.version} left EKS extended support on {row.extended_until}; "
                                    f"use {newest.version}")
        elif status == "extended" and not self.extended_support:
            assert row is not None
            problems.add("version", f"Kubernetes {self.version} left standard support on {row.standard_until}; extended "
                                    f"support costs about 6x the control plane. Use {newest.version}, or set "
                                    "extended_support: true to pay for it")
        # newer than the table: accepted (the preflight names it as an advisory)

    @property
    def support_type(self) -> Literal["STANDARD", "EXTENDED"]:
        """The cluster's upgrade policy: EXTENDED only when the stack opted in."""
        return "EXTENDED" if self.extended_support else "STANDARD"


class ClusterSettings(Settings):
    """`platform:cluster`: where services run."""

    runtime: Literal["ecs", "eks"] = "ecs"
    """ECS Fargate or EKS for the services (same service description)."""
    container_insights: Literal["enabled", "enhanced"] = "enabled"
    """ECS Container Insights level (always on; EKS gets the CloudWatch observability add-on)."""
    eks: EksSettings | None = None
    """EKS settings (runtime: eks); defaults apply when left out."""
    task_subnets: Literal["private", "public"] = "private"
    """Where ECS tasks run: `private` (egress through NAT or endpoints), or `public` with a public IP each, so a
    lean dev needs no NAT (docs/cost.md: "Dev without NAT"). Public tasks still admit only their load balancer and named
    peers; refused in prod, and reported by the policy pack's ecs-no-public-ip as an advisory."""

    @model_validator(mode="after")
    def _rules(self) -> ClusterSettings:
        problems = Problems()
        if self.eks is not None and self.runtime != "eks":
            problems.add("eks", "EKS settings need runtime: eks")
        if self.task_subnets == "public" and self.runtime != "ecs":
            problems.add("task_subnets", "public tasks are an ECS option; EKS nodes and pods stay private (use "
                                         "network.interface_endpoints or a NAT)")
        return problems.done(self)

    @property
    def eks_settings(self) -> EksSettings:
        """EKS settings with defaults."""
        return self.eks or EksSettings()
