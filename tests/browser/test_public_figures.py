"""The public figures page (/figures/, 法律援助法第五十八条) in the browser, at a phone's viewport
(390×844) and at a desktop's: no login, the rotation order, the monthly counts and the on-time
rate; axe finds no serious violation; the page and all it loads transfer under 300 KB; it works
with scripts blocked; on the phone nothing widens the page (the tables scroll in their box)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, ViewportSize, expect

from .harness import Site

PHONE_VIEW: ViewportSize = {"width": 390, "height": 844}
DESKTOP_VIEW: ViewportSize = {"width": 1280, "height": 900}
MAX_PAGE_BYTES = 300 * 1024


def weigh(page: Page, url: str) -> int:
    finished: list[Any] = []

    def note(request: Any) -> None:
        finished.append(request)

    page.on("requestfinished", note)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", note)
    total = 0
    for request in finished:
        s = request.sizes()
        total += max(s["responseBodySize"], 0) + max(s["responseHeadersSize"], 0)
    return total


@pytest.mark.parametrize("view, label", [(PHONE_VIEW, "phone"), (DESKTOP_VIEW, "desktop")])
def test_public_figures_page(site: Site, view: ViewportSize, label: str) -> None:
    page = site.new_page()
    page.set_viewport_size(view)
    size = weigh(page, "/figures/")
    print(f"/figures/ ({label}): {size} bytes")
    assert size < MAX_PAGE_BYTES, size
    expect(page.get_by_role("heading", level=1)).to_have_text("法律援助指派情况公开")
    expect(page.get_by_role("heading", name="刑事案件轮流指派顺序")).to_be_visible()
    expect(page.get_by_role("heading", name="各承办机构每月指派数")).to_be_visible()
    expect(page.locator("ol.order li").first).to_be_visible()
    rate = page.get_by_role("heading", name=re.compile(r"按期指派率"))
    expect(rate).to_be_visible()
    text = page.locator("main").inner_text()
    assert not re.search(r"\d{17}[\dXx]|1[3-9]\d{9}", text)  # no ID number, no mobile
    if label == "phone":
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, width
    site.check_page(page, "public")
    site.axe(page)
    site.shot(page, f"figures-{label}")


def test_public_figures_page_without_javascript(site: Site) -> None:
    page = site.new_page()

    def block(route: Route) -> None:
        route.abort()

    page.route(re.compile(r".*\.js(\?.*)?$"), block)
    page.set_viewport_size(PHONE_VIEW)
    page.goto("/figures/")
    expect(page.get_by_role("heading", name="各承办机构每月指派数")).to_be_visible()
    assert page.locator("table").count() >= 2
    site.check_page(page, "public")
    site.shot(page, "figures-no-js")
