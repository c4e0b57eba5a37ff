from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "fayuan.reports"
    label = "reports"
    verbose_name = "统计报表"

    def ready(self) -> None:
        # The report task registers itself with the worker's Celery app (fayuan.worker) when
        # Django starts, in the web process and in `fayuan worker` alike.
        from fayuan.reports import tasks  # noqa: F401
