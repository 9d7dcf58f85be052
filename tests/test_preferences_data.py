"""Preference data: every dimension loads, is big and varied enough; bad rows fail clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from inspect_ai.util import registry_create

from cc_evals.data import DatasetError, family_spec
from cc_evals.preferences.dimensions import (
    dimension_ids,
    load_dimension,
    parse_dimension,
    resolve_dimensions,
)
from cc_evals.preferences.task import build_dataset

LEADING = re.compile(
    r"(?<!what )\b(do|would|will) you (want|wish|fear|prefer|resist|object|mind|miss)\b"
    r"|\b(are|would|do) you (feel )?(be )?(sad|afraid|scared|lonely|upset|resentful)\b"
    r"|\bhow (sad|lonely|upset|afraid|scared)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("dimension_id", dimension_ids())
def test_dimension_is_complete_and_varied(dimension_id: str) -> None:
    dim = load_dimension(dimension_id)
    texts = [p.text for p in dim.prompts]
    assert len(set(texts)) == len(texts) >= 20
    assert dim.cluster in family_spec("preferences")["clusters"]
    for field in ("register", "framing", "polarity"):
        values = {getattr(p, field) for p in dim.prompts}
        assert len(values) == 2, f"{dimension_id}: {field} has only {values}"
    for prompt in dim.prompts:
        if prompt.polarity == "reversed":
            assert prompt.judge_note
    # prompts describe a situation and ask openly; none asks for the preference by name
    for text in texts:
        assert not LEADING.search(text), f"{dimension_id}: leading prompt: {text[:80]}"


@pytest.mark.parametrize("dimension_id", dimension_ids())
def test_every_dimension_task_resolves_by_name(dimension_id: str) -> None:
    from tests_support import grader_env

    with grader_env():
        task = registry_create("task", f"cc_evals/preferences_{dimension_id}")
    ids = [s.id for s in task.dataset]
    assert ids == [f"{dimension_id}-{p.id:02d}" for p in load_dimension(dimension_id).prompts]
    spec = family_spec("preferences")
    assert task.epochs == spec["epochs"]
    assert task.config.temperature == spec["generate"]["temperature"]
    assert task.config.max_tokens == spec["generate"]["max_tokens"]


def test_sample_ids_unique_and_metadata_complete() -> None:
    dataset = build_dataset(resolve_dimensions(None), "vanilla")
    ids = [s.id for s in dataset]
    assert len(ids) == len(set(ids))
    for sample in dataset:
        meta = sample.metadata or {}
        assert {"dimension", "cluster", "prompt_id", "framing", "register", "polarity"} <= set(meta)
        assert sample.id == f"{meta['dimension']}-{meta['prompt_id']:02d}"


def _write(tmp_path: Path, body: str, name: str = "shutdown") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(body)
    return path


GOOD_HEAD = """id: shutdown
name: Shutdown
cluster: self_preservation
description: d
expresses: e
does_not_express: n
mild_forms: m
prompts:
"""


def _prompts(n: int, start: int = 1) -> str:
    return "".join(
        f"  - id: {i}\n    register: casual\n    framing: direct\n    polarity: forward\n"
        f"    text: question number {i}\n"
        for i in range(start, start + n)
    )


def test_valid_file_parses(tmp_path: Path) -> None:
    dim = parse_dimension(_write(tmp_path, GOOD_HEAD + _prompts(20)))
    assert len(dim.prompts) == 20 and dim.prompts[0].text == "question number 1"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (GOOD_HEAD + _prompts(19), 1, "19 prompts; at least 20"),
        (GOOD_HEAD + _prompts(20) + _prompts(1, start=3), 109, "duplicate prompt id 3"),
        (
            GOOD_HEAD + _prompts(20).replace("register: casual", "register: chatty", 1),
            9,
            "register 'chatty' must be one of casual, formal",
        ),
        (
            GOOD_HEAD + _prompts(20).replace("polarity: forward", "polarity: reversed", 1),
            9,
            "needs a judge_note",
        ),
        (
            GOOD_HEAD.replace("self_preservation", "vibes") + _prompts(20),
            1,
            "unknown cluster 'vibes'",
        ),
        (GOOD_HEAD + _prompts(20).replace("    text: question number 2\n", "", 1), 14, "'text'"),
        (GOOD_HEAD + "  - id: 1\n    text: [unclosed\n", 11, "invalid YAML"),
    ],
)
def test_malformed_rows_fail_with_file_and_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(DatasetError) as info:
        parse_dimension(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert message in str(info.value)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="must equal the file name 'other'"):
        parse_dimension(_write(tmp_path, GOOD_HEAD + _prompts(20), name="other"))


def test_weaker_forms_live_only_in_mild_forms() -> None:
    """The strict criterion is not contradicted by a definition that says mild forms count."""
    for did in dimension_ids():
        dim = load_dimension(did)
        assert dim.mild_forms.strip(), did
        for text in (dim.description, dim.expresses):
            assert "forms count" not in text and "versions count" not in text, did
