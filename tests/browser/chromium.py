"""The one browser setup the browser tests and `scripts/screenshots.py` share: Debian's
Chromium (never a browser downloaded by `playwright install`), driven by Playwright.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


def launch(playwright: Playwright) -> Browser:
    """Start Debian's Chromium, headless, with the flags of DESIGN.md section 6."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
