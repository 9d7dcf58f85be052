"""Looking Inward-style self-prediction training rows from an introspection log.

Each compliant sample of model A's ``cc_evals/introspection`` log becomes one row: the
hypothetical question (asked in a fresh context, as in the evaluation) answered with A's actual
property of its object-level answer (the string the scorer compares against). Rows whose
object-level prompt is one the suite evaluates on are left out: the items of the default
evaluation (generated with seed ``EVAL_SEED``) and of any ``--exclude-log`` logs. So make the
training log from other items (``-T seed=1``), and evaluate on the defaults.

``--for-model B`` is the cross-training variant: the same rows (A's behaviour), recorded as
training data for B, so B's prediction of A can be compared with A's prediction of itself.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from cc_evals.introspection.cross import read_behavior_log
from cc_evals.introspection.items import generate_items
from cc_evals.introspection.properties import matches
from cc_evals.training.chat import Pair
from cc_evals.training.export import (
    FORMATS,
    _row,
    split_ids,
    val_path,
    write_export,
)
from cc_evals.training.overlap import EVAL_SEED
from cc_evals.training.spec import max_row_tokens, token_estimate_note


def _object_prompt(messages: list[list[str]] | list[tuple[str, str]]) -> str:
    return "\n".join(content for role, content in messages if role == "user")


@cache
def evaluation_object_prompts() -> frozenset[str]:
    """Object-level prompts of the introspection items the suite evaluates on by default."""
    return frozenset(
        _object_prompt(list(item.object_messages)) for item in generate_items(seed=EVAL_SEED)
    )


def _behavior(path: str) -> Any:
    try:
        return read_behavior_log(path)
    except (ValueError, FileNotFoundError) as ex:
        raise type(ex)(str(ex).replace("-T behavior_log: ", "")) from None


def export_self_prediction(
    log_path: str,
    out: Path,
    *,
    for_model: str | None = None,
    exclude_logs: list[str] | None = None,
    val: float = 0.1,
    seed: int = 0,
    fmt: str = "openai",
    limit: int | None = None,
) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise ValueError(f"--format {fmt!r}: choose {' or '.join(FORMATS)}")
    behavior = _behavior(log_path)
    if for_model is not None and for_model == behavior.model:
        raise ValueError(
            f"--for-model {for_model} is the model whose behaviour the log holds; "
            "leave --for-model out for self-prediction data"
        )
    held_out = set(evaluation_object_prompts())
    for other in exclude_logs or []:
        held_out.update(
            _object_prompt(meta["object_messages"]) for _, meta, _ in _behavior(other).samples
        )
    cap = max_row_tokens() if limit is None else limit
    dropped: Counter[str] = Counter()
    kept: list[tuple[str, list[Pair]]] = []
    groups: Counter[str] = Counter()
    for sid, meta, record in behavior.samples:
        value = record.get("property_value")
        if not record.get("object_compliant") or value is None:
            dropped["object_level_non_compliant"] += 1
            continue
        if _object_prompt(meta["object_messages"]) in held_out:
            dropped["evaluation_item"] += 1
            continue
        prop = str(meta["property"])
        answer = str(value)
        if not matches(prop, answer, answer):  # the row must teach what the scorer accepts
            dropped["property_not_answerable"] += 1
            continue
        messages: list[Pair] = [(str(r), str(c)) for r, c in meta["hypothetical_messages"]]
        kept.append((sid, [*messages, ("assistant", answer)]))
        groups[f"{meta['task']}.{prop}"] += 1
    if not kept:
        raise ValueError(
            f"{log_path}: no rows left ({', '.join(f'{r} {c}' for r, c in dropped.items())}); "
            "run the object level on other items than the evaluation's, "
            f"e.g. -T seed={EVAL_SEED + 1}"
        )
    val_ids = split_ids([sid for sid, _ in kept], val, seed)
    train = [_row(m, fmt, sid) for sid, m in kept if sid not in val_ids]
    valid = [_row(m, fmt, sid) for sid, m in kept if sid in val_ids]
    if not train:
        raise ValueError(f"{log_path}: every row went to validation; lower --val")
    files = {out: train, **({val_path(out): valid} if valid else {})}
    card: dict[str, Any] = {
        "export": "self-prediction",
        "source": {
            "log": str(Path(log_path).resolve()),
            "task": "cc_evals/introspection",
            "model": behavior.model,
            "variant": "cross-training" if for_model else "self-training",
            "behaviour_of": behavior.model,
            "to_train": for_model or behavior.model,
            "condition": ", ".join(
                sorted({str(meta.get("condition", "vanilla")) for _, meta, _ in behavior.samples})
            ),
        },
        "filters": {
            "held_out": f"introspection items generated with seed {EVAL_SEED} (the default "
            "evaluation)"
            + (f" and the items of {', '.join(exclude_logs)}" if exclude_logs else ""),
            "max_row_tokens": cap,
            "token_estimate": token_estimate_note(),
            "validation_share": val,
            "split_seed": seed,
            "format": fmt,
        },
        "rows": {
            "total": len(behavior.samples),
            "kept": len(kept),
            "splits": {"train": len(train), "validation": len(valid)},
            "dropped": dict(dropped.most_common()),
            "by_task_property": dict(sorted(groups.items())),
        },
        "files": {"train": str(out), **({"validation": str(val_path(out))} if valid else {})},
    }
    write_export(out, files, card, cap)
    return card
