"""The public roster (点援, 第四条、第九条) and the pages of workstation and liaison staff
(第七条); included by fayuan.urls at the root, without a namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from fayuan.workstations import roster_page, views

urlpatterns: list[URLPattern] = [
    path("lawyers/", roster_page.lawyers, name="lawyers"),
    path("workstation/", views.ws_home, name="ws_home"),
    path("workstation/apply/", views.ws_apply, name="ws_apply"),
]
