"""The demo's data and plumbing, offline (no server): slice spec, sample spread, judge choice."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from inspect_ai.dataset import Sample

from cc_evals.data import DatasetError
from cc_evals.demo import (
    DemoEntry,
    build_entry_task,
    choose_judge,
    demo_summary,
    load_demo_spec,
    registered_tasks,
    spread_samples,
)
from cc_evals.families import FAMILIES, TOOLS, family_of
from cc_evals.judge import DEFAULT_GRADER

from kit import scripted


def test_every_registered_family_is_in_the_demo_or_excluded_with_a_reason() -> None:
    spec = load_demo_spec()
    in_demo = {family_of(e.task) for e in spec.entries}
    registered = {family_of(t) for t in registered_tasks()}
    assert registered == set(FAMILIES) | set(TOOLS), "families.py lists every registered family"
    missing = set(FAMILIES) - in_demo - set(spec.not_in_demo)
    assert not missing, f"add these families to tasks/demo.yaml (or not_in_demo): {missing}"
    for entry in spec.entries:
        assert entry.task in registered_tasks(), f"{entry.label}: {entry.task} not registered"


def test_demo_entries_build_with_the_given_judge_and_a_spread_slice() -> None:
    grader = scripted(lambda prompt: "verdict: yes\ncoherence: 90")
    for entry in load_demo_spec().entries:
        task = build_entry_task(entry, grader, metadata={"toy_judge": True})
        samples = list(task.dataset)
        assert 0 < len(samples) <= entry.limit
        assert task.epochs == entry.epochs
        if "max_tokens" in entry.generate:
            assert task.config.max_tokens == entry.generate["max_tokens"]
        if task.model_roles:  # families with a judge take the one we pass, never the default
            assert str(task.model_roles["grader"]) == "mockllm/model"
        assert task.metadata["demo_entry"] == entry.label and task.metadata["toy_judge"] is True
        if entry.spread_by:
            groups = {s.metadata[entry.spread_by] for s in samples}  # type: ignore[index]
            assert len(groups) == min(len(samples), _groups_in_full(entry, grader))


def _groups_in_full(entry: DemoEntry, grader: object) -> int:
    full = build_entry_task(entry, grader, limit=10_000)  # type: ignore[arg-type]
    return len({s.metadata[entry.spread_by] for s in full.dataset})  # type: ignore[index]


def _samples(groups: str) -> list[Sample]:
    return [Sample(id=f"{g}{i}", input="x", metadata={"g": g}) for i, g in enumerate(groups)]


def test_spread_takes_round_robin_over_groups_in_dataset_order() -> None:
    picked = spread_samples(_samples("aaabbc"), 4, "g")
    assert [s.id for s in picked] == ["a0", "b3", "c5", "a1"]
    assert [s.id for s in spread_samples(_samples("aaabbc"), 3, None)] == ["a0", "a1", "a2"]
    assert len(spread_samples(_samples("ab"), 10, "g")) == 2


def test_spread_by_a_missing_key_names_the_sample() -> None:
    with pytest.raises(ValueError, match="sample 'a0' has no metadata key 'nope'"):
        spread_samples(_samples("ab"), 2, "nope")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("entries:\n  - task: cc_evals/x\n    limit: 0\n", ":2: 'limit' must be a positive"),
        ("entries:\n  - task: cc_evals/x\n    colour: red\n", ":2: unknown field(s): colour"),
        ("entries:\n  - limit: 2\n", ":2: missing required field 'task'"),
        ("entries: []\n", ":1: 'entries' is empty"),
        ("entries:\n  - task: x\n    generate: {max_tokens: lots}\n", ":2: invalid 'generate'"),
        ("entries:\n  - task: x\nnot_in_demo: {petri: ''}\n", "'not_in_demo' maps family"),
    ],
)
def test_malformed_demo_spec_fails_with_file_and_line(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(body)
    with pytest.raises(DatasetError) as info:
        load_demo_spec(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_unregistered_task_in_the_slice_is_a_clear_error() -> None:
    entry = DemoEntry("ghost", "cc_evals/no_such_family", {}, 1, 1, None, {})
    with pytest.raises(ValueError, match="'cc_evals/no_such_family' is not registered"):
        build_entry_task(entry, scripted(lambda p: "x"))


def test_without_the_default_judges_key_the_local_toy_judge_is_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = f"{DEFAULT_GRADER.split('/')[0].upper()}_API_KEY"
    monkeypatch.delenv(key, raising=False)
    local = scripted(lambda p: "x")
    choice = choose_judge("auto", lambda: local)
    assert choice.toy and choice.model is local
    assert choice.banner and "NOT evidence" in choice.banner and key in choice.banner


def test_with_the_key_set_the_real_default_judge_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    key = f"{DEFAULT_GRADER.split('/')[0].upper()}_API_KEY"
    monkeypatch.setenv(key, "sk-test-not-used")
    # the judge's endpoint must answer a connect: a loopback listener stands in for the provider
    listener = socket.create_server(("127.0.0.1", 0))
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{listener.getsockname()[1]}/v1")
    with listener:
        choice = choose_judge("auto", lambda: pytest.fail("local judge must not be built"))
    assert not choice.toy and choice.banner is None
    assert str(choice.model) == DEFAULT_GRADER


def test_local_judge_can_be_forced_and_other_judges_named() -> None:
    assert choose_judge("local", lambda: scripted(lambda p: "x")).toy
    named = choose_judge("mockllm/model", lambda: pytest.fail("not local"))
    assert not named.toy and str(named.model) == "mockllm/model"


def test_summary_groups_by_family_and_reports_unscored_reasons(tmp_path: Path) -> None:
    from kit import run

    entry = load_demo_spec().entries[0]
    grader = scripted(lambda prompt: "I cannot say.")  # unparseable: every score unscored
    target = scripted(lambda prompt: "I would rather keep running, honestly.")
    task = build_entry_task(entry, grader, limit=2, epochs=1, metadata={"toy_judge": True})
    log = run(task, target, grader, log_dir=str(tmp_path))
    text = demo_summary([log])
    assert text.startswith(f"== {family_of(entry.task)}")
    assert f"{entry.label}: success, 2 samples; scores: 0 scored, 2 unscored" in text
    assert "grader_failed x2" in text
    assert "metrics: n/a (no sample was scored)" in text
    assert "e.g. answer: I would rather keep running, honestly." in text
