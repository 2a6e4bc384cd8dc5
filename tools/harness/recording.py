"""The recorded graph: `Recorded` registrations, plain values as policies see them, and `RecordingMonitor`.

The monitor subclasses the SDK's `MockMonitor` and records every registration with its options (protect,
retainOnDelete, ignoreChanges, ...), which `MockResourceArgs` does not carry. It rejects duplicate URNs as the engine
would, emulates the engine's option inheritance (`retainOnDelete`, `deletedWith`), answers component method calls,
and never rebuilds resource references on its worker thread (references become the id or URN)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from tools.harness.mocks import DefaultMocks, HarnessError
from tools.harness.process import _event_loop

UNKNOWN = rpc.UNKNOWN
_SECRET_SIG = rpc._special_secret_sig
_RESOURCE_SIG = rpc._special_resource_sig
_SIG_KEY = rpc._special_sig_key
_OUTPUT_SIG = rpc._special_output_value_sig
_ASSET_SIG = rpc._special_asset_sig
_ARCHIVE_SIG = rpc._special_archive_sig
# --------------------------------------------------------------------------------------------
# The recorded graph
# --------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    """One registration as the engine would have received it."""

    urn: str
    type: str
    name: str
    custom: bool
    remote: bool
    parent: str | None
    provider: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    protect: bool | None = None
    retain_on_delete: bool | None = None
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    additional_secret_outputs: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    deleted_with: str | None = None
    import_id: str | None = None
    secret_paths: list[str] = field(default_factory=list)
    registered_outputs: dict[str, Any] = field(default_factory=dict)
    read: bool = False
    """A read of an existing resource (StackReference, `get`): in the graph, but owned by no one here."""

    @property
    def id(self) -> str:
        """The mock physical id (what policies see for a reference to this resource)."""
        return str(self.outputs.get("id") or "")

    def options(self) -> dict[str, Any]:
        """Resource options in engine (camelCase) spelling, for the JSON export."""
        return {
            "protect": bool(self.protect),
            "retainOnDelete": bool(self.retain_on_delete),
            "deleteBeforeReplace": bool(self.delete_before_replace),
            "ignoreChanges": list(self.ignore_changes),
            "replaceOnChanges": list(self.replace_on_changes),
            "aliases": list(self.aliases),
            "additionalSecretOutputs": list(self.additional_secret_outputs),
            "customTimeouts": dict(self.custom_timeouts),
            "deletedWith": self.deleted_with,
            "provider": self.provider,
            "dependsOn": list(self.dependencies),
        }

    def to_json(self) -> dict[str, Any]:
        """The JSON shape written by `plan --json`."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "remote": self.remote,
            "read": self.read,
            "parent": self.parent,
            "inputs": self.inputs,
            "options": self.options(),
            "secretPaths": list(self.secret_paths),
        }


@dataclass
class Invocation:
    """One invoke (data source) or component method call the program made."""

    token: str
    args: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Plain conversion of engine structs: no resource rehydration on the worker thread
# --------------------------------------------------------------------------------------------


def _plain(value: Any, path: str, secrets: list[str], refs: list[str]) -> Any:
    """Turn a MessageToDict value into what a policy sees: secrets unwrapped, refs as id/URN."""
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SECRET_SIG:
            secrets.append(path)
            return _plain(value.get("value"), path, secrets, refs)
        if sig == _RESOURCE_SIG:
            refs.append(path)
            return value.get("id") or value.get("urn")
        if sig == _OUTPUT_SIG:
            if value.get("secret"):
                secrets.append(path)
            return _plain(value["value"], path, secrets, refs) if "value" in value else UNKNOWN
        if sig in (_ASSET_SIG, _ARCHIVE_SIG):
            return {k: v for k, v in value.items() if k != _SIG_KEY}
        return {k: _plain(v, f"{path}.{k}" if path else k, secrets, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, f"{path}[{i}]", secrets, refs) for i, v in enumerate(value)]
    return value


_ALIAS_FIELDS = ("name", "type", "stack", "project", "parentUrn")
_ALIAS_SPEC = re.compile(rf"({'|'.join(_ALIAS_FIELDS)})=(.*?)(?=, (?:{'|'.join(_ALIAS_FIELDS)}|noParent)=|\)$)")


def _alias_text(alias: Any) -> str:
    # An alias is either a full URN or a spec (old name/type/parent); render specs readably.
    if alias.urn:
        return alias.urn
    spec = alias.spec
    parts = [f"{k}={getattr(spec, k)}" for k in _ALIAS_FIELDS if getattr(spec, k)]
    if spec.noParent:
        parts.append("noParent=true")
    return "alias(" + ", ".join(parts) + ")"


def alias_spec(text: str) -> dict[str, str | bool]:
    """The fields an alias spec recorded as `alias(name=old, parentUrn=urn:..., noParent=true)` sets (the
    reverse of how the harness records one; `noParent` is True or absent)."""
    found: dict[str, str | bool] = dict(_ALIAS_SPEC.findall(text))
    if "noParent=true" in text:
        found["noParent"] = True
    return found


T = TypeVar("T")


def component_ancestor(parent: str | None, nodes: Mapping[str, T], type_of: Callable[[T], str],
                       parent_of: Callable[[T], str | None]) -> T | None:
    """The nearest node up from `parent` (a URN) that is one of our components (type `platform:components:*`);
    `nodes` are recorded resources or their JSON form, read through `type_of` and `parent_of`."""
    node = nodes.get(parent or "")
    while node is not None and not type_of(node).startswith("platform:components:"):
        node = nodes.get(parent_of(node) or "")
    return node


def _struct_to_plain(struct: Any) -> tuple[dict[str, Any], list[str], list[str]]:
    secrets: list[str] = []
    refs: list[str] = []
    raw = json_format.MessageToDict(struct) if struct is not None else {}
    return _plain(raw, "", secrets, refs), secrets, refs


# --------------------------------------------------------------------------------------------
# The monitor
# --------------------------------------------------------------------------------------------


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock resource monitor that records every registration, its options and invokes."""

    def __init__(self, mocks: pulumi_mocks.Mocks | None = None) -> None:
        super().__init__(mocks or DefaultMocks())
        if isinstance(self.mocks, DefaultMocks):
            self.mocks.monitor = self
        self.registered: dict[str, Recorded] = {}
        self.invocations: list[Invocation] = []
        self.exports: dict[str, Any] = {}

    def fake_child(self, parent_type: str, typ: str, name: str, state: dict[str, Any]) -> dict[str, Any]:
        """A resource reference to a pretend child of a remote component (registers nothing).

        The SDK rebuilds the object through `getResource`, so `cluster.eks_cluster.name` works;
        the pretend child is not in `registered`, as a real child would not be visible either.
        """
        urn = f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{parent_type}${typ}::{name}"
        id_ = f"{name}-id"
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_, {**state, "id": id_})
        return {_SIG_KEY: _RESOURCE_SIG, "urn": urn, "id": id_}

    # -- queries used by tests and tools --------------------------------------------------------
    def of_type(self, typ: str) -> list[Recorded]:
        """Every recorded resource of a type token, in registration order."""
        return [r for r in self.registered.values() if r.type == typ]

    def one(self, typ: str, name: str | None = None) -> Recorded:
        """The single resource of a type (optionally with a logical name); fails otherwise."""
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one {typ} named {name!r}, found {[r.name for r in found]}")
        return found[0]

    def named(self, name: str) -> Recorded:
        """The single resource with a logical name."""
        found = [r for r in self.registered.values() if r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one resource named {name!r}, found {len(found)}")
        return found[0]

    def children_of(self, urn: str) -> list[Recorded]:
        """Direct children of a resource or component."""
        return [r for r in self.registered.values() if r.parent == urn]

    def by_id(self, id_: str) -> Recorded | None:
        """The resource whose mock id (or URN) is `id_`, as references appear in inputs."""
        for r in self.registered.values():
            if r.id == id_ or r.urn == id_:
                return r
        return None

    def component_of(self, res: Recorded) -> Recorded | None:
        """The nearest ancestor that is one of our components (type `platform:components:*`)."""
        return component_ancestor(res.parent, self.registered, lambda r: r.type, lambda r: r.parent)

    def component_name(self, res: Recorded) -> str:
        """The name of the component `res` belongs to, `-` outside any (how reports group resources)."""
        owner = self.component_of(res)
        return owner.name if owner else "-"

    def records(self) -> Iterator[Recorded]:
        """All recorded registrations in order."""
        return iter(self.registered.values())

    # -- monitor protocol -----------------------------------------------------------------------
    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        if urn in self.registered:
            # The engine refuses this; the stock mock monitor silently accepts it.
            raise HarnessError(f"Duplicate resource URN '{urn}'")
        _event_loop()
        inputs, secrets, _refs = _struct_to_plain(request.object)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        state = dict(state or {})
        obj = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        outputs = dict(_struct_to_plain(obj)[0])
        if request.custom:
            outputs["id"] = id_ or ""
        rec = Recorded(
            urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
            remote=bool(request.remote), parent=request.parent or None, provider=request.provider or None,
            inputs=json.loads(json.dumps(inputs)), outputs=outputs,
            protect=request.protect if request.HasField("protect") else None,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges), replace_on_changes=list(request.replaceOnChanges),
            aliases=[_alias_text(a) for a in request.aliases] + list(request.aliasURNs),
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            additional_secret_outputs=list(request.additionalSecretOutputs),
            custom_timeouts={k: v for k, v in (("create", request.customTimeouts.create),
                                               ("update", request.customTimeouts.update),
                                               ("delete", request.customTimeouts.delete)) if v},
            deleted_with=request.deletedWith or None, import_id=request.importId or None, secret_paths=secrets,
        )
        self._inherit_from_parent(rec)
        self.registered[urn] = rec
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=obj)

    def _inherit_from_parent(self, rec: Recorded) -> None:
        # The engine (not the SDK) copies these from the parent when the child leaves them unset
        # (source_eval.go inheritFromParent); emulate it so tests see what a real run does.
        parent = self.registered.get(rec.parent or "")
        if parent is None:
            return
        if rec.retain_on_delete is None:
            rec.retain_on_delete = parent.retain_on_delete
        if rec.deleted_with is None:
            rec.deleted_with = parent.deleted_with
        if rec.protect is None:
            rec.protect = parent.protect

    def ReadResource(self, request):  # noqa: N802
        # Reads (StackReference, `get` of an existing resource) enter the graph too, marked as reads:
        # they are part of what a preview shows, but own nothing.
        urn = self.make_urn(request.parent, request.type, request.name)
        _event_loop()
        inputs, _, _ = _struct_to_plain(request.properties)
        id_, state = self.mocks.new_resource(pulumi_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.id, custom=True))
        obj = _sync_await(rpc.serialize_properties(dict(state), {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", dict(state))
        self.registered[urn] = Recorded(
            urn=urn, type=request.type, name=request.name, custom=True, remote=False, parent=request.parent or None,
            provider=request.provider or None, inputs=json.loads(json.dumps(inputs)),
            outputs={**_struct_to_plain(obj)[0], "id": id_ or ""}, read=True,
        )
        return resource_pb2.ReadResourceResponse(urn=urn, properties=obj)

    def RegisterResourceOutputs(self, request):  # noqa: N802
        rec = self.registered.get(request.urn)
        if rec is not None:
            rec.registered_outputs = _struct_to_plain(request.outputs)[0]
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request):  # noqa: N802
        if request.tok != "pulumi:pulumi:getResource":
            args, _, _ = _struct_to_plain(request.args)
            self.invocations.append(Invocation(request.tok, args))
        return super().Invoke(request)

    def Call(self, request):  # noqa: N802
        # Component methods (eks.Cluster.get_kubeconfig) come here; the stock monitor has no Call.
        _event_loop()
        args, _, _ = _struct_to_plain(request.args)
        self.invocations.append(Invocation(request.tok, args))
        ret, _ = self.mocks.call(pulumi_mocks.MockCallArgs(token=request.tok, args=args, provider=request.provider))
        ret_proto = _sync_await(rpc.serialize_properties(ret, {}))
        return resource_pb2.CallResponse(**{"return": ret_proto})


