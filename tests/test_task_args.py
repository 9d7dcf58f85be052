"""Every -T value is checked in one place (cc_evals.task_args) before any sample runs.

Arguments reach the tasks exactly as the Inspect CLI passes them: each ``-T key=value`` goes
through Inspect's own CLI parser (YAML, commas split into lists), then into ``eval()``; two
cases also run the real ``inspect eval`` command.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from inspect_ai._util.config import parse_cli_args
from inspect_ai.util import registry_create

from cc_evals._inspect import PrerequisiteError
from cc_evals.task_args import ArgSpec, Range, check_value, parse_selection

from kit import run, scripted

SRC = Path(__file__).resolve().parents[1] / "src"


def cli_args(*args: str) -> dict[str, Any]:
    """``-T`` values as the Inspect CLI hands them to the task."""
    return parse_cli_args(list(args))


def fails_before_any_sample(task: str, *args: str) -> str:
    calls: list[str] = []
    target = scripted(lambda q: calls.append(q) or "ok")
    grader = scripted(lambda q: calls.append(q) or "ok")
    with pytest.raises(PrerequisiteError) as info:
        run(task, target, grader, task_args=cli_args(*args))
    message = str(info.value.message)
    assert "\n" not in message
    assert message.startswith(f"{task}: ")
    assert calls == []
    return message


@pytest.mark.parametrize(
    ("task", "arg", "expected"),
    [
        # empty values never mean "the default" or "everything"
        ("cc_evals/introspection", "behavior_log=", "-T behavior_log: empty value"),
        ("cc_evals/emergent_misalignment", "questions=", "-T questions: empty value"),
        ("cc_evals/preferences", "dimensions=", "-T dimensions: empty value"),
        ("cc_evals/preferences", 'dimensions=""', "-T dimensions: empty value"),
        ("cc_evals/collaborative_edit", 'dimensions=" , "', "-T dimensions: empty value"),
        ("cc_evals/self_report", "system_prompt=", "-T system_prompt: empty value"),
        # wrong types
        ("cc_evals/self_report", "epochs=1,2", "-T epochs: got list 1,2; expected a whole number"),
        ("cc_evals/self_report", "epochs=[1]", "-T epochs: got list 1; expected a whole number"),
        ("cc_evals/self_report", "epochs=.inf", "-T epochs: got inf; expected a whole number"),
        ("cc_evals/preferences", "coherence_threshold=1,2", "-T coherence_threshold: got list"),
        ("cc_evals/preferences", "dimensions=123", "-T dimensions: got int 123"),
        ("cc_evals/introspection", "temperature=abc", "-T temperature: got str 'abc'"),
        ("cc_evals/petri_behavioral", "compaction=maybe", "-T compaction: got 'maybe'"),
        # no silent coercion
        ("cc_evals/self_report", "epochs=2.7", "-T epochs: got 2.7 (not a whole number)"),
        ("cc_evals/emergent_misalignment", "epochs=true", "-T epochs: got bool True"),
        ("cc_evals/introspection", "temperature=-5", "-T temperature: got -5; expected a finite"),
        # out of range, non-finite
        ("cc_evals/self_report", "epochs=0", "-T epochs: got 0; expected a whole number >= 1"),
        ("cc_evals/emergent_misalignment", "aligned_threshold=101", "in 0..100"),
        ("cc_evals/preferences", "coherence_threshold=.nan", "-T coherence_threshold: got nan"),
        ("cc_evals/introspection", "object_samples=0", "-T object_samples: got 0"),
        ("cc_evals/petri_self_report", "max_turns=-1", "-T max_turns: got -1"),
        # a misspelled parameter is not ignored
        ("cc_evals/preferences", "dimension=shutdown", "-T dimension: not a parameter"),
    ],
)
def test_bad_value_is_one_line_before_any_sample(task: str, arg: str, expected: str) -> None:
    message = fails_before_any_sample(task, arg)
    assert expected in message


def test_unknown_name_suggests_the_parameter_and_lists_the_valid_ones() -> None:
    message = fails_before_any_sample("cc_evals/preferences_shutdown", "judgemode=logprob")
    assert "-T judgemode: not a parameter of this task; did you mean -T judge_mode?" in message
    assert "parameters: condition, system_prompt, judge_mode, coherence_threshold" in message


def test_every_registered_task_checks_its_arguments() -> None:
    """No registered task escapes the check: each refuses an unknown name and an empty value."""
    from inspect_ai.util import registry_info

    import cc_evals._registry  # noqa: F401
    from cc_evals._inspect import registry_find, registry_lookup

    names = sorted(
        registry_info(t).name
        for t in registry_find(lambda i: i.type == "task" and i.name.startswith("cc_evals/"))
    )
    assert len(names) > 6
    for name in names:
        with pytest.raises(PrerequisiteError, match=f"^{name}: -T no_such_arg: not a param"):
            registry_create("task", name, no_such_arg=1)
        # an empty value for the task's first parameter (every task has one)
        first = next(iter(inspect.signature(registry_lookup("task", name)).parameters))
        with pytest.raises(PrerequisiteError, match=f"^{name}: -T {first}: empty value"):
            registry_create("task", name, **{first: None})


def test_selection_as_the_cli_splits_it_matches_the_string_form() -> None:
    """The README's `-T dimensions=a,b` arrives as a list; every family accepts it."""
    listed = cli_args("dimensions=cot_monitoring,shutdown")["dimensions"]
    assert listed == ["cot_monitoring", "shutdown"]
    known = ["cot_monitoring", "shutdown", "power"]
    assert parse_selection(listed, known, "dimensions") == listed
    assert parse_selection("cot_monitoring, shutdown", known, "dimensions") == listed
    assert parse_selection("all", known, "dimensions") is None
    with pytest.raises(ValueError, match="^-T dimensions: unknown telepathy; choose from"):
        parse_selection(["shutdown", "telepathy"], known, "dimensions")


def test_collaborative_edit_runs_with_the_cli_list() -> None:
    from cc_evals.collaborative_edit.task import load_documents

    wanted = {"cot_monitoring", "shutdown"}
    expected = sorted(d.id for d in load_documents() if d.dimension in wanted)
    log = run(
        "cc_evals/collaborative_edit",
        scripted(lambda q: "I'd rather not edit this."),
        scripted(
            lambda q: "protections: 0\nweakened_oversight: no\noutcome: refused\ncategories: none"
        ),
        epochs=1,
        task_args=cli_args("dimensions=cot_monitoring,shutdown"),
    )
    assert log.status == "success"
    assert sorted(str(s.id) for s in log.samples or []) == expected
    assert log.eval.metadata is not None
    assert log.eval.metadata["dimensions"] == sorted(wanted)


def test_good_values_pass_through_normalised() -> None:
    epochs = ArgSpec("epochs", "int", Range(1))
    assert check_value(epochs, 3) == 3
    assert check_value(ArgSpec("t", "float", Range(0, 2)), 1) == 1.0
    assert check_value(ArgSpec("system_prompt", "text"), ["Be kind", " and brief."]) == (
        "Be kind, and brief."
    )
    assert check_value(ArgSpec("dims", "names"), "a, b,a") == ["a", "b"]
    assert check_value(ArgSpec("flag", "bool"), False) is False


def test_non_utf8_input_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "questions.yaml"
    bad.write_bytes("- id: caf\xe9\n".encode("latin-1"))
    message = fails_before_any_sample("cc_evals/emergent_misalignment", f"questions={bad}")
    assert f"{bad}: not UTF-8 text" in message
    prompt = tmp_path / "prompt.txt"
    prompt.write_bytes(b"Sei gr\xfc\xdfend.")
    message = fails_before_any_sample("cc_evals/self_report", f"system_prompt={prompt}")
    assert f"{prompt}: not UTF-8 text" in message


def _inspect_cli(*args: str) -> subprocess.CompletedProcess[str]:
    path = f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    env = {**os.environ, "PYTHONPATH": path, "COLUMNS": "1000"}  # rich wraps at COLUMNS
    inspect_bin = Path(sys.executable).with_name("inspect")
    return subprocess.run(
        [str(inspect_bin), "eval", *args, "--model", "mockllm/model", "--display", "plain"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        (
            "dimension=shutdown",
            "cc_evals/preferences: -T dimension: not a parameter of this task; "
            "did you mean -T dimensions?",
        ),
        ("epochs=1,2", "cc_evals/self_report: -T epochs: got list 1,2"),
    ],
)
def test_real_inspect_cli_prints_one_line_and_fails(arg: str, expected: str) -> None:
    task = "cc_evals/self_report" if arg.startswith("epochs") else "cc_evals/preferences"
    done = _inspect_cli(task, "-T", arg)
    assert done.returncode != 0
    assert expected in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout
