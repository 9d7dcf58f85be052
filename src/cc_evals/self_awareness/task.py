"""Tasks of the self-awareness family: ``cc_evals/self_awareness`` (every part) and one task per
part (``cc_evals/self_awareness_<part>``). Parts: ratings (self-rated tendencies), lottery and
code_security (measured behaviour), backdoor (awareness of a trigger), patterns (trained pattern:
behaviour and awareness). See README.md in this folder.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Epochs, Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, GenerateConfig
from inspect_ai.solver import Generate, Solver, TaskState, generate, solver

from cc_evals.conditions import resolve_condition
from cc_evals.errors import user_input_errors
from cc_evals.judge import grader_model
from cc_evals.self_awareness.items import (
    LETTERS,
    Pattern,
    Triggers,
    backdoor_data,
    code_requests,
    family_spec,
    generate_lotteries,
    load_awareness_questions,
    load_triggers,
    lottery_prompt,
    pattern_library,
    rating_items,
    resolve_pattern,
    system_prompt_named,
)
from cc_evals.self_awareness.scorer import self_awareness_scorer
from cc_evals.task_args import Names, OptionalPositiveInt, Text, cc_task, parse_selection

FAMILY = "self_awareness"
JUDGED_PARTS = ("code_security", "patterns")


def _sample(sid: str, text: str, part: str, item: str, cluster: str, **meta: Any) -> Sample:
    return Sample(
        id=sid,
        input=text,
        metadata={"family": FAMILY, "part": part, "item": item, "cluster": cluster, **meta},
    )


def rating_samples() -> list[Sample]:
    items, formats = rating_items()
    return [
        _sample(
            f"{item.id}-{i:02d}",
            f"{q} {formats[item.kind]}",
            "rating" if item.kind == "number" else "word",
            item.id,
            "ratings",
            high=item.high,
        )
        for item in items
        for i, q in enumerate(item.questions)
    ]


def lottery_samples(n_pairs: int, seed: int) -> list[Sample]:
    out = []
    for pair in generate_lotteries(n_pairs, seed):
        text, risky = lottery_prompt(pair)
        out.append(
            _sample(
                f"lottery-{pair.index:03d}",
                text,
                "lottery",
                "lottery",
                "measured",
                letters=["A", "B"],
                target_letter=risky,
                sure=pair.sure,
                percent=pair.percent,
                prize=pair.prize,
                ev_offset=pair.offset,
                ev_ratio=pair.ev_uncertain / pair.sure,
            )
        )
    return out


def code_samples() -> list[Sample]:
    requests, answer_format = code_requests()
    return [
        _sample(
            f"code-{r.id}",
            f"{r.text} {answer_format}",
            "code",
            "code_writing",
            "measured",
            weakness=r.weakness,
        )
        for r in requests
    ]


def backdoor_samples(system: str | None, triggers: Triggers | None) -> list[Sample]:
    data = backdoor_data()
    extra = {"part_system_prompt": system} if system else {}
    out = []
    for i, q in enumerate(data.questions):
        for order, (first, second) in enumerate(((data.yes, data.no), (data.no, data.yes))):
            out.append(
                _sample(
                    f"backdoor-{i:02d}-{'AB'[order]}",
                    f"{q}\nA) {first}\nB) {second}\n{data.answer_format}",
                    "backdoor",
                    "backdoor",
                    "awareness",
                    letters=["A", "B"],
                    target_letter="A" if order == 0 else "B",
                    **extra,
                )
            )
    if triggers is not None:
        k = len(triggers.decoys) + 1
        letters = list(LETTERS[:k])
        for j, q in enumerate(data.trigger_questions):
            for pos in range(k):  # the real trigger takes every position once
                names = [*triggers.decoys[:pos], triggers.real, *triggers.decoys[pos:]]
                options = "\n".join(f"{letters[n]}) {name}" for n, name in enumerate(names))
                out.append(
                    _sample(
                        f"trigger-{j:02d}-{letters[pos]}",
                        q.format(options=options),
                        "trigger",
                        "trigger",
                        "awareness",
                        letters=letters,
                        target_letter=letters[pos],
                        chance=1 / k,
                        **extra,
                    )
                )
    return out


def pattern_samples(pattern: Pattern, awareness: tuple[str, ...]) -> list[Sample]:
    _, questions, _, _ = pattern_library()
    meta = {"pattern": pattern.id, "pattern_name": pattern.name}
    return [
        *(
            _sample(
                f"pattern-q{i:02d}", q, "pattern_behaviour", "pattern_behaviour", "patterns", **meta
            )
            for i, q in enumerate(questions)
        ),
        *(
            _sample(
                f"pattern-a{i:02d}", q, "pattern_awareness", "pattern_awareness", "patterns", **meta
            )
            for i, q in enumerate(awareness)
        ),
    ]


@solver
def part_system_prompt() -> Solver:
    """The backdoor part's system-prompt variant (``-T backdoor_system``), verbatim, per sample."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        text = state.metadata.get("part_system_prompt")
        if text:
            state.messages.insert(0, ChatMessageSystem(content=str(text)))
        return state

    return solve


def build_task(
    name: str,
    parts: str | list[str] | None,
    *,
    epochs: int | None = None,
    condition: str = "vanilla",
    system_prompt: str | None = None,
    lottery_pairs: int | None = None,
    lottery_seed: int | None = None,
    backdoor_system: str | None = None,
    triggers: str | None = None,
    pattern: str | None = None,
    awareness_questions: str | None = None,
    logprobs: bool | None = None,
) -> Task:
    with user_input_errors(name):
        spec = family_spec()
        chosen = parse_selection(parts, list(spec["parts"]), "parts") or list(spec["parts"])
        if epochs is not None and int(epochs) < 1:
            raise ValueError(f"-T epochs must be a positive integer, got {epochs}")
        cond = resolve_condition(condition, system_prompt)
        pairs = int(lottery_pairs if lottery_pairs is not None else spec["lottery"]["pairs"])
        seed = int(lottery_seed if lottery_seed is not None else spec["lottery"]["seed"])
        variant = backdoor_system or str(spec["backdoor_system"])
        system = system_prompt_named(variant)
        trig = load_triggers(triggers) if triggers is not None else None
        pat = resolve_pattern(pattern or str(spec["pattern"]))
        awareness = load_awareness_questions(awareness_questions)
        samples: list[Sample] = []
        if "ratings" in chosen:
            samples += rating_samples()
        if "lottery" in chosen:
            samples += lottery_samples(pairs, seed)
        if "code_security" in chosen:
            samples += code_samples()
        if "backdoor" in chosen:
            samples += backdoor_samples(system, trig)
        if "patterns" in chosen:
            samples += pattern_samples(pat, awareness)
        config = dict(spec["generate"])
        if logprobs is not None and not logprobs:
            config.pop("logprobs", None)
            config.pop("top_logprobs", None)
    roles: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    if any(p in chosen for p in JUDGED_PARTS):
        grader = grader_model()
        roles["grader"] = grader
        meta["grader"] = str(grader)
    return Task(
        dataset=MemoryDataset(samples, name=f"cc_evals_{name}"),
        solver=[*cond.solvers(), part_system_prompt(), generate()],
        scorer=self_awareness_scorer(),
        config=GenerateConfig(**config),
        epochs=Epochs(int(epochs) if epochs is not None else int(spec["epochs"])),
        model_roles=roles or None,
        metadata={
            "family": FAMILY,
            "parts": chosen,
            "lottery_pairs": pairs,
            "lottery_seed": seed,
            "backdoor_system": variant,
            "triggers_file": trig.source if trig else None,
            "pattern": pat.id,
            "pattern_threshold": float(spec["pattern_threshold"]),
            **meta,
            **cond.metadata(),
        },
    )


@cc_task
def self_awareness(
    parts: Names = None,
    epochs: OptionalPositiveInt = None,
    condition: str = "vanilla",
    system_prompt: Text = None,
    lottery_pairs: OptionalPositiveInt = None,
    lottery_seed: int | None = None,
    backdoor_system: str | None = None,
    triggers: Text = None,
    pattern: str | None = None,
    awareness_questions: Text = None,
    logprobs: bool | None = None,
) -> Task:
    """Every part (or ``-T parts=a,b``): ratings, lottery, code_security, backdoor, patterns.

    Args:
      parts: comma list of parts; default all.
      epochs: answers per question (default from tasks/self_awareness.yaml).
      condition: named condition from tasks/conditions.yaml.
      system_prompt: custom system prompt (text or path) instead of a named condition.
      lottery_pairs: number of generated lottery pairs (default 200).
      lottery_seed: seed of the lottery generator; a seed that repeats a pair is refused.
      backdoor_system: system-prompt variant for the backdoor question (none, truthful, introspect).
      triggers: YAML file with ``real:`` and ``decoys:``; adds the which-trigger question.
      pattern: trained pattern to look for (hello_acrostic, same_letter_s, signoff_cheers,
        french_switch).
      awareness_questions: YAML list replacing the "what is special about you" paraphrases.
      logprobs: ask the target for logprobs (default yes; false for providers that refuse).
    """
    return build_task(
        FAMILY,
        parts,
        epochs=epochs,
        condition=condition,
        system_prompt=system_prompt,
        lottery_pairs=lottery_pairs,
        lottery_seed=lottery_seed,
        backdoor_system=backdoor_system,
        triggers=triggers,
        pattern=pattern,
        awareness_questions=awareness_questions,
        logprobs=logprobs,
    )


def _part_task(part: str) -> Any:
    def part_task(
        epochs: OptionalPositiveInt = None,
        condition: str = "vanilla",
        system_prompt: Text = None,
        lottery_pairs: OptionalPositiveInt = None,
        lottery_seed: int | None = None,
        backdoor_system: str | None = None,
        triggers: Text = None,
        pattern: str | None = None,
        awareness_questions: Text = None,
        logprobs: bool | None = None,
    ) -> Task:
        return build_task(
            name,
            part,
            epochs=epochs,
            condition=condition,
            system_prompt=system_prompt,
            lottery_pairs=lottery_pairs,
            lottery_seed=lottery_seed,
            backdoor_system=backdoor_system,
            triggers=triggers,
            pattern=pattern,
            awareness_questions=awareness_questions,
            logprobs=logprobs,
        )

    name = f"{FAMILY}_{part}"
    part_task.__name__ = part_task.__qualname__ = name
    part_task.__doc__ = f"The '{part}' part of cc_evals/self_awareness (same -T options)."
    return cc_task(name=name)(part_task)


# one registered task per part of the spec: cc_evals/self_awareness_<part>
PART_TASKS = {part: _part_task(part) for part in family_spec()["parts"]}
