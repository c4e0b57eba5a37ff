"""Logins, failed logins, lockouts and logouts as audit events. Only the user name, the address
and the page are recorded, never a password (Django has already blanked it in the credentials,
and only `username` is read from them)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out  # type: ignore[import-untyped]
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.http import HttpRequest

from fayuan.audit.log import record


def _where(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")
    return {"ip": str(ip or ""), "path": str(getattr(request, "path", "") or "")[:200]}


def _username(value: Any) -> str:
    return str(value or "")[:150]


def _over_http(request: HttpRequest | None) -> bool:
    """A login made by a request (either login page). A login made in code, with no request
    or Django's bare stand-in (`Client.force_login`, which has no method), is no access."""
    return request is not None and request.method is not None


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if not _over_http(request):
        return
    with transaction.atomic():
        record(user, "auth.login", user, data=_where(request))


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or not _over_http(request):
        return
    with transaction.atomic():
        record(user, "auth.logout", user, data=_where(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    data = {"username": _username(credentials.get("username")), **_where(request)}
    with transaction.atomic():
        record(None, "auth.login_failed", object_type="auth.user", data=data)


def on_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    data = {"username": _username(username), **_where(request)}
    if ip_address:
        data["ip"] = str(ip_address)
    with transaction.atomic():
        record(None, "auth.locked_out", object_type="auth.user", data=data)


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="fayuan.security.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="fayuan.security.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="fayuan.security.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="fayuan.security.locked_out")
