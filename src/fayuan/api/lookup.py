"""Finding what a request names, as the caller may see it.

The order of the checks is what the caller learns: first whether its role may take the action at
all (403, which says nothing about any case), then whether the case exists among those it may
see (404 for a case of another organ or institution: its existence is not disclosed), then the
action's own check on that case (403 again, e.g. an institution that no longer holds it).
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from fayuan.accounts.access import AnyUser, can, require, visible_cases
from fayuan.accounts.models import StaffProfile
from fayuan.api.serializers import CASE_PREFETCH, CASE_RELATED
from fayuan.cases.models import Case
from fayuan.errors import ActionError

M = TypeVar("M", bound=Model)

#: The largest id a row can have (a 64-bit key); a larger number in a path names nothing.
MAX_ID = 2**63 - 1


def actor(request: HttpRequest) -> AnyUser:
    """The caller: the token's user (set by `TokenAuth`) or the session's."""
    return request.user


def profile(request: HttpRequest, action: str) -> StaffProfile:
    """The caller's profile, when its role may take `action` at all (else 403)."""
    return require(actor(request), action)


def case_for(request: HttpRequest, number: str, action: str, *, read: bool = False) -> Case:
    """The case `number` among those the caller may see, for `action`. `read`: with what the
    serializers read prefetched (a read needs no `reloaded`: one load, not two)."""
    require(actor(request), action)
    cases = visible_cases(actor(request)).filter(number=number)
    cases = cases.select_related("center", *CASE_RELATED)
    if read:
        cases = cases.prefetch_related(*CASE_PREFETCH)
    case = cases.first()
    if case is None:
        raise ActionError(f"没有编号为 {number} 的案件，或您无权查看该案件。", kind="not_found")
    return case


def reloaded(case: Case) -> Case:
    """The case as the serializers read it, after an action changed it."""
    return (
        Case.objects.select_related(*CASE_RELATED).prefetch_related(*CASE_PREFETCH).get(pk=case.pk)
    )


def one_of(queryset: QuerySet[M], pk: int, what: str) -> M:
    """Row `pk` of the case's `queryset` (404 when it is not this case's)."""
    row = queryset.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if row is None:
        raise ActionError(f"本案没有编号为 {pk} 的{what}。", kind="not_found")
    return row


#: Who may read a case's proposals and approval forms: those who take part in deciding (第五条).
PROPOSAL_ACTIONS = (
    "propose",
    "director_decide",
    "record_discussion",
    "report_to_bureau",
    "bureau_decide",
    "issue_assignment",
)


def require_proposal_reader(request: HttpRequest, case: Case) -> None:
    user = actor(request)
    if not any(can(user, action, case) for action in PROPOSAL_ACTIONS):
        raise ActionError("只有参与指派决定的人员可以查看指派意见。", kind="forbidden")
