from django.contrib import admin
from django.urls import path

from fayuan.api import api
from fayuan.web.views import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", home, name="home"),
]
