"""The orders database: one component of platform-components, used by a program of its own.

The settings model validates the `orders:database` object (defaults, AWS's versions and classes,
one message per bad key) before anything is declared; the wiring inputs are this program's own.
"""

import pulumi
from pydantic import ValidationError

from components import Database, DatabaseArgs, DatabaseSettings

config = pulumi.Config()
try:
    settings = DatabaseSettings.model_validate(config.require_object("database"))
except ValidationError as exc:
    raise pulumi.RunError(f"orders:database is invalid:\n{exc}") from None

db = Database("orders-db", DatabaseArgs(
    settings=settings,
    vpc_id=config.require("vpc_id"),
    subnet_ids=config.require_object("subnet_ids"),
    protect=pulumi.get_stack() == "prod",  # the stack named prod keeps its data whatever happens
    tags={"team": "orders"},
))
db.allow_from("orders-api", config.require("api_security_group_id"))  # the only client

pulumi.export("endpoint", db.endpoint)
pulumi.export("secret_arn", db.secret_arn)
