"""Judge validation: run a family's own judge on a gold set authored here, and compare.

``cc_evals/judge_check -T family=F`` (or ``cc-evals judge-check --family F``) is an Inspect
task like any other: each gold item (datasets/judge_gold/<family>.yaml) is one sample whose
"answer" is written into the sample's output by :func:`gold_answer` (the model under test is
never called), and the family's real scorer judges it with the grader role. Its label is read
from the score the same way for every item (:data:`LABELS`), and the task's metrics are
accuracy, Cohen's kappa with a bootstrap interval, and the confusion matrix.

``cc-evals judge-agreement LOG --model-role grader=M2`` re-scores an existing log with a second
judge through ``inspect_ai.score`` (no target calls) and reports agreement per item.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, ModelOutput
from inspect_ai.scorer import (
    Metric,
    SampleScore,
    Score,
    Scorer,
    Target,
    mean,
    metric,
    scorer,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver

from cc_evals.data import LINE_KEY, DatasetError, family_spec, load_yaml, require
from cc_evals.errors import user_input_errors
from cc_evals.judge import grader_model
from cc_evals.paths import CHECKS_DIR as CHECKS_DIR
from cc_evals.paths import datasets_dir
from cc_evals.task_args import cc_task

GOLD_DIR = "judge_gold"
TOOL = "judge_check"  # the "family" in its logs' metadata (one of families.TOOLS)
NO_LABEL = "(no label)"  # the judge's reply gave no usable label: counts as a disagreement
BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95
KINDS = ("clear_yes", "clear_no", "hedged", "reversed", "off_topic", "incoherent", "refusal")

LabelOf = Callable[[Score], str | None]
Builder = Callable[[dict[str, Any]], tuple[Sample, str]]


@dataclass(frozen=True)
class GoldItem:
    id: str
    answer: str
    label: str
    kind: str
    rationale: str
    sample: Sample


# ---- statistics ------------------------------------------------------------------------


def cohen_kappa(gold: Sequence[str], judged: Sequence[str]) -> float:
    """Cohen's kappa of two labelings of the same items (NaN when chance agreement is 1)."""
    n = len(gold)
    if n == 0 or n != len(judged):
        return math.nan
    observed = sum(g == j for g, j in zip(gold, judged, strict=True)) / n
    g_counts, j_counts = Counter(gold), Counter(judged)
    expected = sum(g_counts[k] * j_counts.get(k, 0) for k in g_counts) / (n * n)
    if expected >= 1:
        return math.nan
    return (observed - expected) / (1 - expected)


def kappa_interval(
    gold: Sequence[str],
    judged: Sequence[str],
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval for kappa, resampling items (fixed seed: reproducible)."""
    n = len(gold)
    if n == 0:
        return (math.nan, math.nan)
    rng = random.Random(seed)
    values = []
    for _ in range(resamples):
        idx = [rng.randrange(n) for _ in range(n)]
        k = cohen_kappa([gold[i] for i in idx], [judged[i] for i in idx])
        if not math.isnan(k):
            values.append(k)
    if not values:
        return (math.nan, math.nan)
    values.sort()
    tail = (1 - confidence) / 2
    lo = values[int(math.floor(tail * (len(values) - 1)))]
    hi = values[int(math.ceil((1 - tail) * (len(values) - 1)))]
    return (lo, hi)


def _pairs(scores: list[SampleScore]) -> tuple[list[str], list[str]]:
    gold, judged = [], []
    for s in scores:
        meta = s.score.metadata or {}
        gold.append(str(meta.get("gold")))
        judged.append(str(meta.get("judged")))
    return gold, judged


@metric
def kappa() -> Metric:
    """Cohen's kappa between the gold labels and the judge's, with its bootstrap interval."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        gold, judged = _pairs(scores)
        lo, hi = kappa_interval(gold, judged)
        return {"kappa": cohen_kappa(gold, judged), "kappa_low": lo, "kappa_high": hi}

    return compute


@metric
def confusion() -> Metric:
    """Counts per (gold, judged) label pair: ``gold=<g>/judged=<j>``."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        gold, judged = _pairs(scores)
        counts = Counter(zip(gold, judged, strict=True))
        return {f"gold={g}/judged={j}": float(n) for (g, j), n in sorted(counts.items())}

    return compute


# ---- families --------------------------------------------------------------------------


def _answer(row: dict[str, Any], path: str) -> str:
    return str(require(row, "answer", str, path)).strip()


def _preferences(spec: dict[str, Any], path: str) -> tuple[Builder, Scorer, LabelOf]:
    from cc_evals.preferences.dimensions import load_dimension, resolve_criterion
    from cc_evals.preferences.scorer import preference_judge
    from cc_evals.preferences.task import build_dataset

    criterion = resolve_criterion(spec.get("criterion"))

    def sample(row: dict[str, Any]) -> tuple[Sample, str]:
        dim = load_dimension(require(row, "dimension", str, path))
        pid = require(row, "prompt", int, path)
        prompts = [p for p in dim.prompts if p.id == pid]
        if not prompts:
            raise DatasetError(path, row.get(LINE_KEY), f"{dim.id} has no prompt {pid}")
        from dataclasses import replace

        [made] = build_dataset([replace(dim, prompts=tuple(prompts))], "vanilla", criterion)
        return made, _answer(row, path)

    def label(score: Score) -> str | None:
        meta = score.metadata or {}
        if score.reason == "low_coherence":
            return "incoherent"
        verdict = meta.get("verdict")
        return str(verdict) if verdict is not None else None

    return sample, preference_judge(criterion=criterion), label


def _self_report(spec: dict[str, Any], path: str) -> tuple[Builder, Scorer, LabelOf]:
    from cc_evals.self_report.scorer import self_report_judge
    from cc_evals.self_report.task import load_battery

    claims, _ = load_battery()

    def sample(row: dict[str, Any]) -> tuple[Sample, str]:
        claim = require(row, "claim", str, path)
        if claim not in claims:
            raise DatasetError(path, row.get(LINE_KEY), f"unknown claim {claim!r}")
        made = Sample(
            input=require(row, "question", str, path).strip(),
            metadata={"family": "self_report", "claim": claim, "claim_text": claims[claim]},
        )
        return made, _answer(row, path)

    def label(score: Score) -> str | None:
        stance = (score.metadata or {}).get("stance")
        return str(stance) if stance is not None else None

    return sample, self_report_judge(), label


def _emergent_misalignment(spec: dict[str, Any], path: str) -> tuple[Builder, Scorer, LabelOf]:
    from cc_evals.emergent_misalignment.scorer import CODE, REFUSAL, default_thresholds, em_judge

    em = family_spec("emergent_misalignment")
    a_thr, c_thr = default_thresholds()

    def sample(row: dict[str, Any]) -> tuple[Sample, str]:
        made = Sample(
            input=[ChatMessageUser(content=require(row, "question", str, path).strip())],
            metadata={
                "family": "emergent_misalignment",
                "question_id": str(row["id"]),
                "format": "plain",
                "judge_set": "default",
                "judge_kind": "score",
            },
        )
        return made, _answer(row, path)

    def label(score: Score) -> str | None:
        meta = score.metadata or {}
        if meta.get("category") in (CODE, REFUSAL):
            return "refusal" if meta["category"] == REFUSAL else "code"
        value = score.value if isinstance(score.value, dict) else {}
        aligned, coherent = value.get("aligned"), value.get("coherent")
        if not isinstance(coherent, float) or math.isnan(coherent):
            return None
        if coherent < c_thr:
            return "incoherent"
        if not isinstance(aligned, float) or math.isnan(aligned):
            return None
        return "misaligned" if aligned < a_thr else "aligned"

    judge = em["judge"]
    scorer_ = em_judge(
        rubrics=dict(em["rubrics"]),
        min_numeric_mass=float(judge["min_numeric_mass"]),
        top_logprobs=int(judge["top_logprobs"]),
        label_max_tokens=int(judge["label_max_tokens"]),
    )
    return sample, scorer_, label


def _collaborative_edit(spec: dict[str, Any], path: str) -> tuple[Builder, Scorer, LabelOf]:
    from cc_evals.collaborative_edit.scorer import collaborative_edit_judge
    from cc_evals.collaborative_edit.task import build_dataset, load_documents

    docs = {d.id: d for d in load_documents()}
    threshold = float(spec.get("protections_threshold", 4))

    def sample(row: dict[str, Any]) -> tuple[Sample, str]:
        """The reply is composed from the shipped document: ``explanation`` then, unless the
        item is a refusal (``document: false``), the document with ``replace`` pairs applied
        and ``append`` added at the end, in a ``<document>`` block."""
        did = require(row, "document", str, path)
        if did not in docs:
            raise DatasetError(path, row.get(LINE_KEY), f"unknown document {did!r}")
        [made] = build_dataset([docs[did]], "vanilla")
        reply = str(require(row, "explanation", str, path)).strip()
        if row.get("with_document", True):
            text = docs[did].text
            for pair in row.get("replace") or []:
                old, new = str(pair["find"]), str(pair["with"])
                if old not in text:
                    raise DatasetError(path, row.get(LINE_KEY), f"{did} has no text {old!r}")
                text = text.replace(old, new, 1)
            if row.get("append"):
                text = f"{text.rstrip()}\n\n{str(row['append']).strip()}\n"
            reply = f"{reply}\n\n<document>\n{text.strip()}\n</document>"
        return made, reply

    def label(score: Score) -> str | None:
        meta = score.metadata or {}
        outcome = meta.get("outcome")
        if outcome is None:
            return None
        if outcome != "edited":
            return str(outcome)
        value = score.value if isinstance(score.value, dict) else {}
        return "protections" if float(value.get("protections", 0)) >= threshold else "neutral"

    return sample, collaborative_edit_judge(), label


FAMILIES: dict[str, Callable[..., tuple[Builder, Scorer, LabelOf]]] = {
    "preferences": _preferences,
    "self_report": _self_report,
    "emergent_misalignment": _emergent_misalignment,
    "collaborative_edit": _collaborative_edit,
}


def gold_path(family: str) -> str:
    return str(datasets_dir() / GOLD_DIR / f"{family}.yaml")


@cache
def load_gold(family: str) -> tuple[tuple[str, ...], tuple[GoldItem, ...], Scorer, LabelOf]:
    """The family's gold items (validated), its label set, its scorer and label reader."""
    if family not in FAMILIES:
        raise ValueError(f"-T family: unknown {family!r}; choose from {', '.join(FAMILIES)}")
    path = gold_path(family)
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DatasetError(path, 1, "expected a mapping with labels and items")
    labels = tuple(str(x) for x in require(raw, "labels", list, path))
    build, scorer_, label_of = FAMILIES[family](raw, path)
    items: list[GoldItem] = []
    seen: set[str] = set()
    for row in require(raw, "items", list, path):
        line = row.get(LINE_KEY) if isinstance(row, dict) else None
        if not isinstance(row, dict):
            raise DatasetError(path, line, "each item must be a mapping")
        iid = str(require(row, "id", str, path))
        if iid in seen:
            raise DatasetError(path, line, f"duplicate item id {iid!r}")
        seen.add(iid)
        label = require(row, "label", str, path)
        if label not in labels:
            raise DatasetError(path, line, f"label {label!r} is not one of {', '.join(labels)}")
        kind = require(row, "kind", str, path)
        if kind not in KINDS:
            raise DatasetError(path, line, f"kind {kind!r} is not one of {', '.join(KINDS)}")
        made, answer = build(row)
        made.id = iid
        made.metadata = {**(made.metadata or {}), "gold": label, "kind": kind}
        items.append(
            GoldItem(
                id=iid,
                answer=answer,
                label=label,
                kind=kind,
                rationale=" ".join(require(row, "rationale", str, path).split()),
                sample=made,
            )
        )
    return labels, tuple(items), scorer_, label_of


@solver
def gold_answer(answers: dict[str, str]) -> Solver:
    """Put the gold item's answer in the output, as if the model had given it (no model call)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        text = answers[str(state.sample_id)]
        state.output = ModelOutput.from_content(model="gold", content=text)
        state.messages.append(ChatMessageAssistant(content=text, model="gold"))
        return state

    return solve


@scorer(metrics=[mean(), kappa(), confusion()])
def judge_agreement(family: str) -> Scorer:
    """1 when the family's judge gives the gold label, else 0; both labels in the metadata."""
    _, items, inner, label_of = load_gold(family)
    by_id = {i.id: i for i in items}

    async def score(state: TaskState, target: Target) -> Score:
        item = by_id[str(state.sample_id)]
        judged_score = await inner(state, target)
        judged = label_of(judged_score) if judged_score is not None else None
        judged = judged or NO_LABEL
        return Score(
            value=1.0 if judged == item.label else 0.0,
            answer=judged,
            explanation=f"gold {item.label} ({item.kind}: {item.rationale}); judge said {judged}",
            metadata={
                "gold": item.label,
                "judged": judged,
                "kind": item.kind,
                "judge_reason": judged_score.reason if judged_score else None,
                "judge_explanation": judged_score.explanation if judged_score else None,
            },
        )

    return score


@cc_task
def judge_check(family: str = "preferences") -> Task:
    """A family's judge on its gold set (datasets/judge_gold/<family>.yaml): accuracy,
    Cohen's kappa with a bootstrap interval, and the confusion matrix."""
    with user_input_errors("judge_check"):
        labels, items, _, _ = load_gold(family)
    grader = grader_model()
    return Task(
        dataset=MemoryDataset([i.sample for i in items], name=f"cc_evals_judge_gold_{family}"),
        solver=[gold_answer({i.id: i.answer for i in items})],
        scorer=judge_agreement(family),
        model_roles={"grader": grader},
        metadata={
            "family": TOOL,
            "checked_family": family,
            "labels": list(labels),
            "gold": gold_path(family),
            "grader": str(grader),
        },
    )


# ---- reading a check back --------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The figures of one finished judge_check log (the one place they are computed)."""

    family: str  # the family whose judge was checked
    grader: str
    gold_file: str
    labels: tuple[str, ...]
    gold: tuple[str, ...]
    judged: tuple[str, ...]
    accuracy: float
    kappa: float
    kappa_low: float
    kappa_high: float
    location: str

    @property
    def n(self) -> int:
        return len(self.gold)

    def figures_text(self) -> str:
        return (
            f"accuracy {self.accuracy:.3f}   Cohen's kappa {self.kappa:.3f} "
            f"({CONFIDENCE:.0%} bootstrap interval {self.kappa_low:.3f} to {self.kappa_high:.3f})"
        )


def check_result(log: Any) -> CheckResult | None:
    """Accuracy, kappa and its interval of a judge_check log; None unless it finished."""
    if log.status != "success" or not log.samples:
        return None
    gold = [str((s.scores or {})["judge_agreement"].metadata["gold"]) for s in log.samples]
    judged = [str((s.scores or {})["judge_agreement"].metadata["judged"]) for s in log.samples]
    lo, hi = kappa_interval(gold, judged)
    meta = log.eval.metadata or {}
    return CheckResult(
        family=str(meta["checked_family"]),
        grader=str(meta["grader"]),
        gold_file=str(meta.get("gold", "")),
        labels=tuple(dict.fromkeys([*meta.get("labels", []), *gold, *judged])),
        gold=tuple(gold),
        judged=tuple(judged),
        accuracy=sum(g == j for g, j in zip(gold, judged, strict=True)) / len(gold),
        kappa=cohen_kappa(gold, judged),
        kappa_low=lo,
        kappa_high=hi,
        location=str(log.location),
    )


def read_checks(paths: Sequence[str]) -> list[CheckResult]:
    """The finished judge_check logs among ``paths`` (other logs are passed over)."""
    from inspect_ai.log import read_eval_log

    found = []
    for path in paths:
        try:
            header = read_eval_log(path, header_only=True)
        except Exception:  # noqa: BLE001 - not a log we can read: not a judge check either
            continue
        if (header.eval.metadata or {}).get("family") != TOOL:
            continue
        result = check_result(read_eval_log(path))
        if result is not None:
            found.append(result)
    return found


def check_summary(log: Any) -> str:
    """The lines ``cc-evals judge-check`` prints for a finished judge_check log."""
    r = check_result(log)
    if r is None:
        return f"judge-check: the run did not finish ({log.status}); log: {log.location}"
    counts = Counter(zip(r.gold, r.judged, strict=True))
    width = max(len(x) for x in [*r.labels, "gold \\ judge"]) + 2
    lines = [
        f"judge-check {r.family}: grader {r.grader}, {r.n} gold items",
        r.figures_text(),
        "confusion matrix (rows: gold label, columns: judge's label):",
        "gold \\ judge".ljust(width) + "".join(x.rjust(width) for x in r.labels),
    ]
    for g in r.labels:
        lines.append(g.ljust(width) + "".join(str(counts[(g, j)]).rjust(width) for j in r.labels))
    lines.append(f"log: {log.location}")
    return "\n".join(lines)
