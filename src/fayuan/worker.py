"""The Celery application: background work with Redis as the broker (`FAYUAN_BROKER_URL`).

    fayuan worker        # = celery -A fayuan.worker worker (the tasks of fayuan.tasks)
    fayuan beat          # = celery -A fayuan.worker beat (BEAT_SCHEDULE below)

Configured from Django's settings (the `CELERY_*` names in fayuan.settings). Without a broker
(the embedded demo, the tests) nothing here runs a process: `fayuan.tasks.run` executes each
task inline instead.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fayuan.settings")

app = Celery("fayuan", include=["fayuan.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")

#: In code, not in the database: every installation reminds at the same hours (Beijing time).
#: The deadline task runs every morning and sends only on working days (make-up Saturdays
#: included, holidays not), which the crontab cannot know.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "deadline-reminders": {
        "task": "fayuan.deadline_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    "next-year-calendar-reminder": {
        "task": "fayuan.calendar_reminder",
        "schedule": crontab(hour=9, minute=0),
    },
    "purge-expired-drafts": {
        "task": "fayuan.purge_drafts",
        "schedule": crontab(hour=3, minute=15),
    },
    "refresh-quality-scores": {
        "task": "fayuan.refresh_quality",
        "schedule": crontab(hour=2, minute=30),
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE


@setup_logging.connect
def _django_logging(**kwargs: Any) -> None:
    """Keep Django's LOGGING (JSON lines, masking) instead of Celery's own handlers."""


_tokens: dict[str, Any] = {}


@task_prerun.connect
def _task_started(task_id: str = "", task: Task[Any, Any] | None = None, **kwargs: Any) -> None:
    from fayuan.logs import request_id

    if task is not None and not task.request.is_eager:  # inline: keep the request's id
        _tokens[task_id] = request_id.set(f"task-{task_id}")


@task_postrun.connect
def _task_finished(task_id: str = "", **kwargs: Any) -> None:
    from fayuan.logs import request_id

    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)
