"""examples/Pulumi.bioinformatics.yaml: Django + FastAPI on EKS, S3 -> Step Functions -> Batch, Aurora."""

from __future__ import annotations

import json

import pytest

from tools.harness import PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.bioinformatics.yaml"


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)


def test_runs_on_eks_with_an_encrypted_logged_cluster_the_deploy_can_reach(mon) -> None:
    cluster = mon.one("eks:index:Cluster").inputs
    # The stack creates its VPC, so `pulumi up` reaches the API from outside it: public, only to the listed
    # runner CIDRs, with private access on for nodes and pods; standard support only (1.35 until 2027-03-27).
    assert cluster["endpointPrivateAccess"] is True and cluster["endpointPublicAccess"] is True
    assert cluster["publicAccessCidrs"] == ["203.0.113.0/24"] and "0.0.0.0/0" not in cluster["publicAccessCidrs"]
    assert cluster["version"] == "1.35" and cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    assert len(cluster["enabledClusterLogTypes"]) == 5 and cluster["encryptionConfigKeyArn"].startswith("arn:aws:kms:")
    assert cluster["privateSubnetIds"] == mon.exports["network_private_subnet_ids"]
    group = mon.one("aws:eks/nodeGroup:NodeGroup").inputs
    assert group["instanceTypes"] == ["m7g.large"] and group["scalingConfig"]["maxSize"] == 6
    assert mon.of_type("aws:ecs/cluster:Cluster") == []


def test_two_tier_network_with_a_nat_gateway_per_az(mon) -> None:
    subnets = sorted(s.inputs["cidrBlock"] for s in mon.of_type("aws:ec2/subnet:Subnet"))
    assert subnets == ["10.30.0.0/20", "10.30.16.0/20", "10.30.64.0/20", "10.30.80.0/20"]
    assert len(mon.of_type("aws:ec2/natGateway:NatGateway")) == 2


def test_aurora_postgres_multi_az_backed_up_by_aws_backup(mon) -> None:
    cluster = mon.one("aws:rds/cluster:Cluster")
    assert cluster.inputs["engine"] == "aurora-postgresql" and cluster.inputs["storageEncrypted"] is True
    assert len(mon.of_type("aws:rds/clusterInstance:ClusterInstance")) == 2
    assert mon.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == mon.exports["network_private_subnet_ids"]
    selection = mon.one("aws:backup/selection:Selection").inputs
    assert selection["resources"] == [cluster.outputs["arn"]]
    (rule,) = mon.one("aws:backup/plan:Plan").inputs["rules"]
    assert rule["lifecycle"]["deleteAfter"] == 35


def test_only_the_api_pods_reach_aurora(mon) -> None:
    (rule,) = [r.inputs for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == mon.exports["db_security_group_id"]]
    api_pods = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-api-pods").id
    assert rule["referencedSecurityGroupId"] == api_pods and rule["fromPort"] == 5432
    policy = mon.one("kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy").inputs["spec"]
    assert policy["securityGroups"]["groupIds"][0] == api_pods
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "api"


def test_the_api_starts_executions_submits_jobs_and_uses_the_buckets_through_irsa(mon) -> None:
    grant = mon.one("aws:iam/rolePolicy:RolePolicy", "pipeline-grant-api")
    role = mon.one("aws:iam/role:Role", "app-api-pods")
    assert grant.inputs["role"] == role.outputs["name"]
    sids = {s["Sid"] for s in json.loads(grant.inputs["policy"])["Statement"]}
    assert {"StartPipeline", "SubmitPipelineJobs", "ReadUploads", "WriteUploads", "ReadResults"} <= sids
    account = mon.one("kubernetes:core/v1:ServiceAccount", "app-api").inputs
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == role.outputs["arn"]


def test_ingress_serves_https_with_the_regional_waf(mon) -> None:
    notes = mon.one("kubernetes:networking.k8s.io/v1:Ingress").inputs["metadata"]["annotations"]
    acl = mon.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "REGIONAL"
    assert notes["alb.ingress.kubernetes.io/wafv2-acl-arn"] == acl.outputs["arn"]
    assert notes["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    rules = {r["name"] for r in acl.inputs["rules"]}
    assert "large-body-outside-uploads" in rules and "rate-limit" in rules
    records = {r.inputs["name"]: r.inputs for r in mon.of_type("aws:route53/record:Record") if r.name.startswith("edge-")}
    assert set(records) == {"bioinformatics.example.com", "api.bioinformatics.example.com"}
    assert records["api.bioinformatics.example.com"]["aliases"][0]["name"].endswith(".elb.amazonaws.com")


def test_pipeline_keeps_data_365_days_warm_and_5_years_in_all(mon) -> None:
    for name in ("pipeline-uploads", "pipeline-results"):
        rules = {r["id"]: r for r in mon.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name).inputs["rules"]}
        lifecycle = next(r for k, r in rules.items() if k.endswith("-lifecycle"))
        assert lifecycle["transitions"] == [{"days": 365, "storageClass": "GLACIER"}]
        assert lifecycle["expiration"] == {"days": 1825}
    envs = {e.inputs["computeResources"]["type"] for e in mon.of_type("aws:batch/computeEnvironment:ComputeEnvironment")}
    assert envs == {"FARGATE_SPOT", "FARGATE"}


def test_pod_alarms_come_from_container_insights(mon) -> None:
    pods = [a.inputs for a in mon.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.inputs["namespace"] == "ContainerInsights"]
    assert {a["metricName"] for a in pods} == {"pod_cpu_utilization_over_pod_limit", "pod_memory_utilization_over_pod_limit"}
    assert {a["dimensions"]["Service"] for a in pods} == {"api", "frontend"}


def test_ci_deploys_through_oidc_with_a_gated_prod_environment(mon) -> None:
    (trust,) = json.loads(mon.one("aws:iam/role:Role", "github-deploy").inputs["assumeRolePolicy"])["Statement"]
    subjects = trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert "repo:example-org/bioinformatics:environment:prod" in subjects
    assert "repo:example-org/bioinformatics:environment:hml" in subjects
