"""Judge rubrics: ``scorers/<name>.md``, markdown with YAML front matter, checked at load.

A rubric's front matter lists its placeholders under ``fields``. Loading it checks them
three ways, each a ``file:line:`` error when the task is built rather than a silent 0 or an
error per sample at scoring time: ``fields`` is exactly what the scorer fills in, the body
uses every field (a rubric without ``{answer}`` would have the judge grade nothing), and the
body has no other brace (``{foo}``, a stray ``{``) except the escapes ``{{`` and ``}}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cc_evals._inspect import PrerequisiteError
from cc_evals.data import DatasetError, read_markdown
from cc_evals.paths import scorers_dir


class RubricError(DatasetError, PrerequisiteError):
    """A rubric that does not fit its scorer: ``file:line: ...``, shown by Inspect as one line."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        DatasetError.__init__(self, path, line, message)
        self.message = str(self)


@dataclass(frozen=True)
class Rubric:
    """A judge prompt template: markdown body with ``{placeholders}`` and YAML front matter.

    The front matter's ``fields`` lists the placeholders; :func:`load_rubric` checks them
    against the body and against what the scorer fills in, so a rubric that would lose the
    answer or fail at scoring stops the task when it is built.
    """

    name: str
    meta: dict[str, Any]
    template: str
    fields: tuple[str, ...] = ()

    def render(self, **fields: Any) -> str:
        if set(fields) != set(self.fields):
            raise ValueError(
                f"rubric '{self.name}' renders {', '.join(sorted(self.fields))}; "
                f"got {', '.join(sorted(fields))}"
            )
        return self.template.format(**fields)


# "{{" and "}}" are literal braces; "{name}" a placeholder; any other brace is an error
_BRACES = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}]")


def rubric_placeholders(body: str, path: str | Path, first_line: int) -> dict[str, int]:
    """Each placeholder in a rubric body with the file line it first appears on."""
    found: dict[str, int] = {}
    line, pos = first_line, 0
    for match in _BRACES.finditer(body):
        line += body.count("\n", pos, match.start())
        pos = match.start()
        token = match.group()
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise RubricError(
                path,
                line,
                f"stray {token!r}: a placeholder is {{name}} with a name from 'fields', "
                f"and a literal brace is written {token * 2!r}",
            )
        found.setdefault(match.group(1), line)
    return found


def check_rubric(path: Path, name: str, fields: tuple[str, ...]) -> Rubric:
    """Read ``scorers/<name>.md`` and check its placeholders against ``fields``.

    ``fields`` are the values the scorer fills in. The front matter must list exactly those
    under ``fields``, and the body must use each of them and nothing else.
    """
    doc = read_markdown(path)
    if "name" in doc.meta and doc.meta["name"] != name:
        raise RubricError(path, 2, f"front matter name {doc.meta['name']!r} differs from file stem")
    declared = doc.meta.get("fields")
    fields_line = doc.key_lines.get("fields", 2)
    wanted = ", ".join(fields)
    if not isinstance(declared, list) or not all(isinstance(f, str) for f in declared):
        raise RubricError(
            path, fields_line, f"front matter needs 'fields', the list of placeholders ({wanted})"
        )
    if sorted(declared) != sorted(fields):
        extra = sorted(set(declared) - set(fields))
        lacking = sorted(set(fields) - set(declared))
        problem = "; ".join(
            part
            for part in (
                f"the scorer fills no {', '.join(extra)}" if extra else "",
                f"missing {', '.join(lacking)}" if lacking else "",
            )
            if part
        )
        raise RubricError(path, fields_line, f"'fields' must be exactly {wanted} ({problem})")
    used = rubric_placeholders(doc.body, path, doc.body_line)
    for placeholder, line in used.items():
        if placeholder not in fields:
            raise RubricError(
                path, line, f"unknown placeholder {{{placeholder}}}; this rubric's fields: {wanted}"
            )
    unused = [f for f in fields if f not in used]
    if unused:
        raise RubricError(
            path,
            fields_line,
            f"the body never uses {', '.join('{' + f + '}' for f in unused)}; every field must "
            "appear in the prompt (without {answer} the judge never sees the answer)",
        )
    return Rubric(name=name, meta=doc.meta, template=doc.body, fields=tuple(fields))


@cache
def load_rubric(name: str, *, fields: tuple[str, ...]) -> Rubric:
    """The rubric ``scorers/<name>.md``, checked against the ``fields`` its scorer fills in."""
    return check_rubric(scorers_dir() / f"{name}.md", name, fields)


@cache
def rubric_meta(name: str) -> dict[str, Any]:
    """The front matter of ``scorers/<name>.md`` alone (labels, criteria, limits), for code that
    reads a rubric's settings without rendering it; rendering goes through :func:`load_rubric`."""
    return read_markdown(scorers_dir() / f"{name}.md").meta
