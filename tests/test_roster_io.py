"""Roster import and export (SPEC.md §12): JSON and Excel, all-or-nothing, with every problem
placed by sheet, row and column; institution status changes with their reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fayuan.audit.log import verify
from fayuan.audit.models import AuditEvent
from fayuan.exchange import RosterIn
from fayuan.roster.actions import (
    RosterActionError,
    RosterImportError,
    RowError,
    do_import_roster,
    do_set_institution_status,
    export_roster,
)
from fayuan.roster.io_excel import export_roster_xlsx, parse_roster_xlsx, read_roster_xlsx
from fayuan.roster.io_json import dump_roster_json, parse_roster_json
from fayuan.roster.models import (
    Center,
    Institution,
    InstitutionStatus,
    InstitutionStatusChange,
    Locality,
    Practitioner,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "stream-7" / "roster.json"
NAME = "重庆市北碚区法律援助中心"


@pytest.fixture
def center(db: None) -> Center:
    return Center.objects.create(code="beibei", name=NAME, notice_prefix="北碚法援指")


@pytest.fixture
def loaded(center: Center) -> Center:
    do_import_roster(center, parse_roster_json(EXAMPLE.read_bytes()), None)
    return center


def counts() -> tuple[int, ...]:
    return (
        Locality.objects.count(),
        Institution.objects.count(),
        Practitioner.objects.count(),
        InstitutionStatusChange.objects.count(),
        AuditEvent.objects.count(),
    )


def snapshot() -> list[tuple[Any, ...]]:
    return [
        *Institution.objects.order_by("code").values_list(
            "code", "name", "kind", "locality__name", "sequence", "status"
        ),
        *Practitioner.objects.order_by("code").values_list(
            "code", "institution__code", "name", "licensed_on", "criminal_defense_cases", "status"
        ),
    ]


def outside(center: Center) -> Institution:
    """An institution that the example roster does not list, holding sequence 99."""
    locality = Locality.objects.filter(center=center).earliest("id")
    return Institution.objects.create(
        center=center, code="X01", name="名册外", kind="law_firm", locality=locality, sequence=99
    )


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows}


def as_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


# ------------------------------------------------------------------------------------ JSON


def test_json_import_of_the_example_creates_the_roster(center: Center) -> None:
    summary = do_import_roster(center, parse_roster_json(EXAMPLE.read_bytes()), None)

    assert len(summary.institutions_created) == 13
    assert len(summary.practitioners_created) == 65
    assert Institution.objects.filter(center=center).count() == 13
    assert Practitioner.objects.filter(center=center).count() == 65
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    localities = {inst["locality"] for inst in raw["institutions"]}
    assert set(Locality.objects.values_list("name", flat=True)) == localities
    assert sorted(summary.localities_created) == sorted(localities)
    inactive = {inst["id"] for inst in raw["institutions"] if not inst["active"]}
    assert (
        set(
            Institution.objects.filter(status=InstitutionStatus.inactive).values_list(
                "code", flat=True
            )
        )
        == inactive
    )
    p = Practitioner.objects.get(code="L001")
    assert p.institution.code == "F01"
    assert p.licensed_on == date(2017, 7, 2)
    assert p.specialties == ["婚姻家庭", "合同纠纷", "房屋租赁"]
    event = AuditEvent.objects.get()
    assert event.action == "roster.import"
    assert len(event.data["practitioners_created"]) == 65
    assert verify().ok


def test_export_is_the_example_and_reimport_changes_nothing(loaded: Center) -> None:
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    exported = export_roster(loaded)

    assert exported["center"] == raw["center"]
    assert by_id(exported["institutions"]) == by_id(raw["institutions"])
    # The roster format of SPEC §12 gives minors_qualified; an older file without it means false.
    expected = [{"minors_qualified": False, **p} for p in raw["practitioners"]]
    assert by_id(exported["practitioners"]) == by_id(expected)

    before = snapshot()
    summary = do_import_roster(loaded, parse_roster_json(dump_roster_json(loaded)), None)
    assert summary.institutions_created == summary.institutions_updated == []
    assert summary.practitioners_created == summary.practitioners_updated == []
    assert (summary.institutions_unchanged, summary.practitioners_unchanged) == (13, 65)
    assert snapshot() == before
    assert export_roster(loaded) == exported


def test_round_trip_into_another_center(loaded: Center) -> None:
    other = Center.objects.create(code="hechuan", name="合川区法律援助中心", notice_prefix="合")
    exported = export_roster(loaded)
    moved = {**exported, "center": {"id": "hechuan", "name": "合川区法律援助中心"}}

    do_import_roster(other, parse_roster_json(as_bytes(moved)), None)

    assert export_roster(other) == moved
    assert Institution.objects.filter(center=other).count() == 13


def test_suspension_is_exported_and_kept_by_a_reimport(loaded: Center) -> None:
    f03 = Institution.objects.get(code="F03")
    do_set_institution_status(f03, InstitutionStatus.suspended, "年度考核不合格", None)
    exported = export_roster(loaded)
    row = by_id(exported["institutions"])["F03"]
    assert row["active"] is True and row["suspended"] is True
    assert "suspended" not in by_id(exported["institutions"])["F02"]

    roster = parse_roster_json(as_bytes(exported))  # the extra key is accepted
    summary = do_import_roster(loaded, roster, None)

    assert summary.institutions_updated == []
    assert Institution.objects.get(code="F03").status == InstitutionStatus.suspended
    assert export_roster(loaded) == exported


def test_reimport_updates_by_code_swaps_sequences_and_records_status_history(
    loaded: Center,
) -> None:
    data = export_roster(loaded)
    institutions = by_id(data["institutions"])
    a, b = institutions["F02"], institutions["F03"]
    a["sequence"], b["sequence"] = b["sequence"], a["sequence"]
    institutions["F01"]["active"] = True  # was inactive
    institutions["F04"]["locality"] = "新城街道"
    by_id(data["practitioners"])["L001"]["criminal_defense_cases"] = 7
    data["practitioners"].append(
        {
            "id": "L999",
            "name": "新律师",
            "institution": "F02",
            "kind": "lawyer",
            "licensed_on": "2024-01-02",
        }
    )

    summary = do_import_roster(loaded, parse_roster_json(as_bytes(data)), None)

    assert sorted(summary.institutions_updated) == ["F01", "F02", "F03", "F04"]
    assert summary.practitioners_updated == ["L001"]
    assert summary.practitioners_created == ["L999"]
    assert summary.localities_created == ["新城街道"]
    assert Institution.objects.get(code="F02").sequence == a["sequence"] == 6
    assert Institution.objects.get(code="F03").sequence == b["sequence"] == 13
    assert Institution.objects.get(code="F01").status == InstitutionStatus.active
    change = InstitutionStatusChange.objects.get()
    assert (change.institution.code, change.status, change.reason) == ("F01", "active", "名册导入")
    assert Practitioner.objects.get(code="L001").criminal_defense_cases == 7
    assert verify().ok


def test_json_errors_name_section_row_and_field(center: Center) -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["institutions"][1]["sequence"] = -1
    data["institutions"][2]["colour"] = "红"
    data["practitioners"][3]["licensed_on"] = "2019-13-01"
    del data["practitioners"][4]["kind"]
    data["practitioners"][5]["institution"] = "F99"
    data["practitioners"][6]["id"] = data["practitioners"][0]["id"]
    data["practitioners"][7]["criminal_defense_cases"] = 2**40
    data["practitioners"][8]["name"] = "名" * 51

    with pytest.raises(RosterImportError) as caught:
        parse_roster_json(as_bytes(data))

    places = {(e.sheet_or_section, e.row, e.column) for e in caught.value.errors}
    assert places == {
        ("institutions", 2, "sequence"),
        ("institutions", 3, "colour"),
        ("practitioners", 4, "licensed_on"),
        ("practitioners", 5, "kind"),
        ("practitioners", 6, "institution"),
        ("practitioners", 7, "id"),
        ("practitioners", 8, "criminal_defense_cases"),
        ("practitioners", 9, "name"),
    }
    text = str(caught.value)
    assert "practitioners 第4条 licensed_on：日期格式错误" in text
    assert "institutions 第3条 colour：未知字段" in text
    assert "practitioners 第6条 institution：未知机构 F99" in text
    assert "practitioners 第7条 id：承办人编号 L001 重复（同第1条）" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\xff\xfe", "不是 UTF-8 编码"), (b'{"center": ', "不是合法的 JSON"), (b"[]", "应为对象")],
)
def test_json_that_is_not_a_roster(data: bytes, message: str) -> None:
    with pytest.raises(RosterImportError) as caught:
        parse_roster_json(data)
    assert message in str(caught.value)


def test_import_checks_before_writing(loaded: Center) -> None:
    """Errors only the import can see (validated models, the database) leave it unchanged."""
    roster = parse_roster_json(EXAMPLE.read_bytes())
    data = roster.model_dump(mode="json")
    data["institutions"][0]["sequence"] = data["institutions"][1]["sequence"]
    data["practitioners"][0]["institution"] = "F99"
    bad = RosterIn.model_validate_json(json.dumps(data))
    before, rows = counts(), snapshot()

    with pytest.raises(RosterImportError) as caught:
        do_import_roster(loaded, bad, None)

    assert {(e.sheet_or_section, e.row, e.column) for e in caught.value.errors} == {
        ("institutions", 2, "sequence"),
        ("practitioners", 1, "institution"),
    }
    assert counts() == before and snapshot() == rows

    # A sequence held by an institution the file does not list; a roster of another center.
    outside(loaded)
    data = roster.model_dump(mode="json")
    data["institutions"][0]["sequence"] = 99
    data["center"]["id"] = "elsewhere"
    before = counts()
    with pytest.raises(RosterImportError) as caught:
        do_import_roster(loaded, RosterIn.model_validate_json(json.dumps(data)), None)
    messages = [str(e) for e in caught.value.errors]
    assert "center id：名册属于中心 elsewhere，不是 beibei" in messages
    assert "institutions 第1条 sequence：公布顺序 99 已由名册外的机构 X01 使用" in messages
    assert counts() == before


# ----------------------------------------------------------------------------------- Excel


def test_excel_export_reads_back_as_the_json(loaded: Center) -> None:
    f03 = Institution.objects.get(code="F03")
    do_set_institution_status(f03, InstitutionStatus.suspended, "投诉核查", None)
    data = export_roster_xlsx(loaded)

    from_excel = parse_roster_xlsx(data, loaded.code, loaded.name)
    from_json = parse_roster_json(dump_roster_json(loaded))
    assert from_excel == from_json

    book = load_workbook(BytesIO(data))
    assert book.sheetnames == ["机构", "承办人"]
    people = book["承办人"]
    assert [c.value for c in people[1]][:5] == ["编号", "姓名", "所属机构", "类别", "执业日期"]
    row = next(r for r in people.iter_rows(min_row=2) if r[0].value == "L001")
    assert isinstance(row[4].value, datetime) and row[4].is_date
    assert row[4].value.date() == date(2017, 7, 2)
    assert row[6].value == "婚姻家庭、合同纠纷、房屋租赁"
    assert row[8].value == "否"  # 可承办未成年人案件
    assert row[9].value == "是"  # 在册
    assert row[3].value == "执业律师"
    firms = {r[0].value: [c.value for c in r] for r in book["机构"].iter_rows(min_row=2)}
    assert firms["F01"][5] == "否" and firms["F03"][5:7] == ["是", "是"]
    assert firms["F02"][2] == "律师事务所"


def _bad_workbook(data: bytes) -> bytes:
    book = load_workbook(BytesIO(data))
    people = book["承办人"]
    people["E7"] = "2019-13-01"  # bad date
    people["C9"] = "F99"  # unknown institution
    people["A11"] = people["A3"].value  # duplicate id
    people["F12"] = -3  # negative number
    firms = book["机构"]
    firms["E4"] = "第一"  # not an integer
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_bad_workbook_reports_every_cell_and_imports_nothing(loaded: Center) -> None:
    bad = _bad_workbook(export_roster_xlsx(loaded))
    duplicate = load_workbook(BytesIO(bad))["承办人"]["A3"].value
    before, rows = counts(), snapshot()

    with pytest.raises(RosterImportError) as caught:
        read_roster_xlsx(bad, loaded.code, loaded.name)

    errors = caught.value.errors
    assert [(e.sheet_or_section, e.row, e.column) for e in errors] == [
        ("机构", 4, "E列（公布顺序）"),
        ("承办人", 7, "E列（执业日期）"),
        ("承办人", 9, "C列（所属机构）"),
        ("承办人", 11, "A列（编号）"),
        ("承办人", 12, "F列（刑事辩护件数）"),
    ]
    text = [str(e) for e in errors]
    assert text[1].startswith("承办人 第7行 E列（执业日期）：日期格式错误")
    assert text[2] == "承办人 第9行 C列（所属机构）：未知机构 F99"
    assert text[3] == f"承办人 第11行 A列（编号）：承办人编号 {duplicate} 重复（同第3行）"
    assert text[4] == "承办人 第12行 F列（刑事辩护件数）：数值过小（不得小于 0）（收到 -3）"
    assert text[0] == "机构 第4行 E列（公布顺序）：应为整数（收到 '第一'）"
    assert counts() == before and snapshot() == rows


def test_workbook_problems_the_import_finds_are_placed_in_the_workbook(loaded: Center) -> None:
    book = load_workbook(BytesIO(export_roster_xlsx(loaded)))
    outside(loaded)
    book["机构"]["E5"] = 99
    out = BytesIO()
    book.save(out)
    roster, locate = read_roster_xlsx(out.getvalue(), loaded.code, loaded.name)
    before = counts()

    with pytest.raises(RosterImportError) as caught:
        do_import_roster(loaded, roster, None, locate=locate)

    assert caught.value.errors == [
        RowError("机构", 5, "E列（公布顺序）", "公布顺序 99 已由名册外的机构 X01 使用")
    ]
    assert counts() == before


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_workbook_layout_errors() -> None:
    data = _workbook(
        {
            "机构": [["编号", "名称", "类别", "镇街", "颜色"]],
            "说明": [["随便写"]],
        }
    )
    with pytest.raises(RosterImportError) as caught:
        parse_roster_xlsx(data, "beibei", NAME)
    text = [str(e) for e in caught.value.errors]
    assert "说明：未知工作表，应只有“机构”和“承办人”" in text
    assert "承办人：缺少工作表" in text
    assert any(t.startswith("机构 第1行 E列：未知表头“颜色”") for t in text)
    assert "机构 第1行：缺少表头“公布顺序”" in text

    with pytest.raises(RosterImportError) as caught:
        parse_roster_xlsx(b"not a workbook", "beibei", NAME)
    assert "不是有效的 Excel 工作簿" in str(caught.value)


def test_hand_written_workbook_with_optional_columns_left_out() -> None:
    data = _workbook(
        {
            "机构": [
                ["编号", "名称", "类别", "镇街", "公布顺序"],
                ["F1", "甲律师事务所", "律师事务所", "天生街道", 1],
                [None, None, None, None, None],
                ["G1", "乙法律服务所", "grassroots_office", "东阳街道", "2"],
            ],
            "承办人": [
                ["编号", "姓名", "所属机构", "类别", "执业日期", "专业特长", "在册"],
                ["L1", "张三", "F1", "律师", "2020/3/4", "劳动争议，婚姻家庭", "否"],
                ["W1", "李四", "G1", "基层法律服务工作者", datetime(2015, 1, 2), None, None],
            ],
        }
    )
    roster = parse_roster_xlsx(data, "beibei", NAME)
    assert [(i.id, i.sequence, i.active) for i in roster.institutions] == [
        ("F1", 1, True),
        ("G1", 2, True),
    ]
    l1, w1 = roster.practitioners
    assert (l1.licensed_on, l1.specialties, l1.active) == (
        date(2020, 3, 4),
        ["劳动争议", "婚姻家庭"],
        False,
    )
    assert (w1.kind.value, w1.licensed_on, w1.quality) == ("grassroots_worker", date(2015, 1, 2), 0)


# ---------------------------------------------------------------------------------- status


def test_status_change_requires_a_reason_and_keeps_history(loaded: Center) -> None:
    user = User.objects.create_user("officer1")
    f02 = Institution.objects.get(code="F02")
    before = counts()

    for reason in ("", "   "):
        with pytest.raises(RosterActionError, match="必须填写原因"):
            do_set_institution_status(f02, InstitutionStatus.suspended, reason, user)
    with pytest.raises(RosterActionError, match="已是“正常”状态"):
        do_set_institution_status(f02, InstitutionStatus.active, "重复", user)
    assert counts() == before
    assert Institution.objects.get(code="F02").status == InstitutionStatus.active

    at = timezone.now()
    change = do_set_institution_status(f02, "suspended", " 年度考核不合格 ", user, at=at)
    do_set_institution_status(f02, InstitutionStatus.active, "整改完成", user)

    assert f02.status == InstitutionStatus.active
    history = list(f02.status_changes.values_list("status", "reason", "by__username"))
    assert history == [
        ("suspended", "年度考核不合格", "officer1"),
        ("active", "整改完成", "officer1"),
    ]
    assert change.at == at
    events = list(AuditEvent.objects.filter(action="institution.status").order_by("seq"))
    assert [(e.data["from"], e.data["to"], e.actor_label) for e in events] == [
        ("active", "suspended", "officer1"),
        ("suspended", "active", "officer1"),
    ]
    assert verify().ok


# --------------------------------------------------------------------------------- command


def run(*argv: str) -> int:
    """What `python -m django roster ...` does with its arguments, in this test's transaction
    (`run_from_argv` would also close the database connection)."""
    try:
        call_command("roster", *argv)
    except CommandError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")
        return exc.returncode
    return 0


def test_command_rejects_a_bad_file(
    loaded: Center, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_bad_workbook(export_roster_xlsx(loaded)))
    before, rows = counts(), snapshot()

    assert run("import", str(path), "--center", "beibei") == 1

    err = capsys.readouterr().err
    assert "名册有 5 处错误，未导入任何数据" in err
    assert "承办人 第7行 E列（执业日期）：日期格式错误" in err
    assert counts() == before and snapshot() == rows

    assert run("import", str(tmp_path / "missing.json"), "--center", "beibei") == 1
    assert "无法读取" in capsys.readouterr().err
    assert run("import", str(path), "--center", "nowhere") == 1
    assert "未知的法律援助中心：nowhere" in capsys.readouterr().err


def test_command_imports_and_exports(
    center: Center, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    User.objects.create_user("officer1")
    assert run("import", str(EXAMPLE), "--center", "beibei", "--user", "officer1") == 0
    assert "机构：新增 13" in capsys.readouterr().out
    assert AuditEvent.objects.get().actor_label == "officer1"

    json_path, xlsx_path = tmp_path / "out.json", tmp_path / "名册.xlsx"
    json_path.write_text("old", encoding="utf-8")
    assert run("export", str(json_path), "--center", "beibei") == 0
    assert run("export", str(xlsx_path), "--center", "beibei") == 0
    assert json.loads(json_path.read_text(encoding="utf-8")) == export_roster(center)
    assert parse_roster_xlsx(xlsx_path.read_bytes(), "beibei", NAME) == parse_roster_json(
        json_path.read_bytes()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "名册.xlsx"]

    other = tmp_path / "roster.data"
    assert run("export", str(other), "--center", "beibei") == 1
    assert "--format" in capsys.readouterr().err
    assert run("export", str(other), "--center", "beibei", "--format", "json") == 0
    assert run("import", str(other), "--center", "beibei", "--format", "json") == 0
    assert "未变 13" in capsys.readouterr().out


def test_command_exit_code_in_a_real_process(tmp_path: Path) -> None:
    """`python -m django roster import` on a bad file: exit 1, the Chinese errors on stderr, and
    the database (a fresh SQLite file under tmp_path, never DATABASE_URL) unchanged."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(FAYUAN_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="fayuan.settings")

    def django(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    setup = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from fayuan.roster.models import Center; Center.objects.create(code='beibei', name='北碚')"
    )
    assert django("shell", "-v0", "-c", setup).returncode == 0
    bad = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad["practitioners"][6]["licensed_on"] = "2019-13-01"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")

    result = django("roster", "import", str(path), "--center", "beibei")

    assert result.returncode == 1
    assert "名册有 1 处错误，未导入任何数据" in result.stderr
    assert "practitioners 第7条 licensed_on：日期格式错误" in result.stderr
    count = (
        "from fayuan.roster.models import Practitioner; from fayuan.audit.models import AuditEvent;"
        "print(Practitioner.objects.count(), AuditEvent.objects.count())"
    )
    assert django("shell", "-v0", "-c", count).stdout.split() == ["0", "0"]


# ----------------------------------------------------------------------------------- admin


def test_admin_lists_and_changes_status_with_a_reason(loaded: Center) -> None:
    admin_user = User.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin_user)
    for model in ("center", "locality", "workstation", "institution", "practitioner"):
        response = client.get(f"/admin/roster/{model}/?q=F0")
        assert response.status_code == 200, model

    f02 = Institution.objects.get(code="F02")
    url = f"/admin/roster/institution/{f02.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "center": loaded.pk,
        "code": f02.code,
        "name": f02.name,
        "kind": f02.kind,
        "locality": f02.locality_id,
        "sequence": f02.sequence,
        "address": "",
        "phone": "",
        "new_status": "suspended",
        "status_reason": "",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "变更机构状态必须填写原因" in response.content.decode()
    assert Institution.objects.get(pk=f02.pk).status == InstitutionStatus.active

    response = client.post(url, {**form, "status_reason": "投诉核查"})
    assert response.status_code == 302
    assert Institution.objects.get(pk=f02.pk).status == InstitutionStatus.suspended
    assert f02.status_changes.get().reason == "投诉核查"
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["admin.change", "institution.status"]
    assert verify().ok
