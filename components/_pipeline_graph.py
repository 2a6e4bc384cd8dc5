"""The pipeline as a graph: its steps in layers and chains, and the Step Functions machine that runs them.

The steps' `after:` waits make a graph. `step_layers` orders it: layers run one after another, a layer's chains at
once (a Parallel state), a chain's steps in order, a `for_each` chain once per item (a Map state). `definition` turns
the layers into the machine (`_states`' typed States language), with a `Prepare` state (`prepare_expression`, JSONata)
when the pipeline takes parameters, and a `PipelineFailed` state every failure ends in. `BatchPipeline` declares the
queues and job definitions the machine's tasks name, and the machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from components._states import (
    BATCH_SERVICE_ERRORS,
    BatchJobTask,
    Branch,
    Catch,
    Fail,
    ForEach,
    ParallelBranches,
    PrepareInput,
    Retry,
    StateMachineDefinition,
)

if TYPE_CHECKING:  # the settings' own validator orders the graph (step_layers), so they import this module
    from components.batch_pipeline import BatchStepSettings, PipelineSettings

FAILED_STATE = "PipelineFailed"
"""Where every failure ends."""
PREPARE_STATE = "Prepare"
"""The first state of a pipeline that takes parameters: gives every run one input shape."""
_INLINE_MAP_CONCURRENCY = 40
"""An inline Map state runs at most 40 iterations at once (Step Functions Developer Guide, "Map state in inline
mode"; checked 2026-12-04)."""


@dataclass(frozen=True)
class _Graph:
    """What the tasks name besides the steps: each queue's and each job definition's ARN."""

    settings: PipelineSettings
    queue_arns: Mapping[str, pulumi.Input[str]]
    job_arns: Mapping[str, pulumi.Input[str]]


def definition(name: str, settings: PipelineSettings, queue_arns: Mapping[str, pulumi.Input[str]],
               job_arns: Mapping[str, pulumi.Input[str]]) -> StateMachineDefinition:
    """The machine: the steps' layers in order (a chain inline, chains at once in a Parallel state, a for_each
    chain in a Map state); any failure ends in `PipelineFailed`."""
    graph = _Graph(settings, queue_arns, job_arns)
    layers = step_layers(settings)
    catch = [Catch(errors=["States.ALL"], next=FAILED_STATE)]
    states: dict[str, Any] = {}
    heads = [_unit_head(layer) for layer in layers]
    for i, layer in enumerate(layers):
        then = heads[i + 1] if i + 1 < len(layers) else None
        if len(layer) == 1 and layer[0][0].for_each is None:
            states.update(_chain(graph, layer[0], then, catch))
        elif len(layer) == 1:
            states[heads[i]] = _for_each(graph, layer[0], then, catch)
        else:
            states[heads[i]] = ParallelBranches(branches=[_branch(graph, chain) for chain in layer], next=then,
                                                catch=catch)
    start = heads[0]
    if settings.prepared:
        states = {PREPARE_STATE: PrepareInput(output=prepare_expression(settings), next=start), **states}
        start = PREPARE_STATE
    states[FAILED_STATE] = Fail(error=FAILED_STATE, cause="A pipeline step failed; its error is in the execution history.")
    return StateMachineDefinition(
        comment=f"{name}: {_describe(layers)}", start_at=start, states=states,
        timeout_seconds=sum(s.timeout_seconds * s.retry_attempts * _rounds(s) for s in settings.steps) + 3600)


def _unit_head(layer: list[list[BatchStepSettings]]) -> str:
    """The state a layer starts at: its chain's first step, its Map, or its Parallel."""
    first = layer[0][0].name
    if len(layer) > 1:
        return f"together-{first}"
    return f"each-{first}" if layer[0][0].for_each is not None else first


def _chain(graph: _Graph, chain: list[BatchStepSettings], then: str | None,
           catch: list[Catch], item: str | None = None) -> dict[str, BatchJobTask]:
    """The chain's jobs in order, the last going on to `then`."""
    names = [s.name for s in chain]
    return {step.name: _task(graph, step, names[i + 1] if i + 1 < len(names) else then, catch, item)
            for i, step in enumerate(chain)}


def _branch(graph: _Graph, chain: list[BatchStepSettings]) -> Branch:
    """A chain inside a Parallel state: no Catch of its own (the Parallel state catches)."""
    if chain[0].for_each is not None:
        head = f"each-{chain[0].name}"
        return Branch(start_at=head, states={head: _for_each(graph, chain, None, [])})
    return Branch(start_at=chain[0].name, states=_chain(graph, chain, None, []))


def _for_each(graph: _Graph, chain: list[BatchStepSettings], then: str | None, catch: list[Catch]) -> ForEach:
    each = chain[0].for_each
    assert each is not None
    return ForEach(
        items_path=f"$.lists.{each.parameter}", max_concurrency=each.max_concurrency,
        item_selector={"input": "$.input", "parameters": "$.parameters", "lists": "$.lists",
                       "item": "$$.Map.Item.Value"},
        body=Branch(start_at=chain[0].name, states=_chain(graph, chain, None, [], item=each.env)),
        next=then, catch=catch)


def _task(graph: _Graph, step: BatchStepSettings, then: str | None, catch: list[Catch], item: str | None) -> BatchJobTask:
    settings = graph.settings
    environment = ({"INPUT_BUCKET": "$.input.bucket", "INPUT_KEY": "$.input.key"} if settings.prepared
                   else {"INPUT_BUCKET": "$.detail.bucket.name", "INPUT_KEY": "$.detail.object.key"})
    environment["EXECUTION_NAME"] = "$$.Execution.Name"
    for name, param in sorted(settings.parameters.items()):
        environment[name.upper()] = (f"States.JsonToString($.lists.{name})" if param.kind == "list"
                                     else f"$.parameters.{name}")
    if item is not None:
        environment[item] = "$.item"
    return BatchJobTask(
        job_name=step.name, job_queue_arn=graph.queue_arns[step.queue],
        job_definition_arn=graph.job_arns[step.name], environment=environment, next=then,
        result_path=f"$.jobs.{step.name.replace('-', '_')}", retry=[Retry(errors=BATCH_SERVICE_ERRORS)],
        catch=catch)



def step_layers(settings: PipelineSettings) -> list[list[list[BatchStepSettings]]]:
    """The steps as the machine runs them: layers run one after another; a layer's chains run at once; a chain's
    steps run in order.

    A chain is a path whose inner steps have one wait and one follower (and the same for_each). A layer holds the
    chains whose waits all lie in earlier layers, placed as early as they can be: for a fork and a join
    (A -> {B -> C, D} -> E) that is exactly the graph. Where waits cross (A -> C, B -> C, B -> D) a chain may also
    wait for a chain of the layer before that it does not name: later, never earlier, than it asks.
    """
    waits = settings.waits()
    by_name = {s.name: s for s in settings.steps}
    followers: dict[str, list[str]] = {s.name: [] for s in settings.steps}
    for name, before in waits.items():
        for b in before:
            followers[b].append(name)
    # Chains: start at each step that does not simply continue its one predecessor's chain.
    def continues(name: str) -> bool:
        before = waits[name]
        return (len(before) == 1 and len(followers[before[0]]) == 1
                and by_name[before[0]].for_each == by_name[name].for_each)
    chains: list[list[str]] = []
    chain_of: dict[str, int] = {}
    for step in settings.steps:
        if continues(step.name):
            continue
        chain = [step.name]
        while len(followers[chain[-1]]) == 1 and continues(followers[chain[-1]][0]):
            chain.append(followers[chain[-1]][0])
        for n in chain:
            chain_of[n] = len(chains)
        chains.append(chain)
    if len(chain_of) != len(by_name):
        raise ValueError("the steps' waits go round in a cycle: "
                         + ", ".join(sorted(n for n in by_name if n not in chain_of)))
    # Layer of a chain: one after the latest layer of the chains its first step waits for.
    layer: dict[int, int] = {}
    visiting: set[int] = set()

    def depth(c: int) -> int:
        if c in layer:
            return layer[c]
        if c in visiting:
            raise ValueError(f"the steps' waits go round in a cycle through {chains[c][0]}")
        visiting.add(c)
        before = {chain_of[b] for b in waits[chains[c][0]]}
        layer[c] = 1 + max((depth(b) for b in before), default=-1)
        visiting.discard(c)
        return layer[c]

    for c in range(len(chains)):
        depth(c)
    layers: list[list[list[BatchStepSettings]]] = [[] for _ in range(max(layer.values()) + 1)]
    for c, chain in enumerate(chains):
        layers[layer[c]].append([by_name[n] for n in chain])
    return layers


def _rounds(step: BatchStepSettings) -> int:
    """How many times over a step's jobs may run one after another: once, or its items in batches."""
    each = step.for_each
    return 1 if each is None else -(-each.max_items // min(each.max_concurrency, _INLINE_MAP_CONCURRENCY))


def _describe(layers: list[list[list[BatchStepSettings]]]) -> str:
    """`a -> (b -> c | d) -> e`, with `each x` for a for_each chain."""
    def chain(steps: list[BatchStepSettings]) -> str:
        text = " -> ".join(s.name for s in steps)
        return f"each {steps[0].for_each.parameter}: {text}" if steps[0].for_each is not None else text
    return " -> ".join(chain(layer[0]) if len(layer) == 1 else "(" + " | ".join(chain(c) for c in layer) + ")"
                       for layer in layers)


def prepare_expression(settings: PipelineSettings) -> str:
    """The JSONata of the `Prepare` state: the object that started the run (an upload's bucket and key, else empty),
    each declared parameter (the input's, else its default; a required one missing fails the run here) as a string,
    each list parameter as a list of strings (no longer than its for_each steps take). Undeclared input is dropped."""
    defaults = {k: p.default for k, p in settings.parameters.items() if p.default is not None}
    limits: dict[str, int] = {}
    for step in settings.steps:
        if step.for_each is not None:
            name = step.for_each.parameter
            limits[name] = min(limits.get(name, step.for_each.max_items), step.for_each.max_items)
    checks, strings, lists = [], [], []
    for name, param in sorted(settings.parameters.items()):
        value = f"$lookup($p, {json.dumps(name)})"
        if param.default is None:
            checks.append(f"$exists({value}) ? true : $error({json.dumps(f'parameter {name} is required')})")
        if param.kind == "list":
            lists.append(f"{json.dumps(name)}: [$map({value}, $string)]")
            if name in limits:
                checks.append(f"$count([{value}]) <= {limits[name]} ? true : "
                              f"$error({json.dumps(f'parameter {name} has more than {limits[name]} items')})")
        else:
            strings.append(f"{json.dumps(name)}: $string({value})")
    body = "; ".join([
        "$in := $states.input",
        f"$p := $merge([{json.dumps(defaults)}, $exists($in.parameters) ? $in.parameters : {{}}])",
        *checks,
        ('{"input": {"bucket": $exists($in.detail.bucket.name) ? $in.detail.bucket.name : "", '
         '"key": $exists($in.detail.object.key) ? $in.detail.object.key : ""}, '
         f'"parameters": {{{", ".join(strings)}}}, "lists": {{{", ".join(lists)}}}}}'),
    ])
    return f"{{% ({body}) %}}"

