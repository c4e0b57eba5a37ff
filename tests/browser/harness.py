"""The browser harness: a real server on a fresh demo database, Debian's Chromium through
Playwright, and the checks every page gets (conftest.py makes them fixtures).

- `start_server` migrates a temporary SQLite database, loads the demo with one fixed password
  (`fayuan demo --no-serve`, FAYUAN_DEMO_PASSWORD) and runs gunicorn on a free loopback port
  (development settings: WhiteNoise serves the static files from the apps' folders), until
  `/healthz` answers.
- `Site.login(username)` signs in through the real `/login/` form in a fresh browser context.
- Every page the harness opens records, as a problem that fails the test: a request that
  leaves the application (aborted), a console error, an uncaught page error, a response of
  500 or more, and markup the Content-Security-Policy would block (inline script or style,
  event-handler attributes). The contexts bypass the CSP only so that axe can be injected;
  that last check stands in for it.
- `Site.shot(page, name)`: a full-page PNG in the run's screenshot folder.
- `Site.axe(page)`: axe-core from node_modules; serious and critical violations fail.
- Every response's `Server-Timing: app;dur=…` (fayuan.web.timing) is recorded per path.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response
from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: The one password every demo account gets in the browser tests (never in production: the
#: demo refuses FAYUAN_DEMO_PASSWORD there).
PASSWORD = "browser-demo-pass-2026"
#: Impacts of an axe violation that fail a test.
FAILING_IMPACTS = ("serious", "critical")
#: Text that means the page is an error page rather than the page asked for.
ERROR_TEXT = ("Traceback", "Server Error", "服务器错误", "TemplateSyntaxError", "Page not found")
_TIMING = re.compile(r"(?:^|,)\s*app;dur=([0-9.]+)")
# What the CSP (script-src and style-src 'self', no 'unsafe-inline') would block.
_CSP_PROBE = """() => {
  const found = [];
  for (const s of document.querySelectorAll('script:not([src])')) {
    if (s.type !== 'application/json' && s.textContent.trim()) found.push('inline <script>');
  }
  for (const s of document.querySelectorAll('style')) found.push('inline <style>');
  for (const e of document.querySelectorAll('[style]')) {
    // Playwright's screenshots leave an empty style="" behind: nothing to block.
    if (e.getAttribute('style').trim()) {
      found.push('style attribute on <' + e.tagName.toLowerCase() + '>');
    }
  }
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      if (a.name.startsWith('on')) {
        found.push(a.name + ' attribute on <' + e.tagName.toLowerCase() + '>');
      }
    }
  }
  return found;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(home: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAYUAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return env | {
        "FAYUAN_HOME": str(home),
        "FAYUAN_DEMO_PASSWORD": PASSWORD,
        "FAYUAN_BIND": f"127.0.0.1:{port}",
        "FAYUAN_WORKERS": "2",
        "FAYUAN_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


@dataclass
class Server:
    base: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def start_server(home: Path) -> Server:
    """The demo on a fresh database in `home`, served by gunicorn, answering /healthz."""
    port = free_port()
    env = _environment(home, port)
    demo = subprocess.run(
        [str(BIN / "fayuan"), "demo", "--no-serve"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    if demo.returncode != 0 or "注意：" in demo.stdout:
        raise RuntimeError(f"fayuan demo failed:\n{demo.stdout[-3000:]}\n{demo.stderr[-3000:]}")
    (home / "demo.txt").write_text(demo.stdout)
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "python"), "-m", "gunicorn", "--config", "python:fayuan.gunicorn_conf"],
            cwd=home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = Server(f"http://127.0.0.1:{port}", home, process, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return server
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"/healthz did not answer within 120 s:\n{server.log_tail()}")


class AxeViolations(AssertionError):
    pass


@dataclass
class Site:
    """The running application as the tests see it."""

    server: Server
    browser: Browser
    screenshots: Path
    problems: list[str] = field(default_factory=list)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    missing_timing: set[str] = field(default_factory=set)
    shots: list[Path] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.server.base

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    # --- pages ---------------------------------------------------------------------------

    def new_page(self, who: str = "anonymous") -> Page:
        """A page in a fresh context (no cookies), with every check attached."""
        context = self.browser.new_context(
            base_url=self.base,
            bypass_csp=True,  # only so that axe can be injected; see _CSP_PROBE
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        origin = urlsplit(self.base)

        def guard(route: Any, request: Request) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https") and parts.netloc == origin.netloc:
                route.continue_()
                return
            self.problems.append(f"[{who}] request leaving the application: {request.url}")
            route.abort()

        context.route("**/*", guard)
        page = context.new_page()

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.problems.append(f"[{who}] console error on {page.url}: {message.text}")

        def page_error(error: PlaywrightError) -> None:
            self.problems.append(f"[{who}] page error on {page.url}: {error}")

        def response(resp: Response) -> None:
            parts = urlsplit(resp.url)
            if parts.netloc != origin.netloc:
                return
            if resp.status >= 500:
                self.problems.append(f"[{who}] {resp.status} from {parts.path}")
            if resp.request.resource_type != "document":
                return
            header = resp.headers.get("server-timing", "")
            found = _TIMING.search(header)
            method = resp.request.method
            key = parts.path if method == "GET" else f"{parts.path} ({method})"
            if found:
                self.timings[key].append(float(found.group(1)))
            else:
                self.missing_timing.add(key)

        page.on("console", console)
        page.on("pageerror", page_error)
        page.on("response", response)
        return page

    def login(self, username: str, password: str = PASSWORD) -> Page:
        """A fresh browser context signed in through the real /login/ form."""
        page = self.new_page(username)
        page.goto(self.url("/login/"))
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        if urlsplit(page.url).path.startswith("/login/"):
            raise AssertionError(f"{username} could not sign in: {page.inner_text('body')[:300]}")
        return page

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(PlaywrightError):
                context.close()
        self.contexts.clear()

    # --- checks --------------------------------------------------------------------------

    def check_page(self, page: Page, who: str) -> str:
        """The page shows its <h1> and no error text, and nothing the CSP would block.
        Returns the heading."""
        heading = page.locator("h1").first
        if heading.count() == 0 or not heading.is_visible():
            raise AssertionError(f"[{who}] {page.url}: no visible <h1>")
        text = page.inner_text("body")
        for bad in ERROR_TEXT:
            if bad in text:
                raise AssertionError(f"[{who}] {page.url} shows {bad!r}: {text[:500]}")
        for blocked in page.evaluate(_CSP_PROBE):
            self.problems.append(f"[{who}] {page.url}: {blocked} (blocked by the CSP)")
        return heading.inner_text().strip()

    def take_problems(self) -> list[str]:
        found, self.problems = self.problems, []
        return found

    def shot(self, page: Page, name: str) -> Path:
        """A full-page PNG in the run's screenshot folder, numbered in the order taken."""
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
        path = self.screenshots / f"{len(self.shots) + 1:03d}-{safe}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def axe_violations(self, page: Page) -> list[dict[str, Any]]:
        """axe-core's violations of impact serious or critical on the page as it is now."""
        if not AXE.is_file():
            raise AssertionError(f"{AXE} is missing: run ./dev setup (npm ci)")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [v for v in result["violations"] if v.get("impact") in FAILING_IMPACTS]

    def axe(self, page: Page) -> None:
        """Fails (AxeViolations) on any serious or critical axe violation, naming each rule,
        its help and the offending nodes."""
        violations = self.axe_violations(page)
        if violations:
            raise AxeViolations(describe_violations(page.url, violations))

    # --- report --------------------------------------------------------------------------

    def timing_report(self) -> list[str]:
        lines = ["server time per page (Server-Timing app;dur, ms): median / max / n"]
        for path in sorted(self.timings):
            values = self.timings[path]
            lines.append(
                f"  {statistics.median(values):7.1f} {max(values):7.1f} {len(values):3d}  {path}"
            )
        for path in sorted(self.missing_timing - set(self.timings)):
            lines.append(f"  (no Server-Timing header)  {path}")
        return lines


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe: {len(violations)} serious/critical violation(s) on {url}"]
    for v in violations:
        targets = [" ".join(map(str, node.get("target", []))) for node in v.get("nodes", [])]
        lines.append(f"  - {v['id']} ({v['impact']}): {v['help']}")
        for target in targets[:10]:
            lines.append(f"      {target}")
        if len(targets) > 10:
            lines.append(f"      … and {len(targets) - 10} more")
    return "\n".join(lines)
