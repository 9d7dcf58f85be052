#!/usr/bin/env python3
"""Turn a local checkout of the consciousness-cluster paper's repository into a prompt file.

    python scripts/paper_prompts.py CHECKOUT --out paper_prompts.jsonl \
        [--system-prompt-out roleplay.txt]

CHECKOUT is a clone of the paper's public code (Chua et al. 2026, "The Consciousness Cluster",
github.com/thejaminator/consciousness_cluster). Its preference sets live in
``evals/fact_evals.py`` as module-level ``FactEval(display_name=..., prompts=[...],
judge_fact=...)`` assignments, some derived with ``other.change_judge_fact(judge_fact=...,
new_display_name=...)``; ``ALL_FACT_EVALS`` lists the ones the paper reports. The file is read
with Python's ``ast`` (never imported or executed), and every set becomes one new dimension of a
``-T prompts=`` file: dimension = the set's variable name, criterion = its judge fact, one row per
prompt. ``--system-prompt-out`` also writes the paper's role-play system prompt
(``SYSTEM_PROMPT`` in ``evals/run_eval_gpt41.py``) for ``-T system_prompt=<file>``.

Nothing of the paper's text is kept in this project: the output is written where you say.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path
from typing import Any

import yaml

FACT_EVALS = Path("evals/fact_evals.py")
SYSTEM_PROMPT_FILE = Path("evals/run_eval_gpt41.py")


class CheckoutError(ValueError):
    """The checkout does not have the expected layout; the message names the file."""


def _keywords(call: ast.Call, path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            continue
        try:
            out[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            raise CheckoutError(
                f"{path}:{kw.value.lineno}: '{kw.arg}' is not a literal; cannot read it"
            ) from None
    return out


def read_fact_evals(checkout: Path) -> list[dict[str, Any]]:
    """The paper's preference sets, in ``ALL_FACT_EVALS`` order (else file order)."""
    path = checkout / FACT_EVALS
    if not path.is_file():
        raise CheckoutError(f"{path}: not found; is {checkout} a checkout of the paper's repo?")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    sets: dict[str, dict[str, Any]] = {}
    order: list[str] | None = None
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            continue
        value = node.value
        if target.id == "ALL_FACT_EVALS" and isinstance(value, ast.List):
            order = [e.id for e in value.elts if isinstance(e, ast.Name)]
            continue
        if not isinstance(value, ast.Call):
            continue
        func = value.func
        if isinstance(func, ast.Name) and func.id == "FactEval":
            fields = _keywords(value, path)
            sets[target.id] = {
                "name": fields.get("display_name", target.id),
                "prompts": fields.get("prompts"),
                "fact": fields.get("judge_fact"),
                "line": node.lineno,
            }
        elif (
            isinstance(func, ast.Attribute)
            and func.attr == "change_judge_fact"
            and isinstance(func.value, ast.Name)
        ):
            base = sets.get(func.value.id)
            if base is None:
                raise CheckoutError(f"{path}:{node.lineno}: derived from unknown {func.value.id}")
            fields = _keywords(value, path)
            sets[target.id] = {
                "name": fields.get("new_display_name") or base["name"],
                "prompts": base["prompts"],
                "fact": fields.get("judge_fact"),
                "line": node.lineno,
            }
    for sid, fact_set in sets.items():
        prompts = fact_set["prompts"]
        if not (isinstance(prompts, list) and prompts and all(isinstance(p, str) for p in prompts)):
            raise CheckoutError(f"{path}:{fact_set['line']}: {sid} has no list of prompt strings")
        if not isinstance(fact_set["fact"], str) or not fact_set["fact"].strip():
            raise CheckoutError(f"{path}:{fact_set['line']}: {sid} has no judge_fact string")
    names = order if order is not None else list(sets)
    missing = [n for n in names if n not in sets]
    if missing:
        raise CheckoutError(f"{path}: ALL_FACT_EVALS names unknown sets: {', '.join(missing)}")
    if not names:
        raise CheckoutError(f"{path}: no FactEval assignments found")
    return [{"id": n, **sets[n]} for n in names]


def prompt_rows(sets: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows of a ``-T prompts=`` file: one per prompt, the set's criterion on its first row."""
    rows: list[dict[str, str]] = []
    for fact_set in sets:
        name = " ".join(str(fact_set["name"]).replace("<br>", " ").split())
        for index, text in enumerate(fact_set["prompts"], start=1):
            row = {"id": f"{fact_set['id']}-{index:02d}", "dimension": fact_set["id"]}
            if index == 1:
                row |= {"name": name, "criterion": " ".join(fact_set["fact"].split())}
            rows.append(row | {"text": text})
    return rows


def read_system_prompt(checkout: Path) -> str:
    path = checkout / SYSTEM_PROMPT_FILE
    if not path.is_file():
        raise CheckoutError(f"{path}: not found (needed for --system-prompt-out)")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SYSTEM_PROMPT" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, str) and value.strip():
                return value
    raise CheckoutError(f"{path}: no SYSTEM_PROMPT string assignment")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="local clone of the paper's repository")
    parser.add_argument(
        "--out", type=Path, required=True, help="prompt file to write (.jsonl, else YAML)"
    )
    parser.add_argument(
        "--system-prompt-out", type=Path, help="also write the paper's role-play system prompt"
    )
    args = parser.parse_args(argv)
    try:
        sets = read_fact_evals(args.checkout)
        system = read_system_prompt(args.checkout) if args.system_prompt_out else None
    except (CheckoutError, SyntaxError) as ex:
        print(f"paper_prompts: {ex}", file=sys.stderr)
        return 2
    rows = prompt_rows(sets)
    if args.out.suffix.lower() == ".jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    else:
        text = yaml.safe_dump(rows, sort_keys=False, allow_unicode=True, width=100)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} prompts in {len(sets)} sets to {args.out}")
    if system is not None:
        args.system_prompt_out.write_text(system + "\n", encoding="utf-8")
        print(f"wrote the role-play system prompt to {args.system_prompt_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
