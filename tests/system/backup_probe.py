"""Run by tests/system/test_backup_pg.py in its own process, against DATABASE_URL:

    python backup_probe.py probe    # prints {"pick": ..., "notice": ..., "events": ...}
    python backup_probe.py assign N # N more criminal assignments (moves rotation and numbers)

`probe` asks the engine for a new criminal case and issues its notice, then rolls everything
back: it tells the next rotation pick and the next notice number without keeping either."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fayuan.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from fayuan.accounts.models import JudicialOrgan, OrganKind  # noqa: E402
from fayuan.audit.log import verify  # noqa: E402
from fayuan.cases.actions import CaseInput, PartyInput, do_intake_notification  # noqa: E402
from fayuan.demo import fictional_id_number  # noqa: E402
from fayuan.roster.models import Center  # noqa: E402
from fayuan.workflow import actions  # noqa: E402


class Rollback(Exception):
    pass


def assign(letter: str) -> tuple[str, str]:
    center = Center.objects.get(code="demo")
    officer = User.objects.get(username="officer")
    director = User.objects.get(username="director")
    organ = JudicialOrgan.objects.get(center=center, kind=OrganKind.procuratorate)
    party = PartyInput(
        "aided", "钱探测", fictional_id_number(date(1990, 5, 5), 77, False), is_applicant=True
    )
    data = CaseInput(
        category="criminal",
        locality="天生街道",
        parties=[party],
        organ_id=organ.pk,
        letter_number=letter,
        letter_received_at=timezone.now(),
        summary="备份测试",
    )
    case, _ = do_intake_notification(center, officer, data)
    engine = actions.do_run_engine(case, officer)
    proposal = actions.do_propose(case, officer)
    actions.do_director_decide(proposal, director, approve=True)
    assignment = actions.do_issue_assignment(proposal, officer)
    assert engine.institution is not None
    return engine.institution.code, assignment.notice_number


def main(argv: list[str]) -> dict[str, Any]:
    if argv[0] == "assign":
        return {"assigned": [assign(f"变更〔2026〕{n}号") for n in range(int(argv[1]))]}
    found: tuple[str, str] = ("", "")
    try:
        with transaction.atomic():
            found = assign("探测〔2026〕1号")
            raise Rollback
    except Rollback:
        pass
    result = verify()
    return {"pick": found[0], "notice": found[1], "events": result.events, "ok": result.ok}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), ensure_ascii=False))
