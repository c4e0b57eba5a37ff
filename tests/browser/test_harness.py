"""The harness's own checks catch what they are for: a request leaving the application is
aborted and recorded, a console error and an uncaught error are recorded, axe reports a
critical violation, and every page served carries its Server-Timing."""

from __future__ import annotations

import pytest

from .harness import AxeViolations, Site


def test_the_checks_catch_a_bad_page(site: Site) -> None:
    page = site.new_page("harness")
    page.goto(site.url("/login/"))
    page.set_content(
        "<html lang='zh-CN'><head><title>t</title></head><body><main><h1>t</h1>"
        "<img src='/static/web/missing-on-purpose.png'>"
        "</main></body></html>"
    )
    page.evaluate(
        """() => {
          console.error('deliberate console error');
          setTimeout(() => { throw new Error('deliberate page error'); }, 0);
          return fetch('https://example.invalid/tracker.js').catch(() => null);
        }"""
    )
    page.wait_for_timeout(200)  # lets the deliberate error be thrown (nothing is timed)
    with pytest.raises(AxeViolations, match="image-alt"):
        site.axe(page)
    found = "\n".join(site.take_problems())
    assert "request leaving the application: https://example.invalid/tracker.js" in found
    assert "deliberate console error" in found
    assert "deliberate page error" in found
    assert "/login/" in site.timings  # the login page's Server-Timing was recorded
