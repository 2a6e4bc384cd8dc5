"""`python -m tools <verb> <stack | stack file> [options]`: the offline CLI.

Verbs:
  plan              evaluate the program for a stack under mocks; print the resource tree;
                    --json FILE writes the recorded graph.
  cost              estimated monthly cost, itemised per component and resource (fixed and usage
                    lines, tools/prices.yaml); --json FILE writes it; --compare B shows B beside it.
  readme            check the README's generated sections (config reference from stack_config.py,
                    policy coverage from policies/rules.py); --write regenerates them.

Exit codes: 0 fine, 1 the program or a check failed, 2 the stack config is invalid (or missing).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools", description=__doc__.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    plan = verbs.add_parser("plan", help="evaluate a stack offline and print its resource tree")
    plan.add_argument("stack", help="stack name (dev, prod) or path to a Pulumi.<stack>.yaml file")
    plan.add_argument("--json", metavar="FILE", type=Path, help="write the recorded graph (and policy results) as JSON")
    plan.add_argument("--policy-config", metavar="FILE", type=Path,
                      help="policy pack config (default: policies/config.<stack>.json when it exists)")
    cost = verbs.add_parser("cost", help="estimate a stack's monthly cost offline")
    cost.add_argument("stack", help="stack name (dev, prod) or path to a Pulumi.<stack>.yaml file")
    cost.add_argument("--json", metavar="FILE", type=Path, help="write the estimate as JSON")
    cost.add_argument("--compare", metavar="STACK", help="a second stack (or file) to show side by side")
    readme = verbs.add_parser("readme", help="check (or --write) the README's generated sections")
    readme.add_argument("--write", action="store_true", help="regenerate the stale sections in README.md")
    return parser


def _readme(args: argparse.Namespace) -> int:
    from tools.harness import PROJECT_DIR
    from tools.readme import SECTIONS, current, render, sync_readme

    path = PROJECT_DIR / "README.md"
    if args.write:
        changed = sync_readme(path)
        print(f"README.md: regenerated {', '.join(changed)}" if changed else "README.md already up to date")
        return 0
    text = path.read_text()
    stale = [name for name in SECTIONS if current(text, name) != render(name)]
    for name in stale:
        print(f"README.md: section {name} is stale; run `./run readme --write`", file=sys.stderr)
    return 1 if stale else 0


def _cost(args: argparse.Namespace) -> int:
    from stack_config import ConfigError
    from tools import cost

    try:
        first = cost.estimate_stack(args.stack)
        second = cost.estimate_stack(args.compare) if args.compare else None
    except (FileNotFoundError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(cost.render_compare(first, second) if second else cost.render(first))
    if args.json:
        cost.write_json(first, args.json)
    return 0


def _plan(args: argparse.Namespace) -> int:
    from policies.rules import POLICIES, RULES
    from stack_config import ConfigError
    from tools import plan
    from tools.harness import load_stack_config, run_program
    from tools.policy_run import PolicyConfigError, load_policy_config, render_report, run_policies

    try:
        stack_file = load_stack_config(args.stack)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        monitor = run_program(stack_file.path)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        report = run_policies(monitor, POLICIES, load_policy_config(stack_file.stack, args.policy_config))
    except PolicyConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(plan.render_tree(monitor, stack_file))
    print("\npolicies:")
    print(render_report(report, {r.name: r for r in RULES}) or "  no violations")
    if args.json:
        plan.write_json(monitor, stack_file, args.json, report)
    print()
    print(plan.render_summary(monitor, stack_file, report, json_path=args.json))
    return 1 if report.mandatory else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    # Running the program imports deprecated pulumi_aws modules; their warnings are noise here.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = _parser().parse_args(argv)
    return {"plan": _plan, "cost": _cost, "readme": _readme}[args.verb](args)


if __name__ == "__main__":
    sys.exit(main())
