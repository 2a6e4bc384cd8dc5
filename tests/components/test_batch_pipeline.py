"""BatchPipeline: private encrypted buckets, Batch on Fargate/EC2 Spot, a typed state machine, least privilege."""

from __future__ import annotations

import json

import pytest

from components import BatchPipeline, BatchPipelineArgs, PipelineSettings, WorkloadRefs
from components._states import BatchJobTask, Fail, StateMachineDefinition
from components._service import SecretEnv

REPO = "arn:aws:ecr:us-east-1:123456789012:repository/platform-test-batch"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:platform/test/ncbi-AbCdEf"


def steps() -> list[dict]:
    return [
        dict(name="align", image={"repository": "batch", "tag": "v1"}, vcpu=2, memory=4096, command=["align"],
             retry_attempts=3, timeout_seconds=7200, secrets={"NCBI_API_KEY": {"arn": SECRET}}),
        dict(name="call-variants", image={"uri": "public.ecr.aws/org/caller:1"}, vcpu=1, memory=2048, command=["call"]),
    ]


JOBS = {  # the steps' references as the stack resolves them
    "align": WorkloadRefs(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/platform-test-batch:v1",
                          repository_arn=REPO, secrets={"NCBI_API_KEY": SecretEnv(arn=SECRET)}),
    "call-variants": WorkloadRefs(image="public.ecr.aws/org/caller:1"),
}


def build(**overrides) -> BatchPipelineArgs:
    """Args for the two steps; `protect` goes to the Args, every other override to the settings."""
    protect = overrides.pop("protect", False)
    settings = dict(steps=steps(), trigger_prefix="uploads/",
                    uploads={"transition_days": 365, "storage_class": "GLACIER", "expiration_days": 1825})
    settings.update(overrides)
    return BatchPipelineArgs(settings=PipelineSettings(**settings), jobs=JOBS, vpc_id="vpc-0123456789abcdef0",
                             subnet_ids=["subnet-0priv000000000001", "subnet-0priv000000000002"], region="us-east-1",
                             account_id="123456789012", protect=protect, tags={"env": "test"})


def policy(mon, role_logical: str) -> dict:
    return json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", role_logical).inputs["policy"])


def buckets(mon) -> dict[str, object]:
    return {b.name.removeprefix("pipeline-"): b for b in mon.of_type("aws:s3/bucket:Bucket")}


def test_buckets_are_private_kms_encrypted_versioned_tls_only_with_lifecycle(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build(protect=True)), stack="prod")
    key = mon.one("aws:kms/key:Key")
    assert set(buckets(mon)) == {"uploads", "results"}
    for block in mon.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"):
        assert all(block.inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                     "restrictPublicBuckets"))
    for sse in mon.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"):
        (rule,) = sse.inputs["rules"]
        assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.outputs["arn"]}
        assert rule["bucketKeyEnabled"] is True
    assert all(v.inputs["versioningConfiguration"]["status"] == "Enabled"
               for v in mon.of_type("aws:s3/bucketVersioning:BucketVersioning"))
    assert all(o.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"
               for o in mon.of_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls"))
    for pol in mon.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        (deny,) = json.loads(pol.inputs["policy"])["Statement"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    uploads_rules = {r["id"]: r for r in mon.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                                                  "pipeline-uploads").inputs["rules"]}
    assert uploads_rules["uploads-lifecycle"]["transitions"] == [{"days": 365, "storageClass": "GLACIER"}]
    assert uploads_rules["uploads-lifecycle"]["expiration"] == {"days": 1825}
    assert uploads_rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    for bucket in (*buckets(mon).values(), key):
        assert bucket.protect is True and bucket.retain_on_delete is True
    (notification,) = mon.of_type("aws:s3/bucketNotification:BucketNotification")
    assert notification.inputs["eventbridge"] is True and notification.inputs["bucket"] == buckets(mon)["uploads"].id


def test_fargate_spot_first_then_fargate_in_private_subnets_behind_an_egress_only_group(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build(max_vcpus=32)))
    envs = {e.name: e for e in mon.of_type("aws:batch/computeEnvironment:ComputeEnvironment")}
    assert {n: e.inputs["computeResources"]["type"] for n, e in envs.items()} == {
        "pipeline-fargate-spot": "FARGATE_SPOT", "pipeline-fargate": "FARGATE"}
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup")
    for env in envs.values():
        resources = env.inputs["computeResources"]
        assert resources["subnets"] == ["subnet-0priv000000000001", "subnet-0priv000000000002"]
        assert resources["securityGroupIds"] == [sg.id] and resources["maxVcpus"] == 32
    assert mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []
    queue = mon.one("aws:batch/jobQueue:JobQueue").inputs
    assert [(o["order"], o["computeEnvironment"]) for o in queue["computeEnvironmentOrders"]] == [
        (1, envs["pipeline-fargate-spot"].outputs["arn"]), (2, envs["pipeline-fargate"].outputs["arn"])]


def test_ec2_spot_compute_uses_an_allocation_strategy_and_hardened_instances(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build(compute="ec2_spot", instance_types=["c7g", "m7g"])))
    envs = {e.name: e.inputs["computeResources"] for e in mon.of_type("aws:batch/computeEnvironment:ComputeEnvironment")}
    assert envs["pipeline-spot"]["type"] == "SPOT"
    assert envs["pipeline-spot"]["allocationStrategy"] == "SPOT_PRICE_CAPACITY_OPTIMIZED"
    assert envs["pipeline-spot"]["instanceTypes"] == ["c7g", "m7g"] and envs["pipeline-on-demand"]["type"] == "EC2"
    template = mon.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["metadataOptions"]["httpTokens"] == "required"
    assert template["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    assert all(d.inputs["platformCapabilities"] == ["EC2"] for d in mon.of_type("aws:batch/jobDefinition:JobDefinition"))


def test_job_definitions_size_retry_timeout_and_log(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build()))
    align = mon.one("aws:batch/jobDefinition:JobDefinition", "pipeline-align").inputs
    assert align["platformCapabilities"] == ["FARGATE"] and align["timeout"] == {"attemptDurationSeconds": 7200}
    retry = align["retryStrategy"]
    assert retry["attempts"] == 3
    assert retry["evaluateOnExits"][0] == {"onStatusReason": "Host EC2*", "action": "RETRY"}
    assert retry["evaluateOnExits"][-1] == {"onReason": "*", "action": "EXIT"}
    container = json.loads(align["containerProperties"])
    assert container["resourceRequirements"] == [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "4096"}]
    assert container["networkConfiguration"] == {"assignPublicIp": "DISABLED"}
    assert container["secrets"] == [{"name": "NCBI_API_KEY", "valueFrom": SECRET}]
    logs = mon.one("aws:cloudwatch/logGroup:LogGroup", "pipeline-jobs")
    assert container["logConfiguration"]["options"]["awslogs-group"] == logs.outputs["name"]
    assert logs.inputs["retentionInDays"] == 30
    env = {e["name"] for e in container["environment"]}
    assert {"UPLOADS_BUCKET", "RESULTS_BUCKET"} <= env


def test_job_role_reads_only_uploads_and_writes_only_results(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build()))
    b = {k: v.outputs["arn"] for k, v in buckets(mon).items()}
    doc = policy(mon, "pipeline-job")
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["ReadUploads"] == {"Sid": "ReadUploads", "Effect": "Allow", "Action": "s3:GetObject",
                                     "Resource": f"{b['uploads']}/*"}
    assert by_sid["WriteResults"]["Resource"] == f"{b['results']}/*"
    assert set(by_sid["WriteResults"]["Action"]) == {"s3:PutObject", "s3:AbortMultipartUpload"}
    assert by_sid["UseBucketKey"]["Resource"] == mon.one("aws:kms/key:Key").outputs["arn"]
    resources = [r for s in doc["Statement"] for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])]
    assert all(r.startswith((b["uploads"], b["results"], "arn:aws:kms:")) for r in resources)
    assert not any(s["Resource"] == "*" for s in doc["Statement"])


def test_execution_role_of_a_step_pulls_its_image_and_reads_its_secret_only(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build()))
    align = {s["Sid"]: s for s in policy(mon, "pipeline-align-execution")["Statement"]}
    assert align["PullOwnImage"]["Resource"] == REPO and align["ReadOwnSecrets"]["Resource"] == [SECRET]
    caller = {s["Sid"] for s in policy(mon, "pipeline-call-variants-execution")["Statement"]}
    assert caller == {"WriteJobLogs"}  # public image, no secrets


def test_state_machine_is_standard_typed_sync_with_retry_catch_logging_and_tracing(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build(log_level="ALL")))
    machine = mon.one("aws:sfn/stateMachine:StateMachine").inputs
    assert machine["type"] == "STANDARD" and machine["tracingConfiguration"] == {"enabled": True}
    logging = machine["loggingConfiguration"]
    assert logging["level"] == "ALL" and logging["includeExecutionData"] is True  # sfn-logging asks for it
    assert logging["logDestination"].endswith(":*")
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == "align"
    align, call = definition["States"]["align"], definition["States"]["call-variants"]
    queue = mon.one("aws:batch/jobQueue:JobQueue").outputs["arn"]
    for state, step in ((align, "align"), (call, "call-variants")):
        assert state["Type"] == "Task" and state["Resource"] == "arn:aws:states:::batch:submitJob.sync"
        assert state["Parameters"]["JobQueue"] == queue
        assert state["Parameters"]["JobDefinition"] == mon.one("aws:batch/jobDefinition:JobDefinition", f"pipeline-{step}").outputs["arn"]
        assert state["Retry"][0]["ErrorEquals"][0] == "Batch.AWSBatchException"
        assert state["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "PipelineFailed"}]
    assert align["Next"] == "call-variants" and call["End"] is True
    assert definition["States"]["PipelineFailed"]["Type"] == "Fail"
    assert {"Name": "INPUT_KEY", "Value.$": "$.detail.object.key"} in align["Parameters"]["ContainerOverrides"]["Environment"]


def test_orchestrator_submits_only_to_its_queue_and_definitions(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build()))
    by_sid = {s["Sid"]: s for s in policy(mon, "pipeline-orchestrator")["Statement"]}
    queue = mon.one("aws:batch/jobQueue:JobQueue").outputs["arn"]
    prefixes = sorted(f"{d.outputs['arnPrefix']}:*" for d in mon.of_type("aws:batch/jobDefinition:JobDefinition"))
    submit = by_sid["SubmitOwnJobs"]
    assert submit["Action"] == "batch:SubmitJob" and submit["Resource"][0] == queue
    assert sorted(submit["Resource"][1:]) == prefixes
    assert by_sid["SyncIntegrationRule"]["Resource"] == (
        "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForBatchJobsRule")


def test_uploads_under_the_prefix_start_the_machine(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build()))
    rule = mon.one("aws:cloudwatch/eventRule:EventRule")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["bucket"]["name"] == [buckets(mon)["uploads"].outputs["bucket"]]
    assert pattern["detail"]["object"]["key"] == [{"prefix": "uploads/"}]
    target = mon.one("aws:cloudwatch/eventTarget:EventTarget").inputs
    machine = mon.one("aws:sfn/stateMachine:StateMachine").outputs["arn"]
    assert target["arn"] == machine
    (start,) = policy(mon, "pipeline-trigger")["Statement"]
    assert start["Action"] == "states:StartExecution" and start["Resource"] == machine


def test_grant_lets_a_service_start_this_machine_and_nothing_else(record) -> None:
    def build_and_grant():
        pipeline = BatchPipeline("pipeline", build())
        pipeline.grant("api", "app-api-task", ["start", "write_uploads", "read_results"])
        return pipeline.state_machine_arn

    mon = record(build_and_grant)
    grant = mon.one("aws:iam/rolePolicy:RolePolicy", "pipeline-grant-api")
    assert grant.inputs["role"] == "app-api-task"
    by_sid = {s["Sid"]: s for s in json.loads(grant.inputs["policy"])["Statement"]}
    assert by_sid["StartPipeline"]["Resource"] == mon.one("aws:sfn/stateMachine:StateMachine").outputs["arn"]
    assert by_sid["FollowPipelineExecutions"]["Resource"].startswith("arn:aws:states:us-east-1:123456789012:execution:")
    b = {k: v.outputs["arn"] for k, v in buckets(mon).items()}
    assert by_sid["WriteUploads"]["Resource"] == f"{b['uploads']}/*"
    assert by_sid["ReadResults"]["Resource"] == f"{b['results']}/*"
    assert "SubmitPipelineJobs" not in by_sid and "ReadUploads" not in by_sid


def test_definitions_refuse_dangling_transitions() -> None:
    with pytest.raises(ValueError, match="unknown state 'nowhere'"):
        StateMachineDefinition(comment="x", start_at="a", timeout_seconds=60, states={
            "a": BatchJobTask(job_name="a", job_queue_arn="q", job_definition_arn="d", next="nowhere"),
            "f": Fail(error="E", cause="c")})
