"""A corpus of bad stack files, as a newcomer writes them (issue 23): each is refused by `plan` with exit 2 or 3, the
line it is on, what is allowed or a did-you-mean, and no traceback.

Each entry edits the committed dev stack file the way a person would, as text, so the line numbers in the refusal
are the ones in front of them. Three or more variants per class of mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.__main__ import main
from tools.harness import PROJECT_DIR

DEV = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"the dev stack file no longer has {old!r}: update this corpus"
        return text.replace(old, new, 1)
    return edit


def append(lines: str) -> Callable[[str], str]:
    return lambda text: text.rstrip("\n") + "\n" + lines


SERVICE = "    frontend:\n      image: {repository: frontend, tag: v1.0.0}\n"

CORPUS: list[tuple[str, Callable[[str], str], str]] = [
    # (class, edit, what the refusal must say)
    # -- a namespace nothing reads drops a whole section in Pulumi: refused with the key meant
    ("namespace", append("  platfrom:backup: {resources: [database]}\n"), "did you mean platform:backup?"),
    ("namespace", append("  platfom:alarms: {emails: [a@example.com]}\n"), "did you mean platform:alarms?"),
    ("namespace", append("  webapp:database: {engine: postgres}\n"), "reads only platform, aws, kubernetes, pulumi"),
    # -- values AWS or the program cannot use
    ("default tags", replace("      project: platform\n", "      project: platform\n      aws:team: web\n"),
     "tag keys starting with aws: are AWS's own"),
    ("default tags", replace("  aws:defaultTags:\n    tags:\n", "  aws:defaultTags:\n    labels:\n"), "expected `tags:`"),
    ("default tags", replace("  aws:defaultTags:\n    tags:\n      project: platform\n      env: dev\n      managed-by: pulumi\n",
                             "  aws:defaultTags: [project, env]\n"), "expected `tags:`"),
    ("certificate", replace('alternative_names: ["*.dev.platform.example.com"]', 'alternative_names: ["*.other.example.com"]'),
     "is outside the zone dev.platform.example.com"),
    ("certificate", replace('alternative_names: ["*.dev.platform.example.com"]', 'alternative_names: ["platform.example.com"]'),
     "is outside the zone"),
    ("certificate", replace('alternative_names: ["*.dev.platform.example.com"]', 'alternative_names: ["dev.platform.example.com"]'),
     "is already on the certificate"),
    ("zone", replace("    az_count: 2\n", "    availability_zones: [us-east-1a, us-east-1g]\n"), "us-east-1 has no zone us-east-1g"),
    ("zone", replace("    az_count: 2\n", "    availability_zones: [eu-west-1a, eu-west-1b]\n"), "its zones are us-east-1a to us-east-1f"),
    ("zone", replace("    az_count: 2\n", "    availability_zones: [us-east-1a, use1-az2]\n"), "an availability zone name such as us-east-1a"),
    ("image tag", replace("tag: v1.0.0}", "tag: -v1}"), "image tags are 1-128 letters"),
    ("image tag", replace("tag: v1.0.0}", "tag: 'v1 final'}"), "image tags are 1-128 letters"),
    ("image tag", replace("tag: v1.0.0}", "tag: release/1}"), "image tags are 1-128 letters"),
    ("matcher", replace("      health_check: {path: /}\n", "      health_check: {path: /, matcher: '500'}\n"), "codes run from 200 to 499"),
    ("matcher", replace("      health_check: {path: /}\n", "      health_check: {path: /, matcher: '199'}\n"), "codes run from 200 to 499"),
    ("matcher", replace("      health_check: {path: /}\n", "      health_check: {path: /, matcher: '200-600'}\n"),
     "codes run from 200 to 499"),
    ("cname", replace('alternative_names: ["*.dev.platform.example.com"]\n',
                      'alternative_names: ["*.dev.platform.example.com"]\n    records:\n'
                      '      - {name: mail, type: CNAME, values: [x.example.com]}\n      - {name: mail, type: TXT, values: [v]}\n'),
     "a CNAME is the only record a name may have"),
    ("cname", replace('alternative_names: ["*.dev.platform.example.com"]\n',
                      'alternative_names: ["*.dev.platform.example.com"]\n    records:\n'
                      '      - {name: go, type: CNAME, values: [x.example.com]}\n      - {name: go, type: MX, values: ["10 mx.example.com"]}\n'),
     "a CNAME is the only record a name may have"),
    ("cname", replace('alternative_names: ["*.dev.platform.example.com"]\n',
                      'alternative_names: ["*.dev.platform.example.com"]\n    records:\n'
                      '      - {name: a, type: TXT, values: [x]}\n      - {name: a, type: TXT, values: [y]}\n'),
     "one record set per name and type"),
    ("repeat", replace('hostnames: [""]', 'hostnames: ["", www, www]'), "lists each entry once"),
    ("repeat", replace('alternative_names: ["*.dev.platform.example.com"]',
                       'alternative_names: ["*.dev.platform.example.com", "*.dev.platform.example.com"]'), "lists each entry once"),
    ("repeat", replace("    emails: []", "    emails: [a@example.com, a@example.com]"), "lists each entry once"),
    ("port-less", replace("    frontend:\n", "    helper:\n      image: {repository: frontend, tag: v1.0.0}\n"
                          "      cpu: 256\n      memory: 512\n      health_check: {path: /health}\n    frontend:\n"),
     "only for services behind a load balancer"),
    ("port-less", replace("    frontend:\n", "    beat:\n      image: {repository: frontend, tag: v1.0.0}\n"
                          "      cpu: 256\n      memory: 512\n      singleton: true\n      health_check: {path: /, interval: 10}\n"
                          "    frontend:\n"), "only for services behind a load balancer"),
    ("port-less", replace("    frontend:\n", "    nightly:\n      image: {repository: frontend, tag: v1.0.0}\n"
                          "      cpu: 256\n      memory: 512\n      schedule: {expression: rate(1 day)}\n"
                          "      health_check: {path: /}\n    frontend:\n"),
     "only for services behind a load balancer"),
    # -- refusals that must say where and what is allowed
    ("entry typo", replace(SERVICE, SERVICE + "      cpux: 256\n"), "Did you mean 'cpu'?"),
    ("entry typo", replace(SERVICE, SERVICE + "      helth_check: {path: /}\n"), "Did you mean 'health_check'?"),
    ("entry typo", replace("    main:\n", "    main:\n      schme: internet-facing\n"), "Did you mean 'scheme'?"),
    ("map key", replace("    frontend:\n", "    Frontend2:\n      image: {repository: frontend, tag: v1.0.0}\n    frontend:\n"),
     "a name of 1-28 lowercase ASCII letters"),
    ("map key", replace("    frontend:\n", "    " + "a" * 30 + ":\n      image: {repository: frontend, tag: v1.0.0}\n    frontend:\n"),
     "a name of 1-28 lowercase ASCII letters"),
    ("map key", replace("    frontend:\n", "    fröntend:\n      image: {repository: frontend, tag: v1.0.0}\n    frontend:\n"),
     "a name of 1-28 lowercase ASCII letters"),
    ("map key", replace("    frontend:\n", "    5:\n      image: {repository: frontend, tag: v1.0.0}\n    frontend:\n"),
     "YAML reads the name 5 as a number"),
    ("yaml 1.1", replace('engine_version: "16.15"', "engine_version: 16.10"), "YAML reads 16.10 as the number 16.1"),
    ("yaml 1.1", replace("    owner: platform-team", "    owner: 0755"), "YAML reads 0755 as the number 493"),
    ("yaml 1.1", replace("    owner: platform-team", "    owner: NO"), "YAML reads NO as the boolean false"),
    ("file shape", lambda text: text.replace("config:\n", "configs:\n", 1), "'configs' is not read: rename it config"),
    ("file shape", lambda text: "encryptionsalt: x\n", "no `config:` section"),
    ("file shape", replace("config:\n", "config:\n  platform:env: dev\n"), "written twice in one mapping"),
]


@pytest.mark.parametrize(("kind", "edit", "says"), CORPUS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CORPUS)])
def test_a_bad_stack_file_is_refused_with_its_line_and_the_fix(tmp_path: Path, capsys, kind, edit, says) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(edit(DEV))
    code = main(["plan", str(path)])
    out = capsys.readouterr()
    message = out.err + out.out
    assert code in (2, 3), message
    assert says in message, message
    assert re.search(r"Pulumi\.bad\.yaml:\d+", message), message     # the line it is on
    assert "Traceback" not in message


def test_every_class_has_three_variants() -> None:
    from collections import Counter

    assert min(Counter(kind for kind, _, _ in CORPUS).values()) >= 3
