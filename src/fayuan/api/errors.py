"""Every refusal as one JSON body: `{"error", "field", "message"}` with a 4xx status.

* `ActionError` (the actions' refusals) keeps its kind: invalid 400, forbidden 403,
  not_found 404, conflict 409.
* A request the schemas refuse (ninja answers 422 by default) is a 400 naming the first field at
  fault (`parties.0.id_number`) with the reason in Chinese (`fayuan.exchange.describe_error`).
* A roster that cannot be imported is a 400 listing every bad row.
* No credentials, a bad token, a failed CSRF check, a body that is not JSON: 401, 401, 403, 400.
* The database unavailable (restarting) or deadlocked through every retry: 503 with
  `{"error": "unavailable"}` and `Retry-After`, never a 500.
* A body too large: 413; multipart that cannot be read: 400; a crash: 500 with
  `{"error": "server_error"}` and the traceback in the log only (`fayuan.api.guard` refuses
  most of these before the view, and shapes Django's own 404 and ninja's 405 the same way).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic_core import ErrorDetails

from fayuan.api import guard
from fayuan.api.guard import TooLarge
from fayuan.errors import ActionError, Kind
from fayuan.exchange import describe_error
from fayuan.roster.actions import RosterImportError, RowError

if TYPE_CHECKING:
    from ninja import NinjaAPI

log = logging.getLogger("fayuan.api")

STATUS: dict[Kind, int] = {"invalid": 400, "forbidden": 403, "not_found": 404, "conflict": 409}
KIND_OF_STATUS: dict[int, Kind] = {
    400: "invalid",
    401: "forbidden",
    403: "forbidden",
    404: "not_found",
    405: "invalid",
    409: "conflict",
}

#: Parameter sources ninja puts first in an error's location, and the name every body takes.
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
BODY = "payload"

#: Reasons `fayuan.exchange.describe_error` has no words for (it answers "取值无效").
_MORE_REASONS = {
    "bool_parsing": "应为 true 或 false",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "string_pattern_mismatch": "格式不符",
    "date_future": "日期不能晚于今天",
    "list_type": "应为数组",
    "string_type": "应为字符串",
    "string_unicode": "含有无效的 Unicode 字符（单独的代理项，如 \\ud800）",
    "missing": "缺少必填字段",
}

MESSAGES = {
    "unauthenticated": "请先登录，或在 Authorization 头中提供有效的 API 令牌（Bearer fy_…）。",
    "csrf": "CSRF 校验失败：通过浏览器会话提交时须附 X-CSRFToken；集成系统请改用 API 令牌。",
    "bad_json": "请求体不是合法的 JSON（须为 UTF-8 编码的 JSON 对象）。",
    "not_found": "没有这个地址或对象。",
    "method": "该地址不支持此请求方法。",
    "unavailable": "数据库暂时不可用（繁忙或正在重启），请稍后重试；"
    "重复提交同一公函不会重复登记，已完成的步骤再次提交会答复 409。",
}


def body(kind: Kind, field: str | None, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": kind, "field": field, "message": message, **extra}


def field_path(loc: tuple[Any, ...] | list[Any]) -> tuple[str, ...]:
    """The location as the client wrote it: without ninja's source and the body's name."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == BODY:
            parts.pop(0)
    return tuple(str(p) for p in parts)


def describe(error: dict[str, Any]) -> tuple[str | None, str]:
    """(field, Chinese message) for one pydantic error as ninja reports it."""
    path = field_path(error.get("loc", ()))
    kind = str(error.get("type", ""))
    details: ErrorDetails = {
        "type": kind,
        "loc": path,
        "msg": str(error.get("msg", "")),
        "input": None,
    }
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    if kind in ("enum", "literal_error"):
        expected = str(error.get("ctx", {}).get("expected", "")).replace(" or ", " 或 ")
        reason = f"取值不在允许范围内，应为 {expected}"
    elif kind in ("too_short", "too_long"):
        ctx = error.get("ctx", {})
        reason = (
            f"至少应有 {ctx.get('min_length')} 项"
            if kind == "too_short"
            else f"最多 {ctx.get('max_length')} 项"
        )
    elif kind == "string_too_long":
        reason = f"过长（最多 {error.get('ctx', {}).get('max_length')} 个字符）"
    elif kind == "missing" and not path:
        return None, "缺少请求体（JSON 对象）。"
    elif kind in _MORE_REASONS:
        reason = _MORE_REASONS[kind]
    else:
        reason = describe_error(details)[1]
    field = ".".join(path) or None
    return field, f"{field}：{reason}。" if field else f"{reason}。"


def roster_field(error: RowError) -> str | None:
    """`practitioners.6.licensed_on` for a JSON roster; a workbook's cells are placed by the
    sheet, row and column of `errors` instead."""
    if error.unit == "条" and error.row is not None and error.column:
        return f"{error.sheet_or_section}.{error.row - 1}.{error.column}"
    return None


def install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (422 with English details) with ours."""

    # ninja types a handler's exception as "the class or an instance"; it passes the instance.

    def on_action_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(
            request,
            body(exc.kind, exc.field, exc.message, **exc.details),
            status=STATUS[exc.kind],
        )

    def on_database_unavailable(request: HttpRequest, exc: Any) -> HttpResponse:
        # The database went away (restarted, unreachable) or stayed deadlocked through every
        # attempt (`fayuan.locks.action`): nothing of the action is kept unless the connection
        # broke in the very commit, so the client tries again (a notification letter is
        # idempotent; a workflow step already done answers 409).
        log.warning("database unavailable for %s %s: %s", request.method, request.path, exc)
        unavailable = {"error": "unavailable", "field": None, "message": MESSAGES["unavailable"]}
        response = api.create_response(request, unavailable, status=503)
        response["Retry-After"] = "1"
        return response

    def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = list(exc.errors)
        field, message = describe(errors[0]) if errors else (None, "输入有误。")
        return api.create_response(request, body("invalid", field, message), status=400)

    def on_roster_error(request: HttpRequest, exc: Any) -> HttpResponse:
        rows = [
            {
                "sheet": e.sheet_or_section,
                "row": e.row,
                "column": e.column,
                "message": e.message_zh,
            }
            for e in exc.errors
        ]
        first = exc.errors[0] if exc.errors else None
        message = f"名册有 {len(exc.errors)} 处错误，未导入任何数据。" + (
            f"第一处：{first}" if first else ""
        )
        field = roster_field(first) if first else None
        return api.create_response(
            request, body("invalid", field, message, errors=rows), status=400
        )

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        status = exc.status_code
        if isinstance(exc, AuthenticationError) or status == 401:
            message = MESSAGES["unauthenticated"]
        elif status == 403 and "CSRF" in exc.message:
            message = MESSAGES["csrf"]
        elif status == 400 and "parse" in exc.message:
            message = MESSAGES["bad_json"]
        elif status == 405:
            message = MESSAGES["method"]
        else:
            message = exc.message
        kind = KIND_OF_STATUS.get(status, "invalid")
        return api.create_response(request, body(kind, None, message), status=status)

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(
            request, body("not_found", None, MESSAGES["not_found"]), status=404
        )

    api.add_exception_handler(ActionError, on_action_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(RosterImportError, on_roster_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(OperationalError, on_database_unavailable)
    api.add_exception_handler(InterfaceError, on_database_unavailable)
    install_request_handlers(api)


def install_request_handlers(api: NinjaAPI) -> None:
    """A body that cannot be read (too large, multipart without a boundary, too many fields)
    and a crash: 413, 400 and 500 in the same JSON shape, never Django's HTML or a traceback."""

    def on_too_large(request: HttpRequest, exc: Any) -> HttpResponse:
        limit = exc.limit if isinstance(exc, TooLarge) else (guard.body_limit() or 0)
        what = exc.what if isinstance(exc, TooLarge) else "请求体"
        message = guard.too_large_message(limit, what)
        return api.create_response(request, body("invalid", None, message), status=413)

    def on_unreadable(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, MultiPartParserError):
            message = (
                "无法读取 multipart/form-data 请求体（boundary 缺失或格式错误），未写入任何数据。"
            )
        elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            message = "请求中的字段或文件过多，未写入任何数据。"
        else:
            message = "请求体未能完整读取（连接中断？），未写入任何数据；请重新提交。"
        return api.create_response(request, body("invalid", None, message), status=400)

    def on_crash(request: HttpRequest, exc: Any) -> HttpResponse:
        # The traceback goes to the log (and, in tests, to the test client, which re-raises it);
        # the caller learns only that nothing was written (each action is one transaction).
        log.error("server error on %s %s", request.method, request.path, exc_info=exc)
        got_request_exception.send(sender=None, request=request)
        crashed = {"error": "server_error", "field": None, "message": guard.MESSAGES[500]}
        return api.create_response(request, crashed, status=500)

    api.add_exception_handler(RequestDataTooBig, on_too_large)
    api.add_exception_handler(TooLarge, on_too_large)
    api.add_exception_handler(MultiPartParserError, on_unreadable)
    api.add_exception_handler(TooManyFieldsSent, on_unreadable)
    api.add_exception_handler(TooManyFilesSent, on_unreadable)
    api.add_exception_handler(UnreadablePostError, on_unreadable)
    api.add_exception_handler(Exception, on_crash)
