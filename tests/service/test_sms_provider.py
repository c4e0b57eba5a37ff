"""The Tencent Cloud SMS adapter (`fayuan.messaging.sms_providers`) against a local HTTP server
that plays the gateway: it recomputes the TC3-HMAC-SHA256 signature from the request it
received (its own implementation of the documented steps, with the secret it knows) and answers
as SendSms 2021-01-11 does. A real HTTP exchange on the loopback; never the internet."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from fayuan import tasks
from fayuan.messaging.models import KeyStatus, TaskKey
from fayuan.messaging.sms import Sms, SmsError, SmsUnavailable
from fayuan.messaging.sms_providers import TencentCloudSmsBackend, TencentConfig

SECRET_ID = "AKIDtest0000"
SECRET_KEY = "test-secret-key"
APP_ID = "1400000000"
SIGN = "北碚法律援助"
TEMPLATE = "1234567"
TEXT = "【重庆市北碚区法律援助中心】您查询法律援助申请进度的验证码是 123456，10 分钟内有效。"


def expected_signature(headers: Any, body: bytes, secret_key: str) -> str:
    """The gateway's side of signature v3, from the received request."""
    ts = int(headers["X-TC-Timestamp"])
    day = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
    auth = headers["Authorization"]
    signed = re.search(r"SignedHeaders=([^,]+)", auth)
    assert signed is not None
    names = signed.group(1).split(";")
    canonical_headers = "".join(f"{n}:{headers[n].strip().lower()}\n" for n in names)
    canonical = "\n".join(
        ["POST", "/", "", canonical_headers, ";".join(names), hashlib.sha256(body).hexdigest()]
    )
    scope = f"{day}/sms/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(ts), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(f"TC3{secret_key}".encode(), day), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class Gateway:
    """What the fake gateway answers next, and what it received."""

    def __init__(self) -> None:
        self.status = 200
        self.answer: dict[str, Any] | None = None  # None: a successful SendStatusSet
        self.raw: bytes | None = None
        self.received: list[dict[str, Any]] = []


@pytest.fixture
def gateway() -> Iterator[tuple[Gateway, str]]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            auth = self.headers.get("Authorization", "")
            claimed = re.search(r"Signature=([0-9a-f]{64})", auth)
            credential = re.search(r"Credential=([^/]+)/", auth)
            good = (
                claimed is not None
                and credential is not None
                and credential.group(1) == SECRET_ID
                and hmac.compare_digest(
                    claimed.group(1), expected_signature(self.headers, body, SECRET_KEY)
                )
                and self.headers["X-TC-Action"] == "SendSms"
                and self.headers["X-TC-Version"] == "2021-01-11"
            )
            state.received.append({"headers": dict(self.headers), "body": json.loads(body)})
            if not good:
                answer: dict[str, Any] = {
                    "Response": {
                        "Error": {
                            "Code": "AuthFailure.SignatureFailure",
                            "Message": "The provided credentials could not be validated.",
                        },
                        "RequestId": "req-sig",
                    }
                }
                self._reply(200, json.dumps(answer).encode())
                return
            if state.raw is not None:
                self._reply(state.status, state.raw)
                return
            phone = json.loads(body)["PhoneNumberSet"][0]
            answer = state.answer or {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": "5000:1045710669157053657849499619",
                            "PhoneNumber": phone,
                            "Fee": 1,
                            "SessionContext": "",
                            "Code": "Ok",
                            "Message": "send success",
                            "IsoCode": "CN",
                        }
                    ],
                    "RequestId": "req-ok",
                }
            }
            self._reply(state.status, json.dumps(answer).encode())

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def backend(endpoint: str, secret_key: str = SECRET_KEY, timeout: float = 5) -> Any:
    return TencentCloudSmsBackend(
        TencentConfig(SECRET_ID, secret_key, APP_ID, SIGN, TEMPLATE, endpoint, timeout=timeout)
    )


def error(code: str) -> dict[str, Any]:
    return {"Response": {"Error": {"Code": code, "Message": "x"}, "RequestId": "req-err"}}


def status(code: str) -> dict[str, Any]:
    return {
        "Response": {
            "SendStatusSet": [{"PhoneNumber": "+8613800001234", "Code": code, "Message": "x"}],
            "RequestId": "req-st",
        }
    }


def test_a_signed_request_is_accepted_with_the_documented_body(gateway) -> None:
    state, endpoint = gateway
    backend(endpoint).send(Sms("13800001234", TEXT))
    (got,) = state.received
    assert got["body"] == {
        "PhoneNumberSet": ["+8613800001234"],
        "SmsSdkAppId": APP_ID,
        "SignName": SIGN,
        "TemplateId": TEMPLATE,
        "TemplateParamSet": [TEXT],
    }
    assert got["headers"]["Authorization"].startswith(f"TC3-HMAC-SHA256 Credential={SECRET_ID}/")
    assert "SignedHeaders=content-type;host;x-tc-action" in got["headers"]["Authorization"]


def test_a_wrong_secret_fails_the_signature_check_and_is_permanent(gateway) -> None:
    _, endpoint = gateway
    with pytest.raises(SmsError) as refused:
        backend(endpoint, secret_key="not-the-secret").send(Sms("13800001234", TEXT))
    assert not isinstance(refused.value, SmsUnavailable)
    assert "AuthFailure.SignatureFailure" in str(refused.value)


@pytest.mark.parametrize(
    "answer",
    [
        error("InternalError.Timeout"),
        error("RequestLimitExceeded"),
        status("LimitExceeded.PhoneNumberThirtySecondLimit"),
    ],
)
def test_transient_codes_are_retried(gateway, answer) -> None:
    state, endpoint = gateway
    state.answer = answer
    with pytest.raises(SmsUnavailable):
        backend(endpoint).send(Sms("13800001234", TEXT))


@pytest.mark.parametrize(
    "answer",
    [
        error("FailedOperation.TemplateIncorrectOrUnapproved"),
        error("InternalError.SigVerificationFail"),
        status("InvalidParameterValue.IncorrectPhoneNumber"),
        status("LimitExceeded.PhoneNumberDailyLimit"),
    ],
)
def test_permanent_codes_are_never_retried(gateway, answer) -> None:
    state, endpoint = gateway
    state.answer = answer
    with pytest.raises(SmsError) as refused:
        backend(endpoint).send(Sms("13800001234", TEXT))
    assert not isinstance(refused.value, SmsUnavailable)


def test_http_5xx_garbage_and_no_answer_are_retried(gateway) -> None:
    state, endpoint = gateway
    state.status, state.raw = 502, b"<html>bad gateway</html>"
    with pytest.raises(SmsUnavailable):
        backend(endpoint).send(Sms("13800001234", TEXT))
    state.status, state.raw = 200, b"not json"
    with pytest.raises(SmsUnavailable):
        backend(endpoint).send(Sms("13800001234", TEXT))
    state.status, state.raw = 404, b"no such page"
    with pytest.raises(SmsError) as refused:
        backend(endpoint).send(Sms("13800001234", TEXT))
    assert not isinstance(refused.value, SmsUnavailable)
    # Nobody listening: a closed port on the loopback.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(SmsUnavailable):
        backend(f"http://127.0.0.1:{closed}/").send(Sms("13800001234", TEXT))


def test_a_gateway_that_does_not_answer_in_time_is_retried() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never answers
        port = silent.getsockname()[1]
        with pytest.raises(SmsUnavailable):
            backend(f"http://127.0.0.1:{port}/", timeout=0.5).send(Sms("13800001234", TEXT))


def test_missing_configuration_is_named() -> None:
    empty = override_settings(FAYUAN_SMS_TENCENT_SECRET_ID="", FAYUAN_SMS_TENCENT_TEMPLATE_ID="")
    with empty, pytest.raises(SmsError) as refused:
        TencentCloudSmsBackend()
    assert "FAYUAN_SMS_TENCENT_SECRET_ID" in str(refused.value)
    assert "FAYUAN_SMS_TENCENT_TEMPLATE_ID" in str(refused.value)


@pytest.mark.django_db
def test_configured_by_settings_through_the_send_sms_task(gateway) -> None:
    state, endpoint = gateway
    configured = override_settings(
        FAYUAN_SMS_BACKEND="fayuan.messaging.sms_providers.TencentCloudSmsBackend",
        FAYUAN_SMS_TENCENT_SECRET_ID=SECRET_ID,
        FAYUAN_SMS_TENCENT_SECRET_KEY=SECRET_KEY,
        FAYUAN_SMS_TENCENT_APP_ID=APP_ID,
        FAYUAN_SMS_TENCENT_SIGN_NAME=SIGN,
        FAYUAN_SMS_TENCENT_TEMPLATE_ID=TEMPLATE,
        FAYUAN_SMS_TENCENT_ENDPOINT=endpoint,
    )
    with configured:
        assert tasks.run(tasks.send_sms, "provider:1", "13800001234", TEXT).value == "sent"
        state.answer = error("InternalError.Timeout")
        failed = tasks.run(tasks.send_sms, "provider:2", "13800001234", TEXT)
        assert (failed.state, failed.value) == ("failed", "SmsUnavailable")
        assert TaskKey.objects.get(key="provider:2").status == KeyStatus.failed
        state.answer = None  # the gateway is back: the retry sends
        assert tasks.run(tasks.send_sms, "provider:2", "13800001234", TEXT).value == "sent"
    assert len(state.received) == 3
