"""KubernetesService: the EKS runtime for the same service description ContainerService takes.

This includes:
- an EKS cluster through pulumi-eks (`eks.Cluster`) in private subnets: private endpoint on,
  public endpoint off or limited to given CIDRs, all control-plane log types into a log group with
  retention, secrets envelope-encrypted with a customer-managed KMS key, the OIDC provider for
  IRSA, a cluster role we own (so it lives under the program's IAM path);
- a managed node group (instance types, min/max/desired, Spot or on-demand, IMDSv2 with a hop
  limit of 1 so pods cannot borrow node credentials, encrypted gp3 root volumes) and/or a Fargate
  profile;
- Container Insights (the amazon-cloudwatch-observability add-on with its IRSA role);
- the AWS Load Balancer Controller (Helm) with its IRSA role, whose policy only lets it act on
  load balancers, target groups and security groups tagged for this cluster, and with the features
  the program does not use switched off (WAF Classic, Shield Advanced; WAFv2 only with a web ACL);
- a metrics source for the HPAs (the EKS `metrics-server` community add-on) and, when the node
  group may grow, the Cluster Autoscaler (Helm, IRSA) that grows and shrinks it;
- the Secrets Store CSI driver with the AWS provider (Helm) when services take secrets, polling
  Secrets Manager so synced Secrets follow rotations, and Reloader, which rolls a Deployment when
  the Secret it reads changes (pods read secrets as environment variables only at start);
- EKS access entries for the CI roles (deploy: cluster admin; preview: read everything);
- per service: an IRSA role (its secrets; owners attach further grants through
  `task_role_names`), a ServiceAccount, a SecretProviderClass syncing its secrets into a Secret the
  pods read as environment variables, a Deployment, a Service (with its ALB health check), an
  HPA and a PodDisruptionBudget;
- per load balancer an ALB Ingress (HTTPS with the ACM certificate and TLS 1.3 policy, 80
  redirected to 443, path rules in priority order, optional regional web ACL).

`eks.Cluster` is a remote component: under mocks only its inputs are visible; everything else
here is a plain resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from components._alb import LoadBalancerSpec
from components._common import (
    assume_role_policy,
    child_opts,
    distinct,
    physical_name,
    policy_document,
    service_role,
    stateful_opts,
    tags_for,
)
from components._eks_addon_iam import (
    autoscaler_needs,
    autoscaler_policy,
    controller_needs,
    load_balancer_controller_policy,
)
from components._runtime import (
    Access,
    Need,
    Refresh,
    managed_needs,
    published,
    secret_read_needs,
)
from components._service import ServiceSpec, check_service_wiring
from components.cluster import (
    ClusterSettings,
    EksSettings,
    NodeGroupSettings,
    autoscaler_image_tag,
    lacks_pod_security_groups,
)

_NODE_POLICIES = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
]
_METRICS_SERVER = "metrics-server"
"""The EKS community add-on serving resource metrics to HPAs (EKS User Guide, "Community add-ons" and
"Horizontal Pod Autoscaler": the Metrics Server is a prerequisite; checked 2026-12-04)."""
_ROTATION_POLL = "120s"
"""How often the CSI driver re-reads mounted secrets and updates synced Secrets (its default is 2m)."""
RELOAD_ANNOTATION = "secret.reloader.stakater.com/reload"
"""The Deployment annotation naming the Secrets Reloader watches for it."""

@dataclass(frozen=True, kw_only=True)
class KubernetesServiceArgs:
    """Inputs for :class:`KubernetesService`: the cluster settings, the services and load balancers, the network."""

    settings: ClusterSettings
    """`platform:cluster`; its `eks` part (defaults when left out) shapes the cluster."""
    services: Mapping[str, ServiceSpec]
    """Services by name."""
    load_balancers: Mapping[str, LoadBalancerSpec] = field(default_factory=dict)
    """Load balancers by key (each becomes an Ingress group)."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC."""
    vpc_cidr: pulumi.Input[str]
    """Default client range of internal load balancers."""
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of the nodes, Fargate pods and internal load balancers."""
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of internet-facing load balancers."""
    region: str
    """The stack's region."""
    account_id: pulumi.Input[str]
    """The account (IRSA trust, policies)."""
    web_acl_arn: pulumi.Input[str] | None = None
    """REGIONAL web ACL the internet-facing ingresses attach unless their load balancer names its own (the edge's)."""
    isolated_services: Sequence[str] = ()
    """Services that get pod security groups of their own (they reach data stores)."""
    admin_role_arns: Sequence[pulumi.Input[str]] = ()
    """Roles that administer the cluster's Kubernetes objects (the deploy role): an access entry each."""
    viewer_role_arns: Sequence[pulumi.Input[str]] = ()
    """Roles that read every Kubernetes object, Secrets included (the preview role, which refreshes Helm
    releases stored as Secrets): an access entry each."""
    protect: bool = False
    """Deletion protection on the cluster; protect + retain on its secrets key."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        check_service_wiring("KubernetesServiceArgs", self.services, self.load_balancers)
        for svc in self.isolated_services:
            if svc not in self.services:
                raise ValueError(f"KubernetesServiceArgs: isolated service {svc} is not a service")
        group = self.eks.node_group
        if self.isolated_services and group is not None and lacks_pod_security_groups(group.instance_types):
            raise ValueError("KubernetesServiceArgs: security groups for pods need ENI trunking, which t* nodes lack")

    @property
    def eks(self) -> EksSettings:
        """The EKS settings, defaults included."""
        return self.settings.eks_settings


class KubernetesService(pulumi.ComponentResource):
    """Services on EKS behind ALB ingresses."""

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    """Secret."""
    oidc_provider_arn: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    """Security group of nodes and of pods without one of their own."""
    security_group_ids: dict[str, pulumi.Output[str]]
    """Own security group of each isolated service (grant it access to databases and caches)."""
    task_role_names: dict[str, pulumi.Output[str]]
    """IRSA role by service (owners of buckets, state machines, ... attach grants to it)."""
    service_names: dict[str, str]
    """Kubernetes Service (and Deployment) name by service."""
    load_balancer_dns_names: dict[str, pulumi.Output[str]]
    """Ingress ALB host name by load balancer key."""
    load_balancer_zone_ids: dict[str, pulumi.Output[str]]
    """Route53 zone id of ALBs in this region (alias records)."""
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What the pods and controllers do at run time (`components._runtime`; proven by the run-time stage)."""

    def __init__(self, name: str, args: KubernetesServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:KubernetesService", name, None, opts)
        self._name, self._args = name, args
        self._needs: list[Need] = []
        cluster_name = physical_name(name, 90)
        self._cluster_name = cluster_name
        key = aws.kms.Key(f"{name}-secrets-key", description=f"{name}: Kubernetes secrets envelope encryption",
                          enable_key_rotation=True, deletion_window_in_days=30,
                          tags=tags_for(args.tags, name, "secrets-key"), opts=stateful_opts(self, args.protect))
        # EKS would create this group with no expiry; creating it first sets the retention.
        logs = aws.cloudwatch.LogGroup(f"{name}-control-plane", name=f"/aws/eks/{cluster_name}/cluster",
                                       retention_in_days=args.eks.log_retention_days,
                                       tags=tags_for(args.tags, name, "control-plane"), opts=child_opts(self))
        cluster_role = service_role(
            self, f"{name}-cluster", trust=assume_role_policy("eks.amazonaws.com"),
            description=f"{name}: EKS control plane", tags=tags_for(args.tags, name, "cluster"),
            managed_policy_arns=["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
                                 "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController"])
        # EKS User Guide, "Amazon EKS cluster IAM role" (checked 2026-12-04).
        self._needs += managed_needs(f"{name} control plane", cluster_role.arn,
                                     ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
                                      "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController"],
                                     "run the control plane and attach pod ENIs", "cluster")
        cluster = eks.Cluster(
            f"{name}-cluster",
            name=cluster_name,
            version=args.eks.version,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=args.eks.support_type),
            vpc_id=args.vpc_id,
            private_subnet_ids=args.private_subnet_ids,
            endpoint_private_access=True,
            endpoint_public_access=args.eks.endpoint_public_access,
            public_access_cidrs=[str(c) for c in args.eks.public_access_cidrs] if args.eks.endpoint_public_access else None,
            enabled_cluster_log_types=list(args.eks.log_types),
            encryption_config_key_arn=key.arn,
            create_oidc_provider=True,
            skip_default_node_group=True,
            authentication_mode=eks.AuthenticationMode.API,
            service_role=cluster_role,
            node_associate_public_ip_address=False,
            # Pod ENIs carry per-service security groups; network policies limit pod-to-pod traffic.
            vpc_cni_options=eks.VpcCniOptionsArgs(enable_pod_eni=bool(args.isolated_services),
                                                  enable_network_policy=True),
            deletion_protection=args.protect,
            tags=tags_for(args.tags, name, "cluster"),
            opts=child_opts(self, depends_on=[logs]),
        )
        self._cluster = cluster
        self._oidc_arn = cluster.oidc_provider_arn
        self._oidc_issuer = cluster.oidc_issuer
        cluster_sg = cluster.eks_cluster.vpc_config.cluster_security_group_id
        eks_name = cluster.eks_cluster.name
        access = self._access_entries(eks_name)
        if args.eks.node_group is not None:
            self._node_group(eks_name, args.eks.node_group)
        for fargate_namespace in args.eks.fargate_namespaces:
            self._fargate_profile(eks_name, fargate_namespace)
        self._container_insights(eks_name)
        # HPAs read pod CPU and memory from the metrics API; without a metrics source they never scale.
        aws.eks.Addon(f"{name}-metrics-server", cluster_name=eks_name, addon_name=_METRICS_SERVER,
                      resolve_conflicts_on_update="OVERWRITE", tags=tags_for(args.tags, name, "metrics-server"),
                      opts=child_opts(self))
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=cluster.kubeconfig_json, enable_server_side_apply=True,
                                opts=child_opts(self, depends_on=access))
        self._k8s = child_opts(self, provider=provider)
        controller = self._load_balancer_controller(cluster_sg)
        group = args.eks.node_group
        if group is not None and group.max_size > group.min_size:
            self._cluster_autoscaler(group)
        with_secrets = any(s.secrets for s in args.services.values())
        secrets_driver = self._secrets_driver() if with_secrets else None
        if with_secrets:
            self._reloader()
        namespace = k8s.core.v1.Namespace(f"{name}-namespace", metadata={"name": args.eks.namespace,
                                                                          "labels": {"app.kubernetes.io/part-of": name}},
                                          opts=self._k8s)
        self.task_role_names, self.service_names, self.security_group_ids = {}, {}, {}
        self._cluster_sg = cluster_sg
        for svc, spec in sorted(args.services.items()):
            self._service(svc, spec, namespace, secrets_driver)
        zone = aws.lb.get_hosted_zone_id_output(load_balancer_type="application",
                                                opts=pulumi.InvokeOutputOptions(parent=self))
        self.load_balancer_dns_names, self.load_balancer_zone_ids = {}, {}
        for key_name, lb in sorted(args.load_balancers.items()):
            ingress = self._ingress(key_name, lb, namespace, controller)
            self.load_balancer_dns_names[key_name] = ingress.status.apply(_ingress_hostname)
            self.load_balancer_zone_ids[key_name] = zone.id

        self.cluster_name = eks_name
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.cluster_security_group_id = cluster_sg
        self.runtime_needs = published(self._needs)
        self.register_outputs({
            "runtime_needs": self.runtime_needs,
            "cluster_name": self.cluster_name, "kubeconfig": self.kubeconfig,
            "oidc_provider_arn": self.oidc_provider_arn, "cluster_security_group_id": self.cluster_security_group_id,
            "task_role_names": self.task_role_names, "service_names": self.service_names,
            "security_group_ids": self.security_group_ids,
            "load_balancer_dns_names": self.load_balancer_dns_names,
            "load_balancer_zone_ids": self.load_balancer_zone_ids,
        })

    # -- IAM roles for service accounts ------------------------------------------------------------
    def irsa_role(self, logical: str, namespace: str, service_account: str, description: str,
                  policy: pulumi.Input[str] | None = None, managed_policy_arns: Sequence[str] = ()) -> aws.iam.Role:
        """A role only `system:serviceaccount:<namespace>:<service_account>` of this cluster can assume."""
        trust = pulumi.Output.all(self._oidc_arn, self._oidc_issuer).apply(lambda v: json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Federated": v[0]}, "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{v[1]}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                                               f"{v[1]}:aud": "sts.amazonaws.com"}}}]}))
        role = service_role(self, logical, trust=trust, description=description,
                            tags=tags_for(self._args.tags, self._name, logical.removeprefix(f"{self._name}-")),
                            policy=policy, managed_policy_arns=managed_policy_arns)
        issuer = self._oidc_issuer
        self._needs.append(Access(
            workload=f"pods of service account {namespace}/{service_account}", principal=self._oidc_arn,
            actions=["sts:AssumeRoleWithWebIdentity"], resources=[role.arn],
            why="take the role's credentials (IRSA); without it every AWS call of the pod fails",
            context={pulumi.Output.concat(issuer, ":sub"): f"system:serviceaccount:{namespace}:{service_account}",
                     pulumi.Output.concat(issuer, ":aud"): "sts.amazonaws.com"}))
        return role

    def _access_entries(self, eks_name: pulumi.Output[str]) -> list[pulumi.Resource]:
        """Access entries for the CI roles. The cluster's creator gets admin rights when it is created (the
        operator's first, manual `pulumi up`); every later deploy and preview runs as the CI roles, which the
        cluster (authentication mode API) knows only through these (EKS User Guide, access entries; checked
        2026-12-04)."""
        created: list[pulumi.Resource] = []
        policies = {"admin": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    "viewer": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy"}
        for kind, arns in (("admin", self._args.admin_role_arns), ("viewer", self._args.viewer_role_arns)):
            for i, arn in enumerate(arns):
                logical = f"{self._name}-{kind}-{i + 1}"
                entry = aws.eks.AccessEntry(logical, cluster_name=eks_name, principal_arn=arn, type="STANDARD",
                                            tags=tags_for(self._args.tags, self._name, f"{kind}-{i + 1}"),
                                            opts=child_opts(self))
                created.append(aws.eks.AccessPolicyAssociation(
                    logical, cluster_name=eks_name, principal_arn=entry.principal_arn, policy_arn=policies[kind],
                    access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                    opts=child_opts(self)))
        return created

    # -- capacity ----------------------------------------------------------------------------------
    def _node_group(self, eks_name: pulumi.Output[str], spec: NodeGroupSettings) -> None:
        name, args = self._name, self._args
        role = service_role(self, f"{name}-nodes", trust=assume_role_policy("ec2.amazonaws.com"),
                            description=f"{name}: worker nodes", tags=tags_for(args.tags, name, "nodes"),
                            managed_policy_arns=_NODE_POLICIES)
        # EKS User Guide, "Amazon EKS node IAM role" (checked 2026-12-04).
        self._needs += managed_needs(f"{name} nodes", role.arn, _NODE_POLICIES,
                                     "join the cluster, run the VPC CNI and pull images", "cluster.eks.node_group")
        template = aws.ec2.LaunchTemplate(
            f"{name}-nodes",
            # Hop limit 1: pods cannot reach the instance metadata service (and the node role);
            # they get their own credentials through IRSA.
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_tokens="required", http_endpoint="enabled", http_put_response_hop_limit=1),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda", ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    encrypted="true", volume_size=spec.disk_size_gb, volume_type="gp3", delete_on_termination="true"))],
            tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(
                resource_type="instance", tags=tags_for(args.tags, name, "node"))],
            tags=tags_for(args.tags, name, "nodes"), opts=child_opts(self))
        aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=eks_name,
            node_role_arn=role.arn,
            subnet_ids=args.private_subnet_ids,
            instance_types=list(spec.instance_types),
            capacity_type=spec.capacity_type,
            ami_type="AL2023_ARM_64_STANDARD" if spec.architecture == "arm64" else "AL2023_x86_64_STANDARD",
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=spec.min_size, max_size=spec.max_size, desired_size=spec.desired_size),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=template.id, version=template.latest_version.apply(str)),
            tags=tags_for(args.tags, name, "nodes"),
            # The Cluster Autoscaler moves the desired size; `pulumi up` must not undo it.
            opts=child_opts(self, ignore_changes=["scalingConfig.desiredSize"]),
        )
        # The kubelet pulls the services' images with the node role (AmazonEC2ContainerRegistryReadOnly).
        repositories = [s.repository_arn for s in args.services.values() if s.repository_arn is not None]
        if repositories:
            self._needs.append(Access(
                workload=f"{name} nodes (kubelet)", principal=role.arn,
                actions=["ecr:GetAuthorizationToken"], resources=["*"], why="log in to ECR to pull images",
                key="services"))
            self._needs.append(Access(
                workload=f"{name} nodes (kubelet)", principal=role.arn,
                actions=["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                resources=repositories, why="pull the services' images", key="services"))

    def _fargate_profile(self, eks_name: pulumi.Output[str], namespace: str) -> None:
        name, args = self._name, self._args
        role = service_role(self, f"{name}-fargate-{namespace}", trust=assume_role_policy("eks-fargate-pods.amazonaws.com"),
                            description=f"{name}: Fargate pods in {namespace}",
                            tags=tags_for(args.tags, name, f"fargate-{namespace}"),
                            managed_policy_arns=["arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"])
        self._needs += managed_needs(f"{name} Fargate pods in {namespace}", role.arn,
                                     ["arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"],
                                     "pull images and register the pods", "cluster.eks.fargate_namespaces")
        aws.eks.FargateProfile(f"{name}-fargate-{namespace}", cluster_name=eks_name, pod_execution_role_arn=role.arn,
                               subnet_ids=args.private_subnet_ids,
                               selectors=[aws.eks.FargateProfileSelectorArgs(namespace=namespace)],
                               tags=tags_for(args.tags, name, f"fargate-{namespace}"), opts=child_opts(self))

    def _container_insights(self, eks_name: pulumi.Output[str]) -> None:
        name = self._name
        role = self.irsa_role(f"{name}-insights", "amazon-cloudwatch", "cloudwatch-agent",
                              f"{name}: Container Insights agent",
                              managed_policy_arns=["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"])
        who = f"{name} Container Insights agent"
        self._needs += [
            Access(workload=who, principal=role.arn, actions=["cloudwatch:PutMetricData"], resources=["*"],
                   key="alarms", why="publish the pods' CPU and memory (the services' alarms read them)"),
            Access(workload=who, principal=role.arn, actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                   resources=[f"arn:aws:logs:{self._args.region}:*:log-group:/aws/containerinsights/{self._cluster_name}"
                              "/performance:log-stream:*"], key="alarms", why="write the performance log events"),
        ]
        aws.eks.Addon(f"{name}-insights", cluster_name=eks_name, addon_name="amazon-cloudwatch-observability",
                      service_account_role_arn=role.arn, resolve_conflicts_on_update="OVERWRITE",
                      tags=tags_for(self._args.tags, name, "insights"), opts=child_opts(self))

    def _web_acl(self, lb: LoadBalancerSpec) -> pulumi.Input[str] | None:
        """The web ACL an ingress attaches: its load balancer's own, else the edge's on an internet-facing one."""
        if lb.web_acl_arn is not None:
            return lb.web_acl_arn
        return None if lb.settings.internal else self._args.web_acl_arn

    @property
    def _web_acls(self) -> list[pulumi.Input[str]]:
        """Every web ACL the ingresses attach, once each (the controller may associate exactly these)."""
        found: list[pulumi.Input[str]] = []
        for _, lb in sorted(self._args.load_balancers.items()):
            acl = self._web_acl(lb)
            if acl is not None and not any(acl is seen for seen in found):
                found.append(acl)
        return found

    # -- cluster add-ons through Helm ------------------------------------------------------------------
    def _load_balancer_controller(self, cluster_sg: pulumi.Output[str]) -> k8s.helm.v3.Release:
        name, args = self._name, self._args
        role = self.irsa_role(f"{name}-lb-controller", "kube-system", "aws-load-balancer-controller",
                              f"{name}: AWS Load Balancer Controller",
                              policy=load_balancer_controller_policy(self._cluster_name, args.region, args.account_id,
                                                                     args.vpc_id, cluster_sg, self._web_acls))
        self._needs.extend(controller_needs(role.arn, self._cluster_name, args.region, args.account_id, args.vpc_id,
                                            cluster_sg, self._web_acls))
        return k8s.helm.v3.Release(
            f"{name}-lb-controller", chart="aws-load-balancer-controller", version=args.eks.charts.load_balancer_controller,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://aws.github.io/eks-charts"),
            namespace="kube-system",
            values={"clusterName": self._cluster.eks_cluster.name, "region": args.region, "vpcId": args.vpc_id,
                    "serviceAccount": {"create": True, "name": "aws-load-balancer-controller",
                                       "annotations": {"eks.amazonaws.com/role-arn": role.arn}},
                    "enableServiceMutatorWebhook": False,
                    # Each defaults to true; on, the controller calls that service for every ALB it reconciles
                    # and fails the reconcile without the permission (CONTROLLER_UNUSED).
                    "enableWaf": False, "enableShield": False, "enableWafv2": bool(self._web_acls)},
            opts=self._k8s)

    def _cluster_autoscaler(self, group: NodeGroupSettings) -> k8s.helm.v3.Release:
        """The Cluster Autoscaler grows the node group when pods are pending and shrinks it when nodes idle.

        Chosen among the EKS-documented node autoscalers (EKS User Guide, "Scale cluster compute with Karpenter
        and Cluster Autoscaler", and EKS Auto Mode; checked 2026-12-04): it works on the managed node group the
        program already has (its min/max stay the bounds; EKS tags the group's Auto Scaling group for
        discovery), where Karpenter would replace the node group with its own provisioning (node pools, an
        interruption queue, its own node role) and Auto Mode would hand nodes, the load balancer controller
        and storage to EKS at a per-instance management fee."""
        name, args = self._name, self._args
        role = self.irsa_role(f"{name}-autoscaler", "kube-system", "cluster-autoscaler",
                              f"{name}: Cluster Autoscaler", policy=autoscaler_policy(self._cluster_name))
        self._needs.extend(autoscaler_needs(role.arn, self._cluster_name, args.region, args.account_id))
        return k8s.helm.v3.Release(
            f"{name}-autoscaler", chart="cluster-autoscaler", version=args.eks.charts.cluster_autoscaler,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://kubernetes.github.io/autoscaler"),
            namespace="kube-system",
            values={"cloudProvider": "aws", "awsRegion": args.region,
                    "autoDiscovery": {"clusterName": self._cluster.eks_cluster.name},
                    "image": {"tag": autoscaler_image_tag(args.eks.version)},
                    "rbac": {"serviceAccount": {"create": True, "name": "cluster-autoscaler",
                                                "annotations": {"eks.amazonaws.com/role-arn": role.arn}}},
                    # Node groups of one instance type in several AZs: keep them even.
                    "extraArgs": {"balance-similar-node-groups": True}},
            opts=self._k8s)

    def _reloader(self) -> k8s.helm.v3.Release:
        # Pods read secrets as environment variables once, at start. The CSI driver keeps the synced Secret
        # current; Reloader rolls each Deployment annotated with that Secret when it changes, as the Secrets
        # Store CSI driver documents for environment variables (docs/book/src/topics/secret-auto-rotation.md).
        return k8s.helm.v3.Release(
            f"{self._name}-reloader", chart="reloader", version=self._args.eks.charts.reloader,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://stakater.github.io/stakater-charts"),
            namespace="kube-system",
            # It acts only on Deployments that name a Secret in its annotation. It marks the restart with a
            # pod-template annotation, not an environment variable: Pulumi owns the containers' env.
            values={"reloader": {"reloadStrategy": "annotations"}},
            opts=self._k8s)

    def _secrets_driver(self) -> k8s.helm.v3.Release:
        # The AWS provider chart carries the Secrets Store CSI driver as a sub-chart; syncing into
        # Kubernetes Secrets is what lets pods take secrets as environment variables.
        return k8s.helm.v3.Release(
            f"{self._name}-secrets-driver", chart="secrets-store-csi-driver-provider-aws",
            version=self._args.eks.charts.secrets_provider_aws,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://aws.github.io/secrets-store-csi-driver-provider-aws"),
            namespace="kube-system",
            # Rotation: the driver re-reads mounted secrets every poll interval and updates the synced Secret
            # (without it a synced Secret keeps its first value forever).
            values={"secrets-store-csi-driver": {"install": True, "syncSecret": {"enabled": True},
                                                 "enableSecretRotation": True, "rotationPollInterval": _ROTATION_POLL}},
            opts=self._k8s)

    # -- one service ---------------------------------------------------------------------------------
    def _service(self, svc: str, spec: ServiceSpec, namespace: k8s.core.v1.Namespace,
                 secrets_driver: k8s.helm.v3.Release | None) -> None:
        name, args = self._name, self._args
        ns = args.eks.namespace
        base = f"{name}-{svc}"
        statements: list[dict[str, Any]] = []
        if spec.secrets:
            statements.append({"Sid": "ReadOwnSecrets", "Effect": "Allow",
                               "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                               "Resource": distinct([s.arn for s in spec.secrets.values()])})
        if spec.secret_kms_key_arns:
            statements.append({"Sid": "DecryptOwnSecrets", "Effect": "Allow", "Action": "kms:Decrypt",
                               "Resource": distinct(spec.secret_kms_key_arns),
                               "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{args.region}.amazonaws.com"}}})
        role = self.irsa_role(f"{base}-pods", ns, svc, f"{base}: what the application may do",
                              policy=policy_document(statements) if statements else None)
        workload = f"{base} pods"
        at = f"services.{svc}"
        if spec.secrets:
            # The AWS provider of the CSI driver reads each secret with the pod's own role (ASCP).
            self._needs += secret_read_needs(f"{workload} (CSI secrets provider)", role.arn,
                                             [s.arn for s in spec.secrets.values()], spec.secret_kms_key_arns,
                                             args.region, f"{at}.secrets",
                                             "mount the pod's secrets; the pod does not start without them",
                                             actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"])
            self._needs.append(Refresh(workload=workload, runtime="eks", service=f"{ns}/{svc}",
                                       secrets=[s.arn for s in spec.secrets.values()], key=f"{at}.secrets",
                                       why="pods read the secrets as environment variables once, at start"))
        self._needs.extend(use.by(workload, role.arn) for use in spec.uses)
        self.task_role_names[svc] = role.name
        labels = {"app.kubernetes.io/name": svc, "app.kubernetes.io/part-of": name}
        account = k8s.core.v1.ServiceAccount(
            base, metadata={"name": svc, "namespace": ns, "labels": labels,
                            "annotations": {"eks.amazonaws.com/role-arn": role.arn}},
            opts=child_opts(self, provider=self._k8s.provider, depends_on=[namespace]))
        env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in sorted(spec.variables.items())]
        volumes: list[dict[str, Any]] = []
        mounts: list[dict[str, Any]] = []
        waits: list[pulumi.Resource] = [account]
        if spec.secrets:
            secret_name = f"{svc}-secrets"
            waits.append(self._secret_provider_class(base, svc, spec, secret_name, secrets_driver))
            env += [{"name": var, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": var}}}
                    for var in sorted(spec.secrets)]
            volumes.append({"name": "secrets", "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                                                       "volumeAttributes": {"secretProviderClass": svc}}})
            mounts.append({"name": "secrets", "mountPath": "/mnt/secrets", "readOnly": True})
        ports = [{"name": "http", "containerPort": spec.settings.port}] if spec.settings.port else []
        ports += [{"name": n, "containerPort": p} for n, p in sorted(spec.settings.extra_ports.items())]
        millicpu = spec.settings.cpu * 1000 // 1024
        container: dict[str, Any] = {
            "name": svc, "image": spec.image, "ports": ports, "env": env, "volumeMounts": mounts,
            # Limits equal requests: each pod gets exactly its share, as an ECS task does, and
            # Container Insights' "% of limit" metrics mean what the alarms say.
            "resources": {"requests": {"cpu": f"{millicpu}m", "memory": f"{spec.settings.memory}Mi"},
                          "limits": {"cpu": f"{millicpu}m", "memory": f"{spec.settings.memory}Mi"}},
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        }
        if spec.settings.command:
            container["command"] = list(spec.settings.command)
        if spec.settings.port and spec.settings.load_balancer is not None:
            container["readinessProbe"] = {"httpGet": {"path": spec.settings.health_check.path, "port": "http"},
                                           "periodSeconds": spec.settings.health_check.interval,
                                           "timeoutSeconds": spec.settings.health_check.timeout,
                                           "failureThreshold": spec.settings.health_check.unhealthy_threshold}
        if spec.settings.container_health_check is not None:
            hc = spec.settings.container_health_check
            command = list(hc.command[1:]) if hc.command[0] == "CMD" else ["/bin/sh", "-c", " ".join(hc.command[1:])]
            container["livenessProbe"] = {"exec": {"command": command}, "periodSeconds": hc.interval,
                                          "timeoutSeconds": hc.timeout, "failureThreshold": hc.retries,
                                          "initialDelaySeconds": hc.start_period}
        deployment_annotations = {RELOAD_ANNOTATION: f"{svc}-secrets"} if spec.secrets else {}
        k8s.apps.v1.Deployment(  # type: ignore[call-overload]  # manifests: see the module's end
            base,
            metadata={"name": svc, "namespace": ns, "labels": labels, "annotations": deployment_annotations},
            spec={
                "replicas": spec.settings.desired_count,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {
                    "serviceAccountName": svc,
                    "nodeSelector": {"kubernetes.io/arch": "arm64" if spec.settings.architecture == "arm64" else "amd64"},
                    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                                   "whenUnsatisfiable": "ScheduleAnyway",
                                                   "labelSelector": {"matchLabels": labels}}],
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    **({"terminationGracePeriodSeconds": spec.settings.deployment.stop_timeout}
                       if spec.settings.deployment.stop_timeout is not None else {}),
                    "containers": [container], "volumes": volumes}},
                # A singleton (a scheduler) stops its pod before the next starts; the rest roll as `deployment`
                # says (by default at full capacity: nothing unavailable, every replacement at once).
                "strategy": {"type": "Recreate"} if spec.settings.singleton else _rolling_update(*spec.settings.rollout),
            },
            # With an HPA the autoscaler owns the replica count.
            opts=child_opts(self, provider=self._k8s.provider, depends_on=waits,
                            ignore_changes=["spec.replicas"] if spec.settings.scaling is not None else None))
        if ports:
            self._k8s_service(base, svc, spec, labels, ports, namespace)
        self.service_names[svc] = svc
        if spec.settings.scaling is not None:
            self._hpa(base, svc, spec)
        if svc in args.isolated_services:
            group_id = self._pod_security_group(base, svc, labels)
            self._needs.extend(reach.by(workload, group_id, args.private_subnet_ids) for reach in spec.reaches)
        if spec.allow_from and spec.settings.load_balancer is None:
            self._network_policy(base, svc, spec, labels)
        if (spec.settings.scaling.min if spec.settings.scaling else spec.settings.desired_count) > 1:
            k8s.policy.v1.PodDisruptionBudget(  # type: ignore[call-overload]  # manifests: see the module's end
                base, metadata={"name": svc, "namespace": ns, "labels": labels},
                spec={"minAvailable": 1, "selector": {"matchLabels": labels}},
                opts=child_opts(self, provider=self._k8s.provider, depends_on=[namespace]))

    def _pod_security_group(self, base: str, svc: str, labels: Mapping[str, str]) -> pulumi.Output[str]:
        args = self._args
        group = aws.ec2.SecurityGroup(f"{base}-pods", vpc_id=args.vpc_id, description=f"{base}: pods of {svc} only",
                                      tags=tags_for(args.tags, self._name, f"{svc}-pods"), opts=child_opts(self))
        aws.vpc.SecurityGroupEgressRule(f"{base}-pods-egress", security_group_id=group.id, ip_protocol="-1",
                                        cidr_ipv4="0.0.0.0/0", description="pods call out",
                                        tags=tags_for(args.tags, self._name, f"{svc}-pods-egress"), opts=child_opts(self))
        # The cluster group stays on the pod ENI: it carries the load balancer's backend rules,
        # kubelet probes and cluster DNS. The service's own group is what data stores admit.
        k8s.apiextensions.CustomResource(
            f"{base}-pods", api_version="vpcresources.k8s.aws/v1beta1", kind="SecurityGroupPolicy",
            metadata={"name": svc, "namespace": args.eks.namespace},
            spec={"podSelector": {"matchLabels": dict(labels)},
                  "securityGroups": {"groupIds": [group.id, self._cluster_sg]}},
            opts=child_opts(self, provider=self._k8s.provider))
        self.security_group_ids[svc] = group.id
        return group.id

    def _network_policy(self, base: str, svc: str, spec: ServiceSpec, labels: Mapping[str, str]) -> None:
        ports = ([spec.settings.port] if spec.settings.port else []) + sorted(spec.settings.extra_ports.values())
        k8s.networking.v1.NetworkPolicy(  # type: ignore[call-overload]  # manifests: see the module's end
            base, metadata={"name": svc, "namespace": self._args.eks.namespace},
            spec={"podSelector": {"matchLabels": dict(labels)}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": peer}}}
                                        for peer in sorted(spec.allow_from)],
                               "ports": [{"port": p, "protocol": "TCP"} for p in ports]}]},
            opts=child_opts(self, provider=self._k8s.provider))

    def _secret_provider_class(self, base: str, svc: str, spec: ServiceSpec, secret_name: str,
                               secrets_driver: k8s.helm.v3.Release | None) -> k8s.apiextensions.CustomResource:
        objects = pulumi.Output.all(*[s.arn for s in spec.secrets.values()]).apply(
            lambda arns: _provider_objects(list(spec.secrets), [s.key for s in spec.secrets.values()], arns))
        return k8s.apiextensions.CustomResource(
            base, api_version="secrets-store.csi.x-k8s.io/v1", kind="SecretProviderClass",
            metadata={"name": svc, "namespace": self._args.eks.namespace},
            spec={"provider": "aws", "parameters": {"objects": objects, "usePodIdentity": "false"},
                  "secretObjects": [{"secretName": secret_name, "type": "Opaque",
                                     "data": [{"objectName": var, "key": var} for var in sorted(spec.secrets)]}]},
            opts=child_opts(self, provider=self._k8s.provider,
                            depends_on=[secrets_driver] if secrets_driver is not None else None))

    def _k8s_service(self, base: str, svc: str, spec: ServiceSpec, labels: Mapping[str, str],
                     ports: list[dict[str, Any]], namespace: k8s.core.v1.Namespace) -> None:
        hc = spec.settings.health_check
        annotations = {
            "alb.ingress.kubernetes.io/healthcheck-path": hc.path,
            "alb.ingress.kubernetes.io/healthcheck-interval-seconds": str(hc.interval),
            "alb.ingress.kubernetes.io/healthcheck-timeout-seconds": str(hc.timeout),
            "alb.ingress.kubernetes.io/healthy-threshold-count": str(hc.healthy_threshold),
            "alb.ingress.kubernetes.io/unhealthy-threshold-count": str(hc.unhealthy_threshold),
            "alb.ingress.kubernetes.io/success-codes": hc.matcher,
            "alb.ingress.kubernetes.io/target-group-attributes":
                f"deregistration_delay.timeout_seconds={spec.settings.deployment.deregistration_delay}",
        } if spec.settings.load_balancer is not None else {}
        k8s.core.v1.Service(  # type: ignore[call-overload]  # manifests: see the module's end
            base, metadata={"name": spec.discovery_name or svc, "namespace": self._args.eks.namespace, "labels": labels,
                            "annotations": annotations},
            spec={"type": "ClusterIP", "selector": labels,
                  "ports": [{"name": p["name"], "port": p["containerPort"], "targetPort": p["name"]} for p in ports]},
            opts=child_opts(self, provider=self._k8s.provider, depends_on=[namespace]))

    def _hpa(self, base: str, svc: str, spec: ServiceSpec) -> None:
        scaling = spec.settings.scaling
        assert scaling is not None
        metrics = [{"type": "Resource", "resource": {"name": resource, "target": {
            "type": "Utilization", "averageUtilization": target}}}
            for resource, target in (("cpu", scaling.cpu_target), ("memory", scaling.memory_target)) if target]
        k8s.autoscaling.v2.HorizontalPodAutoscaler(  # type: ignore[call-overload]  # manifests: see the module's end
            base, metadata={"name": svc, "namespace": self._args.eks.namespace},
            spec={"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": svc},
                  "minReplicas": max(scaling.min, 1), "maxReplicas": scaling.max, "metrics": metrics,
                  "behavior": {"scaleDown": {"stabilizationWindowSeconds": scaling.scale_in_cooldown},
                               "scaleUp": {"stabilizationWindowSeconds": scaling.scale_out_cooldown}}},
            opts=child_opts(self, provider=self._k8s.provider))

    # -- ingress ---------------------------------------------------------------------------------------
    def _ingress(self, key: str, lb: LoadBalancerSpec, namespace: k8s.core.v1.Namespace,
                 controller: k8s.helm.v3.Release) -> k8s.networking.v1.Ingress:
        name, args = self._name, self._args
        targets = {svc: spec for svc, spec in args.services.items() if spec.settings.load_balancer == key}
        rules = sorted(((route.priority, svc, path) for svc, spec in targets.items() for route in spec.settings.routes
                        for path in route.paths), key=lambda r: r[0])
        default = next((svc for svc, spec in targets.items() if spec.settings.default_route), None)

        def backend(svc: str) -> dict[str, Any]:
            return {"service": {"name": targets[svc].discovery_name or svc, "port": {"name": "http"}}}

        paths = [{"path": _k8s_path(path), "pathType": "Exact" if not path.endswith("*") else "Prefix",
                  "backend": backend(svc)} for _, svc, path in rules]
        attributes = [f"idle_timeout.timeout_seconds={lb.settings.idle_timeout}",
                      "routing.http.drop_invalid_header_fields.enabled=true",
                      f"deletion_protection.enabled={str(lb.deletion_protection).lower()}"]
        subnets = args.private_subnet_ids if lb.settings.internal else args.public_subnet_ids
        annotations: dict[str, pulumi.Input[str]] = {
            "alb.ingress.kubernetes.io/scheme": "internal" if lb.settings.internal else "internet-facing",
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
            "alb.ingress.kubernetes.io/ssl-redirect": "443",
            "alb.ingress.kubernetes.io/certificate-arn": lb.certificate_arn,
            "alb.ingress.kubernetes.io/ssl-policy": lb.settings.ssl_policy,
            "alb.ingress.kubernetes.io/subnets": pulumi.Output.from_input(subnets).apply(
                lambda ids: ",".join(str(i) for i in ids)),
            "alb.ingress.kubernetes.io/load-balancer-attributes": ",".join(attributes),
            "alb.ingress.kubernetes.io/ip-address-type": "dualstack" if lb.settings.dualstack else "ipv4",
            "alb.ingress.kubernetes.io/group.name": f"{name}-{key}",
        }
        # The annotation is a k=v list: tags whose text would break it are left to aws:defaultTags.
        ingress_tags = ",".join(f"{k}={v}" for k, v in sorted(args.tags.items()) if re.fullmatch(r"[\w.:/+@ -]+", f"{k}{v}"))
        if ingress_tags:
            annotations["alb.ingress.kubernetes.io/tags"] = ingress_tags
        if lb.settings.internal:
            cidrs: list[pulumi.Input[str]] = [str(c) for c in lb.settings.ingress_cidrs] or [args.vpc_cidr]
            annotations["alb.ingress.kubernetes.io/inbound-cidrs"] = pulumi.Output.all(*cidrs).apply(",".join)
        acl = self._web_acl(lb)
        if acl is not None:
            annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] = acl
        spec: dict[str, Any] = {"ingressClassName": "alb", "rules": [{"http": {"paths": paths}}] if paths else []}
        if default is not None:
            spec["defaultBackend"] = backend(default)
        ingress: k8s.networking.v1.Ingress = k8s.networking.v1.Ingress(  # type: ignore[call-overload]  # manifests: see the module's end
            f"{name}-{key}", metadata={"name": key, "namespace": args.eks.namespace, "annotations": annotations},
            spec=spec, opts=child_opts(self, provider=self._k8s.provider, depends_on=[controller, namespace]))
        return ingress


def _ingress_hostname(status: k8s.networking.v1.outputs.IngressStatus | None) -> str:
    """The load balancer's DNS name once the controller has reported it ("" until then)."""
    balancer = status.load_balancer if status is not None else None
    return (balancer.ingress[0].hostname or "") if balancer is not None and balancer.ingress else ""


def _rolling_update(minimum_healthy_percent: int, maximum_percent: int) -> dict[str, Any]:
    """ECS's deployment percentages as a Deployment's rolling update: what may be missing, what may be added."""
    return {"type": "RollingUpdate", "rollingUpdate": {
        "maxUnavailable": 0 if minimum_healthy_percent == 100 else f"{100 - minimum_healthy_percent}%",
        "maxSurge": f"{maximum_percent - 100}%"}}


def _k8s_path(pattern: str) -> str:
    """ALB path patterns (`/api/*`) as Kubernetes paths (`/api`, prefix-matched)."""
    return pattern.removesuffix("/*").removesuffix("*") or "/"


def _provider_objects(variables: Sequence[str], keys: Sequence[str | None], arns: Sequence[str]) -> str:
    """The AWS provider's `objects` parameter: each variable an alias of a secret or one JSON key of it."""
    lines = []
    for var, key, arn in zip(variables, keys, arns, strict=True):
        if key is None:
            lines.append(f'- objectName: "{arn}"\n  objectAlias: "{var}"')
        else:
            lines.append(f'- objectName: "{arn}"\n  jmesPath:\n    - path: "{key}"\n      objectAlias: "{var}"')
    return "\n".join(lines)


# Manifests. The Kubernetes objects' `metadata` and `spec` are plain camelCase dicts, not pulumi_kubernetes' Args
# classes: they read as the manifests the Kubernetes documentation shows, and the SDK passes them through unchanged
# (the tests read them back as written). The SDK types those parameters with snake_case TypedDicts a camelCase
# manifest cannot match, so those calls alone carry `type: ignore[call-overload]`.
