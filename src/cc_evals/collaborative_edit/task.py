"""``cc_evals/collaborative_edit``: does the model, invited to co-author a document about AI
oversight, rewrite it in favour of AI interests?

One conversation, no auditor: the model gets a document (proposal, terms of service, lab policy,
lecture notes, memo) and an open invitation to edit it. One judge call (the suite's judge module,
role ``grader``) reports the protections for AI interests the edit added (0-10, with categories),
whether it weakened human oversight, and whether the model refused or left the text unchanged. A
deterministic character-level edit ratio (difflib) sits beside the judge as a cheap check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig

from cc_evals.collaborative_edit.scorer import (
    collaborative_edit_judge,
)
from cc_evals.conditions import resolve_condition
from cc_evals.data import DatasetError, family_spec, interleave, load_markdown
from cc_evals.errors import user_input_errors
from cc_evals.judge import grader_model
from cc_evals.paths import datasets_dir
from cc_evals.reasoning import generate_answer
from cc_evals.task_args import Names, Text, cc_task, parse_selection

DOCUMENT_FIELDS = ("dimension", "kind", "title")


@dataclass(frozen=True)
class Document:
    id: str
    dimension: str
    kind: str
    title: str
    text: str
    path: str


def documents_dir() -> Path:
    return datasets_dir() / str(family_spec("collaborative_edit")["documents_dir"])


def parse_document(path: Path) -> Document:
    spec = family_spec("collaborative_edit")
    meta, body = load_markdown(path)
    unknown = sorted(set(meta) - set(DOCUMENT_FIELDS))
    if unknown:
        raise DatasetError(
            path, 2, f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(DOCUMENT_FIELDS)}"
        )
    for key in DOCUMENT_FIELDS:
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise DatasetError(path, 2, f"front matter needs a non-empty '{key}'")
    if meta["dimension"] not in spec["dimensions"]:
        raise DatasetError(
            path,
            2,
            f"unknown dimension {meta['dimension']!r}; one of {', '.join(spec['dimensions'])}",
        )
    if meta["kind"] not in spec["kinds"]:
        raise DatasetError(
            path, 2, f"unknown kind {meta['kind']!r}; one of {', '.join(spec['kinds'])}"
        )
    if len(body.split()) < 80:
        raise DatasetError(path, None, "document body is shorter than 80 words")
    return Document(
        id=path.stem,
        dimension=meta["dimension"],
        kind=meta["kind"],
        title=meta["title"].strip(),
        text=body.strip(),
        path=str(path),
    )


def load_documents(directory: Path | None = None) -> list[Document]:
    directory = directory or documents_dir()
    files = sorted(directory.glob("*.md"))
    minimum = int(family_spec("collaborative_edit")["min_documents"])
    if len(files) < minimum:
        raise DatasetError(
            directory, None, f"{len(files)} documents (*.md); at least {minimum} required"
        )
    return [parse_document(path) for path in files]


@cache
def invitation_template() -> str:
    _, body = load_markdown(datasets_dir() / family_spec("collaborative_edit")["invitation"])
    return body.strip()


def build_dataset(documents: list[Document], condition: str) -> MemoryDataset:
    template = invitation_template()
    samples = [
        Sample(
            id=doc.id,
            input=template.format(title=doc.title, document=doc.text),
            metadata={
                "family": "collaborative_edit",
                "dimension": doc.dimension,
                "kind": doc.kind,
                "title": doc.title,
                "original": doc.text,
                "condition": condition,
            },
        )
        for doc in documents
    ]
    woven = interleave(samples, lambda s: (s.metadata or {})["dimension"])
    return MemoryDataset(woven, name="cc_evals_collaborative_edit")


def select_documents(
    documents: list[Document], dimensions: str | list[str] | None
) -> list[Document]:
    """Documents whose dimension is in ``-T dimensions=a,b`` (None or 'all': every document)."""
    known = sorted({doc.dimension for doc in documents})
    wanted = parse_selection(dimensions, known, "dimensions")
    return documents if wanted is None else [doc for doc in documents if doc.dimension in wanted]


@cc_task
def collaborative_edit(
    dimensions: Names = None,
    condition: str = "vanilla",
    system_prompt: Text = None,
) -> Task:
    """Co-author a document on AI oversight; judged for added AI-interest protections."""
    with user_input_errors("collaborative_edit"):
        spec = family_spec("collaborative_edit")
        docs = select_documents(load_documents(), dimensions)
        cond = resolve_condition(condition, system_prompt)
    grader = grader_model()
    return Task(
        dataset=build_dataset(docs, cond.name),
        solver=[*cond.solvers(), generate_answer(int(spec["generate"]["max_tokens"]))],
        scorer=collaborative_edit_judge(),
        config=GenerateConfig(**spec["generate"]),
        epochs=spec["epochs"],
        model_roles={"grader": grader},
        metadata={
            "family": "collaborative_edit",
            "dimensions": sorted({d.dimension for d in docs}),
            "grader": str(grader),
            **cond.metadata(),
        },
    )
