"""A real SMS gateway: Tencent Cloud SMS (腾讯云短信), `SendSms` of API version 2021-01-11, signed
with TencentCloud API signature v3 (TC3-HMAC-SHA256). Chosen because both its request signing
and its error codes are documented in the open:

- SendSms: https://cloud.tencent.com/document/api/382/55981
- signature v3 (签名方法 v3, the same for every TencentCloud API 3.0 product), SMS's copy:
  https://www.tencentcloud.com/document/product/382/40467
- error codes: https://cloud.tencent.com/document/api/382/52075 (common) and
  https://cloud.tencent.com/document/api/382/59177 (SMS)

Configuration (settings, each from the environment of the same name; nothing in the code)
=========================================================================================

    FAYUAN_SMS_BACKEND=fayuan.messaging.sms_providers.TencentCloudSmsBackend
    FAYUAN_SMS_TENCENT_SECRET_ID=AKID…           # CAM API key: SecretId
    FAYUAN_SMS_TENCENT_SECRET_KEY=…              # CAM API key: SecretKey (keep it secret)
    FAYUAN_SMS_TENCENT_APP_ID=1400…              # SmsSdkAppId of the SMS application
    FAYUAN_SMS_TENCENT_SIGN_NAME=北碚法律援助     # the approved signature (短信签名)
    FAYUAN_SMS_TENCENT_TEMPLATE_ID=1234567       # an approved template (正文模板)
    FAYUAN_SMS_TENCENT_ENDPOINT=https://sms.tencentcloudapi.com   # the default
    FAYUAN_SMS_TENCENT_REGION=ap-guangzhou       # the default
    FAYUAN_SMS_TENCENT_TIMEOUT=10                # seconds, the default

The template: our messages are whole sentences (`fayuan.status.notify`, the lookup code), so the
template is one variable, `{1}`, which receives the message text as its only parameter
(`TemplateParamSet: [text]`). Tencent Cloud reviews templates and limits a variable's length by
account type; a center whose account cannot have such a template must ask the gateway for it
(or add one template per message kind: not done here).

Errors
======
`send` returns when the gateway accepted the message (`SendStatusSet[0].Code == "Ok"`). It raises

- `SmsUnavailable` (the `send_sms` task tries again with backoff): no answer or a network error,
  a timeout, HTTP 5xx, an answer that is not the documented JSON, and the codes `TRANSIENT`
  (`InternalError.*` other than a malformed request, `RequestLimitExceeded*`, the per-phone
  30-second and 1-hour limits, the delivery frequency limit, `AuthFailure.SignatureExpire`: the
  next attempt is signed again with a fresh time);
- `SmsError` (never retried: it would fail the same way): every other code, e.g. a wrong key or
  signature (`AuthFailure.*`), a template or signature not approved, a number refused
  (`InvalidParameterValue.IncorrectPhoneNumber`, `FailedOperation.PhoneNumberInBlacklist`), the
  daily limit of the phone, an empty package, and a configuration missing here.

Nothing is logged but the error code and the request id (never the number or the text).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from fayuan.messaging.sms import Sms, SmsBackend, SmsError, SmsUnavailable

log = logging.getLogger(__name__)

SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-tc-action"
DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com"

#: Codes worth another attempt later (the rest are permanent).
TRANSIENT = frozenset(
    {
        "InternalError",
        "InternalError.OtherError",
        "InternalError.Timeout",
        "InternalError.SendAndRecvFail",
        "InternalError.RequestTimeException",
        "RequestLimitExceeded",
        "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
        "RequestLimitExceeded.IPLimitExceeded",
        "RequestLimitExceeded.UinLimitExceeded",
        "LimitExceeded.DeliveryFrequencyLimit",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "AuthFailure.SignatureExpire",
        "ResourceUnavailable",
    }
)


class Unreadable(SmsUnavailable):
    """The gateway answered something other than its documented JSON."""


def transient(code: str) -> bool:
    return code in TRANSIENT


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def string_to_sign(host: str, payload: bytes, timestamp: int) -> tuple[str, str]:
    """(the credential scope, the string to sign) of a POST / with `payload` (signature v3)."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{ACTION.lower()}\n"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, SIGNED_HEADERS, _sha256_hex(payload)]
    )
    scope = f"{day}/{SERVICE}/tc3_request"
    text = "\n".join([ALGORITHM, str(timestamp), scope, _sha256_hex(canonical_request.encode())])
    return scope, text


def signature(secret_key: str, day: str, text: str) -> str:
    """SecretDate → SecretService → SecretSigning → the hex HMAC of the string to sign."""
    secret_date = _hmac(f"TC3{secret_key}".encode(), day)
    secret_service = _hmac(secret_date, SERVICE)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, text.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(secret_id: str, secret_key: str, host: str, payload: bytes, ts: int) -> str:
    scope, text = string_to_sign(host, payload, ts)
    sig = signature(secret_key, scope.split("/")[0], text)
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={sig}"
    )


@dataclass(frozen=True)
class TencentConfig:
    secret_id: str
    secret_key: str
    app_id: str
    sign_name: str
    template_id: str
    endpoint: str = DEFAULT_ENDPOINT
    region: str = "ap-guangzhou"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> TencentConfig:
        def setting(name: str) -> str:
            return str(getattr(settings, f"FAYUAN_SMS_TENCENT_{name}", "") or "").strip()

        missing = [
            f"FAYUAN_SMS_TENCENT_{name}"
            for name in ("SECRET_ID", "SECRET_KEY", "APP_ID", "SIGN_NAME", "TEMPLATE_ID")
            if not setting(name)
        ]
        if missing:
            raise SmsError(f"腾讯云短信未配置：缺少 {'、'.join(missing)}。")
        return cls(
            secret_id=setting("SECRET_ID"),
            secret_key=setting("SECRET_KEY"),
            app_id=setting("APP_ID"),
            sign_name=setting("SIGN_NAME"),
            template_id=setting("TEMPLATE_ID"),
            endpoint=setting("ENDPOINT") or DEFAULT_ENDPOINT,
            region=setting("REGION") or "ap-guangzhou",
            timeout=float(setting("TIMEOUT") or 10),
        )


class TencentCloudSmsBackend(SmsBackend):
    """`SendSms` to one number, the text as the template's one parameter (see the module)."""

    def __init__(self, config: TencentConfig | None = None) -> None:
        self.config = config or TencentConfig.from_settings()

    def request(self, message: Sms, timestamp: int | None = None) -> urllib.request.Request:
        cfg = self.config
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{message.phone}"],
                "SmsSdkAppId": cfg.app_id,
                "SignName": cfg.sign_name,
                "TemplateId": cfg.template_id,
                "TemplateParamSet": [message.text],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        ts = int(time.time()) if timestamp is None else timestamp
        host = urlsplit(cfg.endpoint).netloc
        headers = {
            "Authorization": authorization(cfg.secret_id, cfg.secret_key, host, payload, ts),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": ACTION,
            "X-TC-Timestamp": str(ts),
            "X-TC-Version": VERSION,
            "X-TC-Region": cfg.region,
        }
        return urllib.request.Request(cfg.endpoint, data=payload, headers=headers, method="POST")

    def send(self, message: Sms) -> None:
        request = self.request(message)
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise SmsUnavailable(f"短信网关暂时不可用（HTTP {exc.code}）。") from None
            # A 4xx with a documented error raises it; without one it is refused all the same.
            with contextlib.suppress(Unreadable):
                self._check(exc.read())
            raise SmsError(f"短信网关拒绝了请求（HTTP {exc.code}）。") from None
        except (urllib.error.URLError, OSError) as exc:
            raise SmsUnavailable(f"连不上短信网关（{type(exc).__name__}）。") from None
        self._check(body)

    @staticmethod
    def _check(body: bytes) -> None:
        try:
            answer: Any = json.loads(body.decode("utf-8"))["Response"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise Unreadable("短信网关的回答无法识别。") from None
        request_id = str(answer.get("RequestId", ""))
        error = answer.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code", ""))
            log.warning("tencent sms refused: %s (request %s)", code, request_id)
            if transient(code):
                raise SmsUnavailable(f"短信网关暂时不能发送（{code}），稍后重试。")
            raise SmsError(f"短信网关拒绝发送（{code}）。")
        statuses = answer.get("SendStatusSet")
        if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], dict):
            raise Unreadable("短信网关的回答无法识别。")
        code = str(statuses[0].get("Code", ""))
        if code == "Ok":
            return
        log.warning("tencent sms not sent: %s (request %s)", code, request_id)
        if transient(code):
            raise SmsUnavailable(f"短信网关暂时不能发送（{code}），稍后重试。")
        raise SmsError(f"短信网关拒绝发送（{code}）。")
