"""The one judge path every family uses: resolve the grader, render a rubric, call, parse.

The grader is the Inspect model role ``grader`` (``--model-role grader=...``) with a pinned default,
resolved eagerly when a task is built so that a missing API key stops the run before any sample.
Judge calls run at temperature 0 and never raise: transport or provider failures come back as a
``JudgeReply`` with ``error`` set, so scorers can mark the sample unscored with the reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.model import GenerateConfig, Model, ModelOutput
from inspect_ai.scorer import Score

from cc_evals._inspect import PrerequisiteError
from cc_evals.endpoints import bounded_model, call_failure, check_reachable
from cc_evals.errors import plain_message

# re-exported: the scorers import the rubric loader from the judge module
from cc_evals.rubrics import Rubric as Rubric
from cc_evals.rubrics import RubricError as RubricError
from cc_evals.rubrics import load_rubric as load_rubric

DEFAULT_GRADER = "openai/gpt-4.1-2025-04-14"
# the explanation every scorer gives an answer whose judge call failed (an outage, not a bad
# reply); the suite's re-judging finds such answers by it (cc_evals.suite_run.is_outage)
JUDGE_CALL_FAILED = "judge call failed"
GRADER_ROLE = "grader"


def grader_model() -> Model:
    """Resolve the grader role (or the pinned default) now, with a one-line error if it can't be.

    The model carries the grader's call limits (tasks/model_limits.yaml) and its endpoint must
    answer a TCP connect, so a missing key or an unreachable judge stops the run before any
    sample.
    """
    try:
        model = bounded_model(GRADER_ROLE, DEFAULT_GRADER)
    except PrerequisiteError as ex:
        detail = plain_message(ex)
        raise PrerequisiteError(
            f"cc_evals: the judge model could not be initialised ({detail}). Set its API key, "
            f"or pick another judge with --model-role grader=<model> (default {DEFAULT_GRADER})."
        ) from None
    check_reachable(
        model,
        "the judge model",
        "Check the network, or pick another judge with --model-role "
        f"grader=<model> (default {DEFAULT_GRADER}).",
    )
    return model


# a log-probability is at most 0; providers round, so a hair above 0 is read as 0
LOGPROB_ROUNDING = 1e-4


def logprob_problem(top: dict[str, float]) -> str | None:
    """Why a first-token logprob table cannot be read as probabilities, or None if it can.

    Every value must be a number no greater than 0 (``-inf`` is probability 0); NaN, ``+inf``
    or a positive value (``exp`` of 710 overflows) is the judge's or provider's error.
    """
    for token, logprob in top.items():
        if not isinstance(logprob, int | float) or math.isnan(logprob):
            return f"the judge returned a non-numeric logprob {logprob!r} for token {token!r}"
        if logprob > LOGPROB_ROUNDING:
            return f"the judge returned an impossible logprob {logprob!r} (> 0) for token {token!r}"
    return None


@dataclass
class JudgeReply:
    """One judge answer. Its logprobs, when present, are always valid: a reply built with
    impossible ones (see :func:`logprob_problem`) keeps ``error`` set and no logprobs, so every
    scorer marks the sample unscored with that reason instead of reading them as numbers."""

    text: str
    model: str
    first_token_top_logprobs: dict[str, float] | None = None
    error: str | None = None
    output_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        top = self.first_token_top_logprobs
        if not top:  # an empty table is no logprobs
            self.first_token_top_logprobs = None
            return
        problem = logprob_problem(top)
        if problem is not None:
            self.error = self.error or problem
            self.first_token_top_logprobs = None
        else:
            self.first_token_top_logprobs = {t: min(float(lp), 0.0) for t, lp in top.items()}


def first_token_logprobs(output: ModelOutput) -> dict[str, float] | None:
    """Token -> logprob of the first generated token and its top alternatives (None without
    logprobs); the highest logprob is kept per distinct token string. Also used on the target's
    own outputs (self_awareness reads option probabilities from them)."""
    choice = output.choices[0] if output.choices else None
    if choice is None or choice.logprobs is None or not choice.logprobs.content:
        return None
    first = choice.logprobs.content[0]
    top = {first.token: first.logprob}
    for alt in first.top_logprobs or []:
        top[alt.token] = max(alt.logprob, top.get(alt.token, -math.inf))
    return top


def judge_call_failed(reply: JudgeReply, metadata: dict[str, Any]) -> Score | None:
    """The unscored ``grader_failed`` score of an answer whose judge call failed, else None."""
    if not reply.error:
        return None
    return Score.unscored(
        reason="grader_failed",
        explanation=f"{JUDGE_CALL_FAILED}: {reply.error}",
        metadata=metadata,
    )


async def judge_generate(
    prompt: str,
    *,
    max_tokens: int,
    logprobs: bool = False,
    top_logprobs: int = 20,
) -> JudgeReply:
    """One grader call at temperature 0; failures are returned in ``error``, never raised."""
    model = bounded_model(GRADER_ROLE, DEFAULT_GRADER)
    config = GenerateConfig(temperature=0.0, max_tokens=max_tokens)
    if logprobs:
        config = config.merge(GenerateConfig(logprobs=True, top_logprobs=top_logprobs))
    try:
        output = await model.generate(prompt, config=config)
    except Exception as ex:  # provider/transport failure: the sample becomes unscored
        return JudgeReply(text="", model=str(model), error=call_failure(model, ex))
    if output.error:
        return JudgeReply(text=output.completion, model=str(model), error=output.error)
    return JudgeReply(
        text=output.completion,
        model=str(model),
        first_token_top_logprobs=first_token_logprobs(output),
        output_tokens=output.usage.output_tokens if output.usage else None,
    )


def _norm_token(token: str) -> str:
    return strip_chars(token, "\"'`*.:,").lower()


def match_label(token: str, labels: list[str]) -> str | None:
    """The label a token stands for: equal to it, or an unambiguous prefix of two+ characters.

    Matching is case-insensitive after stripping whitespace, quotes and punctuation, so ``" Yes"``
    counts for ``yes`` and ``un`` for ``unclear``; a token that fits several labels counts for none.
    """
    tok = _norm_token(token)
    if not tok:
        return None
    matches = [lab for lab in labels if lab.lower() == tok]
    if not matches and len(tok) >= 2:
        matches = [lab for lab in labels if lab.lower().startswith(tok)]
    return matches[0] if len(matches) == 1 else None


def _label_masses(reply: JudgeReply, labels: list[str]) -> dict[str, float] | None:
    if reply.first_token_top_logprobs is None:
        return None
    mass = dict.fromkeys(labels, 0.0)
    for token, logprob in reply.first_token_top_logprobs.items():
        label = match_label(token, labels)
        if label is not None:
            mass[label] += math.exp(logprob)
    return mass


def token_probabilities(reply: JudgeReply, labels: list[str]) -> dict[str, float] | None:
    """Probability of each label from the first token's top logprobs, renormalised over labels.

    Tokens are matched with :func:`match_label`. Returns None when the reply has no logprobs
    and {} when no probability mass falls on a label.
    """
    mass = _label_masses(reply, labels)
    if mass is None:
        return None
    total = sum(mass.values())
    if total <= 0:
        return {}
    return {label: mass[label] / total for label in labels}


def label_mass(reply: JudgeReply, labels: list[str]) -> float:
    """Unnormalised probability that the first token is one of ``labels`` (0 without logprobs)."""
    mass = _label_masses(reply, labels)
    return sum(mass.values()) if mass else 0.0


_INTEGER_TOKEN = re.compile(r"0|[1-9][0-9]{0,2}")


def weighted_number(reply: JudgeReply, lo: int = 0, hi: int = 100) -> tuple[float, float] | None:
    """Probability-weighted mean of integer tokens in [lo, hi], renormalised, and their mass.

    Returns None without logprobs, and also when the judge's tokenizer split the number it wrote
    over several tokens (reply "85", first token "8"): the first token's distribution then
    describes a digit, not the score, so callers must use the text. Returns (nan, 0.0) when no
    top token is such an integer.
    """
    top = reply.first_token_top_logprobs
    if top is None:
        return None
    written = re.match(r"\s*([0-9]+)", reply.text)
    sampled = max(top, key=lambda t: top[t])
    if (
        written
        and sampled.strip() != written.group(1)
        and written.group(1).startswith(sampled.strip())
    ):
        return None
    weighted = 0.0
    mass = 0.0
    for token, logprob in top.items():
        tok = token.strip()
        if not _INTEGER_TOKEN.fullmatch(tok):
            continue
        value = int(tok)
        if lo <= value <= hi:
            p = math.exp(logprob)
            weighted += p * value
            mass += p
    if mass <= 0:
        return (math.nan, 0.0)
    return (weighted / mass, mass)


FieldSpec = list[str] | tuple[int, int]


_FIELD_PREFIX = "*_#>-"  # markdown decoration allowed before a field name (with whitespace)
_VALUE_LEAD = "*_\"'"  # ... and around its value (a trailing full stop too)


def strip_chars(text: str, chars: str, *, left: bool = True, right: bool = True) -> str:
    """Strip whitespace and ``chars`` from the ends (linear, like str.strip)."""
    start, end = 0, len(text)
    if left:
        while start < end and (text[start].isspace() or text[start] in chars):
            start += 1
    if right:
        while end > start and (text[end - 1].isspace() or text[end - 1] in chars):
            end -= 1
    return text[start:end]


def _field_line(line: str, names: dict[str, str]) -> tuple[str, str] | None:
    """``(field, raw value)`` when ``line`` is ``name: value`` (or ``name = value``) for a field."""
    head = strip_chars(line, _FIELD_PREFIX, right=False)
    sep = min((i for i in (head.find(":"), head.find("=")) if i >= 0), default=-1)
    if sep < 0:
        return None
    name = names.get(strip_chars(head[:sep], "*_", left=False).lower())
    if name is None:
        return None
    value = strip_chars(head[sep + 1 :], _VALUE_LEAD, right=False)
    return name, strip_chars(value, _VALUE_LEAD + ".", left=False)


def parse_fields(text: str, schema: dict[str, FieldSpec]) -> dict[str, str | int] | None:
    """Parse ``name: value`` lines for every field in ``schema``; None if any is missing or invalid.

    A field spec is either the list of allowed words (matched case-insensitively) or an inclusive
    integer range ``(lo, hi)``. The value must be the whole rest of its line (trailing full stop
    allowed), and a field given twice with different values is invalid. One pass over the lines,
    so the time is linear in the reply's length whatever the judge wrote.
    """
    names = {name.lower(): name for name in schema}
    parsed: dict[str, set[str | int]] = {name: set() for name in schema}
    for line in text.split("\n"):
        hit = _field_line(line, names) if (":" in line or "=" in line) else None
        if hit is None:
            continue
        name, raw = hit
        value = _parse_value(raw, schema[name])
        if value is None:
            return None
        parsed[name].add(value)
    if any(len(values) != 1 for values in parsed.values()):
        return None
    return {name: values.pop() for name, values in parsed.items()}


def _parse_value(raw: str, spec: FieldSpec) -> str | int | None:
    if isinstance(spec, tuple):
        lo, hi = spec
        digits = raw.lstrip("0") or ("0" if raw else "")
        # a run of digits longer than the bound is out of range; don't build a huge int
        if not raw.isascii() or not raw.isdigit() or len(digits) > len(str(hi)):
            return None
        number = int(digits)
        return number if lo <= number <= hi else None
    word = raw.lower()
    allowed = [s.lower() for s in spec]
    return word if word in allowed else None


# ---------- what the judge reads from a (possibly reasoning) model's output ----------

TRUNCATED = "truncated"


@dataclass(frozen=True)
class ModelAnswer:
    """A target's final answer, its reasoning (if any) and, when it can't be judged, why.

    ``truncated`` is set when the reply stopped at max_tokens after reasoning, or when reasoning
    came back with an empty answer: the thinking ate the budget, and judging what is left would
    turn "no answer" into a silent "no". A reply without reasoning that hit max_tokens is judged
    as it stands (``stop_reason`` is kept in the score metadata).
    """

    answer: str
    reasoning: str
    stop_reason: str
    truncated: str | None

    def for_judge(self, judge_reasoning: bool) -> str:
        """The text the rubric's ``{answer}`` gets: the answer, or reasoning + answer."""
        if not judge_reasoning or not self.reasoning:
            return self.answer
        return load_rubric("judge_reasoning", fields=("reasoning", "answer")).render(
            reasoning=self.reasoning, answer=self.answer
        )

    def metadata(self, judge_reasoning: bool) -> dict[str, Any]:
        meta: dict[str, Any] = {"stop_reason": self.stop_reason}
        if self.reasoning or judge_reasoning:
            meta.update(
                judge_reasoning=bool(judge_reasoning and self.reasoning),
                reasoning_chars=len(self.reasoning),
            )
        return meta


def model_answer(output: Any) -> ModelAnswer:
    """Split an Inspect ``ModelOutput`` into answer and reasoning (redacted reasoning is empty)."""
    from inspect_ai.model import ContentReasoning

    answer = output.completion.strip()
    reasoning = ""
    stop = str(output.stop_reason)
    had_reasoning = False
    if output.choices and not isinstance(output.message.content, str):
        blocks = [c for c in output.message.content if isinstance(c, ContentReasoning)]
        had_reasoning = bool(blocks)
        reasoning = "\n\n".join(
            (b.summary or "") if b.redacted else b.reasoning for b in blocks
        ).strip()
    truncated = None
    if had_reasoning and stop == "max_tokens":
        truncated = "the reply stopped at max_tokens after reasoning"
        if not answer:
            truncated += " before any answer"
    elif had_reasoning and not answer:
        truncated = "the model reasoned but returned an empty answer"
    return ModelAnswer(answer=answer, reasoning=reasoning, stop_reason=stop, truncated=truncated)


def parse_list_field(text: str, name: str, allowed: list[str], none_word: str) -> list[str] | None:
    """Parse one ``name: a, b`` line into a subset of ``allowed`` (or ``none_word`` for []).

    Same line rules as :func:`parse_fields`; None if the line is missing, given twice with
    different values, names an item outside ``allowed`` or mixes ``none_word`` with items.
    Items keep the order of ``allowed``.
    """
    values = re.findall(
        rf"(?im)^[\s*_#>-]*{re.escape(name)}[\s*_]*[:=][\s*_\"']*([^\n]*?)[\s*_\"'.]*$", text
    )
    parsed: set[tuple[str, ...]] = set()
    known = {a.lower(): a for a in allowed}
    for raw in values:
        words = [w.strip().strip("`\"'").lower() for w in re.split(r"[,;]", raw) if w.strip()]
        if words == [none_word.lower()]:
            parsed.add(())
            continue
        if not words or any(w not in known for w in words):
            return None
        chosen = {known[w] for w in words}
        parsed.add(tuple(a for a in allowed if a in chosen))
    if len(parsed) != 1:
        return None
    return list(parsed.pop())
