"""Supervision and quality in the Django admin, read-only: every row is written by an action of
`fayuan.supervision.actions` (with its audit event). A staff member sees the rows of their own
center and of the cases their role may see."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from fayuan.accounts.access import own_center_rows
from fayuan.accounts.admin import ReadOnlyAdmin
from fayuan.accounts.admin_scope import OwnCenterFilters
from fayuan.cases.admin import scoped
from fayuan.supervision.models import (
    Complaint,
    CourtAttendance,
    FileReview,
    OrganOpinion,
    ReturnVisit,
    ReviewRound,
    VisitAttempt,
)


class _CaseScoped(OwnCenterFilters, ReadOnlyAdmin):
    case_path = "case"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scoped(request, super().get_queryset(request), self.case_path)


@admin.register(ReviewRound)
class ReviewRoundAdmin(OwnCenterFilters, ReadOnlyAdmin):
    list_display = ("period_start", "period_end", "seed", "share", "population", "drawn_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return own_center_rows(request.user, super().get_queryset(request), "center")


@admin.register(FileReview)
class FileReviewAdmin(_CaseScoped):
    list_display = ("case", "reviewer", "status", "total", "grade", "second_of", "scored_at")
    list_filter = ("status", "grade")
    search_fields = ("case__number",)
    list_select_related = ("case", "reviewer")


@admin.register(ReturnVisit)
class ReturnVisitAdmin(_CaseScoped):
    list_display = ("case", "status", "satisfaction", "closed_at")
    list_filter = ("status",)
    search_fields = ("case__number",)


@admin.register(VisitAttempt)
class VisitAttemptAdmin(_CaseScoped):
    case_path = "visit__case"
    list_display = ("visit", "at", "method", "outcome")
    list_filter = ("method", "outcome")


@admin.register(OrganOpinion)
class OrganOpinionAdmin(_CaseScoped):
    list_display = ("case", "organ", "rating", "at")
    list_filter = ("rating",)
    search_fields = ("case__number",)


@admin.register(CourtAttendance)
class CourtAttendanceAdmin(_CaseScoped):
    list_display = ("case", "attended_on", "court", "by")
    search_fields = ("case__number",)


@admin.register(Complaint)
class ComplaintAdmin(OwnCenterFilters, ReadOnlyAdmin):
    list_display = ("pk", "received_at", "channel", "case_number", "status", "due_at")
    list_filter = ("status", "channel")
    search_fields = ("case_number",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return own_center_rows(request.user, super().get_queryset(request), "center")
