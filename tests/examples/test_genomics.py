"""examples/Pulumi.genomics.yaml: aws-samples/aws-genomics-workflows' mapping workflow as a stack file."""

from __future__ import annotations

import json

import pytest

from tools.harness import PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.genomics.yaml"


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)


def _machine(mon) -> dict:
    return json.loads(mon.one("aws:sfn/stateMachine:StateMachine").inputs["definition"])


def test_align_sort_index_then_each_chromosome_up_to_23_at_once(mon) -> None:
    d = _machine(mon)
    path, state = [], d["StartAt"]
    while state is not None:
        path.append(state)
        state = d["States"][state].get("Next")
    assert path == ["Prepare", "bwa-mem", "samtools-sort", "samtools-index", "each-bcftools-mpileup"]
    each = d["States"]["each-bcftools-mpileup"]
    assert each["Type"] == "Map" and each["MaxConcurrency"] == 23 and each["ItemsPath"] == "$.lists.chromosomes"
    inner = each["ItemProcessor"]["States"]
    assert each["ItemProcessor"]["StartAt"] == "bcftools-mpileup" and inner["bcftools-mpileup"]["Next"] == "bcftools-call"
    env = {e["Name"]: e.get("Value.$") for e in inner["bcftools-call"]["Parameters"]["ContainerOverrides"]["Environment"]}
    assert env["CHROMOSOME"] == "$.item" and env["SAMPLE_ID"] == "$.parameters.sample_id"
    assert env["REFERENCE_NAME"] == "$.parameters.reference_name"


def test_each_step_has_the_published_size(mon) -> None:
    sizes = {}
    for definition in mon.of_type("aws:batch/jobDefinition:JobDefinition"):
        container = json.loads(definition.inputs["containerProperties"])
        needs = {r["type"]: r["value"] for r in container["resourceRequirements"]}
        sizes[definition.name.removeprefix("pipeline-")] = (needs["VCPU"], needs["MEMORY"])
    assert sizes == {"bwa-mem": ("8", "8000"), "samtools-sort": ("4", "8000"), "samtools-index": ("1", "1024"),
                     "bcftools-mpileup": ("2", "1024"), "bcftools-call": ("2", "1024")}


def test_a_default_queue_over_spot_then_on_demand_and_a_priority_queue_on_demand_only(mon) -> None:
    envs = {e.outputs["arn"]: e.inputs["computeResources"]["type"]
            for e in mon.of_type("aws:batch/computeEnvironment:ComputeEnvironment")}
    queues = {q.name: (q.inputs["priority"], [envs[o["computeEnvironment"]] for o in q.inputs["computeEnvironmentOrders"]])
              for q in mon.of_type("aws:batch/jobQueue:JobQueue")}
    assert queues == {"pipeline-queue": (1, ["SPOT", "EC2"]), "pipeline-queue-priority": (1000, ["EC2"])}
    spot = next(e for e in mon.of_type("aws:batch/computeEnvironment:ComputeEnvironment") if e.name == "pipeline-spot")
    assert spot.inputs["computeResources"]["allocationStrategy"] == "SPOT_CAPACITY_OPTIMIZED"
    assert spot.inputs["computeResources"]["maxVcpus"] == 100


def test_jobs_read_the_two_outside_buckets_and_nothing_else_outside(mon) -> None:
    policy = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "pipeline-job-outside").inputs["policy"])
    reads = {s["Resource"]: s["Action"] for s in policy["Statement"] if s["Effect"] == "Allow"}
    # Objects to read, and the listing the inputs' wildcards (JOB_INPUTS: "...fasta*") need.
    assert reads == {"arn:aws:s3:::broad-references/*": ["s3:GetObject"], "arn:aws:s3:::broad-references": "s3:ListBucket",
                     "arn:aws:s3:::aws-batch-genomics-shared/*": ["s3:GetObject"],
                     "arn:aws:s3:::aws-batch-genomics-shared": "s3:ListBucket"}


def test_runs_start_by_hand_with_the_published_defaults(mon) -> None:
    assert [r.name for r in mon.of_type("aws:cloudwatch/eventRule:EventRule") if r.name.startswith("pipeline")] == []
    assert mon.of_type("aws:scheduler/schedule:Schedule") == []
    prepare = _machine(mon)["States"]["Prepare"]["Output"]
    assert '"chromosomes": ["chr19", "chr20", "chr21", "chr22"]' in prepare
    assert "parameter sample_id is required" in prepare


def test_the_instances_have_room_for_the_reference_and_the_alignments(mon) -> None:
    (device,) = mon.one("aws:ec2/launchTemplate:LaunchTemplate").inputs["blockDeviceMappings"]
    assert device["ebs"]["volumeSize"] == 500 and device["ebs"]["encrypted"] == "true"
