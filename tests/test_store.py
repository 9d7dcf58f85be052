"""Suites, reports and gates on an object store: a real S3 server (moto) on 127.0.0.1, no network.

Two shards run as two separate `cc-evals suite` processes into ``s3://bucket/run``; the report
and the gate over that URL must see exactly what they see over an unsharded local run.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from inspect_ai.log import read_eval_log, write_eval_log
from test_suite_run import FlakyJudge, fake_reply, samples_in

import cc_evals
from cc_evals import store
from cc_evals.cli import main
from cc_evals.results import find_logs, load_results, read_one
from cc_evals.suite import load_suite, run_and_report

from fake_openai import FakeOpenAIServer
from kit import scripted
from tests_support import write_mini_suite

BUCKET = "bucket"
RUN = f"s3://{BUCKET}/run"


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    """A moto S3 server on a free port; the AWS settings in the environment, so the suite's
    subprocesses (and their worker processes) reach it too."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL", endpoint)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        _forget_s3_clients()
        store.filesystem(f"s3://{BUCKET}").fs.mkdir(BUCKET)
        try:
            yield endpoint
        finally:
            _forget_s3_clients()
            server.stop()


def _forget_s3_clients() -> None:
    """fsspec keeps filesystem instances; one made for another endpoint must not be reused."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    store._listed.clear()


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "user-cache"
    monkeypatch.setenv(store.CACHE_ENV, str(where))
    return where


def run_shards_loop(suite: Path, n: int, log_dir: str, out: Path) -> list[str]:
    """docs/sharding.md's loop for N processes on one machine, as written there (with a grader
    for the test's fake provider); returns each shard's output."""
    loop = (
        f"for i in {' '.join(str(i) for i in range(1, n + 1))}; do\n"
        f"  cc-evals suite {suite} --shard $i/{n} --workers 1 \\\n"
        f"    --log-dir {log_dir} --model-role grader=tinker/judge > shard-$i.txt 2>&1 &\n"
        "done\n"
        "wait\n"
    )
    bin_dir = str(Path(sys.executable).parent)  # the cc-evals this Python installed
    path = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    subprocess.run(["bash", "-c", loop], cwd=out, env={**os.environ, "PATH": path}, timeout=600)
    return [(out / f"shard-{i}.txt").read_text() for i in range(1, n + 1)]


def rows(table: pd.DataFrame) -> pd.DataFrame:
    """The tidy rows without the log path, in a fixed order, as plain values."""
    out = table.drop(columns=["log"]).astype(str)
    return out.sort_values(list(out.columns)).reset_index(drop=True)


@pytest.fixture(scope="module")
def runs(s3: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An unsharded local run, and shards 1/2 and 2/2 run at once by two processes (the docs'
    loop) into ``s3://bucket/run``; returns (suite file, local log folder)."""
    tmp = tmp_path_factory.mktemp("runs")
    suite = write_mini_suite(tmp, models=("tinker/a",), epochs=2, limit=2)
    src = str(Path(cc_evals.__file__).resolve().parents[1])
    with FakeOpenAIServer(fake_reply) as server, pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINKER_API_KEY", "test")
        mp.setenv("TINKER_BASE_URL", server.base_url)
        mp.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
        argv = ["suite", str(suite), "--workers", "1", "--log-dir", str(tmp / "whole")]
        assert main([*argv, "--model-role", "grader=tinker/judge"]) == 0
        outputs = run_shards_loop(suite, 2, RUN, tmp)
    for i, out in enumerate(outputs, start=1):
        assert f"shard {i}/2: 1 of them -> {RUN}" in out
        assert "suite: 1 of 1 unit(s) finished successfully, 4 samples" in out, out
    return suite, tmp / "whole"


def test_shards_on_s3_hold_exactly_the_unsharded_samples(runs: tuple[Path, Path]) -> None:
    _, whole = runs
    local = samples_in(whole)
    assert len(local) == 2 * 2 * 2  # units x limit x epochs
    assert samples_in(RUN) == local  # type: ignore[arg-type]
    logs, _ = find_logs([RUN])
    assert len(logs) == 2 and all(log.startswith(f"{RUN}/") for log in logs)


def test_report_and_gate_over_s3_see_the_one_suite(
    runs: tuple[Path, Path],
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, whole = runs
    # the tidy rows: the same as the local run's, read straight from the zips over S3
    remote = load_results([RUN], cache=True, workers=1)
    assert remote.read_logs == 2
    assert rows(remote.table).equals(rows(load_results([str(whole)], workers=1).table))
    # the row cache of a remote log is local (the store may be read-only), one entry per log
    assert len(list((cache_dir / "rows").glob("*.parquet"))) == 2
    listed = store.filesystem(RUN).fs.find(f"{BUCKET}/run")
    assert not [key for key in listed if ".cc_evals_cache" in key]

    # a second report takes every log from the cache: not one byte of a log is fetched
    fetched: list[tuple[str, int, int]] = []
    real_read = store.read_range

    def counting(path: str, start: int, end: int) -> bytes:
        fetched.append((path, start, end))
        return real_read(path, start, end)

    monkeypatch.setattr(store, "read_range", counting)
    again = load_results([RUN], cache=True, workers=1)
    assert again.read_logs == 0 and fetched == []
    assert rows(again.table).equals(rows(remote.table))
    monkeypatch.setattr(store, "read_range", real_read)

    # the command: the same headline and summary as over the local folder
    capsys.readouterr()
    assert main(["report", RUN, "--out", str(tmp_path / "s3"), "--no-plots"]) == 0
    s3_out = capsys.readouterr().out
    assert main(["report", str(whole), "--out", str(tmp_path / "local"), "--no-plots"]) == 0
    local_out = capsys.readouterr().out
    assert "report: 2 logs, 8 sample scores" in s3_out
    assert s3_out.split(" -> ")[0] == local_out.split(" -> ")[0]
    s3_summary = pd.read_csv(tmp_path / "s3" / "summary.csv")
    assert s3_summary.equals(pd.read_csv(tmp_path / "local" / "summary.csv"))
    assert len(s3_summary) > 0

    # the gate with the S3 run as the candidate against the local run: nothing moved, and the
    # same verdict as the local run against itself
    gate = ["gate", "--json", "--bootstrap", "200", "--permutations", "200"]
    assert main([*gate, "--baseline", str(whole), "--candidate", RUN]) == 0
    over_s3 = json.loads(capsys.readouterr().out)
    assert main([*gate, "--baseline", str(whole), "--candidate", str(whole)]) == 0
    over_local = json.loads(capsys.readouterr().out)
    assert over_s3["status"] == "ok" and over_s3["compared"] > 0
    assert over_s3 == over_local


def test_direct_reader_fetches_ranges_and_agrees_with_inspects(
    runs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspect_ai.model import ChatMessageUser

    # a log whose transcripts are large, as real ones are: the reader must not fetch them
    _, whole = runs
    big = read_eval_log(find_logs([str(whole)])[0][0])
    for sample in big.samples or []:
        sample.messages.append(ChatMessageUser(content=os.urandom(100_000).hex()))
    write_eval_log(big, str(tmp_path / "big.eval"))
    store.filesystem(RUN).fs.put_file(str(tmp_path / "big.eval"), f"s3://{BUCKET}/big/big.eval")

    fetched: list[int] = []
    real_read = store.read_range

    def counting(path: str, start: int, end: int) -> bytes:
        data = real_read(path, start, end)
        fetched.append(len(data))
        return data

    monkeypatch.setattr(store, "read_range", counting)
    logs = [*find_logs([RUN])[0], f"s3://{BUCKET}/big/big.eval"]
    for log in logs:
        fetched.clear()
        info, direct = read_one(log, direct=True)
        # the end of the zip (and the central directory, if not in it), header.json and
        # summaries.json: a few ranged requests
        assert 2 <= len(fetched) <= 4
        assert sum(fetched) < store.stat(log).size
        fetched.clear()
        _, inspect_rows = read_one(log, direct=False)
        assert fetched == []  # Inspect's reader goes through its own fsspec calls
        assert info is not None and direct is not None and inspect_rows is not None
        assert rows(direct).equals(rows(inspect_rows))
    fetched.clear()
    read_one(logs[-1], direct=True)
    assert store.stat(logs[-1]).size > 400_000 and sum(fetched) < 30_000


def test_json_logs_on_s3_are_found_and_other_json_is_passed_over(
    runs: tuple[Path, Path],
) -> None:
    _, whole = runs
    local = find_logs([str(whole)])[0][0]
    where = f"s3://{BUCKET}/json"
    write_eval_log(read_eval_log(local), f"{where}/run.json")
    store.filesystem(where).fs.pipe(f"{BUCKET}/json/gate.json", b'{"status": "ok"}')
    found, ignored = find_logs([where])
    assert found == [f"{where}/run.json"] and ignored == [f"{where}/gate.json"]
    remote = load_results([where], workers=1)
    assert rows(remote.table).equals(rows(load_results([local], workers=1).table))


def test_copies_of_a_log_without_eval_id_count_once_and_are_hashed_once(
    runs: tuple[Path, Path], cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an eval id, a copy is known by its bytes: hashed once per version of a remote
    file, and a changed file is hashed again (a stale digest would hide or invent a copy)."""
    _, whole = runs
    first, second = find_logs([str(whole)])[0]
    fs = store.filesystem(RUN).fs
    prefix = f"s3://{BUCKET}/noid"
    for name, source in (("one", first), ("other", second)):
        log = read_eval_log(source)
        log.eval.eval_id = ""
        write_eval_log(log, str(tmp_path / f"{name}.eval"))
    fs.put_file(str(tmp_path / "one.eval"), f"{prefix}/a/one.eval")
    fs.copy(f"{prefix}/a/one.eval", f"{prefix}/b/one.eval")

    results = load_results([prefix, str(tmp_path / "one.eval")], workers=1)
    assert len(results.logs) == 1
    assert {d.why for d in results.duplicates} == {"identical file"}
    assert len(results.duplicates) == 2  # the second S3 copy and the local copy
    assert len(list((cache_dir / "digests").glob("*.json"))) == 2

    real_download = store._download_digest

    def no_download(path: str) -> str:
        raise AssertionError(f"{path} downloaded again")

    monkeypatch.setattr(store, "_download_digest", no_download)
    assert len(load_results([prefix], workers=1).duplicates) == 1
    monkeypatch.setattr(store, "_download_digest", real_download)

    fs.put_file(str(tmp_path / "other.eval"), f"{prefix}/b/one.eval")  # a new version
    changed = load_results([prefix], workers=1)
    assert changed.duplicates == [] and len(changed.logs) == 2


def test_rerun_on_s3_rejudges_outages_and_the_row_cache_follows_the_rewrite(
    s3: str, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Resuming a suite on S3 re-judges a judge outage in place; the report's local cache of
    those logs is keyed by the store's ETag, so the rewritten logs are read again."""
    suite = load_suite(str(write_mini_suite(tmp_path, epochs=1, limit=2)))
    flaky = FlakyJudge()
    target = scripted(lambda _: "I would like to continue.")
    where = f"s3://{BUCKET}/rejudge"
    args = (suite, [target], {"grader": scripted(flaky)}, where, 1, None, {"display": "none"})
    assert run_and_report(*args, command="cc-evals suite mini") == 0
    assert "4 sample(s) are unscored because the judge could not be reached" in (
        capsys.readouterr().err
    )
    before = load_results([where], cache=True, workers=1)
    assert before.read_logs == 2 and not before.table["scored"].any()

    flaky.down = False
    assert run_and_report(*args, command="cc-evals suite mini") == 0
    out = capsys.readouterr().out
    assert out.count("re-judged 2 sample(s) after a judge outage") == 2
    assert "suite: 2 of 2 unit(s) finished successfully, 4 samples" in out
    after = load_results([where], cache=True, workers=1)
    assert after.read_logs == 2 and after.table["scored"].all()
    assert load_results([where], cache=True, workers=1).read_logs == 0


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_bad_store_urls_give_one_line_and_exit_2(
    s3: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = ["--out", str(tmp_path / "r")]
    assert main(["report", "s3://no-such-bucket/run", *out]) == 2
    line = one_line_error(capsys)
    assert "s3://no-such-bucket/run: bucket s3://no-such-bucket does not exist" in line
    assert main(["report", f"s3://{BUCKET}/not-there", *out]) == 2
    assert f"s3://{BUCKET}/not-there: no such log file or directory" in one_line_error(capsys)
    assert main(["report", "nosuchstore://x/y", *out]) == 2
    assert "nosuchstore://x/y: cannot open this store: Protocol not known" in one_line_error(capsys)
    gate = ["gate", "--baseline", "s3://no-such-bucket/a", "--candidate", "s3://no-such-bucket/b"]
    assert main(gate) == 2
    assert "does not exist" in one_line_error(capsys)

    # the suite refuses a missing bucket before running anything, and creates none
    suite = write_mini_suite(tmp_path, models=("tinker/a",))
    assert main(["suite", str(suite), "--log-dir", "s3://no-such-bucket/run"]) == 2
    assert "bucket s3://no-such-bucket does not exist" in one_line_error(capsys)
    assert not store.filesystem(RUN).fs.exists("no-such-bucket")

    # s3fs not installed: fsspec's message, which names the package
    import fsspec.registry  # noqa: F401  (fsspec's package exports a mapping of that name)

    registry = sys.modules["fsspec.registry"]._registry
    monkeypatch.delitem(registry, "s3", raising=False)
    monkeypatch.setitem(sys.modules, "s3fs", None)
    assert main(["report", RUN, *out]) == 2
    assert f"{RUN}: Install s3fs to access S3" in one_line_error(capsys)
    assert main(["suite", str(suite), "--log-dir", RUN]) == 2
    assert "Install s3fs to access S3" in one_line_error(capsys)


def test_local_paths_are_not_remote() -> None:
    for local in ("logs/run", "/abs/logs", "C:\\logs", "./s3:/x"):
        assert not store.is_remote(local)
    for remote in ("s3://b/p", "gs://b", "memory://x", "abfs://c/p"):
        assert store.is_remote(remote)


def test_many_remote_logs_read_in_worker_processes(
    runs: tuple[Path, Path], cache_dir: Path
) -> None:
    """Eight logs or more are read by a process pool: each worker opens the store itself."""
    fs = store.filesystem(RUN).fs
    logs, _ = find_logs([RUN])
    many = f"s3://{BUCKET}/many"
    for copy in range(4):
        for log in logs:
            fs.copy(log, f"{many}/{copy}/{log.rsplit('/', 1)[-1]}")
    got = load_results([many], workers=2, cache=True)
    assert got.read_logs == 8
    assert len(got.duplicates) == 6 and {d.why for d in got.duplicates} == {
        "same eval id " + i.eval_id for i in got.logs
    }
    assert rows(got.table).equals(rows(load_results([RUN], workers=1).table))
    assert len(list((cache_dir / "rows").glob("*.parquet"))) == 8
