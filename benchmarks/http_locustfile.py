"""Locust users for `benchmarks/http_bench.py`: a judicial organ that submits notification
letters (each a new letter number) and follows its cases' status, as the integration does.
FAYUAN_BENCH_TOKEN is the organ's API token."""

from __future__ import annotations

import itertools
import os
import random
import uuid

from locust import HttpUser, between, task

_TOKEN = os.environ.get("FAYUAN_BENCH_TOKEN", "")
_RUN = uuid.uuid4().hex[:6]
_serial = itertools.count(1)


class JudicialOrgan(HttpUser):
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {_TOKEN}"
        self.numbers: list[str] = []

    @task(1)
    def submit_notification(self) -> None:
        n = next(_serial)
        body = {
            "category": "criminal",
            "locality": "天生街道",
            "letter_number": f"（2026）渝0109刑初{_RUN}{n}号",
            "letter_received_at": "2026-09-30T10:00:00+08:00",
            "summary": "基准测试：通知辩护。",
            "parties": [{"role": "aided", "name": f"被告人{n}"}],
        }
        with self.client.post(
            "/api/notifications", json=body, name="submit-notification", catch_response=True
        ) as response:
            if response.status_code == 201:
                self.numbers.append(response.json()["number"])
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(3)
    def case_status(self) -> None:
        if not self.numbers:
            return
        number = random.choice(self.numbers)
        self.client.get(f"/api/cases/{number}", name="case-status")
