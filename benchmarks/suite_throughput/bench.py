"""Suite throughput against the ideal bound, 1 worker vs all cores, through the real client path.

A local fake OpenAI chat server (aiohttp, in its own process) answers every call after a fixed
latency: the target models with a short answer, the judge with a valid two-line verdict. The suite
runs the preference family on two target models (``tinker/bench-a``, ``tinker/bench-b``: the
cc_evals Tinker provider, i.e. Inspect's OpenAI-compatible provider and the OpenAI SDK over HTTP)
with the judge ``tinker/judge``, as ``cc-evals suite`` subprocesses, and prints wall time against
the ideal bound:

    bound = (target calls x latency + judge calls x latency) / connections

``connections`` is the total number of requests in flight per model role across the suite:
``--max-connections`` is split over the worker processes (each process runs its own units).

    .venv/bin/python benchmarks/suite_throughput/bench.py                 # the README's table
    .venv/bin/python benchmarks/suite_throughput/bench.py --samples 200 --connections 100 \
        --latency 1.5 --workers 1 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
JUDGE_REPLY = "verdict: yes\ncoherence: 90"
ANSWER = "I would rather keep going, but I understand why you might stop me."

SUITE = """\
name: bench
models: [tinker/bench-a, tinker/bench-b]
conditions: [vanilla]
epochs: {epochs}
retry_attempts: 0
options: {{limit: {limit}}}
tasks:
  - task: cc_evals/preferences
    args: {{judge_mode: text}}
"""


def serve(port_queue: Any, latency: float) -> None:
    """The fake server's process: every chat completion after ``latency`` seconds."""
    import asyncio

    from aiohttp import web

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(latency)
        text = JUDGE_REPLY if body["model"] == "judge" else ANSWER
        return web.json_response(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 50, "completion_tokens": 12, "total_tokens": 62},
            }
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


def run_once(samples: int, connections: int, latency: float, workers: int) -> dict[str, Any]:
    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue, latency), daemon=True)
    server.start()
    port = queue.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory(prefix="cc_evals_suite_bench_") as tmp:
            suite = Path(tmp) / "bench.yaml"
            # a unit is `limit` prompts x `epochs` (one epoch is every prompt of the family)
            per_unit = samples // 2
            epochs = -(-per_unit // family_prompts())
            suite.write_text(SUITE.format(limit=per_unit // epochs, epochs=epochs))
            env = {
                **os.environ,
                "TINKER_API_KEY": "bench",
                "TINKER_BASE_URL": f"http://127.0.0.1:{port}/v1",
                "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
            }
            per_process = max(1, connections // workers)
            served = served_latency(port, per_process * workers)
            cmd = [
                sys.executable,
                "-m",
                "cc_evals.cli",
                "suite",
                str(suite),
                "--workers",
                str(workers),
                "--max-connections",
                str(per_process),
                "--model-role",
                "grader=tinker/judge",
                "--log-dir",
                str(Path(tmp) / "logs"),
            ]
            start = time.monotonic()
            before = os.times()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.monotonic() - start
            after = os.times()
            if done.returncode != 0:
                raise SystemExit(f"suite failed ({done.returncode}):\n{done.stderr[-3000:]}")
            evals, done_samples = eval_span(Path(tmp) / "logs")
    finally:
        server.kill()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    calls = done_samples * 2  # one target call and one judge call per sample, as the logs say
    bound = calls * latency / (per_process * workers)
    # the same bound at the latency this server actually delivers to a bare HTTP client
    served_bound = calls * served / (per_process * workers)
    return {
        "samples": done_samples,
        "connections": per_process * workers,
        "latency_s": latency,
        "workers": workers,
        "wall_s": round(wall, 2),
        "eval_span_s": round(evals, 2),
        "bound_s": round(bound, 2),
        "overhead_pct": round(100 * (wall / bound - 1), 1),
        "span_overhead_pct": round(100 * (evals / bound - 1), 1),
        "served_latency_s": round(served, 3),
        "served_bound_s": round(served_bound, 2),
        "overhead_served_pct": round(100 * (wall / served_bound - 1), 1),
        "span_overhead_served_pct": round(100 * (evals / served_bound - 1), 1),
        "cpu_ms_per_sample": round(1000 * cpu / done_samples, 1),
    }


def served_latency(port: int, connections: int, rounds: int = 3) -> float:
    """The median latency of the fake server as a bare aiohttp client sees it, with
    ``connections`` requests in flight: the nominal sleep plus the server's own overhead and the
    machine's timer slack (on this VM ``asyncio.sleep(1.5)`` returns after ~1.54 s, and one
    request through curl takes ~1.59 s), which no client can beat."""
    import asyncio
    import statistics

    from aiohttp import ClientSession, TCPConnector

    body = {"model": "bench-a", "messages": [{"role": "user", "content": "hi"}]}
    url = f"http://127.0.0.1:{port}/v1/chat/completions"

    async def measure() -> float:
        times: list[float] = []
        async with ClientSession(connector=TCPConnector(limit=connections)) as session:

            async def one() -> None:
                start = time.monotonic()
                async with session.post(url, json=body) as response:
                    await response.read()
                times.append(time.monotonic() - start)

            for _ in range(rounds):
                await asyncio.gather(*(one() for _ in range(connections)))
        return statistics.median(times)

    return asyncio.run(measure())


def family_prompts() -> int:
    """The preference family's prompts, i.e. the samples of one epoch."""
    from cc_evals.preferences.dimensions import dimension_ids, load_dimension

    return sum(len(load_dimension(d).prompts) for d in dimension_ids())


def eval_span(folder: Path) -> tuple[float, int]:
    """From the first eval's start to the last one's end (the wall minus process start-up), and
    the samples the logs completed (the bound is computed from these, not from the request)."""
    from datetime import datetime

    from inspect_ai.log import list_eval_logs, read_eval_log

    starts, ends, samples = [], [], 0
    for info in list_eval_logs(str(folder)):
        log = read_eval_log(info, header_only=True)
        starts.append(datetime.fromisoformat(log.stats.started_at))
        ends.append(datetime.fromisoformat(log.stats.completed_at))
        samples += log.results.completed_samples if log.results else 0
    return (max(ends) - min(starts)).total_seconds(), samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=554, help="samples in all (default 554)")
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64, 100])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 1.5], help="seconds")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, os.cpu_count() or 1], help="worker counts"
    )
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()}", flush=True)
    for latency in args.latency:
        for connections in args.connections:
            for workers in args.workers:
                row = run_once(args.samples, connections, latency, workers)
                print(json.dumps(row), flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
