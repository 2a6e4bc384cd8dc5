"""`python -m tools <verb> <stack | stack file> [options]`: the offline CLI.

Verbs:
  plan              evaluate the program for a stack under mocks; print the resource tree;
                    --json FILE writes the recorded graph.
  config-reference  print the config reference (Markdown) generated from stack_config.py;
                    --write updates README.md in place.

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
    plan.add_argument("--json", metavar="FILE", type=Path, help="write the recorded graph as JSON")
    ref = verbs.add_parser("config-reference", help="print the README's config reference, generated from the model")
    ref.add_argument("--write", action="store_true", help="update the section in README.md")
    return parser


def _config_reference(args: argparse.Namespace) -> int:
    from tools.docs import config_reference
    from tools.harness import PROJECT_DIR
    from tools.readme import sync_readme

    if args.write:
        changed = sync_readme(PROJECT_DIR / "README.md")
        print("README.md updated" if changed else "README.md already up to date")
    else:
        print(config_reference())
    return 0


def _plan(args: argparse.Namespace) -> int:
    from stack_config import ConfigError
    from tools import plan
    from tools.harness import load_stack_config, run_program

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
    print(plan.render_tree(monitor, stack_file))
    if args.json:
        plan.write_json(monitor, stack_file, args.json)
        print(f"\nrecorded graph written to {args.json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    # Running the program imports deprecated pulumi_aws modules; their warnings are noise here.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = _parser().parse_args(argv)
    return {"plan": _plan, "config-reference": _config_reference}[args.verb](args)


if __name__ == "__main__":
    sys.exit(main())
