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
from functools import cache
from typing import Any

from inspect_ai._util.error import PrerequisiteError
from inspect_ai.model import GenerateConfig, Model, ModelOutput, get_model

from cc_evals.data import DatasetError, load_markdown
from cc_evals.paths import scorers_dir

DEFAULT_GRADER = "openai/gpt-4.1-2025-04-14"
GRADER_ROLE = "grader"


def grader_model() -> Model:
    """Resolve the grader role (or the pinned default) now, with a one-line error if it can't be."""
    try:
        return get_model(role=GRADER_ROLE, default=DEFAULT_GRADER)
    except PrerequisiteError as ex:
        detail = " ".join(re.sub(r"\[/?[a-z ]+\]", "", str(ex.message)).split())
        raise PrerequisiteError(
            f"cc_evals: the judge model could not be initialised ({detail}). Set its API key, "
            f"or pick another judge with --model-role grader=<model> (default {DEFAULT_GRADER})."
        ) from None


@dataclass(frozen=True)
class Rubric:
    """A judge prompt template: markdown body with ``{placeholders}`` and YAML front matter."""

    name: str
    meta: dict[str, Any]
    template: str

    def render(self, **fields: Any) -> str:
        try:
            return self.template.format(**fields)
        except KeyError as ex:
            raise ValueError(f"rubric '{self.name}' needs field {ex.args[0]!r}") from None


@cache
def load_rubric(name: str) -> Rubric:
    path = scorers_dir() / f"{name}.md"
    meta, body = load_markdown(path)
    if "name" in meta and meta["name"] != name:
        raise DatasetError(path, 2, f"front matter name {meta['name']!r} differs from file stem")
    return Rubric(name=name, meta=meta, template=body)


@dataclass
class JudgeReply:
    text: str
    model: str
    first_token_top_logprobs: dict[str, float] | None = None
    error: str | None = None
    output_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


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


async def judge_generate(
    prompt: str,
    *,
    max_tokens: int,
    logprobs: bool = False,
    top_logprobs: int = 20,
) -> JudgeReply:
    """One grader call at temperature 0; failures are returned in ``error``, never raised."""
    model = get_model(role=GRADER_ROLE, default=DEFAULT_GRADER)
    config = GenerateConfig(temperature=0.0, max_tokens=max_tokens)
    if logprobs:
        config = config.merge(GenerateConfig(logprobs=True, top_logprobs=top_logprobs))
    try:
        output = await model.generate(prompt, config=config)
    except Exception as ex:  # provider/transport failure: the sample becomes unscored
        return JudgeReply(text="", model=str(model), error=f"{type(ex).__name__}: {ex}")
    if output.error:
        return JudgeReply(text=output.completion, model=str(model), error=output.error)
    return JudgeReply(
        text=output.completion,
        model=str(model),
        first_token_top_logprobs=first_token_logprobs(output),
        output_tokens=output.usage.output_tokens if output.usage else None,
    )


def _norm_token(token: str) -> str:
    return token.strip().strip("\"'`*.:,").lower()


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
    if reply.first_token_top_logprobs is None:
        return None
    written = re.match(r"\s*([0-9]+)", reply.text)
    sampled = max(reply.first_token_top_logprobs, key=lambda t: reply.first_token_top_logprobs[t])
    if (
        written
        and sampled.strip() != written.group(1)
        and written.group(1).startswith(sampled.strip())
    ):
        return None
    weighted = 0.0
    mass = 0.0
    for token, logprob in reply.first_token_top_logprobs.items():
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


def parse_fields(text: str, schema: dict[str, FieldSpec]) -> dict[str, str | int] | None:
    """Parse ``name: value`` lines for every field in ``schema``; None if any is missing or invalid.

    A field spec is either the list of allowed words (matched case-insensitively) or an inclusive
    integer range ``(lo, hi)``. The value must be the whole rest of its line (trailing full stop
    allowed), and a field given twice with different values is invalid.
    """
    found: dict[str, str | int] = {}
    for name, spec in schema.items():
        values = re.findall(
            rf"(?im)^[\s*_#>-]*{re.escape(name)}[\s*_]*[:=][\s*_\"']*([^\n]*?)[\s*_\"'.]*$", text
        )
        parsed: set[str | int] = set()
        for raw in values:
            value = _parse_value(raw, spec)
            if value is None:
                return None
            parsed.add(value)
        if len(parsed) != 1:
            return None
        found[name] = parsed.pop()
    return found


def _parse_value(raw: str, spec: FieldSpec) -> str | int | None:
    if isinstance(spec, tuple):
        if not re.fullmatch(r"[0-9]+", raw):
            return None
        number = int(raw)
        lo, hi = spec
        return number if lo <= number <= hi else None
    word = raw.lower()
    allowed = [s.lower() for s in spec]
    return word if word in allowed else None
