"""Schemathesis against the API's own OpenAPI description, in process (the WSGI application, on
a fresh test database holding the demo: roster, accounts and cases at every step).

Every operation, once as the demo court (a judicial organ, `Authorization: Bearer …`) and once
as the demo officer (staff: session cookie and CSRF token), with examples that fit the schema
(case numbers and record ids half of the time those of the demo's cases) and examples that do
not. Each response must not be a 5xx, must have a status, content type, headers and body the
description documents, and a request the schema forbids must be refused (4xx).

Fixed seed, a bounded number of examples per operation and mode, no shrinking: the whole run
takes about two minutes on two cores. `./dev test-system` runs it (with the other system tests);
alone: `.venv/bin/pytest -p no:cacheprovider --override-ini addopts=-q
tests/system/test_schemathesis.py -s` (add DATABASE_URL=postgres://… for PostgreSQL).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SEED = 20261201
#: Examples per operation and generation mode (positive, negative), per caller.
EXAMPLES = int(os.environ.get("FAYUAN_SCHEMATHESIS_EXAMPLES", "30"))
CSRF = "a" * 16 + "B" * 16
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
#: Path parameters that name records, and where the demo's real ones come from.
ID_PARAMETERS = ("proposal_id", "change_id", "recusal_id")


@dataclass
class Demo:
    token: str
    officer_session: str
    numbers: list[str]
    ids: dict[str, list[int]]


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    """The demo loaded once into the test database (kept for the module: each test's own
    writes are rolled back)."""
    from django.contrib.auth.models import User

    from fayuan.cases.models import Case
    from fayuan.demo import load_demo
    from fayuan.workflow.models import HandlerChange, OfficerProposal, Recusal

    with django_db_blocker.unblock():
        result = load_demo()
        client = Client()
        client.force_login(User.objects.get(username="officer"))
        session = client.cookies["sessionid"].value
        numbers = list(Case.objects.order_by("id").values_list("number", flat=True))
        ids = {
            "proposal_id": list(OfficerProposal.objects.values_list("id", flat=True)),
            "change_id": list(HandlerChange.objects.values_list("id", flat=True)),
            "recusal_id": list(Recusal.objects.values_list("id", flat=True)),
        }
    # As Django's test client does: a request must not close the test database's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield Demo(result.api_token, session, numbers, ids)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema() -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    schema.config.generation.update(
        with_security_parameters=False, allow_x00=True, max_examples=EXAMPLES
    )
    # A body over the limit is refused too: 413 (documented on every operation).
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    return schema


def _operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())
    return operations


def _run_operation(operation: Any, demo: Demo, caller: str, tally: Tally) -> None:
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        with contextlib.suppress(Exception, BaseExceptionGroup):
            # Recorded in tally.failures: hypothesis stops an operation at its first failure.
            _run_mode(operation, mode, demo, caller, tally)


def _run_mode(operation: Any, mode: GenerationMode, demo: Demo, caller: str, tally: Tally) -> None:
    if caller == "bearer":
        headers = {"Authorization": f"Bearer {demo.token}"}
        cookies: dict[str, str] = {}
    else:
        headers = {"X-CSRFToken": CSRF}
        cookies = {"sessionid": demo.officer_session, "csrftoken": CSRF}
    positive = mode is GenerationMode.POSITIVE
    checks = CHECKS if positive else NEGATIVE_CHECKS
    where = f"{caller} {mode.value} {operation.method.upper()} {operation.path}"

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(generation_mode=mode),
        number=st.sampled_from([None, *demo.numbers]) if positive else st.none(),
        pick=st.integers(0, 10**6),
    )
    def run(case: Any, number: str | None, pick: int) -> None:
        if number is not None and "number" in (case.path_parameters or {}):
            case.path_parameters["number"] = number
            for name in ID_PARAMETERS:
                if name in case.path_parameters and demo.ids[name]:
                    case.path_parameters[name] = demo.ids[name][pick % len(demo.ids[name])]
        response = case.call(headers=headers, cookies=cookies)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a group
            parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
            text = [line for part in parts for line in str(part).strip().splitlines()]
            tally.failures.append(f"{where}: {' | '.join(text[:16])}")
            raise

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["bearer", "session"])
def test_every_operation_conforms_and_never_answers_5xx(demo: Demo, caller: str) -> None:
    schema = _schema()
    operations = _operations(schema)
    assert len(operations) >= 25, [op.path for op in operations]
    tally = Tally()
    started = time.perf_counter()
    for operation in operations:
        with transaction.atomic():
            _run_operation(operation, demo, caller, tally)
            transaction.set_rollback(True)
    seconds = time.perf_counter() - started
    statuses = ", ".join(f"{code}×{n}" for code, n in sorted(tally.statuses.items()))
    print(
        f"\nschemathesis ({caller}): {len(operations)} operations, {tally.requests} requests "
        f"in {seconds:.1f} s; statuses {statuses}"
    )
    assert not [code for code in tally.statuses if code >= 500], tally.failures
    assert tally.failures == [], "\n".join(tally.failures)
