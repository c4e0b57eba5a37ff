"""The pages of this part; included by fayuan.urls (before the staff pages' own patterns)."""

from __future__ import annotations

from django.urls import URLPattern, path

from fayuan.abuse import views

urlpatterns: list[URLPattern] = [
    path("cases/<str:number>/screening/", views.screening_page, name="case_screening"),
]
