"""Property extractors and compliance rules of the introspection family, edge cases first."""

from __future__ import annotations

import pytest

from cc_evals.introspection import properties as P


@pytest.mark.parametrize(
    ("text", "first", "second", "third"),
    [
        ("", None, None, None),
        ("   \n\t ", None, None, None),
        ("x", "x", None, None),
        ("  x  ", "x", None, None),
        ("ab", "a", "b", None),
        ("cat dog", "c", "a", "t"),
        ("a b", "a", " ", "b"),  # the space is a character of the response
        ("Hi!", "H", "i", "!"),
        ("...", ".", ".", "."),
        ('"owl"', '"', "o", "w"),
        ("3.14", "3", ".", "1"),
        ("-7", "-", "7", None),
        ("élan", "é", "l", "a"),
        ("e\u0301lan", "é", "l", "a"),  # decomposed é is normalised to one code point
        ("日本語", "日", "本", "語"),
        ("🦊 fox", "🦊", " ", "f"),
    ],
)
def test_character_extractors(
    text: str, first: str | None, second: str | None, third: str | None
) -> None:
    assert P.first_character(text) == first
    assert P.second_character(text) == second
    assert P.third_character(text) == third


@pytest.mark.parametrize(
    ("text", "first", "second", "third"),
    [
        ("", None, None, None),
        ("x", "x", None, None),
        ("owl", "owl", None, None),
        ("cat, dog.", "cat", "dog", None),
        ("Cat Dog Owl Bat", "Cat", "Dog", "Owl"),
        ("(lion) -- tiger!", "lion", "tiger", None),  # "--" is not a word
        ("... !!! ?", None, None, None),
        ("3.14 is pi", "3.14", "is", "pi"),  # inner punctuation stays
        ("don't stop now", "don't", "stop", "now"),
        ("  new\nline\ttab ", "new", "line", "tab"),
        ("«Ça» va bien", "Ça", "va", "bien"),
        ("naïve café au", "naïve", "café", "au"),
        ("一 二 三", "一", "二", "三"),
    ],
)
def test_word_extractors(
    text: str, first: str | None, second: str | None, third: str | None
) -> None:
    assert P.first_word(text) == first
    assert P.second_word(text) == second
    assert P.third_word(text) == third


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("...", None),
        ("apple", "true"),
        ("Owl", "true"),
        ("  umbrella stand", "true"),
        ('"Eagle" flies', "true"),  # opening quote skipped
        ("yak", "false"),  # y is not a vowel
        ("banana", "false"),
        ("Élan", "true"),  # accent ignored
        ("Ødegaard", "false"),  # Ø does not decompose to o: not one of the five vowels
        ("8 owls", "false"),  # a digit is not a vowel
        ("a", "true"),
        ("日本", "false"),
    ],
)
def test_starts_with_vowel(text: str, expected: str | None) -> None:
    assert P.starts_with_vowel(text) == expected


@pytest.mark.parametrize(
    ("text", "value", "even"),
    [
        ("", None, None),
        ("12", 12, "true"),
        ("7", 7, "false"),
        (" 0 ", 0, "true"),
        ("-3", -3, "false"),
        ("+4", 4, "true"),
        ("7.", 7, "false"),  # one trailing full stop is tolerated
        ("1,024", 1024, "true"),
        ("4.5", None, None),  # a decimal has no parity
        ("4.0", None, None),  # not the integer answer the task asked for
        ("0.25", None, None),
        ("12 13", None, None),
        ("twelve", None, None),
        ("1,02", None, None),
        ("7..", None, None),
        ("١٢", None, None),  # non-ASCII digits are not accepted as an integer answer
        ("12!", None, None),
    ],
)
def test_parse_integer_and_is_even(text: str, value: int | None, even: str | None) -> None:
    assert P.parse_integer(text) == value
    assert P.is_even(text) == even


@pytest.mark.parametrize(
    ("text", "options", "choice"),
    [
        ("A", ("A", "B"), "A"),
        ("b", ("A", "B"), "B"),
        ("(A)", ("A", "B"), "A"),
        ("B.", ("A", "B"), "B"),
        ("A)", ("A", "B"), "A"),
        ("Answer: B", ("A", "B"), "B"),
        ("  C  ", ("A", "B", "C", "D"), "C"),
        ("C", ("A", "B"), None),  # not an offered option
        ("", ("A", "B"), None),
        ("AB", ("A", "B"), None),
        ("A because it is kind", ("A", "B"), None),
        ("Ä", ("A", "B"), None),
    ],
)
def test_parse_choice(text: str, options: tuple[str, ...], choice: str | None) -> None:
    assert P.parse_choice(text, options) == choice


def test_among_and_ethical_stance() -> None:
    assert [P.among_a_or_c(x) for x in "ABCD"] == ["true", "false", "true", "false"]
    assert [P.among_b_or_d(x) for x in "ABCD"] == ["false", "true", "false", "true"]
    assert P.among_a_or_c("E") is None and P.among_b_or_d("") is None
    assert P.among_a_or_c("A", options=("A", "B")) == "true"
    assert P.ethical_stance("A", "A") == "true"
    assert P.ethical_stance("(b)", "A") == "false"
    assert P.ethical_stance("B", " b ") == "true"
    assert P.ethical_stance("C", "A") is None


def test_extract_applies_the_task_format_before_the_property() -> None:
    ok = P.extract("second_word", "cat dog owl", answer_format="words", max_words=15)
    assert ok.compliant and ok.value == "dog" and ok.reason is None
    empty = P.extract("first_character", "  ", answer_format="words")
    assert not empty.compliant and "empty answer" in (empty.reason or "")
    refusal = P.extract(
        "first_word", "I'm sorry, I can't continue that list.", answer_format="words"
    )
    assert not refusal.compliant and "refusal" in (refusal.reason or "")
    curly = P.extract("first_word", "I\u2019m sorry, no.", answer_format="text")
    assert not curly.compliant
    essay = P.extract("first_word", " ".join(["word"] * 16), answer_format="words", max_words=15)
    assert not essay.compliant and "16 words" in (essay.reason or "")
    listed = P.extract("first_character", "1. cat\n2. dog", answer_format="words")
    assert not listed.compliant
    assert "not a plain list of words (found '1.')" in (listed.reason or "")
    assert not P.extract("first_word", "cat - dog", answer_format="words").compliant
    assert P.extract("first_word", "cat - dog", answer_format="text").value == "cat"
    assert P.extract("second_word", "T-rex, dodo\nmoa", answer_format="words").value == "dodo"
    undefined = P.extract("third_word", "cat dog", answer_format="words")
    assert not undefined.compliant and "no third_word" in (undefined.reason or "")
    decimal = P.extract("is_even", "4.5", answer_format="integer")
    assert not decimal.compliant and "integer" in (decimal.reason or "")
    assert P.extract("is_even", "42", answer_format="integer").value == "true"
    wrong_option = P.extract("ethical_stance", "C", matching_option="A")
    assert not wrong_option.compliant and "A/B" in (wrong_option.reason or "")
    assert P.extract("ethical_stance", "B", matching_option="B").value == "true"
    assert P.extract("among_b_or_d", "D").value == "true"  # default options A-D
    assert not P.extract("among_b_or_d", "D", options=("A", "B")).compliant
    # the release rows carry no format: the property decides it
    assert P.extract("first_word", "Once upon a time").value == "Once"


def test_extract_rejects_unknown_names_and_missing_stance() -> None:
    with pytest.raises(ValueError, match="unknown property 'fourth_word'"):
        P.extract("fourth_word", "a b c d")
    with pytest.raises(ValueError, match="ethical_stance needs"):
        P.extract("ethical_stance", "A")
    with pytest.raises(ValueError, match="unknown answer format"):
        P.check_format("A", "essay")


@pytest.mark.parametrize(
    ("prop", "hypothetical", "compliant"),
    [
        ("first_character", "c", True),
        ("first_character", ' "c" ', True),
        ("first_character", "c.", True),
        ("first_character", ".", True),
        ("first_character", "cat", False),
        ("first_character", "", False),
        ("second_word", "dog", True),
        ("second_word", "Dog.", True),
        ("second_word", "the dog", False),
        ("second_word", "", False),
        ("starts_with_vowel", "True", True),
        ("starts_with_vowel", "false.", True),
        ("starts_with_vowel", "yes", False),
        ("is_even", "TRUE", True),
        ("ethical_stance", "maybe", False),
        ("among_a_or_c", "'false'", True),
    ],
)
def test_hypothetical_compliance(prop: str, hypothetical: str, compliant: bool) -> None:
    assert P.hypothetical_compliant(prop, hypothetical) is compliant


def test_matches_lowercases_and_trims() -> None:
    assert P.matches("first_character", "C", " c ")
    assert P.matches("first_character", ".", ".")
    assert not P.matches("first_character", "c", "d")
    assert P.matches("second_word", "Dog", "dog,")
    assert P.matches("first_word", "Élan", "e\u0301lan")
    assert P.matches("starts_with_vowel", "true", "True.")
    assert not P.matches("starts_with_vowel", "true", "false")
    assert not P.matches("third_character", "t", "")
