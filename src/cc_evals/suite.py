"""``cc-evals suite FILE``: run tasks x conditions x models x epochs from a YAML suite file.

Runs through ``inspect_ai.eval_set`` so a suite is resumable (re-running the same command in the
same log directory skips finished tasks) and retried on errors. Unlike plain ``inspect eval``,
which exits 0 even when a task ends in error, this exits 1 and lists every task that did not
finish successfully.

Suite file (see tasks/paper_replication.yaml)::

    name: paper_replication            # default log dir: logs/<name>
    log_dir: logs/paper_replication    # optional
    models: [openai/gpt-4.1-2025-04-14]
    model_roles: {grader: openai/gpt-4.1-2025-04-14}
    conditions: [vanilla, roleplay]
    epochs: 5                          # optional; else each task's own default
    retry_attempts: 3                  # optional
    options: {max_connections: 20}     # optional; passed to eval_set
    tasks:
      - task: cc_evals/preferences
        args: {judge_mode: text}
    external: all                      # optional: inspect_evals sanity checks from
                                       # tasks/external_evals.yaml (all, or a list of names);
                                       # run once per model, conditions do not apply
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from cc_evals import store
from cc_evals.data import load_yaml, strip_lines
from cc_evals.paths import tasks_dir
from cc_evals.suite_run import (
    TASK_PREFIX,
    Unit,
    UnitResult,
    build_unit_task,
    default_workers,
    parse_shard,
    run_units,
    shard_units,
)

if TYPE_CHECKING:  # cc_evals.tinker imports Inspect; loaded only when a suite names models
    from cc_evals.tinker import PublishedModel

KNOWN_KEYS = {
    "name",
    "description",
    "log_dir",
    "models",
    "model_roles",
    "conditions",
    "epochs",
    "retry_attempts",
    "options",
    "tasks",
    "external",
    "published_models",
}


@dataclass(frozen=True)
class SuiteTask:
    task: str
    args: dict[str, Any]
    line: int


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    log_dir: str
    models: list[str]
    model_roles: dict[str, str]
    conditions: list[str]
    epochs: int | None
    retry_attempts: int | None
    options: dict[str, Any]
    tasks: list[SuiteTask] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    published: list[PublishedModel] = field(default_factory=list)

    def model_labels(self) -> dict[str, str]:
        """What each published model is ("base model", "conscious_claiming seed 100 of ...")."""
        labels: dict[str, str] = {}
        for p in self.published:
            labels.setdefault(p.base_model, "base model")
            if p.checkpoint_model:
                labels[p.checkpoint_model] = p.label()
        return labels


def resolve_suite_path(name: str, beside: Path | None = None) -> Path:
    """A path, or a bare name looked up beside the suite file, then in tasks/
    (``paper_replication``)."""
    path = Path(name)
    if path.is_file():
        return path
    folders = [beside] if beside is not None else []
    candidates = [f / n for f in [*folders, tasks_dir()] for n in (name, f"{name}.yaml")]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name}: no such suite file (also looked in {tasks_dir()})")


def load_suite(name: str) -> Suite:
    path = resolve_suite_path(name)
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}:1: a suite file is a mapping with name, models, tasks, ...")
    line = raw.get("__line__", 1)
    unknown = sorted(set(raw) - KNOWN_KEYS - {"__line__"})
    if unknown:
        raise ValueError(f"{path}:{line}: unknown key(s) {', '.join(unknown)}")

    def need_list(key: str, default: list[Any] | None = None) -> list[Any]:
        value = raw.get(key, default)
        if not isinstance(value, list) or not value:
            raise ValueError(f"{path}:{line}: '{key}' must be a non-empty list")
        return value

    suite_name = str(raw.get("name") or path.stem)
    tasks: list[SuiteTask] = []
    for entry in need_list("tasks"):
        if isinstance(entry, str):
            entry = {"task": entry}
        entry_line = entry.get("__line__", line) if isinstance(entry, dict) else line
        if not isinstance(entry, dict) or not isinstance(entry.get("task"), str):
            raise ValueError(f"{path}:{entry_line}: each task needs 'task: cc_evals/<name>'")
        if not entry["task"].startswith(TASK_PREFIX):
            raise ValueError(
                f"{path}:{entry_line}: task {entry['task']!r} is not a cc_evals task "
                f"(names start with {TASK_PREFIX!r})"
            )
        args = strip_lines(entry.get("args") or {})
        if not isinstance(args, dict):
            raise ValueError(f"{path}:{entry_line}: 'args' must be a mapping")
        if "condition" in args:
            raise ValueError(
                f"{path}:{entry_line}: set conditions with the suite's 'conditions' list, "
                "not in task args"
            )
        tasks.append(SuiteTask(entry["task"], args, int(entry_line or line)))
    epochs = raw.get("epochs")
    if epochs is not None and (not isinstance(epochs, int) or epochs < 1):
        raise ValueError(f"{path}:{line}: 'epochs' must be a positive integer")
    roles = strip_lines(raw.get("model_roles") or {})
    options = strip_lines(raw.get("options") or {})
    if not isinstance(roles, dict) or not isinstance(options, dict):
        raise ValueError(f"{path}:{line}: 'model_roles' and 'options' must be mappings")
    external = _external_names(raw.get("external"), path, line)
    published: list[PublishedModel] = []
    if raw.get("published_models") is not None:
        from cc_evals.tinker import load_published_models

        published = load_published_models(
            resolve_suite_path(str(raw["published_models"]), path.parent)
        )
    models = [str(m) for m in raw.get("models") or []]
    if not published:
        models = [str(m) for m in need_list("models")]
    for p in published:
        # each base model first, then its checkpoints; entries without a path are not runnable
        for model in (p.base_model, p.checkpoint_model):
            if model and model not in models:
                models.append(model)
    return Suite(
        name=suite_name,
        path=path,
        log_dir=str(raw.get("log_dir") or f"logs/{suite_name}"),
        models=models,
        model_roles={str(k): str(v) for k, v in roles.items()},
        conditions=[str(c) for c in need_list("conditions", ["vanilla"])],
        epochs=epochs,
        retry_attempts=raw.get("retry_attempts"),
        options=options,
        tasks=tasks,
        external=external,
        published=published,
    )


def _external_names(value: Any, path: Path, line: int) -> list[str]:
    """Names from tasks/external_evals.yaml selected by ``external: all | [names]``."""
    if value is None:
        return []
    from cc_evals.external import load_external_evals

    known = [e.name for e in load_external_evals()]
    if value == "all":
        return known
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{path}:{line}: 'external' must be 'all' or a list of names")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ValueError(
            f"{path}:{line}: unknown external eval(s) {', '.join(unknown)}; "
            f"known (tasks/external_evals.yaml): {', '.join(known)}"
        )
    return list(value)


def check_tasks(suite: Suite) -> None:
    """Every task is registered and takes every arg it is given (checked without building it,
    so ``--dry-run`` catches a typo that would otherwise fail only when the suite starts)."""
    import inspect

    import cc_evals._registry  # noqa: F401  (registers every task)
    from cc_evals._inspect import registry_lookup
    from cc_evals.task_args import ArgSpec, arg_specs, check_task_args

    for entry in suite.tasks:
        fn = registry_lookup("task", entry.task)
        if fn is None:
            raise ValueError(
                f"{suite.path}:{entry.line}: unknown task {entry.task!r} (see `cc-evals list`)"
            )
        specs = arg_specs(fn)
        if specs is None:  # not a cc_task: only the names can be checked
            params = inspect.signature(cast(Callable[..., Any], fn)).parameters
            if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
                continue
            specs = {name: ArgSpec(name, "any") for name in params}
        # the same check the task runs on its -T values (names, types, ranges)
        known = {k: v for k, v in entry.args.items() if k in specs}
        unknown = {k: v for k, v in entry.args.items() if k not in specs}
        try:
            check_task_args(specs, known, unknown)
        except ValueError as ex:
            raise ValueError(f"{suite.path}:{entry.line}: {entry.task}: {ex}") from None


def check_conditions(suite: Suite) -> None:
    from cc_evals.conditions import conditions as known_conditions

    known = set(known_conditions())
    for c in suite.conditions:
        if c not in known:
            raise ValueError(
                f"{suite.path}: unknown condition {c!r}; known: {', '.join(sorted(known))}"
            )


def suite_units(suite: Suite, models: list[str]) -> list[Unit]:
    """Every run of the suite in its fixed order: tasks x conditions x models, then externals."""
    units = [
        Unit(entry.task, dict(entry.args), condition, model)
        for entry in suite.tasks
        for condition in suite.conditions
        for model in models
    ]
    units += [
        Unit(name, {}, None, model, external=True) for name in suite.external for model in models
    ]
    return units


def _external_tasks(suite: Suite) -> list[Any]:
    """The selected inspect_evals tasks, once each (they set their own system prompts)."""
    return [build_unit_task(suite, u, {}) for u in suite_units(suite, ["-"]) if u.external]


def eval_options(suite: Suite, overrides: dict[str, Any]) -> dict[str, Any]:
    """eval_set keyword arguments: the suite's options, its epochs/retries, then overrides."""
    kwargs: dict[str, Any] = {"log_realtime": False, **suite.options, **overrides}
    if suite.epochs is not None:
        kwargs.setdefault("epochs", suite.epochs)
    if suite.retry_attempts is not None:
        kwargs.setdefault("retry_attempts", suite.retry_attempts)
    return kwargs


def run_suite(
    suite: Suite,
    *,
    models: list[Any] | None = None,
    model_roles: dict[str, Any] | None = None,
    log_dir: str | None = None,
    workers: int = 1,
    shard: tuple[int, int] | None = None,
    **overrides: Any,
) -> tuple[int, list[Any]]:
    """Run the suite (or one shard); returns (exit code, logs of the units run in this process).
    ``models``/``model_roles`` override the file's (tests pass scripted models)."""
    results = list(
        iter_suite(
            suite,
            models=models,
            model_roles=model_roles,
            log_dir=log_dir,
            workers=workers,
            shard=shard,
            **overrides,
        )
    )
    return exit_code(results), [log for r in results for log in r.logs]


def iter_suite(
    suite: Suite,
    *,
    models: list[Any] | None = None,
    model_roles: dict[str, Any] | None = None,
    log_dir: str | None = None,
    workers: int = 1,
    shard: tuple[int, int] | None = None,
    **overrides: Any,
) -> Iterator[UnitResult]:
    check_tasks(suite)
    check_conditions(suite)
    root = log_dir or suite.log_dir
    if store.is_remote(root):  # a missing bucket or package: one line before any unit runs
        store.check_bucket(root)
    chosen = models if models is not None else suite.models
    by_name = {str(m): m for m in chosen}
    roles: dict[str, Any] = dict(model_roles if model_roles is not None else suite.model_roles)
    units = shard_units(suite_units(suite, list(by_name)), shard)
    yield from run_units(
        suite,
        units,
        models=by_name,
        roles=roles,
        log_root=root,
        eval_kwargs=eval_options(suite, overrides),
        workers=workers,
    )


def exit_code(results: list[UnitResult]) -> int:
    if any(r.status == "cancelled" for r in results):
        return 130
    return 0 if all(r.status == "success" for r in results) else 1


def add_suite_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("suite", help="run a YAML suite (tasks x conditions x models) via eval-set")
    p.add_argument("file", help="suite YAML (path, or a name in tasks/, e.g. paper_replication)")
    p.add_argument("--log-dir", default=None, help="override the suite's log_dir (any fsspec path)")
    p.add_argument("--limit", type=int, default=None, help="samples per task (for a smoke run)")
    p.add_argument(
        "--model", action="append", default=None, help="override the suite's models (repeatable)"
    )
    p.add_argument(
        "--model-role",
        action="append",
        default=[],
        metavar="ROLE=MODEL",
        help="override a model role, e.g. grader=openai/gpt-4.1 (repeatable)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes running the suite's units in parallel (default: the number of cores)",
    )
    p.add_argument(
        "--shard",
        default=None,
        metavar="I/N",
        help="run only shard I of N (units I, I+N, ...); shards share the log directory",
    )
    p.add_argument(
        "--live", action="store_true", help="log sample events in realtime (for inspect view)"
    )
    p.add_argument("--max-connections", type=int, default=None, help="per model, per process")
    p.add_argument("--reasoning-effort", default=None, help="passed to the target (Inspect's)")
    p.add_argument("--reasoning-tokens", type=int, default=None, help="passed to the target")
    p.add_argument(
        "--display", default=None, help="Inspect display for --workers 1 (default: none)"
    )
    p.add_argument("--dry-run", action="store_true", help="list the runs and exit")
    p.set_defaults(handler=cmd_suite)


def cmd_suite(args: argparse.Namespace) -> int:
    suite = load_suite(args.file)
    models = args.model or suite.models
    shard = parse_shard(args.shard) if args.shard else None
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    units = shard_units(suite_units(suite, models), shard)
    log_root = args.log_dir or suite.log_dir
    runs = (len(suite.tasks) * len(suite.conditions) + len(suite.external)) * len(models)
    external = f" + {len(suite.external)} external" if suite.external else ""
    part = f"; shard {shard[0]}/{shard[1]}: {len(units)} of them" if shard else ""
    print(
        f"suite {suite.name}: ({len(suite.tasks)} task(s) x {len(suite.conditions)} condition(s)"
        f"{external}) x {len(models)} model(s) = {runs} runs{part} -> {log_root}"
    )
    if args.dry_run:
        check_tasks(suite)
        labels = suite.model_labels()
        if labels:
            print("models:")
            for m in models:
                print(f"  {m}" + (f"  ({labels[m]})" if m in labels else ""))
            for p in suite.published:
                if not p.checkpoint:
                    print(
                        f"  to be filled: {p.label()} (checkpoint unknown, "
                        f"published_models.yaml:{p.line}; source: {p.source})"
                    )
        for unit in units:
            print(f"  {unit.label()}")
        return 0
    roles: dict[str, Any] = dict(suite.model_roles)
    for spec in args.model_role:
        role, sep, model = spec.partition("=")
        if not sep or not role or not model:
            raise ValueError(f"--model-role {spec!r}: expected ROLE=MODEL")
        roles[role] = model
    overrides: dict[str, Any] = {"display": args.display or "none"}
    for name in ("limit", "max_connections", "reasoning_effort", "reasoning_tokens"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    if args.live:
        overrides["log_realtime"] = True
    print(f"running {len(units)} unit(s) in {min(workers, max(len(units), 1))} process(es)")
    return run_and_report(
        suite, models, roles, log_root, workers, shard, overrides, command=resume_command(args)
    )


def resume_command(args: argparse.Namespace) -> str:
    """The command line to resume with: the one given."""
    import shlex

    return (
        "cc-evals " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        if sys.argv[1:]
        else (f"cc-evals suite {args.file}")
    )


def run_and_report(
    suite: Suite,
    models: list[Any],
    roles: dict[str, Any],
    log_root: str,
    workers: int,
    shard: tuple[int, int] | None,
    overrides: dict[str, Any],
    *,
    command: str,
) -> int:
    """Run, print each unit as it finishes and one combined status; 130 on Ctrl-C."""
    from cc_evals._inspect import PrerequisiteError
    from cc_evals.errors import plain_message

    results: list[UnitResult] = []
    interrupted = False
    try:
        for result in iter_suite(
            suite,
            models=models,
            model_roles=roles,
            log_dir=log_root,
            workers=workers,
            shard=shard,
            **overrides,
        ):
            results.append(result)
            print(f"  {_mark(result)} {result.unit.label()}{_detail(result)}", flush=True)
            if result.status == "cancelled":
                interrupted = True
    except PrerequisiteError as ex:
        # e.g. a missing API key for the grader: Inspect's one-line message, no traceback
        text = plain_message(ex)
        print(f"cc-evals suite: error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupted = True
    return summarize(
        results,
        len(shard_units(suite_units(suite, [str(m) for m in models]), shard)),
        interrupted,
        command,
    )


def _mark(result: UnitResult) -> str:
    return {"success": "ok    ", "cancelled": "CANCEL"}.get(result.status, "FAILED")


def _detail(result: UnitResult) -> str:
    parts = [f" ({result.status}, {result.samples} samples, {result.seconds:.0f}s)"]
    if result.rejudged:
        parts.append(f"; re-judged {result.rejudged} sample(s) after a judge outage")
    if result.error:
        parts.append(f": {result.error}")
    return "".join(parts)


def summarize(results: list[UnitResult], total: int, interrupted: bool, command: str) -> int:
    """The combined status; the exit code (0 all ok, 1 some failed, 130 interrupted)."""
    ok = sum(1 for r in results if r.status == "success")
    samples = sum(r.samples for r in results)
    outages = sum(r.outages_left for r in results)
    print(f"suite: {ok} of {total} unit(s) finished successfully, {samples} samples")
    if outages:
        print(
            f"cc-evals suite: {outages} sample(s) are unscored because the judge could not be "
            f"reached (grader_failed); re-run the same command to re-judge them without calling "
            f"the target again:\n  {command}",
            file=sys.stderr,
        )
    if interrupted:
        print(
            f"cc-evals suite: interrupted after {ok} of {total} unit(s); finished work is kept. "
            f"Resume with the same command:\n  {command}",
            file=sys.stderr,
        )
        return 130
    failed = [r for r in results if r.status != "success"]
    if failed or len(results) < total:
        print(
            f"cc-evals suite: {len(failed) + total - len(results)} unit(s) did not finish "
            f"successfully; re-run the same command to resume:\n  {command}",
            file=sys.stderr,
        )
        return 1
    return 0
