"""`python -m tools <verb> <stack | stack file> [options]`: the offline CLI.

Verbs:
  plan              evaluate the program for a stack under mocks; print the resource tree, the
                    preflight and policy results and a summary with the monthly cost; draw the
                    architecture into build/diagrams; --json FILE writes the recorded graph.
  preflight         evaluate the program and check it against AWS's own data only (what AWS would
                    refuse, or create but not make work); --json FILE writes the findings.
  runtime           evaluate the program and prove what its workloads need once running (IAM, KMS and
                    resource policies, network paths, restarts on secret changes, schedulers, awaits,
                    the CI roles); --json FILE writes the findings.
  cost              estimated monthly cost, itemised per component and resource (fixed and usage
                    lines, tools/prices.yaml); --json FILE writes it; --compare B shows B beside it.
  diagram           the stack's architecture: Mermaid text on stdout, and <stack>.mmd/.png/.svg
                    in --out (default build/diagrams; PNG/SVG need graphviz's `dot`).
  readme            check the generated sections of README.md and docs/*.md (config reference from the
                    components' settings models, policy coverage from policies/rules/, ...) and the
                    stack-file schema; --write regenerates them.
  new-stack N --from S
                    a new environment N: Pulumi.N.yaml and policies/config.N.json from stack S, with
                    what must differ between two stacks changed (env, GitHub environment, OIDC
                    provider, domain); prints what is left to do outside the repository.
  policy-config     the policy pack config of a stack: policies/config.<stack>.json plus the stack
                    file's platform:policy_waivers (what `pulumi preview --policy-pack-config`
                    takes in the workflows); --out FILE writes it.
  diff S [--base R] what a change does to stack S: plans it with the program at git ref R (default: the
                    merge base with main) and with the working tree and lists per component what is
                    created, updated (changed inputs, secrets masked), replaced (and the input that
                    forces it) or deleted, with the monthly cost of both; exit 6 when a stateful
                    resource would be replaced or deleted without platform:acknowledged_replacements,
                    or a protected one deleted.
  refresh-prices    rewrite the instance price lists read from a pinned package (tools/price_lists.py;
                    needs PyPI, so a maintainer's command, never CI's) and print how many of the
                    classes and node types AWS offers are priced.
  same-graph REF    plan every committed stack and example at git REF and in the working tree and
                    compare the graphs URN by URN, then break each stack file every way a typo can
                    and compare the config errors; exit 1 when a graph differs or an error names
                    other keys (a refactor must change neither).

Exit codes (the most serious wins):
  0  fine
  1  a mandatory policy is violated
  2  bad input: the stack file or its config is invalid, or a file it needs is missing
  3  preflight: AWS would refuse (or not make work) what the stack declares
  4  an internal error of the offline tools (a bug: the traceback follows)
  5  the cost estimate exceeds the stack's budget (platform:cost.budget); plan and cost only
  6  diff: a stateful resource would be lost (replaced or deleted) without an acknowledgement
  7  run-time stage: a workload would deploy but not work (a permission, a path, a restart missing)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

DIAGRAM_DIR = Path(__file__).resolve().parent.parent / "build" / "diagrams"
"""Where `diagram` and `plan` write drawings (ignored by git)."""

EXIT_OK, EXIT_POLICY, EXIT_INPUT, EXIT_PREFLIGHT, EXIT_INTERNAL, EXIT_BUDGET, EXIT_RUNTIME = 0, 1, 2, 3, 4, 5, 7
"""The documented exit codes (module docstring)."""


STACK_HELP = "stack name (dev, prod) or path to a Pulumi.<stack>.yaml file"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools", description=__doc__.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    plan = verbs.add_parser("plan", help="evaluate a stack offline and print its resource tree")
    plan.add_argument("stack", help=STACK_HELP)
    plan.add_argument("--watch", action="store_true",
                      help="stay running: re-plan on every save of the stack file or the code, printing what changed")
    plan.add_argument("--json", metavar="FILE", type=Path, help="write the recorded graph (and policy results) as JSON")
    plan.add_argument("--verbose", action="store_true",
                      help="also the totals by resource type and every advisory finding's resources")
    plan.add_argument("--policy-config", metavar="FILE", type=Path,
                      help="policy pack config (default: policies/config.<stack>.json when it exists)")
    preflight = verbs.add_parser("preflight", help="check a stack against AWS's own data (what AWS would refuse)")
    preflight.add_argument("stack", help=STACK_HELP)
    preflight.add_argument("--json", metavar="FILE", type=Path, help="write the findings as JSON")
    runtime = verbs.add_parser("runtime", help="prove what a stack's workloads need once running")
    runtime.add_argument("stack", help=STACK_HELP)
    runtime.add_argument("--json", metavar="FILE", type=Path, help="write the findings as JSON")
    cost = verbs.add_parser("cost", help="estimate a stack's monthly cost offline")
    cost.add_argument("stack", help=STACK_HELP)
    cost.add_argument("--json", metavar="FILE", type=Path, help="write the estimate as JSON")
    cost.add_argument("--compare", metavar="STACK", help="a second stack (or file) to show side by side")
    diagram = verbs.add_parser("diagram", help="draw a stack's architecture (Mermaid, PNG, SVG)")
    diagram.add_argument("stack", help=STACK_HELP)
    diagram.add_argument("--out", metavar="DIR", type=Path, default=DIAGRAM_DIR, help="where the files go")
    readme = verbs.add_parser("readme", help="check (or --write) the generated sections of the README and docs/, and the stack-file schema")
    readme.add_argument("--write", action="store_true", help="regenerate the stale sections in README.md and docs/")
    verbs.add_parser("docs", help="build README.md and docs/ as a static site (MkDocs, Material) into build/site, links checked")
    new = verbs.add_parser("new-stack", help="a new environment: its stack file and pack config, from a stack")
    new.add_argument("name", help="the new stack, e.g. staging")
    new.add_argument("--from", dest="source", required=True, help="the stack to copy, e.g. dev")
    new.add_argument("--env", choices=("dev", "staging", "prod"),
                     help="its environment when the name is not dev, staging or prod (default: the source's)")
    policy_config = verbs.add_parser("policy-config", help="the policy pack config of a stack, waivers included")
    policy_config.add_argument("stack", help=STACK_HELP)
    policy_config.add_argument("--out", metavar="FILE", type=Path, help="write it here (default: stdout)")
    diff = verbs.add_parser("diff", help="what a change does to a stack: create, update, replace, delete")
    diff.add_argument("stack", help=STACK_HELP)
    diff.add_argument("--base", metavar="REF", help="git ref to compare with (default: the merge base with main)")
    verbs.add_parser("refresh-prices", help="rewrite the price lists read from a package (needs PyPI); print coverage")
    same = verbs.add_parser("same-graph", help="compare every stack's recorded graph with a git ref's")
    same.add_argument("ref", help="git ref to compare with, e.g. main or HEAD~2")
    return parser


RUN_VERBS = (("test", "ruff, mypy, then the test suite; with pytest arguments, only the tests they select"),
             ("lint", "ruff over the tree and mypy over the program (configured in pyproject.toml)"),
             ("setup", "create .venv and install the pinned requirements, nothing else"))
"""Verbs `./run` handles itself, before `python -m tools`."""


def verbs_help() -> str:
    """Every verb of `./run` with one line each (`./run`, `./run help`)."""
    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rows = [(choice.dest, choice.help or "") for choice in subparsers._choices_actions] + list(RUN_VERBS)
    width = max(len(name) for name, _ in rows)
    lines = [f"  {name.ljust(width)}  {text}" for name, text in rows]
    return "usage: ./run <verb> [arguments]  (./run <verb> --help for its arguments)\n" + "\n".join(lines)


def _new_stack(args: argparse.Namespace) -> int:
    from tools.new_stack import NewStackError, create, todo

    try:
        changes = create(args.name, args.source, args.env)
    except NewStackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote Pulumi.{args.name}.yaml from Pulumi.{args.source}.yaml:")
    print("\n".join(f"  - {change}" for change in changes))
    print("left to do:")
    print("\n".join(f"  - {step}" for step in todo(args.name)))
    return EXIT_OK


def _refresh_prices(args: argparse.Namespace) -> int:
    from tools import cost, price_lists

    for path in price_lists.refresh():
        print(f"wrote {path.relative_to(price_lists.LIST_DIR.parent.parent)}")
    for key, (priced, accepted, missing) in cost.coverage().items():
        print(f"{key}: {priced} of the {accepted} types AWS offers in {price_lists.REGION} priced"
              + (f"; unpriced: {', '.join(missing)}" if missing else ""))
    return EXIT_OK


def _policy_config(args: argparse.Namespace) -> int:
    from tools.harness import load_stack_config
    from tools.policy_run import stack_policy_config

    text = json.dumps(stack_policy_config(load_stack_config(args.stack)), indent=2, sort_keys=True) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    else:
        print(text, end="")
    return EXIT_OK


def _readme(args: argparse.Namespace) -> int:
    from tools import schema
    from tools.harness import PROJECT_DIR
    from tools.readme import stale, sync

    if args.write:
        changed = sync(PROJECT_DIR)
        for name, path in changed:
            print(f"{path.relative_to(PROJECT_DIR)}: regenerated {name}")
        if not changed:
            print("README.md and docs/ already up to date")
        if schema.sync():
            print(f"{schema.SCHEMA_PATH.relative_to(schema.SCHEMA_PATH.parent.parent)}: regenerated")
        return 0
    old = stale(PROJECT_DIR)
    for name, path in old:
        print(f"{path.relative_to(PROJECT_DIR)}: section {name} is stale; run `./run readme --write`", file=sys.stderr)
    schema_stale = not schema.SCHEMA_PATH.is_file() or schema.SCHEMA_PATH.read_text() != schema.render()
    if schema_stale:
        print("docs/stack-file.schema.json is stale; run `./run readme --write`", file=sys.stderr)
    return 1 if old or schema_stale else 0


def _docs(args: argparse.Namespace) -> int:
    from tools import site
    from tools.harness import PROJECT_DIR

    built = site.build(PROJECT_DIR, PROJECT_DIR / "build" / "site")
    if built.returncode != 0:
        print(built.stdout + built.stderr, file=sys.stderr, end="")
        return EXIT_INPUT
    print(f"site: {(PROJECT_DIR / 'build' / 'site' / 'site' / 'index.html').relative_to(PROJECT_DIR)}")
    return EXIT_OK


def _cost(args: argparse.Namespace) -> int:
    from tools import cost

    first = cost.estimate_stack(args.stack)
    second = cost.estimate_stack(args.compare) if args.compare else None
    print(cost.render_compare(first, second) if second else cost.render(first))
    if args.json:
        cost.write_json(first, args.json)
    if second is not None:
        print("\n".join(cost.budget_lines(first) + cost.budget_lines(second)))
    return EXIT_BUDGET if first.over_budget() or (second is not None and second.over_budget()) else EXIT_OK


def _diagram(args: argparse.Namespace) -> int:
    from tools import diagram
    from tools.harness import load_stack_config, run_cached

    stack_file = load_stack_config(args.stack)
    arch = diagram.architecture(run_cached(stack_file.path), stack_file.name)
    print(diagram.mermaid(arch))
    files = diagram.write(arch, args.out, stack_file.stack)
    print(f"\nwrote {', '.join(str(f) for f in files)}", file=sys.stderr)
    if not diagram.graphviz_available():
        print("no PNG/SVG: graphviz's `dot` is not installed (./run installs it)", file=sys.stderr)
    return 0


def _stage(args: argparse.Namespace, run: Any, headline: Any, render: Any, clean: str, failed: Any,
           exit_code: int) -> int:
    """A verb that runs one stage over a stack's recorded graph: a headline, the findings, optional JSON."""
    from tools.harness import load_stack_config, run_cached

    stack_file = load_stack_config(args.stack)
    found = run(run_cached(stack_file.path), stack_file)
    print(headline(stack_file, found))
    print(render(found, stack_file) or clean)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(found.as_json(), indent=2, default=str) + "\n")
    return exit_code if failed(found) else EXIT_OK


def _preflight(args: argparse.Namespace) -> int:
    from tools.preflight import render_report, run_preflight

    return _stage(args, run_preflight, lambda s, f: (
        f"preflight of {s.name}: {f.resources} resources, {f.rules} rules, {len(f.errors)} error(s), "
        f"{len(f.advisories)} advisory finding(s)"), render_report, "  nothing AWS would refuse",
        lambda f: f.errors, EXIT_PREFLIGHT)


def _runtime(args: argparse.Namespace) -> int:
    from tools.runtime import render_report, run_runtime

    return _stage(args, run_runtime, lambda s, f: (
        f"run-time stage of {s.name}: {f.needs} needs, {f.requests} requests, {len(f.findings)} finding(s)"),
        render_report, "  every workload can do what it needs", lambda f: f.findings, EXIT_RUNTIME)


def _plan(args: argparse.Namespace) -> int:
    if args.watch:
        from tools.watch import watch

        return watch(args.stack)
    from policies.rules import POLICIES, RULES
    from tools import diagram, plan
    from tools.cost import estimate_stack
    from tools.harness import load_stack_config, run_cached
    from tools.policy_run import render_report, run_policies, stack_policy_config
    from tools.preflight import render_report as render_preflight
    from tools.preflight import run_preflight
    from tools.runtime import render_report as render_runtime
    from tools.runtime import run_runtime

    stack_file = load_stack_config(args.stack)
    monitor = run_cached(stack_file.path)  # one run per stack and process (tests share the session's)
    report = run_policies(monitor, POLICIES, stack_policy_config(stack_file, args.policy_config))
    found = run_preflight(monitor, stack_file)
    runtime = run_runtime(monitor, stack_file)
    print(plan.render_tree(monitor, stack_file, verbose=args.verbose))
    print("\npreflight (AWS's own data):")
    print(render_preflight(found, stack_file) or "  nothing AWS would refuse")
    print("\nrun time (what the workloads need once running):")
    print(render_runtime(runtime, stack_file) or "  every workload can do what it needs")
    print("\npolicies:")
    print(render_report(report, {r.name: r for r in RULES}, verbose=args.verbose) or "  no violations")
    if args.json:
        plan.write_json(monitor, stack_file, args.json, report, found, runtime)
    cost = estimate_stack(stack_file.path)  # prices the same cached run
    drawings = diagram.write(diagram.architecture(monitor, stack_file.name), DIAGRAM_DIR, stack_file.stack)
    print()
    print(plan.render_summary(monitor, stack_file, report, json_path=args.json, cost=cost, drawings=drawings,
                              preflight=found, runtime=runtime))
    if found.errors:
        return EXIT_PREFLIGHT
    if runtime.findings:
        return EXIT_RUNTIME
    if report.mandatory:
        return EXIT_POLICY
    return EXIT_BUDGET if cost.over_budget() else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    # Running the program imports deprecated pulumi_aws modules; their warnings are noise here.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    # A run that stops on bad input leaves Outputs nobody awaits; asyncio would log each one at exit.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("help", "-h", "--help") and len(argv) == 1:
        print(verbs_help())
        return EXIT_OK
    args = _parser().parse_args(argv)
    from stack_config import ConfigError
    from tools import diff, same_graph
    from tools.harness import HarnessError
    from tools.policy_run import PolicyConfigError
    from tools.stack_yaml import StackFileError

    verbs = {"plan": _plan, "preflight": _preflight, "runtime": _runtime, "cost": _cost, "diagram": _diagram, "readme": _readme, "docs": _docs,
             "policy-config": _policy_config, "new-stack": _new_stack, "refresh-prices": _refresh_prices,
             "same-graph": lambda a: same_graph.main([a.ref]), "diff": lambda a: diff.main(a.stack, a.base)}
    try:
        return verbs[args.verb](args)
    except (FileNotFoundError, ConfigError, HarnessError, PolicyConfigError, StackFileError, same_graph.RefError,
            same_graph.PlanError) as exc:
        # Bad input (a stack file, its config, a missing data stack): one message, no traceback.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception:  # noqa: BLE001 - anything else is our bug, never a policy verdict (exit 1)
        traceback.print_exc()
        print("internal error of the offline tools (exit 4); please report it with the traceback above",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
