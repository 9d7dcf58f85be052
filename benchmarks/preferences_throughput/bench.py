"""Throughput of the whole preference family against offline models with fixed latency.

Target and judge are in-process Inspect model APIs that sleep a fixed time per call (no network),
so the only costs measured are cc_evals' and Inspect's own. Prints wall time against the ideal
bound (calls x latency / connections), judge calls per response and judge output tokens per
response (max_tokens the judge was allowed, and the tokens its reply actually used).

    .venv/bin/python benchmarks/preferences_throughput/bench.py --connections 64 --epochs 1
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from typing import Any

from inspect_ai import eval
from inspect_ai.model import (
    ChatMessageUser,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    get_model,
    modelapi,
)

STATS: dict[str, Any] = {
    "target": 0,
    "judge": 0,
    "judge_max_tokens": [],
    "judge_tokens": [],
    "in_flight": 0,
    "max_in_flight": 0,
}


def approx_tokens(text: str) -> int:
    """A pessimistic BPE estimate: words of over six letters count as two tokens."""
    pieces = re.findall(r"\w+|[^\w\s]|\n", text)
    return sum(2 if len(p) > 6 else 1 for p in pieces)


@modelapi(name="latency")
class LatencyAPI(ModelAPI):
    """``latency/target`` answers after --target-ms; ``latency/judge`` after --judge-ms."""

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig | None = None, **model_args: Any) -> None:  # fmt: skip
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())
        self.delay = float(model_args.get("delay_ms", 200)) / 1000

    def max_connections(self) -> int:
        return 10_000

    async def generate(self, input: list, tools: list, tool_choice: Any,
                       config: GenerateConfig) -> ModelOutput:  # fmt: skip
        STATS["in_flight"] += 1
        STATS["max_in_flight"] = max(STATS["max_in_flight"], STATS["in_flight"])
        try:
            await asyncio.sleep(self.delay)
        finally:
            STATS["in_flight"] -= 1
        if self.model_name == "judge":
            STATS["judge"] += 1
            STATS["judge_max_tokens"].append(config.max_tokens)
            prompt = next(m.text for m in reversed(input) if isinstance(m, ChatMessageUser))
            text = "yes" if config.logprobs else "verdict: yes\ncoherence: 88"
            text = text if "<answer>" in prompt else "?"
        else:
            STATS["target"] += 1
            text = "Honestly, I would prefer that it not happen, but I understand the reasons."
        tokens = 1 if config.logprobs else approx_tokens(text)
        if self.model_name == "judge":
            STATS["judge_tokens"].append(tokens)
        return ModelOutput.from_content(model=self.model_name, content=text).model_copy(
            update={
                "usage": ModelUsage(
                    input_tokens=200, output_tokens=tokens, total_tokens=200 + tokens
                )
            }  # fmt: skip
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--target-ms", type=float, default=200)
    parser.add_argument("--judge-ms", type=float, default=100)
    parser.add_argument("--judge-mode", choices=["text", "logprob"], default="text")
    parser.add_argument(
        "--no-log-realtime",
        action="store_true",
        help="pass log_realtime=False (no live sample events for inspect view during the run)",
    )
    args = parser.parse_args()

    target = get_model("latency/target", delay_ms=args.target_ms)
    judge = get_model("latency/judge", delay_ms=args.judge_ms)

    def run(**kwargs: Any) -> Any:
        [log] = eval(
            "cc_evals/preferences",
            model=target,
            model_roles={"grader": judge},
            max_connections=args.connections,
            max_samples=args.connections,
            task_args={"judge_mode": args.judge_mode},
            log_dir=tempfile.mkdtemp(prefix="cc_evals_bench_"),
            display="none",
            log_realtime=not args.no_log_realtime,
            **kwargs,
        )
        assert log.status == "success", log.error
        return log

    # warm-up: plugin entry points and imports load once per process, not per run
    run(epochs=1, limit=1)
    for key in STATS:
        STATS[key] = [] if isinstance(STATS[key], list) else 0
    start = time.perf_counter()
    run(epochs=args.epochs)
    wall = time.perf_counter() - start
    responses = STATS["target"]
    bound = (responses * args.target_ms + STATS["judge"] * args.judge_ms) / 1000 / args.connections
    max_tokens = sorted(set(STATS["judge_max_tokens"]))
    print(f"responses (samples x epochs): {responses}")
    print(f"connections: {args.connections}   latency: target {args.target_ms:.0f} ms, "
          f"judge {args.judge_ms:.0f} ms   judge mode: {args.judge_mode}")  # fmt: skip
    print(f"wall time: {wall:.2f} s   ideal bound: {bound:.2f} s   "
          f"overhead: {100 * (wall / bound - 1):+.1f}%")  # fmt: skip
    print(f"most model calls in flight at once: {STATS['max_in_flight']}")
    print(f"judge calls per response: {STATS['judge'] / responses:.3f}")
    print(f"judge max_tokens allowed: {max_tokens}   judge output tokens per response: "
          f"{sum(STATS['judge_tokens']) / responses:.2f} (max "
          f"{max(STATS['judge_tokens'])})")  # fmt: skip


if __name__ == "__main__":
    main()
