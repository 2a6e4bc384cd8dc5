"""Reading a stack file as the Pulumi CLI would: duplicate keys refused, every key's line known."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.stack_yaml import StackFileError, load


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
