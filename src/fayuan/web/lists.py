"""Every list page the same way: a django-filter form (search, category, status, institution,
locality, dates, overdue), pages of 25, and the same rows as an Excel workbook (?export=xlsx).
A list shows masked personal data only; the workbook is what the page shows, nothing more."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook
from openpyxl.styles import Font

from fayuan.web.ui import page, page_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 10_000  # a workbook of a whole district's year, not of a million rows


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], object]
    # The cell's link on the page (the case page, mostly); the workbook has the text only.
    link: Callable[[Any], str] | None = None
    # A cell shown in red (overdue).
    alert: Callable[[Any], bool] | None = None


def _cells(row: Any, columns: Sequence[Column]) -> list[dict[str, Any]]:
    return [
        {
            "text": "" if (v := c.value(row)) is None else v,
            "link": c.link(row) if c.link else "",
            "alert": bool(c.alert(row)) if c.alert else False,
        }
        for c in columns
    ]


def workbook(title: str, columns: Sequence[Column], rows: Any) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([str(v) if (v := c.value(row)) is not None else "" for c in columns])
    for i, c in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(10, len(c.header) * 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def list_page(
    request: HttpRequest,
    *,
    title: str,
    rows: QuerySet[Any],
    columns: Sequence[Column],
    filterset: type[django_filters.FilterSet] | None = None,
    template: str = "web/list.html",
    extra: dict[str, Any] | None = None,
    filename: str = "",
) -> HttpResponse:
    filters = None
    if filterset is not None:
        filters = filterset(request.GET or None, queryset=rows, request=request)
        if filters.is_bound and filters.is_valid():
            rows = filters.qs
        elif filters.is_bound:
            rows = rows.none()
    if request.GET.get("export") == "xlsx":
        content = workbook(title, columns, rows[:EXPORT_LIMIT])
        response = HttpResponse(content, content_type=XLSX)
        name = f"{filename or title}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
        return response
    current = page_of(rows, request)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": title,
        "filters": filters,
        "headers": [c.header for c in columns],
        "rows": [_cells(r, columns) for r in current.object_list],
        "page_obj": current,
        "query": query.urlencode(),
        "export_query": (query.urlencode() + "&" if query else "") + "export=xlsx",
        **(extra or {}),
    }
    return page(request, template, context)
