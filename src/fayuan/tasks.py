"""Background tasks (Celery, `fayuan.worker`), and how the service asks for them.

- `send_email`, `send_sms`: one message under an idempotency key (`fayuan.messaging.models
  .TaskKey`): delivered twice, it is sent once. Failures are retried with exponential backoff,
  at most `MAX_RETRIES` times.
- `deadline_reminders` (each morning; it sends on working days only) fans out one
  `deadline_report` per center: the deadline report of 第六条 e-mailed to the center's officers
  and director, once per center and day.
- `calendar_reminder` (daily): next year's holiday arrangement is missing (SPEC §5);
  `remind_next_year` sends once per center and year.
- `purge_drafts` (daily): expired online application drafts deleted with their files.
- `refresh_quality` (daily): every center's quality scores (第九条) computed again.
- `recompute_provisional_deadlines`: after a year's holiday arrangement is entered, once per
  entry.

`run(task, ...)` sends a task to the worker; with no broker (`FAYUAN_BROKER_URL` unset: the
embedded demo, the tests) it runs the task here, now, once (no retries: the caller is waiting).
`run_after_commit` does the same once the current transaction has committed, so the worker sees
what it wrote and nothing is sent for a transaction that rolled back.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import Task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from fayuan.messaging.models import KeyStatus, Kind, TaskKey
from fayuan.messaging.sms import SmsUnavailable, send_sms_now
from fayuan.worker import app

log = logging.getLogger(__name__)

MAX_RETRIES = 5
#: A claim older than this belongs to a worker that died while sending: it may be taken again.
LEASE = timedelta(minutes=15)
#: What a retry is for: the mail server or the gateway did not answer or refused for now.
TRANSIENT = (OSError, smtplib.SMTPException, SmsUnavailable)

RETRYING: dict[str, Any] = {
    "bind": True,
    "autoretry_for": TRANSIENT,
    "max_retries": MAX_RETRIES,
    "retry_backoff": 30,  # 30 s, 60 s, 120 s … (with jitter)
    "retry_backoff_max": 1800,
    "retry_jitter": True,
}


# ------------------------------------------------------------------ asking for a task


def broker_configured() -> bool:
    return bool(getattr(settings, "FAYUAN_BROKER_URL", ""))


@dataclass(frozen=True)
class Outcome:
    """What became of a task asked for: `queued` (the worker has it), or, run inline, its
    return value, or `failed` with the kind of error."""

    state: str
    value: Any = None

    @property
    def queued(self) -> bool:
        return self.state == "queued"


def run(task: Task[Any, Any], *args: Any, **kwargs: Any) -> Outcome:
    """Send `task` to the worker, or, with no broker (or a broker that does not answer), run it
    here once. Never raises for the task's own failure: it is logged and returned."""
    if broker_configured():
        try:
            task.apply_async(args, kwargs)
            return Outcome("queued")
        except Exception as exc:  # the broker is down: better sent late from here than never
            log.warning("broker unreachable (%s): running %s inline", type(exc).__name__, task.name)
    # One attempt: the retry count starts at the maximum, so a failure is final here.
    result = task.apply(args, kwargs, retries=MAX_RETRIES)
    if result.failed():
        log.error("task %s failed inline: %s", task.name, type(result.result).__name__)
        return Outcome("failed", type(result.result).__name__)
    return Outcome("done", result.result)


def run_after_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """`run` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(run, task, *args, **kwargs), robust=True)


# ------------------------------------------------------------------ idempotency


def _claim(key: str, kind: str, recipients: int) -> bool:
    """Take `key` for this run: True when no run has done it and none is doing it now."""
    now = timezone.now()
    try:
        with transaction.atomic():
            TaskKey.objects.create(
                key=key,
                kind=kind,
                status=KeyStatus.running,
                recipients=recipients,
                attempts=1,
                claimed_at=now,
            )
        return True
    except IntegrityError:
        pass
    # A failed attempt, or a claim whose worker died, may be taken again (one run wins).
    retake = Q(status=KeyStatus.failed) | Q(status=KeyStatus.running, claimed_at__lt=now - LEASE)
    taken = (
        TaskKey.objects.filter(retake, key=key)
        .exclude(status=KeyStatus.done)
        .update(status=KeyStatus.running, claimed_at=now, attempts=F("attempts") + 1, error="")
    )
    return taken == 1


def once(key: str, kind: str, recipients: int, send: Callable[[], object]) -> str:
    """Call `send` unless a run under `key` has done (or is doing) it: "sent" or "duplicate"."""
    if not _claim(key, kind, recipients):
        log.info("%s %s already sent or being sent: nothing to do", kind, key)
        return "duplicate"
    try:
        send()
    except Exception as exc:
        TaskKey.objects.filter(key=key).update(
            status=KeyStatus.failed, error=type(exc).__name__[:200]
        )
        raise
    TaskKey.objects.filter(key=key).update(status=KeyStatus.done, done_at=timezone.now())
    return "sent"


# ------------------------------------------------------------------ messages


@app.task(name="fayuan.send_email", **RETRYING)
def send_email(self: Task[Any, Any], key: str, subject: str, body: str, to: list[str]) -> str:
    """One e-mail to `to`, once under `key` (e.g. `deadlines:beibei:2026-10-09`)."""
    if not to:
        return "no recipients"
    return once(key, Kind.email, len(to), lambda: send_mail(subject, body, None, list(to)))


@app.task(name="fayuan.send_sms", **RETRYING)
def send_sms(self: Task[Any, Any], key: str, phone: str, text: str) -> str:
    """One text message, once under `key`, through `FAYUAN_SMS_BACKEND`."""
    return once(key, Kind.sms, 1, lambda: send_sms_now(phone, text))


# ------------------------------------------------------------------ reminders


def center_recipients(center: Any) -> list[str]:
    """The center's officers and director with an e-mail address, active accounts only."""
    from fayuan.accounts.models import Role, StaffProfile

    emails = (
        StaffProfile.objects.filter(
            center=center, role__in=[Role.officer, Role.director], user__is_active=True
        )
        .exclude(email="")
        .order_by("role", "email")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(emails))


def deadline_subject(center: Any, now: datetime) -> str:
    from fayuan.policy.deadlines import local_date

    return f"【指派期限】{center.name} {local_date(now).isoformat()}"


def _moment(at: str | None) -> datetime:
    return datetime.fromisoformat(at) if at else timezone.now()


@app.task(name="fayuan.deadline_report")
def deadline_report(center_code: str, at: str | None = None) -> str:
    """The deadline report of one center, e-mailed once per center and day, on working days."""
    from fayuan.policy.deadlines import local_date
    from fayuan.roster.models import Center
    from fayuan.workflow import engine
    from fayuan.workflow.deadlines import buckets, report_text

    now = _moment(at)
    day = local_date(now)
    if not engine.calendar().is_workday(day):
        return f"{day.isoformat()} is not a working day"
    center = Center.objects.filter(code=center_code).first()
    if center is None:
        return f"no center {center_code}"
    to = center_recipients(center)
    if not to:
        log.warning("center %s: no officer or director with an e-mail address", center_code)
        return "no recipients"
    text = report_text(buckets(center, now))
    key = f"deadlines:{center.code}:{day.isoformat()}"
    return run(send_email, key, deadline_subject(center, now), text, to).state


@app.task(name="fayuan.deadline_reminders")
def deadline_reminders(at: str | None = None) -> int:
    """Each working morning: one `deadline_report` per center. Returns the number of centers."""
    from fayuan.roster.models import Center

    codes = list(Center.objects.order_by("code").values_list("code", flat=True))
    moment = _moment(at).isoformat()
    for code in codes:
        run(deadline_report, code, moment)
    return len(codes)


@app.task(name="fayuan.calendar_reminder")
def calendar_reminder(at: str | None = None) -> int:
    """Daily: the officers and the director of each center are told, once a year, that next
    year's holiday arrangement is missing. Returns the number of reminders sent."""
    from fayuan.holidays.actions import remind_next_year

    return len(remind_next_year(_moment(at) if at else None))


@app.task(name="fayuan.purge_drafts")
def purge_drafts() -> int:
    """Daily: online application drafts past their 30 days are deleted with their files and
    consents (个人信息保护法第十九条: kept no longer than needed). Returns the number deleted."""
    from fayuan.apply.drafts import purge_expired

    return purge_expired()


@app.task(name="fayuan.refresh_quality")
def refresh_quality() -> int:
    """Daily: every center's quality scores (第九条) computed again, as records leave the
    trailing window (`quality.window_days`). Returns the number of scores that changed."""
    from fayuan.roster.models import Center
    from fayuan.supervision.actions import do_refresh_quality

    return sum(len(do_refresh_quality(center)) for center in Center.objects.order_by("pk"))


@app.task(name="fayuan.recompute_provisional_deadlines", **RETRYING)
def recompute_provisional_deadlines(self: Task[Any, Any], actor_id: int | None, key: str) -> int:
    """Every provisional deadline counted again after a year's arrangement was entered (once per
    entry: `key`), with its audit events, in one transaction. Returns the cases recomputed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    from fayuan.holidays import actions

    user = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    actor = user or AnonymousUser()
    with transaction.atomic():
        try:
            with transaction.atomic():
                TaskKey.objects.create(
                    key=key,
                    kind=Kind.task,
                    status=KeyStatus.done,
                    attempts=1,
                    claimed_at=timezone.now(),
                    done_at=timezone.now(),
                )
        except IntegrityError:
            return 0  # this entry's recompute has run
        return len(actions.recompute_provisional_deadlines(actor))
