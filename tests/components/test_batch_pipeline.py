"""BatchPipeline: private encrypted buckets, Batch on Fargate/EC2 Spot, a typed state machine, least privilege."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError

from components import BatchPipeline, BatchPipelineArgs, PipelineSettings, WorkloadRefs
from components._pipeline_graph import prepare_expression, step_layers
from components._service import SecretEnv
from components._states import BatchJobTask, Fail, StateMachineDefinition
from components.batch_pipeline import OutsideBucket

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
    assert set(by_sid["UseBucketKey"]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert by_sid["ListUploads"]["Action"] == "s3:ListBucket"
    resources = [r for s in doc["Statement"] for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])]
    assert all(r.startswith((b["uploads"], b["results"], "arn:aws:kms:")) for r in resources)
    assert not any(s["Resource"] == "*" for s in doc["Statement"])


def test_execution_role_of_a_step_pulls_its_image_and_reads_its_secret_only(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", build()))
    align = {s["Sid"]: s for s in policy(mon, "pipeline-align-execution")["Statement"]}
    assert align["PullOwnImage"]["Resource"] == REPO and align["ReadOwnSecrets"]["Resource"] == [SECRET]
    assert set(align["PullOwnImage"]["Action"]) == {"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                                                    "ecr:BatchGetImage"}
    assert align["ReadOwnSecrets"]["Action"] == "secretsmanager:GetSecretValue"
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
    # What each statement may do, as well as where: start and follow only, write-only uploads, read-only results.
    assert by_sid["StartPipeline"]["Action"] == "states:StartExecution"
    assert set(by_sid["FollowPipelineExecutions"]["Action"]) == {"states:DescribeExecution", "states:StopExecution"}
    assert set(by_sid["WriteUploads"]["Action"]) == {"s3:PutObject", "s3:AbortMultipartUpload"}
    assert by_sid["ReadResults"]["Action"] == ["s3:GetObject"]
    assert "SubmitPipelineJobs" not in by_sid and "ReadUploads" not in by_sid


def test_definitions_refuse_dangling_transitions() -> None:
    with pytest.raises(ValueError, match="unknown state 'nowhere'"):
        StateMachineDefinition(comment="x", start_at="a", timeout_seconds=60, states={
            "a": BatchJobTask(job_name="a", job_queue_arn="q", job_definition_arn="d", next="nowhere"),
            "f": Fail(error="E", cause="c")})


# -- the pipeline as a graph (issue 22) --------------------------------------------------------------------------------


def step(name: str, **extra) -> dict:
    return dict(name=name, image={"uri": f"public.ecr.aws/org/{name}:1"}, vcpu=1, memory=2048, **extra)


def graph(*spec: dict, **settings) -> BatchPipelineArgs:
    """Args for the steps `spec` (each with its own public image)."""
    jobs = {s["name"]: WorkloadRefs(image=s["image"]["uri"]) for s in spec}
    values = dict(steps=list(spec), **settings)
    outside = {b: OutsideBucket(arn=f"arn:aws:s3:::{b}") for b in settings.get("external_buckets", {})}
    return BatchPipelineArgs(settings=PipelineSettings(**values), jobs=jobs, vpc_id="vpc-0123456789abcdef0",
                             subnet_ids=["subnet-0priv000000000001"], region="us-east-1", account_id="123456789012",
                             outside_buckets=outside, tags={"env": "test"})


def machine(mon) -> dict:
    return json.loads(mon.one("aws:sfn/stateMachine:StateMachine").inputs["definition"])


def shape(args: BatchPipelineArgs) -> list:
    return [[[s.name for s in chain] for chain in layer] for layer in step_layers(args.settings)]


@pytest.mark.parametrize(("spec", "layers"), [
    # unset after: the list order, one chain
    ([step("a"), step("b"), step("c")], [[["a", "b", "c"]]]),
    # a fork and a join: two chains at once between a and e
    ([step("a"), step("b"), step("c"), step("d", after=["a"]), step("e", after=["c", "d"])],
     [[["a"]], [["b", "c"], ["d"]], [["e"]]]),
    # two roots
    ([step("a"), step("b", after=[]), step("c", after=["a", "b"])], [[["a"], ["b"]], [["c"]]]),
    # crossing waits: d waits for b only, yet runs in the layer after a and b (later, never earlier)
    ([step("a"), step("b", after=[]), step("c", after=["a", "b"]), step("d", after=["b"])],
     [[["a"], ["b"]], [["c"], ["d"]]]),
])
def test_steps_run_in_layers_of_chains_that_honour_every_wait(spec, layers) -> None:
    args = graph(*spec)
    assert shape(args) == layers
    position = {s: i for i, layer in enumerate(layers) for chain in layer for s in chain}
    order = {s: (position[s], chain.index(s)) for layer in layers for chain in layer for s in chain}
    for name, waits in args.settings.waits().items():
        assert all(order[w] < order[name] for w in waits)


def test_a_fork_is_a_parallel_state_that_keeps_the_input_and_is_caught(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", graph(
        step("a"), step("b"), step("c"), step("d", after=["a"]), step("e", after=["c", "d"]))))
    d = machine(mon)
    assert d["StartAt"] == "a" and d["States"]["a"]["Next"] == "together-b"
    together = d["States"]["together-b"]
    assert together["Type"] == "Parallel" and together["ResultPath"] is None and together["Next"] == "e"
    assert together["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "PipelineFailed"}]
    (first, second) = together["Branches"]
    assert first["StartAt"] == "b" and first["States"]["b"]["Next"] == "c" and first["States"]["c"]["End"] is True
    assert second["StartAt"] == "d" and second["States"]["d"]["End"] is True
    assert "Catch" not in first["States"]["b"]   # a branch's error ends it; the Parallel state catches
    assert d["States"]["e"]["End"] is True
    # No Prepare for an upload-started run without parameters: the input is the S3 event.
    env = {e["Name"]: e["Value.$"] for e in first["States"]["b"]["Parameters"]["ContainerOverrides"]["Environment"]}
    assert env["INPUT_KEY"] == "$.detail.object.key"


def test_a_for_each_chain_is_one_map_over_a_list_parameter(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", graph(
        step("index"),
        step("pileup", for_each={"parameter": "chromosomes", "env": "CHROMOSOME", "max_concurrency": 4}),
        step("call", for_each={"parameter": "chromosomes", "env": "CHROMOSOME", "max_concurrency": 4}),
        parameters={"chromosomes": {"kind": "list", "default": ["chr1"]}, "sample_id": {"default": "S1"}})))
    d = machine(mon)
    assert d["StartAt"] == "Prepare" and d["States"]["Prepare"]["QueryLanguage"] == "JSONata"
    assert d["States"]["Prepare"]["Next"] == "index" and d["States"]["index"]["Next"] == "each-pileup"
    each = d["States"]["each-pileup"]
    assert each["Type"] == "Map" and each["ItemsPath"] == "$.lists.chromosomes" and each["MaxConcurrency"] == 4
    assert each["ItemSelector"]["item.$"] == "$$.Map.Item.Value" and each["ResultPath"] is None
    body = each["ItemProcessor"]
    assert body["ProcessorConfig"] == {"Mode": "INLINE"} and body["StartAt"] == "pileup"
    assert body["States"]["pileup"]["Next"] == "call" and body["States"]["call"]["End"] is True
    env = {e["Name"]: e["Value.$"] for e in body["States"]["call"]["Parameters"]["ContainerOverrides"]["Environment"]}
    assert env["CHROMOSOME"] == "$.item" and env["SAMPLE_ID"] == "$.parameters.sample_id"
    assert env["CHROMOSOMES"] == "States.JsonToString($.lists.chromosomes)" and env["INPUT_KEY"] == "$.input.key"
    # The run's timeout counts each for_each step's items in batches: 100 items, 4 at a time = 25 rounds.
    per_attempt = 3600 * 3
    assert d["TimeoutSeconds"] == per_attempt + 2 * per_attempt * 25 + 3600


# The Prepare state's JSONata, run as Step Functions would (jsonata-python, the reference grammar).
def _prepare(settings: PipelineSettings, run_input: dict):
    import jsonata

    expression = prepare_expression(settings).removeprefix("{% ").removesuffix(" %}")
    return jsonata.Jsonata(expression).evaluate(None, {"states": {"input": run_input}})


GENOMICS_PARAMETERS = {"sample_id": {}, "reference": {"default": "hg38"},
                       "chromosomes": {"kind": "list", "default": ["chr21", "chr22"]}}


def test_prepare_gives_every_run_one_shape_with_defaults_and_strings() -> None:
    settings = graph(step("a", for_each={"parameter": "chromosomes", "max_items": 3}),
                     parameters=GENOMICS_PARAMETERS, trigger="manual").settings
    out = _prepare(settings, {"parameters": {"sample_id": 7035, "chromosomes": ["chr1", 2], "stray": "x"}})
    assert out == {"input": {"bucket": "", "key": ""}, "parameters": {"reference": "hg38", "sample_id": "7035"},
                   "lists": {"chromosomes": ["chr1", "2"]}}
    # one item given as a plain string is a list of one; the default list applies when none is given
    assert _prepare(settings, {"parameters": {"sample_id": "S", "chromosomes": "chrX"}})["lists"] == {"chromosomes": ["chrX"]}
    assert _prepare(settings, {"parameters": {"sample_id": "S"}})["lists"] == {"chromosomes": ["chr21", "chr22"]}
    # an upload's event gives the object
    upload = {"detail": {"bucket": {"name": "up"}, "object": {"key": "in/x.fastq"}}, "parameters": {"sample_id": "S"}}
    assert _prepare(settings, upload)["input"] == {"bucket": "up", "key": "in/x.fastq"}


@pytest.mark.parametrize(("run_input", "error"), [
    ({}, "parameter sample_id is required"),
    ({"parameters": {"sample_id": "S", "chromosomes": ["1", "2", "3", "4"]}}, "parameter chromosomes has more than 3 items"),
])
def test_prepare_fails_a_run_that_lacks_a_required_parameter_or_has_too_many_items(run_input, error) -> None:
    settings = graph(step("a", for_each={"parameter": "chromosomes", "max_items": 3}),
                     parameters=GENOMICS_PARAMETERS, trigger="manual").settings
    with pytest.raises(Exception, match=error):
        _prepare(settings, run_input)
    assert _prepare(settings, {"parameters": {"sample_id": "S", "chromosomes": ["1", "2", "3"]}})  # nearest passing


def test_queues_share_the_compute_and_a_step_picks_its_own(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", graph(
        step("a"), step("b", queue="priority"), queues={"default": {}, "priority": {"priority": 1000, "spot": False}})))
    queues = {q.name: q.inputs for q in mon.of_type("aws:batch/jobQueue:JobQueue")}
    envs = {e.outputs["arn"]: e.name for e in mon.of_type("aws:batch/computeEnvironment:ComputeEnvironment")}
    order = {name: [envs[o["computeEnvironment"]] for o in q["computeEnvironmentOrders"]] for name, q in queues.items()}
    assert order == {"pipeline-queue": ["pipeline-fargate-spot", "pipeline-fargate"],
                     "pipeline-queue-priority": ["pipeline-fargate"]}
    assert (queues["pipeline-queue"]["priority"], queues["pipeline-queue-priority"]["priority"]) == (1, 1000)
    d = machine(mon)
    arn = {q.name: q.outputs["arn"] for q in mon.of_type("aws:batch/jobQueue:JobQueue")}
    assert d["States"]["b"]["Parameters"]["JobQueue"] == arn["pipeline-queue-priority"]
    assert d["States"]["a"]["Parameters"]["JobQueue"] == arn["pipeline-queue"]
    submit = next(s for s in policy(mon, "pipeline-orchestrator")["Statement"] if s.get("Sid") == "SubmitOwnJobs")
    assert set(arn.values()) <= set(submit["Resource"])


def test_a_manual_pipeline_has_no_upload_trigger_and_a_scheduled_one_a_schedule(record) -> None:
    manual = record(lambda: BatchPipeline("pipeline", graph(step("a"), trigger="manual")))
    assert manual.of_type("aws:cloudwatch/eventRule:EventRule") == []
    assert manual.of_type("aws:s3/bucketNotification:BucketNotification") == []
    assert manual.of_type("aws:scheduler/schedule:Schedule") == []
    scheduled = record(lambda: BatchPipeline("pipeline", graph(
        step("a"), trigger="schedule", schedule={"expression": "cron(0 2 * * ? *)", "timezone": "Europe/Berlin"})))
    schedule = scheduled.one("aws:scheduler/schedule:Schedule").inputs
    assert schedule["scheduleExpression"] == "cron(0 2 * * ? *)" and schedule["scheduleExpressionTimezone"] == "Europe/Berlin"
    target = schedule["target"]
    assert target["arn"] == scheduled.one("aws:sfn/stateMachine:StateMachine").outputs["arn"]
    assert json.loads(target["input"]) == {"parameters": {}}
    assert target["deadLetterConfig"]["arn"] == scheduled.one("aws:sqs/queue:Queue").outputs["arn"]
    role = policy(scheduled, "pipeline-scheduler")
    assert {s["Sid"]: s["Action"] for s in role["Statement"]} == {"StartRun": "states:StartExecution",
                                                                  "ParkFailedStart": "sqs:SendMessage"}


def test_scratch_storage_and_the_instances_volume(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", graph(step("a", scratch_gb=200))))
    container = json.loads(mon.one("aws:batch/jobDefinition:JobDefinition").inputs["containerProperties"])
    assert container["ephemeralStorage"] == {"sizeInGiB": 200}
    ec2 = record(lambda: BatchPipeline("pipeline", graph(step("a"), compute="ec2_spot", instance_volume_gb=500)))
    (device,) = ec2.one("aws:ec2/launchTemplate:LaunchTemplate").inputs["blockDeviceMappings"]
    assert device["ebs"]["volumeSize"] == 500 and device["ebs"]["encrypted"] == "true"


def test_jobs_get_exactly_the_outside_buckets_they_are_named_with(record) -> None:
    mon = record(lambda: BatchPipeline("pipeline", graph(
        step("a"), external_buckets={"references": "read", "exchange": "read_write"})))
    statements = {s["Sid"]: s for s in policy(mon, "pipeline-job-outside")["Statement"]}
    assert statements["ReadReferences"]["Action"] == ["s3:GetObject"]
    assert statements["ReadReferences"]["Resource"] == "arn:aws:s3:::references/*"
    assert set(statements["ReadWriteExchange"]["Action"]) == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                                              "s3:AbortMultipartUpload"}
    assert mon.one("aws:iam/rolePolicy:RolePolicy", "pipeline-job-outside").inputs["role"] == \
        mon.one("aws:iam/role:Role", "pipeline-job").outputs["name"]


@pytest.mark.parametrize(("spec", "settings", "problem"), [
    ([step("a", after=["nope"])], {}, "steps[0].after: names no other step"),
    ([step("a", after=["a"])], {}, "steps[0].after: names no other step"),
    ([step("a", after=["b"]), step("b")], {}, "go round in a cycle"),
    ([step("a", for_each={"parameter": "x"})], {}, "names no list parameter (none declared)"),
    ([step("a", for_each={"parameter": "x"})], {"parameters": {"x": {"default": "s"}}}, "names no list parameter"),
    ([step("a", for_each={"parameter": "x", "env": "SAMPLE"})],
     {"parameters": {"x": {"kind": "list", "default": []}, "sample": {"default": "s"}}}, "SAMPLE is already set"),
    ([step("a", environment={"INPUT_KEY": "x"})], {}, "INPUT_KEY are set by the platform"),
    ([step("a", queue="fast")], {}, "not a queue of pipeline.queues (default)"),
    ([step("a")], {"queues": {"fast": {}}}, "steps that name no queue wait in `default`"),
    ([step("a", scratch_gb=50)], {"compute": "ec2_spot"}, "Fargate only"),
    ([step("a", scratch_gb=20)], {}, "greater than or equal to 21"),   # nearest failing below Fargate's 20 GiB
    ([step("a", scratch_gb=201)], {}, "less than or equal to 200"),
    ([step("a")], {"instance_volume_gb": 200}, "only for compute: ec2_spot"),
    ([step("a")], {"trigger": "schedule"}, "set schedule together with trigger: schedule"),
    ([step("a")], {"schedule": {"expression": "rate(1 day)"}}, "set schedule together with trigger: schedule"),
    ([step("a")], {"trigger": "manual", "trigger_prefix": "in/"}, "only for trigger: uploads"),
    ([step("a")], {"parameters": {"sample": {}}}, "sample has no default, but an upload starts runs without"),
    ([step("a")], {"parameters": {"x": {"kind": "list", "default": "s"}}}, "a list parameter's default is a list"),
])
def test_a_pipeline_graph_is_refused_before_anything_is_declared(spec, settings, problem) -> None:
    with pytest.raises(ValidationError, match=re.escape(problem)):
        PipelineSettings(steps=spec, **settings)


def test_the_nearest_passing_graph_settings() -> None:
    assert PipelineSettings(steps=[step("a", scratch_gb=21)]).steps[0].scratch_gb == 21
    assert PipelineSettings(steps=[step("a", scratch_gb=200)]).steps[0].scratch_gb == 200
    assert PipelineSettings(steps=[step("a")], parameters={"sample": {}}, trigger="manual").parameters["sample"].default is None
    assert PipelineSettings(steps=[step("a"), step("b", after=[])]).waits() == {"a": [], "b": []}


@pytest.mark.parametrize(("level", "logged"), [("FATAL", True), ("ERROR", True), ("ALL", True), ("OFF", False)])
def test_executions_are_always_logged(level: str, logged: bool) -> None:
    # OFF would leave failures unexplained and fails the pack's sfn-logging rule: the settings refuse it.
    if logged:
        assert PipelineSettings(steps=[step("a")], log_level=level).log_level == level
    else:
        with pytest.raises(ValidationError, match="log_level"):
            PipelineSettings(steps=[step("a")], log_level=level)
