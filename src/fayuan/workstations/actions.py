"""A workstation (司法所) or a liaison institution submits an application for a person at its
counter (第七条): the case through `do_intake_application` with the channel and the helper
(the 便民 preference of 第七条 and SPEC §7 rule 2 read `helped_by_institution`), the person's
consent and economic declaration, and the attachments: one transaction, with its audit events;
a refusal writes nothing (no row, no file, no event)."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

from django.utils import timezone

from fayuan.accounts.access import AnyUser, helper_intake_refusal, require, user_id
from fayuan.accounts.models import Role, StaffProfile
from fayuan.audit import log as audit
from fayuan.cases import uploads
from fayuan.cases.actions import CaseInput, do_intake_application
from fayuan.cases.models import Case, Channel, DocumentKind
from fayuan.errors import ActionError
from fayuan.locks import action
from fayuan.roster.models import Center, Workstation
from fayuan.workstations.models import CONSENT_NOTICE_VERSION, HelpedApplication


@dataclass
class Declaration:
    """The economic declaration (个人诚信承诺, 法律援助法第四十一、四十二条)."""

    household_size: int
    household_monthly_income: int
    exemptions: list[str] = field(default_factory=list)
    note: str = ""
    pledged: bool = False


def helper_fields(profile: StaffProfile) -> tuple[str, str, str]:
    """(channel, workstation name, institution code) of a helper's own counter (第七条)."""
    if profile.role == Role.workstation and profile.workstation_id:
        station = Workstation.objects.get(pk=profile.workstation_id)
        return Channel.workstation.value, station.name, ""
    if profile.role == Role.liaison and profile.institution is not None:
        return Channel.liaison.value, "", profile.institution.code
    raise ActionError(
        "该账号未关联工作站（司法所）或联络点（承办机构），请联系法律援助中心。", kind="forbidden"
    )


def _check_person(consent: bool, declaration: Declaration) -> None:
    """What only the person can give: the consent and the pledge (nothing written before)."""
    if not consent:
        raise ActionError(
            "须由申请人当面阅读个人信息保护告知并同意后才能提交（个人信息保护法第十四、二十九条）。",
            "consent",
        )
    if not declaration.pledged:
        raise ActionError("申请人须承诺经济状况属实（个人诚信承诺）。", "pledged")


@action
def _submit(
    center: Center,
    actor: AnyUser,
    data: CaseInput,
    declaration: Declaration,
    consent: bool,
    scan: uploads.CheckedFile | None,
    attachments: list[uploads.CheckedFile],
) -> Case:
    _check_person(consent, declaration)
    case = do_intake_application(center, actor, data)
    # The helper the case names is the user's own (access.helper_intake_refusal; the guard
    # of do_intake_application has already refused any other).
    problem = helper_intake_refusal(
        actor, case.channel, case.workstation_id, case.helped_by_institution_id
    )
    if problem:
        raise ActionError(problem, "channel", kind="forbidden")
    scan_doc = uploads.attach(scan, case, actor, DocumentKind.other) if scan else None
    for checked in attachments:
        uploads.attach(checked, case, actor, DocumentKind.application_material)
    now = timezone.now()
    record = HelpedApplication.objects.create(
        case=case,
        channel=case.channel,
        workstation_id=case.workstation_id,
        institution_id=case.helped_by_institution_id,
        household_size=declaration.household_size,
        household_monthly_income=declaration.household_monthly_income,
        exemptions=declaration.exemptions,
        economic_note=declaration.note,
        pledged=True,
        consent=True,
        consent_notice_version=CONSENT_NOTICE_VERSION,
        consent_recorded_by_id=user_id(actor),
        consent_recorded_at=now,
        consent_document=scan_doc,
    )
    # No personal data in the event: that consent was given, to which notice, and by whom it
    # was recorded (the actor); the income stays in the record.
    audit.record(
        actor,
        "case.helped_application",
        record,
        case=case,
        data={
            "channel": case.channel,
            "helper": case.workstation.name
            if case.workstation
            else str(case.helped_by_institution),
            "consent_notice": CONSENT_NOTICE_VERSION,
            "consent_scan": scan_doc is not None,
            "attachments": len(attachments),
            "pledged": True,
        },
    )
    return case


def do_submit_for_person(
    center: Center,
    actor: AnyUser,
    data: CaseInput,
    declaration: Declaration,
    *,
    consent: bool,
    scan: uploads.CheckedFile | None = None,
    attachments: list[uploads.CheckedFile] | None = None,
) -> Case:
    """第七条: the application a workstation or liaison institution submits for a person, with
    the person's consent (个人信息保护法第十三、十四、二十九条) recorded with who and when.

    The files are checked (`uploads.check`) by the caller, before this; they are written, then
    the one transaction adds the case, its parties, the documents, the record and the audit
    events; on a refusal the files are deleted again (`uploads.staged`)."""
    require(actor, "intake_application")
    _check_person(consent, declaration)
    files = attachments or []
    with ExitStack() as stack:
        staged_scan = stack.enter_context(uploads.staged(scan)) if scan else None
        staged = [stack.enter_context(uploads.staged(f)) for f in files]
        return _submit(center, actor, data, declaration, consent, staged_scan, staged)
