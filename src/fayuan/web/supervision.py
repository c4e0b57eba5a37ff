"""(Being built.) URL patterns of this area of the staff pages; see fayuan.web.urls."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
