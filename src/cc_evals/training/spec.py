"""The training family's settings (tasks/training.yaml), read once per process."""

from __future__ import annotations

import math
from typing import Any

from cc_evals import data

FAMILY = "training"


def family_spec() -> dict[str, Any]:
    """tasks/training.yaml, through the suite's one spec loader."""
    return data.family_spec(FAMILY)


def max_row_tokens() -> int:
    return int(family_spec()["export"]["max_row_tokens"])


def token_estimate_note() -> str:
    """How token counts are estimated, in words, for every data card and error message."""
    export = family_spec()["export"]
    return (
        f"estimated as ceil(UTF-8 bytes / {export['bytes_per_token']}) per message plus "
        f"{export['message_overhead_tokens']} per message (no provider tokenizer is used)"
    )


def answer_token_note() -> str:
    export = family_spec()["export"]
    return (
        f"estimated as ceil(UTF-8 bytes / {export['bytes_per_token']}) per answer "
        "(no provider tokenizer is used)"
    )


def estimate_tokens(text: str) -> int:
    """Estimated tokens of one text (see :func:`token_estimate_note`)."""
    per = float(family_spec()["export"]["bytes_per_token"])
    return math.ceil(len(text.encode("utf-8", errors="surrogatepass")) / per)


def estimate_row_tokens(messages: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> int:
    overhead = int(family_spec()["export"]["message_overhead_tokens"])
    return sum(estimate_tokens(content) + overhead for _, content in messages)
