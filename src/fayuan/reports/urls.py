"""The reports' pages: the bureau's desk (/reports/) and the public figures (/figures/)."""

from django.urls import path

from fayuan.reports import views

urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/<str:kind>/", views.report_file, name="report_file"),
    path("figures/", views.public_figures, name="public_figures"),
]
