"""The HTTP API (django-ninja; OpenAPI at /api/openapi.json, docs at /api/docs).

For judicial organs and integrations (`Authorization: Bearer <token>`, see
`python -m django api_token create`) and for staff in the browser (Django session with CSRF).
Each endpoint is a thin call of an action (`fayuan.*.actions`); every refusal is a 4xx with
`{"error", "field", "message"}` (`fayuan.api.errors`).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from fayuan.api import errors
from fayuan.api.auth import API_AUTH
from fayuan.api.views_cases import router as cases_router
from fayuan.api.views_documents import router as documents_router
from fayuan.api.views_roster import router as roster_router
from fayuan.api.views_workflow import router as workflow_router
from fayuan.supervision.api import router as supervision_router


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON with the Chinese as written, not \\u escapes."""

    json_dumps_params: dict[str, Any] = {"ensure_ascii": False}


DESCRIPTION = """\
法律援助案件受理、指派和承办的接口（北碚司发〔2023〕9号）。

**身份验证**：办案机关和对接系统在请求头中写 `Authorization: Bearer <令牌>`（令牌由中心用
`python -m django api_token create 用户名 --name 用途` 签发，只显示一次）；中心工作人员在浏览器中
登录后使用会话，提交时须附 CSRF 令牌（`X-CSRFToken`）。

**错误**：一律为 4xx 和 `{"error": "invalid|forbidden|not_found|conflict", "field": "出错字段",
"message": "中文说明"}`：400 输入有误，401 未登录，403 无权，404 不存在或无权查看，
409 与案件当前状态不符。出错时不写入任何数据；只有两种拒绝会留下记录并说明：发出通知书时
轮次已变化（指派意见退回指派人员，409），以及规则认定无可指派机构（案件转为待处理并通知）。
同一公函以不同内容重复提交为 409，`differences` 列出不同的字段。数据库繁忙或正在重启时答复
503 `{"error": "unavailable"}` 和 `Retry-After`，可原样重试。

**个人信息**：列表一律遮蔽；有权查看者在案件详情中看到完整信息，每次查看记入审计日志。
"""

api = NinjaAPI(
    title="法援指派 API",
    version="1",
    description=DESCRIPTION,
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=ChineseJSONRenderer(),
)
errors.install(api)
api.add_router("", cases_router)
api.add_router("", workflow_router)
api.add_router("", documents_router)
api.add_router("", roster_router)
api.add_router("", supervision_router)

__all__ = ["api"]
