"""Demo data for `fayuan demo`: a FICTIONAL roster of Beibei (北碚区) institutions, a login for
every role (an administrator for every institution, a practitioner of every institution, a
court, a procuratorate and the police), each with a random password, and cases in every state
someone acts on, created through the actions (so the audit chain and the rotation are real).

`FAYUAN_DEMO_PASSWORD` gives every demo account that one password instead (the browser tests
sign in with it); it is refused in production settings (FAYUAN_ENV=production or DEBUG off).

Everything lives in the center coded `demo`. Loading again does not duplicate anything: it
resets the accounts' passwords (and issues a new API token) so they can be printed again.
`reset_demo` starts over, and refuses when the database holds anything but the demo.
"""

from __future__ import annotations

import functools
import os
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from fayuan.accounts.models import ApiToken, JudicialOrgan, OrganKind, Role, StaffProfile
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.actions import do_intake_notification as intake_notification
from fayuan.cases.models import Case
from fayuan.cases.review import do_refuse_aid
from fayuan.errors import ActionError
from fayuan.roster.models import Center, Institution, Locality, Practitioner, Workstation
from fayuan.workflow import actions
from fayuan.workflow.models import Assignment, OfficerProposal

CENTER_CODE = "demo"
CENTER_NAME = "重庆市北碚区法律援助中心（演示）"

LOCALITIES = (
    "天生街道",
    "北温泉街道",
    "朝阳街道",
    "龙凤桥街道",
    "蔡家岗街道",
    "童家溪镇",
    "歇马街道",
    "澄江镇",
    "静观镇",
    "水土镇",
    "复兴镇",
    "柳荫镇",
    "金刀峡镇",
    "三圣镇",
    "施家梁镇",
    "天府镇",
    "东阳街道",
)

#: Fictional law firms (code, name, locality, published sequence).
LAW_FIRMS = (
    ("F01", "明理律师事务所（演示）", "天生街道", 1),
    ("F02", "守正律师事务所（演示）", "北温泉街道", 2),
    ("F03", "衡平律师事务所（演示）", "朝阳街道", 3),
    ("F04", "笃行律师事务所（演示）", "蔡家岗街道", 4),
    ("F05", "至诚律师事务所（演示）", "歇马街道", 5),
    ("F06", "求是律师事务所（演示）", "水土镇", 6),
    ("F07", "信达律师事务所（演示）", "龙凤桥街道", 7),
    ("F08", "同心律师事务所（演示）", "东阳街道", 8),
)
#: Fictional grassroots legal service offices (基层法律服务所).
OFFICES = (
    ("G01", "澄江法律服务所（演示）", "澄江镇", 9),
    ("G02", "静观法律服务所（演示）", "静观镇", 10),
    ("G03", "复兴法律服务所（演示）", "复兴镇", 11),
    ("G04", "柳荫法律服务所（演示）", "柳荫镇", 12),
)
ORGANS = (
    ("北碚区人民法院", OrganKind.court),
    ("北碚区人民检察院", OrganKind.procuratorate),
    ("北碚区公安分局", OrganKind.police),
)
SPECIALTIES = (
    "婚姻家庭",
    "合同纠纷",
    "劳动争议",
    "农民工讨薪",
    "工伤赔偿",
    "交通事故",
    "医疗纠纷",
    "房屋租赁",
    "未成年人保护",
    "行政诉讼",
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程"
_GIVEN = "文明华建国平军伟芳娜敏静丽强磊洋勇艳杰涛超秀英霞刚桂兰玉萍红鹏辉健云飞"


@dataclass(frozen=True)
class AccountSpec:
    username: str
    role: Role
    full_name: str
    email: str = ""
    is_section_head: bool = False
    #: The institution an administrator runs, or whose first practitioner a practitioner is.
    institution: str = ""
    #: Which of the institution's practitioners (by code) a practitioner is: 0, the first.
    nth: int = 0
    #: The judicial organ an organ account belongs to.
    organ: OrganKind | None = None
    #: The workstation (司法所, by name) a workstation account belongs to (第七条).
    workstation: str = ""


#: Demo workstation logins (第七条): code of `ws-<code>`, the 司法所, the person's name.
WORKSTATION_ACCOUNTS = (
    ("chengjiang", "澄江镇司法所", "邓华（澄江镇司法所，演示）"),
    ("tiansheng", "天生街道司法所", "曾芳（天生街道司法所，演示）"),
)
#: The demo's liaison point (联络点): a grassroots legal service office.
LIAISON_INSTITUTION = "G02"


def _institution_accounts() -> tuple[AccountSpec, ...]:
    """An administrator (`inst-<code>`) and a practitioner (`lawyer-<code>`, the institution's
    first) for every institution of the roster."""
    specs = []
    for n, (code, name, _where, _sequence) in enumerate((*LAW_FIRMS, *OFFICES)):
        admin_name = _SURNAMES[(7 * n + 3) % len(_SURNAMES)] + _GIVEN[(5 * n + 1) % len(_GIVEN)]
        specs.append(
            AccountSpec(
                f"inst-{code.lower()}",
                Role.institution_admin,
                f"{admin_name}（{name}管理员，演示）",
                institution=code,
            )
        )
        specs.append(
            AccountSpec(f"lawyer-{code.lower()}", Role.practitioner, "（承办人）", institution=code)
        )
    return tuple(specs)


ACCOUNTS = (
    AccountSpec("officer", Role.officer, "周文（演示）", "officer@example.com"),
    AccountSpec("director", Role.director, "吴建国（演示）", "director@example.com"),
    AccountSpec("section", Role.bureau_section, "郑敏（演示）", is_section_head=True),
    AccountSpec("leader", Role.bureau_leader, "冯平（演示）"),
    # These two follow the demo's assigned case (`_cases`), so they have something to do.
    AccountSpec("inst-admin", Role.institution_admin, "何丽（演示）", institution="F01"),
    # The institution's second practitioner: `lawyer-<code>` is its first.
    AccountSpec("lawyer", Role.practitioner, "（承办人）", institution="F01", nth=1),
    AccountSpec(
        "court", Role.judicial_organ, "北碚区人民法院立案庭（演示）", organ=OrganKind.court
    ),
    AccountSpec(
        "procuratorate",
        Role.judicial_organ,
        "北碚区人民检察院案件管理部（演示）",
        organ=OrganKind.procuratorate,
    ),
    AccountSpec(
        "police", Role.judicial_organ, "北碚区公安分局法制大队（演示）", organ=OrganKind.police
    ),
    AccountSpec("supervisor", Role.supervisor, "唐静（演示）"),
    # 第七条: two town/street workstations (司法所) and a liaison institution, each with a case
    # it submitted for a person at its counter (`_cases`).
    *(
        AccountSpec(f"ws-{code}", Role.workstation, full_name, workstation=station)
        for code, station, full_name in WORKSTATION_ACCOUNTS
    ),
    AccountSpec(
        f"liaison-{LIAISON_INSTITUTION.lower()}",
        Role.liaison,
        "冉秀英（静观法律服务所联络点，演示）",
        institution=LIAISON_INSTITUTION,
    ),
    *_institution_accounts(),
)
ADMIN_USERNAME = "admin"
#: The judicial organ account the demo issues an API token to.
TOKEN_USER = "court"

#: What each role's group may view in the admin (the admin narrows cases to those the role may
#: see, `fayuan.accounts.access.visible_cases`). Changes go through the actions and the API.
_ROSTER = ["center", "locality", "workstation", "institution", "institutionstatuschange"]
_ROSTER += ["practitioner"]
_WORKFLOW = ["engineproposal", "officerproposal", "approval", "assignment", "handler"]
_WORKFLOW += ["handlerchange", "recusal", "rotationcredit"]
_CENTER_VIEW = [*_ROSTER, "judicialorgan", "case", "party", *_WORKFLOW]
GROUP_VIEWS: dict[Role, list[str]] = {
    Role.officer: [*_CENTER_VIEW, "declaredperson"],
    Role.director: [*_CENTER_VIEW, "declaredperson", "staffprofile", "auditevent"],
    Role.bureau_section: [*_CENTER_VIEW, "declaredperson", "staffprofile", "auditevent"],
    Role.bureau_leader: _CENTER_VIEW,
    Role.supervisor: [*_CENTER_VIEW, "auditevent"],
    Role.institution_admin: ["institution", "practitioner", "case", "party", "assignment"],
    Role.practitioner: ["case", "party", "assignment", "handler"],
    Role.judicial_organ: [],
    # No admin for the counters (第七条): their pages are /workstation/ and the case page.
    Role.workstation: [],
    Role.liaison: [],
}


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: str
    note: str = ""


@dataclass
class DemoResult:
    created: bool
    accounts: list[Account]
    api_token: str
    token_user: str
    cases: list[tuple[str, str, str]] = field(default_factory=list)  # number, category, status
    warnings: list[str] = field(default_factory=list)


class DemoRefused(Exception):
    """The database holds more than the demo: loading or resetting would mix or destroy data."""


PASSWORD_ENV = "FAYUAN_DEMO_PASSWORD"


def fixed_password() -> str:
    """`FAYUAN_DEMO_PASSWORD`, or "" when unset. Refused (DemoRefused) in production settings:
    a known password must never reach real accounts."""
    fixed = os.environ.get(PASSWORD_ENV, "")
    if fixed and (getattr(settings, "FAYUAN_PRODUCTION", False) or not settings.DEBUG):
        raise DemoRefused(
            f"生产环境（FAYUAN_ENV=production 或 FAYUAN_DEBUG=0）不接受 {PASSWORD_ENV}："
            "演示账号的固定密码只用于开发与浏览器测试。"
        )
    return fixed


def _password() -> str:
    return fixed_password() or secrets.token_urlsafe(9)


def fictional_id_number(birth: date, serial: int, female: bool) -> str:
    """A GB 11643 number with a valid checksum, region 500109 (北碚区), for demo parties only."""
    order = f"{serial % 100:02d}{(serial % 4) * 2 + (0 if female else 1)}"
    body = f"500109{birth:%Y%m%d}{order}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def ensure_groups() -> None:
    """One group per role (`fayuan.accounts.models.Role`), with the admin views it may use."""
    for role, models in GROUP_VIEWS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        perms = Permission.objects.filter(codename__in=[f"view_{m}" for m in models])
        group.permissions.set(perms)


def _roster(center: Center) -> None:
    rng = random.Random(20230901)
    localities = {n: Locality.objects.create(center=center, name=n) for n in LOCALITIES}
    for name, locality in localities.items():
        Workstation.objects.create(center=center, locality=locality, name=f"{name}司法所")
    serial = 0
    for kind, rows, per in (("law_firm", LAW_FIRMS, 5), ("grassroots_office", OFFICES, 3)):
        for code, name, where, sequence in rows:
            institution = Institution.objects.create(
                center=center,
                code=code,
                name=name,
                kind=kind,
                locality=localities[where],
                sequence=sequence,
                address=f"重庆市北碚区{where}（演示地址）",
            )
            for n in range(per):
                serial += 1
                licensed = date(
                    2008 + rng.randrange(16), 1 + rng.randrange(12), 1 + rng.randrange(28)
                )
                Practitioner.objects.create(
                    center=center,
                    institution=institution,
                    code=f"{'L' if kind == 'law_firm' else 'W'}{serial:03d}",
                    name=rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=2 - (n % 2))),
                    kind="lawyer" if kind == "law_firm" else "grassroots_worker",
                    licence_number=f"演示{serial:06d}",
                    licensed_on=licensed,
                    criminal_defense_cases=(
                        rng.randrange(3, 30) if kind == "law_firm" and n < 3 else 0
                    ),
                    specialties=rng.sample(SPECIALTIES, k=1 + rng.randrange(3)),
                    quality=float(80 + rng.randrange(20)),
                    # 《办理法律援助案件程序规定》第二十六条第二款: some lawyers know minors.
                    minors_qualified=kind == "law_firm" and n % 3 == 0,
                )
    for name, kind in ORGANS:
        JudicialOrgan.objects.create(center=center, name=name, kind=kind)


def _organ(center: Center, kind: OrganKind) -> JudicialOrgan:
    """The demo's organ of that kind, created when missing (a demo database of an older
    version has no row for it)."""
    organ = JudicialOrgan.objects.filter(center=center, kind=kind).order_by("id").first()
    if organ is None:
        name = next(n for n, k in ORGANS if k is kind)
        organ = JudicialOrgan.objects.create(center=center, name=name, kind=kind)
    return organ


def _profile_links(center: Center, spec: AccountSpec) -> dict[str, object]:
    if spec.role is Role.institution_admin:
        return {"institution": Institution.objects.get(center=center, code=spec.institution)}
    if spec.role is Role.practitioner:
        practitioners = Practitioner.objects.filter(
            center=center, institution__code=spec.institution
        )
        return {"practitioner": practitioners.order_by("code")[spec.nth]}
    if spec.role is Role.judicial_organ:
        return {"organ": _organ(center, spec.organ or OrganKind.court)}
    if spec.role is Role.workstation:
        return {"workstation": Workstation.objects.get(center=center, name=spec.workstation)}
    if spec.role is Role.liaison:
        return {"institution": Institution.objects.get(center=center, code=spec.institution)}
    return {}


def _ensure_accounts(center: Center) -> dict[str, str]:
    """Create the missing accounts and give every demo account a new password: username →
    password."""
    passwords = {}
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    password = _password()
    if admin is None:
        admin = User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", password)
    else:
        admin.set_password(password)
        admin.is_active = admin.is_staff = admin.is_superuser = True
        admin.save()
    passwords[ADMIN_USERNAME] = password
    for spec in ACCOUNTS:
        password = _password()
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create_user(spec.username, spec.email, password)
        else:
            user.set_password(password)
        # Everyone may sign in to the pages (/login/); the admin is for staff, not for the
        # judicial organs (which also use the API token).
        user.is_staff = spec.role not in (Role.judicial_organ, Role.workstation, Role.liaison)
        user.is_active = True
        user.save()
        user.groups.set([Group.objects.get(name=spec.role.value)])
        passwords[spec.username] = password
        if not StaffProfile.objects.filter(user=user).exists():
            links = _profile_links(center, spec)
            practitioner = links.get("practitioner")
            full_name = (
                practitioner.name + "（演示）"
                if isinstance(practitioner, Practitioner)
                else spec.full_name
            )
            StaffProfile.objects.create(
                user=user,
                role=spec.role,
                center=center,
                full_name=full_name,
                email=spec.email,
                is_section_head=spec.is_section_head,
                **links,
            )
    return passwords


def _accounts(passwords: dict[str, str]) -> list[Account]:
    """The accounts to print, each with what it is tied to."""
    accounts = [
        Account(ADMIN_USERNAME, passwords[ADMIN_USERNAME], "系统管理员（超级用户）", "全部数据")
    ]
    profiles = StaffProfile.objects.select_related(
        "user", "institution", "practitioner__institution", "organ", "workstation"
    )
    by_user = {p.user.username: p for p in profiles.filter(user__username__in=passwords)}
    for spec in ACCOUNTS:
        profile = by_user[spec.username]
        note = ""
        if profile.institution is not None:
            note = profile.institution.name
        elif profile.practitioner is not None:
            note = f"{profile.practitioner.name}，{profile.practitioner.institution.name}"
        elif profile.workstation is not None:
            note = profile.workstation.name
        elif profile.organ is not None:
            note = profile.organ.name + ("，也用 API 令牌" if spec.username == TOKEN_USER else "")
        accounts.append(
            Account(spec.username, passwords[spec.username], profile.get_role_display(), note)
        )
    return accounts


def _new_token(username: str) -> str:
    user = User.objects.get(username=username)
    now = timezone.now()
    ApiToken.objects.filter(user=user, name="演示", revoked_at__isnull=True).update(revoked_at=now)
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=user, name="演示", prefix=raw[:8], digest=ApiToken.hash(raw))
    return raw


def _party(name: str, birth: date, serial: int, female: bool) -> PartyInput:
    return PartyInput(
        "aided",
        name,
        fictional_id_number(birth, serial, female),
        phone=f"1380000{serial:04d}",
        address="重庆市北碚区（演示地址）",
        is_applicant=True,
    )


def _cases(center: Center, now: datetime) -> list[str]:
    """A few cases at different stages, through the actions. Returns warnings (a step the
    calendar or the rules refused) instead of failing the whole demo."""
    officer = User.objects.get(username="officer")
    director = User.objects.get(username="director")
    court = User.objects.get(username="court")
    procuratorate = JudicialOrgan.objects.get(center=center, kind=OrganKind.procuratorate)
    court_organ = JudicialOrgan.objects.get(center=center, kind=OrganKind.court)
    year = timezone.localdate(now).year
    warnings: list[str] = []

    def attempt(what: str, step: Callable[[], object]) -> None:
        try:
            step()
        except ActionError as exc:
            warnings.append(f"{what}：{exc.message}")

    def notified_criminal() -> None:
        intake_notification(
            center,
            court,
            CaseInput(
                category="criminal",
                locality="天生街道",
                parties=[_party("罗艳杰", date(1989, 1, 9), 1, True)],
                organ_id=court_organ.pk,
                letter_number=f"（{year}）渝0109刑初演示1号",
                letter_received_at=now,
                summary="演示：法院通知辩护，待提出指派意见。",
            ),
        )

    def application(
        specialty: str,
        locality: str,
        serial: int,
        summary: str,
        category: str = "civil",
        channel: str = "online",
        workstation: str = "",
        aided_persons: int = 1,
    ) -> Case:
        data = CaseInput(
            category=category,
            locality=locality,
            specialty=specialty,
            summary=summary,
            channel=channel,
            workstation=workstation,
            aided_persons=aided_persons,
            parties=[_party("赵超" + "杰华明"[serial % 3], date(1968, 4, 4), serial, False)],
        )
        return do_intake_application(center, officer, data)

    def awaiting_proposal() -> None:
        case = application("婚姻家庭", "北温泉街道", 2, "演示：已决定给予法律援助，待指派。")
        do_grant_aid(case, officer, now)

    def awaiting_grant() -> None:
        application(
            "劳动争议",
            "澄江镇",
            3,
            "演示：司法所代为申请，待决定是否给予法律援助。",
            category="labor_arbitration",
            channel="workstation",
            workstation="澄江镇司法所",
            aided_persons=3,
        )

    def overdue_case() -> None:
        case = application("交通事故", "水土镇", 4, "演示：已超过指派期限，尚未指派。")
        do_grant_aid(case, officer, now - timedelta(days=15))

    def assigned_case() -> None:
        case = application("合同纠纷", "朝阳街道", 5, "演示：已指派，待承办机构安排承办人。")
        do_grant_aid(case, officer, now)
        proposal = actions.do_propose(case, officer, opinion="同意系统建议。")
        actions.do_director_decide(proposal, director, approve=True)
        assignment = actions.do_issue_assignment(proposal, officer)
        # The institution's accounts follow the case, so they have something to do.
        StaffProfile.objects.filter(user__username="inst-admin").update(
            institution=assignment.institution
        )
        # Its second lawyer: the first is `lawyer-<code>`'s.
        lawyers = Practitioner.objects.filter(institution=assignment.institution, kind="lawyer")
        lawyer = lawyers.order_by("code")[1:2].first()
        if lawyer is not None:
            StaffProfile.objects.filter(user__username="lawyer").update(
                practitioner=lawyer, full_name=f"{lawyer.name}（演示）"
            )

    def assign(case: Case) -> Assignment:
        """Propose the rules' answer, decide (director) and issue the notice."""
        proposal = actions.do_propose(case, officer, opinion="同意系统建议。")
        actions.do_director_decide(proposal, director, approve=True)
        return actions.do_issue_assignment(proposal, officer)

    def name_handlers(case: Case, assignment: Assignment) -> None:
        """The institution's administrator names its demo practitioner (`lawyer-<code>`)
        first, and more of its people when the case needs them."""
        code = assignment.institution.code
        admin = User.objects.get(username=f"inst-{code.lower()}")
        practitioners = list(
            Practitioner.objects.filter(institution=assignment.institution).order_by("code")
        )
        codes = [p.code for p in practitioners[: max(1, assignment.handlers_required)]]
        # The case as the assignment left it (its institution is set now).
        actions.do_name_handlers(Case.objects.get(pk=case.pk), admin, codes)

    def awaiting_director() -> None:
        case = application("房屋租赁", "龙凤桥街道", 7, "演示：已提出指派意见，待中心负责人决定。")
        do_grant_aid(case, officer, now)
        actions.do_propose(case, officer, opinion="同意系统建议，请负责人决定。")

    def group_case(serial: int, summary: str) -> OfficerProposal:
        case = application(
            "农民工讨薪",
            "童家溪镇",
            serial,
            summary,
            category="labor_arbitration",
            aided_persons=52,
        )
        do_grant_aid(case, officer, now)
        return actions.do_propose(case, officer, opinion="52 名农民工集体讨薪，属重大案件。")

    def awaiting_discussion() -> None:
        group_case(8, "演示：52 人集团案件，待中心集体讨论（第五条）。")

    def awaiting_report() -> None:
        proposal = group_case(9, "演示：52 人集团案件，已集体讨论，待书面报请区司法局。")
        actions.do_record_discussion(
            proposal,
            director,
            timezone.localdate(now),
            ["吴建国（演示）", "周文（演示）", "中心工作人员（演示）"],
            "同意系统建议的承办机构，报区司法局决定。",
        )

    def awaiting_bureau() -> None:
        proposal = group_case(10, "演示：52 人集团案件，已书面报请区司法局，待区司法局决定。")
        actions.do_record_discussion(
            proposal,
            director,
            timezone.localdate(now),
            ["吴建国（演示）", "周文（演示）", "中心工作人员（演示）"],
            "同意系统建议的承办机构，报区司法局决定。",
        )
        actions.do_report_to_bureau(
            proposal,
            director,
            f"北碚法援〔{year}〕演示1号",
            "关于 52 名农民工集体讨薪案指派承办机构的请示（演示）。",
        )

    def handler_named() -> None:
        case = application("工伤赔偿", "蔡家岗街道", 11, "演示：已安排承办人，待签订委托协议。")
        do_grant_aid(case, officer, now)
        name_handlers(case, assign(case))

    def under_way(
        serial: int = 12, summary: str = "演示：已签订委托协议，承办中。"
    ) -> tuple[Case, Assignment]:
        case = application("医疗纠纷", "天府镇", serial, summary)
        do_grant_aid(case, officer, now)
        assignment = assign(case)
        name_handlers(case, assignment)
        lawyer = User.objects.get(username=f"lawyer-{assignment.institution.code.lower()}")
        case = Case.objects.get(pk=case.pk)
        return actions.do_sign_agreement(case, lawyer, timezone.localdate(now)), assignment

    def handler_change_requested() -> None:
        case, assignment = under_way(13, "演示：承办中，承办机构申请更换承办人，待批准。")
        admin = User.objects.get(username=f"inst-{assignment.institution.code.lower()}")
        actions.do_request_handler_change(
            case,
            admin,
            "承办人因病长期休假（演示），受援人同意更换。",
            consent=True,
            mode="same_institution",
        )

    def police_notification() -> None:
        police = User.objects.get(username="police")
        police_organ = JudicialOrgan.objects.get(center=center, kind=OrganKind.police)
        intake_notification(
            center,
            police,
            CaseInput(
                category="criminal",
                locality="北温泉街道",
                parties=[_party("陈鹏", date(2001, 7, 15), 15, False)],
                organ_id=police_organ.pk,
                letter_number=f"渝公北碚通字〔{year}〕演示3号",
                letter_received_at=now,
                summary="演示：公安机关通知辩护（侦查阶段），待提出指派意见。",
            ),
        )

    def refused() -> None:
        case = application(
            "合同纠纷", "施家梁镇", 14, "演示：经济状况不符合条件，决定不予法律援助。"
        )
        do_refuse_aid(
            case,
            officer,
            "申请人家庭人均月收入高于本市法律援助经济困难标准（演示），"
            "且不属于免予核查经济困难状况的情形。",
            now,
        )

    def late_criminal() -> None:
        case, _ = intake_notification(
            center,
            officer,
            CaseInput(
                category="criminal",
                locality="歇马街道",
                parties=[_party("吴明霞", date(1981, 3, 1), 6, True)],
                organ_id=procuratorate.pk,
                letter_number=f"渝北碚检演示〔{year}〕2号",
                letter_received_at=now - timedelta(days=12),
                summary="演示：检察院通知辩护，超过期限后才指派。",
            ),
        )
        proposal = actions.do_propose(case, officer)
        actions.do_director_decide(proposal, director, approve=True)
        actions.do_issue_assignment(proposal, officer)

    attempt("法院通知辩护案件", notified_criminal)
    attempt("待提出指派意见的申请", awaiting_proposal)
    attempt("待决定给予法律援助的申请", awaiting_grant)
    attempt("已超期的申请", overdue_case)
    attempt("已指派的案件", assigned_case)
    attempt("超期指派的刑事案件", late_criminal)
    attempt("待中心负责人决定的案件", awaiting_director)
    attempt("待集体讨论的重大案件", awaiting_discussion)
    attempt("待书面报请区司法局的重大案件", awaiting_report)
    attempt("待区司法局决定的重大案件", awaiting_bureau)
    attempt("待签订委托协议的案件", handler_named)
    attempt("承办中的案件", under_way)
    attempt("待批准更换承办人的案件", handler_change_requested)
    attempt("不予法律援助的申请", refused)
    attempt("公安机关通知辩护案件", police_notification)

    def helped(username: str, locality: str, serial: int, specialty: str, summary: str) -> None:
        """第七条: a workstation or liaison point submits for a person at its counter, with the
        person's consent and economic declaration (fayuan.workstations)."""
        from fayuan.workstations.actions import (
            Declaration,
            do_submit_for_person,
            helper_fields,
        )

        user = User.objects.get(username=username)
        channel, station, institution = helper_fields(StaffProfile.objects.get(user=user))
        person = _party("冉" + "明华秀"[serial % 3] + "英", date(1975, 6, 1), serial, True)
        do_submit_for_person(
            center,
            user,
            CaseInput(
                category="labor_arbitration" if specialty == "劳动争议" else "civil",
                locality=locality,
                specialty=specialty,
                summary=summary,
                channel=channel,
                workstation=station,
                helped_by_institution=institution,
                parties=[person, PartyInput("opposing", "某某建筑劳务有限公司（演示）")],
            ),
            Declaration(
                household_size=3, household_monthly_income=1500, exemptions=[], pledged=True
            ),
            consent=True,
        )

    def closed_and_supervised() -> None:
        """Closed cases with their supervision records (第九、十三条; 法律援助法第五十九条): a
        return visit each, the court's opinion on its own case and one scored file review, so
        the quality scores, the reviewer's desk and the report have something to show."""
        from fayuan.supervision import actions as supervision

        supervisor = User.objects.get(username="supervisor")
        closed: list[Case] = []
        visits = (
            (20, 5, "演示：已结案，回访满意。", "律师认真负责，及时告知进展。"),
            (21, 2, "演示：已结案，回访不太满意。", "承办人联系较少（演示）。"),
        )
        for serial, satisfaction, summary, comments in visits:
            case, assignment = under_way(serial, summary)
            lawyer = User.objects.get(username=f"lawyer-{assignment.institution.code.lower()}")
            case = actions.do_close_case(Case.objects.get(pk=case.pk), lawyer, "调解结案（演示）")
            supervision.do_record_visit_attempt(
                case, supervisor, "phone", "reached", satisfaction=satisfaction, comments=comments
            )
            closed.append(case)
        case, _ = intake_notification(
            center,
            court,
            CaseInput(
                category="criminal",
                locality="东阳街道",
                parties=[_party("钟海涛", date(1990, 2, 2), 22, False)],
                organ_id=court_organ.pk,
                letter_number=f"（{year}）渝0109刑初演示4号",
                letter_received_at=now,
                summary="演示：法院通知辩护，已结案，法院已填写评价。",
            ),
        )
        assignment = assign(case)
        name_handlers(case, assignment)
        lawyer = User.objects.get(username=f"lawyer-{assignment.institution.code.lower()}")
        case = actions.do_sign_agreement(
            Case.objects.get(pk=case.pk), lawyer, timezone.localdate(now)
        )
        case = actions.do_close_case(case, lawyer, "判决（演示）")
        supervision.do_record_organ_opinion(
            case, court, "satisfied", "辩护意见充分，庭审准备认真（演示）。"
        )
        closed.append(case)
        today = timezone.localdate(now)
        section = User.objects.get(username="section")
        drawn = supervision.do_draw_file_review(
            center, section, today.replace(day=1), today, seed=20261201
        )
        first = Case.objects.get(pk=drawn.case_ids[0])
        review = supervision.do_assign_reviewer(drawn, first, section, supervisor)
        values = supervision.values_for(center)
        points = {item: weight for item, weight in values.review_checklist}
        points[values.review_checklist[-1][0]] = 0.0  # 结案归档 late in the demo
        supervision.do_score_file_review(review, supervisor, points, "结案归档不及时（演示）。")

    for n, (code, station, _name) in enumerate(WORKSTATION_ACCOUNTS):
        attempt(
            f"{station}代为申请的案件",
            functools.partial(
                helped,
                f"ws-{code}",
                station.removesuffix("司法所"),
                16 + n,
                "劳动争议",
                f"演示：{station}为到场群众代为申请（第七条），待审查。",
            ),
        )
    attempt(
        "联络点指引申请的案件",
        lambda: helped(
            f"liaison-{LIAISON_INSTITUTION.lower()}",
            "静观镇",
            18,
            "婚姻家庭",
            "演示：静观法律服务所作为联络点协助申请（第七条），待审查。",
        ),
    )
    attempt("已结案并回访、评查的案件", closed_and_supervised)
    return warnings


def _refuse_foreign_data() -> None:
    others = Center.objects.exclude(code=CENTER_CODE)
    if others.exists():
        names = "、".join(others.values_list("name", flat=True)[:5])
        raise DemoRefused(
            f"数据库中已有演示以外的法律援助中心（{names}）：演示不会写入或清除真实数据。"
            "请用空的数据库运行（如另设 FAYUAN_HOME，或不设 DATABASE_URL）。"
        )


def reset_demo() -> None:
    """Empty the database (only when it holds nothing but the demo)."""
    _refuse_foreign_data()
    call_command("flush", interactive=False, verbosity=0)


def load_demo(now: datetime | None = None) -> DemoResult:
    """Load the demo once; later calls reset the passwords and issue a new API token."""
    _refuse_foreign_data()
    fixed_password()  # refused in production before anything is written
    now = now or timezone.now()
    with transaction.atomic():
        ensure_groups()
        center = Center.objects.filter(code=CENTER_CODE).first()
        created = center is None
        warnings: list[str] = []
        if center is None:
            center = Center.objects.create(
                code=CENTER_CODE,
                name=CENTER_NAME,
                notice_prefix="北碚法援指",
                address="重庆市北碚区（演示地址）",
                phone="023-00000000（演示）",
            )
            _roster(center)
            passwords = _ensure_accounts(center)
            warnings = _cases(center, now)
        else:
            passwords = _ensure_accounts(center)
        token = _new_token(TOKEN_USER)
        accounts = _accounts(passwords)
    cases = [
        (c.number, c.get_category_display(), c.get_status_display())
        for c in Case.objects.filter(center=center).order_by("id")
    ]
    return DemoResult(created, accounts, token, TOKEN_USER, cases, warnings)


def describe(result: DemoResult) -> str:
    """What `fayuan demo` prints: the accounts with their passwords, the token, the cases."""
    lines = [
        "演示数据已载入（虚构的北碚区承办机构与人员）。"
        if result.created
        else "演示数据已存在，未重复创建；各账号密码已重新生成。",
        "",
        "账号（用户名 / 密码 / 角色）：",
    ]
    width = max(len(a.username) for a in result.accounts)
    for a in result.accounts:
        note = f"（{a.note}）" if a.note else ""
        lines.append(f"  {a.username.ljust(width)}  {a.password}  {a.role}{note}")
    lines += [
        "",
        f"办案机关 API 令牌（{result.token_user}，请求头 Authorization: Bearer …）：",
        f"  {result.api_token}",
        "",
        f"演示案件（{len(result.cases)} 件）：",
    ]
    lines += [f"  {number}  {category}  {status}" for number, category, status in result.cases]
    for w in result.warnings:
        lines.append(f"注意：{w}")
    return "\n".join(lines)
