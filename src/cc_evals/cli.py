"""The ``cc-evals`` command. Each subcommand is added by an ``add_<name>_parser`` function."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]

# task-name prefixes that make a family (longest match wins)
FAMILIES = [
    "preferences",
    "self_report",
    "emergent_misalignment",
    "introspection",
    "petri",
    "collaborative_edit",
]


def family_of(task_name: str) -> str:
    short = task_name.removeprefix("cc_evals/")
    matches = [f for f in FAMILIES if short.startswith(f)]
    return max(matches, key=len) if matches else short


def add_list_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list families, registered tasks and preference dimensions")
    p.set_defaults(handler=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    from inspect_ai._util.registry import registry_find, registry_info

    import cc_evals._registry  # noqa: F401  (registers every task)
    from cc_evals.preferences.dimensions import dimension_ids, load_dimension

    names = sorted(
        registry_info(t).name
        for t in registry_find(lambda i: i.type == "task" and i.name.startswith("cc_evals/"))
    )
    families: dict[str, list[str]] = {}
    for name in names:
        families.setdefault(family_of(name), []).append(name)
    print(f"{len(names)} tasks in {len(families)} families\n")
    for family, tasks in families.items():
        print(f"{family} ({len(tasks)} tasks)")
        for name in tasks:
            print(f"  {name}")
    print("\npreference dimensions (inspect eval cc_evals/preferences_<id>):")
    print(f"  {'id':28} {'cluster':18} prompts  name")
    for did in dimension_ids():
        dim = load_dimension(did)
        print(f"  {dim.id:28} {dim.cluster:18} {len(dim.prompts):7}  {dim.name}")
    return 0


PARSERS: list[Callable[[argparse._SubParsersAction], None]] = [add_list_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cc-evals", description="cc_evals: Inspect evaluations of an LLM's self-model"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for add in PARSERS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (ValueError, FileNotFoundError) as ex:
        print(f"cc-evals {args.command}: error: {ex}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
