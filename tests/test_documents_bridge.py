"""The notice and the approval form built from the records (`fayuan.documents_bridge`): what the
institution is told comes from the case's parties, and the form keeps the ranking's minus signs."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import docx
import pytest
from docx.oxml.ns import qn

from fayuan import documents
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.documents.data import PartyContact
from fayuan.documents_bridge import approval_form_data, notice_data
from fayuan.workflow import actions
from fayuan.workflow.models import Assignment, OfficerProposal
from service.conftest import World, world  # noqa: F401 (the fixture)
from test_documents import needs_cjk_font, pdf_text

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
GRANTED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)


def civil_case_assigned(world: World) -> tuple[OfficerProposal, Assignment]:  # noqa: F811
    data = CaseInput(
        category="civil",
        locality="天生街道",
        summary="李秀英诉重庆某物业公司物业服务合同纠纷，请求退还多收物业费。",
        parties=[
            PartyInput(
                "aided",
                "李秀英",
                phone="13900001111",
                address="重庆市北碚区天生街道云华路12号",
                is_applicant=True,
            ),
            PartyInput("opposing", "重庆某物业服务有限公司"),
        ],
        channel="counter",
    )
    case = do_intake_application(world.center, world.user("officer"), data)
    case = do_grant_aid(case, world.user("officer"), at=GRANTED)
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), True)
    assignment = actions.do_issue_assignment(proposal, world.user("officer"))
    return proposal, assignment


def test_the_notice_carries_the_parties_and_the_matter_from_the_records(
    world: World,  # noqa: F811
) -> None:
    _, assignment = civil_case_assigned(world)
    data = notice_data(assignment)
    assert data.aided_contacts == (
        PartyContact("李秀英", "13900001111", "重庆市北碚区天生街道云华路12号"),
    )
    assert data.opposing_parties == ("重庆某物业服务有限公司",)
    assert data.case_summary is not None and data.case_summary.startswith("李秀英诉")
    assert data.center_contact_person == "officer"  # who issued it (the profile's full name)
    assert data.deadline_provisional is False  # wired from the models elsewhere
    body = docx.Document(io.BytesIO(documents.render_notice_docx(data))).element.body
    text = "".join(t.text or "" for t in body.iter(qn("w:t")))
    assert "电话：13900001111" in text and "重庆某物业服务有限公司" in text
    assert "（联系人：officer）" in text
    cited = re.search(r"(第[一二三四五六七八九十]+条、?)+的规定", text)
    assert cited is not None
    order = cited.group(0).removesuffix("的规定").split("、")
    numbers = "一二三四五六七八九十"
    assert order == sorted(order, key=lambda a: [numbers.index(c) for c in a[1:-1]])


@needs_cjk_font
def test_the_approval_form_keeps_the_minus_of_the_load_part(world: World) -> None:  # noqa: F811
    proposal, _ = civil_case_assigned(world)
    form = approval_form_data(proposal)
    assert "负担" in form.engine.explanation  # the ranking's reasoning, part by part
    shown = pdf_text(documents.render_approval_form_pdf(form))
    parts = re.findall(r"属地\d+\.\d+(.)负担\d+\.\d+", shown)
    assert parts and set(parts) <= {"−", "-"}  # never "属地 0.00 负担 2.50"
