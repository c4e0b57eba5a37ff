"""Who is calling: a bearer token (judicial organs, integrations) or the staff's browser session.

A token is looked up by the SHA-256 digest of what the caller sends; only the digest is stored
(`ApiToken`). A session request that changes anything must carry Django's CSRF token
(ninja's `SessionAuth(csrf=True)`); a bearer request needs none, since a browser never sends the
header on its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from fayuan.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer fy_…`: an unrevoked token of an active user."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        token = token.strip()
        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.filter(digest=ApiToken.hash(token), revoked_at__isnull=True)
            .select_related("user")
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        # The actions take `request.user` as the actor, whichever way the caller came in.
        request.user = row.user
        return row.user


class StaffSession(SessionAuth):
    """The staff's Django session (the admin login), with the CSRF check on unsafe methods."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a logged-in session there is nothing for a forged request to ride on: answer
        # 401 (log in), not a CSRF failure. With one, ninja checks the CSRF token first.
        if not request.user.is_authenticated:
            return None
        key: str | None = super()._get_key(request)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


token_auth = TokenAuth()
session_auth = StaffSession(csrf=True)

#: Every endpoint accepts either; the token is tried first.
API_AUTH = [token_auth, session_auth]
