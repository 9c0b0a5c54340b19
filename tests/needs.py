"""What a test needs from the machine: under CI a missing need fails the test with its reason, elsewhere it skips.

``make test`` from ``.ci/run`` sets ``CI=true``: there a missing browser, tool or protection must not
shrink the suite silently. On a developer's machine the same test skips and says what it would need.
"""

import os

import pytest


def in_ci():
    """True where the environment says this is a CI run (``CI`` set to anything but empty, 0, false or no)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def need(available, reason):
    """Return when ``available``; otherwise fail under CI (the run must cover this test), else skip with ``reason``."""
    if available:
        return
    if in_ci():
        pytest.fail(f"CI must run this test, but {reason}", pytrace=False)
    pytest.skip(reason)


def need_namespaces(what):
    """Return where the sandbox has namespaces; rlimits mode skips only where it is the mode under test.

    ``tests/run_unprivileged.py`` forces ``COURSE_SANDBOX_MODE=rlimits`` on purpose: there a defence that
    needs namespaces is off by design (``protections()`` says so) and the test skips. A machine that
    falls back to rlimits by itself is missing a protection: under CI that fails.
    """
    from autograder.grading import sandbox

    if sandbox.mode() != "rlimits":
        return
    if os.environ.get("COURSE_SANDBOX_MODE") == "rlimits":
        pytest.skip(f"rlimits mode is the mode under test (COURSE_SANDBOX_MODE=rlimits): {what}")
    need(False, f"this machine has no namespaces for the sandbox (mode rlimits): {what}")
