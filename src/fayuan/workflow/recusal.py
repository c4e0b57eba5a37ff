"""第八条 in the service: declarations, the system's own flag, and who decides a recusal."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fayuan import locks
from fayuan.accounts.access import AnyUser, profile_of, require
from fayuan.accounts.models import DeclaredPerson, Role, StaffProfile
from fayuan.audit import log as audit
from fayuan.cases.models import Case
from fayuan.errors import ActionError
from fayuan.identity import IdNumberError, clean_id_number, normalize_id_number
from fayuan.locks import action
from fayuan.policy import recusal as rules
from fayuan.workflow import engine
from fayuan.workflow.models import Recusal, RecusalStatus

#: Staff whose recusal 第八条 governs, by their role in the system.
STAFF_ROLE = {Role.officer: rules.StaffRole.officer, Role.director: rules.StaffRole.director}


def staff_role(profile: StaffProfile) -> rules.StaffRole | None:
    if profile.role == Role.bureau_section and profile.is_section_head:
        return rules.StaffRole.section_head
    return STAFF_ROLE.get(Role(profile.role))


def _person(name: str, id_number: str) -> rules.Person:
    # Normalised here too, so a number entered before normalising still matches.
    return rules.Person(name, normalize_id_number(id_number) or None)


def declaration(profile: StaffProfile) -> rules.Declaration:
    declared = list(DeclaredPerson.objects.filter(user_id=profile.user_id))
    return rules.Declaration(
        _person(profile.full_name, profile.id_number),
        tuple(
            _person(d.name, d.id_number) for d in declared if d.kind == DeclaredPerson.Kind.relative
        ),
        tuple(
            _person(d.name, d.id_number) for d in declared if d.kind == DeclaredPerson.Kind.interest
        ),
    )


def flag_recusals(case: Case) -> list[Recusal]:
    """[SPEC §11] Flag every assignment staff member whose identity or declarations match a party.
    Runs inside the intake transaction; a flagged member may not act until it is decided."""
    parties = engine.policy_parties(list(case.parties.all()))
    flagged = []
    staff = StaffProfile.objects.filter(
        center=case.center, role__in=[Role.officer, Role.director, Role.bureau_section]
    )
    for profile in staff.select_related("user"):
        role = staff_role(profile)
        if role is None:
            continue
        grounds = rules.recusal_grounds(declaration(profile), parties)
        if grounds:
            recusal = Recusal.objects.create(
                case=case,
                staff_id=profile.user_id,
                grounds=grounds,
                flagged_by_system=True,
                decider_body=rules.recusal_decider(role).value,
            )
            audit.record(
                None,
                "recusal.flagged",
                recusal,
                case=case,
                data={"staff": profile.user.get_username(), "grounds": len(grounds)},
            )
            flagged.append(recusal)
    return flagged


def ensure_not_recused(user: AnyUser, case: Case) -> None:
    """第八条：a member with a pending or granted recusal may not act on the case."""
    recusal = Recusal.objects.filter(
        case=case, staff_id=user.pk, status__in=[RecusalStatus.pending, RecusalStatus.granted]
    ).first()
    if recusal is None:
        return
    if recusal.status == RecusalStatus.granted:
        raise ActionError("您已回避本案，不得处理本案（第八条）。", kind="forbidden")
    decider = rules.RECUSAL_DECIDER_ZH[rules.RecusalDecider(recusal.decider_body)]
    raise ActionError(
        f"您与本案可能存在回避事由（{'；'.join(recusal.grounds)}），须待{decider}作出回避决定后才能处理本案（第八条）。",
        kind="forbidden",
    )


@action
def do_apply_recusal(case: Case, actor: AnyUser, grounds: str) -> Recusal:
    """第八条：应当主动申请回避。"""
    profile = require(actor, "apply_recusal", case)
    role = staff_role(profile)
    if role is None:
        raise ActionError("只有指派人员、中心负责人和管理科负责人适用本条回避。", kind="forbidden")
    if not grounds.strip():
        raise ActionError("请写明回避事由。", "grounds")
    with transaction.atomic():
        case = locks.case(case)  # the case first (fayuan.locks): one application at a time
        recusal, _ = Recusal.objects.get_or_create(
            case=case,
            staff_id=actor.pk,
            defaults={"decider_body": rules.recusal_decider(role).value, "grounds": []},
        )
        recusal.grounds = [*recusal.grounds, grounds.strip()]
        recusal.status = RecusalStatus.pending
        recusal.save(update_fields=["grounds", "status"])
        audit.record(actor, "recusal.apply", recusal, case=case)
    return recusal


def _may_decide(decider: StaffProfile, body: rules.RecusalDecider) -> bool:
    if body is rules.RecusalDecider.aid_center:
        return decider.role == Role.director
    if body is rules.RecusalDecider.pls_section:
        return decider.role == Role.bureau_section
    return decider.role == Role.bureau_leader


def bodies_decided_by(profile: StaffProfile | None) -> list[str]:
    """The deciding bodies (第八条) whose recusals this person decides: for lists and links."""
    if profile is None:
        return []
    return [body.value for body in rules.RecusalDecider if _may_decide(profile, body)]


@action
def do_decide_recusal(recusal: Recusal, actor: AnyUser, grant: bool, reason: str = "") -> Recusal:
    """第八条：工作人员回避由区法律援助中心决定；中心负责人回避由管理科决定；管理科负责人回避由区司法局决定。"""
    profile = require(actor, "decide_recusal", recusal.case)
    body = rules.RecusalDecider(recusal.decider_body)
    if not _may_decide(profile, body) or recusal.staff_id == actor.pk:
        raise ActionError(f"本回避应由{rules.RECUSAL_DECIDER_ZH[body]}决定。", kind="forbidden")
    with transaction.atomic():
        # Case, then the recusal (fayuan.locks); decided on the row as it is now, not as read.
        locks.case(recusal.case)
        recusal = locks.recusal(recusal.pk)
        if recusal.status != RecusalStatus.pending:
            raise ActionError("该回避已作出决定。", kind="conflict")
        recusal.status = RecusalStatus.granted if grant else RecusalStatus.denied
        recusal.decided_by = actor  # type: ignore[assignment]
        recusal.decided_at = timezone.now()
        recusal.decision_reason = reason
        recusal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(actor, "recusal.decide", recusal, case=recusal.case, data={"granted": grant})
    return recusal


@action
def do_declare_person(
    actor: AnyUser, kind: str, name: str, id_number: str = "", relation: str = "", note: str = ""
) -> DeclaredPerson:
    """第八条：staff declare close relatives and interests, so the system can flag them."""
    require(actor, "declare_persons")
    if kind not in DeclaredPerson.Kind.values:
        raise ActionError("类别应为 relative（近亲属）或 interest（利害关系人）。", "kind")
    if not name.strip():
        raise ActionError("姓名不能为空。", "name")
    try:
        # The form parties' numbers are stored and matched in (full-width digits as ASCII).
        id_number = clean_id_number(id_number)
    except IdNumberError as exc:
        raise ActionError(f"身份证号码无效：{exc.reason}。", "id_number") from None
    profile = profile_of(actor)
    assert profile is not None
    with transaction.atomic():
        person = DeclaredPerson.objects.create(
            user_id=profile.user_id,
            kind=kind,
            name=name.strip(),
            id_number=id_number,
            relation=relation,
            note=note,
        )
        audit.record(actor, "staff.declare_person", person, data={"kind": kind})
    return person
