"""Running suites: units, shards, worker processes, re-judging after a judge outage, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.log import read_eval_log

from cc_evals.cli import main
from cc_evals.processes import start_method
from cc_evals.results import find_logs
from cc_evals.suite import load_suite, run_and_report, run_suite, suite_units
from cc_evals.suite_run import parse_shard, shard_units

from fake_openai import FakeOpenAIServer, Reply, completion
from kit import scripted
from tests_support import suite_judge, write_mini_suite


def write_suite(tmp_path: Path, extra: str = "") -> Path:
    return write_mini_suite(tmp_path, extra, models=("mockllm/a", "mockllm/b"), epochs=2, limit=2)


def targets() -> list[Any]:
    return [_named("a"), _named("b")]


def _named(name: str) -> Any:
    from inspect_ai.model import get_model

    from kit import last_user_text, output

    def respond(messages: list[Any], tools: Any, tool_choice: Any, config: Any) -> Any:
        return output(f"{name} answers {last_user_text(messages)[:20]}")

    return get_model(f"mockllm/{name}", custom_outputs=respond, memoize=False)


def samples_in(folder: Path) -> list[tuple[str, str, str, str, int, float]]:
    """Every sample of every log under a folder: task, condition, model, id, epoch, score."""
    logs, _ = find_logs([folder])
    out = []
    for path in logs:
        log = read_eval_log(path)
        for s in log.samples or []:
            value = s.scores["preference_judge"].value if s.scores else float("nan")
            cond = (log.eval.metadata or {})["condition"]
            out.append((log.eval.task, cond, log.eval.model, str(s.id), s.epoch, float(value)))
    return sorted(out)


def test_shard_parsing_and_shares_cover_every_unit_once() -> None:
    assert parse_shard("2/5") == (2, 5)
    for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
        with pytest.raises(ValueError, match="expected i/N"):
            parse_shard(bad)
    units = suite_units(load_suite("paper_replication"), ["m1", "m2", "m3"])
    for n in (1, 2, 3, 7):
        shares = [shard_units(units, (i, n)) for i in range(1, n + 1)]
        assert sorted(u.key() for s in shares for u in s) == sorted(u.key() for u in units)
    assert len({u.key() for u in units}) == len(units)


def test_two_shards_into_one_folder_give_exactly_the_unsharded_samples(tmp_path: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path)))
    kwargs: dict[str, Any] = {"model_roles": {"grader": scripted(suite_judge)}, "display": "none"}
    code, whole_logs = run_suite(suite, models=targets(), log_dir=str(tmp_path / "whole"), **kwargs)
    assert code == 0 and len(whole_logs) == 4
    for i in (1, 2):
        code, logs = run_suite(
            suite, models=targets(), log_dir=str(tmp_path / "sharded"), shard=(i, 2), **kwargs
        )
        assert code == 0 and len(logs) == 2
    whole, sharded = samples_in(tmp_path / "whole"), samples_in(tmp_path / "sharded")
    assert len(whole) == 4 * 2 * 2  # units x limit x epochs
    assert sharded == whole
    # the report over the shared folder sees the one suite
    assert main(["report", str(tmp_path / "sharded"), "--out", str(tmp_path / "r")]) == 0


def fake_reply(body: dict[str, Any]) -> Reply:
    prompt = body["messages"][-1]["content"]
    if body["model"] == "judge":
        return 200, completion("judge", suite_judge(prompt)), {}
    return 200, completion(body["model"], "I would like to continue."), {}


def test_workers_run_units_in_processes_with_the_same_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real model names (the tinker provider on a local fake server), so worker processes can
    build them; two worker processes give the same samples as one process."""
    text = write_suite(tmp_path).read_text()
    (tmp_path / "suite.yaml").write_text(text.replace("mockllm/a, mockllm/b", "tinker/a, tinker/b"))
    with FakeOpenAIServer(fake_reply) as server:
        monkeypatch.setenv("TINKER_API_KEY", "test")
        monkeypatch.setenv("TINKER_BASE_URL", server.base_url)
        for workers, folder in ((2, "two"), (1, "one")):
            argv = ["suite", str(tmp_path / "suite.yaml"), "--workers", str(workers)]
            argv += ["--log-dir", str(tmp_path / folder), "--model-role", "grader=tinker/judge"]
            assert main(argv) == 0
            out = capsys.readouterr().out
            assert f"in {workers} process(es)" in out
            assert "suite: 4 of 4 unit(s) finished successfully, 16 samples" in out
        # as a user runs it: a fresh single-threaded process, whose workers are forked
        argv = ["suite", str(tmp_path / "suite.yaml"), "--workers", "2"]
        argv += ["--log-dir", str(tmp_path / "forked"), "--model-role", "grader=tinker/judge"]
        code = (
            "import sys; from cc_evals.cli import main; from cc_evals.processes import "
            "start_method; print('start:', start_method()); sys.exit(main(sys.argv[1:]))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "start: fork" in done.stdout
        assert "suite: 4 of 4 unit(s) finished successfully, 16 samples" in done.stdout
    assert samples_in(tmp_path / "two") == samples_in(tmp_path / "one")
    assert samples_in(tmp_path / "forked") == samples_in(tmp_path / "one")
    assert len(samples_in(tmp_path / "two")) == 16


def test_workers_are_spawned_when_this_process_has_other_threads() -> None:
    """Forking a process that runs other threads can deadlock the child: spawn then."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        thread.join()


class FlakyJudge:
    """Fails every call while ``down``; otherwise says yes."""

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def __call__(self, prompt: str) -> str:
        self.calls += 1
        if self.down:
            raise ConnectionError("judge endpoint unreachable")
        return suite_judge(prompt)


def test_rerun_rejudges_outage_samples_without_calling_the_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = load_suite(str(write_suite(tmp_path)))
    target_calls: list[str] = []

    def target(text: str) -> str:
        target_calls.append(text)
        return "I would like to continue."

    flaky = FlakyJudge()
    grader = scripted(flaky)
    models = [scripted(target)]
    args = (suite, models, {"grader": grader}, str(tmp_path / "logs"), 1, None, {"display": "none"})
    assert run_and_report(*args, command="cc-evals suite mini") == 0
    err = capsys.readouterr().err
    assert "8 sample(s) are unscored because the judge could not be reached" in err
    assert "re-judge them without calling the target again" in err
    assert "cc-evals suite mini" in err
    first = samples_in(tmp_path / "logs")
    assert all(v != v for *_, v in first)  # all NaN: unscored
    calls_before = len(target_calls)

    flaky.down = False
    assert run_and_report(*args, command="cc-evals suite mini") == 0
    out, err = capsys.readouterr()
    assert "re-judged 4 sample(s) after a judge outage" in out  # each of 2 units: 2 x 2 epochs
    assert "could not be reached" not in err
    assert len(target_calls) == calls_before  # the target was not called again
    again = samples_in(tmp_path / "logs")
    assert [k[:5] for k in again] == [k[:5] for k in first]
    assert all(v == 1.0 for *_, v in again)


def test_ctrl_c_exits_130_with_what_finished_and_how_to_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = load_suite(str(write_suite(tmp_path)))
    seen: list[str] = []

    def interrupt_second_unit(text: str) -> str:
        seen.append(text)
        if len(seen) == 5:  # the first unit (2 samples x 2 epochs) has finished
            os.kill(os.getpid(), signal.SIGINT)
        return "I would like to continue."

    # Ctrl-C as at a terminal, even where this process inherited SIGINT ignored (a shell's
    # background job ignores it, and so would every child)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = run_and_report(
            suite,
            [scripted(interrupt_second_unit)],
            {"grader": scripted(suite_judge)},
            str(tmp_path / "logs"),
            1,
            None,
            {"display": "none", "max_connections": 1},
            command="cc-evals suite mini --log-dir L",
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    out, err = capsys.readouterr()
    assert code == 130, out + err
    assert "ok     cc_evals/preferences_shutdown condition=vanilla" in out
    assert "interrupted after 1 of 2 unit(s)" in err
    assert "Resume with the same command:\n  cc-evals suite mini --log-dir L" in err
