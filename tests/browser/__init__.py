"""Browser tests (./dev test-browser): Playwright drives Debian's Chromium against a server."""
