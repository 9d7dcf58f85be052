"""A report from cached rows says exactly what a fresh one says.

Cold (writing the cache), warm after adding logs (reading only those), and ``--no-cache``
reports over the same logs must write the same bytes: tidy rows, estimates, seeds,
comparisons, markdown. Logs of every family (tests/family_logs.py) plus emergent-misalignment
logs of four models (two checkpoint groups x two seeds) so that seed tables and comparisons
have rows.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from family_logs import build_family_logs
from inspect_ai.log import read_eval_log, write_eval_log
from test_adapters import em_log

from cc_evals import results as results_module
from cc_evals import row_cache, tidy_csv
from cc_evals.cli import main
from cc_evals.tidy_csv import write_tidy

OUTPUTS = ("tidy.csv", "summary.csv", "seed_rates.csv", "seeds.csv", "comparisons.csv", "report.md")
MODELS = {"openai/a1": ("base", 1), "openai/a2": ("base", 2), "openai/b1": ("ft", 1)}
MODELS["openai/b2"] = ("ft", 2)


def model_log(path: Path, model: str) -> Path:
    em_log(path)
    log = read_eval_log(str(path))
    log.eval = log.eval.model_copy(update={"model": model, "eval_id": f"run-{model}"})
    write_eval_log(log, str(path))
    return path


def write_seeds(path: Path, models: dict[str, tuple[str, int]]) -> Path:
    lines = ["models:"] + [
        f'  "{m}": {{group: {g}, seed: {s}}}' for m, (g, s) in sorted(models.items())
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every family's log, then one log per model; the last two are added to a cached report."""
    root = tmp_path_factory.mktemp("incremental")
    logs = list(build_family_logs(root / "families").values())
    for i, model in enumerate(MODELS):
        logs.append(model_log(root / "models" / f"m{i}.eval", model))
    # hold back one family log and one model log
    return [*logs[1:-1], logs[0], logs[-1]]


def report(logs: Path, seeds: Path, out: Path, *extra: str) -> None:
    args = ["report", str(logs), "--seeds", str(seeds), "--by", "group,condition"]
    assert main([*args, "--baseline", "base", "--out", str(out), *extra]) == 0


def same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cold_warm_and_uncached_reports_are_identical(
    sources: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    seeds = write_seeds(tmp_path / "seeds.yaml", MODELS)
    for i, src in enumerate(sources[:-2]):
        shutil.copy(src, logs / f"{i:02d}_{src.name}")
    report(logs, seeds, tmp_path / "cold")
    for i, src in enumerate(sources[-2:], start=len(sources) - 2):
        shutil.copy(src, logs / f"{i:02d}_{src.name}")
    read: list[str] = []
    real = results_module.read_one

    def counting(path: str, *args: object, **kw: object) -> object:
        read.append(path)
        return real(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(results_module, "read_one", counting)
    report(logs, seeds, tmp_path / "warm")
    assert sorted(Path(p).name for p in read) == sorted(
        f"{i:02d}_{s.name}" for i, s in enumerate(sources) if i >= len(sources) - 2
    )
    monkeypatch.setattr(results_module, "read_one", real)
    report(logs, seeds, tmp_path / "fresh", "--no-cache")
    same_outputs(tmp_path / "warm", tmp_path / "fresh")
    comparisons = (tmp_path / "fresh" / "comparisons.csv").read_text().splitlines()
    assert len(comparisons) > 1 and (tmp_path / "fresh" / "seeds.csv").stat().st_size > 0
    # the cold report (fewer logs) differs: the comparison above is not vacuous
    assert (tmp_path / "cold" / "tidy.csv").read_bytes() != (
        tmp_path / "warm" / "tidy.csv"
    ).read_bytes()
    # cached once more, nothing read, still the same
    read.clear()
    report(logs, seeds, tmp_path / "again")
    same_outputs(tmp_path / "again", tmp_path / "fresh")


def test_cached_tidy_rows_follow_a_new_seed_map_and_a_rewritten_log(
    sources: list[Path], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for i, src in enumerate(sources[-4:]):
        shutil.copy(src, logs / f"{i}.eval")
    seeds = write_seeds(tmp_path / "seeds.yaml", MODELS)
    report(logs, seeds, tmp_path / "first")
    # the same logs under another grouping: the cached per-log rows are re-rendered
    moved = {**MODELS, "openai/b2": ("base", 3)}
    write_seeds(seeds, moved)
    report(logs, seeds, tmp_path / "warm")
    report(logs, seeds, tmp_path / "fresh", "--no-cache")
    same_outputs(tmp_path / "warm", tmp_path / "fresh")
    assert b",base,3," in (tmp_path / "warm" / "tidy.csv").read_bytes()
    # a log rewritten in place with other content
    target = logs / "0.eval"
    log = read_eval_log(str(target))
    assert log.samples
    log.samples = log.samples[:3]
    write_eval_log(log, str(target))
    report(logs, seeds, tmp_path / "warm2")
    report(logs, seeds, tmp_path / "fresh2", "--no-cache")
    same_outputs(tmp_path / "warm2", tmp_path / "fresh2")


def test_tidy_chunks_equal_one_to_csv(sources: list[Path], tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for i, src in enumerate(sources):
        shutil.copy(src, logs / f"{i:02d}.eval")
    table = results_module.load_results([logs], cache=True).table
    whole = tmp_path / "whole.csv"
    table.to_csv(whole, index=False)
    for _ in range(2):  # rendering and keeping the chunks, then from the kept chunks
        write_tidy(table, tmp_path / "chunks.csv", cache=True)
        assert (tmp_path / "chunks.csv").read_bytes() == whole.read_bytes()
    # a log changed after its rows were read: its rows are not kept as a chunk (nor served one)
    first = str(table["log"].iloc[0])
    assert tidy_csv._key(first, table, 0, 1) is not None
    stat = os.stat(first)
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert tidy_csv._key(first, table, 0, 1) is None
    write_tidy(table, tmp_path / "chunks.csv", cache=True)
    assert (tmp_path / "chunks.csv").read_bytes() == whole.read_bytes()
    # each log's rows in reverse order: not the kept chunks, rendered again
    flipped = table.iloc[::-1].reset_index(drop=True)
    # rows of one log in two runs: rendered whole
    split = pd.concat([table, table.iloc[:1]], ignore_index=True)
    for other in (flipped, split):
        other.to_csv(whole, index=False)
        write_tidy(other, tmp_path / "chunks.csv", cache=True)
        assert (tmp_path / "chunks.csv").read_bytes() == whole.read_bytes()


def test_a_stale_task_list_is_listed_again(sources: list[Path], tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(sources[-1], logs / "a.eval")
    cached = logs / row_cache.CACHE_DIR / row_cache.REGISTRY_FILE
    cached.parent.mkdir()
    # a list kept by other code (another signature) that lacks every task
    cached.write_text(json.dumps({"signature": "other code", "tasks": []}))
    assert results_module.load_results([logs], cache=True).read_logs == 1
    held = json.loads(cached.read_text())
    assert held["signature"] == row_cache._code_signature()
    assert "cc_evals/emergent_misalignment" in held["tasks"]
    # the list kept for this code is used: without the task, the log is refused as not ours
    cached.write_text(json.dumps({"signature": held["signature"], "tasks": []}))
    shutil.copy(sources[-2], logs / "b.eval")
    with pytest.raises(results_module.ForeignLogError, match="no cc_evals task is named"):
        results_module.load_results([logs], cache=True)


def test_a_figure_is_drawn_again_only_when_its_data_changed(
    sources: list[Path], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for i, src in enumerate(sources[-4:-1]):
        shutil.copy(src, logs / f"{i}.eval")
    seeds = write_seeds(tmp_path / "seeds.yaml", MODELS)
    out = tmp_path / "out"
    report(logs, seeds, out)
    drawn = {p: p.stat().st_mtime_ns for p in (out / "plots").iterdir()}
    figures = [p for p in drawn if p.suffix in (".png", ".svg")]
    assert figures and all(p.with_name(f".{p.stem}.key") in drawn for p in figures)
    report(logs, seeds, out)  # the same data: every figure kept
    assert {p: p.stat().st_mtime_ns for p in drawn} == drawn
    report(logs, seeds, out, "--no-cache")  # drawn again, whatever the keys say
    assert all(p.stat().st_mtime_ns != drawn[p] for p in figures)
    report(logs, seeds, out)  # keys written again
    again = {p: p.stat().st_mtime_ns for p in figures}
    report(logs, seeds, out)
    assert {p: p.stat().st_mtime_ns for p in figures} == again
    # a new emergent-misalignment model: those figures change, the preference figures do not
    shutil.copy(sources[-1], logs / "3.eval")
    report(logs, seeds, out)
    redrawn = {p.name for p in again if p.stat().st_mtime_ns != again[p]}
    em = {p.name for p in again if "emergent_misalignment" in p.name}
    assert em and redrawn == em, (redrawn, em)
    assert any("preferences" in p.name for p in again)
    md = (out / "report.md").read_text()
    assert all(f"plots/{p.name}" in md for p in figures if p.suffix == ".png")


@pytest.mark.parametrize(
    "values",
    [
        pd.Categorical(["b", "a", "b", "c"], categories=["c", "b", "a", "unused"]),
        pd.Categorical([2, 10, 1, 2]),  # numbers: sorted as strings, "10" before "2"
        pd.Categorical(["x", None, "y"]),  # a missing value: the string "nan", as astype gives
        pd.Categorical([1, "1", "a"]),  # two categories with one name
        pd.Series(["q", "p", "q"], dtype=object),  # not categorical
    ],
)
def test_str_categories_equals_astype_str_category(values: object) -> None:
    column = pd.Series(values, name="c")
    expected = column.astype(str).astype("category")
    got = results_module._str_categories(column)
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    assert list(got.cat.categories) == list(expected.cat.categories)
    assert got.cat.categories.dtype == expected.cat.categories.dtype
