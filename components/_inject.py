"""The application's own names for what the platform knows: `services.<name>.inject`.

Applications read `DB_HOST`, `REDIS_URL`, `S3_BUCKET` or `DATABASE_URL`, not the platform's names.
A service maps each name it wants to a template of references in braces:

    inject:
      DB_HOST: "{database.host}"
      DATABASE_URL: "postgresql://{database.user}:{database.password}@{database.host}:{database.port}/{database.name}"

This module is the grammar: which references exist, which of them are secret, and how a template is
split into literal text and references. `wiring.py` resolves references to values; a value holding
a secret never becomes plain environment (`components/composed_secrets.py` keeps such values in
Secrets Manager, and recomposes them when a secret they contain changes).

In a template that is a URL (it contains `://`), every substituted value is percent-encoded as a
URL component, as JavaScript's `encodeURIComponent` and JSONata's `$encodeUrlComponent` do, so a
password holding `@`, `:` or `/` cannot break the URL. `{{` and `}}` are literal braces.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

FIELDS: dict[str, tuple[str, ...]] = {
    "database": ("host", "reader_host", "port", "name", "user", "password"),
    "cache": ("host", "port", "url"),
    "pipeline": ("uploads_bucket", "results_bucket", "state_machine_arn"),
    "domain": ("name",),
    "edge": ("url",),
    "stack": ("region", "env"),
}
"""References of the form `{<root>.<field>}`."""

NAMED_FIELDS: dict[str, tuple[str, ...]] = {
    "buckets": ("name", "arn", "host"),
    "volumes": ("path",),
    "services": ("url", "host", "port"),
    "queues": ("url", "arn", "name"),
}
"""References of the form `{<root>.<name>.<field>}`: a bucket (its `host`: the name CloudFront serves it under,
`edge.buckets`), a mounted access point, a peer, a queue."""

SECRET_ROOT = "secrets"
"""`{secrets.<key>}` (the whole value) or `{secrets.<key>.<json key>}`: an application secret."""

FROM_DATABASE_SECRET = {"user": "username", "password": "password"}
"""Database references read from the database's own secret (the JSON keys RDS writes), never from config: the
secret is what RDS rotates."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = r"[A-Za-z0-9_-]+"
_REFERENCE = re.compile(rf"^{_NAME}(\.{_NAME}){{1,2}}$")


@dataclass(frozen=True)
class Ref:
    """One reference: `database.host` is ('database', 'host'); `buckets.media.name` is ('buckets', 'media', 'name')."""

    parts: tuple[str, ...]

    @property
    def root(self) -> str:
        """What it points into: database, cache, buckets, secrets, ..."""
        return self.parts[0]

    @property
    def secret(self) -> bool:
        """Whether its value is secret (an application secret or a database credential)."""
        return self.root == SECRET_ROOT or (self.root == "database" and self.parts[1] in FROM_DATABASE_SECRET)

    def __str__(self) -> str:
        return ".".join(self.parts)


Part = str | Ref


def parse(template: str) -> list[Part]:
    """`template` as literal text and references, or ValueError naming what is wrong and what is allowed."""
    parts: list[Part] = []
    text, at = "", 0
    for match in _TOKEN.finditer(template):
        text += template[at:match.start()]
        at = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            text += token[0]
            continue
        if token in ("{", "}"):
            raise ValueError(f"unmatched {token!r} at character {match.start() + 1}; write {token * 2} for a literal brace")
        if text:
            parts.append(text)
            text = ""
        parts.append(reference(match.group(1)))
    text += template[at:]
    if text:
        parts.append(text)
    if not any(isinstance(p, Ref) for p in parts):
        raise ValueError("has no {reference}; plain values belong in environment")
    return parts


def reference(body: str) -> Ref:
    """One `{...}` body as a Ref, or ValueError listing the references that exist."""
    if not _REFERENCE.fullmatch(body):
        raise ValueError(f"{{{body}}} is not a reference; write e.g. {{database.host}}, {{buckets.<name>.name}} or "
                         "{secrets.<key>}")
    parts = tuple(body.split("."))
    root = parts[0]
    if root in FIELDS:
        if len(parts) != 2 or parts[1] not in FIELDS[root]:
            raise ValueError(f"{{{body}}}: {root} offers {', '.join(f'{{{root}.{f}}}' for f in FIELDS[root])}")
    elif root in NAMED_FIELDS:
        if len(parts) != 3 or parts[2] not in NAMED_FIELDS[root]:
            raise ValueError(f"{{{body}}}: write {{{root}.<name>.<field>}} with a field of "
                             f"{', '.join(NAMED_FIELDS[root])}")
    elif root != SECRET_ROOT:
        roots = sorted([*FIELDS, *NAMED_FIELDS, SECRET_ROOT])
        raise ValueError(f"{{{body}}}: unknown reference {root!r}; references start with one of {', '.join(roots)}")
    return Ref(parts)


def is_url(parts: list[Part]) -> bool:
    """Whether the template is a URL: its values are then percent-encoded."""
    return any(isinstance(p, str) and "://" in p for p in parts)


def encode_url_component(value: str) -> str:
    """What JavaScript's `encodeURIComponent` (and JSONata's `$encodeUrlComponent`) make of `value`: every character
    except the unreserved `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as UTF-8 percent-escapes."""
    return urllib.parse.quote(value, safe="-_.!~*'()")
