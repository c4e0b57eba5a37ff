"""Transactions and row locks: the ONE lock order, and the retry of a whole action.

The lock order
==============
Every action takes its row locks through the helpers below, in this order, and never a lock of
an earlier rank after one of a later rank (a row it already holds may be named again):

    1. calendar year   `HolidayYear`          entering a year's holiday arrangement
    2. center          `Center`               everything numbered or rotated per center: notice
                                              numbers, rotation credits, handler changes that
                                              re-assign, a roster import
    3. institution     `Institution`          a status change (suspend, reinstate, retire)
    4. case            `Case`                 one case, or several in id order
    5. step            `OfficerProposal`, `HandlerChange`, `Recusal` of a locked case
    6. quality         `Institution`, then    the quality scores a supervision record changes
                       `Practitioner`         (第九条), each in id order
    7. rotation        `RotationCredit`       the center's credits, in id order
    8. sequence        `NoticeSequence`       the center's notice numbers for the year
    9. audit head      `AuditHead`            taken by `fayuan.audit.log.record`: always last

So an assignment is: center → case → proposal → rotation credits → notice sequence → audit
head; an intake takes only the audit head (its rows are new, nobody else can hold them).

Every lock is `SELECT … FOR NO KEY UPDATE` (PostgreSQL). Django creates foreign keys
`DEFERRABLE INITIALLY DEFERRED`, so the checks of every row an action inserted run at COMMIT,
after the audit head was taken, and each takes `FOR KEY SHARE` on the rows referenced (the
center, the case, the institution…). `FOR KEY SHARE` waits for `FOR UPDATE` but not for
`FOR NO KEY UPDATE`: with no-key locks, the checks at commit never wait on the locks above, so
they cannot close a cycle with them. (Plain `FOR UPDATE` here was the deadlock of the load test:
the issue held the center and waited for the audit head, an intake held the audit head and, at
commit, waited to key-share the center.) An UPDATE that changes a key column (a roster import
renumbering institutions) still takes `FOR UPDATE` implicitly; the retry below covers that rare
case.

On SQLite the locks are no-ops: `transaction_mode=IMMEDIATE` takes the database's write lock at
BEGIN, so writers run one after the other and cannot deadlock (FACTS.md).

The order is checked while an action runs: a helper asked for an earlier rank than one already
taken raises `LockOrderError` (a programming error, caught by the tests), before it waits.

One transaction per action, retried whole
=========================================
`@action` makes a `do_*` function one transaction: everything it writes, its audit events
included, commits together or not at all. A refusal (`ActionError`) rolls everything back, so a
refused request leaves no row behind. The one deliberate exception is `RecordedRefusal`: the
action records why it refused (a rotation proposal returned to the officer because the rotation
moved on, a handler change that lapsed) and `@action` commits that record, then raises the
refusal (the API answers 409).

When the database aborts the transaction as a deadlock victim (SQLSTATE 40P01) or for a
serialization failure (40001), or SQLite's busy timeout runs out at BEGIN, nothing of the
attempt is kept (the database rolled it back, on-commit hooks such as e-mails are dropped), and
`@action` runs the WHOLE action again from its first line, in a fresh transaction: its checks
re-read the rows under their locks, so a second attempt cannot apply anything twice. It tries
at most `settings.FAYUAN_ACTION_ATTEMPTS` times in all, waiting a short random time in between;
then the error goes up (the API answers 503 and the client may try again). Each retry is logged
(`fayuan.locks`, "retrying action").

An action called from another action (the engine run inside an officer's proposal) is part of
the caller's transaction and is retried with it. An action called inside a transaction that is
not an action's (a test's, a management command's `atomic`) runs as a savepoint of it and is
not retried: only the owner of the transaction can start it again.
"""

from __future__ import annotations

import functools
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Model, QuerySet

from fayuan.errors import RecordedRefusal

if TYPE_CHECKING:
    from fayuan.audit.models import AuditHead
    from fayuan.cases.models import Case
    from fayuan.holidays.models import HolidayYear
    from fayuan.roster.models import Center, Institution, Practitioner
    from fayuan.workflow.models import (
        HandlerChange,
        NoticeSequence,
        OfficerProposal,
        Recusal,
        RotationCredit,
    )

log = logging.getLogger("fayuan.locks")

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=Model)

#: SQLSTATEs after which PostgreSQL has rolled the transaction back and a new attempt may win.
RETRYABLE_SQLSTATES = {"40P01": "deadlock detected", "40001": "serialization failure"}


class Rank(IntEnum):
    """The lock order (module docstring): a lower rank is always taken first."""

    calendar_year = 1
    center = 2
    institution = 3
    case = 4
    step = 5
    quality = 6
    rotation = 7
    sequence = 8
    audit_head = 9


class LockOrderError(RuntimeError):
    """A lock asked for out of order: a bug in the action, never the user's fault."""


@dataclass
class _Held:
    """The locks one attempt of an action holds."""

    rank: int = 0
    rows: set[tuple[str, object]] = field(default_factory=set)
    attempt: int = 1


_held: ContextVar[_Held | None] = ContextVar("fayuan_locks_held", default=None)


def held_rank() -> int:
    """The highest rank the running action holds (0: none, or no action running)."""
    held = _held.get()
    return held.rank if held is not None else 0


def attempt() -> int:
    """Which attempt of the running action this is (1 for the first; 0 outside an action)."""
    held = _held.get()
    return held.attempt if held is not None else 0


def _enter(rank: Rank, label: str, pks: Iterable[object] | None) -> None:
    """Check the order before waiting: taking `rank` after a later one is refused, unless every
    row asked for is already held (naming a held row again waits for nothing)."""
    held = _held.get()
    if held is None:
        return
    keys = None if pks is None else {(label, pk) for pk in pks}
    if rank < held.rank and (keys is None or not keys <= held.rows):
        raise LockOrderError(
            f"lock order: {rank.name} ({label}) asked for after {Rank(held.rank).name} "
            "(see fayuan.locks)"
        )
    held.rank = max(held.rank, rank)
    if keys:
        held.rows |= keys


def _taken(rank: Rank, rows: Iterable[Model]) -> None:
    held = _held.get()
    if held is not None:
        held.rows |= {(r._meta.label, r.pk) for r in rows}


def take(rank: Rank, queryset: QuerySet[M], pks: Iterable[object] | None = None) -> list[M]:
    """Lock every row of `queryset` (FOR NO KEY UPDATE, in id order) at `rank`. `pks`, when the
    caller knows them, lets an already held row be named again after a later rank."""
    model = queryset.model
    _enter(rank, model._meta.label, pks)
    rows = list(queryset.select_for_update(no_key=True, of=("self",)).order_by("pk"))
    _taken(rank, rows)
    return rows


def take_one(rank: Rank, queryset: QuerySet[M], pk: object) -> M:
    """Lock row `pk` of `queryset` at `rank` (`DoesNotExist` when it is not there)."""
    _enter(rank, queryset.model._meta.label, [pk])
    return queryset.select_for_update(no_key=True, of=("self",)).get(pk=pk)


def take_or_create(rank: Rank, model: type[M], defaults: dict[str, Any], **lookup: Any) -> M:
    """Lock the row `lookup` names, creating it when missing (`get_or_create` under the lock)."""
    _enter(rank, model._meta.label, None)
    row, _ = model._default_manager.select_for_update(no_key=True).get_or_create(
        defaults=defaults, **lookup
    )
    _taken(rank, [row])
    return row


# --- the helpers the actions use, one per rank ----------------------------------------------


def calendar_year(year: int) -> HolidayYear | None:
    from fayuan.holidays.models import HolidayYear

    rows = take(Rank.calendar_year, HolidayYear.objects.filter(year=year))
    return rows[0] if rows else None


def center(row: Center) -> Center:
    from fayuan.roster.models import Center

    return take_one(Rank.center, Center.objects.all(), row.pk)


def institution(row: Institution) -> Institution:
    from fayuan.roster.models import Institution

    return take_one(Rank.institution, Institution.objects.all(), row.pk)


def case(row: Case) -> Case:
    """The case row, locked, with the center, locality and institution read beside it. (`of`
    self: the institution is a nullable LEFT JOIN, which PostgreSQL cannot lock.)"""
    from fayuan.cases.models import Case

    queryset = Case.objects.select_related("center", "locality", "institution")
    return take_one(Rank.case, queryset, row.pk)


def cases(queryset: QuerySet[Case]) -> list[Case]:
    """Several cases, locked in id order (two actions locking overlapping sets cannot cross)."""
    return take(Rank.case, queryset)


def proposal(pk: int) -> OfficerProposal:
    from fayuan.workflow.models import OfficerProposal

    queryset = OfficerProposal.objects.select_related("institution", "engine_proposal")
    return take_one(Rank.step, queryset, pk)


def handler_change(pk: int) -> HandlerChange:
    from fayuan.workflow.models import HandlerChange

    return take_one(Rank.step, HandlerChange.objects.all(), pk)


def recusal(pk: int) -> Recusal:
    from fayuan.workflow.models import Recusal

    return take_one(Rank.step, Recusal.objects.select_related("case"), pk)


def quality_places(queryset: QuerySet[Institution]) -> list[Institution]:
    """The institutions whose quality score is recomputed (rank quality, before their
    practitioners), in id order."""
    return take(Rank.quality, queryset)


def quality_scores(queryset: QuerySet[Practitioner]) -> list[Practitioner]:
    """The practitioners whose quality score is recomputed, locked in id order, so two
    supervision records of the same practitioner compute one after the other."""
    return take(Rank.quality, queryset)


def rotation_credits(row: Center) -> list[RotationCredit]:
    from fayuan.workflow.models import RotationCredit

    queryset = RotationCredit.objects.filter(center=row).select_related("institution")
    return take(Rank.rotation, queryset)


def notice_sequence(row: Center, year: int) -> NoticeSequence:
    from fayuan.workflow.models import NoticeSequence

    return take_or_create(Rank.sequence, NoticeSequence, {}, center=row, year=year)


def audit_head() -> AuditHead:
    from fayuan.audit.models import AuditHead

    return take_or_create(Rank.audit_head, AuditHead, {}, name="main")


# --- one transaction per action, retried whole ----------------------------------------------


def _sqlstate(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str):
            return state
        seen = seen.__cause__
    return None


def retryable(exc: BaseException) -> str | None:
    """Why `exc` lets the whole action be tried again (None: it does not). Django wraps the
    driver's error; the driver's (psycopg's `DeadlockDetected`, sqlite3's busy error) is its
    `__cause__`, and either may be given."""
    state = _sqlstate(exc)
    if state in RETRYABLE_SQLSTATES:
        return RETRYABLE_SQLSTATES[state]
    if isinstance(exc, DatabaseError | sqlite3.OperationalError):
        text = str(exc)
        if "database is locked" in text or "database is busy" in text:
            return "SQLite busy"
    return None


def _pause(attempt: int) -> None:
    """Wait before attempt `attempt + 1`: exponential with full jitter, so the transactions
    that collided do not collide again in step."""
    base = float(getattr(settings, "FAYUAN_ACTION_RETRY_PAUSE", 0.02))
    time.sleep(random.uniform(0, base * 2 ** (attempt - 1)))


def action(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` as one transaction, retried whole on deadlock or serialization failure (module
    docstring). Decorates every `do_*` that writes."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        outer = _held.get()
        if outer is not None:
            # Part of the calling action's transaction: its locks, its retry.
            with transaction.atomic():
                return fn(*args, **kwargs)
        owner = not transaction.get_connection().in_atomic_block
        attempts = max(1, int(getattr(settings, "FAYUAN_ACTION_ATTEMPTS", 5))) if owner else 1
        for n in range(1, attempts + 1):
            token = _held.set(_Held(attempt=n))
            try:
                return _attempt(fn, *args, **kwargs)
            except Exception as exc:
                why = retryable(exc)
                if why is None or n == attempts:
                    raise
                log.warning(
                    "retrying action %s after %s (attempt %d of %d)",
                    fn.__name__,
                    why,
                    n + 1,
                    attempts,
                )
                _pause(n)
            finally:
                _held.reset(token)
        raise AssertionError("unreachable")  # pragma: no cover

    return run


def _attempt(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    refusal: RecordedRefusal | None = None
    with transaction.atomic():
        try:
            return fn(*args, **kwargs)
        except RecordedRefusal as exc:
            refusal = exc  # leave the block normally: what the action recorded commits
    raise refusal
