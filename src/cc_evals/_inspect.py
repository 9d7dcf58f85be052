"""The few private inspect_ai names cc_evals needs, imported in this one place.

Everything else comes from inspect_ai's public modules. Each name here has no public
equivalent in inspect_ai 0.3.285:

- ``PrerequisiteError``: the exception Inspect prints as one line without a traceback; our
  one-line user errors must be this type to be shown that way.
- ``registry_find`` / ``registry_lookup``: list or look up registered tasks by name
  (``inspect_ai.util`` exports only ``registry_create`` and ``registry_info``).
- ``init_model_roles`` / ``resolve_model_roles``: bind model roles outside ``eval()`` (the
  demo and the suite build tasks before eval; the Petri target binds the target role).
- ``registry_params`` / ``set_registry_info`` / ``set_registry_params`` /
  ``registry_unqualified_name``: the suite's re-judging wraps a scorer under the original's
  registry identity, so the rescored log keeps the same score names and metrics.
- ``filesystem``: Inspect's fsspec wrapper, so suite log folders may live on any store.
- ``ensure_entry_points``: loads every installed package's Inspect registry (ours, inspect-petri's,
  ...) as each eval does; the suite calls it once before forking workers, so they inherit it.
- ``model_roles``: the roles bound for this run (EM's ``-T judge=file`` refuses a clashing grader).
"""

from inspect_ai._util.entrypoints import ensure_entry_points
from inspect_ai._util.error import PrerequisiteError
from inspect_ai._util.file import filesystem
from inspect_ai._util.registry import (
    registry_find,
    registry_lookup,
    registry_params,
    registry_unqualified_name,
    set_registry_info,
    set_registry_params,
)
from inspect_ai.model._model import init_model_roles, model_roles
from inspect_ai.model._util import resolve_model_roles

__all__ = [
    "PrerequisiteError",
    "ensure_entry_points",
    "filesystem",
    "registry_params",
    "registry_unqualified_name",
    "set_registry_info",
    "set_registry_params",
    "init_model_roles",
    "model_roles",
    "registry_find",
    "registry_lookup",
    "resolve_model_roles",
]
