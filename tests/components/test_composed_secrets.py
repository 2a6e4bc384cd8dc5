"""ComposedSecrets: values holding a secret stay secret, and the machine recomposes them as the program composes."""

from __future__ import annotations

import json

import jsonata
import pytest

from components import ComposedSecrets, ComposedSecretsArgs, Composition
from components._states import COMPOSE_EXPRESSION, ComposeSecretMachine
from components.composed_secrets import FromSecret, SecretSource, compose, recipe
from tests.conftest import resolved

DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf"
DB_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
APP_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:platform/test/secrets/jwt-AbCdEf"
APP_KEY = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"


def database_url(url: bool = True) -> Composition:
    return Composition(parts=["postgresql://", FromSecret(source=0, key="username"), ":", FromSecret(source=0, key="password"),
                              "@db.example:5432/app?token=", FromSecret(source=1)],
                       sources=[SecretSource(arn=DB_SECRET, kms_key_arn=DB_KEY),
                                SecretSource(arn=APP_SECRET, kms_key_arn=APP_KEY, value="generated")],
                       url=url, description="api DATABASE_URL", key="services.api.inject.DATABASE_URL")


def machine(recipe_json: str, raws: list[str]) -> str:
    """What the state machine's Write state computes, run by a JSONata 2 evaluator with Step Functions' `$parse`."""
    expression = jsonata.Jsonata(COMPOSE_EXPRESSION.removeprefix("{%").removesuffix("%}"))
    expression.register_lambda("parse", json.loads)
    expression.assign("states", {"input": json.loads(recipe_json)})
    expression.assign("values", raws)
    return expression.evaluate(None)


PASSWORDS = ["plain", "p@ss:word/#?", "100%&=+ ~*'()!", "ünï©ødé", '"quoted\\\\"', "a"]


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("url", [True, False])
def test_the_machine_recomposes_exactly_what_the_program_composed(record, password, url) -> None:
    composition = database_url(url)
    raws = [json.dumps({"username": "app admin", "password": password}), "jwt/value"]
    mine = compose(composition.parts, raws, url)
    theirs = machine(resolved(record, lambda: recipe(composition, "arn:target")), raws)
    assert theirs == mine
    if url:  # nothing the password holds can end the userinfo early
        userinfo = mine.removeprefix("postgresql://").split("@", 1)[0]
        assert userinfo.count(":") == 1 and "/" not in userinfo and "#" not in userinfo


def test_the_recipe_carries_arns_and_text_never_a_value(record) -> None:
    composition = database_url()
    text = resolved(record, lambda: recipe(composition, "arn:target"))
    assert json.loads(text) == {"target": "arn:target", "sources": [DB_SECRET, APP_SECRET], "parts": [
        {"text": "postgresql://"}, {"source": 0, "encode": True, "key": "username"}, {"text": ":"},
        {"source": 0, "encode": True, "key": "password"}, {"text": "@db.example:5432/app?token="},
        {"source": 1, "encode": True}]}
    assert "generated" not in text


def test_the_machine_reads_each_source_then_writes_the_target(record) -> None:
    definition = json.loads(resolved(record, lambda: ComposeSecretMachine(comment="c").to_json()))
    assert definition["QueryLanguage"] == "JSONata" and definition["StartAt"] == "ReadSources"
    read_sources = definition["States"]["ReadSources"]
    (read,) = read_sources["ItemProcessor"]["States"].values()
    assert read["Resource"] == "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue"
    assert read_sources["Assign"] == {"values": "{% $states.result %}"} and read_sources["Next"] == "Write"
    write = definition["States"]["Write"]
    assert write["Resource"] == "arn:aws:states:::aws-sdk:secretsmanager:putSecretValue" and write["End"] is True
    assert write["Arguments"] == {"SecretId": "{% $states.input.target %}", "SecretString": COMPOSE_EXPRESSION}


@pytest.fixture
def built(record):
    return record(lambda: ComposedSecrets("composed", ComposedSecretsArgs(
        compositions={"api-DATABASE_URL": database_url()}, account_id="123456789012", region="us-east-1")))


def test_the_value_is_a_secret_in_state_under_its_first_sources_key(built) -> None:
    version = built.one("aws:secretsmanager/secretVersion:SecretVersion", "composed-api-DATABASE_URL")
    assert "secretString" in version.secret_paths
    # The mocked RDS secret's password, encoded: composed from the secret's current value at deploy.
    assert version.inputs["secretString"].startswith("postgresql://appadmin:m0ck%3AP%40ss%2Fw%23rd%25@")
    secret = built.one("aws:secretsmanager/secret:Secret", "composed-api-DATABASE_URL").inputs
    assert secret["kmsKeyId"] == DB_KEY


def test_a_rotation_of_any_source_restarts_the_composition(built) -> None:
    rule = built.one("aws:cloudwatch/eventRule:EventRule", "composed-api-DATABASE_URL").inputs
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.secretsmanager"], "detail-type": ["Secret Label Updated"],
        "resources": sorted([DB_SECRET, APP_SECRET]), "detail": {"labelUpdated": ["AWSCURRENT"]}}
    target = built.one("aws:cloudwatch/eventTarget:EventTarget", "composed-api-DATABASE_URL").inputs
    machine_arn = built.one("aws:sfn/stateMachine:StateMachine", "composed-recompose-machine").outputs["arn"]
    assert target["arn"] == machine_arn
    assert target["roleArn"] == built.one("aws:iam/role:Role", "composed-recompose-trigger").outputs["arn"]
    assert json.loads(target["input"])["target"] == built.one(
        "aws:secretsmanager/secret:Secret", "composed-api-DATABASE_URL").outputs["arn"]


def test_the_machine_may_read_its_sources_and_write_its_targets_and_nothing_else(built) -> None:
    doc = json.loads(built.one("aws:iam/rolePolicy:RolePolicy", "composed-recompose-role").inputs["policy"])
    by_sid = {s.get("Sid"): s for s in doc["Statement"]}
    target = built.one("aws:secretsmanager/secret:Secret", "composed-api-DATABASE_URL").outputs["arn"]
    via = {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    assert (by_sid["ReadSources"]["Action"], by_sid["ReadSources"]["Resource"]) == (
        "secretsmanager:GetSecretValue", sorted([DB_SECRET, APP_SECRET]))
    assert (by_sid["WriteComposed"]["Action"], by_sid["WriteComposed"]["Resource"]) == (
        "secretsmanager:PutSecretValue", [target])
    assert (by_sid["DecryptSources"]["Action"], by_sid["DecryptSources"]["Resource"], by_sid["DecryptSources"]["Condition"]) == (
        "kms:Decrypt", sorted([DB_KEY, APP_KEY]), via)
    assert (by_sid["EncryptComposed"]["Action"], by_sid["EncryptComposed"]["Resource"], by_sid["EncryptComposed"]["Condition"]) == (
        ["kms:GenerateDataKey", "kms:Decrypt"], [DB_KEY], via)
    assert set(by_sid) == {"ReadSources", "WriteComposed", "DecryptSources", "EncryptComposed", "VendedLogDelivery"}


def test_only_sources_the_program_does_not_know_are_read_at_deploy(built) -> None:
    reads = [i.args["secretId"] for i in built.invocations if i.token == "aws:secretsmanager/getSecretVersion:getSecretVersion"]
    assert reads == [DB_SECRET]  # the generated one's value is the program's own


@pytest.mark.parametrize(("composition", "problem"), [
    (Composition(parts=["x"], sources=[], description="d"), "contains no secret"),
    (Composition(parts=[FromSecret(source=1)], sources=[SecretSource(arn=DB_SECRET)], description="d"),
     "reads source 1"),
])
def test_args_refuse_a_composition_that_could_not_be_composed(composition, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        ComposedSecretsArgs(compositions={"x": composition}, account_id="1", region="us-east-1")
