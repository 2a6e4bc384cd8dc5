"""The platform's components: one module per component, `<Name>Args` + `<Name>`.

Components take plain values and Inputs (ids, ARNs), never config objects or other components,
so each can be used and tested alone. Private modules (`_common`, `_bucket`, `_alb`) hold the
pieces several components share.
"""

from components.backup import Backup, BackupArgs
from components.batch_pipeline import BatchPipeline, BatchPipelineArgs, JobSpec, StorageLifecycle
from components.cache import Cache, CacheArgs
from components.container_service import (
    ContainerHealthCheck,
    ContainerService,
    ContainerServiceArgs,
    LoadBalancerSpec,
    Route,
    Scaling,
    SecretEnv,
    ServiceSpec,
    TargetHealthCheck,
    Volume,
)
from components.database import Database, DatabaseArgs
from components.domain import Domain, DomainArgs
from components.edge import Edge, EdgeArgs
from components.file_system import AccessPointSpec, FileSystem, FileSystemArgs
from components.firewall import Firewall, FirewallArgs
from components.github_deploy import GithubDeploy, GithubDeployArgs
from components.monitoring import Budget, Monitoring, MonitoringArgs, Thresholds
from components.network import ExistingVpc, Network, NetworkArgs
from components.registry import Registry, RegistryArgs
from components.secrets import Secrets, SecretsArgs, SecretSpec
from components.storage import Storage, StorageArgs, StoredBucket

__all__ = [
    "AccessPointSpec", "Backup", "BackupArgs", "BatchPipeline", "BatchPipelineArgs", "Budget", "Cache", "CacheArgs", "ContainerHealthCheck", "ContainerService",
    "ContainerServiceArgs", "Database", "DatabaseArgs", "Domain", "DomainArgs", "Edge", "EdgeArgs", "ExistingVpc",
    "FileSystem", "FileSystemArgs", "Firewall", "FirewallArgs", "GithubDeploy", "GithubDeployArgs", "LoadBalancerSpec", "Monitoring", "MonitoringArgs", "Network", "NetworkArgs",
    "JobSpec", "Registry", "RegistryArgs", "StorageLifecycle", "Route", "Scaling", "SecretEnv", "Secrets", "SecretsArgs", "SecretSpec",
    "ServiceSpec", "Storage", "StorageArgs", "StoredBucket", "TargetHealthCheck", "Thresholds", "Volume",
]
