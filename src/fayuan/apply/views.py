"""The online application's pages (第七条: 线上申请; 法律援助法第四十一、四十三条), phone first,
without JavaScript. Each step is `/apply/step/<n>/`; nothing personal is ever in a URL. The
draft is saved on every step, valid or not, so nothing typed is lost.

Consent first (个人信息保护法第十四、二十九条): without the two consents no step opens and
nothing personal is collected.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.signing import BadSignature
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from fayuan.abuse import limits, screening
from fayuan.abuse.forms import HumanCheckMixin
from fayuan.apply import drafts, submit
from fayuan.apply import forms as steps
from fayuan.apply.drafts import Draft
from fayuan.apply.models import DraftFile
from fayuan.cases import uploads
from fayuan.cases.models import Case, CaseDocument
from fayuan.errors import ActionError
from fayuan.limits import size_zh
from fayuan.policy.deadlines import CHINA_TZ
from fayuan.roster.models import Center, Institution, Practitioner
from fayuan.workstations.roster_page import public_center

STEP_NAMES = {n: form.title for n, form in steps.STEPS.items()}


def _context(center: Center, **extra: Any) -> dict[str, Any]:
    return {"center_name": center.name, "center_phone": center.phone or "12348", **extra}


def _step_url(n: int) -> str:
    return reverse("apply_step", args=[n])


def _redirect_start() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("apply_consent"))


def _choice_from_query(center: Center, query: Any) -> dict[str, str]:
    """`?institution=CODE` / `?practitioner=CODE` from the roster page, when the roster has
    them (codes of the published roster, never personal data)."""
    found: dict[str, str] = {}
    inst = str(query.get("institution", ""))[:32]
    person = str(query.get("practitioner", ""))[:32]
    if inst and Institution.objects.filter(center=center, code=inst).exists():
        found["institution"] = inst
    if person:
        row = (
            Practitioner.objects.filter(center=center, code=person)
            .values_list("institution__code", flat=True)
            .first()
        )
        if row is not None:
            found["practitioner"] = person
            found["institution"] = row  # the practitioner's own institution
    return found


def _chosen_names(center: Center, choice: dict[str, str]) -> dict[str, str]:
    names: dict[str, str] = {}
    if choice.get("institution"):
        names["institution"] = (
            Institution.objects.filter(center=center, code=choice["institution"])
            .values_list("name", flat=True)
            .first()
            or ""
        )
    if choice.get("practitioner"):
        names["practitioner"] = (
            Practitioner.objects.filter(center=center, code=choice["practitioner"])
            .values_list("name", flat=True)
            .first()
            or ""
        )
    return names


def start(request: HttpRequest) -> HttpResponse:
    """What legal aid is, who may apply, what to prepare, the 7-day review, 开始申请."""
    center = public_center()
    choice = _choice_from_query(center, request.GET)
    draft = drafts.current(request, center)
    query = "&".join(f"{k}={v}" for k, v in sorted(choice.items()))
    return render(
        request,
        "apply/start.html",
        _context(
            center,
            draft=draft,
            chosen=_chosen_names(center, choice),
            consent_url=reverse("apply_consent") + (f"?{query}" if query else ""),
            continue_url=_step_url(draft.row.step_reached) if draft else "",
        ),
    )


def privacy(request: HttpRequest) -> HttpResponse:
    center = public_center()
    return render(
        request,
        "apply/privacy.html",
        _context(center, version=drafts.NOTICE_VERSION, days=drafts.DRAFT_DAYS),
    )


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """The short notice and the two separate consents; then the draft is created."""
    center = public_center()
    if request.method == "POST":
        form = steps.ConsentForm(request.POST)
        draft = drafts.current(request, center)
        if form.is_valid() and draft is None:
            try:
                limits.per_ip(request, "apply.start", drafts.STARTS_PER_IP, drafts.WINDOW)
            except limits.RateLimited as refused:
                form.add_error(None, refused.message)
        if form.is_valid():
            choice = _choice_from_query(center, form.cleaned_data)
            token = ""
            if draft is None:
                draft, token = drafts.new_draft(center, request)
            else:
                drafts.record_consent(draft, "personal", request)
                drafts.record_consent(draft, "sensitive", request)
            if choice:
                values = {"institution": "", "practitioner": "", "wishes": ""}
                values.update(draft.step_values(6))
                values.update(choice)
                draft.put(6, values, valid=False)
                draft.save()
            response = HttpResponseRedirect(_step_url(draft.row.step_reached))
            if token:
                drafts.set_cookie(response, token)
            return response
    else:
        form = steps.ConsentForm(initial=_choice_from_query(center, request.GET))
    return render(
        request,
        "apply/consent.html",
        _context(center, form=form, days=drafts.DRAFT_DAYS),
    )


def _steps_nav(current: int, reached: int) -> list[dict[str, Any]]:
    return [
        {"n": n, "name": name, "current": n == current, "open": n <= reached and n != current}
        for n, name in STEP_NAMES.items()
    ]


def _render_step(
    request: HttpRequest,
    center: Center,
    draft: Draft,
    n: int,
    form: forms.Form,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        f"apply/step_{n}.html" if n in (5, 8) else "apply/step.html",
        _context(
            center,
            form=form,
            n=n,
            title=STEP_NAMES[n],
            steps=_steps_nav(n, draft.row.step_reached),
            total=steps.LAST,
            back_url=_step_url(n - 1) if n > 1 else "",
            **extra,
        ),
    )


def _load(request: HttpRequest) -> tuple[Center, Draft | None]:
    center = public_center()
    draft = drafts.current(request, center)
    if draft is not None and not drafts.has_consents(draft.row):
        draft = None
    return center, draft


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, n: int) -> HttpResponse:
    """One step: GET shows what was saved; POST saves what was typed (valid or not) and goes
    on (下一步) or back (上一步), or shows every mistake beside its field."""
    if n not in steps.STEPS:
        raise Http404("没有这一步。")
    center, draft = _load(request)
    if draft is None:
        return _redirect_start()
    if n > draft.row.step_reached:
        return HttpResponseRedirect(_step_url(draft.row.step_reached))
    if n == 5:
        return _files_step(request, center, draft)
    if n == steps.LAST:
        return _confirm_step(request, center, draft)
    cls = steps.STEPS[n]
    if request.method == "GET":
        return _render_step(
            request, center, draft, n, cls(initial=draft.step_values(n), center=center)
        )
    form = cls(data=request.POST, center=center)
    valid = form.is_valid()
    draft.put(n, form.values(), valid)
    going_back = request.POST.get("go") == "back"
    if valid and not going_back:
        draft.row.step_reached = max(draft.row.step_reached, n + 1)
    phone = form.cleaned_data["phone"] if valid and n == 1 else None
    draft.save(phone=phone)
    if valid and n == 4:
        drafts.record_consent(draft, "declaration", request)
    if going_back:
        return HttpResponseRedirect(_step_url(max(1, n - 1)))
    if not valid:
        return _render_step(request, center, draft, n, form)
    if n == 1 and not draft.row.resume_code_hash:
        # The resume code, shown once (only its keyed hash is kept).
        code = drafts.issue_resume_code(draft)
        return _code_page(request, center, code)
    return HttpResponseRedirect(_step_url(n + 1))


def _code_page(request: HttpRequest, center: Center, code: str) -> HttpResponse:
    return render(
        request,
        "apply/code.html",
        _context(
            center,
            code=f"{code[:4]}-{code[4:]}",
            next_url=_step_url(2),
            days=drafts.DRAFT_DAYS,
        ),
    )


@require_POST
def new_code(request: HttpRequest) -> HttpResponse:
    """A new resume code for this browser's draft (the old one stops working)."""
    center, draft = _load(request)
    if draft is None or 1 not in draft.done:
        return _redirect_start()
    return _code_page(request, center, drafts.issue_resume_code(draft))


def _store_file(draft: Draft, form: steps.FilesForm, upload: Any) -> bool:
    """Check (nothing written), store under MEDIA_ROOT, then add the row; the file is deleted
    if the row cannot be added."""
    if DraftFile.objects.filter(draft=draft.row).count() >= steps.MAX_FILES:
        form.add_error("file", f"最多上传 {steps.MAX_FILES} 个文件。要换一个，请先删掉一个。")
        return False
    try:
        checked = uploads.check(upload, upload.name, field="file")
    except ActionError as exc:
        form.add_error("file", exc.message)
        return False
    storage = CaseDocument._meta.get_field("file").storage
    now = timezone.localtime()
    name = f"cases/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{checked.extension}"
    checked.file.seek(0)
    stored = storage.save(name, checked.file)
    try:
        DraftFile.objects.create(
            draft=draft.row,
            label=form.cleaned_data.get("label") or "其他材料",
            stored_name=stored,
            original_name=checked.original_name,
            kind=checked.kind,
            size=checked.size,
            sha256=checked.sha256,
        )
    except BaseException:
        storage.delete(stored)
        raise
    return True


def _files_step(request: HttpRequest, center: Center, draft: Draft) -> HttpResponse:
    """⑤ 材料: upload one file at a time, remove one, go on or back."""
    n = 5
    if request.method == "POST":
        form = steps.FilesForm(data=request.POST, files=request.FILES, center=center)
        go = request.POST.get("go", "next")
        form.is_valid()
        if go.startswith("remove-"):
            row = DraftFile.objects.filter(draft=draft.row, pk=go[7:] or 0).first()
            if row is not None:
                name = row.stored_name
                row.delete()
                CaseDocument._meta.get_field("file").storage.delete(name)
            return HttpResponseRedirect(_step_url(n))
        upload = request.FILES.get("file")
        if upload is not None and not _store_file(draft, form, upload):
            return _render_step(request, center, draft, n, form, files=_files(draft))
        if go == "upload":
            if upload is None:
                form.add_error("file", "还没有选择文件。请点“选择文件”，拍照或选一张照片。")
                return _render_step(request, center, draft, n, form, files=_files(draft))
            return HttpResponseRedirect(_step_url(n))
        if go == "back":
            return HttpResponseRedirect(_step_url(n - 1))
        draft.done.add(n)
        draft.row.step_reached = max(draft.row.step_reached, n + 1)
        draft.save()
        return HttpResponseRedirect(_step_url(n + 1))
    return _render_step(
        request, center, draft, n, steps.FilesForm(center=center), files=_files(draft)
    )


def _files(draft: Draft) -> list[DraftFile]:
    return list(DraftFile.objects.filter(draft=draft.row))


def _summary(center: Center, forms_: dict[int, steps.StepForm], files: list[DraftFile]) -> Any:
    """What the confirmation page lists, step by step (the applicant's own data, in full)."""
    who, what, means = (forms_[k].cleaned_data for k in (1, 2, 4))
    opposing = forms_[3]
    assert isinstance(opposing, steps.OpposingForm)
    choice, helper = forms_[6].cleaned_data, forms_[7].cleaned_data
    names = _chosen_names(center, choice)
    helped = ""
    if helper.get("helped_by_institution"):
        helped = (
            Institution.objects.filter(center=center, code=helper["helped_by_institution"])
            .values_list("name", flat=True)
            .first()
            or ""
        )
    exempt = dict(steps.EXEMPT)
    return [
        (1, [("姓名", who["name"]), ("身份证号码", who["id_number"]), ("手机号码", who["phone"]),
             ("住址", who["address"]), ("所在镇街", who["locality"])]),
        (2, [("事情", steps.MATTERS[what["matter"]][0]), ("经过", what["facts"]),
             ("涉及未成年人", "是" if what.get("minor") else "否")]),
        (3, [(f"对方 {i}", "，".join(v for v in (p["name"], p["id_number"], p["phone"]) if v))
             for i, p in enumerate(opposing.parties(), 1)] or [("对方", "未填写")]),
        (4, [("家庭经济情况", means["household"]),
             ("免予核查的情形", "；".join(exempt[k] for k in means.get("exempt") or []) or "无"),
             ("诚信承诺", "已承诺")]),
        (5, [(f.label, f.original_name) for f in files] or [("材料", "未上传")]),
        (6, [("机构", names.get("institution") or "不选，由中心指派"),
             ("承办人", names.get("practitioner") or "不选"),
             ("其他希望", choice.get("wishes") or "无")]),
        (7, [("司法所", helper.get("workstation") or "没有"),
             ("律师事务所或法律服务所", helped or "没有")]),
    ]  # fmt: skip


def _confirm_step(request: HttpRequest, center: Center, draft: Draft) -> HttpResponse:
    """⑧ 确认并提交: every step checked again, then one transaction (`submit`)."""
    n = steps.LAST
    bound = submit.bound_forms(draft, center)
    bad = submit.first_invalid(bound)
    if bad is not None:
        # A step saved with mistakes (or an entry the roster no longer has): back to it.
        draft.row.step_reached = min(draft.row.step_reached, bad)
        draft.row.save(update_fields=["step_reached"])
        return HttpResponseRedirect(_step_url(bad))
    files = _files(draft)
    form = steps.ConfirmForm(data=request.POST or None, center=center)
    if request.method == "POST":
        if request.POST.get("go") == "back":
            return HttpResponseRedirect(_step_url(n - 1))
        if form.is_valid():
            try:
                # Before the action's transaction (a refused hit writes nothing).
                limits.per_ip(request, "apply.submit", drafts.SUBMITS_PER_IP, drafts.WINDOW)
                data = submit.case_input(bound)
                seen = submit.screening_data(bound, draft)
                marks = screening.screen(request, seen)
                case = submit.do_submit_application(
                    center, draft.row, data, marks, request, screened=seen
                )
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                response = HttpResponseRedirect(reverse("apply_receipt"))
                drafts.set_receipt_cookie(response, case.pk)
                return response
    return _render_step(request, center, draft, n, form, summary=_summary(center, bound, files))


def receipt(request: HttpRequest) -> HttpResponse:
    """The receipt: the application number, the date, the 7-day review deadline (法律援助法第
    四十三条), what happens next and how to look the status up."""
    center = public_center()
    try:
        pk = int(request.get_signed_cookie(drafts.RECEIPT_COOKIE, salt=drafts.RECEIPT_SALT) or "")
    except (KeyError, BadSignature, ValueError):
        return HttpResponseRedirect(reverse("apply_start"))
    case = (
        Case.objects.filter(pk=pk, center=center)
        .only("number", "created_at", "review_due_at", "chosen_institution", "chosen_practitioner")
        .first()
    )
    if case is None:
        return HttpResponseRedirect(reverse("apply_start"))
    return render(
        request,
        "apply/receipt.html",
        _context(
            center,
            case=case,
            received=timezone.localtime(case.created_at, CHINA_TZ),
            review_due=timezone.localtime(case.review_due_at, CHINA_TZ)
            if case.review_due_at
            else None,
            files=case.documents.count(),
            chose=bool(case.chosen_institution_id or case.chosen_practitioner_id),
            max_size=size_zh(uploads.max_bytes()),
        ),
    )


@require_http_methods(["GET", "POST"])
def resume(request: HttpRequest) -> HttpResponse:
    """Continue on another device: the resume code and the phone (rate-limited)."""
    center = public_center()
    form = ResumeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            limits.per_ip(request, "apply.resume", drafts.RESUME_PER_IP, drafts.WINDOW)
            limits.per_phone(phone, "apply.resume", drafts.RESUME_PER_PHONE, drafts.WINDOW)
            draft, token = drafts.resume(request, center, form.cleaned_data["code"], phone)
        except limits.RateLimited as refused:
            form.add_error("code", refused.message)
        except drafts.ResumeRefused as exc:
            form.add_error("code", str(exc))
        else:
            response = HttpResponseRedirect(_step_url(draft.row.step_reached))
            drafts.set_cookie(response, token)
            return response
    return render(request, "apply/resume.html", _context(center, form=form, title="继续填写"))


@require_POST
def abandon(request: HttpRequest) -> HttpResponse:
    """Delete this browser's draft, its files and its consents (个人信息保护法第四十七条)."""
    center = public_center()
    draft = drafts.current(request, center)
    if draft is not None:
        with transaction.atomic():
            drafts.delete_draft(draft.row)
    response = render(request, "apply/abandoned.html", _context(center))
    response.delete_cookie(drafts.COOKIE, path="/apply/")
    return response


class ResumeForm(HumanCheckMixin, forms.Form):
    """The resume code and the phone, with the human check (`fayuan.abuse`)."""

    code = forms.CharField(
        label="续填码",
        max_length=20,
        error_messages=steps.REQUIRED,
        help_text="开始填写时页面上显示的 8 位字母和数字，如 K7QM-3XPA。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        error_messages=steps.REQUIRED,
        help_text="第 1 步填写的手机号。",
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        from fayuan.messaging.sms import SmsError, normalize_phone

        try:
            return normalize_phone(self.cleaned_data.get("phone", ""))
        except SmsError as exc:
            raise forms.ValidationError(str(exc)) from None
