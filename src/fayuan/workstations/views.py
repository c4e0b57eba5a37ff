"""The pages of workstation (司法所) and liaison point (联络点) staff (第七条): the cases they
helped with and where each stands, and an application submitted for a person at their counter,
with the person's consent recorded. They see their cases masked, as everyone without
`view_personal_data` does (the case page, `fayuan.web.cases_pages`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from fayuan.accounts.access import can, profile_of, visible_cases
from fayuan.accounts.models import Role, StaffProfile
from fayuan.cases import uploads
from fayuan.cases.models import Case, CaseStatus, PartyRole
from fayuan.errors import ActionError
from fayuan.web.lists import Column, list_page
from fayuan.web.officer import _blank_parties, _posted_rows
from fayuan.web.officer_forms import PartyFormSet
from fayuan.web.ui import countdown, done, local, page
from fayuan.workstations.actions import Declaration, do_submit_for_person, helper_fields
from fayuan.workstations.forms import ConsentForm, EconomicForm, MatterForm

PARTIES = "parties"
HELPERS = {Role.workstation, Role.liaison}

#: Where a case stands, in the words a 司法所 tells the person at its counter.
PLAIN_STATUS = {
    CaseStatus.intake: "中心审查中（7 日内决定是否给予法律援助）",
    CaseStatus.awaiting_material: "需申请人补充材料",
    CaseStatus.granted: "已决定给予法律援助，正在指派",
    CaseStatus.proposed: "已决定给予法律援助，正在指派",
    CaseStatus.discussed: "已决定给予法律援助，正在指派",
    CaseStatus.reported: "已决定给予法律援助，正在指派",
    CaseStatus.unassignable: "已决定给予法律援助，正在指派",
    CaseStatus.assigned: "已指派承办机构，待安排承办人",
    CaseStatus.handler_named: "已安排承办人",
    CaseStatus.agreement_signed: "承办人办理中",
    CaseStatus.closed: "已结案",
    CaseStatus.refused: "不予法律援助（申请人可申请复议，法律援助法第四十九条）",
}


def _helper(request: HttpRequest) -> StaffProfile:
    """The signed-in workstation or liaison staff member (403 for any other role)."""
    profile = profile_of(request.user)
    if profile is None or Role(profile.role) not in HELPERS:
        raise PermissionDenied("此页面供工作站（司法所）和联络点（承办机构）人员使用。")
    return profile


def _where(profile: StaffProfile) -> str:
    if profile.role == Role.workstation and profile.workstation is not None:
        return profile.workstation.name
    if profile.institution is not None:
        return profile.institution.name
    return "（未关联工作站或机构）"


def _case_url(case: Case) -> str:
    return f"/cases/{case.number}/"


def _review_left(case: Case) -> tuple[str, bool]:
    """The review deadline and its countdown, while the center reviews (法律援助法第四十三条)."""
    if case.status != CaseStatus.intake or case.review_due_at is None:
        return "", False
    left, overdue = countdown(case.review_due_at)
    return f"{local(case.review_due_at)}（{left}）", overdue


COLUMNS = [
    Column("案件编号", lambda c: c.number, link=_case_url),
    Column("提交时间", lambda c: local(c.created_at)),
    Column("类别", lambda c: c.get_category_display()),
    Column("镇街", lambda c: c.locality.name),
    Column("进展", lambda c: PLAIN_STATUS.get(c.status, c.get_status_display())),
    Column("审查期限", lambda c: _review_left(c)[0], alert=lambda c: _review_left(c)[1]),
    Column("承办机构", lambda c: c.institution.name if c.institution else ""),
]


@login_required
@require_GET
def ws_home(request: HttpRequest) -> HttpResponse:
    """/workstation/: the cases this workstation or liaison point helped with (第七条)."""
    profile = _helper(request)
    rows = (
        visible_cases(request.user)
        .select_related("locality", "institution")
        .order_by("-created_at", "-id")
    )
    return list_page(
        request,
        title="本站协助申请的案件",
        rows=rows,
        columns=COLUMNS,
        template="workstations/home.html",
        extra={"where": _where(profile), "may_apply": can(request.user, "intake_application")},
        filename="协助申请的案件",
    )


def _attempt(
    request: HttpRequest,
    profile: StaffProfile,
    matter: MatterForm,
    formset: Any,
    economic: EconomicForm,
    consent: ConsentForm,
) -> Case | None:
    """Check the files (nothing written), then submit; a refusal goes beside its field."""
    channel, workstation, institution = helper_fields(profile)
    parties, rows = formset.parties()
    c = consent.cleaned_data
    e = economic.cleaned_data

    def step() -> Case:
        scan = c.get("consent_scan")
        checked_scan = uploads.check(scan, scan.name, "consent_scan") if scan else None
        checked = [uploads.check(f, f.name, "attachments") for f in c.get("attachments") or []]
        return do_submit_for_person(
            profile.center,
            request.user,
            matter.helped_input(parties, channel, workstation, institution),
            Declaration(
                household_size=e["household_size"],
                household_monthly_income=e["household_monthly_income"],
                exemptions=list(e["exemptions"]),
                note=e["economic_note"].strip(),
                pledged=e["pledged"],
            ),
            consent=c["consent"],
            scan=checked_scan,
            attachments=checked,
        )

    try:
        return step()
    except ActionError as exc:
        bits = (exc.field or "").split(".")
        if bits[0] == PARTIES and len(bits) == 3 and bits[1].isdigit():
            n = int(bits[1])
            target = formset.forms[rows[n]] if n < len(rows) else None
            if target is not None and bits[2] in target.fields:
                target.add_error(bits[2], exc.message)
                return None
        for form in (consent, economic, matter):
            if bits[0] in form.fields:
                form.add_error(bits[0], exc.message)
                return None
        matter.add_error(None, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def ws_apply(request: HttpRequest) -> HttpResponse:
    """/workstation/apply/: 第七条 — submit an application for a person at the counter. The
    channel and the helper are this user's own; the person's consent is required
    (个人信息保护法第十四、二十九条) and recorded with who and when."""
    profile = _helper(request)
    if not can(request.user, "intake_application"):
        raise PermissionDenied("您的角色不能代为申请。")
    center = profile.center
    if request.method == "POST" and "add_party" in request.POST:
        matter = MatterForm(center=center, initial=request.POST.dict())
        formset = PartyFormSet(
            prefix=PARTIES, initial=[*_posted_rows(request), {"role": PartyRole.opposing}]
        )
        economic = EconomicForm(initial=_prefixed(request, EconomicForm.prefix))
        consent = ConsentForm(initial=_prefixed(request, ConsentForm.prefix))
    elif request.method == "POST":
        matter = MatterForm(request.POST, center=center)
        formset = PartyFormSet(request.POST, prefix=PARTIES)
        economic = EconomicForm(request.POST)
        consent = ConsentForm(request.POST, request.FILES)
        valid = [f.is_valid() for f in (matter, formset, economic, consent)]
        if all(valid):
            case = _attempt(request, profile, matter, formset, economic, consent)
            if case is not None:
                done(
                    request,
                    f"已代为提交申请，案件编号 {case.number}。法律援助中心将于 "
                    f"{local(case.review_due_at)} 前作出是否给予法律援助的决定"
                    "（法律援助法第四十三条），请告知申请人。",
                )
                return redirect(_case_url(case))
    else:
        initial = {
            "chosen_practitioner": request.GET.get("practitioner", "")[:32],
            "chosen_institution": request.GET.get("institution", "")[:32],
        }
        matter = MatterForm(center=center, initial=initial)
        formset = PartyFormSet(prefix=PARTIES, initial=_blank_parties(PartyRole.aided))
        economic = EconomicForm()
        consent = ConsentForm()
    return page(
        request,
        "workstations/apply.html",
        {
            "title": "代为申请法律援助",
            "where": _where(profile),
            "form": matter,
            "formset": formset,
            "economic": economic,
            "consent": consent,
        },
    )


def _prefixed(request: HttpRequest, prefix: str) -> dict[str, Any]:
    """A prefixed form's values as typed (its initial, when a party row is added)."""
    start = f"{prefix}-"
    out: dict[str, Any] = {}
    for key in request.POST:
        if key.startswith(start):
            values = request.POST.getlist(key)
            out[key[len(start) :]] = values if len(values) > 1 else values[0]
    return out
