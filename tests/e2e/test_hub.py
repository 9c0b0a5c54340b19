"""A whole class on a real JupyterHub on loopback, driven in Chromium: release, fetch, submit,
collect, grade, return feedback, fetch feedback; each learner sees their own score only.

Needs root (system users, PAM logins), JupyterHub's proxy and a venv the learners' users can run;
`make test` installs the last two. Outside CI the test skips and says which is missing.
"""

import csv
import json
import re
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from autograder.cells import grade_id, is_solution
from autograder.hub import accounts
from autograder.hub.server import Hub, free_port
from autograder.learner.i18n import notebook_language

from hub_class import as_user, need_hub_machine, throwaway_class

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / ".artifacts"
CHAPTER, NOTEBOOK = "01_tensors", "tensors.ipynb"
WRONG = ("tensors-zeros-long", "def zeros_long(rows, cols):\n    return torch.zeros(rows, cols)\n")
WRONG_CHECK = "tensors-zeros-long-check"
COURSE = str(Path(sys.executable).parent / "course")


def _course(*args):
    done = subprocess.run([COURSE, *args], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, f"course {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _log_in(browser, hub, person, password):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", person.id)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{person.id}/lab"))
    page.locator(".jp-LabShell").wait_for()
    return page


def _assignments_panel(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.locator("#released_assignments_list").wait_for()


def _save_as_learner(page, person, nb):
    """Save ``nb`` over the learner's fetched chapter through Jupyter's contents API, as Lab's Save does."""
    path = f"/user/{person.id}/api/contents/{CHAPTER}/{NOTEBOOK}"
    status = page.evaluate("""async ([path, nb]) => {
        const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
        const answer = await fetch(path, {method: "PUT", headers: {"X-XSRFToken": decodeURIComponent(xsrf),
            "Content-Type": "application/json"}, body: JSON.stringify({type: "notebook", format: "json", content: nb})});
        return answer.status; }""", [path, json.loads(nbformat.writes(nb))])
    assert status == 200, f"saving {path} as {person.id}: HTTP {status}"


def _answered(fetched, answers):
    nb = nbformat.read(fetched, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def test_a_class_runs_the_whole_loop_on_a_hub_in_the_browser(browser, tmp_path):
    need_hub_machine()
    spec = [("teach", "instructor", "en"), ("ada", "learner", "en"), ("ben", "learner", "en"), ("mei", "learner", "zh")]
    with throwaway_class(spec) as (site, people, passwords):
        teach, ada, ben, mei = people["teach"], people["ada"], people["ben"], people["mei"]
        hub = Hub(site, port=free_port())
        started = time.monotonic()
        phases = []

        def phase(name):
            phases.append((name, time.monotonic()))
        hub.start()
        phase("hub started")
        try:
            _course("hub", "release", CHAPTER, "--dir", str(site.dir))
            solution = nbformat.read(REPO / "solutions" / CHAPTER / NOTEBOOK, as_version=4)
            answers = {"ada": {grade_id(c): c.source for c in solution.cells if is_solution(c)},
                       "ben": dict([WRONG])}
            pages, saved = {}, {}
            for person in (ada, ben):
                page = pages[person.id] = _log_in(browser, hub, person, passwords[person.id])
                _assignments_panel(page)
                page.locator("#released_assignments_list button", has_text="Fetch").click()
                page.locator("#fetched_assignments_list button", has_text="Submit").wait_for()
                fetched = accounts.home_of(person.id) / CHAPTER / NOTEBOOK
                saved[person.id] = _answered(fetched, answers[person.id.rsplit("-", 1)[1]])
                _save_as_learner(page, person, saved[person.id])
                page.locator("#fetched_assignments_list button", has_text="Submit").click()
                page.locator("#submitted_assignments_list .list_item", has_text=CHAPTER).first.wait_for()
                phase(f"{person.id}: logged in, fetched, saved, submitted")
                if person == ada:   # due between the two submissions: ben's exchange timestamp makes him late
                    time.sleep(1)    # the due date is written to the second, after ada's (fractional) stamp
                    due = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                    time.sleep(1)

            # the Chinese-roster learner's Assignments panel carries the Chinese chapter
            as_user(mei, "nbgrader", "fetch_assignment", CHAPTER)
            assert notebook_language(nbformat.read(accounts.home_of(mei.id) / CHAPTER / NOTEBOOK, as_version=4)) == "zh"
            # one learner cannot read another's work, as that user
            assert not accounts.can_read(ada.id, accounts.home_of(ben.id) / CHAPTER / NOTEBOOK)
            assert not accounts.can_read(ben.id, accounts.home_of(ada.id) / CHAPTER / NOTEBOOK)

            phase("Chinese learner fetched; no learner reads another's files")
            _course("hub", "collect", CHAPTER, "--dir", str(site.dir))
            phase("collected")
            submitted = site.course_dir / "submitted"
            for person in (ada, ben):
                collected = nbformat.read(submitted / person.id / CHAPTER / NOTEBOOK, as_version=4)
                assert [c.source for c in collected.cells] == [c.source for c in saved[person.id].cells], \
                    "grading sees exactly what the learner saved"
            _course("grade", "--submissions", str(submitted), "--out", str(site.course_dir), "--chapter", CHAPTER,
                    "--due", f"{CHAPTER}={due}")
            grades = {row["learner"]: row for row in csv.DictReader((site.course_dir / "grades.csv").open())}
            max_score = sum(float(c.metadata["nbgrader"].get("points", 0)) for c in solution.cells
                            if c.metadata.get("nbgrader", {}).get("grade"))
            assert float(grades[ada.id][CHAPTER]) == max_score, grades[ada.id]
            assert float(grades[ben.id][CHAPTER]) < max_score, grades[ben.id]   # the starter, one answer wrong
            assert f"{CHAPTER}: late (submitted" in grades[ben.id]["status"], grades[ben.id]   # the exchange's timestamp
            assert "late" not in grades[ada.id]["status"], grades[ada.id]
            phase("graded (ben late by the exchange's timestamp)")

            # the instructor reviews in their own JupyterLab, as their own user: formgrader lists the
            # graded chapter and both submissions, and a score set by hand is written to the gradebook
            teacher = pages[teach.id] = _log_in(browser, hub, teach, passwords[teach.id])
            teacher.goto(f"{hub.url}/user/{teach.id}/formgrader/manage_submissions/{CHAPTER}")
            for person in (ada, ben):
                teacher.get_by_text(person.id, exact=True).first.wait_for()
            before = float(grades[ben.id][CHAPTER])
            as_user(teach, "course", "override", ben.id, CHAPTER, WRONG_CHECK, "1", "--out", str(site.course_dir))
            grades = {row["learner"]: row for row in csv.DictReader((site.course_dir / "grades.csv").open())}
            assert float(grades[ben.id][CHAPTER]) == before + 1, (before, grades[ben.id])
            phase("instructor: formgrader lists both submissions; a score set by hand")
            _course("hub", "return-feedback", CHAPTER, "--dir", str(site.dir))
            phase("feedback returned")

            for person in (ada, ben):
                page = pages[person.id]
                page.reload()
                page.locator(".jp-LabShell").wait_for()
                _assignments_panel(page)
                page.locator("#submitted_assignments_list button", has_text="Fetch Feedback").first.click()
                page.locator("#submitted_assignments_list a", has_text="view feedback").first.wait_for()
                found = list((accounts.home_of(person.id) / CHAPTER / "feedback").glob(f"*/{NOTEBOOK[:-6]}.html"))
                assert len(found) == 1, found
                stamp = found[0].parent.name
                page.goto(f"{hub.url}/user/{person.id}/files/{CHAPTER}/feedback/{stamp}/{found[0].name}")
                score = page.locator("#score").inner_text()
                assert float(score.split("/")[0]) == float(grades[person.id][CHAPTER]), (person.id, score)
                other = ben if person == ada else ada
                assert person.id in page.content() and other.id not in page.content()
                phase(f"{person.id}: fetched feedback and read their score")
            loop_s = time.monotonic() - started
            print(f"\nthe whole loop for two learners took {loop_s:.0f} s (hub start to both feedback pages read):")
            last = started
            for name, at in phases:
                print(f"  {at - last:6.1f} s  {name}")
                last = at
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for user_id, page in locals().get("pages", {}).items():
                page.screenshot(path=str(ARTIFACTS / f"hub-{user_id.rsplit('-', 1)[1]}.png"))
            (ARTIFACTS / "hub-jupyterhub.log").write_text(hub.log_tail(2000))
            raise
        finally:
            for page in locals().get("pages", {}).values():
                page.context.close()
            hub.stop()
        hub_pids = [hub.process.pid]
        for person in people.values():
            left = subprocess.run(["pgrep", "-u", person.id], capture_output=True, text=True).stdout.split()
            assert not left, f"{person.id} still runs {left} after the hub stopped"
        assert all(not Path(f"/proc/{pid}").exists() for pid in hub_pids)
        for name in ("proxy.pid", "jupyterhub.pid"):
            pid_file = site.dir / name
            if pid_file.exists() and pid_file.read_text().strip():
                assert not Path(f"/proc/{pid_file.read_text().strip()}").exists(), f"{name} still running"
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", hub.port)) != 0, "the proxy still listens"
