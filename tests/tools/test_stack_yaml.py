"""Reading a stack file as the Pulumi CLI would: duplicate keys refused, every key's line known."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.stack_yaml import StackFileError, ambiguous_values, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(text)
    return path


def test_lines_of_every_key_path_under_config(tmp_path: Path) -> None:
    doc, lines = load(write(tmp_path, "config:\n  platform:env: dev\n  platform:services:\n    api:\n      cpu: 256\n"
                                      "      routes:\n        - {paths: [/api], priority: 10}\n"))
    assert doc["config"]["platform:services"]["api"]["cpu"] == 256
    assert lines == {"platform:env": 2, "platform:services": 3, "platform:services.api": 4,
                     "platform:services.api.cpu": 5, "platform:services.api.routes": 6,
                     "platform:services.api.routes[0]": 7, "platform:services.api.routes[0].paths": 7,
                     "platform:services.api.routes[0].paths[0]": 7, "platform:services.api.routes[0].priority": 7}


@pytest.mark.parametrize(("text", "message"), [
    # The later key would silently win (a whole service vanishes); the CLI refuses it, so do we.
    ("config:\n  platform:services:\n    api: {cpu: 256}\n    api: {cpu: 512}\n",
     "Pulumi.test.yaml:4: key 'api' is written twice in one mapping (first at line 3)"),
    ("config:\n  platform:env: dev\n  platform:env: prod\n",
     "Pulumi.test.yaml:3: key 'platform:env' is written twice in one mapping (first at line 2)"),
    ("config:\n  platform:env: [dev\n", "Pulumi.test.yaml:3: not valid YAML"),
    ("config:\n\tplatform:env: dev\n", "Pulumi.test.yaml:2: not valid YAML"),
    ("- config\n", "Pulumi.test.yaml:1: a stack file is a mapping with a `config:` key; got a list"),
    ("encryptionsalt: x\nconfig: dev\n", "Pulumi.test.yaml:2: `config:` must be a mapping of keys to values; got a str"),
])
def test_what_the_cli_would_refuse_is_one_message_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(StackFileError) as caught:
        load(write(tmp_path, text))
    assert str(caught.value).startswith(message)


def test_the_same_key_in_two_mappings_is_fine(tmp_path: Path) -> None:
    doc, _ = load(write(tmp_path, "config:\n  platform:services:\n    api: {cpu: 256}\n    web: {cpu: 256}\n"))
    assert set(doc["config"]["platform:services"]) == {"api", "web"}


def test_an_empty_file_or_config_is_an_empty_config(tmp_path: Path) -> None:
    assert load(write(tmp_path, ""))[0] == {"config": {}}
    assert load(write(tmp_path, "config:\n"))[0] == {"config": {}}


# -- what YAML makes of unquoted values, and merge keys (issue 23) ------------------------------------------------------


@pytest.mark.parametrize(("written", "read"), [
    ("16.10", "YAML reads 16.10 as the number 16.1"),       # a version loses its trailing zero
    ("3.20", "YAML reads 3.20 as the number 3.2"),
    ("NO", "YAML reads NO as the boolean false"),           # Norway's country code
    ("yes", "YAML reads yes as the boolean true"),
    ("off", "YAML reads off as the boolean false"),
    ("0755", "YAML reads 0755 as the number 493"),          # a file mode, octal
    ("010", "YAML reads 010 as the number 8"),
    ("1:30", "YAML reads 1:30 as the number 90"),           # sexagesimal
])
def test_a_value_yaml_reads_otherwise_is_named_with_what_it_read(tmp_path: Path, written: str, read: str) -> None:
    path = write(tmp_path, f"config:\n  platform:x:\n    v: {written}\n    quoted: \"{written}\"\n")
    assert ambiguous_values(path) == {"platform:x.v": read}   # the quoted one is what was written


@pytest.mark.parametrize("written", ["16.15", "true", "false", "1.5", "100", "0", "-3", "dev"])
def test_values_yaml_reads_as_written_are_not_flagged(tmp_path: Path, written: str) -> None:
    assert ambiguous_values(write(tmp_path, f"config:\n  platform:x: {written}\n")) == {}


def test_a_numeric_name_is_flagged_as_a_name(tmp_path: Path) -> None:
    path = write(tmp_path, "config:\n  platform:services:\n    5: {cpu: 256}\n")
    assert ambiguous_values(path) == {"platform:services.5 (the name)": "YAML reads the name 5 as a number, not a name"}


def test_merge_keys_are_read_and_the_mappings_own_keys_win(tmp_path: Path) -> None:
    text = ("base: &web {cpu: 256, memory: 512}\n"
            "config:\n  platform:services:\n    api: {<<: *web, memory: 1024}\n    worker:\n      <<: *web\n")
    doc, lines = load(write(tmp_path, text))
    services = doc["config"]["platform:services"]
    assert services["api"] == {"cpu": 256, "memory": 1024} and services["worker"] == {"cpu": 256, "memory": 512}
    assert lines["platform:services.api.memory"] == 4   # its own line, not the anchor's
    # A key written twice among a mapping's own keys is still refused.
    with pytest.raises(StackFileError, match="written twice"):
        load(write(tmp_path, "base: &b {a: 1}\nconfig:\n  platform:x: {<<: *b, c: 1, c: 2}\n"))
