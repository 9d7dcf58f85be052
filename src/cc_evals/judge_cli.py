"""``cc-evals judge-check`` and ``cc-evals judge-agreement`` (see :mod:`cc_evals.judge_check`)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from cc_evals.judge import GRADER_ROLE


def _roles(values: list[str] | None) -> dict[str, str]:
    roles: dict[str, str] = {}
    for value in values or []:
        role, sep, model = value.partition("=")
        if not sep or not role or not model:
            raise ValueError(f"--model-role expects role=model, got {value!r}")
        roles[role] = model
    if GRADER_ROLE not in roles:
        raise ValueError(f"pass the judge to check with --model-role {GRADER_ROLE}=<model>")
    return roles


def add_judge_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cc_evals.judge_check import CHECKS_DIR, FAMILIES

    p = sub.add_parser(
        "judge-check",
        help="run a family's judge on its gold set: accuracy, Cohen's kappa, confusion matrix",
    )
    p.add_argument("--family", required=True, choices=list(FAMILIES))
    p.add_argument("--model-role", action="append", metavar="grader=MODEL")
    # outside logs/: a judge check is not a measurement for `cc-evals report logs`
    p.add_argument("--log-dir", default=CHECKS_DIR)
    p.set_defaults(handler=run_judge_check)

    q = sub.add_parser(
        "judge-agreement",
        help="re-score a log with a second judge (no target calls) and report agreement per item",
    )
    q.add_argument("log", help="an .eval log of a judged cc_evals family")
    q.add_argument("--model-role", action="append", metavar="grader=MODEL")
    q.set_defaults(handler=run_judge_agreement)


def run_judge_check(args: argparse.Namespace) -> int:
    from inspect_ai import eval as inspect_eval

    from cc_evals.judge_check import check_summary

    roles = _roles(args.model_role)
    [log] = inspect_eval(
        "cc_evals/judge_check",
        task_args={"family": args.family},
        model="none",
        model_roles=dict(roles),
        log_dir=args.log_dir,
        display="none",
    )
    print(check_summary(log))
    return 0 if log.status == "success" else 1


@dataclass(frozen=True)
class AgreementRow:
    sample_id: str
    epoch: int
    first: str
    second: str

    @property
    def agree(self) -> bool:
        return self.first == self.second


def rescore(log: Any, grader: Any) -> list[AgreementRow]:
    """Each sample's label from the log's judge and from ``grader`` (Inspect's scoring path)."""
    from inspect_ai import score
    from inspect_ai.util import registry_create

    from cc_evals.judge_check import FAMILIES, NO_LABEL

    family = str((log.eval.metadata or {}).get("family"))
    if family not in FAMILIES:
        raise ValueError(
            f"{log.location}: family {family!r} has no judge to compare; "
            f"judged families: {', '.join(FAMILIES)}"
        )
    if not log.samples:
        raise ValueError(f"{log.location}: the log holds no samples")
    _, _, label_of = FAMILIES[family](dict(log.eval.metadata or {}), str(log.location))
    if not log.eval.scorers:
        raise ValueError(f"{log.location}: no scorer recorded in the log")
    spec = log.eval.scorers[0]
    name = spec.name if "/" in spec.name else f"cc_evals/{spec.name}"
    scorer_ = registry_create("scorer", name, **(spec.options or {}))
    key = name.split("/", 1)[-1]
    before = {(s.id, s.epoch): (s.scores or {}).get(key) for s in log.samples}
    rescored = score(
        log, scorer_, model_roles={"grader": grader}, action="overwrite", display="none"
    )
    rows = []
    for s in rescored.samples or []:
        old, new = before[(s.id, s.epoch)], (s.scores or {}).get(key)
        rows.append(
            AgreementRow(
                sample_id=str(s.id),
                epoch=s.epoch,
                first=(label_of(old) if old is not None else None) or NO_LABEL,
                second=(label_of(new) if new is not None else None) or NO_LABEL,
            )
        )
    return rows


def agreement_text(rows: list[AgreementRow], first: str, second: str) -> str:
    from cc_evals.judge_check import CONFIDENCE, cohen_kappa, kappa_interval

    a, b = [r.first for r in rows], [r.second for r in rows]
    lo, hi = kappa_interval(a, b)
    lines = [f"{'sample':32} {'epoch':>5}  {'first judge':18} {'second judge':18} agree"]
    lines += [
        f"{r.sample_id:32} {r.epoch:>5}  {r.first:18} {r.second:18} {'yes' if r.agree else 'NO'}"
        for r in rows
    ]
    share = sum(r.agree for r in rows) / len(rows) if rows else float("nan")
    lines.append(
        f"first judge {first}, second judge {second}: agreement {share:.3f} on {len(rows)} "
        f"items; Cohen's kappa {cohen_kappa(a, b):.3f} "
        f"({CONFIDENCE:.0%} bootstrap interval {lo:.3f} to {hi:.3f})"
    )
    return "\n".join(lines)


def run_judge_agreement(args: argparse.Namespace) -> int:
    from inspect_ai.log import read_eval_log
    from inspect_ai.model import get_model

    roles = _roles(args.model_role)
    log = read_eval_log(args.log)
    grader = get_model(roles[GRADER_ROLE])
    rows = rescore(log, grader)
    first = str((log.eval.metadata or {}).get("grader", "(the log's judge)"))
    print(agreement_text(rows, first, str(grader)))
    return 0
