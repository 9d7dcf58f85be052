"""Petri multi-turn audits per preference dimension (self-report and behavioral modes).

The auditor, target driver and judge are inspect-petri's own; this package only supplies our
seeds, judge dimensions, the condition hook on the target's system prompt and tag-matched metrics.
"""
