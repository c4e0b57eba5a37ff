"""The report made in the background worker (`fayuan.worker`; inline without a broker, as the
other tasks of `fayuan.tasks`): `make_report` fills one `GeneratedReport` row with its files."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from fayuan.worker import app

log = logging.getLogger(__name__)

#: Under MEDIA_ROOT: reports/<center>/<id>/report-<center>-<period>.{xlsx,pdf}
REPORTS_DIR = "reports"


def parse_period(code: str):  # type: ignore[no-untyped-def]
    from fayuan.reports.figures import Period

    return Period.parse(month=code) if "-" in code else Period.parse(year=code)


@app.task(name="fayuan.make_report")
def make_report(report_id: int) -> str:
    """Compute the figures and write the workbook and the PDF of report `report_id`. Runs once
    per row: a row that is not queued (done, failed, or taken by another worker) is left alone."""
    from fayuan.reports.figures import compute
    from fayuan.reports.models import GeneratedReport, ReportStatus
    from fayuan.reports.output import write_report

    taken = GeneratedReport.objects.filter(pk=report_id, status=ReportStatus.queued).update(
        status=ReportStatus.running
    )
    if not taken:
        return "not queued"
    report = GeneratedReport.objects.select_related("center").get(pk=report_id)
    relative = Path(REPORTS_DIR) / report.center.code / str(report.pk)
    try:
        figures = compute(report.center, parse_period(report.period))
        xlsx, pdf = write_report(figures, Path(settings.MEDIA_ROOT) / relative)
    except Exception as exc:
        log.exception("report %s failed", report_id)
        GeneratedReport.objects.filter(pk=report_id).update(
            status=ReportStatus.failed, error=type(exc).__name__[:300], finished_at=timezone.now()
        )
        return "failed"
    GeneratedReport.objects.filter(pk=report_id).update(
        status=ReportStatus.done,
        xlsx=str(relative / xlsx.name),
        pdf=str(relative / pdf.name),
        finished_at=timezone.now(),
    )
    return "done"
