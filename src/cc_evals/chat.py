"""Chat messages from (role, content) pairs, as families store them in sample metadata."""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
)


def to_messages(pairs: Sequence[Sequence[str]]) -> list[ChatMessage]:
    """(role, content) pairs as Inspect chat messages (any role but system/assistant is user)."""
    out: list[ChatMessage] = []
    for role, content in pairs:
        if role == "system":
            out.append(ChatMessageSystem(content=content))
        elif role == "assistant":
            out.append(ChatMessageAssistant(content=content))
        else:
            out.append(ChatMessageUser(content=content))
    return out
