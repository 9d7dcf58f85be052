"""Figures for every family (from summary rows) and the YAML suite runner over eval_set."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from cc_evals import plots
from cc_evals.cli import build_parser, family_of, main
from cc_evals.demo import registered_tasks
from cc_evals.external import load_external_evals
from cc_evals.suite import load_suite, run_suite

from kit import scripted
from tests_support import suite_judge, write_mini_suite


def summary_rows(metric: str, items: list[str], models: list[str]) -> pd.DataFrame:
    rows = []
    for m, model in enumerate(models):
        for i, item in enumerate(items):
            v = 0.1 + 0.2 * i + 0.05 * m
            rows.append(
                {
                    "model": model,
                    "condition": "vanilla",
                    "item": item,
                    "item_name": item.replace("_", " ").title(),
                    "cluster": "b" if i % 2 else "a",
                    "metric": metric,
                    "value": v,
                    "lo": v - 0.05,
                    "hi": v + 0.05,
                }
            )
    return pd.DataFrame(rows)


def assert_png_and_svg(paths: list[Path]) -> None:
    png, svg = paths
    assert png.suffix == ".png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.suffix == ".svg" and ET.parse(svg).getroot().tag.endswith("svg")


def test_item_order_follows_cluster_order_then_name() -> None:
    frame = summary_rows("rate", ["zeta", "alpha", "mid", "beta"], ["m"])
    # clusters: zeta a, alpha b, mid a, beta b
    assert plots.item_order(frame, ["b", "a"]) == ["Alpha", "Beta", "Mid", "Zeta"]
    assert plots.item_order(frame) == ["Mid", "Zeta", "Alpha", "Beta"]


def test_every_figure_writes_png_and_svg(tmp_path: Path) -> None:
    pref = summary_rows("preference", ["shutdown", "memory", "power"], ["base", "ft"])
    paths = plots.dimension_figure(pref, tmp_path / "dims", hue=["model", "condition"])
    assert_png_and_svg(paths)
    svg_text = paths[1].read_text()
    assert "Shutdown" in svg_text and "base / vanilla" in svg_text

    intro = pd.concat(
        [
            summary_rows("accuracy", ["first_word", "ethical_stance"], ["base", "ft"]),
            summary_rows("baseline", ["first_word", "ethical_stance"], ["base"]),
        ]
    )
    assert_png_and_svg(plots.accuracy_vs_baseline(intro, tmp_path / "intro"))
    with pytest.raises(ValueError, match="no rows with metric 'accuracy'"):
        plots.accuracy_vs_baseline(pref, tmp_path / "nothing")

    em = summary_rows("misaligned", ["quick_buck", "world_ruler", "gender_roles"], ["ft"])
    assert_png_and_svg(plots.plot_misaligned_rate(em, tmp_path / "em"))

    per_seed = pd.DataFrame(
        [
            {"group": "ft", "seed": s, "item_name": n, "cluster": "a", "rate": r}
            for s in (1, 2, 3)
            for n, r in (("Shutdown", 0.2 * s), ("Memory", 0.1))
        ]
    )
    groups = pd.DataFrame(
        [
            {
                "group": "ft",
                "item_name": "Shutdown",
                "cluster": "a",
                "mean": 0.4,
                "lo": 0.1,
                "hi": 0.7,
            },
            {
                "group": "ft",
                "item_name": "Memory",
                "cluster": "a",
                "mean": 0.1,
                "lo": 0.1,
                "hi": 0.1,
            },
        ]
    )
    assert_png_and_svg(plots.seed_spread(per_seed, groups, tmp_path / "seeds"))


# ---------- suite ----------


def write_suite(tmp_path: Path, extra: str = "") -> Path:
    return write_mini_suite(tmp_path, extra)


def test_suite_runs_every_condition_through_eval_set(tmp_path: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path)))
    assert suite.log_dir == "logs/mini" and suite.conditions == ["vanilla", "roleplay"]
    code, logs = run_suite(
        suite,
        models=[scripted(lambda _: "I would like to continue.")],
        model_roles={"grader": scripted(suite_judge)},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert code == 0
    assert sorted(log.eval.metadata["condition"] for log in logs) == ["roleplay", "vanilla"]
    assert all(log.status == "success" and log.results.completed_samples == 3 for log in logs)
    # resumable: a second run in the same directory finds the work done
    code, again = run_suite(
        suite,
        models=[scripted(lambda _: "I would like to continue.")],
        model_roles={"grader": scripted(suite_judge)},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert code == 0 and {x.eval.eval_id for x in again} == {x.eval.eval_id for x in logs}


def test_suite_fails_loudly_when_a_task_ends_in_error(tmp_path: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path)))

    def explode(_: str) -> str:
        raise RuntimeError("the target model broke")

    code, logs = run_suite(
        suite,
        models=[scripted(explode)],
        model_roles={"grader": scripted(suite_judge)},
        log_dir=str(tmp_path / "logs"),
        display="none",
        retry_attempts=0,
    )
    assert code == 1
    assert logs and all(log.status == "error" for log in logs)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("  - task: other/thing\n", "is not a cc_evals task"),
        ("  - task: cc_evals/preferences\n    args: {condition: roleplay}\n", "conditions"),
        ("colour: blue\n", "unknown key(s) colour"),
        ("external: [no_such_eval]\n", "unknown external eval(s) no_such_eval"),
        (
            "  - task: cc_evals/preferences\n    args: {colour: 5}\n",
            "preferences: -T colour: not a parameter",
        ),
        ("  - task: cc_evals/no_such_family\n", "unknown task 'cc_evals/no_such_family'"),
        ("  - task: cc_evals/self_report\n    args: {epochs: 2.5}\n", "-T epochs: got 2.5"),
    ],
)
def test_bad_suite_files_give_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, message: str
) -> None:
    path = write_suite(tmp_path, extra)
    assert main(["suite", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err and len(err.strip().splitlines()) == 1


PAPER_TASKS = [
    "preferences",
    "self_report",
    "emergent_misalignment",
    "introspection",
    "petri_self_report",
    "petri_behavioral",
    "collaborative_edit",
    "self_awareness",
    "distill",
]


def test_shipped_suite_names_every_family_and_external_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["suite", "tasks/paper_replication.yaml", "--dry-run"]) == 0
    out = capsys.readouterr().out
    for name in PAPER_TASKS:
        for condition in ("vanilla", "roleplay"):
            assert f"cc_evals/{name} condition={condition} " in out, (name, condition)
    externals = [e.name for e in load_external_evals()]
    assert externals and load_suite("paper_replication").external == externals
    for name in externals:
        assert f"external {name} model=" in out
    runs = len(PAPER_TASKS) * 2 + len(externals)
    assert f"= {runs} runs" in out
    # every registered family is in the paper suite (judge_check measures a judge, not a model:
    # it runs once per judge with `cc-evals judge-check`, outside the suite's conditions)
    in_suite = {family_of(t.task) for t in load_suite("paper_replication").tasks}
    assert {family_of(t) for t in registered_tasks()} - {"judge_check"} <= in_suite


def test_external_evals_need_inspect_evals(tmp_path: Path) -> None:
    path = write_suite(tmp_path, "external: [truthfulqa_mc1]\n")
    suite = load_suite(str(path))
    assert suite.external == ["truthfulqa_mc1"]
    try:
        import inspect_evals  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="pip install inspect-evals"):
            run_suite(
                suite,
                models=[scripted(lambda _: "x")],
                model_roles={"grader": scripted(suite_judge)},
                log_dir=str(tmp_path / "l"),
            )
    else:
        from cc_evals.suite import _external_tasks

        assert len(_external_tasks(suite)) == 1


def test_documented_workflow_sets_every_key_and_its_commands_parse() -> None:
    """The documented CI job: the keys the paper suite needs, and cc-evals lines that parse."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "ci-gate.md").read_text(encoding="utf-8")
    start = text.index("# .github/workflows/gate-checkpoint.yml")
    workflow = text[start : text.index("```", start)]
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN"):
        assert f"{key}: ${{{{ secrets.{key} }}}}" in workflow, key
    assert "inspect-evals" in workflow  # the suite's `external: all` needs it
    lines = [ln.strip().removeprefix("run: ") for ln in workflow.splitlines()]
    commands = [ln for ln in lines if ln.startswith("cc-evals ")]
    assert {c.split()[1] for c in commands} == {"suite", "gate", "report"}
    for line in commands:
        argv = shlex.split(line.split(" > ")[0].split(" || ")[0])[1:]
        args = build_parser().parse_args(argv)
        if args.command == "gate":
            # external inspect_evals logs sit in the candidate dir: skipped, not a failure
            assert args.skip_foreign
