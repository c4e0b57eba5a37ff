"""The applicant's status pages (`fayuan.status.views`); included by fayuan.urls."""

from __future__ import annotations

from django.urls import URLPattern, path

from fayuan.status import views

urlpatterns: list[URLPattern] = [
    path("status/", views.lookup_page, name="status_lookup"),
    path("status/code/", views.code_page, name="status_code"),
    path("status/case/", views.case_page, name="status_case"),
    path("status/case/letter.pdf", views.letter, name="status_letter"),
    path("status/end/", views.end, name="status_end"),
]
