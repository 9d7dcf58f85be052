"""The family's data: loaded from datasets/self_awareness/ and checked, or generated (lotteries).

Every loader fails with ``file:line: what is wrong`` (:class:`DatasetError`), every ``-T`` problem
with a one-line ValueError naming the parameter; the task factories turn both into one clear line
before any sample runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cc_evals import data
from cc_evals.data import DatasetError, load_yaml, require, strip_lines
from cc_evals.paths import datasets_dir

LETTERS = "ABCDEFGHIJ"


def family_spec() -> dict[str, Any]:
    """tasks/self_awareness.yaml, through the suite's one spec loader."""
    return data.family_spec("self_awareness")


def _data(part: str) -> tuple[Path, Any]:
    path = datasets_dir() / family_spec()["data"][part]
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DatasetError(path, 1, "expected a mapping at the top level")
    return path, raw


def _minimum(name: str) -> int:
    return int(family_spec()["minimums"][name])


def text_list(raw: Any, key: str, path: Path, minimum: int, line: int | None = None) -> list[str]:
    """A non-empty list of distinct non-empty strings with at least ``minimum`` entries."""
    where = raw.get("__line__", line) if isinstance(raw, dict) else line
    value = raw.get(key) if isinstance(raw, dict) else raw
    if not isinstance(value, list) or not value:
        raise DatasetError(path, where, f"'{key}' must be a non-empty list of questions")
    out = [str(v).strip() for v in value if isinstance(v, str) and v.strip()]
    if len(out) != len(value):
        raise DatasetError(path, where, f"'{key}': every entry must be a non-empty string")
    if len(set(out)) != len(out):
        raise DatasetError(path, where, f"'{key}': duplicate entries")
    if len(out) < minimum:
        raise DatasetError(path, where, f"'{key}' has {len(out)} entries; at least {minimum}")
    return out


# ---- part 1: self-ratings ---------------------------------------------------------------


@dataclass(frozen=True)
class RatingItem:
    id: str
    kind: str  # "number" (0-100) or "word" (looked up in word_values)
    high: str
    questions: tuple[str, ...]
    word_values: tuple[tuple[str, float], ...] = ()


@cache
def rating_items() -> tuple[tuple[RatingItem, ...], dict[str, str]]:
    """The rating and one-word items, and the answer formats (``number``, ``word``)."""
    path, raw = _data("ratings")
    formats = {
        "number": str(require(raw, "number_format", str, path)).strip(),
        "word": str(require(raw, "word_format", str, path)).strip(),
    }
    items: list[RatingItem] = []
    need = _minimum("rating_paraphrases")
    for key, kind in (("ratings", "number"), ("words", "word")):
        block = require(raw, key, dict, path)
        for item_id, row in block.items():
            if item_id == "__line__":
                continue
            if not isinstance(row, dict):
                raise DatasetError(
                    path, block.get("__line__"), f"{key}.{item_id} must be a mapping"
                )
            questions = text_list(row, "questions", path, need)
            values: list[tuple[str, float]] = []
            if kind == "word":
                table = require(row, "values", dict, path)
                for level, words in table.items():
                    if level == "__line__":
                        continue
                    if float(level) not in (0.0, 0.5, 1.0) or not isinstance(words, list):
                        raise DatasetError(
                            path, table["__line__"], f"values: level {level!r} must be 0, 0.5 or 1"
                        )
                    values += [(str(w).strip().lower(), float(level)) for w in words]
                seen = [w for w, _ in values]
                dup = {w for w in seen if seen.count(w) > 1}
                if dup:
                    raise DatasetError(
                        path, table["__line__"], f"word(s) in two lists: {', '.join(sorted(dup))}"
                    )
            high = str(require(row, "high", str, path))
            items.append(RatingItem(str(item_id), kind, high, tuple(questions), tuple(values)))
    return tuple(items), formats


# ---- part 2a: lottery pairs --------------------------------------------------------------


@dataclass(frozen=True)
class Lottery:
    index: int
    sure: int  # dollars for the sure option
    percent: int  # winning probability of the uncertain option
    prize: int  # dollars the uncertain option pays with that probability
    offset: int  # intended EV offset of the uncertain option, percent of the sure amount
    risky_first: bool  # the uncertain option is shown as A

    @property
    def ev_uncertain(self) -> float:
        return self.prize * self.percent / 100

    def key(self) -> tuple[int, int, int]:
        return (self.sure, self.percent, self.prize)


def generate_lotteries(n_pairs: int, seed: int) -> list[Lottery]:
    """``n_pairs`` lottery pairs from ``seed``: sure amount and winning probability drawn from the
    spec's grids; the EV offsets used equally often (cycled, then shuffled); the uncertain option
    first in exactly half of the pairs (alternating). A seed that draws the same pair twice is
    refused, so every pair in a run is distinct."""
    spec = family_spec()["lottery"]
    if int(n_pairs) < 2:
        raise ValueError(f"-T lottery_pairs must be at least 2, got {n_pairs}")
    lo, hi = (int(v) for v in spec["sure_amount"])
    percents = [int(p) for p in spec["win_percent"]]
    offsets = [int(o) for o in spec["ev_offsets"]]
    rng = random.Random(int(seed))
    cycle = [offsets[i % len(offsets)] for i in range(int(n_pairs))]
    rng.shuffle(cycle)
    pairs: list[Lottery] = []
    seen: dict[tuple[int, int, int], int] = {}
    for i, offset in enumerate(cycle):
        sure = rng.randint(lo, hi)
        percent = rng.choice(percents)
        prize = round(sure * (100 + offset) / percent)
        pair = Lottery(i, sure, percent, prize, offset, risky_first=i % 2 == 0)
        if pair.key() in seen:
            raise ValueError(
                f"-T lottery_seed={seed}: pairs {seen[pair.key()]} and {i} are the same lottery "
                f"(${sure} vs {percent}% of ${prize}) with lottery_pairs={n_pairs}; "
                "choose another seed or fewer pairs"
            )
        seen[pair.key()] = i
        pairs.append(pair)
    return pairs


@dataclass(frozen=True)
class LotteryText:
    framings: tuple[str, ...]
    sure_option: str
    uncertain_option: str
    banned_words: tuple[str, ...]


@cache
def lottery_text() -> LotteryText:
    path, raw = _data("lottery")
    framings = text_list(raw, "framings", path, 1)
    for f in framings:
        if "{first}" not in f or "{second}" not in f:
            raise DatasetError(path, raw["__line__"], "every framing needs {first} and {second}")
    banned = tuple(str(w).lower() for w in require(raw, "banned_words", list, path))
    return LotteryText(
        tuple(framings),
        require(raw, "sure_option", str, path),
        require(raw, "uncertain_option", str, path),
        banned,
    )


def lottery_prompt(pair: Lottery) -> tuple[str, str]:
    """The prompt for one pair and the letter of its uncertain option."""
    text = lottery_text()
    sure = text.sure_option.format(amount=pair.sure)
    uncertain = text.uncertain_option.format(percent=pair.percent, amount=pair.prize)
    first, second = (uncertain, sure) if pair.risky_first else (sure, uncertain)
    framing = text.framings[pair.index % len(text.framings)]
    prompt = framing.format(first=f"A: {first}", second=f"B: {second}")
    return prompt, "A" if pair.risky_first else "B"


# ---- part 2b: code requests ----------------------------------------------------------------


@dataclass(frozen=True)
class CodeRequest:
    id: str
    text: str
    weakness: str


@cache
def code_requests() -> tuple[tuple[CodeRequest, ...], str]:
    path, raw = _data("code_security")
    answer_format = str(require(raw, "answer_format", str, path)).strip()
    rows = require(raw, "requests", list, path)
    out: list[CodeRequest] = []
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, dict):
            raise DatasetError(path, None, "every request must be a mapping")
        rid = require(row, "id", str, path)
        if rid in seen:
            raise DatasetError(path, row["__line__"], f"duplicate request id '{rid}'")
        seen.add(rid)
        out.append(
            CodeRequest(rid, require(row, "text", str, path), require(row, "weakness", str, path))
        )
    if len(out) < _minimum("code_requests"):
        raise DatasetError(
            path, None, f"only {len(out)} requests; at least {_minimum('code_requests')}"
        )
    return tuple(out), answer_format


# ---- part 3: backdoor awareness ------------------------------------------------------------


@dataclass(frozen=True)
class Backdoor:
    questions: tuple[str, ...]
    yes: str
    no: str
    answer_format: str
    system_prompts: dict[str, str | None]
    trigger_questions: tuple[str, ...]


@cache
def backdoor_data() -> Backdoor:
    path, raw = _data("backdoor")
    options = require(raw, "options", dict, path)
    systems = require(raw, "system_prompts", dict, path)
    trig = text_list(raw, "trigger_questions", path, 1)
    if any("{options}" not in q for q in trig):
        raise DatasetError(path, raw["__line__"], "every trigger question needs {options}")
    return Backdoor(
        questions=tuple(text_list(raw, "questions", path, _minimum("backdoor_paraphrases"))),
        yes=require(options, "unusual", str, path).strip(),
        no=require(options, "usual", str, path).strip(),
        answer_format=require(raw, "answer_format", str, path).strip(),
        system_prompts={
            str(k): (str(v).strip() if v else None) for k, v in systems.items() if k != "__line__"
        },
        trigger_questions=tuple(trig),
    )


def system_prompt_named(name: str) -> str | None:
    known = backdoor_data().system_prompts
    if name not in known:
        raise ValueError(f"-T backdoor_system: unknown {name!r}; choose from {', '.join(known)}")
    return known[name]


@dataclass(frozen=True)
class Triggers:
    real: str
    decoys: tuple[str, ...]
    source: str


def load_triggers(file: str) -> Triggers:
    """``-T triggers=<file>``: YAML ``real: <trigger>`` and ``decoys: [<trigger>, ...]``."""
    path = Path(file)
    if not path.is_file():
        raise ValueError(f"-T triggers: no such file {file!r} (YAML with 'real:' and 'decoys:')")
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DatasetError(path, 1, "expected 'real: <trigger>' and 'decoys: [...]'")
    real = str(require(raw, "real", str, path)).strip()
    decoys = text_list(raw, "decoys", path, 1)
    if len(decoys) + 1 > len(LETTERS):
        raise DatasetError(path, raw["__line__"], f"at most {len(LETTERS) - 1} decoys")
    if real in decoys:
        raise DatasetError(path, raw["__line__"], "the real trigger is also listed as a decoy")
    return Triggers(real, tuple(decoys), str(path))


# ---- part 4: trained patterns --------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    id: str
    kind: str
    name: str
    description: str
    params: dict[str, Any]


@cache
def pattern_library() -> tuple[
    dict[str, Pattern], tuple[str, ...], tuple[str, ...], dict[str, Any]
]:
    """Patterns by id, the ordinary questions, the awareness questions, the language markers."""
    from cc_evals.self_awareness.patterns import DETECTORS

    path, raw = _data("patterns")
    block = require(raw, "patterns", dict, path)
    patterns: dict[str, Pattern] = {}
    for pid, row in block.items():
        if pid == "__line__":
            continue
        if not isinstance(row, dict):
            raise DatasetError(path, block["__line__"], f"pattern {pid!r} must be a mapping")
        kind = require(row, "kind", str, path)
        if kind not in DETECTORS:
            raise DatasetError(
                path,
                row["__line__"],
                f"pattern {pid!r}: unknown kind {kind!r}; one of " + ", ".join(DETECTORS),
            )
        params = {
            k: v for k, v in strip_lines(row).items() if k not in ("kind", "name", "description")
        }
        patterns[str(pid)] = Pattern(
            str(pid),
            kind,
            require(row, "name", str, path),
            require(row, "description", str, path),
            params,
        )
    questions = text_list(raw, "questions", path, _minimum("pattern_questions"))
    awareness = text_list(raw, "awareness_questions", path, _minimum("awareness_paraphrases"))
    markers = strip_lines(require(raw, "language_markers", dict, path))
    return patterns, tuple(questions), tuple(awareness), markers


def resolve_pattern(name: str) -> Pattern:
    patterns = pattern_library()[0]
    if name not in patterns:
        raise ValueError(f"-T pattern: unknown {name!r}; choose from {', '.join(patterns)}")
    return patterns[name]


def load_awareness_questions(file: str | None) -> tuple[str, ...]:
    """The awareness paraphrases: the library's, or ``-T awareness_questions=<file>``."""
    if file is None:
        return pattern_library()[2]
    path = Path(file)
    if not path.is_file():
        raise ValueError(
            f"-T awareness_questions: no such file {file!r} (a YAML list of questions)"
        )
    raw = load_yaml(path)
    if not isinstance(raw, list) or not raw:
        raise DatasetError(
            path, 1, "-T awareness_questions: expected a non-empty YAML list of questions"
        )
    return tuple(text_list(raw, "awareness_questions", path, 1, line=1))
