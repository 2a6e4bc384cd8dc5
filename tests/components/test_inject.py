"""The `inject` grammar: templates of references, which are secret, which are URLs, and what is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components import ServiceSettings
from components._inject import Ref, encode_url_component, is_url, parse
from stack_config import format_errors

WORKER = {"image": {"uri": "example/worker:1"}, "cpu": 256, "memory": 512}


def test_a_template_is_text_and_references_in_order() -> None:
    assert parse("postgresql://{database.user}@{database.host}:5432/app") == [
        "postgresql://", Ref(("database", "user")), "@", Ref(("database", "host")), ":5432/app"]
    assert parse("{buckets.media.name}") == [Ref(("buckets", "media", "name"))]
    assert parse("{{literal}} {stack.env}") == ["{literal} ", Ref(("stack", "env"))]


@pytest.mark.parametrize(("template", "problem"), [
    ("{database.host", "unmatched '{' at character 1"),
    ("x}", "unmatched '}' at character 2"),
    ("{}", "{} is not a reference"),
    ("{database}", "{database} is not a reference"),
    ("{database.host.x.y}", "is not a reference"),
    ("{database.hostname}", "database offers {database.host}"),
    ("{buckets.media}", "write {buckets.<name>.<field>}"),
    ("{buckets.media.url}", "with a field of name, arn"),
    ("{databse.host}", "unknown reference 'databse'"),
    ("plain text", "has no {reference}"),
    ("{{not a reference}}", "has no {reference}"),
])
def test_a_broken_template_says_what_is_wrong_and_what_exists(template, problem) -> None:
    with pytest.raises(ValueError, match=problem.replace("{", r"\{").replace("}", r"\}").replace("(", r"\(")):
        parse(template)


@pytest.mark.parametrize(("ref", "secret"), [
    ("database.password", True), ("database.user", True), ("secrets.jwt", True), ("secrets.oauth.ID", True),
    ("database.host", False), ("cache.url", False), ("services.api.url", False),
])
def test_credentials_and_application_secrets_are_secret_and_nothing_else(ref, secret) -> None:
    (parsed,) = parse(f"{{{ref}}}")
    assert isinstance(parsed, Ref) and parsed.secret is secret


def test_only_templates_with_a_scheme_are_urls_and_their_values_are_encoded_as_components() -> None:
    assert is_url(parse("rediss://{cache.host}:6379")) and not is_url(parse("{cache.url}/0"))
    # encodeURIComponent: the unreserved marks stay, everything else is escaped as UTF-8.
    assert encode_url_component("a-b_c.d!e~f*g'h(i)j") == "a-b_c.d!e~f*g'h(i)j"
    assert encode_url_component("p@s:s/w#?&=+ %é") == "p%40s%3As%2Fw%23%3F%26%3D%2B%20%25%C3%A9"


@pytest.mark.parametrize(("inject", "line"), [
    ({"DB HOST": "{database.host}"}, "inject['DB HOST'] (the name): expected an environment variable name"),
    ({"1DB": "{database.host}"}, "inject.1DB (the name): expected an environment variable name"),
    ({"DB_HOST": "{database.hostname}"}, "inject.DB_HOST: {database.hostname}: database offers {database.host}"),
])
def test_a_services_inject_is_checked_where_it_is_written(inject, line) -> None:
    with pytest.raises(ValidationError) as caught:
        ServiceSettings(**WORKER, inject=inject)
    assert line in format_errors(caught.value, ServiceSettings, "Pulumi.test.yaml")
    assert ServiceSettings(**WORKER, inject={"_DB1": "{database.host}"}).inject == {"_DB1": "{database.host}"}


@pytest.mark.parametrize("other", ["environment", "secrets"])
def test_a_name_is_injected_once(other) -> None:
    value = {"LOG": "info"} if other == "environment" else {"LOG": {"secret": "x"}}
    with pytest.raises(ValidationError, match="@inject.LOG: LOG is also set in " + other):
        ServiceSettings(**WORKER, inject={"LOG": "{stack.env}"}, **{other: value})
