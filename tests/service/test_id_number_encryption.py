"""ID numbers encrypted at rest (`fayuan.security.fields`): the raw columns hold Fernet tokens,
never the digits; a keyed hash beside them still finds the conflicts (SPEC §3) and the recusals
(第八条); the data migration encrypts the rows already stored; lists and the log mask them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import connection

from fayuan.accounts.models import DeclaredPerson, StaffProfile
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_grant_aid, do_intake_application
from fayuan.cases.models import Case, Party
from fayuan.roster.models import Institution, Locality
from fayuan.security.fields import decrypt, is_token, match_hash
from fayuan.security.migration_ops import encrypt_table
from fayuan.workflow import engine
from fayuan.workflow.models import Recusal
from fayuan.workflow.recusal import do_declare_person

from .test_api_support import ID_LIU, Api, criminal_notification

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
MASKED_LIU = "5001**********7552"


def raw(table: str, column: str = "id_number") -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def no_id_digits(value: str) -> bool:
    """Neither the number nor its birth date (the part a mask hides) is in `value`."""
    return ID_LIU not in value and ID_LIU[6:14] not in value and ID_LIU[:17] not in value


def test_the_raw_column_holds_no_id_digits_and_the_model_reads_the_number(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    court.ok("POST", "/api/notifications", criminal_notification(), status=201)
    (stored,) = raw("cases_party")
    assert is_token(stored) and no_id_digits(stored)
    assert decrypt(stored) == ID_LIU
    (digest,) = raw("cases_party", "id_number_hash")
    key = settings.FAYUAN_MATCH_KEY.encode()
    assert digest == hmac.new(key, ID_LIU.encode(), hashlib.sha256).hexdigest()
    assert Party.objects.get().id_number == ID_LIU
    # Two encryptions of one number differ (random IV); their hashes are equal.
    party = Party.objects.get()
    party.save()
    assert raw("cases_party") != [stored] and raw("cases_party", "id_number_hash") == [digest]


def test_staff_and_declared_numbers_are_encrypted_and_normalised(world) -> None:
    officer = world.user("officer")
    profile = StaffProfile.objects.get(user=officer)
    profile.id_number = " 50010919670609755x "
    profile.save()
    full_width = "５００１０９１９６７０６０９７５５２"
    do_declare_person(officer, "relative", "刘勇勇", id_number=full_width)
    for table in ("accounts_staffprofile", "accounts_declaredperson"):
        assert all(no_id_digits(v) and (v == "" or is_token(v)) for v in raw(table))
    profile.refresh_from_db()
    assert profile.id_number == "50010919670609755X"
    assert DeclaredPerson.objects.get().id_number == ID_LIU


def test_the_encrypted_column_refuses_lookups_that_would_search_ciphertext(world) -> None:
    with pytest.raises(FieldError, match="id_number_hash"):
        list(Party.objects.filter(id_number=ID_LIU))
    assert not Party.objects.filter(id_number_hash=match_hash(ID_LIU)).exists()
    assert Party.objects.filter(id_number__isnull=True).count() == 0


def held_case(world, institution: str, name: str, id_number: str) -> Case:
    case = Case.objects.create(
        center=world.center,
        number=f"HELD-{institution}",
        category="civil",
        source="application",
        status="agreement_signed",
        locality=Locality.objects.get(center=world.center, name="天生街道"),
        institution=Institution.objects.get(center=world.center, code=institution),
        started_at=datetime(2026, 9, 1, 10, 0, tzinfo=CST),
    )
    Party.objects.create(case=case, role="aided", name=name, id_number=id_number)
    return case


def test_a_conflict_is_still_found_by_id_number_through_the_hash(world) -> None:
    # The held case's aided person is the new case's opposing party: another name on file, the
    # same number (written with a lower-case x there). Only the hash can connect them.
    number = "50010919800101105X"
    held_case(world, "F04", "李四", number.lower())
    new = do_intake_application(
        world.center,
        world.user("officer"),
        CaseInput(
            category="civil",
            locality="天生街道",
            parties=[PartyInput("aided", "新受援人"), PartyInput("opposing", "李肆", number)],
            channel="counter",
        ),
    )
    do_grant_aid(new, world.user("officer"))
    new.refresh_from_db()
    state = engine.assignment_state(world.center, new, datetime.now(CST))
    assert "F04" in state.institution_holdings.conflicts(engine.policy_case(new))


def test_a_recusal_is_still_flagged_on_a_declared_id_number(world) -> None:
    do_declare_person(world.user("officer"), "relative", "刘某", id_number=ID_LIU.lower())
    case = do_intake_application(
        world.center,
        world.user("officer2"),
        CaseInput(
            category="civil",
            locality="天生街道",
            parties=[PartyInput("aided", "刘勇勇", ID_LIU, is_applicant=True)],
            channel="counter",
        ),
    )
    assert Recusal.objects.filter(case=case, staff=world.user("officer")).exists()


def test_the_data_migration_encrypts_the_rows_already_stored(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    court.ok("POST", "/api/notifications", criminal_notification(), status=201)
    # A row as it was before the migration: the plain number, no hash.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_party SET id_number = %s, id_number_hash = ''", [ID_LIU])
    editor = SimpleNamespace(connection=connection)  # all the operation uses of a schema editor
    encrypt_table("cases_party")(django_apps, editor)
    encrypt_table("cases_party")(django_apps, editor)  # running it again changes nothing
    (stored,) = raw("cases_party")
    assert is_token(stored) and decrypt(stored) == ID_LIU
    assert raw("cases_party", "id_number_hash") == [match_hash(ID_LIU)]


def test_lists_and_the_audit_log_never_hold_the_number(world) -> None:
    court = Api.token(world.user("judicial_organ"))
    officer = Api.session(world.user("officer"))
    number = court.ok("POST", "/api/notifications", criminal_notification(), status=201)["number"]
    listing = officer.ok("GET", "/api/cases")
    assert ID_LIU not in str(listing) and MASKED_LIU in str(listing)
    officer.ok("GET", f"/api/cases/{number}")  # the audited reveal
    for event in AuditEvent.objects.all():
        assert ID_LIU not in str(event.data), event.action
    intake = AuditEvent.objects.filter(case_id_ref=Case.objects.get(number=number).pk).first()
    assert intake is not None and MASKED_LIU in str(intake.data)


def test_rekey_moves_every_number_to_the_new_keys(world, settings) -> None:
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    court = Api.token(world.user("judicial_organ"))
    court.ok("POST", "/api/notifications", criminal_notification(), status=201)
    old = list(settings.FAYUAN_FIELD_KEYS)
    new = Fernet.generate_key().decode()
    settings.FAYUAN_FIELD_KEYS = [new, *old]
    settings.FAYUAN_MATCH_KEY = "a-new-match-key-of-at-least-32-characters"
    call_command("security", "rekey", stdout=StringIO())
    (stored,) = raw("cases_party")
    assert Fernet(new.encode()).decrypt(stored.encode()).decode() == ID_LIU
    assert raw("cases_party", "id_number_hash") == [match_hash(ID_LIU)]
    settings.FAYUAN_FIELD_KEYS = [new]  # the old key can go
    assert Party.objects.get().id_number == ID_LIU
