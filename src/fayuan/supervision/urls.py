"""The supervision pages; included by fayuan.urls before the staff pages' own patterns."""

from __future__ import annotations

from django.urls import URLPattern, path

from fayuan.supervision import quality_views, views

urlpatterns: list[URLPattern] = [
    path("complaint/", views.public_complaint, name="sv_public_complaint"),
    path("quality/reviews/", views.reviews, name="sv_reviews"),
    path("quality/reviews/<int:pk>/", views.review_round, name="sv_round"),
    path("quality/review/<int:pk>/", views.review_score, name="sv_review"),
    path("quality/practitioners/", views.practitioners, name="sv_practitioners"),
    path("quality/scores/", quality_views.scores, name="sv_quality"),
    path(
        "quality/scores/practitioner/<str:code>/",
        quality_views.practitioner_score,
        name="sv_quality_practitioner",
    ),
    path(
        "quality/scores/institution/<str:code>/",
        quality_views.institution_score,
        name="sv_quality_institution",
    ),
    path(
        "quality/advice/<int:pk>/<str:kind>/",
        quality_views.advice_file,
        name="sv_quality_advice_file",
    ),
    path("quality/visits/", views.visits, name="sv_visits"),
    path("quality/cases/<str:number>/", views.case_quality, name="sv_case"),
    path("quality/complaints/", views.complaints, name="sv_complaints"),
    path("quality/complaints/new/", views.complaint_new, name="sv_complaint_new"),
    path("quality/complaints/<int:pk>/", views.complaint, name="sv_complaint"),
]
