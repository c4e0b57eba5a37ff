"""Workstations (司法所) and liaison points (联络点) (第七条; issue 9 item 5): their staff submit
an application for a person at the counter with the person's consent recorded (个人信息保护法
第十四、二十九条), the case names them as its helper (the 便民 rule reads it), a refusal writes
nothing, and they see only the cases they helped with, masked, with no reveal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fayuan.accounts.access import can, visible_cases
from fayuan.accounts.models import Role
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_application
from fayuan.cases.models import Case, CaseDocument, Party
from fayuan.errors import ActionError
from fayuan.roster.models import Institution, Locality, Workstation
from fayuan.workstations.models import HelpedApplication

from .conftest import make_user

pytestmark = pytest.mark.django_db

ID = "500109196706097552"  # GB 11643 checksum valid
PHONE = "13800001111"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def helpers(world) -> dict[str, User]:
    center = world.center
    tiansheng = Locality.objects.get(center=center, name="天生街道")
    dongyang = Locality.objects.get(center=center, name="东阳街道")
    mine = Workstation.objects.create(center=center, locality=tiansheng, name="天生街道司法所")
    other = Workstation.objects.create(center=center, locality=dongyang, name="东阳街道司法所")
    return {
        "ws": make_user(center, "ws-tiansheng", Role.workstation, workstation=mine),
        "ws_other": make_user(center, "ws-dongyang", Role.workstation, workstation=other),
        "liaison": make_user(
            center,
            "liaison-g02",
            Role.liaison,
            institution=Institution.objects.get(center=center, code="G02"),
        ),
    }


def form_data(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": "labor_arbitration",
        "locality": "天生街道",
        "aided_persons": "1",
        "specialty": "劳动争议",
        "summary": "工地拖欠工资三个月。",
        "chosen_institution": "",
        "chosen_practitioner": "",
        "wishes": "",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "200",
        "parties-0-role": "aided",
        "parties-0-is_applicant": "on",
        "parties-0-name": "赵大明",
        "parties-0-id_number": ID,
        "parties-0-phone": PHONE,
        "parties-0-address": "重庆市北碚区天生街道 1 号",
        "parties-1-role": "opposing",
        "parties-1-name": "某建筑公司",
        "econ-household_size": "3",
        "econ-household_monthly_income": "1800",
        "econ-exemptions": ["migrant_wages"],
        "econ-pledged": "on",
        "consent-consent": "on",
    }
    data.update(extra)
    return data


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "parties": Party.objects.count(),
        "documents": CaseDocument.objects.count(),
        "helped": HelpedApplication.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_workstation_submits_for_a_person_with_consent(world, helpers) -> None:
    client = signed_in(helpers["ws"])
    assert client.get("/workstation/apply/").status_code == 200
    scan = SimpleUploadedFile("同意书.png", PNG, content_type="image/png")
    evidence = SimpleUploadedFile("欠条.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client.post(
        "/workstation/apply/",
        form_data(
            **{
                "chosen_institution": "F04",
                "consent-consent_scan": scan,
                "consent-attachments": [evidence],
                # Whatever is posted, the channel and helper are the user's own.
                "channel": "counter",
                "workstation": "东阳街道司法所",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.number}/"
    assert case.channel == "workstation"
    assert case.workstation is not None and case.workstation.name == "天生街道司法所"
    assert case.helped_by_institution is None
    assert case.chosen_institution is not None and case.chosen_institution.code == "F04"
    assert case.created_by == helpers["ws"]
    record = HelpedApplication.objects.get(case=case)
    assert record.consent and record.pledged
    assert record.consent_recorded_by == helpers["ws"]
    assert record.consent_recorded_at is not None
    assert record.consent_document is not None
    assert record.consent_document.content_type == "image/png"
    assert record.household_size == 3 and record.household_monthly_income == 1800
    assert record.exemptions == ["migrant_wages"]
    assert case.documents.filter(kind="application_material").count() == 1
    actions = list(AuditEvent.objects.filter(case_id_ref=case.pk).values_list("action", flat=True))
    assert actions.count("case.intake_application") == 1
    assert actions.count("case.helped_application") == 1
    event = AuditEvent.objects.get(action="case.helped_application")
    assert ID not in str(event.data) and PHONE not in str(event.data)
    assert "1800" not in str(event.data)

    # The case page shows it to them masked, without the reveal.
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert case.number in page
    assert ID not in page and PHONE not in page and "赵大明" not in page
    assert "显示完整个人信息" not in page
    assert client.post(f"/cases/{case.number}/reveal/").status_code in (403, 404)
    assert not can(helpers["ws"], "view_personal_data", case)
    # Their home lists it with where it stands.
    home = client.get("/workstation/").content.decode()
    assert case.number in home and "中心审查中" in home


def test_without_the_consent_box_refused_and_nothing_written(world, helpers) -> None:
    client = signed_in(helpers["ws"])
    before = rows()
    data = form_data(
        **{"consent-attachments": [SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", "application/pdf")]}
    )
    del data["consent-consent"]
    response = client.post("/workstation/apply/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "须由申请人当面阅读个人信息保护告知并同意" in html
    assert "赵大明" in html  # nothing typed is lost
    assert rows() == before
    # Nor through the action: the consent is required there too.
    from fayuan.workstations.actions import Declaration, do_submit_for_person

    with pytest.raises(ActionError) as refused:
        do_submit_for_person(
            world.center,
            helpers["ws"],
            CaseInput(
                category="civil",
                locality="天生街道",
                parties=[PartyInput("aided", "赵大明", ID, is_applicant=True)],
                channel="workstation",
                workstation="天生街道司法所",
            ),
            Declaration(household_size=1, household_monthly_income=0, pledged=True),
            consent=False,
        )
    assert refused.value.field == "consent"
    assert rows() == before


def test_only_their_own_cases_another_workstations_is_404(world, helpers) -> None:
    mine = signed_in(helpers["ws"])
    assert mine.post("/workstation/apply/", form_data()).status_code == 302
    theirs = signed_in(helpers["ws_other"])
    assert theirs.post("/workstation/apply/", form_data(locality="东阳街道")).status_code == 302
    own = Case.objects.get(workstation__name="天生街道司法所")
    other = Case.objects.get(workstation__name="东阳街道司法所")
    counter = do_intake_application(
        world.center,
        world.user("officer"),
        CaseInput(
            category="civil",
            locality="天生街道",
            parties=[PartyInput("aided", "钱小红", is_applicant=True)],
            channel="counter",
        ),
    )
    assert set(visible_cases(helpers["ws"])) == {own}
    assert mine.get(f"/cases/{other.number}/").status_code == 404
    assert mine.get(f"/cases/{counter.number}/").status_code == 404
    assert mine.get(f"/cases/{own.number}/").status_code == 200
    home = mine.get("/workstation/").content.decode()
    assert own.number in home and other.number not in home and counter.number not in home
    listing = mine.get("/cases/").content.decode()
    assert own.number in listing and other.number not in listing


def test_liaison_submits_with_its_institution_recorded_as_helper(world, helpers) -> None:
    client = signed_in(helpers["liaison"])
    response = client.post("/workstation/apply/", form_data(**{"helped_by_institution": "F04"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert case.channel == "liaison"
    assert case.helped_by_institution is not None and case.helped_by_institution.code == "G02"
    assert case.workstation is None
    assert HelpedApplication.objects.get(case=case).institution == case.helped_by_institution
    assert set(visible_cases(helpers["liaison"])) == {case}
    assert not can(helpers["liaison"], "view_personal_data", case)
    # The 便民 rule (第七条, SPEC §7 rule 2) reads the helping institution: once aid is
    # granted, the rules propose G02 for this labour case, by that rule.
    from fayuan.cases.actions import do_grant_aid
    from fayuan.workflow.actions import do_run_engine

    granted = do_grant_aid(case, world.user("officer"))
    proposal = do_run_engine(granted, world.user("officer"))
    assert proposal.institution is not None and proposal.institution.code == "G02"
    assert proposal.rule == "helping", proposal.rule
    # A workstation does not see a liaison's case, nor the other way round.
    assert not visible_cases(helpers["ws"]).filter(pk=case.pk).exists()
    # An institution's liaison sees a case it helped only by the liaison channel.
    Case.objects.filter(pk=case.pk).update(channel="counter")
    assert not visible_cases(helpers["liaison"]).exists()


def test_helpers_cannot_name_another_helper_through_the_action(world, helpers) -> None:
    """The API and any other caller of do_intake_application: a workstation records only
    itself, a liaison only itself (checked in do_intake_application); nothing is written."""
    before = rows()

    def intake(user: User, **fields: str) -> None:
        do_intake_application(
            world.center,
            user,
            CaseInput(
                category="civil",
                locality="天生街道",
                parties=[PartyInput("aided", "赵大明", ID, is_applicant=True)],
                **fields,
            ),
        )

    attempts = [
        (helpers["ws"], {"channel": "counter"}),
        (helpers["ws"], {"channel": "workstation", "workstation": "东阳街道司法所"}),
        (
            helpers["ws"],
            {
                "channel": "workstation",
                "workstation": "天生街道司法所",
                "helped_by_institution": "F04",
            },
        ),
        (helpers["liaison"], {"channel": "liaison", "helped_by_institution": "F04"}),
        (helpers["liaison"], {"channel": "online"}),
    ]
    for user, fields in attempts:
        with pytest.raises(ActionError) as refused:
            intake(user, **fields)
        assert refused.value.kind == "forbidden", fields
    assert rows() == before
    # Their own counter is accepted; the officer may still record any helper.
    intake(helpers["ws"], channel="workstation", workstation="天生街道司法所")
    intake(world.user("officer"), channel="liaison", helped_by_institution="F04")
    assert Case.objects.count() == before["cases"] + 2


def test_other_roles_may_not_open_the_workstation_pages(world, helpers) -> None:
    for role in ("officer", "institution_admin", "practitioner"):
        client = signed_in(world.user(role))
        assert client.get("/workstation/").status_code == 403, role
        assert client.get("/workstation/apply/").status_code == 403, role
    assert Client().get("/workstation/apply/").status_code == 302  # to the login page


def test_menu_and_prefilled_choice_from_the_roster(world, helpers) -> None:
    client = signed_in(helpers["ws"])
    html = client.get("/workstation/apply/?practitioner=L013").content.decode()
    assert '<option value="L013" selected>' in html
    menu = client.get("/workstation/").content.decode()
    for href in ('href="/workstation/"', 'href="/workstation/apply/"', 'href="/cases/"'):
        assert href in menu, href
    assert "申请人已当面阅读个人信息保护告知并同意" in html
