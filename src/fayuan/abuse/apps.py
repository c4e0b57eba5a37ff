from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "fayuan.abuse"
    label = "abuse"
    verbose_name = "防滥用"

    def ready(self) -> None:
        # A RateLimited raised in an API operation: 429 in the API's shape (ninja looks its
        # handlers up along the exception's classes, so this one wins over ActionError's).
        from typing import Any

        from django.http import HttpRequest, HttpResponse

        from fayuan.abuse.limits import RateLimited
        from fayuan.abuse.middleware import too_many
        from fayuan.api import api

        def on_rate_limited(request: HttpRequest, exc: Any) -> HttpResponse:
            return too_many(request, exc)

        api.add_exception_handler(RateLimited, on_rate_limited)
