"""Shared fixtures: the repository root, the course's chapters and one headless Chromium per test process."""

import os
from pathlib import Path

import pytest

from autograder.grading.last_class import NOTE_ENV
from needs import need

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]


@pytest.fixture(autouse=True, scope="session")
def _classes_graded_by_tests_are_noted_apart(tmp_path_factory):
    """`course grade` notes the class it graded for `make formgrader` (``.work/last-graded.json``): the
    suite's classes are noted in a file of its own, never over the one of the person running it."""
    os.environ[NOTE_ENV] = str(tmp_path_factory.mktemp("last-graded") / "last-graded.json")


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def chromium_path():
    """Debian's Chromium (installed by ``make test`` as root); CI fails without it, elsewhere the test skips."""
    from autograder.maintainers.browser_setup import ensure_chromium

    path = ensure_chromium()
    need(path is not None, "there is no Chromium: run `make test` as root (it installs Debian's chromium "
                           "with apt-get) or `sudo apt-get install -y chromium`")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium for every browser test of this process.

    Playwright's sync API allows one ``sync_playwright()`` per thread at a time: a test that opened its
    own beside a session-wide one would fail with "using Playwright Sync API inside the asyncio loop".
    Every browser test therefore takes its pages from this browser, alone, in one process, under xdist
    and in any order.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        need(False, f"Python's playwright cannot be imported ({error}): run `make setup`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
