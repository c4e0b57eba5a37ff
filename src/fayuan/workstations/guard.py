"""第七条 for every path that creates a case: a case recorded by workstation (司法所) or liaison
(联络点) staff names that workstation or institution as its helper, by its channel, and no
other. The page already fills these in from the user's profile; this check holds the rule for
the API and any other caller of `fayuan.cases.actions.do_intake_application` too.

It runs when the case row is first saved, inside the action's transaction: its refusal
(`ActionError`, forbidden) rolls the whole action back, so nothing is written. The decision
itself is `fayuan.accounts.access.helper_intake_refusal`."""

from __future__ import annotations

from typing import Any

from fayuan.accounts.access import helper_intake_refusal
from fayuan.cases.models import Case
from fayuan.errors import ActionError


def check_helper(sender: type[Case], instance: Case, raw: bool = False, **kwargs: Any) -> None:
    """`pre_save` of `Case`: only a new case, only when its creator is a helper role."""
    if raw or not instance._state.adding or instance.created_by_id is None:
        return
    # The actor object the action passed (its profile is cached on it by `require`).
    creator = instance.created_by
    problem = helper_intake_refusal(
        creator, instance.channel, instance.workstation_id, instance.helped_by_institution_id
    )
    if problem:
        raise ActionError(problem, "channel", kind="forbidden")
