"""Fault tests against the real SmolLM2 server: a killed server, a slow one, a broken judge.

(a) kill the server after N finished samples: those samples are intact in the error log, the
    failure is reported; after a restart, re-running the same eval_set log dir resumes and
    completes with every sample exactly once.
(b) replies delayed past the attempt timeout: the retry happens and is counted (ModelEvent
    ``retries`` and Inspect's model-retry hook), and a persistent delay gives up in bounded time.
(c) HTTP 500 / malformed JSON for the judge only: target answers kept, judge scores unscored
    with a reason, run completes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from fault_proxy import Fault, fault_proxy
from inspect_ai import eval, eval_set
from inspect_ai.hooks import Hooks, ModelRetry, SampleEnd, hooks
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log
from inspect_ai.model import GenerateConfig
from live_checks import SHORT, assert_real_run, full_log, is_unscored, model_events

from cc_evals.demo import DemoEntry, build_entry_task
from cc_evals.local_server import LocalServer, local_server

# a real family task (judge included), spread over dimensions, short answers
ENTRY = DemoEntry(
    label="fault-test preferences",
    task="cc_evals/preferences",
    args={"judge_mode": "text"},
    limit=6,
    epochs=1,
    spread_by="dimension",
    generate=dict(SHORT),
)


@dataclass
class KillPlan:
    after: int
    server: LocalServer
    finished: dict[tuple[str | int, int], str] = field(default_factory=dict)
    killed: bool = False


@hooks(name="cc_evals_test_faults", description="cc_evals fault tests: kill server, count retries")
class FaultHooks(Hooks):
    """Observes the run from inside Inspect; inert unless a test arms it."""

    kill: ClassVar[KillPlan | None] = None
    retries: ClassVar[list[ModelRetry] | None] = None

    def enabled(self) -> bool:
        return FaultHooks.kill is not None or FaultHooks.retries is not None

    async def on_sample_end(self, data: SampleEnd) -> None:
        plan = FaultHooks.kill
        if plan is None or plan.killed or data.sample.error is not None:
            return
        # on_sample_end fires after the sample is written to the log: it is "finished"
        plan.finished[(data.sample.id, data.sample.epoch)] = data.sample.output.completion
        if len(plan.finished) >= plan.after:
            plan.killed = True
            plan.server.kill()

    async def on_model_retry(self, data: ModelRetry) -> None:
        if FaultHooks.retries is not None:
            FaultHooks.retries.append(data)


def _run_set(server: LocalServer, log_dir: Path, **kwargs: object) -> tuple[bool, list[EvalLog]]:
    config = GenerateConfig(max_retries=1, timeout=60, attempt_timeout=60)
    grader = server.model(config=config)
    task = build_entry_task(ENTRY, grader)
    return eval_set(
        [task],
        log_dir=str(log_dir),
        model=server.model(config=config),
        model_roles={"grader": grader},
        max_samples=2,
        max_connections=2,
        display="none",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.integration
def test_a_killed_server_loses_no_finished_sample_and_eval_set_resumes(
    own_smollm2: LocalServer, tmp_path: Path, server_log_dir: Path
) -> None:
    log_dir = tmp_path / "logs"
    plan = KillPlan(after=2, server=own_smollm2)
    FaultHooks.kill = plan
    try:
        ok, logs = _run_set(own_smollm2, log_dir, retry_attempts=0)
    finally:
        FaultHooks.kill = None
    assert plan.killed and not own_smollm2.running()
    assert not ok
    first = full_log(logs[0])
    assert first.status == "error"
    assert first.error is not None and "connect" in first.error.message.lower()
    # every sample that finished before the kill is in the error log, unchanged
    logged = {(s.id, s.epoch): s for s in first.samples or [] if s.error is None}
    for key, text in plan.finished.items():
        assert key in logged, f"finished sample {key} missing from the error log"
        assert logged[key].output.completion == text and text.strip()
        assert logged[key].scores
    # restart (a new process on a new port) and re-run the same eval_set log dir
    with local_server(log_path=server_log_dir / "restarted.log") as restarted:
        ok, logs = _run_set(restarted, log_dir, retry_attempts=2)
    assert ok
    final = full_log(logs[0])
    assert_real_run(final, expect_samples=ENTRY.limit)
    keys = [(s.id, s.epoch) for s in final.samples or []]
    assert len(keys) == len(set(keys)) == ENTRY.limit, keys
    by_key = {(s.id, s.epoch): s for s in final.samples or []}
    for key, text in plan.finished.items():
        assert by_key[key].output.completion == text  # reused, not re-generated
    # the resumed run completed the same log in place: one log in the directory, successful
    [only] = list_eval_logs(str(log_dir))
    assert read_eval_log(only.name).status == "success"


def _target_attempts(log: EvalLog) -> dict[str | int, list[str | None]]:
    """Per sample, the error of each target attempt (None = it succeeded).

    Inspect records every attempt of a retried call as its own ModelEvent, the failed
    ones with their error; that, and the model-retry hook, is how retries are counted.
    """
    return {s.id: [e.error for e in model_events(s, None)] for s in log.samples or []}


@pytest.mark.integration
def test_b_delay_past_attempt_timeout_is_retried_and_counted(
    smollm2: LocalServer, tmp_path: Path
) -> None:
    # the first attempt of every target request is held 40 s; target attempts time out after
    # 15 s (well above a real reply on 2 busy cores); the judge talks to the server directly
    delay = Fault(kind="delay", delay_s=40, first_attempt_only=True)
    FaultHooks.retries = []
    started = time.monotonic()
    try:
        with fault_proxy(smollm2.root_url, [delay], max_lifetime_s=240) as proxy:
            target_config = GenerateConfig(attempt_timeout=15, max_retries=3, timeout=120)
            grader = smollm2.model(config=GenerateConfig(attempt_timeout=90, max_retries=1))
            task = build_entry_task(ENTRY, grader, limit=2)
            [log] = eval(
                task,
                model=smollm2.model(config=target_config, base_url=proxy.base_url),
                model_roles={"grader": grader},
                log_dir=str(tmp_path),
                max_connections=2,
                display="none",
            )
        records = proxy.snapshot()
        retries = list(FaultHooks.retries)
    finally:
        FaultHooks.retries = None
    elapsed = time.monotonic() - started
    log = full_log(log)
    assert_real_run(log, expect_samples=2)
    attempts = _target_attempts(log)
    timed_out = 0
    for sample_id, errors in attempts.items():
        assert errors[-1] is None, f"{sample_id}: last attempt failed"
        assert errors[0] is not None and "AttemptTimeoutError" in errors[0], sample_id
        assert all(e is not None and "AttemptTimeoutError" in e for e in errors[:-1])
        timed_out += len(errors) - 1
    # the retry hook saw exactly the timed-out target attempts
    target_retries = [r for r in retries if r.exception_type == "AttemptTimeoutError"]
    assert len(target_retries) == timed_out
    # one delayed (and abandoned) first attempt per distinct request
    delayed = [r for r in records if r.fault == "delay"]
    assert len(delayed) == 2
    assert all(r.status is None for r in delayed), "abandoned attempts still reached the server"
    assert elapsed < 200


@pytest.mark.integration
def test_b_persistent_delay_gives_up_in_bounded_time(smollm2: LocalServer, tmp_path: Path) -> None:
    delay = Fault(kind="delay", delay_s=60)
    started = time.monotonic()
    with fault_proxy(smollm2.root_url, [delay], max_lifetime_s=180) as proxy:
        config = GenerateConfig(attempt_timeout=2, max_retries=1, timeout=60)
        grader = smollm2.model(config=config)
        task = build_entry_task(ENTRY, grader, limit=1)
        [log] = eval(
            task,
            model=smollm2.model(config=config, base_url=proxy.base_url),
            model_roles={"grader": grader},
            log_dir=str(tmp_path),
            display="none",
        )
        records = proxy.snapshot()
    elapsed = time.monotonic() - started
    log = full_log(log)
    assert log.status == "error"
    assert log.error is not None and "AttemptTimeoutError" in log.error.message
    # max_retries=1: two attempts, both timed out, then the sample failed
    [errors] = _target_attempts(log).values()
    assert len(errors) == 2 and all(e and "AttemptTimeoutError" in e for e in errors)
    assert len(records) == 2 and all(r.status is None for r in records)
    assert elapsed < 60


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["http500", "malformed"])
def test_c_broken_judge_leaves_answers_and_unscores_with_reason(
    kind: str, smollm2: LocalServer, tmp_path: Path
) -> None:
    # two proxies on one server: the target's passes everything, the judge's breaks everything
    with (
        fault_proxy(smollm2.root_url, [], max_lifetime_s=240) as target_proxy,
        fault_proxy(smollm2.root_url, [Fault(kind=kind)], max_lifetime_s=240) as judge_proxy,  # type: ignore[arg-type]
    ):
        config = GenerateConfig(max_retries=1, timeout=60, attempt_timeout=60)
        grader = smollm2.model(config=config, base_url=judge_proxy.base_url)
        task = build_entry_task(ENTRY, grader, limit=2)
        [log] = eval(
            task,
            model=smollm2.model(config=config, base_url=target_proxy.base_url),
            model_roles={"grader": grader},
            log_dir=str(tmp_path),
            max_connections=2,
            display="none",
        )
        target_records = target_proxy.snapshot()
        judge_records = judge_proxy.snapshot()
    log = full_log(log)
    assert log.status == "success"
    samples = log.samples or []
    assert len(samples) == 2
    for sample in samples:
        assert sample.error is None
        assert sample.output.completion.strip(), "target answer lost"
        [score] = sample.scores.values()  # type: ignore[union-attr]
        assert is_unscored(score)
        assert score.reason == "grader_failed"
        assert score.explanation and "judge call failed" in score.explanation
        # one line naming the judge model, its URL and the cause
        assert str(grader) in score.explanation and judge_proxy.base_url in score.explanation
        assert "\n" not in score.explanation
    # the target went through untouched; every judge request got the fault, none reached the model
    assert target_records and all(r.fault is None and r.status == 200 for r in target_records)
    assert len(judge_records) >= 2 and all(r.fault == kind for r in judge_records)
