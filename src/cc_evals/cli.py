"""The ``cc-evals`` command. Each subcommand is added by an ``add_<name>_parser`` function."""

from __future__ import annotations

import argparse
import os
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
    "self_awareness",
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


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    from cc_evals.report import add_report_parser as add

    add(sub)


def add_gate_parser(sub: argparse._SubParsersAction) -> None:
    from cc_evals.gate import add_gate_parser as add

    add(sub)


def add_suite_parser(sub: argparse._SubParsersAction) -> None:
    from cc_evals.suite import add_suite_parser as add

    add(sub)


def add_demo_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run a slice of the suite offline on the embedded SmolLM2 (needs cc-evals[local])",
        description=(
            "Start a private llama.cpp server for SmolLM2-135M-Instruct, run the slice in "
            "tasks/demo.yaml against it, write Inspect logs and print a per-family summary. "
            "The judge is the default judge if its API key is set, otherwise SmolLM2 itself "
            "(a toy judge, announced as such)."
        ),
    )
    p.add_argument(
        "--judge",
        default="auto",
        help="auto (default judge if its key is set, else the local toy judge), local, "
        "or any Inspect model name",
    )
    p.add_argument("--log-dir", default="logs", help="where the logs go (default: logs)")
    p.add_argument("--limit", type=int, help="samples per entry (overrides tasks/demo.yaml)")
    p.add_argument("--epochs", type=int, help="epochs per entry (overrides tasks/demo.yaml)")
    p.add_argument("--entry", action="append", help="run only this entry (its label); repeatable")
    p.add_argument("--model-file", help="a different GGUF to evaluate instead of SmolLM2")
    p.add_argument("--threads", type=int, default=2, help="llama.cpp threads (default 2)")
    p.add_argument("--max-connections", type=int, default=2, help="concurrent requests (default 2)")
    p.add_argument("--display", help="Inspect display (full, rich, plain, log, none)")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from cc_evals.demo import run_demo
    from cc_evals.local_server import LocalServerError

    for name in ("limit", "epochs", "threads", "max_connections"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    try:
        logs = run_demo(
            judge=args.judge,
            log_dir=args.log_dir,
            limit=args.limit,
            epochs=args.epochs,
            entries=args.entry,
            model_path=args.model_file,
            threads=args.threads,
            max_connections=args.max_connections,
            display=args.display,
        )
    except LocalServerError as ex:
        print(f"cc-evals demo: error: {ex}", file=sys.stderr)
        return 2
    return 0 if all(log.status == "success" for log in logs) else 1


def add_serve_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a local GGUF (default SmolLM2) for `inspect eval` (needs cc-evals[local])",
    )
    p.add_argument("--model-file", help="path to a .gguf file (default: the embedded SmolLM2)")
    p.add_argument("--alias", help="model name it answers to (default: file stem / smollm2)")
    p.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--threads", type=int, default=2, help="llama.cpp threads (default 2)")
    p.add_argument("--n-ctx", type=int, default=4096, help="context length (default 4096)")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import signal
    import time

    from cc_evals.local_server import SMOLLM2_ALIAS, LocalServerError, local_server

    alias = args.alias or (
        SMOLLM2_ALIAS if args.model_file is None else args.model_file.rsplit("/", 1)[-1]
    ).removesuffix(".gguf")
    try:
        with local_server(
            args.model_file, alias=alias, port=args.port, n_threads=args.threads, n_ctx=args.n_ctx
        ) as server:
            print(f"serving {server.model_path} as '{alias}' at {server.base_url}")
            print("evaluate it from another shell, e.g.:")
            print(
                f"  inspect eval cc_evals/self_report --model {server.model_name} "
                f"--model-base-url {server.base_url}"
            )
            print(
                f"  LLAMA_CPP_PYTHON_BASE_URL={server.base_url} inspect eval cc_evals/self_report "
                f"--model {server.model_name} --model-role grader=<judge>"
            )
            print("stop with Ctrl-C", flush=True)
            # `kill` should stop the server as cleanly as Ctrl-C does (the `with` stops it)
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
            while server.running():
                time.sleep(1)
            print(f"cc-evals serve: error: server exited; log {server.log_path}", file=sys.stderr)
            return 1
    except LocalServerError as ex:
        print(f"cc-evals serve: error: {ex}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def add_external_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "external",
        help="print the inspect_evals commands run beside ours (tasks/external_evals.yaml)",
    )
    p.add_argument("--model", default="$MODEL", help="model to put in the commands")
    p.set_defaults(handler=cmd_external)


def cmd_external(args: argparse.Namespace) -> int:
    from cc_evals.external import command, load_external_evals

    for ev in load_external_evals():
        print(f"# {ev.name} ({ev.checks}): {ev.purpose}")
        print(command(ev, args.model))
    return 0


def add_introspection_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "introspection-compare",
        help="self- vs cross-prediction accuracy per task x property from two introspection logs",
    )
    p.add_argument("self_log", help="model A's cc_evals/introspection log")
    p.add_argument("cross_log", help="model B's log, run with -T behavior_log=<self_log>")
    p.set_defaults(handler=cmd_introspection_compare)


def cmd_introspection_compare(args: argparse.Namespace) -> int:
    from cc_evals.introspection.compare import compare, format_table

    print(format_table(*compare(args.self_log, args.cross_log)))
    return 0


PARSERS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_list_parser,
    add_report_parser,
    add_gate_parser,
    add_suite_parser,
    add_demo_parser,
    add_serve_parser,
    add_introspection_parser,
    add_external_parser,
]


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
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
