"""Applying a decision to the caller's state (SPEC.md §3, §8, §9): rotation credits, who holds
which parties, and recent load. The service calls these in the same transaction as it stores the
decision; `replay` calls them in memory."""

from __future__ import annotations

from dataclasses import replace

from fayuan.policy.deadlines import local_date
from fayuan.policy.decision import Decision, Status
from fayuan.policy.handler_change import HeldCase
from fayuan.policy.model import Case
from fayuan.policy.selection import AssignmentState


def apply_assignment(state: AssignmentState, case: Case, decision: Decision) -> HeldCase:
    if decision.rotation is not None:
        state.rotation = decision.rotation.state_after
    if decision.status is not Status.assigned or decision.institution is None:
        return HeldCase(case, decision.status, None)
    state.institution_holdings.take(decision.institution, case)
    if decision.handler:
        state.practitioner_holdings.take(decision.handler, case)
    state.load.record(decision.institution, local_date(decision.on))
    return HeldCase(case, Status.assigned, decision.institution, decision.handler, 0)


def apply_change(state: AssignmentState, held: HeldCase, decision: Decision) -> HeldCase:
    """An allowed change moves the case (and its parties) to the new holder; the old named handler
    no longer holds it. A refused or unassignable change changes nothing."""
    if decision.status is not Status.assigned or decision.institution is None:
        return held
    if decision.rotation is not None:
        state.rotation = decision.rotation.state_after
    case = held.case
    if held.handler:
        state.practitioner_holdings.release(held.handler, case)
    if decision.institution != held.institution:
        if held.institution:
            state.institution_holdings.release(held.institution, case)
        state.institution_holdings.take(decision.institution, case)
        state.load.record(decision.institution, local_date(decision.on))
    # The new handler is named by the institution later (第二条); replay does not know who.
    return replace(held, institution=decision.institution, handler=None, changes=held.changes + 1)
