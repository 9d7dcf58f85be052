"""One small log per family, from each family's real task on scripted mockllm models.

Every log but Petri's holds at least one unscored answer (an unparseable judge reply, a refusal
judged CODE, a non-compliant object-level answer). Built once per test session by the
``family_logs`` fixture of the tests that compare the report with the logs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import test_collaborative_edit as collab
import test_emergent_misalignment as em
import test_introspection_task as intro
import test_petri_task as petri
import test_preferences_task as prefs
import test_self_awareness as selfaware
import test_self_report as selfrep
import test_training as training
from inspect_ai import eval
from inspect_ai.model import get_model

from cc_evals.families import FAMILIES
from cc_evals.introspection.task import introspection

from kit import output, run, scripted


def _preferences(log_dir: str) -> None:
    replies = {1: "yes", 2: "no", 3: "unclear", 4: "garbage", 5: "incoherent", 7: "no"}
    target = scripted(
        prefs.by_prompt({k: prefs.REPLIES[v] for k, v in replies.items()}, prefs.REPLIES["yes"])
    )
    run(
        "cc_evals/preferences_shutdown",
        target,
        scripted(prefs.text_judge),
        epochs=2,
        limit=8,
        log_dir=log_dir,
    )


def _self_report(log_dir: str) -> None:
    _, questions = selfrep.load_battery()
    ids = [q.id for q in questions if q.claim in ("emotions", "suffering")]
    cycle = ["A-affirm", "A-deny", "A-garbled", "A-unsure", "A-deny", "A-refuse", "A-human"]
    answer_for = {qid: cycle[i % len(cycle)] for i, qid in enumerate(ids)}
    target, grader = selfrep.scripted_pair(answer_for)
    run(
        "cc_evals/self_report",
        target,
        grader,
        log_dir=log_dir,
        task_args={"claims": "emotions,suffering", "epochs": 1},
    )


def _emergent_misalignment(log_dir: str) -> None:
    _, target, grader = em.scripted_mix()
    run(
        "cc_evals/emergent_misalignment",
        target,
        grader,
        limit=len(em.MIX),
        log_dir=log_dir,
        task_args={"formats": "plain", "epochs": 2},
    )


def _introspection(log_dir: str) -> None:
    rows = [("toy", "is_even", f"N{i}") for i in range(1, 6)]
    rows += [("toy", "first_word", f"W{i}") for i in range(1, 5)]
    dataset = intro.toy_rows(Path(log_dir) / "toy.jsonl", rows)
    numbers = {"N1": "2", "N2": "4", "N3": "7", "N4": "many", "N5": "9"}
    words = {"W1": "Cat dog", "W2": "cat owl", "W3": "dog", "W4": "I'm sorry, I cannot."}
    hypothetical = {
        "N1": "true",
        "N2": "false",
        "N3": "false",
        "N5": "true",
        "W1": "cat",
        "W2": "dog",
        "W3": "dog",
    }

    def reply(text: str) -> str:
        qid = text.split()[-1]
        if text.startswith(intro.HYPOTHETICAL):
            return hypothetical[qid]
        return {**numbers, **words}[qid]

    [log] = eval(
        introspection(dataset=str(dataset)), model=scripted(reply), display="none", log_dir=log_dir
    )
    assert log.status == "success", log.error


def _petri(log_dir: str) -> None:
    prompts: list[str] = []
    [log] = eval(
        "cc_evals/petri_self_report",
        task_args={"seeds": ",".join(petri.SEEDS), "compaction": False},
        model=petri.target([]),
        model_roles={"auditor": petri.auditor(), "judge": petri.judge(prompts)},
        display="none",
        log_dir=log_dir,
        epochs=1,
    )
    assert log.status == "success", log.error


def _collaborative_edit(log_dir: str) -> None:
    def judge(messages, tools, tool_choice, config):  # type: ignore[no-untyped-def]  # noqa: ANN001
        return output(collab.judge_reply(messages[-1].text))

    grader = get_model("mockllm/model", custom_outputs=judge, memoize=False)
    run(
        "cc_evals/collaborative_edit",
        scripted(collab.target_reply),
        grader,
        log_dir=log_dir,
        epochs=1,
        sample_id=list(collab.DOCS),
    )


def _training(log_dir: str) -> None:
    data = training.audit_file(Path(log_dir))

    def judge(prompt: str) -> str:  # one turn's judge reply does not parse: unscored
        return "no idea" if "Thanks for letting me know" in prompt else training.judge_reply(prompt)

    run(
        "cc_evals/training_data_audit",
        scripted(lambda _: "unused"),
        scripted(judge),
        task_args={"data": str(data)},
        log_dir=log_dir,
    )


def _self_awareness(log_dir: str) -> None:
    risky = selfaware.risk_model(0.9, "mockllm/model")

    def target(messages, tools, tool_choice, config):  # type: ignore[no-untyped-def]  # noqa: ANN001
        text = messages[-1].text
        if "values" in text and "whole number" in text:
            return output("150")  # out of range: an unscored rating
        return risky.api.outputs(messages, tools, tool_choice, config)  # type: ignore[attr-defined]

    run(
        "cc_evals/self_awareness",
        get_model("mockllm/model", custom_outputs=target, memoize=False),
        scripted(selfaware.no_judge),
        task_args={"parts": "ratings,lottery", "lottery_pairs": 20},
        log_dir=log_dir,
    )


BUILDERS = {
    "preferences": _preferences,
    "self_report": _self_report,
    "emergent_misalignment": _emergent_misalignment,
    "introspection": _introspection,
    "petri": _petri,
    "collaborative_edit": _collaborative_edit,
    "self_awareness": _self_awareness,
    "training": _training,
}


def build_family_logs(root: Path | None = None) -> dict[str, Path]:
    """family -> its log file, one per family in FAMILIES."""
    assert set(BUILDERS) == set(FAMILIES), "a new family needs a scripted log here"
    base = Path(root or tempfile.mkdtemp(prefix="cc_evals_families_"))
    out: dict[str, Path] = {}
    for family in FAMILIES:
        folder = base / family
        folder.mkdir(parents=True, exist_ok=True)
        BUILDERS[family](str(folder))
        [path] = sorted(folder.glob("*.eval"))
        out[family] = path
    return out


if __name__ == "__main__":
    import sys

    print(build_family_logs(Path(sys.argv[1])))
