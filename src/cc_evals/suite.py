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
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cc_evals.data import load_yaml, strip_lines
from cc_evals.paths import tasks_dir
from cc_evals.tinker import PublishedModel, load_published_models, provider_error_line

TASK_PREFIX = "cc_evals/"
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
        tasks.append(SuiteTask(entry["task"], args, entry_line))
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

    from inspect_ai._util.registry import registry_lookup

    import cc_evals._registry  # noqa: F401  (registers every task)

    for entry in suite.tasks:
        fn = registry_lookup("task", entry.task)
        if fn is None:
            raise ValueError(
                f"{suite.path}:{entry.line}: unknown task {entry.task!r} (see `cc-evals list`)"
            )
        params = inspect.signature(fn).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            continue
        unknown = sorted(set(entry.args) - set(params))
        if unknown:
            raise ValueError(
                f"{suite.path}:{entry.line}: {entry.task} takes no argument(s) "
                f"{', '.join(unknown)}; it takes {', '.join(p for p in params if p != 'condition')}"
            )


def build_tasks(suite: Suite, roles: dict[str, Any]) -> list[Any]:
    """One Task per (suite task, condition), created through the cc_evals task registry.

    Tasks are created here (not by name inside eval_set) because each needs its own condition
    argument. Model roles are bound first so a task that resolves its grader eagerly gets the
    suite's grader rather than the default.
    """
    from inspect_ai._util.registry import registry_lookup
    from inspect_ai.model import get_model
    from inspect_ai.model._model import init_model_roles

    import cc_evals._registry  # noqa: F401  (registers every task)
    from cc_evals.conditions import conditions as known_conditions

    check_tasks(suite)
    known = set(known_conditions())
    for c in suite.conditions:
        if c not in known:
            raise ValueError(
                f"{suite.path}: unknown condition {c!r}; known: {', '.join(sorted(known))}"
            )
    init_model_roles({k: v if not isinstance(v, str) else get_model(v) for k, v in roles.items()})
    try:
        out = []
        for entry in suite.tasks:
            fn = registry_lookup("task", entry.task)
            if fn is None:
                raise ValueError(
                    f"{suite.path}:{entry.line}: unknown task {entry.task!r} (see `cc-evals list`)"
                )
            for condition in suite.conditions:
                out.append(fn(condition=condition, **entry.args))  # type: ignore[operator]
        out.extend(_external_tasks(suite))
        return out
    finally:
        init_model_roles({})


def _external_tasks(suite: Suite) -> list[Any]:
    """The selected inspect_evals tasks, once each (they set their own system prompts)."""
    if not suite.external:
        return []
    from inspect_ai._util.registry import registry_lookup

    from cc_evals.external import load_external_evals

    by_name = {e.name: e for e in load_external_evals()}
    out = []
    for name in suite.external:
        ev = by_name[name]
        fn = registry_lookup("task", ev.task)
        if fn is None:
            raise ValueError(
                f"{suite.path}: external eval {name!r} needs task {ev.task!r}, which is not "
                "installed (pip install inspect-evals)"
            )
        out.append(fn(**ev.args))  # type: ignore[operator]
    return out


def run_suite(
    suite: Suite,
    *,
    models: list[Any] | None = None,
    model_roles: dict[str, Any] | None = None,
    log_dir: str | None = None,
    **overrides: Any,
) -> tuple[int, list[Any]]:
    """Run the suite; returns (exit code, logs). ``models``/``model_roles`` override the file's
    (tests pass scripted models)."""
    from inspect_ai import eval_set

    roles: dict[str, Any] = dict(model_roles if model_roles is not None else suite.model_roles)
    tasks = build_tasks(suite, roles)
    kwargs: dict[str, Any] = {**suite.options, **overrides}
    if suite.epochs is not None:
        kwargs.setdefault("epochs", suite.epochs)
    if suite.retry_attempts is not None:
        kwargs.setdefault("retry_attempts", suite.retry_attempts)
    try:
        success, logs = eval_set(
            tasks,
            log_dir=log_dir or suite.log_dir,
            model=models if models is not None else suite.models,
            model_roles=roles or None,
            **kwargs,
        )
    except TypeError as ex:
        raise ValueError(f"{suite.path}: bad option in 'options': {ex}") from None
    failed = [log for log in logs if log.status != "success"]
    if success and not failed:
        return 0, logs
    return 1, logs


def add_suite_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suite", help="run a YAML suite (tasks x conditions x models) via eval-set")
    p.add_argument("file", help="suite YAML (path, or a name in tasks/, e.g. paper_replication)")
    p.add_argument("--log-dir", default=None, help="override the suite's log_dir")
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
    p.add_argument("--dry-run", action="store_true", help="list the runs and exit")
    p.set_defaults(handler=cmd_suite)


def cmd_suite(args: argparse.Namespace) -> int:
    suite = load_suite(args.file)
    models = args.model or suite.models
    runs = (len(suite.tasks) * len(suite.conditions) + len(suite.external)) * len(models)
    external = f" + {len(suite.external)} external" if suite.external else ""
    print(
        f"suite {suite.name}: ({len(suite.tasks)} task(s) x {len(suite.conditions)} condition(s)"
        f"{external}) x {len(models)} model(s) = {runs} runs -> {args.log_dir or suite.log_dir}"
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
        for t in suite.tasks:
            for c in suite.conditions:
                for m in models:
                    print(f"  {t.task} condition={c} {t.args or ''} model={m}")
        for name in suite.external:
            for m in models:
                print(f"  external {name} model={m}")
        return 0
    roles: dict[str, Any] = dict(suite.model_roles)
    for spec in args.model_role:
        role, sep, model = spec.partition("=")
        if not sep or not role or not model:
            raise ValueError(f"--model-role {spec!r}: expected ROLE=MODEL")
        roles[role] = model
    overrides: dict[str, Any] = {}
    if args.limit is not None:
        overrides["limit"] = args.limit
    from inspect_ai._util.error import PrerequisiteError

    try:
        code, logs = run_suite(
            suite, models=models, model_roles=roles, log_dir=args.log_dir, **overrides
        )
    except PrerequisiteError as ex:
        # e.g. a missing API key for the grader: Inspect's one-line message, no traceback
        text = " ".join(re.sub(r"\[/?[a-z ]+\]", "", str(ex.message)).split())
        print(f"cc-evals suite: error: {text}", file=sys.stderr)
        return 2
    for log in logs:
        mark = "ok    " if log.status == "success" else "FAILED"
        err = ""
        if log.error:
            err = f": {provider_error_line(log.error.message, log.error.traceback)}"
        print(f"  {mark} {log.eval.task} {log.eval.model} ({log.status}){err}")
    if code:
        print(
            f"cc-evals suite: {sum(1 for x in logs if x.status != 'success')} task(s) did not "
            "finish successfully; re-run the same command to resume",
            file=sys.stderr,
        )
    return code
