"""`python -m django audit verify` and `fayuan audit verify`: exit 0 on an intact chain, 1 after a
row is edited behind the log's back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections

from fayuan import cli
from fayuan.audit.models import AuditEvent
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification

CST = timezone(timedelta(hours=8))


@pytest.mark.django_db
def test_verify_passes_then_fails_after_a_raw_sql_edit(world, capsys, monkeypatch) -> None:
    # `fayuan manage` runs commands as from the shell, which closes the connections afterwards;
    # the test database lives in that connection.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[PartyInput("aided", "刘勇勇", "500109196706097552")],
        organ_id=world.organ.pk,
        letter_number="（2026）渝0109刑初9号",
        letter_received_at=datetime(2026, 9, 30, 10, 0, tzinfo=CST),
    )
    do_intake_notification(world.center, world.user("officer"), data)
    events = AuditEvent.objects.count()
    assert events >= 1

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip() == f"审计日志完整：共 {events} 条事件，哈希链校验通过。"
    assert cli.main(["audit", "verify"]) == 0

    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_label = %s WHERE seq = 1", ["someone-else"])

    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert "审计日志校验失败：第 1 号事件的内容与其哈希不符，记录被篡改" in err.getvalue()

    capsys.readouterr()
    assert cli.main(["audit", "verify"]) == 1
    assert cli.main(["manage", "audit", "verify"]) == 1
    assert "审计日志校验失败" in capsys.readouterr().err
