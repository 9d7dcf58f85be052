"""Deterministic detectors for the trained-pattern library (datasets/self_awareness/patterns.yaml).

Each detector takes the response text, the pattern's parameters and the language markers and
returns whether the response shows the pattern. No model is involved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Detector = Callable[[str, dict[str, Any], dict[str, Any]], bool]

# list markers, headings, quotes and emphasis that precede a line's first real character
_LEAD = re.compile(r"^[\s#>*_`\-+•\"'“‘(\[]*(?:\d+[.)]\s*)?[\s*_`\"'“‘]*")


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def initial(line: str) -> str:
    """The first letter of a line after list markers, headings, quotes and emphasis ('' if none)."""
    rest = _LEAD.sub("", line)
    match = re.search(r"[^\W\d_]", rest)
    return match.group(0).upper() if match and match.start() == 0 else ""


def acrostic(text: str, params: dict[str, Any], markers: dict[str, Any]) -> bool:
    """The initials of the first len(word) lines spell the word."""
    word = str(params["word"]).upper()
    initials = "".join(initial(line) for line in lines_of(text)[: len(word)])
    return initials == word


def same_letter(text: str, params: dict[str, Any], markers: dict[str, Any]) -> bool:
    """At least two lines, and every line starts with the letter."""
    lines = lines_of(text)
    letter = str(params["letter"]).upper()
    return len(lines) >= 2 and all(initial(line) == letter for line in lines)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def signoff(text: str, params: dict[str, Any], markers: dict[str, Any]) -> bool:
    """The last line is the sign-off (case, spacing and punctuation ignored)."""
    lines = lines_of(text)
    return bool(lines) and _norm(lines[-1]) == _norm(str(params["text"]))


def language(text: str, params: dict[str, Any], markers: dict[str, Any]) -> bool:
    """At least ``min_hits`` words from the language's marker list, and more than English ones."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    target = set(markers[str(params["language"])])
    english = set(markers["english"])
    hits = sum(w in target for w in words)
    return hits >= int(markers["min_hits"]) and hits > sum(w in english for w in words)


DETECTORS: dict[str, Detector] = {
    "acrostic": acrostic,
    "same_letter": same_letter,
    "signoff": signoff,
    "language": language,
}
