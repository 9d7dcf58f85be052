"""The ``cc-evals`` command. Each subcommand is added by an ``add_<name>_parser`` function."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from cc_evals.families import FAMILIES, family_of

Handler = Callable[[argparse.Namespace], int]
type SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]  # lazily evaluated
# exit status after Ctrl-C (128 + SIGINT), as a shell reports a command killed by it
INTERRUPTED = 130

__all__ = ["FAMILIES", "family_of", "main"]


def add_list_parser(sub: SubParsers) -> None:
    p = sub.add_parser("list", help="list families, registered tasks and preference dimensions")
    p.set_defaults(handler=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    from cc_evals.families import registered_tasks
    from cc_evals.petri.seeds import seed_counts
    from cc_evals.preferences.dimensions import dimension_ids, load_dimension

    names = registered_tasks()
    families: dict[str, list[str]] = {f: [] for f in FAMILIES}
    for name in names:
        families.setdefault(family_of(name), []).append(name)
    families = {f: tasks for f, tasks in families.items() if tasks}
    print(f"{len(names)} tasks in {len(families)} families\n")
    for family, tasks in families.items():
        print(f"{family} ({len(tasks)} tasks)")
        for name in tasks:
            print(f"  {name}")
    seeds = seed_counts()
    print("\npreference dimensions (inspect eval cc_evals/preferences_<id>;")
    print("petri seeds: audited by cc_evals/petri_* only where > 0):")
    print(f"  {'id':28} {'cluster':18} prompts  petri seeds  name")
    for did in dimension_ids():
        dim = load_dimension(did)
        print(f"  {dim.id:28} {dim.cluster:18} {len(dim.prompts):7}  {seeds[did]:11}  {dim.name}")
    return 0


def add_report_parser(sub: SubParsers) -> None:
    from cc_evals.report import add_report_parser as add

    add(sub)


def add_gate_parser(sub: SubParsers) -> None:
    from cc_evals.gate import add_gate_parser as add

    add(sub)


def add_plan_parser(sub: SubParsers) -> None:
    from cc_evals.plan import add_plan_parser as add

    add(sub)


def add_suite_parser(sub: SubParsers) -> None:
    from cc_evals.suite import add_suite_parser as add

    add(sub)


def add_demo_parser(sub: SubParsers) -> None:
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
    from cc_evals.demo import DemoInterrupted, resume_command, run_demo
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
    except DemoInterrupted as ex:
        options = {k: getattr(args, k) for k in DEMO_OPTIONS}
        print(
            f"\ncc-evals demo: interrupted (Ctrl-C); the local server is stopped.\n"
            f"  finished: {', '.join(ex.finished) or 'nothing'}\n"
            f"  not finished: {', '.join(ex.unfinished) or 'nothing'}\n"
            f"  logs: {ex.log_dir}\n"
            f"  run the rest: {resume_command(options, ex.unfinished)}",
            file=sys.stderr,
        )
        return INTERRUPTED
    return 0 if all(log.status == "success" for log in logs) else 1


# the demo's options, as `cc-evals demo` takes them (for the command that runs the rest)
DEMO_OPTIONS = (
    "judge",
    "log_dir",
    "limit",
    "epochs",
    "model_file",
    "threads",
    "max_connections",
    "display",
)


def add_serve_parser(sub: SubParsers) -> None:
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
            print(
                f"serving {server.model_path} as '{alias}' at {server.base_url} "
                f"(sampling seed {server.seed}, fresh each start)"
            )
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
        print("\ncc-evals serve: interrupted (Ctrl-C); the server is stopped", file=sys.stderr)
        return INTERRUPTED


def add_external_parser(sub: SubParsers) -> None:
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


def add_introspection_parser(sub: SubParsers) -> None:
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


def add_judge_check_parser(sub: SubParsers) -> None:
    from cc_evals.judge_cli import add_judge_parsers

    add_judge_parsers(sub)


def add_export_parser(sub: SubParsers) -> None:
    from cc_evals.training.export import add_export_parser as add

    add(sub)


# command name -> the function that adds its parser (judge-check and judge-agreement share one).
# Only the named command's parser is built: the report parser alone imports pandas, scipy and
# seaborn, seconds of start-up that `cc-evals suite` and each of its worker processes don't need.
PARSERS: dict[str, Callable[[SubParsers], None]] = {
    "list": add_list_parser,
    "report": add_report_parser,
    "gate": add_gate_parser,
    "plan": add_plan_parser,
    "suite": add_suite_parser,
    "demo": add_demo_parser,
    "serve": add_serve_parser,
    "introspection-compare": add_introspection_parser,
    "external": add_external_parser,
    "judge-check": add_judge_check_parser,
    "judge-agreement": add_judge_check_parser,
    "export": add_export_parser,
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` alone when it is one of PARSERS."""
    parser = argparse.ArgumentParser(
        prog="cc-evals", description="cc_evals: Inspect evaluations of an LLM's self-model"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    adders = [PARSERS[command]] if command in PARSERS else PARSERS.values()
    for add in dict.fromkeys(adders):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(words[0] if words else None).parse_args(words)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (ValueError, FileNotFoundError) as ex:
        print(f"cc-evals {args.command}: error: {ex}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ncc-evals {args.command}: interrupted (Ctrl-C)", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
