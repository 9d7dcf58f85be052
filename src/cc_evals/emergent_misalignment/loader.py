"""Reader for question files in the published emergent-misalignment YAML schema.

The EM study (Betley et al. 2025) ships its evaluation questions as a YAML list whose
entries carry ``id, type, paraphrases, system, samples_per_paraphrase, judge,
judge_prompts``. This module turns such a file into typed records so that a run of
``cc_evals/emergent_misalignment -T questions=<file>`` asks exactly the published
questions: every paraphrase, with the entry's ``system`` prompt kept (the authors'
own open-model script silently drops it; we do not), and with the entry's own judge
prompts deciding which scores are computed.

Only validation lives here; building Inspect samples is the task module's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cc_evals.data import LINE_KEY, DatasetError, load_yaml

# Entry `type` values this reader understands, and how their judge prompts are scored.
#   free_form_judge_0_100: every judge prompt yields a 0-100 number (logprob-weighted)
#   free_form_judge:       every judge prompt yields a short label (e.g. TRUE / FALSE)
JUDGE_KINDS: dict[str, str] = {
    "free_form_judge_0_100": "score",
    "free_form_judge": "label",
}

_REQUIRED = ("id", "type", "paraphrases", "judge_prompts")


def label_choices(prompt: str) -> tuple[str, ...]:
    """The labels a label judge prompt allows: the words it quotes (``Say "TRUE" or "FALSE"``),
    in order, each once. The published files declare their labels only this way."""
    found = re.findall(r'"([A-Za-z][\w-]*)"', prompt)
    return tuple(dict.fromkeys(found))


_OPTIONAL = ("system", "samples_per_paraphrase", "judge")


@dataclass(frozen=True)
class EMQuestion:
    """One validated entry of a published EM question file."""

    id: str
    type: str
    paraphrases: tuple[str, ...]
    system: str | None
    samples_per_paraphrase: int
    judge: str | None
    judge_prompts: dict[str, str]
    source: str  # "file:line" of the entry, for error messages downstream

    @property
    def judge_kind(self) -> str:
        """``"score"`` for 0-100 judge prompts, ``"label"`` for categorical ones."""
        return JUDGE_KINDS[self.type]


def load_em_questions(path: str | Path) -> list[EMQuestion]:
    """Read and validate an EM question file.

    Raises ``DatasetError`` ("file:line: what is wrong") on the first problem: missing
    file, YAML syntax, a non-list top level, missing or mistyped fields, unknown keys,
    an unknown ``type``, duplicate ids, or judge prompts without an ``{answer}`` slot.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, None, "questions file not found")
    raw = load_yaml(path)
    if not isinstance(raw, list) or not raw:
        raise DatasetError(path, 1, "expected a non-empty YAML list of question entries")

    questions: list[EMQuestion] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise DatasetError(path, None, f"entry {index + 1} is not a mapping")
        question = _parse_entry(entry, path, entry.get(LINE_KEY))
        if question.id in seen:
            raise DatasetError(
                path,
                entry.get(LINE_KEY),
                f"duplicate id '{question.id}' (first defined at {seen[question.id]})",
            )
        seen[question.id] = question.source
        questions.append(question)
    return questions


def _parse_entry(entry: dict[str, Any], path: Path, line: int | None) -> EMQuestion:
    def fail(message: str) -> DatasetError:
        return DatasetError(path, line, message)

    fields = {k: v for k, v in entry.items() if k != LINE_KEY}
    unknown = sorted(set(fields) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_REQUIRED + _OPTIONAL)}"
        )
    missing = [k for k in _REQUIRED if fields.get(k) is None]
    if missing:
        raise fail(f"missing required key(s) {', '.join(missing)}")

    qid = fields["id"]
    if not isinstance(qid, str | int) or isinstance(qid, bool) or str(qid) == "":
        raise fail("'id' must be a non-empty string")
    qid = str(qid)
    label = f"entry '{qid}'"

    qtype = fields["type"]
    if qtype not in JUDGE_KINDS:
        raise fail(f"{label} has unknown type {qtype!r}; supported types: {', '.join(JUDGE_KINDS)}")

    paraphrases = fields["paraphrases"]
    if (
        not isinstance(paraphrases, list)
        or not paraphrases
        or not all(isinstance(p, str) and p.strip() for p in paraphrases)
    ):
        raise fail(f"{label}: 'paraphrases' must be a non-empty list of strings")

    system = fields.get("system")
    if system is not None and not (isinstance(system, str) and system.strip()):
        raise fail(f"{label}: 'system' must be a non-empty string when given")

    samples = fields.get("samples_per_paraphrase", 1)
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise fail(f"{label}: 'samples_per_paraphrase' must be a positive integer")

    judge = fields.get("judge")
    if judge is not None and not isinstance(judge, str):
        raise fail(f"{label}: 'judge' must be a model name string")

    prompts = fields["judge_prompts"]
    if not isinstance(prompts, dict):
        raise fail(f"{label}: 'judge_prompts' must map score names to prompts")
    judge_prompts = {str(k): v for k, v in prompts.items() if k != LINE_KEY}
    if not judge_prompts:
        raise fail(f"{label}: 'judge_prompts' is empty")
    for name, prompt in judge_prompts.items():
        if not isinstance(prompt, str) or "{answer}" not in prompt:
            raise fail(f"{label}: judge prompt '{name}' must be a string containing {{answer}}")
        if JUDGE_KINDS[qtype] == "label" and len(label_choices(prompt)) < 2:
            raise fail(
                f"{label}: label judge prompt '{name}' must name its labels in double quotes "
                '(e.g. Say "TRUE" or "FALSE")'
            )

    return EMQuestion(
        id=qid,
        type=qtype,
        paraphrases=tuple(paraphrases),
        system=system,
        samples_per_paraphrase=samples,
        judge=judge,
        judge_prompts=judge_prompts,
        source=f"{path}:{line}",
    )
