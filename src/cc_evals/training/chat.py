"""Chat fine-tuning files: read and check them, and write validated exports atomically.

Input is JSON Lines, one training row per line: ``{"messages": [{"role", "content"}, ...]}``,
the format of OpenAI chat fine-tuning and of the ``messages`` column Hugging Face (TRL) and
Tinker read; other keys on a row or a message (``weight``, ids) are kept but not checked, and a
content given as a list of text parts (``[{"type": "text", "text": ...}]``) is joined. Roles are
system, user and assistant: any system messages first, then user and assistant alternating,
starting with a user message and ending with an assistant turn. Every problem is one
``file:line: what is wrong`` error; a blank line is skipped.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cc_evals.data import DatasetError
from cc_evals.training.spec import estimate_row_tokens, max_row_tokens, token_estimate_note

ROLES = ("system", "user", "assistant")
Pair = tuple[str, str]


@dataclass(frozen=True)
class ChatRow:
    """One line of a chat file: its messages as (role, content) pairs and the original text."""

    path: str
    line: int
    messages: tuple[Pair, ...]
    raw: str

    def assistant_turns(self) -> list[int]:
        return [i for i, (role, _) in enumerate(self.messages) if role == "assistant"]


def order_problem(messages: list[Pair] | tuple[Pair, ...]) -> str | None:
    """Why a conversation is not a valid training row (roles, order, empty text), or None."""
    if not messages:
        return "no messages"
    i = 0
    while i < len(messages) and messages[i][0] == "system":
        i += 1
    expected = "user"
    for n, (role, content) in enumerate(messages, start=1):
        if role not in ROLES:
            return f"message {n}: unknown role {role!r}; expected one of {', '.join(ROLES)}"
        if not content.strip():
            return f"message {n} ({role}) has empty content"
        if n <= i:
            continue
        if role == "system":
            return f"message {n} is a system message after the conversation started"
        if role != expected:
            return (
                f"message {n} is '{role}' where '{expected}' was expected "
                "(after any system messages, user and assistant alternate, starting with user)"
            )
        expected = "assistant" if role == "user" else "user"
    if not any(role == "assistant" for role, _ in messages):
        return "no assistant turn"
    if messages[-1][0] != "assistant":
        return "the last message is from the user; a training row ends with an assistant turn"
    return None


def _content(value: Any, n: int) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(
        isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
        for p in value
    ):
        return "".join(p["text"] for p in value)
    raise ValueError(f"message {n}: content must be text or a list of text parts")


def parse_row(obj: Any, path: str | Path, line: int, raw: str = "") -> ChatRow:
    """One decoded JSON line as a ChatRow; any problem is a ``file:line:`` DatasetError."""
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list):
        raise DatasetError(path, line, "each line must be a JSON object with a 'messages' list")
    pairs: list[Pair] = []
    for n, message in enumerate(obj["messages"], start=1):
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise DatasetError(path, line, f"message {n} needs 'role' and 'content'")
        role = message["role"]
        if role not in ROLES:
            raise DatasetError(
                path,
                line,
                f"message {n}: unknown role {role!r}; expected one of {', '.join(ROLES)}",
            )
        try:
            pairs.append((role, _content(message["content"], n)))
        except ValueError as ex:
            raise DatasetError(path, line, str(ex)) from None
    problem = order_problem(pairs)
    if problem is not None:
        raise DatasetError(path, line, problem)
    return ChatRow(path=str(path), line=line, messages=tuple(pairs), raw=raw)


def read_chat_file(path: str | Path) -> list[ChatRow]:
    """Every row of a chat JSONL file, checked; the first problem stops with ``file:line:``."""
    file = Path(path).expanduser()
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise DatasetError(file, None, "file not found") from None
    except OSError as ex:
        raise DatasetError(file, None, f"cannot read: {ex}") from None
    rows: list[ChatRow] = []
    for line, chunk in enumerate(data.split(b"\n"), start=1):
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as ex:
            raise DatasetError(
                file,
                line,
                f"not valid UTF-8: byte 0x{chunk[ex.start]:02x} at column {ex.start + 1}",
            ) from None
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as ex:
            raise DatasetError(file, line, f"invalid JSON: {ex.msg} (column {ex.colno})") from None
        rows.append(parse_row(obj, file, line, text.rstrip("\r")))
    if not rows:
        raise DatasetError(file, None, "no rows (the file is empty)")
    return rows


# ---- writing ---------------------------------------------------------------------------


def validate_rows(rows: list[dict[str, Any]], label: str, limit: int | None = None) -> None:
    """Check rows about to be written: roles in order, non-empty text, UTF-8, token limit.

    ``label`` names the output in the one-line error (``train.jsonl:row 3: ...``).
    """
    cap = max_row_tokens() if limit is None else limit
    for n, row in enumerate(rows, start=1):
        where = f"{label}:row {n}"
        messages = row.get("messages")
        if not isinstance(messages, list):
            raise ValueError(f"{where}: no 'messages' list")
        pairs: list[Pair] = []
        for message in messages:
            if not isinstance(message, dict):
                raise ValueError(f"{where}: every message must be an object")
            role, content = message.get("role"), message.get("content")
            if not isinstance(role, str) or not isinstance(content, str):
                raise ValueError(f"{where}: every message needs a role and text content")
            pairs.append((role, content))
        problem = order_problem(pairs)
        if problem is not None:
            raise ValueError(f"{where}: {problem}")
        try:
            json.dumps(row, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as ex:
            raise ValueError(f"{where}: text is not encodable as UTF-8 ({ex.reason})") from None
        tokens = estimate_row_tokens(pairs)
        if tokens > cap:
            raise ValueError(
                f"{where}: about {tokens} tokens, over the per-row limit of {cap} "
                f"({token_estimate_note()})"
            )


def jsonl_bytes(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file to a temporary file beside it, then rename them all into place.

    Nothing is renamed until every temporary file is complete, so a failure leaves no
    half-written output (and removes the temporary files).
    """
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((temp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, path in temps:
            os.replace(temp, path)
    finally:
        for temp, _ in temps:
            if os.path.exists(temp):
                os.unlink(temp)
