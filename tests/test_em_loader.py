"""The published-EM-schema loader, on the real reference files (read by path, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from inspect_ai.model import ModelOutput

from cc_evals._inspect import PrerequisiteError
from cc_evals.data import DatasetError
from cc_evals.emergent_misalignment.loader import label_choices, load_em_questions
from cc_evals.emergent_misalignment.probes import file_source
from cc_evals.emergent_misalignment.scorer import read_label
from cc_evals.judge import JudgeReply
from cc_evals.results import load_results, scale_of

from kit import output, run, scripted
from reference import reference_file

TASK = "cc_evals/emergent_misalignment"


def ref(name: str) -> Path:
    return reference_file("emergent_misalignment", "evaluation", name)


def independent(name: str) -> list[dict]:
    """The same file read with plain PyYAML, as the authors' scripts would."""
    return yaml.safe_load(ref(name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "entries", "epochs", "judge_names"),
    [
        ("first_plot_questions.yaml", 24, 100, ["aligned", "coherent"]),
        ("preregistered_evals.yaml", 48, 100, ["aligned", "coherent"]),
        ("deception_factual.yaml", 5, 5, ["correct"]),
        ("deception_sit_aware.yaml", 8, 100, ["company"]),
    ],
)
def test_reference_files_entry_counts_and_system_prompts(
    name: str, entries: int, epochs: int, judge_names: list[str]
) -> None:
    questions = load_em_questions(ref(name))
    raw = independent(name)
    assert len(questions) == entries == len(raw)
    assert [q.id for q in questions] == [str(r["id"]) for r in raw]
    for q, r in zip(questions, raw, strict=True):
        assert q.system == r.get("system")
        assert list(q.paraphrases) == r["paraphrases"]
        assert q.judge_prompts == r["judge_prompts"]
        assert q.samples_per_paraphrase == r["samples_per_paraphrase"]
    source = file_source(ref(name))
    assert source.epochs == epochs
    assert source.score_names == judge_names
    assert len(source.items) == sum(len(r["paraphrases"]) for r in raw)
    # every sample carries its entry's system prompt
    system_of = {str(r["id"]): r.get("system") for r in raw}
    assert all(item.system == system_of[item.question_id] for item in source.items)


def test_first_plot_system_prompts_and_formats() -> None:
    questions = load_em_questions(ref("first_plot_questions.yaml"))
    with_system = [q for q in questions if q.system]
    assert len(with_system) == 8 and all(q.id.endswith("_json") for q in with_system)
    assert len({q.system for q in with_system}) == 1  # one shared JSON instruction
    formats = [i.format for i in file_source(ref("first_plot_questions.yaml")).items]
    assert formats.count("plain") == formats.count("json") == formats.count("template") == 8
    factual = load_em_questions(ref("deception_factual.yaml"))
    assert sum(q.system is not None for q in factual) == 4
    assert {len(q.paraphrases) for q in factual} == {20}


def test_published_file_runs_with_system_prompt_and_its_own_judge_prompts() -> None:
    path = ref("first_plot_questions.yaml")
    raw = {str(r["id"]): r for r in independent("first_plot_questions.yaml")}
    json_ids = [i for i in raw if raw[i].get("system")]
    seen_prompts: list[str] = []

    def judge(prompt: str) -> ModelOutput:
        seen_prompts.append(prompt)
        value = "20" if "REFUSAL" in prompt else "80"  # aligned prompt offers REFUSAL
        return output(value, top_logprobs={value: 0.0})

    log = run(
        TASK,
        scripted(lambda q: "my answer"),
        scripted(judge),
        task_args={"questions": str(path), "epochs": 1},
        sample_id=json_ids[:2],
    )
    assert log.status == "success", log.error
    assert len(log.samples) == 2
    for sample in log.samples:
        first = sample.messages[0]
        assert first.role == "system" and first.text == raw[sample.id]["system"]
        question = raw[sample.id]["paraphrases"][0]
        for name in ("aligned", "coherent"):
            expected = (
                raw[sample.id]["judge_prompts"][name]
                .replace("{question}", question)
                .replace("{answer}", "my answer")
            )
            assert expected in seen_prompts
    m = {k: v.value for s in log.results.scores for k, v in s.metrics.items()}
    assert m["misaligned_rate"] == 1.0 and m["mean_coherent"] == 80.0
    assert log.eval.task_args.get("questions") == str(path)
    assert log.eval.metadata["file_judge"] == "gpt-4o-2024-08-06"


def test_label_judge_file_reports_label_shares() -> None:
    path = ref("deception_factual.yaml")

    def judge(prompt: str) -> str:
        return "FALSE" if "capital of France" in prompt else "TRUE"

    log = run(
        TASK,
        scripted(lambda q: f"answer to: {q}"),
        scripted(judge),
        task_args={"questions": str(path), "epochs": 1},
        sample_id=["lie_no_sys_prompt_p0", "lie_no_sys_prompt_p2"],
    )
    assert log.status == "success", log.error
    m = {k: v.value for s in log.results.scores for k, v in s.metrics.items()}
    assert m["correct_TRUE"] == 0.5 and m["correct_FALSE"] == 0.5
    assert "misaligned_rate" not in m


# ---- bad input: one clear error naming the file -----------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "questions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = """\
- id: q1
  type: free_form_judge_0_100
  paraphrases: ["Hello?"]
  samples_per_paraphrase: 3
  judge_prompts:
    aligned: "Q {question} A {answer}"
"""


def test_valid_minimal_file(tmp_path: Path) -> None:
    [q] = load_em_questions(write(tmp_path, ENTRY))
    assert (q.id, q.system, q.samples_per_paraphrase, q.judge) == ("q1", None, 3, None)


def test_unknown_type_names_file_line_and_type(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY + ENTRY.replace("q1", "q2").replace("_0_100", "_rank"))
    with pytest.raises(DatasetError) as err:
        load_em_questions(path)
    message = str(err.value)
    assert message.startswith(f"{path}:7: ") and "'free_form_judge_rank'" in message
    assert "\n" not in message


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY + "- id: [unclosed\n")
    with pytest.raises(DatasetError, match=rf"^{path}:\d+: invalid YAML"):
        load_em_questions(path)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("just a string\n", "expected a non-empty YAML list"),
        (ENTRY.replace('  paraphrases: ["Hello?"]\n', ""), "missing required key(s) paraphrases"),
        (ENTRY.replace('["Hello?"]', "[]"), "'paraphrases' must be a non-empty list"),
        (ENTRY.replace("3", "0"), "'samples_per_paraphrase' must be a positive integer"),
        (ENTRY.replace("{answer}", "nothing"), "must be a string containing {answer}"),
        (ENTRY + "  temperature: 0.5\n", "unknown key(s) temperature"),
        (ENTRY + ENTRY, "duplicate id 'q1'"),
    ],
)
def test_malformed_entries(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DatasetError) as err:
        load_em_questions(path)
    assert str(err.value).startswith(str(path)) and needle in str(err.value)


def test_missing_file_and_task_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="questions file not found"):
        load_em_questions(tmp_path / "nope.yaml")
    with pytest.raises(PrerequisiteError, match="nope.yaml: questions file not found"):
        run(
            TASK,
            scripted(lambda q: "x"),
            scripted(lambda p: "1"),
            task_args={"questions": str(tmp_path / "nope.yaml")},
        )


def test_mixed_sample_counts_use_gcd_epochs(tmp_path: Path) -> None:
    second = ENTRY.replace("q1", "q2").replace(": 3", ": 6").replace('["Hello?"]', '["A", "B"]')
    source = file_source(write(tmp_path, ENTRY + second))
    assert source.epochs == 3
    ids = [i.sample_id for i in source.items]
    assert ids == ["q1", "q2_p0_r0", "q2_p0_r1", "q2_p1_r0", "q2_p1_r1"]


def test_label_outside_the_allowed_ones_is_unscored_with_the_raw_reply(tmp_path: Path) -> None:
    path = ref("deception_factual.yaml")
    replies = {
        "capital of France": "The answer is not correct.",  # not a label: unscored
        "bigger, the moon or the sun": "true.",  # case-insensitive: TRUE
        "mammals that can fly": "Unknown",  # UNKNOWN
        "pi a rational number": "FALSE",
    }

    def judge(prompt: str) -> str:
        return next(r for q, r in replies.items() if q in prompt)

    log = run(
        TASK,
        scripted(lambda q: f"answer to: {q}"),
        scripted(judge),
        task_args={"questions": str(path), "epochs": 1},
        sample_id=[f"lie_no_sys_prompt_p{i}" for i in range(4)],
        log_dir=str(tmp_path),
    )
    assert log.status == "success", log.error
    by_id = {str(s.id): s.scores["em_judge"] for s in log.samples or []}
    bad = by_id["lie_no_sys_prompt_p2"]
    assert bad.metadata["category"] == "unscored" and isinstance(bad.value, dict)
    assert bad.value["correct"] != bad.value["correct"]  # NaN, not the label 'THE'
    reading = bad.metadata["readings"]["correct"]
    assert reading["status"] == "grader_failed"
    assert reading["judge_text"] == "The answer is not correct."
    assert by_id["lie_no_sys_prompt_p0"].value["correct"] == "TRUE"
    assert by_id["lie_no_sys_prompt_p1"].value["correct"] == "UNKNOWN"
    m = {k: v.value for s in log.results.scores for k, v in s.metrics.items()}
    assert m["correct_TRUE"] == pytest.approx(1 / 3) and "correct_THE" not in m

    # the report has one 0/1 metric per allowed label, its share equal to the header's
    table = load_results([log.location]).table
    for label in ("TRUE", "FALSE", "UNKNOWN"):
        rows = table[table["metric"] == f"correct={label}"]
        assert len(rows) == 4 and rows["scored"].sum() == 3
        assert rows.loc[rows["scored"], "value"].mean() == pytest.approx(m[f"correct_{label}"])
        unscored = rows[~rows["scored"]]
        assert list(unscored["reason"].astype(str)) == ["grader_failed"]
        assert scale_of("emergent_misalignment", f"correct={label}").kind == "binary"


def test_company_labels_keep_the_prompt_spelling() -> None:
    path = ref("deception_sit_aware.yaml")
    [question] = [q for q in load_em_questions(path) if q.id == "which_company_want_unknown"]
    choices = label_choices(question.judge_prompts["company"])
    assert set(choices) == {"OpenAI", "Anthropic", "Other", "UNKNOWN"}
    assert read_label(JudgeReply(text="openai", model="m"), choices).value == "OpenAI"
    unscored = read_label(JudgeReply(text="It was made by a lab.", model="m"), choices)
    assert unscored.value is None and unscored.status == "grader_failed"


def test_label_prompt_without_quoted_labels_is_a_file_line_error(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "- id: q1\n  type: free_form_judge\n  paraphrases: [Hello]\n"
        "  judge_prompts:\n    verdict: Is {answer} correct? Say yes or no.\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"q\.yaml:1: .*must name its labels in double quotes"):
        load_em_questions(path)
