"""The platform's components: one module per component, `<Name>Args` + `<Name>`.

Components take plain values and Inputs (ids, ARNs), never config objects or other components,
so each can be used and tested alone.
"""

from components.cache import Cache, CacheArgs
from components.database import Database, DatabaseArgs
from components.network import ExistingVpc, Network, NetworkArgs

__all__ = [
    "Cache",
    "CacheArgs",
    "Database",
    "DatabaseArgs",
    "ExistingVpc",
    "Network",
    "NetworkArgs",
]
