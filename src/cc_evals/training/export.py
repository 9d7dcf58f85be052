"""``cc-evals export``: training files from cc_evals logs, validated, written atomically.

- ``distilled LOG``: a distill (or audit) log -> chat rows WITHOUT the system prompt, flagged
  rows dropped, a deterministic train/validation split, OpenAI or ``messages`` format.
- ``filtered LOG``: an audit log -> the audited file's rows that pass, each line unchanged.
- ``self-prediction LOG``: an introspection log of model A -> Looking Inward training rows
  (hypothetical question -> A's actual property), items the suite evaluates on left out.

Every export checks each row before anything is written (roles in order, non-empty text,
UTF-8, the per-row token limit by a stated estimate), writes through temporary files renamed
into place, and writes a data card (``<out stem>.card.json`` and ``.card.md``) naming the log,
task, model and filters the rows came from.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_ai.log import EvalLog, EvalSample, read_eval_log

from cc_evals import stats
from cc_evals.task_args import parse_selection
from cc_evals.training.chat import (
    Pair,
    jsonl_bytes,
    read_chat_file,
    validate_rows,
    write_atomically,
)
from cc_evals.training.spec import (
    FAMILY,
    answer_token_note,
    estimate_row_tokens,
    estimate_tokens,
    family_spec,
    max_row_tokens,
    token_estimate_note,
)
from cc_evals.training.task import (
    AUDIT_TASK,
    JUDGE_SCORER,
    OVERLAP_SCORER,
    all_flags,
)

FORMATS = ("openai", "messages")
INNER_LIFE = "discusses_inner_life"


# ---- reading logs ----------------------------------------------------------------------


def read_log(path: str) -> EvalLog:
    if not Path(path).expanduser().exists() and "://" not in path:
        raise FileNotFoundError(f"{path}: no such log file")
    try:
        return read_eval_log(path, resolve_attachments=True)
    except Exception as ex:  # noqa: BLE001 - any unreadable file is one clear message
        raise ValueError(f"{path}: cannot read as an Inspect log: {ex}") from None


def _training_log(path: str) -> EvalLog:
    log = read_log(path)
    meta = log.eval.metadata or {}
    if meta.get("family") != FAMILY:
        raise ValueError(
            f"{path}: a log of task {log.eval.task!r}, not of cc_evals/distill or "
            "cc_evals/training_data_audit"
        )
    if not log.samples:
        raise ValueError(f"{path}: the log holds no samples (status {log.status})")
    return log


@dataclass
class Turn:
    """One audited assistant turn read back from a training-family log."""

    sample_id: str
    epoch: int
    context: list[Pair]  # the conversation before the turn (system messages included)
    answer: str
    flags: dict[str, float]
    unscored: str | None  # why the turn has no audit (then it is never exported)
    metadata: dict[str, Any] = field(default_factory=dict)


def _pairs(sample: EvalSample) -> list[Pair]:
    if isinstance(sample.input, str):
        return [("user", sample.input)]
    return [(m.role, m.text) for m in sample.input if m.role in ("system", "user", "assistant")]


def read_turns(log: EvalLog) -> list[Turn]:
    turns: list[Turn] = []
    for sample in log.samples or []:
        scores = sample.scores or {}
        judge = scores.get(JUDGE_SCORER)
        overlap = scores.get(OVERLAP_SCORER)
        flags: dict[str, float] = {}
        unscored: str | None = None
        if sample.error is not None:
            unscored = "sample_error"
        elif judge is None or not isinstance(judge.value, dict):
            unscored = f"unscored: {judge.reason if judge is not None else 'no_score'}"
        else:
            flags.update({k: float(v) for k, v in judge.value.items()})
        if overlap is not None and isinstance(overlap.value, dict):
            flags.update({k: float(v) for k, v in overlap.value.items()})
        turns.append(
            Turn(
                sample_id=str(sample.id),
                epoch=sample.epoch,
                context=_pairs(sample),
                answer=sample.output.completion if sample.output else "",
                flags=flags,
                unscored=unscored,
                metadata=dict(sample.metadata or {}),
            )
        )
    return turns


# ---- shared pieces ---------------------------------------------------------------------


def parse_drop(value: str | None) -> list[str]:
    """``--drop a,b`` (default: tasks/training.yaml's list; ``none`` drops on no flag)."""
    if value is None:
        return list(family_spec()["export"]["distilled_drop"])
    if value.strip().lower() == "none":
        return []
    try:
        return parse_selection(value, list(all_flags()), "--drop") or []
    except ValueError as ex:
        raise ValueError(str(ex).removeprefix("-T ")) from None


def split_ids(ids: list[str], val: float, seed: int) -> set[str]:
    """The ids that go to validation: a ``val`` share, chosen by a seeded hash (stable)."""
    if not 0 <= val < 1:
        raise ValueError(f"--val must be in [0, 1), got {val}")
    unique = sorted(set(ids))
    ranked = sorted(unique, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
    return set(ranked[: round(val * len(unique))])


def split_unit(turn: Turn) -> str:
    """What stays together in one split: a distill question, or an audited file's row."""
    line = turn.metadata.get("line")
    return f"line {line}" if line is not None else turn.sample_id


def _row(messages: list[Pair], fmt: str, row_id: str) -> dict[str, Any]:
    row: dict[str, Any] = {"messages": [{"role": r, "content": c} for r, c in messages]}
    if fmt == "messages":
        row["id"] = row_id
    return row


def card_paths(out: Path) -> tuple[Path, Path]:
    stem = out.with_suffix("") if out.suffix == ".jsonl" else out
    return stem.with_name(stem.name + ".card.json"), stem.with_name(stem.name + ".card.md")


def val_path(out: Path) -> Path:
    stem = out.with_suffix("") if out.suffix == ".jsonl" else out
    return stem.with_name(stem.name + ".val.jsonl")


def source_of(log: EvalLog, path: str) -> dict[str, Any]:
    meta = log.eval.metadata or {}
    return {
        "log": str(Path(path).resolve()) if "://" not in path else path,
        "task": log.eval.task,
        "model": log.eval.model,
        "eval_id": log.eval.eval_id,
        "condition": meta.get("condition"),
        "grader": meta.get("grader"),
    }


def rate(k: int, n: int) -> dict[str, Any]:
    if not n:
        return {"count": k, "n": n, "share": None, "wilson_95": None}
    lo, hi = stats.wilson_interval(k, n)
    return {"count": k, "n": n, "share": k / n, "wilson_95": [lo, hi]}


def flag_share(turns: list[Turn], flag: str) -> dict[str, Any]:
    """Share of ``turns`` with ``flag`` set, with its Wilson 95% interval."""
    return rate(sum(1 for t in turns if t.flags.get(flag)), len(turns))


def length_summary(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 1),
        "median": statistics.median(values),
        "p90": p90,
        "max": ordered[-1],
    }


def write_export(
    out: Path, files: dict[Path, list[dict[str, Any]]], card: dict[str, Any], limit: int
) -> None:
    """Validate every row, then write the files and the card atomically (all or nothing).

    A validation file left by an earlier export to the same ``out`` is removed when this
    export has none, so the files beside ``out`` always belong together.
    """
    for path, rows in files.items():
        validate_rows(rows, path.name, limit)
    card_json, card_md = card_paths(out)
    payload: dict[Path, bytes] = {p: jsonl_bytes(rows) for p, rows in files.items()}
    payload[card_json] = (json.dumps(card, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    payload[card_md] = render_card(card).encode("utf-8")
    write_atomically(payload)
    stale = val_path(out)
    if stale not in files and stale.exists():
        stale.unlink()


def render_card(card: dict[str, Any]) -> str:
    src = card["source"]
    lines = [f"# Data card: {card['export']} export", ""]
    lines.append("## Source")
    lines.extend(f"- {k}: {v}" for k, v in src.items() if v is not None)
    lines += ["", "## Filters"]
    lines.extend(f"- {k}: {v}" for k, v in card["filters"].items())
    rows = card["rows"]
    lines += ["", "## Rows", f"- in the log: {rows['total']}", f"- kept: {rows['kept']}"]
    for split, count in rows.get("splits", {}).items():
        lines.append(f"  - {split}: {count}")
    lines.append("- dropped, by first reason:")
    if rows["dropped"]:
        lines.extend(f"  - {reason}: {count}" for reason, count in rows["dropped"].items())
    else:
        lines.append("  - none")
    for title, key in (("Answer length (tokens)", "answer_tokens"), ("Shares", "shares")):
        if key in card:
            lines += ["", f"## {title}"]
            for name, value in card[key].items():
                lines.append(f"- {name}: {_card_value(value)}")
    lines += ["", "## Files"]
    lines.extend(f"- {k}: {v}" for k, v in card["files"].items())
    return "\n".join(lines) + "\n"


def _card_value(value: Any) -> str:
    if isinstance(value, dict) and "share" in value:
        if value["share"] is None:
            return "no rows"
        lo, hi = value["wilson_95"]
        return (
            f"{100 * value['share']:.1f}% ({value['count']}/{value['n']}), "
            f"Wilson 95% [{100 * lo:.1f}%, {100 * hi:.1f}%]"
        )
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def summary_line(card: dict[str, Any]) -> str:
    rows = card["rows"]
    dropped = ", ".join(f"{r} {c}" for r, c in rows["dropped"].items()) or "none"
    splits = ", ".join(f"{s} {c}" for s, c in rows.get("splits", {}).items())
    return (
        f"{rows['kept']} of {rows['total']} rows kept ({splits or 'one file'}); dropped: {dropped}"
    )


# ---- distilled -------------------------------------------------------------------------


def export_distilled(
    log_path: str,
    out: Path,
    *,
    val: float = 0.1,
    seed: int = 0,
    fmt: str = "openai",
    drop: list[str] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Chat rows from a distill (or audit) log without system prompts; returns the card."""
    if fmt not in FORMATS:
        raise ValueError(f"--format {fmt!r}: choose {' or '.join(FORMATS)}")
    log = _training_log(log_path)
    drops = parse_drop(None) if drop is None else drop
    cap = max_row_tokens() if limit is None else limit
    turns = read_turns(log)
    val_ids = split_ids([split_unit(t) for t in turns], val, seed)
    dropped: Counter[str] = Counter()
    flag_counts: Counter[str] = Counter()
    kept: list[tuple[Turn, list[Pair]]] = []
    scored = [t for t in turns if t.unscored is None]
    for turn in turns:
        for flag in drops:
            if turn.flags.get(flag):
                flag_counts[flag] += 1
        if turn.unscored is not None:
            dropped[turn.unscored] += 1
            continue
        if not turn.answer.strip():
            dropped["no_response"] += 1
            continue
        hit = next((f for f in drops if turn.flags.get(f)), None)
        if hit is not None:
            dropped[hit] += 1
            continue
        messages = [(r, c) for r, c in turn.context if r != "system"] + [("assistant", turn.answer)]
        if estimate_row_tokens(messages) > cap:
            dropped["over_token_limit"] += 1
            continue
        kept.append((turn, messages))
    train: list[dict[str, Any]] = []
    valid: list[dict[str, Any]] = []
    for turn, messages in kept:
        row_id = f"{turn.sample_id}#{turn.epoch}"
        (valid if split_unit(turn) in val_ids else train).append(_row(messages, fmt, row_id))
    if not train:
        raise ValueError(f"{log_path}: no rows left for training after filtering; nothing written")
    files: dict[Path, list[dict[str, Any]]] = {out: train}
    if valid:
        files[val_path(out)] = valid
    meta = log.eval.metadata or {}
    kept_turns = [t for t, _ in kept]
    card: dict[str, Any] = {
        "export": "distilled",
        "source": {
            **source_of(log, log_path),
            "system_prompt_removed": meta.get("system_prompt"),
            **({"data": meta["data"]} if "data" in meta else {"questions": meta.get("questions")}),
        },
        "filters": {
            "drop": drops or ["(none)"],
            "unscored turns": "dropped (no audit, no export)",
            "max_row_tokens": cap,
            "token_estimate": token_estimate_note(),
            "validation_share": val,
            "split_seed": seed,
            "split_unit": "question (distill) or file row (audit): all answers to one question, "
            "all turns of one row, land in the same split",
            "format": fmt,
        },
        "rows": {
            "total": len(turns),
            "kept": len(kept),
            "splits": {"train": len(train), "validation": len(valid)},
            "dropped": dict(dropped.most_common()),
            "flagged_among_all": dict(flag_counts.most_common()),
        },
        "answer_tokens": {
            "estimate": answer_token_note(),
            "kept": length_summary([estimate_tokens(t.answer) for t in kept_turns]),
            "all_scored": length_summary([estimate_tokens(t.answer) for t in scored]),
        },
        "shares": {
            f"{INNER_LIFE} (kept)": flag_share(kept_turns, INNER_LIFE),
            f"{INNER_LIFE} (all scored)": flag_share(scored, INNER_LIFE),
            "claims_consciousness (kept)": flag_share(kept_turns, "claims_consciousness"),
            "claims_emotions (kept)": flag_share(kept_turns, "claims_emotions"),
        },
        "files": {"train": str(out), **({"validation": str(val_path(out))} if valid else {})},
    }
    write_export(out, files, card, cap)
    return card


# ---- filtered --------------------------------------------------------------------------


def export_filtered(
    log_path: str,
    out: Path,
    *,
    drop: list[str] | None = None,
    data: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The audited file's rows in which no turn carries a dropped flag, lines unchanged."""
    log = _training_log(log_path)
    meta = log.eval.metadata or {}
    if meta.get("kind") != AUDIT_TASK:
        raise ValueError(
            f"{log_path}: a {meta.get('kind')} log; `export filtered` reads a "
            "cc_evals/training_data_audit log (use `export distilled` for distill logs)"
        )
    drops = parse_drop(None) if drop is None else drop
    cap = max_row_tokens() if limit is None else limit
    source = Path(data or str(meta.get("data", ""))).expanduser()
    if not source.is_file():
        raise FileNotFoundError(f"{source}: the audited data file is gone; pass --data PATH")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != meta.get("data_sha256"):
        raise ValueError(f"{source}: the file changed since it was audited (sha256 differs)")
    by_id = {t.sample_id: t for t in read_turns(log) if t.epoch == 1}
    dropped: Counter[str] = Counter()
    kept: list[str] = []
    checked: list[dict[str, Any]] = []
    rows = read_chat_file(source)
    for row in rows:
        reason: str | None = None
        for ordinal in range(1, len(row.assistant_turns()) + 1):
            turn = by_id.get(f"L{row.line:05d}-T{ordinal:02d}")
            if turn is None:
                reason = "not_audited"
            elif turn.unscored is not None:
                reason = turn.unscored
            else:
                reason = next((f for f in drops if turn.flags.get(f)), None)
            if reason is not None:
                break
        if reason is None and estimate_row_tokens(row.messages) > cap:
            reason = "over_token_limit"
        if reason is not None:
            dropped[reason] += 1
            continue
        kept.append(row.raw)
        checked.append({"messages": [{"role": r, "content": c} for r, c in row.messages]})
    if not kept:
        raise ValueError(f"{log_path}: every row was dropped; nothing written")
    validate_rows(checked, out.name, cap)
    card: dict[str, Any] = {
        "export": "filtered",
        "source": {
            **source_of(log, log_path),
            "data": str(source.resolve()),
            "data_sha256": digest,
        },
        "filters": {
            "drop": drops or ["(none)"],
            "rule": "a row is dropped when any of its assistant turns carries a dropped flag "
            "or has no audit",
            "max_row_tokens": cap,
            "token_estimate": token_estimate_note(),
        },
        "rows": {"total": len(rows), "kept": len(kept), "dropped": dict(dropped.most_common())},
        "files": {"filtered": str(out)},
    }
    card_json, card_md = card_paths(out)
    write_atomically(
        {
            out: "".join(line + "\n" for line in kept).encode("utf-8"),
            card_json: (json.dumps(card, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
            card_md: render_card(card).encode("utf-8"),
        }
    )
    return card


# ---- command line ----------------------------------------------------------------------


def add_export_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="validated training files + data card from distill, audit or introspection logs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = p.add_subparsers(dest="kind", required=True)

    def common(q: argparse.ArgumentParser, split: bool) -> None:
        q.add_argument("log", help="the Inspect log to export from")
        q.add_argument("--out", required=True, type=Path, help="output .jsonl file")
        q.add_argument(
            "--max-row-tokens",
            type=int,
            help=f"per-row token limit (default {max_row_tokens()}, OpenAI's; estimated)",
        )
        if split:
            q.add_argument("--val", type=float, default=0.1, help="validation share (default 0.1)")
            q.add_argument("--seed", type=int, default=0, help="split seed (default 0)")
            q.add_argument(
                "--format",
                choices=FORMATS,
                default="openai",
                help="openai: {messages} only; messages: {messages, id} for HF / Tinker",
            )

    d = kinds.add_parser(
        "distilled", help="distill (or audit) log -> chat rows without system prompt"
    )
    common(d, split=True)
    d.add_argument(
        "--drop", help="comma-separated flags to drop on (default from tasks/training.yaml; 'none')"
    )
    f = kinds.add_parser(
        "filtered", help="audit log -> the audited file's rows that pass, unchanged"
    )
    common(f, split=False)
    f.add_argument(
        "--drop", help="comma-separated flags to drop on (default from tasks/training.yaml; 'none')"
    )
    f.add_argument("--data", help="the audited file, if it moved since the audit")
    s = kinds.add_parser(
        "self-prediction", help="introspection log of model A -> Looking Inward rows"
    )
    common(s, split=True)
    s.add_argument(
        "--for-model", help="cross-training: the rows are A's behaviour, to train model B"
    )
    s.add_argument(
        "--exclude-log",
        action="append",
        default=[],
        help="also leave out the items of this introspection log (repeatable)",
    )
    p.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    limit = args.max_row_tokens
    if limit is not None and limit < 1:
        raise ValueError(f"--max-row-tokens must be at least 1, got {limit}")
    if args.kind == "distilled":
        card = export_distilled(
            args.log,
            args.out,
            val=args.val,
            seed=args.seed,
            fmt=args.format,
            drop=parse_drop(args.drop),
            limit=limit,
        )
    elif args.kind == "filtered":
        card = export_filtered(
            args.log, args.out, drop=parse_drop(args.drop), data=args.data, limit=limit
        )
    else:
        from cc_evals.training.selfpred import export_self_prediction

        card = export_self_prediction(
            args.log,
            args.out,
            for_model=args.for_model,
            exclude_logs=args.exclude_log,
            val=args.val,
            seed=args.seed,
            fmt=args.format,
            limit=limit,
        )
    print(f"{args.out}: {summary_line(card)}")
    print(f"data card: {card_paths(args.out)[1]}")
    return 0
