from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fayuan.api import api
from fayuan.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Every role signs in here; the admin's own login admits staff users only.
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # For the load balancer and monitoring: no login, no personal data (fayuan.health).
    path("healthz", healthz, name="healthz"),
    # The public side: apply, follow the case, the published roster, workstations.
    path("", include("fayuan.apply.urls")),
    path("", include("fayuan.status.urls")),
    path("", include("fayuan.workstations.urls")),
    path("", include("fayuan.abuse.urls")),
    path("", include("fayuan.reports.urls")),
    path("", include("fayuan.supervision.urls")),
    # The staff pages (fayuan.web.urls), last: their patterns start at the root.
    path("", include("fayuan.web.urls")),
]

# Every error in Chinese: the API's JSON shape under /api/, a plain page elsewhere
# (`fayuan.api.guard`; with DEBUG on, Django shows its own pages outside /api/).
handler400 = "fayuan.api.guard.bad_request"
handler403 = "fayuan.api.guard.permission_denied"
handler404 = "fayuan.api.guard.page_not_found"
handler500 = "fayuan.api.guard.server_error"
