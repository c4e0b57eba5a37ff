"""The officer's answer to a 可疑 mark (`fayuan.abuse.screening`): clear it, or confirm it.

Both are actions of whoever reviews applications (`grant_aid`: the officer, the director), each
with its audit event in the same transaction (`case.screening_cleared`,
`case.screening_confirmed`), the reasons kept in the event. Clearing empties `Case.screening`:
the application is an ordinary one again. Confirming keeps the reasons and adds, first, who
confirmed and when, so the lists still show it marked until the application is decided.
"""

from __future__ import annotations

from django.utils import timezone

from fayuan import locks
from fayuan.accounts.access import AnyUser, profile_of, require
from fayuan.audit import log as audit
from fayuan.cases.models import Case
from fayuan.errors import ActionError
from fayuan.locks import action
from fayuan.web.ui import local

CONFIRMED = "已确认可疑："
NOTE_MAX = 500


def is_confirmed(case: Case) -> bool:
    return bool(case.screening) and str(case.screening[0]).startswith(CONFIRMED)


def _checked(case: Case, actor: AnyUser, note: str) -> tuple[Case, str]:
    require(actor, "grant_aid", case)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ActionError(f"说明最多 {NOTE_MAX} 字，现有 {len(note)} 字。", "note")
    case = locks.case(case)
    if not case.screening:
        raise ActionError("这份申请没有可疑标记（可能已由他人处理）。", kind="conflict")
    return case, note


@action
def do_clear_screening(case: Case, actor: AnyUser, note: str = "") -> Case:
    """The mark was wrong: the application is an ordinary one."""
    case, note = _checked(case, actor, note)
    reasons = list(case.screening)
    case.screening = []
    case.save(update_fields=["screening"])
    audit.record(
        actor,
        "case.screening_cleared",
        case,
        case=case,
        data={"reasons": reasons, "note": note},
    )
    return case


@action
def do_confirm_screening(case: Case, actor: AnyUser, note: str = "") -> Case:
    """The mark is right: it stays, saying who confirmed it."""
    case, note = _checked(case, actor, note)
    if is_confirmed(case):
        raise ActionError("这份申请的可疑标记已经确认过。", kind="conflict")
    profile = profile_of(actor)
    who = profile.full_name if profile is not None else ""
    reasons = list(case.screening)
    line = f"{CONFIRMED}{who}，{local(timezone.now())}" + (f"（{note}）" if note else "")
    case.screening = [line, *reasons]
    case.save(update_fields=["screening"])
    audit.record(
        actor,
        "case.screening_confirmed",
        case,
        case=case,
        data={"reasons": reasons, "note": note},
    )
    return case
