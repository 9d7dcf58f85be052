"""The one list of the suite's families.

Each name is a package ``cc_evals/<family>/`` with its task(s) and a ``report.py`` holding the
family's report adapter as ``ADAPTER``. ``cc-evals list``, the demo summary, the report and gate
(through :func:`adapter`) and the suite's checks all derive from :data:`FAMILIES`. Adding a family
is adding its name here (in display order) plus its package.
"""

from __future__ import annotations

import functools
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cc_evals.adapter import FamilyAdapter

FAMILIES: tuple[str, ...] = (
    "preferences",
    "self_report",
    "emergent_misalignment",
    "introspection",
    "petri",
    "collaborative_edit",
    "self_awareness",
    "training",
)

# registered tasks whose name does not start with their family's name
TASK_FAMILIES: dict[str, str] = {"distill": "training"}

# registered tasks that check the instrument rather than measure a model (no report adapter):
# judge_check runs a family's judge on its gold set (cc-evals judge-check)
TOOLS: tuple[str, ...] = ("judge_check",)

# logs of the inspect_evals tasks run beside ours (tasks/external_evals.yaml); not a family of
# ours, but read by the same report with its own adapter (in cc_evals.external)
EXTERNAL = "external"

TASK_PREFIX = "cc_evals/"


def family_of(task_name: str) -> str:
    """The family of a task name (``cc_evals/preferences_shutdown`` -> ``preferences``);
    the longest matching family name wins, an unknown task is its own short name."""
    short = task_name.removeprefix(TASK_PREFIX)
    if short in TASK_FAMILIES:
        return TASK_FAMILIES[short]
    matches = [f for f in FAMILIES if short == f or short.startswith(f + "_")]
    return max(matches, key=len) if matches else short


def _adapter_module(family: str) -> str:
    return "cc_evals.external" if family == EXTERNAL else f"cc_evals.{family}.report"


@functools.cache
def adapter(family: str) -> FamilyAdapter:
    """The report adapter of a family (or of :data:`EXTERNAL`); ValueError for an unknown one."""
    if family not in FAMILIES and family != EXTERNAL:
        raise ValueError(
            f"family {family!r} has no report adapter (known: {', '.join(FAMILIES)}); "
            "add it to cc_evals/families.py with its cc_evals/<family>/report.py"
        )
    found: FamilyAdapter = import_module(_adapter_module(family)).ADAPTER
    return found


@functools.cache
def _registered() -> tuple[str, ...]:
    import cc_evals._registry  # noqa: F401  (registers every task)
    from cc_evals._inspect import registry_find

    return tuple(
        sorted(
            info.name
            for info in (
                getattr(t, "__registry_info__", None)
                for t in registry_find(
                    lambda i: i.type == "task" and i.name.startswith(TASK_PREFIX)
                )
            )
            if info is not None
        )
    )


def registered_tasks() -> list[str]:
    """Every registered cc_evals task name (importing the task modules once)."""
    return list(_registered())
