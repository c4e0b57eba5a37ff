"""Cases in the Django admin: a window on what the actions wrote (intake and every step go
through the actions and the API, which check the rules and write the audit log).

The admin asks the same questions as the API (`fayuan.accounts.access`): a staff member lists
the cases `visible_cases` gives them, and a case's page shows its parties unmasked only to whom
`may_see_personal_data` allows, masked the API's way (`fayuan.api.serializers.party`) for
everyone else (an institution or a replaced lawyer after the case moved on, the superuser); each
unmasked view is the same audit event as the API's. Personal data is never in a list."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fayuan.accounts.access import may_see_personal_data, visible_cases
from fayuan.accounts.admin import ReadOnlyAdmin
from fayuan.accounts.admin_scope import OwnCenterFilters
from fayuan.api.serializers import party as party_view
from fayuan.cases.models import Case, Party
from fayuan.workflow.actions import record_personal_data_view
from fayuan.workflow.deadlines import WAITING, format_time_left

if TYPE_CHECKING:
    _PartyInline = admin.TabularInline[Party, Case]
else:
    _PartyInline = admin.TabularInline


MASKED_TEXT = "（个人信息已遮蔽）"


def _masked(case: Case | None) -> bool:
    """Set by `CaseAdmin.get_object` for this request; masked unless it said otherwise."""
    return case is None or getattr(case, "personal_data_masked", True)


def _shown(p: Party) -> dict[str, Any]:
    return getattr(p, "shown", None) or party_view(p, masked=True)


class PartyInline(_PartyInline):
    """The parties as the API shows them to this user (`fayuan.api.serializers.party`)."""

    model = Party
    extra = 0
    can_delete = False
    fields = (
        "role",
        "is_applicant",
        "shown_name",
        "shown_id_number",
        "shown_phone",
        "shown_address",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        masked = _masked(obj)

        class Shown(formset):  # type: ignore[misc, valid-type]
            def _construct_form(self, i: int, **kw: Any) -> Any:
                form = super()._construct_form(i, **kw)
                form.instance.shown = party_view(form.instance, masked)
                return form

        return Shown

    @admin.display(description="姓名")
    def shown_name(self, p: Party) -> str:
        return str(_shown(p)["name"])

    @admin.display(description="身份证号")
    def shown_id_number(self, p: Party) -> str:
        return str(_shown(p)["id_number"])

    @admin.display(description="电话")
    def shown_phone(self, p: Party) -> str:
        return str(_shown(p)["phone"])

    @admin.display(description="地址")
    def shown_address(self, p: Party) -> str:
        return str(_shown(p)["address"])


def scoped(request: HttpRequest, queryset: QuerySet[Any], case_path: str = "") -> QuerySet[Any]:
    """`queryset` narrowed to the cases the user may see (the superuser sees everything)."""
    if request.user.is_superuser:
        return queryset
    cases = visible_cases(request.user).values("pk")
    return queryset.filter(**{f"{case_path}__in" if case_path else "pk__in": cases})


@admin.register(Case)
class CaseAdmin(OwnCenterFilters, ReadOnlyAdmin):
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
                    "shown_summary",
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
                    "shown_wishes",
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

    @admin.display(description="案情摘要")
    def shown_summary(self, case: Case) -> str:
        # Free text naming the parties: personal data like their names.
        return MASKED_TEXT if _masked(case) and case.summary else case.summary

    @admin.display(description="受援人意愿")
    def shown_wishes(self, case: Case) -> str:
        return MASKED_TEXT if _masked(case) and case.wishes else case.wishes

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        return scoped(request, super().get_queryset(request))

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        case = super().get_object(request, object_id, from_field)
        if case is not None:
            case.personal_data_masked = not may_see_personal_data(request.user, case)
        return case

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
            if case is not None and may_see_personal_data(request.user, case):
                # Every unmasked view of a case's personal data is an event, as in the API.
                record_personal_data_view(
                    request.user, case, "管理后台：案件详情（当事人姓名、身份证号、电话、住址）"
                )
        return response
