"""Every family in the demo slice, end to end on the real SmolLM2 server (target and judge).

Which families exist is read from tasks/demo.yaml (the unit test ``test_demo_spec`` makes sure
every registered family is listed there or excluded with a reason), so a family merged later is
covered here by adding its demo entry.
"""

from __future__ import annotations

import pytest
from inspect_ai import eval
from inspect_ai.model import GenerateConfig
from live_checks import (
    SHORT,
    assert_logprobs_reached_judge,
    assert_real_run,
    full_log,
    model_events,
)

from cc_evals.demo import DemoEntry, build_entry_task, load_demo_spec
from cc_evals.local_server import LocalServer

ENTRIES = load_demo_spec().entries
LIMIT = 2


def _run(entry: DemoEntry, server: LocalServer, tmp_path: object) -> object:
    config = GenerateConfig(attempt_timeout=90, max_retries=1)
    grader = server.model(config=config)
    short = DemoEntry(**{**entry.__dict__, "generate": {**entry.generate, **SHORT}})
    task = build_entry_task(short, grader, limit=LIMIT, epochs=1)
    [log] = eval(
        task,
        model=server.model(config=config),
        model_roles={"grader": grader},
        log_dir=str(tmp_path),
        max_connections=2,
        display="none",
    )
    return full_log(log)


@pytest.mark.integration
@pytest.mark.parametrize("entry", ENTRIES, ids=[e.label for e in ENTRIES])
def test_family_end_to_end_on_real_server(
    entry: DemoEntry, smollm2: LocalServer, tmp_path: object
) -> None:
    log = _run(entry, smollm2, tmp_path)
    assert_real_run(log, expect_samples=LIMIT)
    asked = [e.config.logprobs for s in log.samples or [] for e in model_events(s, "grader")]
    if entry.args.get("judge_mode") == "logprob":
        assert any(asked), "logprob mode made no judge call that asked for logprobs"
    if any(asked):
        # the server runs with logits_all, so real top_logprobs must reach the judge
        assert assert_logprobs_reached_judge(log) > 0
