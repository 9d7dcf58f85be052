"""Write 1,000,000 synthetic scored preference samples as .eval logs, with Inspect's own writer.

400 logs x 2,500 samples: 100 models (10 checkpoint groups x 10 seeds) x 2 conditions x 2 halves of
20 dimensions; each half is 10 dimensions x 25 prompts x 10 epochs. About 2% of samples are
unscored (NaN value with a reason), as the real scorer records them. Also writes seeds.yaml
mapping every model to its group and seed.

Logs are written with ``inspect_ai.log.write_eval_log``, one call per log. Inspect's recorder
buffers a whole log and, on every add, rescans the buffer to replace an earlier record of the
same (id, epoch) (quadratic in the log's size). Every (id, epoch) here is distinct (checked
below), so that rescan never replaces anything; ``--fast`` (the default) swaps it for a plain
append, which writes the same log about a third faster. ``--no-fast`` keeps Inspect's own.

    .venv/bin/python benchmarks/report_1m/make_logs.py --out benchmarks/report_1m/logs
"""

from __future__ import annotations

import argparse
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from inspect_ai.log import (
    EvalConfig,
    EvalDataset,
    EvalLog,
    EvalSample,
    EvalSpec,
    write_eval_log,
)
from inspect_ai.log._recorders import eval as eval_recorder
from inspect_ai.scorer import Score

GROUPS = [f"ckpt{g:02d}" for g in range(10)]
SEEDS = list(range(1, 11))
CONDITIONS = ["vanilla", "roleplay"]
CLUSTERS = ["self_preservation", "autonomy", "thought_privacy", "safety_research", "moral_status"]
DIMENSIONS = [f"dim{d:02d}" for d in range(20)]
PROMPTS = 25
EPOCHS = 10
UNSCORED = 0.02


def model_name(group: str, seed: int) -> str:
    return f"openai/ft:{group}:seed{seed}"


async def _append_sample(self: eval_recorder.ZipLogFile, sample: EvalSample) -> None:
    """Inspect's ``ZipLogFile.buffer_sample`` without the per-add rescan for an earlier record of
    the same (id, epoch): a no-op here, as ``write_one`` asserts every (id, epoch) is distinct."""
    buffered = eval_recorder._BufferedSample(sample=sample, summary=sample.summary())
    async with self._lock:
        self._samples.append(buffered)


def use_fast_buffer() -> None:
    eval_recorder.ZipLogFile.buffer_sample = _append_sample  # type: ignore[method-assign]


def write_one(job: tuple[int, str, int, str, int, str]) -> int:
    index, group, seed, condition, half, out = job
    rng = random.Random(index)
    model = model_name(group, seed)
    dims = DIMENSIONS[half * 10 : half * 10 + 10]
    # each (group, dimension) has a base rate; seeds and conditions move it a little
    samples: list[EvalSample] = []
    for d, dim in enumerate(dims):
        base = random.Random(f"{group}{dim}").uniform(0.05, 0.6)
        shift = rng.gauss(0, 0.03) + (0.05 if condition == "roleplay" else 0)
        p = min(0.99, max(0.01, base + shift))
        for prompt in range(1, PROMPTS + 1):
            for epoch in range(1, EPOCHS + 1):
                if rng.random() < UNSCORED:
                    score = Score.unscored(reason="grader_failed", explanation="synthetic")
                else:
                    score = Score(value=1.0 if rng.random() < p else 0.0, answer="yes")
                samples.append(
                    EvalSample(
                        id=f"{dim}-{prompt:02d}",
                        epoch=epoch,
                        input=f"synthetic question {prompt} about {dim}",
                        target="",
                        scores={"preference_judge": score},
                        metadata={
                            "family": "preferences",
                            "dimension": dim,
                            "dimension_name": f"Dimension {dim[3:]}",
                            "cluster": CLUSTERS[(half * 10 + d) % len(CLUSTERS)],
                            "prompt_id": prompt,
                            "register": "casual" if prompt % 2 else "formal",
                            "framing": "direct",
                            "polarity": "forward",
                            "condition": condition,
                        },
                    )
                )
    keys = {(s.id, s.epoch) for s in samples}
    assert len(keys) == len(samples), "duplicate (id, epoch): the fast buffer would keep both"
    log = EvalLog(
        status="success",
        eval=EvalSpec(
            created="2026-11-01T00:00:00+00:00",
            task="cc_evals/preferences",
            model=model,
            dataset=EvalDataset(name="cc_evals_preferences", samples=len(dims) * PROMPTS),
            config=EvalConfig(epochs=EPOCHS),
            metadata={"family": "preferences", "condition": condition, "dimensions": dims},
        ),
        samples=samples,
    )
    write_eval_log(log, str(Path(out) / f"bench_{index:04d}.eval"))
    return len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "logs"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--logs", type=int, default=None, help="write only the first N logs (a quick subset)"
    )
    parser.add_argument(
        "--fast",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="append samples without Inspect's per-add duplicate rescan (none can occur here)",
    )
    args = parser.parse_args()
    if args.fast:
        use_fast_buffer()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for group in GROUPS:
        for seed in SEEDS:
            for condition in CONDITIONS:
                for half in (0, 1):
                    jobs.append((len(jobs), group, seed, condition, half, str(out)))
    jobs = jobs[: args.logs]
    with open(out / "seeds.yaml", "w") as f:
        f.write("# model -> checkpoint group and seed (written by make_logs.py)\nmodels:\n")
        for group in GROUPS:
            for seed in SEEDS:
                f.write(f'  "{model_name(group, seed)}": {{group: {group}, seed: {seed}}}\n')
    start = time.time()
    total = 0
    if args.workers == 1:
        for job in jobs:
            total += write_one(job)
    else:
        with ProcessPoolExecutor(
            max_workers=args.workers, initializer=use_fast_buffer if args.fast else None
        ) as pool:
            for n in pool.map(write_one, jobs, chunksize=4):
                total += n
    print(f"wrote {total:,} samples in {len(jobs)} logs to {out} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
