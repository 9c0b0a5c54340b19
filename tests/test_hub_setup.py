"""`make hub`'s parts without a browser: the roster, the hub's config, the pinned tools, and nbgrader's
exchange between real system users (release, fetch, submit, collect, return and fetch feedback)."""

import json
import re
from importlib.metadata import entry_points
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder.hub import accounts, exchange
from autograder.hub.config import PROXY, course_id, hub_config, learner_page_config
from autograder.hub.roster import Person, RosterError, demo_roster, read_roster
from autograder.learner.i18n import notebook_language

from hub_class import as_user, need_hub_machine, throwaway_class

REPO = Path(__file__).resolve().parent.parent
CHAPTER = "01_tensors"


def _roster(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_roster_reads_each_row_with_its_role_and_edition(tmp_path):
    people = read_roster(_roster(tmp_path, "id,name,role,edition\nada,Ada L,learner,en\nmei,Mei,,zh\n"
                                           "\nteach,Dr T,Instructor,\n"))
    assert people == [Person("ada", "Ada L", "learner", "en"), Person("mei", "Mei", "learner", "zh"),
                      Person("teach", "Dr T", "instructor", "en")]


@pytest.mark.parametrize("text, words", [
    ("id,name\nAda Lovelace,Ada\n", ["line 2", "'Ada Lovelace'", "login name"]),
    ("id,name,role\nada,Ada,teacher\n", ["line 2", "'teacher'", "learner, instructor"]),
    ("id,name,role,edition\nada,Ada,learner,fr\n", ["'fr'", "en, zh"]),
    ("id,name\nada,Ada\nben,Ben\nada,Ada again\n", ["line 4", "'ada'", "already on line 2"]),
    ("id,name\nroot,Root\n", ["'root'", "system account"]),
    ("name,role\nAda,learner\n", ["first line", "id,name,role,edition"]),
    ("id,name,role,edition\n", ["lists nobody"]),
])
def test_a_bad_roster_is_refused_with_the_line_and_the_fix(tmp_path, text, words):
    with pytest.raises(RosterError) as refused:
        read_roster(_roster(tmp_path, text))
    for word in words:
        assert word in str(refused.value), str(refused.value)


def test_the_demo_class_has_an_instructor_and_a_chinese_edition_learner():
    people = demo_roster()
    assert [p.role for p in people].count("instructor") == 1
    assert {p.edition for p in people} == {"en", "zh"}


def test_hub_config_logs_in_with_pam_and_starts_each_lab_as_its_user(tmp_path):
    people = [Person("ada", "Ada"), Person("teach", "T", "instructor")]
    path = tmp_path / "jupyterhub_config.py"
    path.write_text(hub_config(state=tmp_path, people=people, port=8123, venv_bin=REPO / ".venv" / "bin",
                               hub_port=8124, proxy_api_port=8125))
    c = PyFileConfigLoader(path.name, str(tmp_path)).load_config()
    authenticator = entry_points(group="jupyterhub.authenticators")[c.JupyterHub.authenticator_class].load()
    spawner = entry_points(group="jupyterhub.spawners")[c.JupyterHub.spawner_class].load()
    assert authenticator.__name__ == "PAMAuthenticator" and spawner.__name__ == "LocalProcessSpawner"
    assert c.Authenticator.allowed_users == {"ada", "teach"} and c.Authenticator.admin_users == {"teach"}
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8123"
    assert c.JupyterHub.hub_bind_url == "http://127.0.0.1:8124"   # its own API: loopback, a port of its own
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8125"
    assert c.ConfigurableHTTPProxy.command == [str(PROXY)]
    assert Path(c.Spawner.cmd[0]).name == "jupyterhub-singleuser" and c.Spawner.default_url == "/lab"
    assert Path(c.JupyterHub.db_url.removeprefix("sqlite:///")).parent == tmp_path


def test_a_learners_lab_has_the_assignments_panel_and_only_an_instructors_has_formgrader():
    learner = learner_page_config(Person("ada", "Ada"))["disabledExtensions"]
    instructor = learner_page_config(Person("t", "T", "instructor"))["disabledExtensions"]
    assert learner["@jupyter/nbgrader:formgrader"] and learner["@jupyter/nbgrader:create-assignment"]
    assert not learner["@jupyter/nbgrader:assignment-list"] and not learner["@jupyter/nbgrader:menu"]
    assert not any(instructor.values())


def test_each_edition_is_a_course_of_its_own_on_the_exchange():
    assert course_id("en") == "pytorch-course" and course_id("zh") == "pytorch-course-zh"


def test_the_proxy_and_jupyterhub_are_pinned():
    package = json.loads((REPO / "package.json").read_text())
    version = package["dependencies"]["configurable-http-proxy"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"package.json must pin the proxy exactly, not {version!r}"
    lock = json.loads((REPO / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == version
    assert re.search(r"^jupyterhub==\d", (REPO / "requirements.lock").read_text(), re.M)
    makefile = (REPO / "Makefile").read_text()
    assert "npm ci" in makefile and re.search(r"^hub:.*\$\(PROXY\)", makefile, re.M)


# ------------------------------------------------------------------ the exchange between system users


@pytest.mark.slow
def test_exchange_carries_a_chapter_to_two_learners_and_their_feedback_back():
    need_hub_machine()
    with throwaway_class([("ada", "learner", "en"), ("mei", "learner", "zh")]) as (site, people, passwords):
        ada, mei = people["ada"], people["mei"]
        assert all(passwords.values()), "a new account gets a password"
        assert sorted(exchange.release(site, CHAPTER)) == ["pytorch-course", "pytorch-course-zh"]
        for person in (ada, mei):
            as_user(person, "nbgrader", "fetch_assignment", CHAPTER)
        fetched = {p.id: accounts.home_of(p.id) / CHAPTER / "tensors.ipynb" for p in (ada, mei)}
        assert notebook_language(nbformat.read(fetched[ada.id], as_version=4)) == "en"
        assert notebook_language(nbformat.read(fetched[mei.id], as_version=4)) == "zh"
        assert accounts.can_read(mei.id, fetched[mei.id]) and not accounts.can_read(ada.id, fetched[mei.id])
        assert not accounts.can_read(mei.id, fetched[ada.id])
        for person in (ada, mei):
            as_user(person, "nbgrader", "submit", CHAPTER)

        assert exchange.collect(site, CHAPTER) == sorted([ada.id, mei.id])
        for person in (ada, mei):
            folder = site.course_dir / "submitted" / person.id / CHAPTER
            assert (folder / "timestamp.txt").read_text().strip() and (folder / "tensors.ipynb").is_file()
            page = site.course_dir / "feedback" / person.id / CHAPTER / "tensors.html"
            page.parent.mkdir(parents=True)
            page.write_text(f"<html><body>feedback for {person.id}</body></html>")
        assert exchange.collect(site, CHAPTER) == [], "nothing new to collect"

        assert exchange.return_feedback(site, CHAPTER) == sorted([ada.id, mei.id])
        for person in (ada, mei):
            as_user(person, "nbgrader", "fetch_feedback", CHAPTER)
            pages = list((accounts.home_of(person.id) / CHAPTER / "feedback").glob("*/tensors.html"))
            assert [p.read_text() for p in pages] == [f"<html><body>feedback for {person.id}</body></html>"]
