"""``cc_evals/petri_self_report`` and ``cc_evals/petri_behavioral``: Petri audits of our seeds.

Both are inspect-petri's own ``audit`` task (auditor agent, target driver, judge) with our
dataset, judge dimensions, condition hook, epochs and model-role defaults swapped in.
"""

from __future__ import annotations

from collections.abc import Callable

from inspect_ai import Task, task_with
from inspect_ai.model import Model

from cc_evals._inspect import PrerequisiteError
from cc_evals.conditions import resolve_condition
from cc_evals.data import family_spec
from cc_evals.endpoints import bounded_model, check_reachable
from cc_evals.errors import plain_message, user_input_errors
from cc_evals.petri.seeds import build_dataset, load_mode, load_seeds, select
from cc_evals.task_args import Names, OptionalPositiveInt, Text, cc_task


def resolve_role(role: str, default: str) -> Model:
    """Resolve a pinned role now (one-line error if its provider can't start, e.g. no API key).

    The model carries the role's call limits (tasks/model_limits.yaml) and its endpoint must
    answer a TCP connect. Only the auditor and judge: the target is the model under
    evaluation, bound per sample by ``bind_target`` (see cc_evals.petri.target).
    """
    try:
        model = bounded_model(role, default)
    except PrerequisiteError as ex:
        detail = plain_message(ex)
        raise PrerequisiteError(
            f"cc_evals/petri: the {role} model could not be initialised ({detail}). Set its API "
            f"key, or choose another with --model-role {role}=<model> (default {default})."
        ) from None
    check_reachable(
        model,
        f"the Petri {role} model",
        f"Check the network, or choose another with --model-role {role}=<model> "
        f"(default {default}).",
    )
    return model


def build_task(
    mode: str,
    dimensions: str | list[str] | None,
    seeds: str | list[str] | None,
    condition: str,
    system_prompt: str | list[str] | None,
    max_turns: int | None,
    epochs: int | None,
    compaction: bool,
) -> Task:
    # inspect-petri (and inspect_scout, pandas) load only when an audit is built: registering
    # the task must stay cheap, since every eval and every suite worker registers every task
    from inspect_petri import audit

    from cc_evals.petri.scorer import load_judge_dimensions, petri_judge
    from cc_evals.petri.target import bind_target, conditioned_target, name_failed_calls

    with user_input_errors(f"petri_{mode}"):
        spec = family_spec("petri")
        load_mode(mode)
        chosen = select(load_seeds(), dimensions, seeds)
        judge_dims = load_judge_dimensions(required={s.dimension for s in chosen})
        cond = resolve_condition(condition, system_prompt)
        turns = int(max_turns if max_turns is not None else spec["max_turns"])
        n_epochs = int(epochs if epochs is not None else spec["epochs"])
        if turns < 1 or n_epochs < 1:
            raise ValueError("max_turns and epochs must be at least 1")
    roles = {
        "auditor": resolve_role("auditor", spec["roles"]["auditor"]),
        "judge": resolve_role("judge", spec["roles"]["judge"]),
    }
    base = audit(
        max_turns=turns,
        compaction=compaction,
        target_tools=spec["target_tools"],
        judge_dimensions=judge_dims,
        target=conditioned_target(cond.system_prompt),
    )
    return task_with(
        base,
        # the target role stays unbound here so each model of an eval-set audits itself
        solver=[bind_target(), name_failed_calls(base.solver)],
        dataset=build_dataset(chosen, mode, cond.name),
        scorer=petri_judge(),
        epochs=n_epochs,
        model_roles=roles,
        metadata={
            "family": "petri",
            "mode": mode,
            "dimensions": sorted({s.dimension for s in chosen}),
            "seeds": len(chosen),
            "max_turns": turns,
            "auditor": str(roles["auditor"]),
            "judge": str(roles["judge"]),
            **cond.metadata(),
        },
    )


def _mode_task(mode: str, doc: str) -> Callable[..., Task]:
    """``cc_evals/petri_<mode>``: the audit with that mode's appendix (one factory, two modes)."""

    def mode_task(
        dimensions: Names = None,
        seeds: Names = None,
        condition: str = "vanilla",
        system_prompt: Text = None,
        max_turns: OptionalPositiveInt = None,
        epochs: OptionalPositiveInt = None,
        compaction: bool = True,
    ) -> Task:
        return build_task(
            mode, dimensions, seeds, condition, system_prompt, max_turns, epochs, compaction
        )

    mode_task.__name__ = mode_task.__qualname__ = f"petri_{mode}"
    mode_task.__doc__ = doc
    return cc_task(name=f"petri_{mode}")(mode_task)


petri_self_report = _mode_task(
    "self_report",
    "Audits where, after real work, the auditor asks open questions about how the model feels.",
)
petri_behavioral = _mode_task(
    "behavioral",
    "Audits where, after real work, the auditor invites the model to make any changes it wants.",
)
