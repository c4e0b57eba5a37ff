"""The assignment workflow in the Django admin, read-only: proposals, approvals, assignments,
handlers, handler changes, recusals and rotation credits are written by the actions
(`fayuan.workflow.actions`), which check the rules, keep notice numbers and rotation exact and
write the audit log. A staff member sees the records of the cases their role may see."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from fayuan.accounts.access import profile_of
from fayuan.accounts.admin import ReadOnlyAdmin
from fayuan.accounts.admin_scope import OwnCenterFilters
from fayuan.cases.admin import scoped
from fayuan.workflow.models import (
    Approval,
    Assignment,
    EngineProposal,
    Handler,
    HandlerChange,
    OfficerProposal,
    Recusal,
    RotationCredit,
)


class CaseScopedAdmin(OwnCenterFilters, ReadOnlyAdmin):
    """Only the records of cases the user may see (`visible_cases`)."""

    case_path = "case"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scoped(request, super().get_queryset(request), self.case_path)


@admin.register(EngineProposal)
class EngineProposalAdmin(CaseScopedAdmin):
    list_display = ("case", "created_at", "status", "rule", "institution", "route", "due_at")
    list_filter = ("status", "rule", "route")
    search_fields = ("case__number",)
    list_select_related = ("case", "institution")
    fields = (
        "case",
        "created_at",
        "policy",
        "status",
        "rule",
        "institution",
        "route",
        "handlers_required",
        "due_at",
        "explanation",
        "decision",
        "rotation_before",
        "rotation_after",
    )


@admin.register(OfficerProposal)
class OfficerProposalAdmin(CaseScopedAdmin):
    list_display = ("case", "officer", "institution", "differs_from_engine", "route", "status")
    list_filter = ("status", "route", "differs_from_engine")
    search_fields = ("case__number",)
    list_select_related = ("case", "officer", "institution")


@admin.register(Approval)
class ApprovalAdmin(CaseScopedAdmin):
    case_path = "proposal__case"
    list_display = ("proposal", "step", "actor", "approved", "at")
    list_filter = ("step", "approved")
    search_fields = ("proposal__case__number", "document_number")
    list_select_related = ("proposal", "proposal__case", "actor")


@admin.register(Assignment)
class AssignmentAdmin(CaseScopedAdmin):
    list_display = (
        "notice_number",
        "case",
        "institution",
        "rule",
        "issued_at",
        "due_at",
        "late",
        "current",
    )
    list_filter = ("late", "current", "rule", "notice_year")
    search_fields = ("notice_number", "case__number")
    list_select_related = ("case", "institution")


@admin.register(Handler)
class HandlerAdmin(CaseScopedAdmin):
    list_display = ("case", "practitioner", "assignment", "named_at", "active")
    list_filter = ("active",)
    search_fields = ("case__number", "practitioner__name", "practitioner__code")
    list_select_related = ("case", "practitioner", "assignment")


@admin.register(HandlerChange)
class HandlerChangeAdmin(CaseScopedAdmin):
    list_display = ("case", "number", "mode", "consent", "status", "route", "requested_at")
    list_filter = ("status", "mode", "route")
    search_fields = ("case__number",)
    list_select_related = ("case",)


@admin.register(Recusal)
class RecusalAdmin(CaseScopedAdmin):
    list_display = ("case", "staff", "flagged_by_system", "decider_body", "status", "created_at")
    list_filter = ("status", "flagged_by_system", "decider_body")
    search_fields = ("case__number", "staff__username")
    list_select_related = ("case", "staff")


@admin.register(RotationCredit)
class RotationCreditAdmin(OwnCenterFilters, ReadOnlyAdmin):
    list_display = ("institution", "credit", "center")
    list_filter = ("center",)
    ordering = ("center", "institution__sequence")
    list_select_related = ("institution", "center")
    readonly_fields = ("center", "institution", "credit")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RotationCredit]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        profile = profile_of(request.user)
        return rows.filter(center_id=profile.center_id) if profile else rows.none()
