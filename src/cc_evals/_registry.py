"""Inspect entry point: every registered cc_evals task. Keep imports cheap."""

# ruff: noqa: F401
from cc_evals.collaborative_edit import collaborative_edit
from cc_evals.emergent_misalignment.task import emergent_misalignment
from cc_evals.introspection.task import TASK_VARIANTS, introspection
from cc_evals.judge_check import judge_check
from cc_evals.judge_health import JudgeHealth  # warns when judge replies are unusable
from cc_evals.petri.task import petri_behavioral, petri_self_report
from cc_evals.preferences.task import DIMENSION_TASKS, preferences
from cc_evals.self_awareness.task import PART_TASKS, self_awareness
from cc_evals.self_report.task import self_report
from cc_evals.tinker import tinker  # model provider: --model tinker/<model or checkpoint>
from cc_evals.training.task import distill, training_data_audit
