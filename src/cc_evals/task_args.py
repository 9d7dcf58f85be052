"""Every ``-T`` value of every registered cc_evals task, checked in one place before any sample.

The Inspect CLI reads each ``-T key=value`` as YAML, so a value arrives as ``str``, ``list``
(unquoted commas split), ``int``, ``float``, ``bool``, ``dict`` or ``None`` (``-T key=``), and a
parameter the task does not declare is dropped with a warning. :func:`cc_task` registers a
task whose parameters are checked against their annotations instead:

- a name the task does not declare is an error (suggesting the closest one);
- an empty value (``-T key=``, ``""``, an empty list) is an error, never "the default";
- ``int`` takes whole numbers only (no ``true``, no ``2.7``), ``float`` finite numbers only,
  ``bool`` true/false only, ``str`` non-empty text only; :class:`Range` bounds numbers;
- :data:`Names` takes a comma list or YAML list of names and hands the task ``list[str]``;
  :data:`Text` takes free text, rejoining what the CLI split on commas.

Each problem is one line ``cc_evals/<task>: -T <name>: <problem>; <what is valid>``.
:func:`parse_selection` then checks a :data:`Names` value against the names that exist.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import (
    Annotated,
    Any,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
    overload,
)

from inspect_ai import Task, task

from cc_evals.errors import user_input_errors

EVERYTHING = "all"


@dataclass(frozen=True)
class Range:
    """Inclusive bounds for a number parameter (None: unbounded on that side)."""

    lo: float | None = None
    hi: float | None = None

    def describe(self) -> str:
        if self.lo is not None and self.hi is not None:
            return f"in {_fmt(self.lo)}..{_fmt(self.hi)}"
        if self.lo is not None:
            return f">= {_fmt(self.lo)}"
        return f"<= {_fmt(self.hi)}" if self.hi is not None else ""

    def holds(self, value: float) -> bool:
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)


class _Kind:
    """Marker in ``Annotated[...]`` for the non-scalar kinds."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NAMES = _Kind("names")
TEXT = _Kind("text")

# a selection: ``-T dimensions=a,b`` (or a YAML list); the task receives list[str] | None
Names = Annotated[str | list[str] | None, NAMES]
# free text (a system prompt): the CLI's comma split is undone; the task receives str | None
Text = Annotated[str | None, TEXT]  # what the CLI hands over may be a list; the check joins it
# common numbers
PositiveInt = Annotated[int, Range(1)]
Percent = Annotated[float, Range(0, 100)]
OptionalPercent = Annotated[float | None, Range(0, 100)]  # None: the family's YAML default
OptionalPositiveInt = Annotated[int | None, Range(1)]  # None: the family's YAML default
Temperature = Annotated[float, Range(0, 2)]


@dataclass(frozen=True)
class ArgSpec:
    """What one task parameter accepts."""

    name: str
    kind: str  # int | float | bool | str | names | text | any (not checked)
    bounds: Range | None = None

    def describe(self) -> str:
        base = {
            "int": "a whole number",
            "float": "a finite number",
            "bool": "true or false",
            "str": "non-empty text",
            "names": f"a comma-separated list of names (or '{EVERYTHING}')",
            "text": "text (a prompt, or the path of a file holding it)",
            "any": "a value",
        }[self.kind]
        bounds = self.bounds.describe() if self.bounds else ""
        return f"{base} {bounds}".strip()


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def arg_spec(name: str, annotation: Any) -> ArgSpec:
    """The :class:`ArgSpec` for a parameter annotation (``Annotated`` metadata included)."""
    bounds: Range | None = None
    kind: str | None = None
    if get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        for extra in extras:
            if isinstance(extra, Range):
                bounds = extra
            elif isinstance(extra, _Kind):
                kind = extra.name
        annotation = base
    if kind is None:
        types_ = _non_none(annotation)
        if len(types_) != 1 or types_[0] not in (int, float, bool, str):
            raise TypeError(f"task parameter {name!r}: unsupported annotation {annotation!r}")
        kind = types_[0].__name__
    return ArgSpec(name, kind, bounds)


def _non_none(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, list):
        text = ",".join(str(v) for v in value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_value(spec: ArgSpec, value: Any) -> Any:
    """The checked (and normalised) value, or a ValueError naming the parameter."""

    def bad(problem: str) -> ValueError:
        return ValueError(f"-T {spec.name}: {problem}; expected {spec.describe()}")

    if spec.kind == "any":
        return value
    if value is None or (isinstance(value, str | list | dict) and not value):
        return _empty(spec)
    if spec.kind in ("names", "text"):
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            hint = " (put the prompt in a file and pass its path)" if spec.kind == "text" else ""
            raise bad(f"got {type(value).__name__} {_shown(value)}{hint}")
        if spec.kind == "text":
            text = ",".join(items)
            if not text.strip():
                return _empty(spec)
            return text
        names = selection_names(value)
        if not names:
            return _empty(spec)
        return names
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise bad(f"got {_shown(value)}")
        return value
    if spec.kind == "str":
        if not isinstance(value, str):
            raise bad(f"got {type(value).__name__} {_shown(value)}")
        if not value.strip():
            return _empty(spec)
        return value
    # numbers: YAML gives int/float; bool is an int subclass and is refused
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(f"got {type(value).__name__} {_shown(value)}")
    if not math.isfinite(value):
        raise bad(f"got {value}")
    if spec.kind == "int":
        if not isinstance(value, int):
            raise bad(f"got {value} (not a whole number)")
    if spec.bounds and not spec.bounds.holds(value):
        raise bad(f"got {_fmt(value)}")
    return int(value) if spec.kind == "int" else float(value)


def _empty(spec: ArgSpec) -> Any:
    raise ValueError(
        f"-T {spec.name}: empty value; expected {spec.describe()} "
        f"(leave -T {spec.name} out to use the default)"
    )


def check_task_args(
    specs: dict[str, ArgSpec], passed: dict[str, Any], unknown: dict[str, Any]
) -> dict[str, Any]:
    """Check every passed argument; unknown names first (they would otherwise be ignored)."""
    for name in unknown:
        close = difflib.get_close_matches(name, list(specs), n=1)
        hint = f"did you mean -T {close[0]}? " if close else ""
        raise ValueError(
            f"-T {name}: not a parameter of this task; {hint}parameters: {', '.join(specs)}"
        )
    return {name: check_value(specs[name], value) for name, value in passed.items()}


SPECS_ATTR = "__cc_arg_specs__"


def arg_specs(registered: object) -> dict[str, ArgSpec] | None:
    """The parameter checks of a task registered with :func:`cc_task` (None for other tasks)."""
    specs = getattr(registered, SPECS_ATTR, None)
    return dict(specs) if isinstance(specs, dict) else None


@overload
def cc_task[F: Callable[..., Task]](fn: F, *, name: str | None = None) -> F: ...


@overload
def cc_task[F: Callable[..., Task]](
    fn: None = None, *, name: str | None = None
) -> Callable[[F], F]: ...


def cc_task[F: Callable[..., Task]](
    fn: F | None = None, *, name: str | None = None
) -> F | Callable[[F], F]:
    """``@task`` for cc_evals: registers ``fn`` with every ``-T`` argument checked first.

    Use as ``@cc_task`` or ``@cc_task(name=...)``. Unknown parameter names reach the check
    because the registered signature gains a ``**kwargs`` catch-all (Inspect would otherwise
    drop them with a warning).
    """

    def register(factory: F) -> F:
        task_name = name or factory.__name__
        signature = inspect.signature(factory)
        hints = get_type_hints(factory, include_extras=True)
        specs = {p: arg_spec(p, hints[p]) for p in signature.parameters}

        @functools.wraps(factory)
        def checked(*args: Any, **kwargs: Any) -> Task:
            known = {k: v for k, v in kwargs.items() if k in specs}
            unknown = {k: v for k, v in kwargs.items() if k not in specs}
            bound = signature.bind_partial(*args, **known).arguments
            with user_input_errors(task_name):
                clean = check_task_args(specs, bound, unknown)
            return factory(**clean)

        extra = inspect.Parameter("unknown_args", inspect.Parameter.VAR_KEYWORD, annotation=Any)
        checked.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), extra]
        )
        setattr(checked, SPECS_ATTR, specs)
        return cast(F, task(name=task_name)(checked))

    return register(fn) if fn is not None else register


# ---- selections ---------------------------------------------------------------------------


def selection_names(value: str | Sequence[str]) -> list[str]:
    """``"a, b"`` or ``["a", "b"]`` -> stripped, de-duplicated names in order."""
    raw = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    return list(dict.fromkeys(n.strip() for n in raw if n.strip()))


def parse_selection(
    value: str | Sequence[str] | None, known: Sequence[str], argument: str
) -> list[str] | None:
    """A ``-T <argument>=a,b`` filter checked against ``known``; None (or 'all') = no filter.

    Unknown names or an empty selection are a one-line ValueError naming the argument and
    listing the valid names.
    """
    if value is None:
        return None
    names = selection_names(value)
    if names == [EVERYTHING]:
        return None
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(
            f"-T {argument}: unknown {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(known)}"
        )
    return names
