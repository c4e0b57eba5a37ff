"""The audit log in the Django admin: read-only for everyone, the superuser included (the log is
append-only; `fayuan audit verify` checks the chain)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from fayuan.accounts.access import visible_audit_events
from fayuan.accounts.admin import ReadOnlyAdmin
from fayuan.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_label", "action", "object")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "action", "object_id")
    date_hierarchy = "at"
    ordering = ("-seq",)
    fields = (
        "seq",
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "case_id_ref",
        "data",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        """Several centers share the chain: each sees the events of its own cases and staff."""
        return visible_audit_events(request.user, super().get_queryset(request))

    @admin.display(description="对象", ordering="object_type")
    def object(self, event: AuditEvent) -> str:
        return f"{event.object_type}#{event.object_id}" if event.object_id else event.object_type
