"""Browser tests: Playwright drives Debian's chromium at phone size.

Playwright cannot download a browser here, so the tests launch the system's
``chromium``; a machine without it fails these tests instead of skipping them.
Every test under tests/e2e is marked ``e2e``. Screenshots go to
test-artifacts/e2e/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.inspections.conftest import (  # noqa: F401  (fixtures for the draw pages)
    county_facilities,
    plan,
    pool,
    published_template,
)

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "test-artifacts" / "e2e"
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in CI has no user namespace sandbox
    "--disable-gpu",
    # The machine has no network: keep chromium from trying to phone home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser():
    """Chromium for the tests of this package, closed after the last of them."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "chromium is not installed; the browser tests need Debian's package: "
            "apt-get install chromium (make test installs it).",
            pytrace=False,
        )
    # Playwright's sync API runs an event loop in the test thread, and Django refuses
    # ORM calls from a thread with a running loop unless told this is deliberate.
    # Only while the browser (and so the loop) lives: other tests keep the check.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh phone-sized page (390×844, touch, zh-CN) per test."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Chromium enforces the Content-Security-Policy and reports each block on the console:
    # a script or style the policy stopped fails the test that loaded it.
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert blocked == [], f"blocked by the Content-Security-Policy: {blocked}"


@pytest.fixture
def shot(page, request):
    """``shot("step")`` saves a full-page screenshot as <test>-<step>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w-]+", "_", request.node.name)

    def take(name):
        path = ARTIFACTS / f"{test_name}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


def assert_no_horizontal_scroll(page):
    """The page fits the phone's width: nothing to scroll sideways.

    A mobile browser zooms out to show content wider than the screen, and then
    ``window.innerWidth`` grows with it; so the layout width is checked too.
    """
    scroll_width, inner_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth,"
        " document.documentElement.clientWidth]"
    )
    assert scroll_width <= inner_width and scroll_width <= client_width <= PHONE["width"], (
        f"{page.url} is {scroll_width}px wide on a {PHONE['width']}px screen"
    )


@pytest.fixture
def phone_profile(browser, tmp_path):
    """``launch(**options)`` starts chromium on a phone-sized persistent profile kept in
    ``tmp_path``: what a phone keeps on disk (cookies, IndexedDB, Cache Storage, the
    service worker) survives closing the context and launching it again, as a
    restarted browser. Blocks by the Content-Security-Policy fail the test, as with
    ``page``."""
    profile = tmp_path / "phone-profile"
    contexts = []
    blocked = []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

    def launch(**options):
        context = browser.browser_type.launch_persistent_context(
            profile,
            executable_path=shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            **options,
        )
        context.set_default_timeout(15_000)
        context.on("page", watch)
        for page in context.pages:
            watch(page)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()  # nothing to do for one the test closed
    assert blocked == [], f"blocked by the Content-Security-Policy: {blocked}"
