"""`Cache-Control: no-store` on every dynamic response: case details, documents, the admin's
case pages and the deadline lists all carry personal data, and neither a shared cache nor the
browser's disk cache may keep them. Static files (served before this middleware) are exempt."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static = "/" + str(settings.STATIC_URL or "static/").lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(self.static):
            patch_cache_control(response, no_store=True, private=True)
        return response
