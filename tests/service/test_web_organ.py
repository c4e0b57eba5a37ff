"""The judicial organ's pages: a letter sent with its scan makes one case and one document (a
resent letter no second one), refused files write nothing, an organ sees only its own letters,
and the center's 《法律援助指派函》 names the institution and the lawyer (程序规定第二十四条)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from fayuan.accounts.models import JudicialOrgan, OrganKind, Role
from fayuan.audit.models import AuditEvent
from fayuan.cases.models import Case, CaseDocument, Party
from fayuan.workflow import actions
from fayuan.workflow.models import Assignment

from .conftest import make_user
from .test_api_support import ID_LIU, valid_id

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64
LETTER = "（2026）渝0109刑初123号"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def files_on_disk(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Party.objects.count(),
        CaseDocument.objects.count(),
        AuditEvent.objects.count(),
    )


def login(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def letter_post(
    world: Any,
    content: bytes = PDF,
    filename: str = "公函.pdf",
    letter: str = LETTER,
    **extra: Any,
) -> dict[str, Any]:
    locality = world.center.localities.get(name="天生街道")
    data: dict[str, Any] = {
        "letter_number": letter,
        "category": "criminal",
        "locality": str(locality.pk),
        "summary": "被告人刘勇勇涉嫌盗窃罪，本院依法通知辩护。",
        "name_1": "刘勇勇",
        "id_number_1": ID_LIU,
        "phone_1": "13812345678",
        "letter_file": SimpleUploadedFile(filename, content, content_type="application/pdf"),
    }
    data.update(extra)
    return data


def send(client: Client, world: Any, **kw: Any) -> Any:
    return client.post("/organ/letters/new/", letter_post(world, **kw))


def test_the_form_is_there_for_the_organ(world: Any) -> None:
    response = login(world, "judicial_organ").get("/organ/letters/new/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "公函扫描件" in text and 'enctype="multipart/form-data"' in text
    assert world.organ.name in text


def test_only_an_organ_sends_letters_here(world: Any) -> None:
    assert login(world, "officer").get("/organ/letters/new/").status_code == 403


def test_a_letter_with_its_scan_makes_one_case_and_one_document(world: Any, media: Path) -> None:
    client = login(world, "judicial_organ")
    before = counts()
    response = send(client, world)
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.number}/"
    assert case.organ == world.organ and case.source == "notification"
    assert case.letter_number == LETTER and case.due_at is not None
    doc = CaseDocument.objects.get()
    assert doc.case == case and doc.kind == "organ_letter"
    assert doc.original_name == "公函.pdf" and doc.content_type == "application/pdf"
    assert doc.size == len(PDF) and len(doc.sha256) == 64
    # Stored under a name of our own, never the user's.
    assert "公函" not in doc.file.name and doc.file.name.startswith("cases/")
    assert [p.read_bytes() for p in files_on_disk(media)] == [PDF]
    actions_logged = list(
        AuditEvent.objects.filter(seq__gt=before[3]).values_list("action", flat=True)
    )
    assert actions_logged[0] == "case.intake_notification"
    assert "case.document_upload" in actions_logged
    upload_event = AuditEvent.objects.get(action="case.document_upload")
    assert upload_event.case_id_ref == case.pk and upload_event.data["sha256"] == doc.sha256


def test_a_resent_letter_makes_no_second_case_and_shows_the_first(world: Any, media: Path) -> None:
    client = login(world, "judicial_organ")
    send(client, world)
    case = Case.objects.get()
    before, on_disk = counts(), files_on_disk(media)
    # The same letter again, its number typed with half-width brackets, another scan.
    again = send(client, world, letter="(2026)渝0109刑初123号", content=PDF + b"%again\n")
    assert again.status_code == 302
    assert again["Location"] == f"/cases/{case.number}/"
    assert counts() == before
    assert files_on_disk(media) == on_disk
    page = client.get(again["Location"])
    assert "本次未重复登记" in page.content.decode()


def test_a_resent_letter_saying_something_else_is_refused_on_the_form(
    world: Any, media: Path
) -> None:
    client = login(world, "judicial_organ")
    send(client, world)
    before, on_disk = counts(), files_on_disk(media)
    response = send(client, world, summary="另一个案情。")
    assert response.status_code == 200
    text = response.content.decode()
    assert "已登记为案件" in text and "案情摘要" in text
    assert counts() == before and files_on_disk(media) == on_disk


def test_a_png_named_pdf_is_stored_as_the_png_it_is(world: Any, media: Path) -> None:
    response = send(login(world, "judicial_organ"), world, content=PNG, filename="scan.pdf")
    assert response.status_code == 302
    doc = CaseDocument.objects.get()
    assert doc.content_type == "image/png" and doc.file.name.endswith(".png")
    assert doc.original_name == "scan.pdf"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (EXE, "公函.pdf", "类型不符：只接受 PDF、JPG、PNG"),
        (b"", "empty.pdf", "文件是空的"),
        (PDF + b"x" * 5000, "big.pdf", "文件过大"),
    ],
)
def test_a_refused_file_writes_nothing(
    world: Any, media: Path, settings: Any, content: bytes, filename: str, message: str
) -> None:
    settings.FAYUAN_MAX_DOCUMENT_BYTES = 4096
    before = counts()
    response = send(login(world, "judicial_organ"), world, content=content, filename=filename)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before
    assert files_on_disk(media) == []


def test_a_request_over_the_upload_limit_is_refused_before_the_view(
    world: Any, media: Path, settings: Any
) -> None:
    settings.FAYUAN_MAX_UPLOAD_BYTES = 2048
    before = counts()
    response = send(login(world, "judicial_organ"), world, content=PDF + b"x" * 4096)
    assert response.status_code == 413
    assert "过大" in response.content.decode()
    assert counts() == before and files_on_disk(media) == []


def test_a_refused_letter_keeps_no_file(world: Any, media: Path) -> None:
    """The case is refused after the scan was written (no such locality here is impossible from
    the form; an ID the action refuses is): the file goes with it."""
    before = counts()
    response = send(login(world, "judicial_organ"), world, id_number_1="500109196706097553")
    assert response.status_code == 200
    assert "身份证号码无效" in response.content.decode()
    assert counts() == before and files_on_disk(media) == []


# --- the organ's letters ------------------------------------------------------------------------


def other_organ(world: Any) -> Any:
    organ = JudicialOrgan.objects.create(
        center=world.center, name="重庆市北碚区人民检察院", kind=OrganKind.procuratorate
    )
    return make_user(world.center, "procurator", Role.judicial_organ, organ=organ)


def test_an_organ_lists_its_own_letters_only(world: Any) -> None:
    send(login(world, "judicial_organ"), world)
    mine = Case.objects.get()
    other = Client()
    other.force_login(other_organ(world))
    send(other, world, letter="北碚检刑诉〔2026〕7号", id_number_1=valid_id("50010919900101123"))
    theirs = Case.objects.exclude(pk=mine.pk).get()

    page = login(world, "judicial_organ").get("/organ/letters/")
    text = page.content.decode()
    assert page.status_code == 200
    assert mine.number in text and theirs.number not in text
    assert "刘*勇" in text and "刘勇勇" not in text  # a list shows masked names
    # Another organ's case, its reply and its page: 404, as if it did not exist.
    client = login(world, "judicial_organ")
    assert client.get(f"/cases/{theirs.number}/").status_code == 404
    assert client.get(f"/cases/{theirs.number}/reply/").status_code == 404
    assert client.get(f"/cases/{theirs.number}/reply.pdf").status_code == 404


def test_the_letters_filter_and_export(world: Any) -> None:
    client = login(world, "judicial_organ")
    send(client, world)
    send(client, world, letter="（2026）渝0109刑初124号", id_number_1=valid_id("50010919900101123"))
    page = client.get("/organ/letters/", {"q": "124"})
    assert "刑初124号" in page.content.decode() and "刑初123号" not in page.content.decode()
    book = client.get("/organ/letters/", {"export": "xlsx"})
    assert book.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("案件编号", "公函文号") and len(rows) == 3


def test_the_letters_list_takes_few_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    client = login(world, "judicial_organ")
    for n in range(6):
        send(client, world, letter=f"（2026）渝0109刑初{200 + n}号")
    with django_assert_max_num_queries(12):
        response = client.get("/organ/letters/")
    assert response.content.decode().count("刑初2") == 6


# --- the reply letter -----------------------------------------------------------------------


def assigned_letter(world: Any, client: Client) -> tuple[Case, Assignment]:
    send(client, world)
    case = Case.objects.get()
    proposal = actions.do_propose(case, world.user("officer"))
    actions.do_director_decide(proposal, world.user("director"), approve=True)
    assignment = actions.do_issue_assignment(proposal, world.user("officer"))
    case.refresh_from_db()
    return case, assignment


def name_a_lawyer(world: Any, case: Case, assignment: Assignment) -> str:
    lawyer = (
        assignment.institution.practitioners.filter(status="active", kind="lawyer")
        .order_by("code")
        .first()
    )
    assert lawyer is not None
    lawyer.phone = "023-68281234"
    lawyer.save()
    admin = make_user(
        world.center,
        "admin-" + assignment.institution.code,
        Role.institution_admin,
        institution=assignment.institution,
    )
    actions.do_name_handlers(case, admin, [lawyer.code])
    return str(lawyer.name)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_no_reply_before_the_case_is_assigned(world: Any) -> None:
    client = login(world, "judicial_organ")
    send(client, world)
    case = Case.objects.get()
    assert client.get(f"/cases/{case.number}/reply/").status_code == 404


def test_the_reply_names_the_institution_and_the_lawyer(world: Any) -> None:
    client = login(world, "judicial_organ")
    case, assignment = assigned_letter(world, client)
    lawyer = name_a_lawyer(world, case, assignment)

    page = client.get(f"/cases/{case.number}/reply/")
    text = page.content.decode()
    assert page.status_code == 200
    assert assignment.institution.name in text and lawyer in text and "023-68281234" in text
    assert f"/cases/{case.number}/reply.pdf" in text and f"/cases/{case.number}/reply.docx" in text

    before = AuditEvent.objects.filter(action="organ.letter_reply").count()
    pdf = client.get(f"/cases/{case.number}/reply.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    extracted = pdf_text(pdf.content).replace(" ", "").replace("\n", "")
    assert lawyer in extracted and "法律援助指派函" in extracted
    assert assignment.institution.name in extracted and LETTER in extracted
    docx = client.get(f"/cases/{case.number}/reply.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    from docx import Document

    words = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert assignment.institution.name in words
    after = AuditEvent.objects.filter(action="organ.letter_reply").count()
    assert after == before + 2


def test_the_center_reads_the_reply_and_others_do_not(world: Any) -> None:
    case, _ = assigned_letter(world, login(world, "judicial_organ"))
    assert login(world, "officer").get(f"/cases/{case.number}/reply.pdf").status_code == 200
    assert login(world, "director").get(f"/cases/{case.number}/reply/").status_code == 200
    assert login(world, "supervisor").get(f"/cases/{case.number}/reply/").status_code == 403
