"""(Being built.) The public pages of this part; included by fayuan.urls."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
