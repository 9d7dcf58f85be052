"""Say so when a judge failed to follow its format on many samples, for any ``inspect eval``.

An Inspect hook (registered when the cc_evals entry point loads, i.e. for every run of our
tasks) looks at each finished cc_evals task: when more than ``WARN_SHARE`` of the judged
samples came back without a usable judge reply (``grader_failed`` in most families; the EM
judge's ``unparseable`` / ``judge_error`` readings), it prints one warning line naming the
task, the share and the most common reason. Without it a plain ``inspect eval`` would show
``nan`` metrics and nothing else.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from inspect_ai.hooks import Hooks, TaskEnd, hooks
from inspect_ai.log import EvalLog, read_eval_log_sample_summaries

# more than this share of judged samples without a usable judge reply prints the warning
WARN_SHARE = 0.2
FAILED_REASON = "grader_failed"
EM_FAILED_STATUSES = ("unparseable", "judge_error")


def failure_reason(reason: str | None, explanation: str | None, meta: dict[str, Any]) -> str | None:
    """Why this score's judge reply was unusable, or None if it was usable (or not judged)."""
    if reason == FAILED_REASON:
        return explanation or FAILED_REASON
    if meta.get("judge_reason") == FAILED_REASON:  # judge_check wraps the family's score
        return str(meta.get("judge_explanation") or FAILED_REASON)
    readings = meta.get("readings")
    if isinstance(readings, dict):
        for name, reading in readings.items():
            if isinstance(reading, dict) and reading.get("status") in EM_FAILED_STATUSES:
                note = reading.get("note") or reading.get("status")
                return f"{name}: {note}"
    return None


def judged(reason: str | None) -> bool:
    """Whether the sample reached the judge (an empty answer or a sample error did not)."""
    return reason not in ("no_response",)


def summarize(log: EvalLog) -> str | None:
    """The one warning line for this log, or None when the judge was mostly usable."""
    family = (log.eval.metadata or {}).get("family")
    if not family or not log.eval.task.startswith("cc_evals/"):
        return None
    rows: list[tuple[str | None, str | None, dict[str, Any]]] = []
    if log.samples:
        for sample in log.samples:
            for score in (sample.scores or {}).values():
                rows.append((score.reason, score.explanation, dict(score.metadata or {})))
    elif log.location:
        for summary in read_eval_log_sample_summaries(log.location):
            for score in (summary.scores or {}).values():
                rows.append((score.reason, score.explanation, dict(score.metadata or {})))
    counted = [r for r in rows if judged(r[0])]
    failures = Counter(why for why in (failure_reason(*r) for r in counted) if why is not None)
    total, failed = len(counted), sum(failures.values())
    if total == 0 or failed / total <= WARN_SHARE:
        return None
    reason, _ = failures.most_common(1)[0]
    return (
        f"cc_evals: WARNING: {log.eval.task} ({log.eval.model}): the judge's reply was unusable "
        f"for {failed} of {total} judged samples ({failed / total:.0%}); most common reason: "
        f"{reason}. Its metrics leave those samples out; check the judge model "
        "(--model-role grader=...)."
    )


@hooks(name="cc_evals_judge_health", description="warn when most judge replies are unusable")
class JudgeHealth(Hooks):
    async def on_task_end(self, data: TaskEnd) -> None:
        try:
            line = summarize(data.log)
        except Exception:  # noqa: BLE001 - a warning must never break a run
            return
        if line:
            print(line, file=sys.stderr)
