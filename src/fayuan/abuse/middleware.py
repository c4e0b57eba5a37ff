"""RateLimited as an HTTP 429, and the public pages' own limit on every form they receive.

`AbuseMiddleware` (after `fayuan.api.guard`'s, before sessions, CSRF and the views):

* a POST to a public path (FAYUAN_PUBLIC_PREFIXES: /apply/, /status/, /lawyers/) is counted per
  client address (FAYUAN_PUBLIC_POST_LIMIT in FAYUAN_PUBLIC_POST_WINDOW seconds); over it, the
  429 answers before a session, a form or the database's tables are read, so a flood costs one
  counter query per request and never reaches the work behind the form;
* `RateLimited` raised by any view (the views' own, narrower limits: `limits.per_ip`,
  `limits.per_phone`) becomes the same answer: under /api/ the API's JSON shape
  `{"error": "rate_limited", "field": null, "message": …}`, elsewhere a plain Chinese page;
  both with `Retry-After` (seconds).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from fayuan.abuse.limits import RateLimited, per_ip
from fayuan.api.guard import is_api

PUBLIC_PREFIXES = ("/apply/", "/status/", "/lawyers/")


def too_many(request: HttpRequest, refused: RateLimited) -> HttpResponse:
    """The 429 answer to `refused`."""
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(
            refused.as_dict(), status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        page = render_to_string(
            "abuse/429.html", {"message": refused.message, "title": "操作过于频繁"}
        )
        response = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(refused.retry_after)
    return response


def public_prefixes() -> tuple[str, ...]:
    return tuple(getattr(settings, "FAYUAN_PUBLIC_PREFIXES", PUBLIC_PREFIXES))


class AbuseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path.startswith(public_prefixes()):
            try:
                per_ip(
                    request,
                    "public.post",
                    int(getattr(settings, "FAYUAN_PUBLIC_POST_LIMIT", 60)),
                    int(getattr(settings, "FAYUAN_PUBLIC_POST_WINDOW", 600)),
                )
            except RateLimited as refused:
                return too_many(request, refused)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many(request, exception)
        return None
