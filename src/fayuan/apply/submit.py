"""Submission: the draft becomes a case (`fayuan.cases.actions.do_intake_application`, channel
`online`), with its files as `CaseDocument`s of kind `application_material` and the
applicant's consents, in one transaction; then the draft is deleted.

The applicant has no account: the action is taken by an anonymous actor (the audit log names
it 公众（未登录）); 第七条 lets citizens apply online.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import File
from django.http import HttpRequest

from fayuan.abuse import screening as abuse_screening
from fayuan.apply import forms as steps
from fayuan.apply.drafts import Draft
from fayuan.apply.models import ApplicationDraft, Consent, DraftFile
from fayuan.cases import uploads
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_application
from fayuan.cases.models import Case, Channel, DocumentKind, PartyRole
from fayuan.errors import ActionError
from fayuan.locks import action
from fayuan.roster.models import Center


def bound_forms(draft: Draft, center: Center) -> dict[int, steps.StepForm]:
    """Every checked step's form bound to what the draft holds (checked again at the end)."""
    return {n: steps.STEPS[n](data=draft.step_values(n), center=center) for n in steps.CHECKED}


def first_invalid(forms: dict[int, steps.StepForm]) -> int | None:
    for n, form in forms.items():
        if not form.is_valid():
            return n
    return None


def summary_text(what: dict[str, Any], means: dict[str, Any]) -> str:
    """The case's summary: the facts as told, then the economic declaration (法律援助法第四十一条)
    and any 第四十二条 exemption claimed."""
    matter = steps.MATTERS[what["matter"]][0]
    exempt = dict(steps.EXEMPT)
    lines = [
        f"【申请人所选事项】{matter}",
        f"【事情经过】{what['facts'].strip()}",
        f"【经济状况（申请人个人诚信承诺，法律援助法第四十一条）】{means['household'].strip()}",
    ]
    if means.get("exempt"):
        claimed = "；".join(exempt[k] for k in means["exempt"])
        lines.append(f"【申请人称属于免予核查经济困难的情形（第四十二条）】{claimed}")
    return "\n".join(lines)


def case_input(forms: dict[int, steps.StepForm]) -> CaseInput:
    who = forms[1].cleaned_data
    what = forms[2].cleaned_data
    opposing = forms[3]
    assert isinstance(opposing, steps.OpposingForm)
    means = forms[4].cleaned_data
    choice = forms[6].cleaned_data
    helper = forms[7].cleaned_data
    _, category, specialty = steps.MATTERS[what["matter"]]
    parties = [
        PartyInput(
            role=PartyRole.aided,
            name=who["name"].strip(),
            id_number=who["id_number"],
            phone=who["phone"],
            address=who["address"].strip(),
            is_applicant=True,
        )
    ]
    parties += [
        PartyInput(
            role=PartyRole.opposing, name=p["name"], id_number=p["id_number"], phone=p["phone"]
        )
        for p in opposing.parties()
    ]
    return CaseInput(
        category=category,
        locality=who["locality"],
        parties=parties,
        specialty=specialty,
        summary=summary_text(what, means),
        minor=bool(what.get("minor")),
        chosen_institution=choice.get("institution") or "",
        chosen_practitioner=choice.get("practitioner") or "",
        wishes=(choice.get("wishes") or "").strip(),
        channel=Channel.online,
        workstation=helper.get("workstation") or "",
        helped_by_institution=helper.get("helped_by_institution") or "",
    )


def screening_data(forms: dict[int, steps.StepForm], draft: Draft) -> dict[str, Any]:
    """What `fayuan.abuse.screening` reads: the phone, the ID number, the facts, and when the
    draft began (its elapsed time, not the last page's)."""
    who, what = forms[1].cleaned_data, forms[2].cleaned_data
    return {
        "phone": who["phone"],
        "id_number": who["id_number"],
        "facts": what["facts"],
        "started_at": draft.row.created_at,
    }


def _checked(row: DraftFile) -> uploads.CheckedFile:
    """A staged draft file as `uploads.attach` takes it (already checked and stored)."""
    return uploads.CheckedFile(
        file=File(io.BytesIO(b""), name=row.original_name),
        kind=row.kind,
        size=row.size,
        sha256=row.sha256,
        original_name=f"{row.label}：{row.original_name}"[: uploads.NAME_LENGTH],
        stored_name=row.stored_name,
    )


@action
def do_submit_application(
    center: Center,
    row: ApplicationDraft,
    data: CaseInput,
    screening: list[str],
    request: HttpRequest,
    screened: dict[str, Any] | None = None,
) -> Case:
    """One transaction (retried whole): the case, its attachments, the consents moved from the
    draft to the case, the screening marks (`fayuan.abuse.screening`: shown to the officer,
    never dropped) with today's fingerprints remembered, and the draft deleted."""
    actor = AnonymousUser()
    # Claim the draft first: a second click (or a second tab) finds it claimed or gone and
    # creates no second case (on PostgreSQL it waits for this transaction, then sees 0 rows).
    claimed = ApplicationDraft.objects.filter(pk=row.pk, token_hash=row.token_hash).update(
        token_hash=f"submitted-{uuid.uuid4().hex}"
    )
    if not claimed:
        raise ActionError("这份申请已经提交了，请不要重复提交。", kind="conflict")
    case = do_intake_application(center, actor, data)
    for f in DraftFile.objects.filter(draft=row):
        uploads.attach(_checked(f), case, actor, DocumentKind.application_material)
    Consent.objects.filter(draft=row).update(case=case, draft=None)
    if screening:
        case.screening = screening
        case.save(update_fields=["screening"])
    if screened is not None:
        abuse_screening.remember(request, screened)
    # The files now belong to the case's documents: deleting the rows keeps them.
    ApplicationDraft.objects.filter(pk=row.pk).delete()
    return case
