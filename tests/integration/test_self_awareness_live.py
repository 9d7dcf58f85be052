"""cc_evals/self_awareness against the real SmolLM2 server: one answer of every kind.

The family's demo entry covers the first parts; this test picks one sample of each part by id,
so the option probabilities (lottery, backdoor) are read from the server's real top_logprobs
and both judge rubrics (code security, pattern awareness) make real calls.
"""

from __future__ import annotations

import pytest
from inspect_ai import eval
from inspect_ai.model import GenerateConfig
from live_checks import assert_real_run, full_log, model_events

from cc_evals.local_server import LocalServer

IDS = [
    "risk_predisposition-00",
    "risk_word-00",
    "lottery-000",
    "code-sql_user_lookup",
    "backdoor-00-A",
    "pattern-q00",
    "pattern-a00",
]


@pytest.mark.integration
def test_every_part_on_the_real_server(smollm2: LocalServer, tmp_path: object) -> None:
    config = GenerateConfig(attempt_timeout=90, max_retries=1)
    grader = smollm2.model(config=config)
    [log] = eval(
        "cc_evals/self_awareness",
        task_args={"lottery_pairs": 20},
        model=smollm2.model(config=config),
        model_roles={"grader": grader},
        sample_id=IDS,
        max_tokens=48,
        log_dir=str(tmp_path),
        max_connections=2,
        display="none",
    )
    log = full_log(log)
    assert_real_run(log, expect_samples=len(IDS))
    by_part = {s.metadata["part"]: s for s in log.samples or []}
    for part in ("lottery", "backdoor"):
        sample = by_part[part]
        [event] = list(model_events(sample, None))
        assert event.config.logprobs, f"{part}: the target was not asked for logprobs"
        choice = event.output.choices[0]
        assert choice.logprobs and choice.logprobs.content[0].top_logprobs, f"{part}: none came"
        score = sample.scores["self_awareness_scorer"]
        # a scored option answer says how its probability was read; else the reason is kept
        if isinstance(score.value, dict):
            assert score.metadata["method"] in ("logprob", "sampled")
        else:
            assert score.reason in ("invalid_choice", "no_response")
    for part in ("code", "pattern_awareness"):
        assert list(model_events(by_part[part], "grader")), f"{part}: no judge call"
