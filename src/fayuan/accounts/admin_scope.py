"""Several centers in one installation: the admin shows each staff member their own center only
(`fayuan.accounts.access.own_center_rows`), in the lists, the detail pages, the search and the
filters. Mixins, listed before the admin's own base class."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from fayuan.accounts.access import own_center_rows


class OwnCenterFilters:
    """Related-object filters offer only the values present in the rows the user may see (a
    plain "center" or "institution" filter would list every center's): the center filter is
    left out for staff, who see one center."""

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return filters
        model = self.model  # type: ignore[attr-defined]
        narrowed: list[Any] = []
        for item in filters:
            if isinstance(item, str) and "__" not in item:
                field = model._meta.get_field(item)
                if field.is_relation:
                    if item == "center":
                        continue
                    item = (item, admin.RelatedOnlyFieldListFilter)
            narrowed.append(item)
        return narrowed


class OwnCenterAdmin(OwnCenterFilters):
    """Rows of the user's own center only; `center_path` leads from a row to its center."""

    center_path = "center"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)  # type: ignore[misc]
        return own_center_rows(request.user, rows, self.center_path)
