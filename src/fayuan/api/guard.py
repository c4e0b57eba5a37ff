"""What no request gets past, and every error in one shape.

`RequestGuardMiddleware` refuses, before any view, session or database sees the request:

* a control character (NUL above all: PostgreSQL refuses it in text) in the path, the query
  string, the cookies or the Authorization header: 400;
* a body over its limit by its Content-Length: 413 (`DATA_UPLOAD_MAX_MEMORY_SIZE` for JSON,
  `FAYUAN_MAX_UPLOAD_BYTES` for a multipart upload); Django's own count while reading answers
  the same for a body that said less (`fayuan.api.errors`);
* multipart without a boundary (or not multipart/form-data): 400;
* an API body nested deeper than `FAYUAN_MAX_JSON_DEPTH`: 400.

It then gives every error answer of an /api/ path that is not already JSON (Django's 404 for an
unknown URL, ninja's 405, a crash) the API's shape `{"error", "field", "message"}` in Chinese,
keeping its status and headers (`Allow` of a 405). `handler400`… `handler500` (`fayuan.urls`)
answer the same for /api/ and a plain Chinese page elsewhere.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import parse_header_parameters

from fayuan import limits

API_PREFIX = "/api/"

#: The words of every error the API answers without a view's own message.
MESSAGES: dict[int, str] = {
    400: "请求有误。",
    401: "请先登录，或在 Authorization 头中提供有效的 API 令牌（Bearer fy_…）。",
    403: "无权进行此操作。",
    404: "没有这个地址或对象。",
    405: "该地址不支持此请求方法。",
    413: "请求体过大。",
    500: "服务器内部错误，未写入任何数据；请稍后重试，或将时间和操作告知系统管理员。",
}
KINDS: dict[int, str] = {401: "forbidden", 403: "forbidden", 404: "not_found", 409: "conflict"}
PAGE_TITLES: dict[int, str] = {
    400: "请求有误",
    403: "无权访问",
    404: "找不到该页面",
    405: "不支持的请求方法",
    413: "请求过大",
    500: "服务器内部错误",
}
PAGE_TEXT: dict[int, str] = {
    400: "请求的格式不正确，请返回上一页重试。",
    403: "您无权访问该页面。",
    404: "找不到您要访问的页面，请检查地址，或返回首页。",
    405: "该页面不支持此请求方法。",
    413: "提交的内容过大。",
    500: "服务器出现错误，本次操作未写入任何数据。请稍后重试，或将时间和操作告知系统管理员。",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def kind_of(status: int) -> str:
    if status >= 500:
        return "server_error"
    return KINDS.get(status, "invalid")


def error_json(status: int, message: str | None = None, field: str | None = None) -> JsonResponse:
    body = {"error": kind_of(status), "field": field, "message": message or MESSAGES.get(status)}
    if body["message"] is None:
        body["message"] = MESSAGES[500] if status >= 500 else MESSAGES[400]
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def error_page(status: int, text: str | None = None) -> HttpResponse:
    """A plain page in Chinese (no script, no style: nothing for the CSP to refuse)."""
    title = PAGE_TITLES.get(status, "出错了")
    body = html.escape(text or PAGE_TEXT.get(status, PAGE_TEXT[400]))
    page = (
        '<!DOCTYPE html>\n<html lang="zh-Hans">\n<head><meta charset="utf-8">'
        f"<title>{status} {title} · 法援指派</title></head>\n"
        f"<body><h1>{title}</h1><p>{body}</p>"
        '<p><a href="/">返回首页</a></p></body>\n</html>\n'
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def refuse(
    request: HttpRequest, status: int, message: str, field: str | None = None
) -> HttpResponse:
    return error_json(status, message, field) if is_api(request) else error_page(status, message)


class TooLarge(Exception):
    """Raised by a view for an upload over its limit: 413 (`fayuan.api.errors`)."""

    def __init__(self, limit: int, what: str = "请求体") -> None:
        super().__init__(f"{what} over {limit} bytes")
        self.limit = limit
        self.what = what


def too_large_message(limit: int, what: str = "请求体") -> str:
    return f"{what}过大（最多 {limits.size_zh(limit)}），未写入任何数据。"


def body_limit() -> int | None:
    limit = getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", limits.MAX_BODY_BYTES)
    return int(limit) if limit is not None else None


def upload_limit() -> int:
    return int(getattr(settings, "FAYUAN_MAX_UPLOAD_BYTES", limits.MAX_UPLOAD_BYTES))


def json_depth_limit() -> int:
    return int(getattr(settings, "FAYUAN_MAX_JSON_DEPTH", limits.MAX_JSON_DEPTH))


def _control_in_request(request: HttpRequest) -> str | None:
    """Where the request holds a control character, in Chinese, or None."""
    places = (
        ("地址", request.path),
        ("查询参数", unquote(request.META.get("QUERY_STRING", ""), errors="replace")),
    )
    for where, text in places:
        found = limits.control_character(text, line_breaks=False)
        if found:
            return f"{where}中含有不允许的控制字符（{found}）。"
    for header, where in (("HTTP_COOKIE", "Cookie"), ("HTTP_AUTHORIZATION", "Authorization 头")):
        if "\x00" in request.META.get(header, ""):
            return f"{where}中含有不允许的控制字符（U+0000）。"
    return None


def _multipart_problem(content_type: str) -> str | None:
    if not content_type.lower().startswith("multipart/"):
        return None
    main, options = parse_header_parameters(content_type)
    if main != "multipart/form-data":
        return f"不支持的请求格式 {main}：上传文件请用 multipart/form-data。"
    boundary = options.get("boundary", "")
    if not boundary or len(boundary) > 200 or not boundary.isascii():
        return (
            "multipart/form-data 请求缺少有效的 boundary（Content-Type 中的分隔符），"
            "无法读取上传的文件。"
        )
    return None


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.check(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if is_api(request) and response.status_code >= 400:
            return as_api_error(response)
        return response

    def check(self, request: HttpRequest) -> HttpResponse | None:
        problem = _control_in_request(request)
        if problem:
            return refuse(request, 400, problem)
        content_type = request.META.get("CONTENT_TYPE", "")
        multipart = content_type.lower().startswith("multipart/")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse(request, 400, "Content-Length 头无效。")
        limit = upload_limit() if multipart else body_limit()
        if limit is not None and length > limit:
            what = "上传的文件" if multipart else "请求体"
            return refuse(request, 413, too_large_message(limit, what))
        problem = _multipart_problem(content_type)
        if problem:
            return refuse(request, 400, problem)
        if is_api(request) and length and not multipart:
            try:
                data = request.body
            except RequestDataTooBig:
                return refuse(request, 413, too_large_message(limit or 0))
            depth = json_depth_limit()
            if limits.json_too_deep(data, depth):
                return refuse(request, 400, limits.depth_message(depth))
        return None


def as_api_error(response: HttpResponse) -> HttpResponse:
    """An error answer of an /api/ path in the API's JSON shape, unless it already is JSON."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    shaped = error_json(response.status_code)
    for header in ("Allow", "WWW-Authenticate", "Retry-After"):
        if header in response:
            shaped[header] = response[header]
    return shaped


# --- Django's handlers (`fayuan.urls`) --------------------------------------------------------


def _handler(status: int) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if isinstance(exception, RequestDataTooBig):
            return refuse(request, 413, too_large_message(body_limit() or 0))
        return error_json(status) if is_api(request) else error_page(status)

    view.__name__ = f"handler{status}"
    return view


bad_request = _handler(400)
permission_denied = _handler(403)
page_not_found = _handler(404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_json(500) if is_api(request) else error_page(500)
