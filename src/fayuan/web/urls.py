"""The staff pages, one module per area (each with its `urlpatterns`), under the "web" namespace."""

from __future__ import annotations

from django.urls import path

from fayuan.web import cases_pages, director, institution, officer, organ, supervision, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("cases/", cases_pages.case_list, name="cases"),
    path("cases/<str:number>/", cases_pages.case_page, name="case"),
    path("cases/<str:number>/reveal/", cases_pages.case_reveal, name="case_reveal"),
    path("cases/<str:number>/documents/<int:pk>/", cases_pages.case_document, name="case_document"),
    *officer.urlpatterns,
    *director.urlpatterns,
    *institution.urlpatterns,
    *organ.urlpatterns,
    *supervision.urlpatterns,
]
