"""KubernetesService: eks.Cluster inputs (a black box under mocks) and everything around it."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components import ClusterSettings, EksSettings, LoadBalancerSettings, LoadBalancerSpec, SecretEnv, ServiceSpec
from components._eks_addon_iam import load_balancer_controller_policy
from components.kubernetes_service import KubernetesService, KubernetesServiceArgs
from tests.conftest import resolved, service_spec

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/c"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/waf-acl/1"


def services() -> dict[str, ServiceSpec]:
    return {
        "api": service_spec("repo/api:v1", cpu=512, memory=1024, port=8080, load_balancer="main", desired_count=2,
                            routes=[{"paths": ["/api/*"], "priority": 10}, {"paths": ["/health"], "priority": 20}],
                            scaling={"min": 2, "max": 10, "cpu_target": 70, "memory_target": 80},
                            secrets={"DATABASE_PASSWORD": SecretEnv(arn=SECRET, key="password")},
                            secret_kms_key_arns=(KEY,)),
        "frontend": service_spec("repo/frontend:v1", cpu=256, memory=512, port=8000, load_balancer="main",
                                 default_route=True),
        "vectors": service_spec("semitechnologies/weaviate:1.24.1", cpu=512, memory=1024, port=8080,
                                extra_ports={"grpc": 50051}, allow_from=("api",)),
    }


def lb(**settings) -> LoadBalancerSpec:
    return LoadBalancerSpec(settings=LoadBalancerSettings(**settings), subnet_ids=[], certificate_arn=CERT)


def build(**overrides) -> KubernetesServiceArgs:
    """Args for the three services on m7g nodes; overrides naming an EksSettings field go to `cluster.eks`."""
    eks = dict(node_group={"instance_types": ["m7g.large"], "min_size": 2, "max_size": 6, "desired_size": 2})
    values = dict(vpc_id="vpc-0123456789abcdef0", vpc_cidr="10.30.0.0/16",
                  private_subnet_ids=["subnet-0priv000000000001", "subnet-0priv000000000002"],
                  public_subnet_ids=["subnet-0pub0000000000001", "subnet-0pub0000000000002"], region="us-east-1",
                  account_id="123456789012", services=services(), load_balancers={"main": lb(idle_timeout=120)},
                  web_acl_arn=ACL, isolated_services=["api"], tags={"env": "test"})
    for key, value in overrides.items():
        (eks if key in EksSettings.model_fields else values)[key] = value
    return KubernetesServiceArgs(settings=ClusterSettings(runtime="eks", eks=EksSettings(**eks)), **values)


@pytest.fixture
def mon(record):
    return record(lambda: KubernetesService("app", build(protect=True)), stack="prod")


def k8s(mon, kind: str, name: str) -> dict:
    return mon.one(kind, name).inputs


def test_cluster_is_private_logged_encrypted_and_has_oidc(mon) -> None:
    cluster = mon.one("eks:index:Cluster")
    assert cluster.remote is True and cluster.custom is False
    i = cluster.inputs
    assert i["endpointPrivateAccess"] is True and i["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in i
    assert i["enabledClusterLogTypes"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    key = mon.one("aws:kms/key:Key")
    assert i["encryptionConfigKeyArn"] == key.outputs["arn"] and key.protect is True
    assert i["createOidcProvider"] is True and i["authenticationMode"] == "API"
    assert i["skipDefaultNodeGroup"] is True and i["nodeAssociatePublicIpAddress"] is False
    assert i["privateSubnetIds"] == ["subnet-0priv000000000001", "subnet-0priv000000000002"]
    assert i["deletionProtection"] is True
    assert i["serviceRole"] == mon.one("aws:iam/role:Role", "app-cluster").id
    assert i["vpcCniOptions"]["enablePodEni"] is True and i["vpcCniOptions"]["enableNetworkPolicy"] is True
    logs = mon.one("aws:cloudwatch/logGroup:LogGroup", "app-control-plane")
    assert logs.inputs["name"] == f"/aws/eks/{i['name']}/cluster" and logs.urn in cluster.dependencies


def test_public_endpoint_only_with_cidrs(record) -> None:
    mon = record(lambda: KubernetesService("app", build(endpoint_public_access=True, public_access_cidrs=["203.0.113.0/24"])))
    i = mon.one("eks:index:Cluster").inputs
    assert i["endpointPublicAccess"] is True and i["publicAccessCidrs"] == ["203.0.113.0/24"]
    with pytest.raises(ValidationError, match="public_access_cidrs"):
        build(endpoint_public_access=True)
    with pytest.raises(ValidationError, match="0.0.0.0/0"):
        build(endpoint_public_access=True, public_access_cidrs=["0.0.0.0/0"])


def test_managed_node_group_is_private_imdsv2_and_encrypted(mon) -> None:
    group = mon.one("aws:eks/nodeGroup:NodeGroup")
    i = group.inputs
    assert i["subnetIds"] == ["subnet-0priv000000000001", "subnet-0priv000000000002"]
    assert i["instanceTypes"] == ["m7g.large"] and i["amiType"] == "AL2023_ARM_64_STANDARD"
    assert i["scalingConfig"] == {"minSize": 2, "maxSize": 6, "desiredSize": 2}
    assert group.ignore_changes == ["scalingConfig.desiredSize"]
    template = mon.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["metadataOptions"]["httpTokens"] == "required"
    assert template["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert template["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    # The group runs the template's latest version, named as the string EKS takes (CreateNodegroup's
    # LaunchTemplateSpecification.version is a string; the template reports an integer).
    launched = mon.one("aws:ec2/launchTemplate:LaunchTemplate")
    assert i["launchTemplate"] == {"id": launched.outputs["id"], "version": "1"}


def test_fargate_profile_selects_its_namespace(record) -> None:
    mon = record(lambda: KubernetesService("app", build(node_group=None, fargate_namespaces=["apps"], isolated_services=[])))
    profile = mon.one("aws:eks/fargateProfile:FargateProfile").inputs
    assert profile["selectors"] == [{"namespace": "apps"}]
    assert mon.of_type("aws:eks/nodeGroup:NodeGroup") == []


def test_irsa_roles_trust_only_their_service_account(mon) -> None:
    issuer = mon.one("platform:components:KubernetesService").registered_outputs["oidc_provider_arn"].split("oidc-provider/")[1]
    for role_name, subject in (("app-api-pods", "system:serviceaccount:apps:api"),
                               ("app-lb-controller", "system:serviceaccount:kube-system:aws-load-balancer-controller"),
                               ("app-insights", "system:serviceaccount:amazon-cloudwatch:cloudwatch-agent")):
        (trust,) = json.loads(mon.one("aws:iam/role:Role", role_name).inputs["assumeRolePolicy"])["Statement"]
        assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert trust["Condition"]["StringEquals"] == {f"{issuer}:sub": subject, f"{issuer}:aud": "sts.amazonaws.com"}
    account = k8s(mon, "kubernetes:core/v1:ServiceAccount", "app-api")
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == mon.one("aws:iam/role:Role", "app-api-pods").outputs["arn"]


def test_pod_role_reads_only_its_secrets(mon) -> None:
    doc = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-api-pods").inputs["policy"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["ReadOwnSecrets"]["Resource"] == [SECRET]
    assert by_sid["DecryptOwnSecrets"]["Resource"] == [KEY]
    assert not [r for r in mon.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == "app-frontend-pods"]


def test_secrets_reach_pods_through_the_csi_driver(mon) -> None:
    spc = k8s(mon, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "app-api")
    assert spc["spec"]["provider"] == "aws"
    assert f'objectName: "{SECRET}"' in spc["spec"]["parameters"]["objects"]
    assert 'path: "password"' in spc["spec"]["parameters"]["objects"]
    assert spc["spec"]["secretObjects"][0]["secretName"] == "api-secrets"
    deployment = k8s(mon, "kubernetes:apps/v1:Deployment", "app-api")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert {"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "api-secrets", "key": "DATABASE_PASSWORD"}}} in container["env"]
    release = k8s(mon, "kubernetes:helm.sh/v3:Release", "app-secrets-driver")
    assert release["values"]["secrets-store-csi-driver"]["syncSecret"]["enabled"] is True


def test_deployments_size_probe_and_spread(mon) -> None:
    deployment = mon.one("kubernetes:apps/v1:Deployment", "app-api")
    pod = deployment.inputs["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"]["requests"] == {"cpu": "500m", "memory": "1024Mi"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": "http"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["serviceAccountName"] == "api" and pod["nodeSelector"] == {"kubernetes.io/arch": "arm64"}
    assert deployment.ignore_changes == ["spec.replicas"]


def test_hpa_targets_cpu_and_memory(mon) -> None:
    hpa = k8s(mon, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-api")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    assert {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]} == {
        "cpu": 70, "memory": 80}
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}


def test_ingress_is_https_redirects_80_and_routes_by_priority(mon) -> None:
    ingress = k8s(mon, "kubernetes:networking.k8s.io/v1:Ingress", "app-main")
    notes = ingress["metadata"]["annotations"]
    assert notes["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    assert notes["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert json.loads(notes["alb.ingress.kubernetes.io/listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert notes["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert notes["alb.ingress.kubernetes.io/certificate-arn"] == CERT
    assert notes["alb.ingress.kubernetes.io/ssl-policy"].startswith("ELBSecurityPolicy-TLS13")
    assert notes["alb.ingress.kubernetes.io/wafv2-acl-arn"] == ACL
    assert notes["alb.ingress.kubernetes.io/subnets"] == "subnet-0pub0000000000001,subnet-0pub0000000000002"
    assert "idle_timeout.timeout_seconds=120" in notes["alb.ingress.kubernetes.io/load-balancer-attributes"]
    assert "deletion_protection.enabled=false" in notes["alb.ingress.kubernetes.io/load-balancer-attributes"]
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "alb"
    assert [(p["path"], p["pathType"], p["backend"]["service"]["name"]) for p in spec["rules"][0]["http"]["paths"]] == [
        ("/api", "Prefix", "api"), ("/health", "Exact", "api")]
    assert spec["defaultBackend"]["service"]["name"] == "frontend"
    health = k8s(mon, "kubernetes:core/v1:Service", "app-api")["metadata"]["annotations"]
    assert health["alb.ingress.kubernetes.io/healthcheck-path"] == "/"


def test_load_balancer_controller_runs_with_a_cluster_scoped_policy(mon) -> None:
    release = k8s(mon, "kubernetes:helm.sh/v3:Release", "app-lb-controller")
    assert release["chart"] == "aws-load-balancer-controller" and release["version"] == "1.13.1"
    assert release["repositoryOpts"]["repo"] == "https://aws.github.io/eks-charts"
    role = mon.one("aws:iam/role:Role", "app-lb-controller")
    assert release["values"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == role.outputs["arn"]
    doc = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-lb-controller").inputs["policy"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    cluster = mon.one("eks:index:Cluster").inputs["name"]
    assert by_sid["CreateTaggedLoadBalancers"]["Condition"] == {
        "StringEquals": {"aws:RequestTag/elbv2.k8s.aws/cluster": cluster}}
    assert by_sid["ManageOwnLoadBalancers"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/elbv2.k8s.aws/cluster": cluster}}
    assert by_sid["AttachOurWebAcl"]["Resource"][0] == ACL
    star = [s["Sid"] for s in doc["Statement"] if s["Resource"] == "*" and "Condition" not in s]
    assert star == ["Discover", "ReadWebAclAssociations"]
    for sid in star:
        assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in by_sid[sid]["Action"])
    assert by_sid["ReadWebAclAssociations"]["Action"] == ["wafv2:GetWebACL", "wafv2:GetWebACLForResource"]
    assert by_sid["AttachOurWebAcl"]["Action"] == ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"]


@pytest.mark.parametrize("web_acl", [True, False], ids=["web-acl", "no-web-acl"])
def test_controller_features_the_program_does_not_use_are_off(record, web_acl) -> None:
    # Each defaults to true; on, every reconcile calls its service (issue 3445 of the controller).
    mon = record(lambda: KubernetesService("app", build(web_acl_arn=ACL if web_acl else None)))
    values = k8s(mon, "kubernetes:helm.sh/v3:Release", "app-lb-controller")["values"]
    assert (values["enableWaf"], values["enableShield"], values["enableWafv2"]) == (False, False, web_acl)
    doc = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-lb-controller").inputs["policy"])
    actions = {a for st in doc["Statement"] for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert not {a for a in actions if a.startswith(("waf-regional:", "shield:"))}
    assert {a for a in actions if a.startswith("wafv2:")} == ({
        "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"}
        if web_acl else set())


@pytest.mark.parametrize("web_acl", [True, False], ids=["web-acl", "no-web-acl"])
def test_every_action_of_the_controllers_own_policy_is_granted_or_switched_off(record, web_acl) -> None:
    """The vendored policy is the controller's own for the pinned chart; ours grants each of its actions,
    unless the feature that calls it is off (`CONTROLLER_UNUSED`, with the setting that turns it off)."""
    from components._eks_addon_iam import (
        CONTROLLER_POLICY_FILE,
        controller_unused,
        is_unused,
        load_balancer_controller_policy,
        official_controller_actions,
    )

    vendored = json.loads(CONTROLLER_POLICY_FILE.read_text())
    assert vendored["chart_version"] == EksSettings().charts.load_balancer_controller
    assert vendored["controller_version"] == "v2.13.1" and vendored["source"] and vendored["read"]
    ours = resolved(record, lambda: load_balancer_controller_policy("c", "us-east-1", "123456789012", "vpc-1", "sg-1",
                                                                   [ACL] if web_acl else []))
    granted = {a for st in json.loads(ours)["Statement"] for a in _actions(st)}
    unused = controller_unused(web_acl)
    missing = [a for a in official_controller_actions() if a not in granted and not is_unused(a, unused)]
    assert missing == []
    # An exclusion that grants nothing away: nothing switched off is granted after all.
    assert not [a for a in granted if is_unused(a, unused)]


def _actions(statement: dict) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def test_hpas_have_a_metrics_source_and_the_node_group_an_autoscaler(mon) -> None:
    addon = k8s(mon, "aws:eks/addon:Addon", "app-metrics-server")
    assert addon["addonName"] == "metrics-server"
    assert addon["clusterName"] == mon.one("eks:index:Cluster").inputs["name"]
    release = k8s(mon, "kubernetes:helm.sh/v3:Release", "app-autoscaler")
    assert (release["chart"], release["version"]) == ("cluster-autoscaler", "9.59.0")
    assert release["namespace"] == "kube-system"
    assert release["values"]["image"]["tag"] == "v1.35.0"  # the cluster's Kubernetes minor
    assert release["values"]["autoDiscovery"]["clusterName"] == mon.one("eks:index:Cluster").inputs["name"]
    role = mon.one("aws:iam/role:Role", "app-autoscaler")
    assert release["values"]["rbac"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == role.outputs["arn"]
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert list(trust["Condition"]["StringEquals"].values())[0] == "system:serviceaccount:kube-system:cluster-autoscaler"
    doc = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-autoscaler").inputs["policy"])
    scale = next(s for s in doc["Statement"] if s["Sid"] == "ScaleOwnNodeGroups")
    cluster = mon.one("eks:index:Cluster").inputs["name"]
    assert scale["Action"] == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert scale["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}": "owned"}}
    discover = next(s for s in doc["Statement"] if s["Sid"] == "Discover")
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in discover["Action"])


@pytest.mark.parametrize(("min_size", "max_size", "autoscaler"), [(2, 2, False), (2, 3, True)])
def test_an_autoscaler_only_when_the_node_group_may_grow(record, min_size, max_size, autoscaler) -> None:
    group = {"instance_types": ["m7g.large"], "min_size": min_size, "max_size": max_size, "desired_size": min_size}
    mon = record(lambda: KubernetesService("app", build(node_group=group)))
    names = {r.name for r in mon.of_type("kubernetes:helm.sh/v3:Release")}
    assert ("app-autoscaler" in names) is autoscaler


def test_pods_restart_when_their_secrets_change(mon) -> None:
    driver = k8s(mon, "kubernetes:helm.sh/v3:Release", "app-secrets-driver")["values"]["secrets-store-csi-driver"]
    assert driver["syncSecret"]["enabled"] is True
    assert driver["enableSecretRotation"] is True and driver["rotationPollInterval"] == "120s"
    reloader = k8s(mon, "kubernetes:helm.sh/v3:Release", "app-reloader")
    assert (reloader["chart"], reloader["version"], reloader["namespace"]) == ("reloader", "2.2.17", "kube-system")
    assert reloader["repositoryOpts"]["repo"] == "https://stakater.github.io/stakater-charts"
    assert reloader["values"] == {"reloader": {"reloadStrategy": "annotations"}}
    api = k8s(mon, "kubernetes:apps/v1:Deployment", "app-api")["metadata"]["annotations"]
    assert api == {"secret.reloader.stakater.com/reload": "api-secrets"}
    # A service without secrets is not watched.
    assert k8s(mon, "kubernetes:apps/v1:Deployment", "app-frontend")["metadata"]["annotations"] == {}


def test_no_reloader_or_driver_without_secrets(record) -> None:
    specs = {"frontend": services()["frontend"]}
    mon = record(lambda: KubernetesService("app", build(services=specs, isolated_services=[])))
    assert {r.name for r in mon.of_type("kubernetes:helm.sh/v3:Release")} == {"app-lb-controller", "app-autoscaler"}


def test_ci_roles_reach_the_kubernetes_api_through_access_entries(record) -> None:
    deploy, preview = "arn:aws:iam::123456789012:role/platform/deploy", "arn:aws:iam::123456789012:role/platform/preview"
    mon = record(lambda: KubernetesService("app", build(admin_role_arns=[deploy], viewer_role_arns=[preview])))
    entries = {r.inputs["principalArn"]: r.inputs for r in mon.of_type("aws:eks/accessEntry:AccessEntry")}
    assert set(entries) == {deploy, preview} and all(e["type"] == "STANDARD" for e in entries.values())
    policies = {r.inputs["principalArn"]: r.inputs for r in mon.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")}
    assert policies[deploy]["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
    assert policies[preview]["policyArn"].endswith("/AmazonEKSAdminViewPolicy")
    assert all(p["accessScope"] == {"type": "cluster"} for p in policies.values())
    # The Kubernetes provider waits for them: the first objects are applied as a CI role.
    provider = mon.one("pulumi:providers:kubernetes")
    assert {r.urn for r in mon.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")} <= set(provider.dependencies)


def test_data_stores_can_admit_just_the_api_pods(mon) -> None:
    group = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-api-pods")
    policy = k8s(mon, "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy", "app-api-pods")
    outputs = mon.one("platform:components:KubernetesService").registered_outputs
    assert policy["spec"]["securityGroups"]["groupIds"] == [group.id, outputs["cluster_security_group_id"]]
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "api"
    assert outputs["security_group_ids"] == {"api": group.id}


def test_internal_services_accept_only_named_peers(mon) -> None:
    policy = k8s(mon, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-vectors")["spec"]
    (rule,) = policy["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}}}]
    assert sorted(p["port"] for p in rule["ports"]) == [8080, 50051]


def test_container_insights_add_on(mon) -> None:
    addon = k8s(mon, "aws:eks/addon:Addon", "app-insights")
    assert addon["addonName"] == "amazon-cloudwatch-observability"
    assert addon["serviceAccountRoleArn"] == mon.one("aws:iam/role:Role", "app-insights").outputs["arn"]


def test_policy_without_web_acl_grants_no_waf_rights(record) -> None:
    policy = resolved(record, lambda: load_balancer_controller_policy("c", "us-east-1", "123456789012", "vpc-1", "sg-1", []))
    statements = json.loads(policy)["Statement"]
    assert "AttachOurWebAcl" not in [s["Sid"] for s in statements]
    assert not any("wafv2:AssociateWebACL" in s["Action"] for s in statements)


def test_args_refuse_burstable_nodes_for_pod_security_groups() -> None:
    with pytest.raises(ValueError, match="t\\* nodes"):
        build(node_group={"instance_types": ["t4g.medium"]})


def test_the_cluster_stays_in_standard_support_unless_extended_is_chosen(record) -> None:
    # pulumi-eks defaults the upgrade policy to EXTENDED (about 6x the control-plane price past standard
    # support); the component asks for STANDARD unless the stack opted in.
    cluster = record(lambda: KubernetesService("app", build())).one("eks:index:Cluster").inputs
    assert cluster["version"] == "1.35" and cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    extended = record(lambda: KubernetesService("app", build(version="1.33", extended_support=True)))
    assert extended.one("eks:index:Cluster").inputs["upgradePolicy"] == {"supportType": "EXTENDED"}


def test_a_dual_stack_load_balancer_is_asked_of_the_ingress(record) -> None:
    lbs = {"main": lb(ip_address_type="dualstack")}
    mon = record(lambda: KubernetesService("app", build(load_balancers=lbs)))
    (ingress,) = mon.of_type("kubernetes:networking.k8s.io/v1:Ingress")
    assert ingress.inputs["metadata"]["annotations"]["alb.ingress.kubernetes.io/ip-address-type"] == "dualstack"


@pytest.mark.parametrize(("singleton", "strategy"), [(False, "RollingUpdate"), (True, "Recreate")])
def test_a_singleton_pod_is_stopped_before_its_successor_starts(record, singleton, strategy) -> None:
    specs = {**services(), "beat": service_spec("repo/worker:v1", cpu=256, memory=512, singleton=singleton,
                                                command=["celery", "-A", "app", "beat"])}
    mon = record(lambda: KubernetesService("app", build(services=specs)))
    spec = k8s(mon, "kubernetes:apps/v1:Deployment", "app-beat")["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == strategy


@pytest.mark.parametrize(("deployment", "unavailable", "surge", "grace", "delay"), [
    ({}, 0, "100%", None, 30),
    ({"minimum_healthy_percent": 75, "maximum_percent": 125, "stop_timeout": 2, "deregistration_delay": 3600},
     "25%", "25%", 2, 3600),
])
def test_a_deployment_rolls_as_its_settings_say(record, deployment, unavailable, surge, grace, delay) -> None:
    specs = {**services(), "web": service_spec("repo/web:v1", cpu=256, memory=512, port=8080, load_balancer="main",
                                               routes=[{"paths": ["/web/*"], "priority": 30}], desired_count=4,
                                               deployment=deployment)}
    mon = record(lambda: KubernetesService("app", build(services=specs)))
    spec = k8s(mon, "kubernetes:apps/v1:Deployment", "app-web")["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": unavailable, "maxSurge": surge}}
    assert spec["template"]["spec"].get("terminationGracePeriodSeconds") == grace
    annotations = k8s(mon, "kubernetes:core/v1:Service", "app-web")["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/target-group-attributes"] == f"deregistration_delay.timeout_seconds={delay}"


def test_each_ingress_attaches_its_load_balancers_own_web_acl_else_the_edges(record) -> None:
    own = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/admin-lb-waf/1"
    specs = {**services(), "admin": service_spec("repo/admin:v1", cpu=256, memory=512, port=8080,
                                                 load_balancer="admin-lb", default_route=True)}
    lbs = {"main": lb(), "admin-lb": LoadBalancerSpec(settings=LoadBalancerSettings(hostname="admin"), subnet_ids=[],
                                                      certificate_arn=CERT, web_acl_arn=own),
           "inside": lb(scheme="internal")}
    specs["inside"] = service_spec("repo/inside:v1", cpu=256, memory=512, port=8080, load_balancer="inside",
                                   default_route=True)
    mon = record(lambda: KubernetesService("app", build(services=specs, load_balancers=lbs, web_acl_arn=ACL)))
    acls = {i.name: i.inputs["metadata"]["annotations"].get("alb.ingress.kubernetes.io/wafv2-acl-arn")
            for i in mon.of_type("kubernetes:networking.k8s.io/v1:Ingress")}
    assert acls == {"app-main": ACL, "app-admin-lb": own, "app-inside": None}
    doc = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-lb-controller").inputs["policy"])
    (attach,) = [s for s in doc["Statement"] if s.get("Sid") == "AttachOurWebAcl"]
    assert attach["Action"] == ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"]
    assert attach["Resource"][:2] == [own, ACL] and attach["Resource"][2].endswith(":loadbalancer/app/*")
