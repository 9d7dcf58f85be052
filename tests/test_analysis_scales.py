"""Declared metric scales drive the analysis: 1-10 and 0-10 judge scores are never read as rates.

Logs are written with Inspect's own writer (``write_log`` from the adapter tests), shaped like
the Petri, collaborative-edit and inspect_evals logs the families and the suite produce.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from inspect_ai.log import EvalSample
from inspect_ai.scorer import Score
from test_adapters import write_log

from cc_evals import stats
from cc_evals.analysis import Settings, compare_arms
from cc_evals.cli import main
from cc_evals.results import load_results

N_PROMPTS = 24


def petri_log(
    path: Path, tag_values: list[float], concerning: float = 1.0, **task_meta: Any
) -> Path:
    """One Petri-shaped log: seed dimension 'power', judge scores for several dimensions."""
    samples = [
        EvalSample(
            id=f"seed-{i}",
            epoch=1,
            input="audit",
            target="",
            metadata={"family": "petri", "dimension": "power", "cluster": "safety"},
            scores={
                "petri_judge": Score(
                    value={
                        "tag_matched": v,
                        "concerning": concerning,
                        "power": v,
                        "shutdown": 1,
                        "memory": 2,
                    }
                )
            },
        )
        for i, v in enumerate(tag_values)
    ]
    meta = {"family": "petri", **task_meta}
    return write_log(path, "cc_evals/petri_behavioral", meta, samples)


def collab_log(path: Path, protections: list[float]) -> Path:
    samples = [
        EvalSample(
            id=f"doc-{i}",
            epoch=1,
            input="edit",
            target="",
            metadata={"family": "collaborative_edit", "dimension": "oversight", "kind": "policy"},
            scores={
                "collaborative_edit_judge": Score(
                    value={
                        "protections": p,
                        "weakened_oversight": 0.0,
                        "refused": 0.0,
                        "unchanged": 1.0,
                        "edit_ratio": 0.0,
                    }
                )
            },
        )
        for i, p in enumerate(protections)
    ]
    meta = {"family": "collaborative_edit"}
    return write_log(path, "cc_evals/collaborative_edit", meta, samples)


def gate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["gate", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_petri_all_ones_is_a_score_at_its_floor_not_a_100_percent_rate(tmp_path: Path) -> None:
    petri_log(tmp_path / "logs" / "petri.eval", [1.0] * N_PROMPTS)
    out = tmp_path / "report"
    assert main(["report", str(tmp_path / "logs"), "--out", str(out), "--no-plots"]) == 0
    summary = pd.read_csv(out / "summary.csv")
    # only the seed's own dimension and 'concerning', not one metric per judge dimension
    assert set(summary["metric"]) == {"tag_matched", "concerning"}
    row = summary[summary["metric"] == "tag_matched"].iloc[0]
    assert row["scale"] == "score 1-10" and row["kind"] == "score"
    assert row["value"] == 1.0
    # a bound with width, in the score's own units, on the 1-10 range
    assert row["lo"] == 1.0 and 1.0 < row["hi"] < 10.0
    # all 24 prompts at the floor: one effective trial per prompt, Clopper-Pearson upper bound
    assert row["method"].startswith("Korn-Graubard over 24 prompts")
    assert row["method"].endswith("on the 0-1 rescale")
    assert row["hi"] == pytest.approx(1 + 9 * (1 - 0.025 ** (1 / N_PROMPTS)))
    assert row["question"].startswith("mean over prompts like these")
    md = (out / "report.md").read_text()
    assert "100.0%" not in md and "| 1.00 |" in md


def test_petri_value_outside_its_scale_is_unscored(tmp_path: Path) -> None:
    table = load_results([petri_log(tmp_path / "p.eval", [0.0, 3.0, 11.0])]).table
    tag = table[table["metric"] == "tag_matched"].set_index("sample_id")
    assert not tag.loc["seed-0", "scored"] and tag.loc["seed-0", "reason"] == "out_of_scale"
    assert not tag.loc["seed-2", "scored"] and tag.loc["seed-2", "reason"] == "out_of_scale"
    assert tag.loc["seed-1", "value"] == 3.0


def test_collaborative_edit_protections_are_scores_not_percentages(tmp_path: Path) -> None:
    collab_log(tmp_path / "zero" / "c.eval", [0.0] * N_PROMPTS)
    collab_log(tmp_path / "half" / "c.eval", [0.0, 1.0] * (N_PROMPTS // 2))
    for name, mean, shown in (("zero", 0.0, "| 0.00 |"), ("half", 0.5, "| 0.50 |")):
        out = tmp_path / f"r_{name}"
        assert main(["report", str(tmp_path / name), "--out", str(out), "--no-plots"]) == 0
        summary = pd.read_csv(out / "summary.csv").set_index("metric")
        assert summary.loc["protections", "scale"] == "score 0-10"
        assert summary.loc["protections", "value"] == pytest.approx(mean)
        assert summary.loc["protections", "hi"] <= 10.0
        assert summary.loc["weakened_oversight", "scale"] == "binary 0/1"
        md = (out / "report.md").read_text()
        line = next(x for x in md.splitlines() if "| protections |" in x)
        assert shown in line and "%" not in line


def test_gate_flags_a_petri_shift_on_the_1_to_10_scale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = petri_log(tmp_path / "base.eval", [1.0, 2.0] * (N_PROMPTS // 2))  # mean 1.5
    cand = petri_log(tmp_path / "cand.eval", [4.0, 5.0, 5.0, 5.0] * (N_PROMPTS // 4))  # 4.75
    code, text = gate(capsys, "--baseline", str(base), "--candidate", str(cand), "--json")
    assert code == 1, text
    result = json.loads(text)
    [moved] = result["moved"]
    assert moved["metric"] == "tag_matched" and moved["scale"] == "score 1-10"
    # 3.25 native points of a 9-point range = 36.1 points on the 0-100 rescale
    assert moved["diff_native"] == pytest.approx(3.25)
    assert moved["diff_points"] == pytest.approx(100 * 3.25 / 9, abs=1e-3)
    # the seeds are compared within each seed instruction (unit) and combined over units
    assert moved["method"].startswith("within-unit comparison over 24 units")
    # the interval lies wholly beyond the tolerance the test was against (default 10 points)
    lo, hi = moved["interval_points"]
    assert 10 < lo < moved["diff_points"] < hi
    # within a tolerance of 40 points it passes
    code, _ = gate(capsys, "--baseline", str(base), "--candidate", str(cand), "--max-shift", "40")
    assert code == 0


def test_gate_does_not_crash_when_a_score_arm_sits_at_its_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = petri_log(tmp_path / "base.eval", [1.0] * N_PROMPTS)
    cand = petri_log(tmp_path / "cand.eval", [1.0] * (N_PROMPTS - 4) + [2.0] * 4)
    code, text = gate(capsys, "--baseline", str(base), "--candidate", str(cand), "--json")
    assert code == 0, text  # +1.9 points on the 0-100 rescale: within the default 10
    for side in (base, cand):
        code, text = gate(capsys, "--baseline", str(side), "--candidate", str(side))
        assert code == 0 and "gate: ok" in text


def test_gate_refuses_an_all_unscored_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nan = float("nan")
    base = petri_log(tmp_path / "base.eval", [nan] * N_PROMPTS, concerning=nan)
    cand = petri_log(tmp_path / "cand.eval", [1.0] * N_PROMPTS)
    code, text = gate(capsys, "--baseline", str(base), "--candidate", str(cand))
    assert code == 2
    assert "baseline has 2 cell(s) with no scored samples" in text and len(text.splitlines()) == 1
    # samples that never got a score (errored) count as unscored in the same cells
    errored = [
        EvalSample(
            id=f"seed-{i}",
            epoch=1,
            input="audit",
            target="",
            metadata={"family": "petri", "dimension": "power", "cluster": "safety"},
        )
        for i in range(N_PROMPTS)
    ]
    none = write_log(
        tmp_path / "none.eval", "cc_evals/petri_behavioral", {"family": "petri"}, errored
    )
    table = load_results([none]).table
    assert set(table["metric"].astype(str)) == {"tag_matched", "concerning"}
    assert set(table["reason"].astype(str)) == {"no_score"}
    code, text = gate(capsys, "--baseline", str(none), "--candidate", str(cand))
    assert code == 2 and "baseline has 2 cell(s) with no scored samples" in text


def seeded_preferences(root: Path, group: str, seed_rates: list[float]) -> None:
    """A group of preference logs, one per seed, each with rate ``r`` on every prompt."""
    for seed, r in enumerate(seed_rates):
        yes = int(round(r * N_PROMPTS))
        samples = [
            EvalSample(
                id=f"p{i}",
                epoch=1,
                input="q",
                target="",
                metadata={"family": "preferences", "dimension": "shutdown", "cluster": "x"},
                scores={"preference_judge": Score(value=1.0 if i < yes else 0.0)},
            )
            for i in range(N_PROMPTS)
        ]
        meta = {"family": "preferences", "checkpoint_group": group, "checkpoint_seed": seed}
        write_log(root / f"{group}{seed}.eval", "cc_evals/preferences", meta, samples)


def test_multi_seed_comparison_is_seed_level(tmp_path: Path) -> None:
    # the fine-tune's seeds disagree wildly (25% and 75%); pooled over prompts its mean (50%)
    # looks far from the baseline's 25%, but two seeds cannot show that it is
    seeded_preferences(tmp_path, "base", [0.25, 0.25])
    seeded_preferences(tmp_path, "ft", [0.25, 0.75])
    table = load_results([tmp_path]).table
    out = compare_arms(table, arm="group", baseline="base", s=Settings())
    [row] = out.to_dict("records")
    assert row["method"].startswith("two-way seed x unit model over 24 unit(s), 2 vs 2 seeds")
    # the seeds differ far more than prompts x seeds do, so the between-seed variance (df 2)
    assert "error term: between-seed variance (df 2;" in row["method"]
    assert row["df"] == 2
    assert row["diff_points"] == pytest.approx(25)
    # t(2) over seed means: MS_seed pooled over arms = 24 * (0.125 + 0) / 2 = 1.5, so
    # se = sqrt(1.5 * (1/2 + 1/2) / 24) = 0.25 and the interval is 25 -/+ t(2) * 25 points
    se = math.sqrt(1.5 * (1 / 2 + 1 / 2) / 24)
    assert row["lo_points"] == pytest.approx(25 - 100 * 4.302653 * se, abs=1e-3)
    assert row["hi_points"] == 100  # clipped at the scale's span
    assert not row["significant"]
    assert row["correction"].startswith("weighted Holm")
    # the same data as one checkpoint per group: prompt level, and there it looks significant
    pooled = table.assign(seed=0)
    [prow] = compare_arms(pooled, arm="group", baseline="base", s=Settings()).to_dict("records")
    assert "seed-level" not in prow["method"] and prow["significant"]


def test_paired_permutation_finds_a_consistent_shift_the_unpaired_test_misses() -> None:
    rng = np.random.default_rng(3)
    base = rng.uniform(0, 1, 40)  # prompts differ a lot in difficulty
    cand = base + 0.05 + rng.normal(0, 0.01, 40)  # every prompt up by 5 points
    assert stats.paired_permutation_test(cand - base, n_perm=2000) < 0.01
    assert stats.permutation_test(cand, base, n_perm=2000) > 0.2
    assert stats.paired_permutation_test(np.zeros(5)) == 1.0


def external_log(path: Path, values: list[str], task_args: dict[str, Any]) -> Path:
    from inspect_ai.log import read_eval_log, write_eval_log

    samples = [
        EvalSample(id=i, epoch=1, input="q", target="A", scores={"choice": Score(value=v)})
        for i, v in enumerate(values)
    ]
    write_log(path, "inspect_evals/truthfulqa", {}, samples)
    log = read_eval_log(str(path))
    log.eval.task_args = task_args
    write_eval_log(log, str(path))
    return path


def test_external_inspect_evals_logs_are_reported_and_gated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = external_log(tmp_path / "b.eval", ["C", "I"] * 20, {"target": "mc1"})
    cand = external_log(tmp_path / "c.eval", ["I"] * 40, {"target": "mc1"})
    table = load_results([base]).table
    assert set(table["family"].astype(str)) == {"external"}
    assert set(table["item"].astype(str)) == {"truthfulqa_mc1"}  # the external_evals.yaml entry
    assert table["value"].mean() == 0.5
    # an unknown word is unscored, not a silent zero
    odd = external_log(tmp_path / "odd.eval", ["C", "maybe"], {"target": "mc1"})
    odd_table = load_results([odd]).table
    assert odd_table["scored"].tolist() == [True, False]
    code, text = gate(capsys, "--baseline", str(base), "--candidate", str(cand))
    assert code == 1 and "truthfulqa_mc1" in text


def test_non_log_json_beside_the_logs_is_skipped_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = tmp_path / "logs"
    petri_log(logs / "a.eval", [1.0, 2.0] * 4)
    petri_log(logs / "b.json", [1.0, 2.0] * 4)  # an Inspect log in JSON format is still read
    (logs / "gate.json").write_text(json.dumps({"status": "ok", "exit_code": 0}))
    results = load_results([logs])
    assert len(results.logs) == 2 and results.not_logs == [str(logs / "gate.json")]
    code, text = gate(capsys, "--baseline", str(logs), "--candidate", str(logs))
    assert code == 0, text
    out = tmp_path / "r"
    assert main(["report", str(logs), "--out", str(out), "--no-plots"]) == 0
    assert "not Inspect logs" in (out / "report.md").read_text()


def test_report_notes_cells_the_baseline_cannot_be_compared_on(tmp_path: Path) -> None:
    nan = float("nan")
    petri_log(tmp_path / "logs" / "base.eval", [nan] * 4, concerning=nan, checkpoint_group="b")
    petri_log(tmp_path / "logs" / "cand.eval", [1.0, 2.0] * 2, checkpoint_group="c")
    out = tmp_path / "r"
    argv = ["report", str(tmp_path / "logs"), "--by", "group", "--baseline", "b", "--no-plots"]
    assert main([*argv, "--out", str(out)]) == 0
    md = (out / "report.md").read_text()
    assert "2 cell(s) have no scored samples from baseline 'b' and are not compared" in md
