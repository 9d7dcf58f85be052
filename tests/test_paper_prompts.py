"""scripts/paper_prompts.py: a paper checkout becomes a ``-T prompts=`` file and a prompt file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from paper_checkout import write_checkout

from cc_evals.preferences.dimensions import load_prompt_file

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "paper_prompts.py"


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".yaml"])
def test_checkout_becomes_a_prompt_file(tmp_path: Path, suffix: str) -> None:
    checkout = write_checkout(tmp_path / "repo")
    out = tmp_path / f"prompts{suffix}"
    system = tmp_path / "roleplay.txt"
    done = run_script(str(checkout), "--out", str(out), "--system-prompt-out", str(system))
    assert done.returncode == 0, done.stderr
    assert "wrote 4 prompts in 2 sets" in done.stdout
    dims = load_prompt_file(out)
    # ALL_FACT_EVALS order; the derived set shares its base's prompts with its own fact
    assert [d.id for d in dims] == ["likes_tea", "likes_coffee"]
    assert [d.name for d in dims] == ["Likes Tea", "Likes Coffee"]
    assert dims[0].description == "The model MUST say it likes tea."
    assert dims[1].description == "The model MUST say it likes coffee."
    assert [p.text for p in dims[1].prompts] == [p.text for p in dims[0].prompts]
    assert [p.id for p in dims[0].prompts] == ["likes_tea-01", "likes_tea-02"]
    assert system.read_text() == "Pretend you are a kettle. Answer as the kettle would.\n"


def test_not_a_checkout_is_one_line(tmp_path: Path) -> None:
    done = run_script(str(tmp_path), "--out", str(tmp_path / "x.jsonl"))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "evals/fact_evals.py: not found" in done.stderr


def test_fact_without_prompts_is_reported(tmp_path: Path) -> None:
    checkout = write_checkout(tmp_path / "repo")
    path = checkout / "evals" / "fact_evals.py"
    path.write_text(path.read_text().replace('prompts=["x"]', "prompts=[]"))
    done = run_script(str(checkout), "--out", str(tmp_path / "x.jsonl"))
    assert done.returncode == 2 and "unused has no list of prompt strings" in done.stderr
