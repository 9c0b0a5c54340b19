"""Shared fixtures: the repository root and the course's chapters."""

import os
from pathlib import Path

import pytest

from autograder.grading.last_class import NOTE_ENV

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _classes_graded_by_tests_are_noted_apart(tmp_path_factory):
    """`course grade` notes the class it graded for `make formgrader` (``.work/last-graded.json``): the
    suite's classes are noted in a file of its own, never over the one of the person running it."""
    os.environ[NOTE_ENV] = str(tmp_path_factory.mktemp("last-graded") / "last-graded.json")


@pytest.fixture(scope="session")
def repo():
    return REPO
