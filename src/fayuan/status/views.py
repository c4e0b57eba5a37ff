"""The applicant's status pages (法律援助法第五十五条：受援人有权了解为其提供法律援助的进展情况).

/status/       the application number and phone → a code by SMS (`fayuan.status.lookup`); the
               answer is the same whether they match or not
/status/code/  the code → the case, for `VIEW_FOR` (15 minutes), kept in the session
/status/case/  where the case stands (`fayuan.status.plain`), the letter when refused

Nothing personal travels in a URL: the forms POST and the pages read the session. Every page
works without JavaScript and sends no script.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fayuan.abuse import limits
from fayuan.audit import log as audit
from fayuan.cases.models import Case
from fayuan.documents.refusal import render_refusal_pdf
from fayuan.status import lookup
from fayuan.status.forms import CodeForm, LookupForm
from fayuan.status.plain import standing

PENDING = "status.pending"
VIEWING = "status.case"
#: How long the case may be read after the code, whatever the session's own age.
VIEW_FOR = timedelta(minutes=15)
SENT = "如信息无误，验证码已发送到您申请时留的手机上。"
#: Rate limits of `fayuan.abuse.limits` (count, seconds), on top of the send limits of
#: `lookup.may_send` (one code a minute, five a day to one phone): per client address on both
#: forms, and per phone TYPED (whether or not it matches, so the limit tells nothing).
LOOKUP_PER_IP = (20, 600)
LOOKUP_PER_PHONE = (10, 3600)
CODE_PER_IP = (30, 600)


def _context(**extra: Any) -> dict[str, Any]:
    return {"title": "查询申请进度", **extra}


@require_http_methods(["GET", "POST"])
def lookup_page(request: HttpRequest) -> HttpResponse:
    """The number and the phone. Whatever they are, a valid form goes on to the code page with
    the same words; a code goes out only when they match an application (and the limits of
    `lookup.may_send` allow)."""
    if request.method == "POST":
        limits.per_ip(request, "status.lookup", *LOOKUP_PER_IP)
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limits.per_phone(form.cleaned_data["phone"], "status.lookup_phone", *LOOKUP_PER_PHONE)
        code_id = lookup.request_code(form.cleaned_data["number"], form.cleaned_data["phone"])
        request.session.pop(VIEWING, None)
        request.session[PENDING] = {"code": code_id, "at": timezone.now().isoformat(), "tries": 0}
        return redirect("status_code")
    return render(request, "status/lookup.html", _context(form=form), status=200)


@require_http_methods(["GET", "POST"])
def code_page(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("status_lookup")
    if request.method == "POST":
        limits.per_ip(request, "status.code", *CODE_PER_IP)
    form = CodeForm(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        check = lookup.check_code(
            pending.get("code"),
            form.cleaned_data["code"],
            datetime.fromisoformat(pending["at"]),
            int(pending.get("tries", 0)),
        )
        if check.case is not None:
            request.session.pop(PENDING, None)
            request.session.cycle_key()  # a new session id for what the code opened
            until = timezone.now() + VIEW_FOR
            request.session[VIEWING] = {"case": check.case.pk, "until": until.isoformat()}
            return redirect("status_case")
        if check.locked:
            request.session.pop(PENDING, None)
        else:
            request.session[PENDING] = {**pending, "tries": check.tries}
        problem = check.problem
        return render(
            request,
            "status/code.html",
            _context(form=form, problem=problem, locked=check.locked, sent=SENT),
            status=400,
        )
    return render(request, "status/code.html", _context(form=form, sent=SENT))


def viewed_case(request: HttpRequest) -> Case | None:
    """The case the session's code opened, while its 15 minutes last."""
    viewing = request.session.get(VIEWING)
    if not viewing:
        return None
    if timezone.now() >= datetime.fromisoformat(viewing["until"]):
        request.session.pop(VIEWING, None)
        return None
    return (
        Case.objects.filter(pk=viewing["case"], source="application")
        .select_related("center", "institution")
        .first()
    )


@require_GET
def case_page(request: HttpRequest) -> HttpResponse:
    case = viewed_case(request)
    if case is None:
        return render(request, "status/expired.html", _context(), status=403)
    info = standing(case)
    until = datetime.fromisoformat(request.session[VIEWING]["until"])
    return render(
        request,
        "status/case.html",
        _context(
            s=info,
            center_name=info.center_name,
            center_phone=info.center_phone,
            minutes_left=max(1, int((until - timezone.now()).total_seconds() // 60)),
            letter_url=reverse("status_letter") if info.refused else "",
        ),
    )


@require_GET
def letter(request: HttpRequest) -> HttpResponse:
    """《不予法律援助决定书》 (法律援助法第四十三条：书面告知申请人): the same letter the officer
    prints (`fayuan.web.officer.refusal_data`), recorded in the audit log as read by the
    applicant (verified by the SMS code)."""
    from fayuan.web.officer import refusal_data

    case = viewed_case(request)
    if case is None:
        return render(request, "status/expired.html", _context(), status=403)
    data = refusal_data(case)
    content = render_refusal_pdf(data)
    with transaction.atomic():
        audit.record(
            AnonymousUser(),
            "case.view_personal_data",
            case,
            case=case,
            data={
                "what": f"不予法律援助决定书 {data.number}（PDF）",
                "reader": "申请人本人（进度查询，短信验证码）",
            },
        )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"{case.number}-不予法律援助决定书.pdf"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@require_POST
def end(request: HttpRequest) -> HttpResponse:
    """退出查询: the case is no longer shown in this browser."""
    request.session.pop(VIEWING, None)
    request.session.pop(PENDING, None)
    return redirect("status_lookup")
