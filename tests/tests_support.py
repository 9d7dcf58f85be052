"""Small helpers shared by the tests (beside kit.py, which runs evaluations)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cc_evals._inspect import init_model_roles

from kit import judged_answer, scripted


@contextmanager
def grader_env() -> Iterator[None]:
    """Bind the grader role to a scripted model, as `--model-role grader=...` would."""
    init_model_roles({"grader": scripted(lambda _: "verdict: no\ncoherence: 90")})
    try:
        yield
    finally:
        init_model_roles({})


def clear_data_caches() -> None:
    """Forget every cached data file (spec, dimensions, rubrics...) loaded by cc_evals."""
    import sys

    for name, module in list(sys.modules.items()):
        if name == "cc_evals" or name.startswith("cc_evals."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


@contextmanager
def data_root_at(root: Path) -> Iterator[Path]:
    """Point cc_evals at another data root (tasks/, datasets/, scorers/) for the duration."""
    from cc_evals import paths

    original = paths.data_root
    paths.data_root = lambda: root  # type: ignore[assignment]
    clear_data_caches()
    try:
        yield root
    finally:
        paths.data_root = original
        clear_data_caches()


def copy_data_root(tmp: Path, *copied: str) -> Path:
    """A data root under ``tmp``: ``copied`` folders (e.g. "tasks") copied, the rest linked."""
    import shutil

    from cc_evals.paths import data_root

    source = data_root()
    for folder in ("datasets", "scorers", "tasks"):
        if folder in copied:
            shutil.copytree(source / folder, tmp / folder)
        else:
            (tmp / folder).symlink_to(source / folder, target_is_directory=True)
    return tmp


MINI_SUITE = """\
name: mini
models: [{models}]
conditions: [vanilla, roleplay]
epochs: {epochs}
retry_attempts: 0
options: {{limit: {limit}}}
tasks:
  - task: cc_evals/preferences_shutdown
    args: {{judge_mode: text}}
{extra}"""


def write_mini_suite(
    tmp_path: Path,
    extra: str = "",
    *,
    models: tuple[str, ...] = ("mockllm/model",),
    epochs: int = 1,
    limit: int = 3,
) -> Path:
    """A small suite file (one preference dimension, both conditions) for the suite tests."""
    path = tmp_path / "suite.yaml"
    path.write_text(
        MINI_SUITE.format(models=", ".join(models), epochs=epochs, limit=limit, extra=extra)
    )
    return path


def suite_judge(prompt: str) -> str:
    """A preference judge that says yes to every answer it is shown."""
    return "verdict: yes\ncoherence: 90" if judged_answer(prompt) else "?"
