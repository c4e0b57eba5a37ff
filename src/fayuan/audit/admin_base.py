"""An admin base class that records each add, change and delete in the audit chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from fayuan.audit.log import record

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class AuditedAdmin(_ModelAdmin):
    """Records each add, change and delete in the audit chain, in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(
                request.user,
                "admin.change" if change else "admin.add",
                obj,
                data={"repr": str(obj), "fields": list(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record(request.user, "admin.delete", obj, data={"repr": str(obj)})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                record(request.user, "admin.delete", obj, data={"repr": str(obj)})
            super().delete_queryset(request, queryset)
