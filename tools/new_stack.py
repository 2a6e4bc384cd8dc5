"""`new-stack`: a new environment from an existing stack, in one command.

`./run new-stack staging --from dev` writes `Pulumi.staging.yaml` (a copy of `Pulumi.dev.yaml`, comments
kept) and `policies/config.staging.json` (a copy of dev's pack config), changing what must differ
between two stacks of one project:

- `platform:env` and the `env` default tag become the new environment (the stack's name when it is
  dev, staging or prod, else `--env`, else the source's);
- the GitHub environment the deploy role trusts (`platform:github.environments`) becomes the stack's
  name, which is the environment `deploy.yml` runs its job in;
- `create_provider` turns off: the account's GitHub OIDC provider exists once, in the source stack;
- the source's name as a DNS label in `platform:domain` becomes the new name (`dev.platform.example.com`
  -> `staging.platform.example.com`), so the two stacks do not claim one hosted zone.

Nothing else is guessed: the command prints what it changed and what is left to do by hand (the
GitHub environment, the preview role variable, the domain delegation), and the new file must pass
`./run plan <name>` like any other. The workflows find the new stack by its file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tools.harness import PROJECT_DIR
from tools.route import PROMOTION

NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class NewStackError(Exception):
    """The new stack cannot be written (bad name, missing source, existing target)."""


def _replace(text: str, pattern: str, repl: str, what: str, changes: list[str]) -> str:
    new, count = re.subn(pattern, repl, text, flags=re.M)
    if count:
        changes.append(what)
    return new


def create(name: str, source: str, env: str | None = None, project_dir: Path = PROJECT_DIR) -> list[str]:
    """Write Pulumi.<name>.yaml (and its pack config) from Pulumi.<source>.yaml; return what changed."""
    if not NAME.fullmatch(name):
        raise NewStackError(f"stack name {name!r}: use lowercase letters, digits and hyphens, e.g. staging")
    src, dst = project_dir / f"Pulumi.{source}.yaml", project_dir / f"Pulumi.{name}.yaml"
    if not src.is_file():
        raise NewStackError(f"no stack {source!r}: {src.name} does not exist")
    if dst.exists():
        raise NewStackError(f"{dst.name} exists already; pick another name or edit it")
    text = src.read_text()
    old_env = (re.search(r"^\s*platform:env:\s*([\w-]+)", text, flags=re.M) or [None, None])[1]
    new_env = name if name in PROMOTION else (env or old_env)
    if new_env not in PROMOTION:
        raise NewStackError(f"environment {new_env!r}: give --env dev, staging or prod")
    changes: list[str] = []
    text = _replace(text, r"^(\s*platform:env:\s*)[\w-]+", rf"\g<1>{new_env}", f"platform:env: {new_env}", changes)
    text = _replace(text, rf"^(\s+env:\s*){re.escape(str(old_env))}\s*$", rf"\g<1>{new_env}",
                    f"aws:defaultTags env: {new_env}", changes)
    text = _replace(text, rf"^(\s*environments:\s*\[)\s*{re.escape(source)}\s*\]", rf"\g<1>{name}]",
                    f"platform:github.environments: [{name}]", changes)
    text = _replace(text, r"^(\s*create_provider:\s*)true\b", r"\g<1>false",
                    f"platform:github.create_provider: false (the provider stays in {source})", changes)
    text = _replace(text, rf"(?<=[\s\"'.*]){re.escape(source)}(?=\.[a-z0-9-]+\.)", name,
                    f"platform:domain: {source}.<domain> -> {name}.<domain>", changes)
    header = f"# {name}: created from {src.name} by `./run new-stack {name} --from {source}`; review the comments below.\n"
    dst.write_text(header + text)
    policy_src = project_dir / "policies" / f"config.{source}.json"
    if policy_src.is_file():
        shutil.copy(policy_src, project_dir / "policies" / f"config.{name}.json")
        changes.append(f"policies/config.{name}.json from config.{source}.json")
    return changes


def todo(name: str) -> list[str]:
    """What the command cannot do: the steps outside this repository."""
    variable = "AWS_PREVIEW_ROLE_ARN_" + name.upper().replace("-", "_")
    return [
        f"create the stack: pulumi stack init <org>/{name}",
        f"create the GitHub environment {name!r} (required reviewers if it needs them); after the first "
        f"`pulumi up`, set its variable AWS_DEPLOY_ROLE_ARN to the stack's github_deploy_role_arn output",
        f"set the repository variable {variable} to the stack's github_preview_role_arn output",
        "delegate the new domain from its parent zone (domain_name_servers output) before the certificate can validate",
        f"check it offline: ./run plan {name}",
    ]
