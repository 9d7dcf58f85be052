"""Turn bad user input into one-line errors before any sample runs.

Inspect prints a ``PrerequisiteError`` as its message alone (no traceback), so task factories
wrap their argument and data validation in :func:`user_input_errors`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from cc_evals._inspect import PrerequisiteError


@contextmanager
def user_input_errors(task_name: str) -> Iterator[None]:
    try:
        yield
    except PrerequisiteError:
        raise
    except (ValueError, FileNotFoundError, KeyError) as ex:
        message = ex.args[0] if isinstance(ex, KeyError) and ex.args else str(ex)
        raise PrerequisiteError(f"cc_evals/{task_name}: {message}") from None


_RICH_MARKUP = re.compile(r"\[/?[a-z ]+\]")


def plain_message(ex: PrerequisiteError) -> str:
    """Inspect's message without rich markup (``[bold]``...) or line breaks: one line."""
    return " ".join(_RICH_MARKUP.sub("", str(ex.message)).split())
