"""`Server-Timing: app;dur=<ms>` on every response: the time the application took for it, from
this middleware to the response (the browser tests and `benchmarks/page_times.py` read it; a
browser's developer tools show it). Installed right after the request id, so it spans the
rest of the middleware and the view."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

HEADER = "Server-Timing"


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        timing = f"app;dur={elapsed:.1f}"
        existing = response.get(HEADER)
        response[HEADER] = f"{existing}, {timing}" if existing else timing
        return response
