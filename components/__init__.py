"""The platform's components: one module per component, `<Name>Settings` + `<Name>Args` + `<Name>`.

A component's settings model is the schema of its stack-file section (`platform:database` ->
`DatabaseSettings`): defaults, docs and validation in one place. Its Args take that model whole
beside the wiring inputs other components supply (ids, ARNs, Outputs), never config objects of
the program or other components, so each can be used and tested alone. Private modules
(`_settings`, `_common`, `_bucket`, `_alb`) hold what several components share.
"""

from components._alb import LoadBalancerSettings, LoadBalancerSpec, RouteSettings, TargetHealthCheckSettings
from components._bucket import BucketLifecycleSettings
from components._settings import ImageSettings, SecretRefSettings
from components.backup import Backup, BackupArgs, BackupSettings
from components.batch_pipeline import BatchPipeline, BatchPipelineArgs, BatchStepSettings, PipelineSettings
from components.cache import Cache, CacheArgs, CacheSettings
from components.cluster import ClusterSettings, EksSettings, NodeGroupSettings
from components.composed_secrets import ComposedSecrets, ComposedSecretsArgs, Composition
from components.container_service import (
    ContainerHealthCheckSettings,
    ContainerService,
    ContainerServiceArgs,
    ScalingSettings,
    SecretEnv,
    ServiceSettings,
    ServiceSpec,
    Volume,
    WorkloadRefs,
)
from components.database import Database, DatabaseArgs, DatabaseSettings
from components.domain import Domain, DomainArgs, DomainSettings
from components.edge import Edge, EdgeArgs, EdgeSettings, ServedBucket
from components.file_system import AccessPointSettings, FileSystem, FileSystemArgs, FileSystemSettings
from components.firewall import Firewall, FirewallArgs, WafSettings
from components.github_deploy import GithubDeploy, GithubDeployArgs, GithubSettings
from components.monitoring import AlarmsSettings, BudgetSettings, Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs, NetworkSettings
from components.queues import Queues, QueuesArgs, QueueSettings
from components.registry import Registry, RegistryArgs, RegistrySettings
from components.secrets import Secrets, SecretsArgs, SecretSettings
from components.storage import AppBucketSettings, Storage, StorageArgs

__version__ = "1.0.0"
"""The components package's version (pyproject.toml holds the same; a test keeps them equal)."""

__all__ = [
    "AccessPointSettings", "AlarmsSettings", "AppBucketSettings", "Backup", "BackupArgs", "BackupSettings",
    "BatchPipeline", "BatchPipelineArgs", "BatchStepSettings", "BucketLifecycleSettings", "BudgetSettings", "Cache",
    "CacheArgs", "CacheSettings", "ClusterSettings", "ComposedSecrets", "ComposedSecretsArgs", "Composition",
    "ContainerHealthCheckSettings", "ContainerService",
    "ContainerServiceArgs", "Database", "DatabaseArgs", "DatabaseSettings", "Domain", "DomainArgs", "DomainSettings",
    "Edge", "EdgeArgs", "EdgeSettings", "ServedBucket", "EksSettings", "FileSystem", "FileSystemArgs", "FileSystemSettings",
    "Firewall", "FirewallArgs", "GithubDeploy", "GithubDeployArgs", "GithubSettings", "ImageSettings",
    "LoadBalancerSettings", "LoadBalancerSpec", "Monitoring", "MonitoringArgs", "Network", "NetworkArgs",
    "NetworkSettings", "NodeGroupSettings", "PipelineSettings", "QueueSettings", "Queues", "QueuesArgs", "Registry", "RegistryArgs", "RegistrySettings",
    "RouteSettings", "ScalingSettings", "SecretEnv", "SecretRefSettings", "SecretSettings", "Secrets", "SecretsArgs",
    "ServiceSettings", "ServiceSpec", "Storage", "StorageArgs", "TargetHealthCheckSettings", "Volume", "WafSettings",
    "WorkloadRefs",
]
