"""Server time of every staff page, role by role (issue 8): prints figures, asserts nothing.

    .venv/bin/python benchmarks/page_times.py [--repeat 7] [--keep DIR]

On a fresh embedded SQLite database in a temporary FAYUAN_HOME, it loads the demo
(`fayuan.demo.load_demo`: every role, cases in every state), then for each demo account signs
in (Django's test client, `force_login`: the password hash is not what is measured), reads the
menu from its home page (`nav.menu a`), and fetches every menu page and every case page its
list links to, `--repeat` times each. For each page it prints the median and maximum of the
application's own time (`Server-Timing: app;dur`, fayuan.web.timing: from the first middleware
to the response, the view, its queries and the template) and the number of database queries
of one fetch. The aim is every page under 200 ms; pages over it are listed at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ROLES = [
    "officer",
    "director",
    "section",
    "leader",
    "supervisor",
    "inst-admin",
    "lawyer",
    "court",
    "procuratorate",
    "police",
]
AIM_MS = 200.0
_MENU = re.compile(r'<nav class="menu"[^>]*>(.*?)</nav>', re.S)
_HREF = re.compile(r'href="([^"#?]+)')
_CASE = re.compile(r'href="(/cases/[^/"?#]+/)"')
_TIMING = re.compile(r"app;dur=([0-9.]+)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="fetches of each page (default 7)")
    parser.add_argument("--keep", type=Path, help="use (and keep) this FAYUAN_HOME")
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="fayuan-page-times-"))
    home.mkdir(parents=True, exist_ok=True)
    for name in list(os.environ):
        if name.startswith("FAYUAN_") or name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
            del os.environ[name]
    os.environ["FAYUAN_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fayuan.settings"
    os.environ["FAYUAN_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    try:
        return _run(args.repeat)
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


def _run(repeat: int) -> int:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from fayuan.demo import load_demo

    setup_test_environment()  # the test client's responses; DEBUG stays as configured
    call_command("migrate", interactive=False, verbosity=0)
    result = load_demo()
    if result.warnings:
        print("demo warnings:", *result.warnings, sep="\n  ")
    print(f"demo: {len(result.cases)} cases; {repeat} fetches per page; aim < {AIM_MS:.0f} ms")
    print(f"{'role':<14} {'median':>7} {'max':>7} {'queries':>7}  page")
    over: list[str] = []
    failures: list[str] = []
    for username in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        home = client.get("/")
        if home.status_code != 200:
            failures.append(f"{username} /: {home.status_code}")
            continue
        html = home.content.decode()
        menu = _MENU.search(html)
        paths = list(dict.fromkeys(_HREF.findall(menu.group(1)) if menu else ["/"]))
        listing = client.get("/cases/")
        if listing.status_code == 200:
            paths += list(dict.fromkeys(_CASE.findall(listing.content.decode())))
        for path in paths:
            times: list[float] = []
            queries = 0
            status = 200
            for n in range(repeat):
                if n == 0:
                    with CaptureQueriesContext(connection) as captured:
                        response = client.get(path)
                    queries = len(captured)
                else:
                    response = client.get(path)
                status = response.status_code
                found = _TIMING.search(response.get("Server-Timing", ""))
                if status != 200 or not found:
                    break
                times.append(float(found.group(1)))
            if status != 200 or not times:
                failures.append(f"{username} {path}: HTTP {status}")
                continue
            median, worst = statistics.median(times), max(times)
            print(f"{username:<14} {median:7.1f} {worst:7.1f} {queries:7d}  {path}")
            if median >= AIM_MS:
                over.append(f"{username} {path}: median {median:.1f} ms")
    print()
    print("pages at or over the aim (median):", *(over or ["none"]), sep="\n  ")
    if failures:
        print("pages that did not answer 200:", *failures, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
