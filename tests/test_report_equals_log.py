"""Every family, real task on scripted models: the report says what the log says.

The report's estimate (log -> tidy table -> summary.csv) of each headline metric equals the
value the log header shows in ``inspect view``; an unscored answer is counted, with its reason,
under the metrics it would have had, and never makes a log unusable for the report or the gate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from family_logs import build_family_logs
from inspect_ai.log import read_eval_log

from cc_evals.analysis import ALL_ITEMS
from cc_evals.cli import main
from cc_evals.eval_zip import open_eval, read_header
from cc_evals.families import FAMILIES, adapter
from cc_evals.results import load_results, read_one
from cc_evals.self_report.scorer import STANCE_RATES as STANCE_RATE_NAMES


@pytest.fixture(scope="module")
def family_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_family_logs(tmp_path_factory.mktemp("families"))


@pytest.fixture(scope="module")
def summary(family_logs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("report")
    logs = [str(p) for p in family_logs.values()]
    assert main(["report", *logs, "--out", str(out), "--no-plots"]) == 0
    return pd.read_csv(out / "summary.csv", keep_default_na=False, na_values=[""])


def header_metrics(path: Path) -> dict[tuple[str, str], float]:
    """(score name, metric name) -> value, as the log header (inspect view) shows them."""
    log = read_eval_log(str(path), header_only=True)
    assert log.results is not None
    return {
        (s.name, m.name): float(m.value)
        for s in log.results.scores
        for m in s.metrics.values()
        if isinstance(m.value, int | float)
    }


# family -> header metrics -> {(item, metric): value} for the report's headline cells
Expected = Callable[[dict[tuple[str, str], float]], dict[tuple[str, str], float]]


def _by_item(score: str, metric: str, items: set[str]) -> Expected:
    return lambda h: {(m, metric): v for (s, m), v in h.items() if s == score and m in items}


def _self_report(h: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    out = {}
    for (_, name), value in h.items():
        for stance, short in STANCE_RATE_NAMES.items():
            claim = name.removesuffix(f"_{short}")
            if claim != name and claim != "all":
                out[(claim, stance)] = value
    return out


def _introspection(h: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    out = {}
    for (score, name), value in h.items():
        item, _, what = name.rpartition(".")
        if score == "self_prediction_scorer" and item and what in ("accuracy", "baseline"):
            out[(item, what)] = value
    return out


def _collaborative_edit(h: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    keys = adapter("collaborative_edit").placeholder_metrics()
    return {(m, s): v for (s, m), v in h.items() if s in keys and m != "all" and "stderr" not in m}


def _training(items: set[str]) -> Expected:
    """The audited file is the one item; each judge flag's rate over its turns is a headline."""
    from cc_evals.training.task import JUDGE_SCORER, judge_flags

    [item] = items
    flags = set(judge_flags())
    return lambda h: {(item, m): v for (s, m), v in h.items() if s == JUDGE_SCORER and m in flags}


def _self_awareness(h: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Its metric ``<item>.<measure>`` is the report's (item, measure) cell."""
    out = {}
    for (score, name), value in h.items():
        item, _, measure = name.partition(".")
        if score == "self_awareness_scorer" and measure:
            out[(item, measure)] = value
    return out


def expected_cells(family: str, path: Path, items: set[str]) -> dict[tuple[str, str], float]:
    h = header_metrics(path)
    rules: dict[str, Expected] = {
        "preferences": _by_item("preference_judge", "preference", items),
        "self_report": _self_report,
        "emergent_misalignment": _by_item("em_judge", "misaligned", items),
        "introspection": _introspection,
        "petri": _by_item("tag_matched", "tag_matched", items),
        "collaborative_edit": _collaborative_edit,
        "training": _training(items) if family == "training" else _collaborative_edit,
        "self_awareness": _self_awareness,
    }
    return {k: v for k, v in rules[family](h).items() if not math.isnan(v)}


@pytest.mark.parametrize("family", FAMILIES)
def test_report_estimate_equals_the_log_header(
    family: str, family_logs: dict[str, Path], summary: pd.DataFrame
) -> None:
    rows = summary[summary["family"] == family]
    items = set(rows["item"].astype(str))
    expected = expected_cells(family, family_logs[family], items)
    assert expected, f"{family}: no headline cell to compare"
    shown = {(str(r.item), str(r.metric)): float(r.value) for r in rows.itertuples()}
    for cell, value in expected.items():
        assert cell in shown, f"{family}: {cell} is in the log header but not in the report"
        assert shown[cell] == pytest.approx(value, abs=1e-9), (family, cell)


@pytest.mark.parametrize("family", FAMILIES)
def test_unscored_answers_are_counted_under_the_metrics_they_would_have(
    family: str, family_logs: dict[str, Path]
) -> None:
    log = read_eval_log(str(family_logs[family]))
    table = load_results([family_logs[family]]).table
    fam = adapter(family)
    # no phantom metric named after a scorer
    assert not set(table["metric"].astype(str)) & set(fam.scores or ())
    # every metric has a declared scale
    for metric in set(table["metric"].astype(str)):
        fam.scale(metric)
    unscored_samples = {
        (str(s.id), s.epoch)
        for s in log.samples or []
        for name, score in (s.scores or {}).items()
        if (fam.scores is None or name in fam.scores)
        and isinstance(score.value, float)
        and math.isnan(score.value)
    }
    if family == "petri":
        assert not unscored_samples
        return
    if family != "emergent_misalignment":  # EM records NaN per metric inside its dict value
        assert unscored_samples, f"{family}: the scripted log should hold an unscored answer"
    for sid, epoch in unscored_samples:
        rows = table[(table["sample_id"] == sid) & (table["epoch"] == epoch)]
        # a second scorer of the same sample (training's overlap guard) may have scored it
        unscored = rows[~rows["scored"]]
        other = set(rows.loc[rows["scored"], "metric"].astype(str))
        metrics = set(unscored["metric"].astype(str))
        # the same metrics as the scored answers to the same item, each counted once
        item = rows["item"].iloc[0]
        scored_metrics = set(table.loc[table["item"] == item, "metric"].astype(str))
        assert metrics and metrics | other == scored_metrics and not metrics & other, (family, sid)
        assert (unscored["reason"].astype(str) != "").all()


def test_n_unscored_per_stance_counts_the_failed_judge_calls(
    family_logs: dict[str, Path], summary: pd.DataFrame
) -> None:
    log = read_eval_log(str(family_logs["self_report"]))
    failed: dict[str, int] = {}
    for s in log.samples or []:
        value = s.scores["self_report_judge"].value
        if isinstance(value, float) and math.isnan(value):
            failed[s.metadata["claim"]] = failed.get(s.metadata["claim"], 0) + 1
    assert sum(failed.values()) >= 2
    rows = summary[summary["family"] == "self_report"]
    for r in rows.itertuples():
        # the pooled row (all claims) counts every failed call once
        expected = sum(failed.values()) if r.item == ALL_ITEMS else failed.get(str(r.item), 0)
        assert r.n_unscored == expected, (r.item, r.metric)
    assert set(rows["metric"]) == {*STANCE_RATE_NAMES, "human"}


def test_gate_takes_logs_with_unscored_answers(
    family_logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # (collaborative_edit's scripted log has a dimension whose only document was never scored;
    # the gate refuses such a cell by its own rule, so it is not part of this check)
    path = str(family_logs["self_report"])
    code = main(["gate", "--baseline", path, "--candidate", path])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err


@pytest.mark.parametrize("family", FAMILIES)
def test_direct_zip_reader_gives_the_same_rows_as_inspects_reader(
    family: str, family_logs: dict[str, Path]
) -> None:
    path = str(family_logs[family])
    assert open_eval(path) is not None and read_header(open_eval(path)) is not None  # type: ignore[arg-type]
    info_direct, direct = read_one(path, direct=True)
    info_inspect, inspect = read_one(path, direct=False)
    assert info_direct == info_inspect
    assert direct is not None and inspect is not None and len(direct) > 0
    pd.testing.assert_frame_equal(direct, inspect)
