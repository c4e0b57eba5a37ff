"""Forms and filters of the supervision pages: the audit log, the roster, the accounts."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from fayuan.accounts.access import own_center_rows
from fayuan.accounts.account_actions import CREATABLE
from fayuan.accounts.models import JudicialOrgan, Role, StaffProfile
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case
from fayuan.roster.models import (
    Institution,
    InstitutionStatus,
    Locality,
    Practitioner,
    PractitionerStatus,
)
from fayuan.web.describe import ACTION_NAMES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label="操作",
        choices=sorted(ACTION_NAMES.items(), key=lambda kv: kv[1]),
        empty_label="全部",
    )
    actor = django_filters.CharFilter(label="操作人", method="filter_actor")
    case = django_filters.CharFilter(label="案件编号", method="filter_case")
    since = django_filters.DateFilter(
        label="日期自", field_name="at", lookup_expr="date__gte", widget=DATE
    )
    until = django_filters.DateFilter(
        label="至", field_name="at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_actor(
        self, rows: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        """By login name or the person's name."""
        value = value.strip()[:50]
        if not value:
            return rows
        ids = StaffProfile.objects.filter(full_name__icontains=value).values("user_id")
        return rows.filter(Q(actor_label__icontains=value) | Q(actor_id__in=ids))

    def filter_case(
        self, rows: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        value = value.strip()[:40]
        if not value:
            return rows
        return rows.filter(case_id_ref__in=Case.objects.filter(number=value).values("pk"))


class RosterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名、编号或专业", method="search")
    institution = django_filters.ModelChoiceFilter(
        label="承办机构", queryset=Institution.objects.none(), empty_label="全部"
    )
    locality = django_filters.ModelChoiceFilter(
        label="镇街",
        field_name="institution__locality",
        queryset=Locality.objects.none(),
        empty_label="全部",
    )
    institution_status = django_filters.ChoiceFilter(
        label="机构状态",
        field_name="institution__status",
        choices=InstitutionStatus.choices,
        empty_label="全部",
    )
    status = django_filters.ChoiceFilter(
        label="执业状态", choices=PractitionerStatus.choices, empty_label="全部"
    )
    minors_qualified = django_filters.BooleanFilter(
        label="可承办未成年人案件", widget=forms.CheckboxInput, method="filter_minors"
    )

    class Meta:
        model = Practitioner
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["institution"].queryset = own_center_rows(
            user, Institution.objects.order_by("sequence", "code"), "center"
        )
        self.filters["locality"].queryset = own_center_rows(
            user, Locality.objects.order_by("name"), "center"
        )

    def search(self, rows: QuerySet[Practitioner], name: str, value: str) -> QuerySet[Practitioner]:
        value = value.strip()[:50]
        if not value:
            return rows
        return rows.filter(
            Q(name__icontains=value) | Q(code__iexact=value) | Q(specialties__icontains=value)
        )

    def filter_minors(
        self, rows: QuerySet[Practitioner], name: str, value: bool
    ) -> QuerySet[Practitioner]:
        return rows.filter(minors_qualified=True) if value else rows


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="用户名或姓名", method="search")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices, empty_label="全部")
    active = django_filters.ChoiceFilter(
        label="状态",
        field_name="user__is_active",
        choices=[(True, "启用"), (False, "已停用")],
        empty_label="全部",
    )

    class Meta:
        model = StaffProfile
        fields: list[str] = []

    def search(self, rows: QuerySet[StaffProfile], name: str, value: str) -> QuerySet[StaffProfile]:
        value = value.strip()[:50]
        if not value:
            return rows
        return rows.filter(Q(user__username__icontains=value) | Q(full_name__icontains=value))


class PractitionerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.institution.name} {obj.name}（{obj.code}）"


class AccountForm(forms.Form):
    role = forms.ChoiceField(
        label="角色", choices=[(r.value, r.label) for r in CREATABLE], initial=Role.practitioner
    )
    username = forms.RegexField(
        label="用户名",
        max_length=30,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        help_text="登录用，字母、数字或 _ . @ + -。",
        error_messages={"invalid": "用户名只能由字母、数字和 _ . @ + - 组成。"},
    )
    full_name = forms.CharField(label="姓名", max_length=50)
    email = forms.EmailField(label="电子邮箱（可不填）", required=False)
    institution = forms.ModelChoiceField(
        label="承办机构（承办机构管理员）",
        queryset=Institution.objects.none(),
        required=False,
        empty_label="—",
    )
    practitioner = PractitionerChoice(
        label="承办人（承办人账号）",
        queryset=Practitioner.objects.none(),
        required=False,
        empty_label="—",
    )
    organ = forms.ModelChoiceField(
        label="办案机关（办案机关工作人员）",
        queryset=JudicialOrgan.objects.none(),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, center_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institution, practitioner, organ = (
            self.fields["institution"],
            self.fields["practitioner"],
            self.fields["organ"],
        )
        assert isinstance(institution, forms.ModelChoiceField)
        assert isinstance(practitioner, forms.ModelChoiceField)
        assert isinstance(organ, forms.ModelChoiceField)
        institution.queryset = Institution.objects.filter(center_id=center_id).order_by(
            "sequence", "code"
        )
        practitioner.queryset = (
            Practitioner.objects.filter(center_id=center_id, account__isnull=True)
            .select_related("institution")
            .order_by("institution__sequence", "code")
        )
        organ.queryset = JudicialOrgan.objects.filter(center_id=center_id).order_by("name")


class AccountActiveForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, required=False)
