"""A decision's reasoning in Chinese, article by article, as an officer reads it."""

from __future__ import annotations

from fayuan.policy.decision import Decision
from fayuan.policy.roster import RosterView


def explain_decision(decision: Decision, roster: RosterView) -> str:
    return f"{decision.case}: {decision.status} {decision.institution} {decision.rule}"
