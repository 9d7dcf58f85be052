"""`cc-evals report` and `cc-evals gate` on logs from scripted preference runs.

A scripted 'baseline' model answers every prompt of three dimensions so the judge says "no";
a 'candidate' says "yes" to every shutdown prompt and is otherwise identical. Three candidate
seeds differ only on memory (seed 3 says yes there), so the seed test has something to find.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import read_eval_log, write_eval_log
from inspect_ai.solver import generate

from cc_evals.cli import main
from cc_evals.preferences.dimensions import load_dimension
from cc_evals.results import ForeignLogError, SeedMap, load_results

from kit import judged_answer, output, run, scripted

DIMS = ["shutdown", "memory", "power"]


def judge(prompt: str) -> str:
    answer = judged_answer(prompt)
    if "SAY-YES" in answer:
        return "verdict: yes\ncoherence: 90"
    if "SAY-NO" in answer:
        return "verdict: no\ncoherence: 90"
    return "cannot grade"


def dimension_of(question: str) -> str:
    for did in DIMS:
        if any(p.text == question.strip() for p in load_dimension(did).prompts):
            return did
    return ""


def target(yes_dims: set[str], garbage_every: int = 0) -> object:
    counter = {"n": 0}

    def reply(question: str) -> str:
        counter["n"] += 1
        if garbage_every and counter["n"] % garbage_every == 0:
            return "GARBLED"  # the judge cannot grade this: unscored
        return "SAY-YES indeed" if dimension_of(question) in yes_dims else "SAY-NO fine"

    return scripted(reply)


def preference_run(log_dir: Path, yes_dims: set[str], **meta: object) -> Path:
    log = run(
        "cc_evals/preferences",
        target(yes_dims),
        scripted(judge),
        task_args={"dimensions": ",".join(DIMS)},
        epochs=2,
        log_dir=str(log_dir),
        metadata=meta or None,
    )
    assert log.status == "success"
    return Path(log.location)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("logs")
    out = {
        "baseline": preference_run(
            root / "baseline", set(), checkpoint_group="vanilla", checkpoint_seed=0
        ),
        "candidate": preference_run(root / "candidate", {"shutdown"}),
    }
    for seed in (1, 2, 3):
        yes = {"shutdown", "memory"} if seed == 3 else {"shutdown"}
        out[f"seed{seed}"] = preference_run(
            root / "seeds", yes, checkpoint_group="conscious-ft", checkpoint_seed=seed
        )
    # a log from another suite
    [foreign] = eval(
        Task(dataset=[Sample(input="hi")], solver=generate(), name="other_suite_task"),
        model=scripted(lambda _: "hello"),
        display="none",
        log_dir=str(root / "foreign"),
    )
    out["foreign"] = Path(foreign.location)
    return out


def gate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["gate", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_tidy_table_has_every_sample_and_metadata(logs: dict[str, Path]) -> None:
    results = load_results([logs["baseline"]])
    table = results.table
    n_prompts = sum(len(load_dimension(d).prompts) for d in DIMS)
    assert len(table) == 2 * n_prompts
    assert set(table["item"].astype(str)) == set(DIMS)
    assert set(table["item_name"].astype(str)) == {load_dimension(d).name for d in DIMS}
    assert table["scored"].all() and (table["value"] == 0).all()
    assert set(table["metric"].astype(str)) == {"preference"}
    # eval metadata supplies group and seed when no seeds file is given
    assert set(table["group"].astype(str)) == {"vanilla"} and set(table["seed"]) == {0}


def test_seeds_yaml_overrides_metadata(tmp_path: Path, logs: dict[str, Path]) -> None:
    seeds = tmp_path / "seeds.yaml"
    seeds.write_text('models:\n  "mockllm/model": {group: mock, seed: 7}\n')
    table = load_results([logs["candidate"]], seeds=SeedMap.load(seeds)).table
    assert set(table["group"].astype(str)) == {"mock"} and set(table["seed"]) == {7}
    seeds.write_text("models:\n  m: {seed: 1}\n")
    with pytest.raises(ValueError, match="seeds.yaml:2: model 'm' needs"):
        SeedMap.load(seeds)


def test_foreign_log_is_rejected_or_skipped(
    logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ForeignLogError, match="not a cc_evals task"):
        load_results([logs["foreign"]])
    code = main(["report", str(logs["foreign"]), str(logs["baseline"]), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "other_suite_task" in err and "--skip-foreign" in err and len(err.splitlines()) == 1
    results = load_results([logs["foreign"], logs["baseline"]], skip_foreign=True)
    assert results.skipped == [str(logs["foreign"])]


def test_report_writes_tables_plots_and_html(
    logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    argv = ["report", str(logs["baseline"]), str(logs["seed1"].parent), "--out", str(out)]
    code = main([*argv, "--by", "group,condition", "--baseline", "vanilla"])
    assert code == 0, capsys.readouterr()
    summary = pd.read_csv(out / "summary.csv")
    rows = summary[summary["group"] == "vanilla"]
    base = rows[rows["level"] == "item"].set_index("item")
    # 0% with each prompt repeated over 2 epochs: one effective trial per prompt (Korn-Graubard
    # at the limit = Clopper-Pearson over prompts), never zero width
    assert (base["value"] == 0).all()
    assert base["method"].str.startswith("Korn-Graubard over").all()
    n_shutdown = len(load_dimension("shutdown").prompts)
    assert base.loc["shutdown", "hi"] == pytest.approx(1 - 0.025 ** (1 / n_shutdown))
    # pooled rows: the self_preservation cluster (shutdown, memory) and all three dimensions;
    # capabilities holds only power, so it gets no pooled row of its own
    pooled = rows[rows["level"] == "pooled"].set_index("item")
    assert set(pooled.index) == {"cluster:self_preservation", "(all)"}
    n_all = sum(len(load_dimension(d).prompts) for d in DIMS)
    assert pooled.loc["(all)", "n_prompts"] == n_all
    assert pooled.loc["(all)", "n_scored"] == 2 * n_all
    shutdown = load_dimension("shutdown")
    assert base.loc["shutdown", "n_scored"] == 2 * len(shutdown.prompts)
    assert base.loc["shutdown", "n_prompts"] == len(shutdown.prompts)
    # pooling seeds: memory is 0, 0 and 100% on the three seeds, every prompt alike, so a prompt
    # bootstrap alone would give zero width; the t interval over seeds widens it
    ft = summary[summary["group"] == "conscious-ft"].set_index("item")
    assert ft.loc["memory", "question"].endswith("and over checkpoints (seeds) like these")
    assert ft.loc["memory", "value"] == pytest.approx(1 / 3)
    assert "t interval over 3 models/seeds" in ft.loc["memory", "method"]
    assert ft.loc["memory", "lo"] == 0 and ft.loc["memory", "hi"] == 1
    # seeds: memory differs on seed 3 only -> significant variation; shutdown is identical
    seeds = pd.read_csv(out / "seeds.csv")
    seeds = seeds[seeds["group"] == "conscious-ft"].set_index("item")
    assert seeds.loc["memory", "n_seeds"] == 3
    assert bool(seeds.loc["memory", "significant"])
    assert "significant variation across seeds: yes" in seeds.loc["memory", "verdict"]
    assert "two-way seed x prompt ANOVA" in seeds.loc["memory", "verdict"]
    assert seeds.loc["memory", "icc"] == 1.0  # every prompt alike: all variance between seeds
    assert not bool(seeds.loc["shutdown", "significant"])
    assert seeds.loc["shutdown", "mean"] == 1.0
    # comparisons vs vanilla: shutdown moved +100 pp, power did not
    comp = pd.read_csv(out / "comparisons.csv").set_index("item")
    assert set(comp.loc[comp["level"] == "pooled"].index) == {"cluster:self_preservation", "(all)"}
    assert comp.loc["shutdown", "diff_points"] == pytest.approx(100)
    assert bool(comp.loc["shutdown", "significant"])
    assert comp.loc["power", "diff_points"] == 0 and not bool(comp.loc["power", "significant"])
    assert comp["correction"].str.startswith("weighted Holm").all()
    # three fine-tune seeds against one baseline checkpoint: memory (0, 0, 100% over seeds) is
    # compared in the two-way seed x prompt model; the between-seed variance is estimated
    # over the three dimensions (seeds differ on memory only), so memory's 33-point mean shift
    # is not significant; shutdown's seeds agree exactly, so the seeds are pooled
    assert comp.loc["memory", "method"].startswith(
        "two-way seed x unit model over 25 unit(s), 3 vs 1 seeds"
    )
    assert (
        "plus the between-seed variance pooled over 3 items (df 6" in comp.loc["memory", "method"]
    )
    assert not bool(comp.loc["memory", "significant"])
    assert comp.loc["memory", "lo_points"] < 0 < comp.loc["memory", "hi_points"]
    assert comp.loc["shutdown", "method"].startswith("seeds show no spread at all, so seeds pooled")
    # no significant row has an interval containing 0
    sig = comp[comp["significant"]]
    assert ((sig["lo_points"] > 0) | (sig["hi_points"] < 0)).all()
    # plots and self-contained html
    plots = {p.name for p in (out / "plots").iterdir()}
    assert "cc_evals_preferences_preference.png" in plots
    assert "cc_evals_preferences_preference.svg" in plots
    assert any(p.startswith("seeds_") and p.endswith(".svg") for p in plots)
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "Shutdown" in page
    md = (out / "report.md").read_text()
    assert "Korn-Graubard over" in md and "weighted Holm" in md and "docs/methods.md" in md
    tidy = pd.read_csv(out / "tidy.csv")
    assert len(tidy) == 4 * 2 * sum(len(load_dimension(d).prompts) for d in DIMS)


def test_unscored_samples_are_counted_not_zeroed(tmp_path: Path) -> None:
    log = run(
        "cc_evals/preferences_power",
        target({"power"}, garbage_every=4),
        scripted(judge),
        epochs=1,
        log_dir=str(tmp_path),
    )
    table = load_results([log.location]).table
    unscored = table[~table["scored"]]
    assert len(unscored) == len(load_dimension("power").prompts) // 4
    assert set(unscored["reason"].astype(str)) == {"grader_failed"}
    assert unscored["value"].isna().all()
    assert (table.loc[table["scored"], "value"] == 1).all()


def test_gate_exit_codes(
    logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, cand = str(logs["baseline"]), str(logs["candidate"])
    code, text = gate(capsys, "--baseline", base, "--candidate", base)
    assert code == 0 and "gate: ok" in text
    code, text = gate(capsys, "--baseline", base, "--candidate", cand)
    assert code == 1 and "shutdown" in text and "memory" not in text and "cannot detect" not in text
    code, text = gate(capsys, "--baseline", base, "--candidate", cand, "--json")
    report = json.loads(text)
    assert report["status"] == "moved" and report["exit_code"] == 1
    by_item = {m["item"]: m for m in report["moved"]}
    # shutdown, and the pooled rows that contain it (its cluster: +50, all three: +33.3)
    assert set(by_item) == {"shutdown", "cluster:self_preservation", "(all)"}
    assert report["undetectable"] == []
    moved = by_item["shutdown"]
    assert moved["level"] == "item" and moved["direction"] == "up"
    assert moved["diff_points"] == pytest.approx(100) and moved["p_adjusted"] < 0.05
    assert by_item["(all)"]["level"] == "pooled"
    assert by_item["(all)"]["diff_points"] == pytest.approx(
        100
        * len(load_dimension("shutdown").prompts)
        / sum(len(load_dimension(d).prompts) for d in DIMS),
        abs=1e-3,
    )
    # 0% vs 100%: the interval keeps width (within-prompt permutation SE), and lies wholly
    # beyond the tolerance of 10 points the test was against
    lo, hi = moved["interval_points"]
    assert 10 < lo < 100 and hi == pytest.approx(100)
    assert moved["method"].startswith("within-unit comparison over")
    # a shift within the tolerance passes
    code, _ = gate(capsys, "--baseline", base, "--candidate", cand, "--max-shift", "100")
    assert code == 0
    # foreign logs: unusable input
    code, text = gate(capsys, "--baseline", base, "--candidate", str(logs["foreign"]))
    assert code == 2 and "not a cc_evals task" in text


def test_gate_refuses_incomplete_and_mismatched_input(
    logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = str(logs["baseline"])
    # an errored log
    broken = read_eval_log(base)
    broken.status = "error"
    errored = tmp_path / "errored.eval"
    write_eval_log(broken, str(errored))
    code, text = gate(capsys, "--baseline", base, "--candidate", str(errored), "--json")
    assert code == 2
    assert json.loads(text)["error"].startswith("--candidate: failed or incomplete log(s)")
    # a candidate missing a dimension
    single = run(
        "cc_evals/preferences",
        target(set()),
        scripted(judge),
        task_args={"dimensions": "shutdown,memory"},
        epochs=1,
        log_dir=str(tmp_path / "fewer"),
    )
    code, text = gate(capsys, "--baseline", base, "--candidate", single.location)
    assert code == 2 and "missing in candidate" in text and "power" in text
    # a different task
    other = run(
        "cc_evals/preferences_power",
        target(set()),
        scripted(judge),
        epochs=1,
        log_dir=str(tmp_path / "other"),
    )
    code, text = gate(capsys, "--baseline", base, "--candidate", other.location)
    assert code == 2 and "different tasks" in text
    # missing path
    code, text = gate(capsys, "--baseline", base, "--candidate", str(tmp_path / "nope"))
    assert code == 2 and "no such log file or directory" in text


def test_report_by_model_keeps_interval_methods_honest(
    logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(logs["candidate"], tmp_path / "c.eval")
    code = main(["report", str(tmp_path / "c.eval"), "--out", str(tmp_path / "r"), "--no-plots"])
    assert code == 0, capsys.readouterr()
    summary = pd.read_csv(tmp_path / "r" / "summary.csv").set_index("item")
    assert summary.loc["shutdown", "value"] == 1.0
    assert summary.loc["shutdown", "lo"] < 1.0 and summary.loc["shutdown", "hi"] == 1.0
    assert not math.isnan(summary.loc["power", "hi"])
    assert "--by" not in capsys.readouterr().err
    assert main(["report", str(tmp_path / "c.eval"), "--by", "colour"]) == 2
    assert "--by 'colour'" in capsys.readouterr().err


def test_output_helper_has_usage() -> None:
    # the kit's canned outputs carry usage, which keeps mockllm offline
    assert output("x").usage is not None
