"""Intake: a citizen's application (第七条) or a judicial organ's notification letter (第六条),
and the decision to grant aid, which starts the deadline. Every write records its audit event in
the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fayuan import locks
from fayuan.accounts.access import AnyUser, helper_intake_refusal, require
from fayuan.accounts.models import JudicialOrgan
from fayuan.audit import log as audit
from fayuan.cases.letters import letter_key
from fayuan.cases.models import CATEGORY_CHOICES, Case, CaseStatus, Channel, Party, PartyRole
from fayuan.errors import ActionError
from fayuan.identity import IdNumberError, clean_id_number, mask_id_number
from fayuan.locks import action
from fayuan.policy.deadlines import Deadlines, local_date
from fayuan.policy.params import PolicyDateError
from fayuan.policy.review import review_deadline
from fayuan.policy.selection import deadlines_for
from fayuan.roster.models import Center, Institution, Locality, Practitioner, Workstation
from fayuan.status import notify
from fayuan.workdays import CalendarYearMissing
from fayuan.workflow import engine
from fayuan.workflow.recusal import ensure_not_recused, flag_recusals

CATEGORIES = {value for value, _ in CATEGORY_CHOICES}
LETTER_KEY_LENGTH = Case._meta.get_field("letter_key").max_length or 100


@dataclass
class PartyInput:
    role: str
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_applicant: bool = False


@dataclass
class CaseInput:
    """What intake needs, from either source. Codes name roster entries (SPEC §12 ids)."""

    category: str
    locality: str
    parties: list[PartyInput]
    aided_persons: int = 1
    specialty: str = ""
    summary: str = ""
    social_impact: bool = False
    major_difficult: bool = False
    life_sentence_possible: bool = False
    stability_risk: bool = False
    minor: bool = False
    chosen_practitioner: str = ""
    chosen_institution: str = ""
    wishes: str = ""
    conflict_institutions: list[str] = field(default_factory=list)
    conflict_practitioners: list[str] = field(default_factory=list)
    # Application only (第七条)
    channel: str = ""
    workstation: str = ""
    helped_by_institution: str = ""
    # Notification only (第六条)
    organ_id: int | None = None
    letter_number: str = ""
    letter_received_at: datetime | None = None


def _validate_parties(parties: list[PartyInput]) -> None:
    """Checks the parties and puts each ID number in its one form (`normalize_id_number`:
    full-width or superscript digits as ASCII), in which it is stored and matched."""
    if not any(p.role == PartyRole.aided for p in parties):
        raise ActionError("至少需要一名受援人。", field="parties")
    for n, p in enumerate(parties):
        if p.role not in PartyRole.values:
            raise ActionError(
                "当事人身份应为 aided（受援人）或 opposing（对方当事人）。", f"parties.{n}.role"
            )
        if not p.name.strip():
            raise ActionError("当事人姓名不能为空。", f"parties.{n}.name")
        try:
            p.id_number = clean_id_number(p.id_number)
        except IdNumberError as exc:
            raise ActionError(f"身份证号码无效：{exc.reason}。", f"parties.{n}.id_number") from None


def _resolve(center: Center, data: CaseInput) -> dict[str, Any]:
    """Roster references by code, each refused with the field that named it."""
    if data.category not in CATEGORIES:
        raise ActionError(f"案件类别应为 {'、'.join(sorted(CATEGORIES))} 之一。", "category")
    if data.aided_persons < 1:
        raise ActionError("受援人数至少为 1。", "aided_persons")
    locality = Locality.objects.filter(center=center, name=data.locality).first()
    if locality is None:
        raise ActionError(f"本中心没有名为“{data.locality}”的镇街。", "locality")
    refs: dict[str, Any] = {"locality": locality}
    institutions = {
        "chosen_institution": data.chosen_institution,
        "helped_by_institution": data.helped_by_institution,
    }
    for key, code in institutions.items():
        refs[key] = None
        if code:
            refs[key] = Institution.objects.filter(center=center, code=code).first()
            if refs[key] is None:
                raise ActionError(f"名册中没有编号为 {code} 的承办机构。", key)
    refs["chosen_practitioner"] = None
    if data.chosen_practitioner:
        chosen = Practitioner.objects.filter(center=center, code=data.chosen_practitioner).first()
        if chosen is None:
            raise ActionError(
                f"名册中没有编号为 {data.chosen_practitioner} 的承办人。", "chosen_practitioner"
            )
        if (
            refs["chosen_institution"] is not None
            and chosen.institution_id != refs["chosen_institution"].pk
        ):
            raise ActionError("所选承办人不属于所选承办机构。", "chosen_institution")
        refs["chosen_practitioner"] = chosen
    refs["workstation"] = None
    if data.workstation:
        refs["workstation"] = Workstation.objects.filter(
            center=center, name=data.workstation
        ).first()
        if refs["workstation"] is None:
            raise ActionError(
                f"本中心没有名为“{data.workstation}”的工作站（司法所）。", "workstation"
            )
    refs["conflict_institutions"] = list(
        Institution.objects.filter(center=center, code__in=data.conflict_institutions)
    )
    if len(refs["conflict_institutions"]) != len(set(data.conflict_institutions)):
        raise ActionError("有利益冲突的机构中有名册里没有的编号。", "conflict_institutions")
    refs["conflict_practitioners"] = list(
        Practitioner.objects.filter(center=center, code__in=data.conflict_practitioners)
    )
    if len(refs["conflict_practitioners"]) != len(set(data.conflict_practitioners)):
        raise ActionError("有利益冲突的承办人中有名册里没有的编号。", "conflict_practitioners")
    return refs


def _create(
    center: Center, actor: AnyUser, data: CaseInput, source: str, refs: dict[str, Any], **extra: Any
) -> Case:
    case = Case.objects.create(
        center=center,
        # A unique placeholder within the 40 characters of `Case.number`, replaced just below.
        number=f"pending-{uuid.uuid4().hex}",
        category=data.category,
        source=source,
        summary=data.summary,
        aided_persons=data.aided_persons,
        locality=refs["locality"],
        specialty=data.specialty,
        social_impact=data.social_impact,
        major_difficult=data.major_difficult,
        life_sentence_possible=data.life_sentence_possible,
        stability_risk=data.stability_risk,
        minor=data.minor,
        chosen_practitioner=refs["chosen_practitioner"],
        chosen_institution=refs["chosen_institution"],
        wishes=data.wishes,
        created_by=actor if actor.is_authenticated else None,  # type: ignore[misc]
        **extra,
    )
    year = local_date(case.created_at).year
    case.number = f"{center.code.upper()}-{year}-{case.pk:06d}"
    case.save(update_fields=["number"])
    case.conflict_institutions.set(refs["conflict_institutions"])
    case.conflict_practitioners.set(refs["conflict_practitioners"])
    Party.objects.bulk_create(
        Party(
            case=case,
            role=p.role,
            is_applicant=p.is_applicant,
            name=p.name.strip(),
            id_number=p.id_number,  # normalised by `_validate_parties`
            phone=p.phone,
            address=p.address,
        )
        for p in data.parties
    )
    return case


def _audit_parties(data: CaseInput) -> list[dict[str, str]]:
    return [{"role": p.role, "id_number": mask_id_number(p.id_number)} for p in data.parties]


DEADLINE_FIELDS = [
    "due_at",
    "local_due_at",
    "statutory_due_at",
    "due_provisional",
    "limits_provisional",
    "due_from",
]


#: What starts the deadline, by the input field that gave it (for the messages).
START_LABELS = {"letter_received_at": "收到公函的时间", "at": "决定给予法律援助的时间"}


def set_deadlines(case: Case, started_at: datetime, field_name: str) -> Deadlines:
    """第六条 and the statutory 三日 from `started_at` (SPEC §5), set on `case` (not saved:
    the caller saves `DEADLINE_FIELDS`). A year with no State Council arrangement gives a
    provisional deadline, never a refusal; only a year before the calendar's data is an error."""
    policy = engine.policy_for(case.center)
    day = local_date(started_at)
    try:
        pv = policy.values_on(day)
    except PolicyDateError as exc:
        # Before the policy took effect its rules (and numbers) do not apply to the case.
        label = START_LABELS.get(field_name, field_name)
        raise ActionError(
            f"{label}（{field_name}）{day.isoformat()} 早于本中心政策《{policy.title}》"
            f"（{policy.document}）的施行日期 {policy.effective.isoformat()}，"
            "不能按该政策计算指派期限；请核对日期。",
            field_name,
        ) from exc
    try:
        dl = deadlines_for(
            engine.policy_case_at(case, started_at), started_at, pv, engine.calendar()
        )
    except CalendarYearMissing as exc:
        raise ActionError(str(exc), field_name) from exc
    case.due_at = dl.deadline
    case.local_due_at = dl.local
    case.statutory_due_at = dl.statutory
    case.due_provisional = dl.provisional
    case.limits_provisional = dl.any_provisional
    case.due_from = started_at
    return dl


@action
def do_intake_application(center: Center, actor: AnyUser, data: CaseInput) -> Case:
    """第七条：a citizen's application, online or at a workstation, with who helped. An online
    application (channel `online`) comes from the applicant, who has no account: it is the
    one intake an anonymous actor may make (`fayuan.apply`; the audit log: 公众（未登录）)."""
    if not (data.channel == Channel.online and not actor.is_authenticated):
        require(actor, "intake_application")
    _validate_parties(data.parties)
    if data.channel not in Channel.values:
        raise ActionError(f"申请方式应为 {'、'.join(Channel.values)} 之一。", "channel")
    if data.channel == Channel.workstation and not data.workstation:
        raise ActionError("经工作站（司法所）申请的，须写明工作站。", "workstation")
    with transaction.atomic():
        refs = _resolve(center, data)
        # 第七条: a workstation or liaison point records only what it helped with, as itself.
        workstation, helper = refs["workstation"], refs["helped_by_institution"]
        problem = helper_intake_refusal(
            actor,
            data.channel,
            workstation.pk if workstation else None,
            helper.pk if helper else None,
        )
        if problem:
            raise ActionError(problem, "channel", kind="forbidden")
        case = _create(
            center,
            actor,
            data,
            "application",
            refs,
            channel=data.channel,
            workstation=refs["workstation"],
            helped_by_institution=refs["helped_by_institution"],
            status=CaseStatus.intake,
        )
        # 法律援助法第四十三条：自收到法律援助申请之日起七日内进行审查 (fayuan.policy.review).
        try:
            case.review_due_at = review_deadline(case.created_at, engine.calendar())
        except CalendarYearMissing as exc:
            raise ActionError(str(exc), "received_at") from exc
        case.save(update_fields=["review_due_at"])
        audit.record(
            actor,
            "case.intake_application",
            case,
            case=case,
            data={
                "number": case.number,
                "parties": _audit_parties(data),
                "review_due_at": case.review_due_at.isoformat(),
            },
        )
        flag_recusals(case)
        notify.application_received(case)  # SMS to the applicant after commit (issue 9)
    return case


#: The fields a resent letter is compared on, with what users call them.
NOTIFICATION_FIELDS = {
    "category": "案件类别",
    "locality": "镇街",
    "parties": "当事人",
    "aided_persons": "受援人数",
    "specialty": "涉及专业",
    "summary": "案情摘要",
    "social_impact": "具有一定社会影响",
    "major_difficult": "重大疑难",
    "life_sentence_possible": "可能判处无期徒刑以上",
    "stability_risk": "对社会平安稳定有影响",
    "minor": "未成年人案件",
    "chosen_practitioner": "选择的承办人",
    "chosen_institution": "选择的承办机构",
    "wishes": "受援人意愿",
    "conflict_institutions": "有利益冲突的机构",
    "conflict_practitioners": "有利益冲突的承办人",
    "letter_received_at": "收到公函的时间",
}


def _registered_letter(organ: JudicialOrgan, key: str) -> Case | None:
    return (
        Case.objects.filter(organ=organ, letter_key=key, source="notification")
        .select_related("locality", "chosen_practitioner", "chosen_institution")
        .prefetch_related("parties", "conflict_institutions", "conflict_practitioners")
        .first()
    )


def notification_differences(case: Case, data: CaseInput) -> list[str]:
    """The fields (of `NOTIFICATION_FIELDS`, in its order) in which `data` differs from the
    letter registered as `case`. Parties compare as a set (their order does not matter), with
    names trimmed and ID numbers in their normalised form, as they are stored."""

    def code(row: Institution | Practitioner | None) -> str:
        return row.code if row is not None else ""

    stored_parties = sorted(
        (p.role, p.name, p.id_number, p.phone, p.address, p.is_applicant)
        for p in case.parties.all()
    )
    sent_parties = sorted(
        (p.role, p.name.strip(), p.id_number, p.phone, p.address, p.is_applicant)
        for p in data.parties
    )
    stored: dict[str, object] = {
        "category": case.category,
        "locality": case.locality.name,
        "parties": stored_parties,
        "aided_persons": case.aided_persons,
        "specialty": case.specialty,
        "summary": case.summary,
        "social_impact": case.social_impact,
        "major_difficult": case.major_difficult,
        "life_sentence_possible": case.life_sentence_possible,
        "stability_risk": case.stability_risk,
        "minor": case.minor,
        "chosen_practitioner": code(case.chosen_practitioner),
        "chosen_institution": code(case.chosen_institution),
        "wishes": case.wishes,
        "conflict_institutions": {i.code for i in case.conflict_institutions.all()},
        "conflict_practitioners": {p.code for p in case.conflict_practitioners.all()},
        "letter_received_at": case.letter_received_at,
    }
    sent: dict[str, object] = {
        "category": data.category,
        "locality": data.locality,
        "parties": sent_parties,
        "aided_persons": data.aided_persons,
        "specialty": data.specialty,
        "summary": data.summary,
        "social_impact": data.social_impact,
        "major_difficult": data.major_difficult,
        "life_sentence_possible": data.life_sentence_possible,
        "stability_risk": data.stability_risk,
        "minor": data.minor,
        "chosen_practitioner": data.chosen_practitioner,
        "chosen_institution": data.chosen_institution,
        "wishes": data.wishes,
        "conflict_institutions": set(data.conflict_institutions),
        "conflict_practitioners": set(data.conflict_practitioners),
        "letter_received_at": data.letter_received_at,
    }
    return [name for name in NOTIFICATION_FIELDS if stored[name] != sent[name]]


def _same_letter(case: Case, data: CaseInput) -> Case:
    """The registered case, when `data` is the same letter again; a letter resent with other
    content is refused (409) with the fields that differ, never silently answered."""
    differences = notification_differences(case, data)
    if not differences:
        return case
    labels = "、".join(NOTIFICATION_FIELDS[name] for name in differences)
    raise ActionError(
        f"公函文号“{data.letter_number.strip()}”已登记为案件 {case.number}，"
        f"本次提交的内容与已登记的不同：{labels}（{', '.join(differences)}）。"
        "同一公函只登记一次；公函内容有更正的，请与法律援助中心联系。",
        differences[0],
        kind="conflict",
        details={"differences": differences, "case": case.number},
    )


@action
def do_intake_notification(center: Center, actor: AnyUser, data: CaseInput) -> tuple[Case, bool]:
    """第六条：a notification letter (通知辩护/通知代理) starts the deadline on receipt.

    Idempotent: the same organ's same letter number (compared by `letter_key`: full-width
    forms, case and dashes do not matter) with the same content gives the same case
    (created=False) and writes nothing; with different content it is a 409 naming the fields
    that differ (`notification_differences`)."""
    require(actor, "intake_notification")
    _validate_parties(data.parties)
    if not data.letter_number.strip():
        raise ActionError("须填写通知公函文号。", "letter_number")
    key = letter_key(data.letter_number)
    if len(key) > LETTER_KEY_LENGTH:
        raise ActionError(f"公函文号过长（最多 {LETTER_KEY_LENGTH} 个字符）。", "letter_number")
    if data.letter_received_at is None or timezone.is_naive(data.letter_received_at):
        raise ActionError("须填写收到公函的时间（含时区）。", "letter_received_at")
    organ = JudicialOrgan.objects.filter(center=center, pk=data.organ_id or 0).first()
    if organ is None:
        raise ActionError("办案机关不存在。", "organ")
    existing = _registered_letter(organ, key)
    if existing is not None:
        return _same_letter(existing, data), False
    try:
        with transaction.atomic():
            refs = _resolve(center, data)
            case = _create(
                center,
                actor,
                data,
                "notification",
                refs,
                organ=organ,
                letter_number=data.letter_number.strip(),
                letter_key=key,
                letter_received_at=data.letter_received_at,
                status=CaseStatus.granted,
                started_at=data.letter_received_at,
            )
            set_deadlines(case, data.letter_received_at, "letter_received_at")
            case.save(update_fields=DEADLINE_FIELDS)
            audit.record(
                actor,
                "case.intake_notification",
                case,
                case=case,
                data={
                    "number": case.number,
                    "organ": organ.name,
                    "letter": case.letter_number,
                    "parties": _audit_parties(data),
                },
            )
            flag_recusals(case)
    except IntegrityError:
        # Two submissions of one letter at once: the other one won; answer with its case (or
        # the differences, when this one said something else).
        existing = _registered_letter(organ, key)
        if existing is None:
            raise
        return _same_letter(existing, data), False
    return case, True


@action
def do_grant_aid(case: Case, actor: AnyUser, at: datetime | None = None) -> Case:
    """第六条：自决定给予法律援助之日起计算指派期限。"""
    require(actor, "grant_aid", case)
    ensure_not_recused(actor, case)
    if case.status != CaseStatus.intake:
        raise ActionError(
            f"案件当前状态为“{case.get_status_display()}”，不能再决定给予法律援助。",
            kind="conflict",
        )
    moment = at or timezone.now()
    with transaction.atomic():
        case = locks.case(case)
        if case.status != CaseStatus.intake:  # another grant won the race
            raise ActionError(
                f"案件当前状态为“{case.get_status_display()}”，不能再决定给予法律援助。",
                kind="conflict",
            )
        case.granted_by = actor  # type: ignore[assignment]
        case.granted_at = moment
        case.started_at = moment
        dl = set_deadlines(case, moment, "at")
        case.status = CaseStatus.granted
        case.save(
            update_fields=["granted_by", "granted_at", "started_at", "status", *DEADLINE_FIELDS]
        )
        audit.record(
            actor,
            "case.grant_aid",
            case,
            case=case,
            data={
                "at": moment.isoformat(),
                "due_at": dl.deadline.isoformat(),
                "due_provisional": case.due_provisional,
            },
        )
        notify.aid_granted(case)  # SMS to the applicant after commit (issue 9)
    return case
