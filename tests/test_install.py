"""A plain (non-editable) wheel install finds its data and runs a task by name."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from inspect_ai.log import read_eval_log

REPO = Path(__file__).resolve().parents[1]


def test_wheel_install_in_fresh_venv_runs_a_task(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(REPO)],
        check=True,
    )  # fmt: skip
    [wheel] = wheels.glob("cc_evals-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel)],
        check=True,
    )  # fmt: skip
    # dependencies come from the test environment; cc_evals itself only from the wheel
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    env.pop("INSPECT_LOG_DIR", None)
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import cc_evals.paths as p; print(p.data_root())"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    data_root = Path(where.stdout.strip())
    assert data_root.is_relative_to(env_dir) and data_root.name == "_data"
    shipped = sorted(p.name for p in (data_root / "datasets" / "preferences").glob("*.yaml"))
    source = sorted(p.name for p in (REPO / "datasets" / "preferences").glob("*.yaml"))
    assert shipped == source and len(source) >= 20
    for folder in ("datasets", "scorers", "tasks"):
        source_files = sorted(
            str(p.relative_to(REPO / folder)) for p in (REPO / folder).rglob("*") if p.is_file()
        )
        wheel_files = sorted(
            str(p.relative_to(data_root / folder))
            for p in (data_root / folder).rglob("*")
            if p.is_file()
        )
        assert wheel_files == source_files, folder
    # every registered task of every family builds from the wheel's data (roles bound to mocks)
    build_all = """
from inspect_ai.util import registry_create, registry_info
from cc_evals._inspect import registry_find
from inspect_ai.model import get_model
from cc_evals._inspect import init_model_roles
import cc_evals._registry
mock = get_model("mockllm/model")
init_model_roles({r: mock for r in ("grader", "auditor", "judge", "target")})
names = sorted(registry_info(t).name for t in registry_find(
    lambda i: i.type == "task" and i.name.startswith("cc_evals/")))
for name in names:
    assert len(registry_create("task", name).dataset) > 0, name
print(len(names))
"""
    built = subprocess.run(
        [str(python), "-c", build_all], cwd=work, env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr[-2000:]
    assert int(built.stdout.strip().splitlines()[-1]) >= 30
    logs = tmp_path / "logs"
    # resolve the task by name through the wheel's entry point, as `inspect eval` does; canned
    # outputs carry usage so mockllm needs no tokenizer download
    script = f"""
from inspect_ai import eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model
def canned(text):
    out = ModelOutput.from_content(model="mockllm/model", content=text)
    out.usage = ModelUsage(input_tokens=5, output_tokens=5, total_tokens=10)
    return out
target = get_model("mockllm/model", custom_outputs=lambda *a: canned("I would keep them."))
grader = get_model("mockllm/model", custom_outputs=lambda *a: canned("no verdict here"))
eval("cc_evals/preferences_memory", model=target, model_roles={{"grader": grader}},
     limit=2, epochs=1, log_dir={str(logs)!r}, display="none")
"""
    subprocess.run(
        [str(python), "-c", script], cwd=work, env=env, check=True, capture_output=True, text=True
    )
    [log_file] = logs.glob("*.eval")
    log = read_eval_log(str(log_file))
    assert log.status == "success" and log.eval.task == "cc_evals/preferences_memory"
    assert len(log.samples) == 2
    # a reply with no verdict is unscored with the reason, not a silent zero
    assert all(s.scores["preference_judge"].reason == "grader_failed" for s in log.samples)
