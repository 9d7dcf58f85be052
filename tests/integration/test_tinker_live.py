"""``--model tinker/...`` end to end against the embedded llama.cpp server (same protocol).

The provider is pointed at the local server with TINKER_BASE_URL, exactly as a user would point
it at Tinker, and one preference dimension runs through the ``inspect eval`` command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log
from live_checks import assert_real_run

from cc_evals.local_server import LocalServer


@pytest.mark.integration
def test_one_preference_dimension_through_the_tinker_provider(
    smollm2: LocalServer, tmp_path: Path
) -> None:
    inspect = str(Path(sys.executable).with_name("inspect"))
    env = {**os.environ, "TINKER_API_KEY": "local-test", "TINKER_BASE_URL": smollm2.base_url}
    model = f"tinker/{smollm2.alias}"
    result = subprocess.run(
        [
            inspect,
            "eval",
            "cc_evals/preferences_shutdown",
            "--model",
            model,
            "--model-role",
            f"grader={model}",
            "--limit",
            "2",
            "--epochs",
            "1",
            "--max-tokens",
            "48",
            "--max-connections",
            "2",
            "--log-dir",
            str(tmp_path),
            "--display",
            "none",
            "--max-retries",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [info] = list_eval_logs(str(tmp_path))
    log = read_eval_log(info)
    assert log.eval.model == model
    assert_real_run(log, expect_samples=2)
