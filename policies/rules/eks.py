"""EKS clusters (the pulumi-eks component and aws.eks) and node groups."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject, as_strings, dig, items
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject, as_strings, dig, items  # type: ignore[no-redef]

from .types import EKS_COMPONENT

EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every EKS control-plane log type (FSBP EKS.8 asks for all of them; EKS API CreateCluster logging)."""


def eks_secrets(res: Subject) -> Iterator[str]:
    if res.type == EKS_COMPONENT:
        if not res.props.get("encryptionConfigKeyArn"):
            yield f"EKS cluster {res.name} does not envelope-encrypt Kubernetes secrets."
        return
    resources = [r for c in items(res.props.get("encryptionConfig")) for r in as_strings(dig(c, "resources"))]
    if "secrets" not in resources:
        yield f"EKS cluster {res.name} does not envelope-encrypt Kubernetes secrets."


def eks_endpoint(res: Subject) -> Iterator[str]:
    if res.type == EKS_COMPONENT:
        public, cidrs = res.props.get("endpointPublicAccess"), as_strings(res.props.get("publicAccessCidrs"))
    else:
        public = dig(res.props, "vpcConfig", "endpointPublicAccess")
        cidrs = as_strings(dig(res.props, "vpcConfig", "publicAccessCidrs"))
    private = res.props.get("endpointPrivateAccess") if res.type == EKS_COMPONENT else \
        dig(res.props, "vpcConfig", "endpointPrivateAccess")
    # pulumi-eks and EKS default to a public endpoint when the setting is absent.
    if public is not False and (not cidrs or "0.0.0.0/0" in cidrs):
        yield f"EKS cluster {res.name} exposes its API endpoint to the whole internet."
    elif public is not False and private is not True:
        # A public endpoint limited to the deploy runner's CIDRs is what a stack that creates its VPC can
        # deploy through; nodes and pods must then reach the API privately.
        yield f"EKS cluster {res.name} has a public endpoint without private access; nodes would leave the VPC to reach it."


def eks_nodes_private(res: Subject) -> Iterator[str]:
    if res.type == EKS_COMPONENT:
        if res.props.get("nodeAssociatePublicIpAddress") is not False:
            yield f"EKS cluster {res.name} may give nodes public IPs (set nodeAssociatePublicIpAddress false)."
        if not res.props.get("privateSubnetIds"):
            yield f"EKS cluster {res.name} has no private subnets for its nodes."


def eks_logging(res: Subject) -> Iterator[str]:
    missing = sorted(set(EKS_LOG_TYPES) - set(as_strings(res.props.get("enabledClusterLogTypes"))))
    if missing:
        yield f"EKS cluster {res.name} does not send its {', '.join(missing)} log(s) to CloudWatch."


def node_group_ssh(res: Subject) -> Iterator[str]:
    remote = res.props.get("remoteAccess")
    if remote is not None and dig(remote, "ec2SshKey") and not as_strings(dig(remote, "sourceSecurityGroupIds")):
        yield f"Node group {res.name} admits SSH from anywhere (remoteAccess without sourceSecurityGroupIds)."
