"""Staff, judicial organs, API tokens and declarations in the Django admin.

Every save or delete here appends an audit event in the same transaction (`AuditedAdmin`). A
token's secret is never stored: the admin shows its digest, and the "issue a token" action on a
staff member shows the new token once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from fayuan.accounts.admin_scope import OwnCenterAdmin
from fayuan.accounts.models import ApiToken, DeclaredPerson, JudicialOrgan, StaffProfile
from fayuan.audit.admin_base import AuditedAdmin
from fayuan.audit.log import record
from fayuan.identity import IdNumberError, clean_id_number
from fayuan.security.admin_ids import WriteOnlyIdNumberAdmin

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin

# The admin's titles, in Chinese (the default "Django 站点管理员" names a product, not ours).
admin.site.site_header = "法援指派管理后台"
admin.site.site_title = "法援指派管理后台"
admin.site.index_title = "数据管理"


class IdNumberForm(forms.ModelForm):  # type: ignore[type-arg]
    """A staff member's or a declared person's ID number in its one form (第八条: the recusal
    match compares it with the parties'): normalised (`normalize_id_number`) and checked."""

    def clean_id_number(self) -> str:
        try:
            return clean_id_number(self.cleaned_data.get("id_number"))
        except IdNumberError as exc:
            raise forms.ValidationError(f"身份证号码无效：{exc.reason}。") from None


class ReadOnlyAdmin(_ModelAdmin):
    """A window on records the actions write (and the audit log records): nobody adds, changes
    or deletes them here, whatever their permissions."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(JudicialOrgan)
class JudicialOrganAdmin(OwnCenterAdmin, AuditedAdmin):
    list_display = ("name", "kind", "center")
    list_filter = ("center", "kind")
    search_fields = ("name",)


@admin.register(StaffProfile)
class StaffProfileAdmin(OwnCenterAdmin, WriteOnlyIdNumberAdmin, AuditedAdmin):
    form = IdNumberForm
    # The ID number is personal data: never in the list, masked and write-only on the detail
    # page (`WriteOnlyIdNumberAdmin`).
    list_display = ("full_name", "user", "role", "center", "institution", "organ", "email")
    list_filter = ("center", "role")
    search_fields = ("full_name", "user__username", "email")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "center", "institution", "organ")
    actions = ["issue_token"]

    @admin.action(description="签发 API 令牌（仅显示一次）")
    def issue_token(self, request: HttpRequest, queryset: QuerySet[StaffProfile]) -> None:
        with transaction.atomic():
            for profile in queryset.select_related("user"):
                raw = ApiToken.new_raw()
                token = ApiToken.objects.create(
                    user=profile.user,
                    name="管理后台签发",
                    prefix=raw[:8],
                    digest=ApiToken.hash(raw),
                )
                record(request.user, "admin.issue_token", token, data={"user": profile.user_id})
                self.message_user(
                    request,
                    f"{profile.full_name}（{profile.user.get_username()}）的 API 令牌：{raw}"
                    "——请立即复制，之后不再显示。",
                    messages.WARNING,
                )


@admin.register(ApiToken)
class ApiTokenAdmin(OwnCenterAdmin, ReadOnlyAdmin):
    center_path = "user__profile__center"
    list_display = ("user", "name", "prefix", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    fields = ("user", "name", "prefix", "digest", "created_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Only for the revoke action (a list action needs the change permission); the form
        # itself stays read-only through `readonly_fields`.
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description="吊销所选令牌", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        now = timezone.now()
        with transaction.atomic():
            for token in queryset.filter(revoked_at__isnull=True):
                token.revoked_at = now
                token.save(update_fields=["revoked_at"])
                record(request.user, "admin.revoke_token", token, data={"user": token.user_id})


@admin.register(DeclaredPerson)
class DeclaredPersonAdmin(OwnCenterAdmin, WriteOnlyIdNumberAdmin, AuditedAdmin):
    center_path = "user__profile__center"
    form = IdNumberForm
    # 第八条 declarations; the ID number never in the list, masked and write-only on the page.
    list_display = ("user", "kind", "name", "relation", "declared_at")
    list_filter = ("kind", "relation")
    search_fields = ("user__username", "name")
    autocomplete_fields = ("user",)
