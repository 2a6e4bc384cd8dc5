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

- the VPC takes the first /16 of 10.0.0.0/8 no other stack of the project uses (two stacks' networks may be
  peered or share a transit gateway one day, and overlapping ranges cannot be routed).

Everything else that is environment-specific stays as the source had it and is marked for review: each line
naming the source (`dev` in a comment, a waiver's reason) or setting what environments differ in (the budget,
Spot capacity, sizes of the database, cache and tasks) ends with `# from <source>: review`, and `plan` lists
those lines until the marks are removed. The command prints what it changed and what is left to do by hand (the
GitHub environment, the preview role variable, the domain delegation), and the new file must pass
`./run plan <name>` like any other. The workflows find the new stack by its file.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
from pathlib import Path

from tools.harness import PROJECT_DIR
from tools.route import PROMOTION

NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
REVIEW_MARK = "# from {source}: review"
"""Appended to each line of a new stack that still carries its source's environment-specific value."""
_ENV_SPECIFIC = re.compile(r"^\s*(budget|fixed_usd|monthly_usd|fargate_spot|instance_class|node_type|nodes|multi_az|"
                           r"instances|desired_count|min_capacity|max_capacity|cpu|memory|reason|backup_retention_days|"
                           r"retention_days|log_retention_days):")
"""Keys whose values environments usually differ in (sizes, durability, money, waiver reasons)."""


def _free_cidr(project_dir: Path, source_cidr: str) -> str | None:
    """The first /16 of 10.0.0.0/8 overlapping no network of the project's stack files."""
    taken = []
    for path in project_dir.glob("Pulumi.*.yaml"):
        for match in re.finditer(r"^\s*cidr:\s*([\d./]+)", path.read_text(), flags=re.M):
            try:
                taken.append(ipaddress.ip_network(match.group(1), strict=False))
            except ValueError:
                continue
    size = ipaddress.ip_network(source_cidr, strict=False).prefixlen
    for candidate in ipaddress.ip_network("10.0.0.0/8").subnets(new_prefix=size):
        if not any(candidate.overlaps(t) for t in taken):
            return str(candidate)
    return None


def _mark_for_review(text: str, source: str) -> tuple[str, list[int]]:
    """`text` with the review mark on each line that names the source or sets an environment-specific value."""
    mark = REVIEW_MARK.format(source=source)
    lines, marked = text.splitlines(), []
    word = re.compile(rf"\b{re.escape(source)}\b")
    block_indent: int | None = None  # inside a block scalar (`key: |`) a `#` would become part of the text
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = indent if re.search(r":\s*[|>][-+]?\s*(#.*)?$", line) else None
        if line.lstrip().startswith("#") or mark in line or block_indent is not None:
            continue
        if word.search(line) or _ENV_SPECIFIC.match(line):
            lines[i] = f"{line}  {mark}"
            marked.append(i + 1)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else ""), marked


def review_lines(path: Path) -> list[int]:
    """The lines of a stack file still marked for review since `new-stack` wrote it."""
    pattern = re.compile(REVIEW_MARK.format(source=r"[\w-]+"))
    return [i + 1 for i, line in enumerate(path.read_text().splitlines()) if pattern.search(line)]


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
    cidr = re.search(r"^(\s*cidr:\s*)([\d./]+)", text, flags=re.M)
    if cidr is not None:
        free = _free_cidr(project_dir, cidr.group(2))
        if free is not None:
            text = _replace(text, rf"^(\s*cidr:\s*){re.escape(cidr.group(2))}", rf"\g<1>{free}",
                            f"platform:network.cidr: {free} (no other stack uses it)", changes)
    text, marked = _mark_for_review(text, source)
    if marked:
        changes.append(f"{len(marked)} line(s) that still carry {source}'s values marked `{REVIEW_MARK.format(source=source)}`: "
                       "`plan` lists them until the marks are removed")
    from tools.schema import modeline

    text = re.sub(r"\A# yaml-language-server:[^\n]*\n", "", text)  # the editor's schema line stays the first
    header = f"# {name}: created from {src.name} by `./run new-stack {name} --from {source}`; review the marked lines.\n"
    dst.write_text(f"{modeline(dst)}\n{header}{text}")
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
