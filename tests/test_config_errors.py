"""A newcomer is never misled (config_errors.py and the checks behind it): keys nothing reads, typos inside an
entry, values YAML read otherwise, names outside the grammar, repeated entries, each refused with its fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from stack_config import ConfigError, from_mapping
from tests.test_stack_config import (
    problems,
    raw,
)
from tools.harness import (
    PROJECT_DIR,
    load_config,
)

# -- a newcomer is never misled (issue 23) ----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "fix"), [
    ("platfrom:backup", "did you mean platform:backup?"),            # a typo drops a whole section in Pulumi
    ("platfom:alarms", "did you mean platform:alarms?"),
    ("awss:region", "did you mean aws:region?"),
    ("myapp:database", "this project is 'platform' and reads only platform, aws, kubernetes, pulumi"),
    ("9x:y", "namespaces here are platform, aws, kubernetes, pulumi"),
])
def test_a_key_in_a_namespace_nothing_reads_is_refused_with_its_fix(key: str, fix: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config("dev", overrides={key: {"a": 1}})
    (line,) = str(caught.value).splitlines()[1:]
    assert line.startswith(f"  - {key}: nothing reads the namespace") and line.endswith(fix)


@pytest.mark.parametrize(("value", "problem"), [
    ({"tags": {"aws:owner": "x"}}, "aws:defaultTags.tags.aws:owner: tag keys starting with aws: are AWS's own"),
    ({"tags": {"AWS:Owner": "x"}}, "aws:defaultTags.tags.AWS:Owner: tag keys starting with aws:"),
    ({"tags": ["project"]}, "aws:defaultTags: expected `tags:` holding a mapping"),
    (["project"], "aws:defaultTags: expected `tags:` holding a mapping"),
    ({"project": "web"}, "aws:defaultTags: expected `tags:` holding a mapping"),
])
def test_default_tags_aws_would_refuse_are_refused(value, problem) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_config("dev", overrides={"aws:defaultTags": value})
    assert load_config("dev", overrides={"aws:defaultTags": {"tags": {"awsome": "x"}}})  # nearest passing


@pytest.mark.parametrize(("section", "typo", "hint"), [
    ("services", "cpux", "Did you mean 'cpu'?"),
    ("load_balancers", "schemex", "Did you mean 'scheme'?"),
    ("secrets", "descriptionx", "Did you mean 'description'?"),
])
def test_a_typo_inside_a_named_entry_lists_the_entrys_keys(section: str, typo: str, hint: str) -> None:
    config = raw("dev")
    entries = config.setdefault(section, {}) or {}
    name = next(iter(entries), "k")
    entries.setdefault(name, {})[typo] = 1
    config[section] = entries
    (line,) = [p for p in problems(config) if p.startswith(f"{section}.{name}.{typo}")]
    listed = line.split("Allowed keys here: ")[1].split(", ")
    assert hint in line and typo.removesuffix("x") in listed and len(listed) > 2


def test_a_name_outside_the_grammar_says_what_a_name_may_be() -> None:
    config = raw("dev")
    config["services"]["API"] = next(iter(config["services"].values()))
    assert any(p.startswith("services.API (the name): expected a name of 1-28 lowercase ASCII letters, digits or hyphens")
               for p in problems(config))


def test_a_value_yaml_read_otherwise_is_named_in_the_refusal(tmp_path: Path) -> None:
    from tools.harness import annotate_lines, load_stack_config

    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    text = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    assert 'engine_version: "16.15"' in text
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text.replace('engine_version: "16.15"', "engine_version: 16.10"))
    with pytest.raises(ConfigError) as caught:
        load_config(path, project_dir=tmp_path)
    message = annotate_lines(str(caught.value), load_stack_config(path, tmp_path))
    assert ("database.engine_version: expected a string; got 16.1 (YAML reads 16.10 as the number 16.1: quote it to "
            "keep what you wrote)") in message


def test_a_nested_secure_value_is_a_secret_wherever_a_string_is(tmp_path: Path) -> None:
    from tools.harness import load_stack_config

    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    text = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text.replace("config:\n", "config:\n  platform:tags:\n    owner: {secure: AAABADsomething}\n", 1)
                    if "platform:tags:" not in text else text.replace("platform:tags:\n", "platform:tags:\n    secret-owner: {secure: AAABAD}\n", 1))
    stack_file = load_stack_config(path, tmp_path)
    assert "platform:tags" in stack_file.secret_keys
    assert "offline-placeholder-secret" in stack_file.config["platform:tags"]
    assert load_config(path, project_dir=tmp_path)   # a string setting takes it


@pytest.mark.parametrize(("matcher", "ok"), [
    ("200", True), ("199", False),            # ALB takes 200-499
    ("499", True), ("500", False),
    ("200-399", True), ("200-500", False), ("399-200", False), ("200,302", True), ("200,502", False),
])
def test_a_health_check_matcher_stays_within_what_an_alb_takes(matcher: str, ok: bool) -> None:
    from components._alb import TargetHealthCheckSettings

    if ok:
        assert TargetHealthCheckSettings(matcher=matcher).matcher == matcher
    else:
        with pytest.raises(ValidationError, match="codes run from 200 to 499"):
            TargetHealthCheckSettings(matcher=matcher)


@pytest.mark.parametrize(("tag", "ok"), [
    ("v1.0.0", True), ("1.19", True), ("v1.0_rc-1", True), ("a" * 128, True),
    ("a" * 129, False), ("-bad", False), (".bad", False), ("has space", False), ("tag/with/slash", False),
])
def test_an_image_tag_follows_the_registry_grammar(tag: str, ok: bool) -> None:
    from components._settings import ImageSettings

    if ok:
        assert ImageSettings(repository="api", tag=tag).tag == tag
    else:
        with pytest.raises(ValidationError, match="image tags are 1-128 letters"):
            ImageSettings(repository="api", tag=tag)


@pytest.mark.parametrize(("names", "problem"), [
    (["*.dev.platform.example.com"], None),
    (["api.dev.platform.example.com"], None),
    (["*.other.example.com"], "is outside the zone dev.platform.example.com"),
    (["platform.example.com"], "is outside the zone"),                 # the parent is outside too
    (["dev.platform.example.com"], "is already on the certificate"),
    (["*.dev.platform.example.com", "*.dev.platform.example.com"], "lists each entry once"),
])
def test_certificate_names_stay_in_the_zone_that_validates_them(names, problem) -> None:
    config = raw("dev")
    config["domain"]["alternative_names"] = names
    if problem is None:
        assert from_mapping(config).domain.alternative_names == names
    else:
        assert any(problem in p for p in problems(config))


def test_a_generated_secret_has_no_json_keys_to_read() -> None:
    config = raw("dev")
    generated = next(k for k, v in config["secrets"].items() if v.get("generate"))
    config["services"]["api"]["secrets"] = {"X": {"secret": generated, "key": "k"}}
    assert f"services.api.secrets.X.key: {generated!r} is generated: one string without JSON keys; remove key" in problems(config)
    config["services"]["api"]["secrets"] = {"X": {"secret": generated}}
    assert from_mapping(config).services["api"].secrets["X"].secret == generated   # nearest passing


@pytest.mark.parametrize(("change", "key"), [
    (lambda c: c["edge"].update(hostnames=["", "www", "www"]), "edge.hostnames"),
    (lambda c: c["services"]["api"].update(connects_to=["database", "database"]), "services.api.connects_to"),
    (lambda c: c["edge"].update(api_paths=["/api/*", "/api/*"]), "edge.api_paths"),
])
def test_a_list_that_becomes_resources_lists_each_entry_once(change, key) -> None:
    config = raw("dev")
    change(config)
    assert any(p.startswith(f"{key}: lists each entry once") for p in problems(config))


def test_a_commands_words_may_repeat() -> None:
    config = raw("dev")
    config["services"]["api"]["command"] = ["sh", "-c", "-c"]
    assert from_mapping(config).services["api"].command == ["sh", "-c", "-c"]


def test_a_secure_value_for_a_boolean_setting_plans_offline(tmp_path: Path) -> None:
    from tools.harness import load_stack_config

    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    text = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    assert "    deletion_protection: false\n" in text
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text.replace("    deletion_protection: false\n", "    deletion_protection: {secure: AAABAD}\n", 1))
    stack_file = load_stack_config(path, tmp_path)
    assert "platform:database" in stack_file.secret_keys
    assert json.loads(stack_file.config["platform:database"])["deletion_protection"] is True   # a boolean, not text
    assert load_config(path, project_dir=tmp_path).database.deletion_protection is True
