"""The online application's public pages (第七条: 线上申请); included by fayuan.urls. No URL
carries personal data: a step is `/apply/step/<n>/`, the draft is named by a cookie."""

from __future__ import annotations

from django.urls import URLPattern, path

from fayuan.apply import views

urlpatterns: list[URLPattern] = [
    path("apply/", views.start, name="apply_start"),
    path("apply/privacy/", views.privacy, name="apply_privacy"),
    path("apply/consent/", views.consent, name="apply_consent"),
    path("apply/step/<int:n>/", views.step, name="apply_step"),
    path("apply/code/", views.new_code, name="apply_new_code"),
    path("apply/resume/", views.resume, name="apply_resume"),
    path("apply/abandon/", views.abandon, name="apply_abandon"),
    path("apply/done/", views.receipt, name="apply_receipt"),
]
