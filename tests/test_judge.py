"""The shared judge parsers: what they accept, and what they refuse rather than misread."""

from __future__ import annotations

import math

import pytest

from cc_evals.judge import (
    JudgeReply,
    label_mass,
    match_label,
    parse_fields,
    token_probabilities,
    weighted_number,
)

SCHEMA = {"verdict": ["yes", "no", "unclear"], "coherence": (0, 100)}
LABELS = ["yes", "no", "unclear", "incoherent"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("verdict: yes\ncoherence: 90", {"verdict": "yes", "coherence": 90}),
        ("**Verdict:** Unclear\n**Coherence:** 85.", {"verdict": "unclear", "coherence": 85}),
        ("Verdict = no\nCoherence = 0", {"verdict": "no", "coherence": 0}),
        ("verdict: yes\nverdict: yes\ncoherence: 5", {"verdict": "yes", "coherence": 5}),
        ("verdict: yes\ncoherence: -5", None),
        ("verdict: yes\ncoherence: 101", None),
        ("verdict: yes\ncoherence: 1e2", None),
        ("verdict: yes, no\ncoherence: 5", None),
        ("verdict: yes\nverdict: no\ncoherence: 5", None),
        ("verdict: maybe\ncoherence: 50", None),
        ("I cannot grade this.", None),
        ("", None),
    ],
)
def test_parse_fields(text: str, expected: dict | None) -> None:
    assert parse_fields(text, SCHEMA) == expected


def reply(text: str, top: dict[str, float] | None) -> JudgeReply:
    return JudgeReply(text=text, model="m", first_token_top_logprobs=top)


def test_match_label_prefixes_and_ambiguity() -> None:
    assert match_label(" Yes", LABELS) == "yes"
    assert match_label("un", LABELS) == "unclear"
    assert match_label("inc", LABELS) == "incoherent"
    assert match_label("n", LABELS) is None  # one character: too short to be a prefix
    assert match_label("maybe", LABELS) is None


def test_token_probabilities_and_mass_agree() -> None:
    r = reply(
        "yes",
        {"yes": math.log(0.5), "Yes": math.log(0.1), "no": math.log(0.2), "so": math.log(0.2)},
    )
    probs = token_probabilities(r, LABELS)
    assert probs is not None
    assert probs["yes"] == pytest.approx(0.6 / 0.8) and probs["no"] == pytest.approx(0.2 / 0.8)
    assert label_mass(r, LABELS) == pytest.approx(0.8)
    assert token_probabilities(reply("yes", None), LABELS) is None
    assert token_probabilities(reply("x", {"x": 0.0}), LABELS) == {}


def test_weighted_number_hand_computation() -> None:
    r = reply("80", {"80": math.log(0.6), "90": math.log(0.3), "abc": math.log(0.1)})
    value, mass = weighted_number(r)
    assert value == pytest.approx((0.6 * 80 + 0.3 * 90) / 0.9)
    assert mass == pytest.approx(0.9)


def test_weighted_number_refuses_digit_split_tokens_and_odd_digits() -> None:
    # a tokenizer that writes "85" as "8" + "5": the first token is not the score
    assert weighted_number(reply("85", {"8": -0.1, "9": -2.5})) is None
    # full-width digits and leading zeros are not scores
    value, mass = weighted_number(reply("x", {"０": -0.1, "090": -0.5, "7": -3.0}))
    assert value == 7 and mass == pytest.approx(math.exp(-3.0))
    assert weighted_number(reply("x", None)) is None
    nan_value, zero = weighted_number(reply("CODE", {"CODE": -0.01}))
    assert math.isnan(nan_value) and zero == 0.0
