"""The roster in the Django admin. Every save or delete here appends an audit event in the same
transaction; an institution's status is changed only through `do_set_institution_status`, with a
reason, from the institution's change form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

from fayuan.accounts.admin_scope import OwnCenterAdmin
from fayuan.audit.admin_base import AuditedAdmin
from fayuan.roster.actions import do_set_institution_status
from fayuan.roster.models import (
    Center,
    Institution,
    InstitutionStatus,
    InstitutionStatusChange,
    Locality,
    Practitioner,
    Workstation,
)

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _StatusInline = admin.TabularInline[InstitutionStatusChange, Institution]
    _InstitutionFormBase = forms.ModelForm[Institution]
else:
    _ModelAdmin = admin.ModelAdmin
    _StatusInline = admin.TabularInline
    _InstitutionFormBase = forms.ModelForm


@admin.register(Center)
class CenterAdmin(OwnCenterAdmin, AuditedAdmin):
    center_path = ""  # a center is its own
    list_display = ("code", "name", "notice_prefix", "policy", "phone")
    search_fields = ("code", "name")


@admin.register(Locality)
class LocalityAdmin(OwnCenterAdmin, AuditedAdmin):
    list_display = ("name", "center")
    list_filter = ("center",)
    search_fields = ("name",)


@admin.register(Workstation)
class WorkstationAdmin(OwnCenterAdmin, AuditedAdmin):
    list_display = ("name", "locality", "center")
    list_filter = ("center",)
    search_fields = ("name", "locality__name")


class StatusChangeInline(_StatusInline):
    model = InstitutionStatusChange
    extra = 0
    can_delete = False
    fields = ("at", "status", "reason", "by")
    readonly_fields = fields
    ordering = ("-at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class InstitutionForm(_InstitutionFormBase):
    new_status = forms.ChoiceField(
        label="变更状态",
        choices=[("", "（不变更）"), *InstitutionStatus.choices],
        required=False,
    )
    status_reason = forms.CharField(
        label="变更原因", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Institution
        fields = ["center", "code", "name", "kind", "locality", "sequence", "address", "phone"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new = data.get("new_status")
        if new:
            if not (data.get("status_reason") or "").strip():
                self.add_error("status_reason", "变更机构状态必须填写原因")
            current = self.instance.status if self.instance.pk else InstitutionStatus.active
            if new == current:
                self.add_error("new_status", "机构已是该状态")
        return data


@admin.register(Institution)
class InstitutionAdmin(OwnCenterAdmin, AuditedAdmin):
    form = InstitutionForm
    list_display = ("code", "name", "kind", "locality", "sequence", "status")
    list_filter = ("center", "kind", "status", "locality")
    search_fields = ("code", "name", "locality__name")
    readonly_fields = ("status",)
    inlines = [StatusChangeInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            new = form.cleaned_data.get("new_status")
            if new:  # the form has checked the reason and the current status
                reason = form.cleaned_data.get("status_reason", "")
                do_set_institution_status(obj, new, reason, request.user)


@admin.register(Practitioner)
class PractitionerAdmin(OwnCenterAdmin, AuditedAdmin):
    list_display = (
        "code",
        "name",
        "institution",
        "kind",
        "licensed_on",
        "criminal_defense_cases",
        "status",
    )
    list_filter = ("center", "kind", "status", "institution")
    search_fields = ("code", "name", "licence_number", "institution__name", "institution__code")
    autocomplete_fields = ("institution",)
