"""The IAM the EKS cluster's add-ons need, and what each of them calls at run time.

- The AWS Load Balancer Controller: its own policy for the pinned release is vendored
  (`CONTROLLER_POLICY_FILE`); ours grants each of its actions limited to what the controller creates for this
  cluster (the `elbv2.k8s.aws/cluster` tag), except those of features the chart values switch off
  (`CONTROLLER_UNUSED`, `CONTROLLER_FEATURES`).
- The Cluster Autoscaler: the node groups tagged for this cluster, and nothing else.

`KubernetesService` attaches these to the add-ons' IRSA roles; the run-time stage (tools/runtime) checks the
needs against the graph."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi

from components._common import (
    policy_document,
)
from components._runtime import (
    Access,
)

_CLUSTER_TAG = "elbv2.k8s.aws/cluster"
"""Tag the Load Balancer Controller puts on everything it creates (value: cluster name)."""

CONTROLLER_POLICY_FILE = Path(__file__).with_name("aws-load-balancer-controller-iam-policy.json")
"""The controller's own IAM policy for the pinned release, vendored with its source."""

CONTROLLER_UNUSED: dict[str, str] = {
    # Controller flags default to true (docs/deploy/configurations.md: --enable-waf, --enable-wafv2,
    # --enable-shield); with them on it looks up every ALB's association, annotation or not
    # (kubernetes-sigs/aws-load-balancer-controller issue 3445). The chart values switch off what is unused.
    "waf-regional:*": "enableWaf: false (WAF Classic; the program's web ACLs are WAFv2)",
    "elasticloadbalancing:SetWebAcl": "enableWaf: false (the WAF Classic association call)",
    "shield:*": "enableShield: false (the program subscribes to no Shield Advanced protection)",
    "ec2:GetCoipPoolUsage": "customer-owned IP pools exist only on Outposts, which the program does not use",
    "ec2:DescribeCoipPools": "customer-owned IP pools exist only on Outposts, which the program does not use",
    "elasticloadbalancing:ModifyIpPools": "IPAM pools for load balancers (the ipam annotations) are not used",
}
"""Actions of the controller's own policy the program does not grant, with the setting that makes them unused.
Without a web ACL, `wafv2:*` joins them (enableWafv2 follows the ingresses' web ACLs)."""


CONTROLLER_FEATURES: dict[str, tuple[str, ...]] = {
    "enableWaf": ("waf-regional:GetWebACLForResource", "waf-regional:GetWebACL"),
    "enableWafv2": ("wafv2:GetWebACLForResource", "wafv2:GetWebACL"),
    "enableShield": ("shield:GetSubscriptionState",),
}
"""What the Load Balancer Controller calls for every ALB it reconciles while a feature is on (each defaults to
true: docs/deploy/configurations.md; the calls are those of `CONTROLLER_POLICY_FILE`)."""


def load_balancer_controller_policy(cluster_name: str, region: str, account_id: pulumi.Input[str],
                                    vpc_id: pulumi.Input[str], node_security_group_id: pulumi.Input[str],
                                    web_acl_arns: Sequence[pulumi.Input[str]]) -> pulumi.Output[str]:
    """What the AWS Load Balancer Controller needs, limited to what it creates for this cluster.

    Creation must carry the cluster tag; changing or deleting anything needs the tag on the
    resource; the only untagged group it may edit is the cluster's node group (backend rules).
    """
    ec2 = pulumi.Output.concat(f"arn:aws:ec2:{region}:", account_id, ":")
    elb = pulumi.Output.concat(f"arn:aws:elasticloadbalancing:{region}:", account_id, ":")
    ours = {"StringEquals": {f"aws:ResourceTag/{_CLUSTER_TAG}": cluster_name}}
    statements: list[dict[str, Any]] = [
        {"Sid": "Discover", "Effect": "Allow", "Resource": "*", "Action": [
            "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
            "ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
            "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:DescribeRouteTables",
            "ec2:DescribeIpamPools", "ec2:GetSecurityGroupsForVpc", "ec2:DescribeVpcPeeringConnections",
            "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:DescribeListenerCertificates", "elasticloadbalancing:DescribeSSLPolicies",
            "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTrustStores",
            "elasticloadbalancing:DescribeCapacityReservation", "acm:ListCertificates", "acm:DescribeCertificate",
            "iam:ListServerCertificates", "iam:GetServerCertificate", "cognito-idp:DescribeUserPoolClient"]},
        {"Sid": "ElbServiceLinkedRole", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}},
        {"Sid": "CreateGroupsInOurVpc", "Effect": "Allow", "Action": "ec2:CreateSecurityGroup",
         "Resource": pulumi.Output.concat(ec2, "vpc/", vpc_id)},
        {"Sid": "CreateTaggedGroups", "Effect": "Allow", "Action": "ec2:CreateSecurityGroup",
         "Resource": pulumi.Output.concat(ec2, "security-group/*"),
         "Condition": {"StringEquals": {f"aws:RequestTag/{_CLUSTER_TAG}": cluster_name}}},
        {"Sid": "TagGroupsOnCreate", "Effect": "Allow", "Action": "ec2:CreateTags",
         "Resource": pulumi.Output.concat(ec2, "security-group/*"),
         "Condition": {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}}},
        {"Sid": "ManageOwnGroups", "Effect": "Allow", "Resource": pulumi.Output.concat(ec2, "security-group/*"),
         "Condition": ours, "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
                                       "ec2:DeleteSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags"]},
        {"Sid": "BackendRulesOnNodes", "Effect": "Allow",
         "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
         "Resource": pulumi.Output.concat(ec2, "security-group/", node_security_group_id)},
        {"Sid": "CreateTaggedLoadBalancers", "Effect": "Allow", "Resource": "*",
         "Action": ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
         "Condition": {"StringEquals": {f"aws:RequestTag/{_CLUSTER_TAG}": cluster_name}}},
        {"Sid": "TagOnCreate", "Effect": "Allow", "Action": "elasticloadbalancing:AddTags",
         "Resource": [pulumi.Output.concat(elb, k) for k in ("loadbalancer/app/*", "targetgroup/*",
                                                             "listener/app/*", "listener-rule/app/*")],
         "Condition": {"StringEquals": {"elasticloadbalancing:CreateAction": [
             "CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule"]}}},
        {"Sid": "ManageOwnLoadBalancers", "Effect": "Allow", "Resource": "*", "Condition": ours, "Action": [
            "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType",
            "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
            "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
            "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:DeleteTargetGroup",
            "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
            "elasticloadbalancing:CreateListener", "elasticloadbalancing:ModifyCapacityReservation"]},
        {"Sid": "ListenersAndRules", "Effect": "Allow",
         "Resource": [pulumi.Output.concat(elb, k) for k in ("listener/app/*", "listener-rule/app/*")], "Action": [
             "elasticloadbalancing:DeleteListener", "elasticloadbalancing:ModifyListener",
             "elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:CreateRule",
             "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyRule",
             "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
             "elasticloadbalancing:SetRulePriorities"]},
    ]
    if web_acl_arns:
        # enableWafv2 (on only with a web ACL) reads every ALB's association and sets ours.
        statements.append({"Sid": "ReadWebAclAssociations", "Effect": "Allow", "Resource": "*",
                           "Action": ["wafv2:GetWebACL", "wafv2:GetWebACLForResource"]})
        statements.append({"Sid": "AttachOurWebAcl", "Effect": "Allow",
                           "Action": ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"],
                           "Resource": [*web_acl_arns, pulumi.Output.concat(elb, "loadbalancer/app/*")]})
    return policy_document(statements)


def controller_needs(role_arn: pulumi.Input[str], cluster_name: str, region: str, account_id: pulumi.Input[str],
                     vpc_id: pulumi.Input[str], node_security_group_id: pulumi.Input[str],
                     web_acl_arns: Sequence[pulumi.Input[str]]) -> list[Access]:
    """The calls the controller makes reconciling an Ingress into an ALB, with the tags it sets and reads
    (its documented policy, `CONTROLLER_POLICY_FILE`, minus `CONTROLLER_UNUSED`)."""
    ec2 = pulumi.Output.concat(f"arn:aws:ec2:{region}:", account_id, ":")
    elb = pulumi.Output.concat(f"arn:aws:elasticloadbalancing:{region}:", account_id, ":")
    lb_arn = pulumi.Output.concat(elb, "loadbalancer/app/k8s-apps-main/0123456789abcdef")
    tg_arn = pulumi.Output.concat(elb, "targetgroup/k8s-apps-api/0123456789abcdef")
    listener = pulumi.Output.concat(elb, "listener/app/k8s-apps-main/0123456789abcdef/0123456789abcdef")
    rule = pulumi.Output.concat(elb, "listener-rule/app/k8s-apps-main/0123456789abcdef/0123456789abcdef/0123456789abcdef")
    own_group = pulumi.Output.concat(ec2, "security-group/sg-0123456789abcdef0")
    tagged = {f"aws:ResourceTag/{_CLUSTER_TAG}": cluster_name}
    who, key = "the AWS Load Balancer Controller", "load_balancers"

    def need(actions: list[str], resources: list[pulumi.Input[str]], why: str,
             context: Mapping[str, Any] | None = None) -> Access:
        return Access(workload=who, principal=role_arn, actions=actions, resources=resources, why=why, key=key,
                      context=dict(context or {}))

    needs = [
        need(["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeInstances",
              "ec2:DescribeNetworkInterfaces", "ec2:DescribeAvailabilityZones", "ec2:GetSecurityGroupsForVpc",
              "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
              "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
              "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetHealth",
              "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeListenerAttributes",
              "acm:DescribeCertificate", "acm:ListCertificates"], ["*"], "discover subnets, groups and load balancers"),
        need(["iam:CreateServiceLinkedRole"], [pulumi.Output.concat("arn:aws:iam::", account_id,
              ":role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing")],
             "create ELB's service-linked role on the account's first load balancer",
             {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}),
        need(["ec2:CreateSecurityGroup"], [pulumi.Output.concat(ec2, "vpc/", vpc_id)], "create the ALB's group"),
        need(["ec2:CreateSecurityGroup"], [own_group], "create the ALB's group, tagged for this cluster",
             {f"aws:RequestTag/{_CLUSTER_TAG}": cluster_name}),
        need(["ec2:CreateTags"], [own_group], "tag the group it creates", {"ec2:CreateAction": "CreateSecurityGroup"}),
        need(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
             [own_group], "manage the ALB's own group", tagged),
        need(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
             [pulumi.Output.concat(ec2, "security-group/", node_security_group_id)],
             "let the ALB reach the pods (backend rule on the nodes' group)"),
        need(["elasticloadbalancing:CreateLoadBalancer"], [lb_arn], "create the ALB",
             {f"aws:RequestTag/{_CLUSTER_TAG}": cluster_name}),
        need(["elasticloadbalancing:CreateTargetGroup"], [tg_arn], "create a target group per backend",
             {f"aws:RequestTag/{_CLUSTER_TAG}": cluster_name}),
        need(["elasticloadbalancing:AddTags"], [lb_arn], "tag the ALB it creates",
             {"elasticloadbalancing:CreateAction": "CreateLoadBalancer"}),
        need(["elasticloadbalancing:AddTags"], [tg_arn], "tag the target groups it creates",
             {"elasticloadbalancing:CreateAction": "CreateTargetGroup"}),
        need(["elasticloadbalancing:CreateListener", "elasticloadbalancing:ModifyLoadBalancerAttributes",
              "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
              "elasticloadbalancing:DeleteLoadBalancer"], [lb_arn], "configure the ALB it owns", tagged),
        need(["elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
              "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
              "elasticloadbalancing:DeleteTargetGroup"], [tg_arn], "keep each target group on the pods' addresses",
             tagged),
        need(["elasticloadbalancing:ModifyListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteListener",
              "elasticloadbalancing:AddListenerCertificates"], [listener], "route HTTPS with the certificate"),
        need(["elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule",
              "elasticloadbalancing:SetRulePriorities"], [rule], "keep the path rules in order"),
    ]
    if web_acl_arns:
        needs += [
            need(["wafv2:GetWebACL", "wafv2:GetWebACLForResource"], ["*"], "read each ALB's web ACL (enableWafv2)"),
            need(["wafv2:AssociateWebACL"], list(web_acl_arns), "attach the ingresses' web ACLs", {}),
            need(["wafv2:AssociateWebACL"], [lb_arn], "attach the stack's web ACL to the ALB", {}),
        ]
    return needs


def official_controller_actions() -> list[str]:
    """Every action the controller's own policy for the pinned release grants."""
    document = json.loads(CONTROLLER_POLICY_FILE.read_text())["policy"]
    actions: list[str] = []
    for statement in document["Statement"]:
        found = statement["Action"]
        actions += [found] if isinstance(found, str) else found
    return sorted(set(actions))


def controller_unused(web_acl: bool) -> dict[str, str]:
    """`CONTROLLER_UNUSED`, plus `wafv2:*` when no web ACL is attached (enableWafv2 off)."""
    unused = dict(CONTROLLER_UNUSED)
    if not web_acl:
        unused["wafv2:*"] = "enableWafv2: false (no web ACL is attached to the ingresses)"
    return unused


def is_unused(action: str, unused: Mapping[str, str]) -> str | None:
    """The reason an action of the controller's policy is not granted, or None."""
    for pattern, reason in unused.items():
        if fnmatch.fnmatchcase(action, pattern):
            return reason
    return None


def autoscaler_policy(cluster_name: str) -> pulumi.Output[str]:
    """The Cluster Autoscaler's recommended policy for auto-discovery (kubernetes/autoscaler,
    cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster Autoscaler Features Policy"; checked
    2026-12-04), with its scaling actions limited to Auto Scaling groups EKS tagged for this cluster."""
    return policy_document([
        {"Sid": "Discover", "Effect": "Allow", "Resource": "*", "Action": [
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
            "eks:DescribeNodegroup"]},
        {"Sid": "ScaleOwnNodeGroups", "Effect": "Allow", "Resource": "*",
         "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
         "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}},
    ])


def autoscaler_needs(role_arn: pulumi.Input[str], cluster_name: str, region: str,
                     account_id: pulumi.Input[str]) -> list[Access]:
    """What the Cluster Autoscaler calls: it finds the node group's Auto Scaling group by the tags EKS puts on
    managed node groups (`k8s.io/cluster-autoscaler/<cluster>: owned`) and moves its desired capacity."""
    group = pulumi.Output.concat(f"arn:aws:autoscaling:{region}:", account_id,
                                 ":autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/eks-nodes")
    who = "the Cluster Autoscaler"
    return [
        Access(workload=who, principal=role_arn, resources=["*"], key="cluster.eks.node_group",
               actions=["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
                        "autoscaling:DescribeTags", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeInstanceTypes",
                        "eks:DescribeNodegroup"], why="find the node group and the size of its nodes"),
        Access(workload=who, principal=role_arn, resources=[group], key="cluster.eks.node_group.max_size",
               actions=["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
               why="grow the node group for pending pods and shrink it when nodes idle",
               context={f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}),
    ]
