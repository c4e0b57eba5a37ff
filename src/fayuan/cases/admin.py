"""Cases in the Django admin: a window on what the actions wrote (intake and every step go
through the actions and the API, which check the rules and write the audit log).

Personal data (ID numbers, phones, addresses) is never in a list; a case's detail page shows its
parties, and each such view is an audit event. A staff member sees only the cases their role may
see (`fayuan.accounts.access.visible_cases`)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fayuan.accounts.access import visible_cases
from fayuan.accounts.admin import ReadOnlyAdmin
from fayuan.cases.models import Case, Party
from fayuan.workflow.actions import record_personal_data_view
from fayuan.workflow.deadlines import WAITING, format_time_left

if TYPE_CHECKING:
    _PartyInline = admin.TabularInline[Party, Case]
else:
    _PartyInline = admin.TabularInline


class PartyInline(_PartyInline):
    model = Party
    extra = 0
    can_delete = False
    fields = ("role", "is_applicant", "name", "id_number", "phone", "address")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def scoped(request: HttpRequest, queryset: QuerySet[Any], case_path: str = "") -> QuerySet[Any]:
    """`queryset` narrowed to the cases the user may see (the superuser sees everything)."""
    if request.user.is_superuser:
        return queryset
    cases = visible_cases(request.user).values("pk")
    return queryset.filter(**{f"{case_path}__in" if case_path else "pk__in": cases})


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "category",
        "status",
        "due_at",
        "due_provisional",
        "time_left",
        "institution",
        "locality",
        "source",
    )
    list_filter = ("status", "category", "source", "center")
    search_fields = ("number", "letter_number")
    date_hierarchy = "created_at"
    list_select_related = ("institution", "locality")
    inlines = [PartyInline]
    fieldsets = [
        (
            "案件",
            {
                "fields": (
                    "center",
                    "number",
                    "category",
                    "source",
                    "status",
                    "summary",
                    "locality",
                    "specialty",
                    "aided_persons",
                )
            },
        ),
        ("申请（第七条）", {"fields": ("channel", "workstation", "helped_by_institution")}),
        ("通知公函（第六条）", {"fields": ("organ", "letter_number", "letter_received_at")}),
        (
            "案件情形（第五、十一条）",
            {
                "fields": (
                    "social_impact",
                    "major_difficult",
                    "life_sentence_possible",
                    "stability_risk",
                )
            },
        ),
        (
            "点援与意愿（第四、九条）",
            {
                "fields": (
                    "chosen_institution",
                    "chosen_practitioner",
                    "minor",
                    "wishes",
                    "conflict_institutions",
                    "conflict_practitioners",
                )
            },
        ),
        (
            "期限与指派（第六条）",
            {
                "fields": (
                    "granted_by",
                    "granted_at",
                    "started_at",
                    "due_at",
                    "due_provisional",
                    "local_due_at",
                    "statutory_due_at",
                    "limits_provisional",
                    "time_left",
                    "institution",
                    "assigned_at",
                    "agreement_signed_on",
                    "handler_changes",
                )
            },
        ),
        ("结案", {"fields": ("closed_at", "outcome", "created_by", "created_at")}),
    ]
    readonly_fields = tuple(
        name for _, options in fieldsets for name in options["fields"] if isinstance(name, str)
    )

    @admin.display(description="剩余时间")
    def time_left(self, case: Case) -> str:
        if case.due_at is None or case.status not in WAITING:
            return "—"
        left: timedelta = case.due_at - timezone.now()
        return format_time_left(left)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        return scoped(request, super().get_queryset(request))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            case = self.get_queryset(request).filter(pk=object_id).first()
            if case is not None:
                # Every view of a case's personal data is an event.
                record_personal_data_view(request.user, case, "admin:parties")
        return response
