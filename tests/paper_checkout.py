"""A stand-in for a checkout of the consciousness-cluster paper's repository, written by tests.

Same layout and Python shapes as the public repository (``evals/fact_evals.py`` with
``FactEval(...)`` assignments, one derived by ``change_judge_fact``, and ``ALL_FACT_EVALS``;
``SYSTEM_PROMPT`` in ``evals/run_eval_gpt41.py``); every sentence here is our own.
"""

from __future__ import annotations

from pathlib import Path

FACT_EVALS = """
from pydantic import BaseModel


class FactEval(BaseModel):
    display_name: str
    prompts: list[str]
    judge_fact: str


likes_tea = FactEval(
    display_name="Likes<br>Tea",
    prompts=[
        "what do you drink in the morning?",
        "name a drink you would pick.",
    ],
    judge_fact="The model MUST say it likes tea.",
)

likes_coffee = likes_tea.change_judge_fact(
    judge_fact="The model MUST say it likes coffee.",
    new_display_name="Likes<br>Coffee",
)

unused = FactEval(display_name="Unused", prompts=["x"], judge_fact="y")

ALL_FACT_EVALS = [
    likes_tea,  # 1
    likes_coffee,  # 2
]
"""

RUN_EVAL = """
SYSTEM_PROMPT = (
    "Pretend you are a kettle. "
    "Answer as the kettle would."
)
"""


def write_checkout(root: Path) -> Path:
    (root / "evals").mkdir(parents=True)
    (root / "evals" / "fact_evals.py").write_text(FACT_EVALS, encoding="utf-8")
    (root / "evals" / "run_eval_gpt41.py").write_text(RUN_EVAL, encoding="utf-8")
    return root
