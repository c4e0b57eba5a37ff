"""Browser tests: `./dev test-browser` (never part of the default run, see pyproject's addopts).

Fixtures: `site` (session: the demo served by a real gunicorn on a fresh database, and one
headless Chromium; harness.Site), and, for every test, a check that none of the pages it
opened left the application, logged a console error, threw, got a 5xx or carried markup the
CSP blocks. The screenshot folder is printed at the start and at the end of the run with the
screenshots taken, and the server time of every page fetched.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .harness import CHROMIUM, CHROMIUM_ARGS, REPO, Site, start_server

_SITE: list[Site] = []


def _screenshot_dir(config: pytest.Config) -> Path:
    folder = getattr(config, "_fayuan_screenshots", None)
    if folder is None:
        chosen = os.environ.get("FAYUAN_SCREENSHOTS", "").strip()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = Path(chosen) if chosen else REPO / "var" / "screenshots" / stamp
        config._fayuan_screenshots = folder  # type: ignore[attr-defined]
    return Path(folder)


def pytest_sessionstart(session: pytest.Session) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"browser tests: screenshots in {_screenshot_dir(session.config)}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = _screenshot_dir(terminalreporter.config)
    if not _SITE:
        return
    site = _SITE[0]
    terminalreporter.section("browser: server time per page")
    for line in site.timing_report():
        terminalreporter.write_line(line)
    terminalreporter.section("browser: screenshots")
    terminalreporter.write_line(f"{len(site.shots)} screenshots in {folder}")
    for shot in site.shots:
        terminalreporter.write_line(f"  {shot.name}")


@pytest.fixture(scope="session")
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (./dev test-browser does)")
    folder = _screenshot_dir(request.config)
    folder.mkdir(parents=True, exist_ok=True)
    server = start_server(tmp_path_factory.mktemp("site"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            current = Site(server, browser, folder)
            _SITE.append(current)
            try:
                yield current
            finally:
                current.close()
                browser.close()
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _pages_stay_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test whose pages left the application, logged a console error, threw, got a
    5xx or carried markup the CSP blocks (harness.Site.new_page records them)."""
    if "site" not in request.fixturenames:
        yield
        return
    current: Site = request.getfixturevalue("site")
    current.take_problems()
    yield
    found = current.take_problems()
    current.close()
    assert not found, "problems in the browser:\n" + "\n".join(found)
