"""Outputs that root writes into an instructor's folder (``sudo course grade --out ~teach/course``) are the
instructor's afterwards, so formgrader and ``course override`` can write them as the instructor; links
are handed over themselves, never the files they point to."""

import os

from autograder.grading.ownership import give_to_folder_owner
from needs import need

NOBODY = 65534


def _owners(root):
    return {str(p.relative_to(root)): os.lstat(p).st_uid for p in [root, *root.rglob("*")]}


def test_what_root_wrote_in_an_instructors_folder_becomes_the_instructors(tmp_path):
    need(os.geteuid() == 0, "chown needs root (the hub grades as root)")
    outside = tmp_path / "root-only.txt"
    outside.write_text("root's")
    course = tmp_path / "course"
    (course / "feedback" / "ada").mkdir(parents=True)
    os.chown(course, NOBODY, NOBODY)
    (course / "grades.csv").write_text("learner\n")
    (course / "feedback" / "ada" / "tensors.html").write_text("<html>")
    (course / "feedback" / "ada" / "link").symlink_to(outside)
    (course / "untouched.txt").write_text("not named")

    give_to_folder_owner(course, [course / "grades.csv", course / "feedback", course / "missing.db"])

    owners = _owners(course)
    assert owners.pop("untouched.txt") == 0, "only the paths named change owner"
    assert set(owners.values()) == {NOBODY}, owners
    assert os.stat(outside).st_uid == 0, "a link's target keeps its owner"


def test_a_folder_root_owns_keeps_root_as_owner(tmp_path):
    need(os.geteuid() == 0, "chown needs root (the hub grades as root)")
    (tmp_path / "grades.csv").write_text("learner\n")
    give_to_folder_owner(tmp_path)
    assert set(_owners(tmp_path).values()) == {0}
