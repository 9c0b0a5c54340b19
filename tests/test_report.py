"""The instructor's view (issue 14): feedback, scores.csv, report.html, statuses, due dates, overrides.

One small class of 01_tensors is graded once for the module (``slow``): ada (the
solution, on time), ben (the untouched starter), cy (a wrong answer for every
exercise), fay (an answer that loops), gil (the solution, a day late, late policy
``zero``), eve (corrupt file), sam (the solution with its first answer missing a
`)`). The tests read what an instructor and a learner would open.
"""

import csv
import html as html_lib
import io
import json
import os
import re
import shutil
import time
import urllib.request
import warnings
from argparse import Namespace
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from autograder.grading import sandbox
from autograder.grading.course import find_chapters
from autograder.grading.late import how_late, parse_due, parse_time
from autograder.grading.pipeline import STATUSES
from autograder.grading.scores import SCORES_HEADER, exercises, scores_csv

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "grading"
CHAPTER = "01_tensors"
# a cell limit no honest cell reaches on a loaded 2-core machine (the looping one reaches any)
CELL_S = 30
LIMITS = replace(sandbox.Limits(), cell_timeout_s=CELL_S, submission_timeout_s=180.0, output_bytes=200_000)
DUE = "2026-01-15T23:59Z"
ON_TIME, LATE = "2026-01-15 20:00:00 UTC", "2026-01-17 02:30:00 UTC"   # gil: 1 d 2 h 31 min late
_CHAPTER = find_chapters(REPO, only=[CHAPTER])[0]
EXERCISES = exercises(_CHAPTER)
LOOPING = "tensors-index-column-check"   # the exercise whose answer loops in the timeout fixture
ANSWER = EXERCISES[0].grade_id.removesuffix("-check")   # sam's broken answer: the first exercise's


def _submit(root, learner, nb_or_fixture, stamp=ON_TIME):
    folder = root / learner / CHAPTER
    folder.mkdir(parents=True)
    if isinstance(nb_or_fixture, str):
        shutil.copy(FIXTURES / f"{nb_or_fixture}.ipynb", folder / "tensors.ipynb")
    else:
        nbformat.write(nb_or_fixture, folder / "tensors.ipynb")
    (folder / "timestamp.txt").write_text(stamp + "\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.grading.demo import solution, starter, wrong
    from autograder.grading.pipeline import grade

    root = tmp_path_factory.mktemp("report")
    submitted = root / "submitted"
    _submit(submitted, "ada", "solution-pass-all-answers")
    _submit(submitted, "ben", starter(_CHAPTER))
    broken = solution(_CHAPTER)
    first = next(c for c in broken.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER)
    cut = first.source.rindex(")")                          # a correct answer, edited to miss its last `)`
    first.source = first.source[:cut] + first.source[cut + 1:]
    _submit(submitted, "sam", broken)
    _submit(submitted, "cy", wrong(_CHAPTER, REPO))
    _submit(submitted, "fay", "timeout-fail-infinite-loop")
    _submit(submitted, "gil", "solution-pass-all-answers", LATE)
    _submit(submitted, "eve", "unreadable-fail-corrupt-json")
    out = root / "out"
    report = grade(REPO, submitted, out_dir=out, jobs=2, chapters=[CHAPTER], limits=LIMITS, progress=False,
                   due=[f"{CHAPTER}={DUE}"], late_policy="zero")
    return {"report": report, "out": out, "submitted": submitted}


def feedback(graded, learner):
    from bs4 import BeautifulSoup

    path = graded["out"] / "feedback" / learner / CHAPTER / "tensors.html"
    return BeautifulSoup(path.read_text(), "html.parser")


def scores(out):
    return list(csv.DictReader((out / "scores.csv").open()))


def grades(out):
    return {r["learner"]: r for r in csv.DictReader((out / "grades.csv").open())}


# ------------------------------------------------------------------ fast: no kernels

def test_exercises_are_titled_by_their_headings():
    assert len(EXERCISES) == len([g for g in _CHAPTER.grade_ids if g.endswith("-check")])
    assert EXERCISES[0].title == "Exercise 1.1: integer zeros of any size"
    assert all(e.title.startswith("Exercise ") for e in EXERCISES)
    assert sum(e.points for e in EXERCISES) == _CHAPTER.max_score


def test_due_dates_parse_in_utc_and_bad_ones_say_why():
    assert parse_due([f"{CHAPTER}=2026-12-01T23:59+02:00"], {CHAPTER}) == {CHAPTER: parse_time("2026-12-01 21:59")}
    assert parse_time("2024-05-02-10-00-00") == parse_time("2024-05-02T10:00Z")   # an LMS zip's stamp
    for bad, words in ((["99_nope=2026-12-01"], "unknown chapter"), ([f"{CHAPTER}"], "CHAPTER=DATE"),
                       ([f"{CHAPTER}=someday"], "not a date")):
        with pytest.raises(ValueError, match=words):
            parse_due(bad, {CHAPTER})
    assert how_late(26 * 3600 + 31 * 60) == "1 d 2 h 31 min" and how_late(20) == "20 s"


def test_scores_csv_neutralises_formulas():
    text = scores_csv([{"learner": "ana", "chapter": CHAPTER, "exercise": "x", "message": "=HYPERLINK(1)",
                        "title": "+1", "verdict": "-2", "status": "@A1"}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert [row[k] for k in ("message", "title", "verdict", "status")] == ["'=HYPERLINK(1)", "'+1", "'-2", "'@A1"]


# ------------------------------------------------------------------ one graded class

@pytest.mark.slow
def test_feedback_starts_with_learner_chapter_score_and_every_exercise(graded):
    page = feedback(graded, "cy")
    summary = page.find(id="summary")
    text = summary.get_text(" ", strip=True)
    assert "cy" in text and CHAPTER in text and "Chapter 1 · Tensors" in text
    row = graded["report"].row("cy", CHAPTER)
    assert summary.find(id="score").get_text(strip=True) == f"{row.score:g} / {row.max_score:g}"
    rows = summary.find(id="exercises").tbody.find_all("tr")
    assert [r.find("a").get_text(strip=True) for r in rows] == [e.title for e in EXERCISES]
    # each link lands on the learner's answer (nbgrader's anchor "comment-<answer id>"), not the check below it
    answers = {c.metadata["nbgrader"]["grade_id"] for c in _CHAPTER.template.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    hrefs = [r.find("a")["href"] for r in rows]
    assert [h.removeprefix("#comment-") for h in hrefs] == [e.grade_id.removesuffix("-check") for e in EXERCISES]
    assert set(h.removeprefix("#comment-") for h in hrefs) <= answers
    assert all(page.find("a", attrs={"name": h[1:]}) for h in hrefs)
    assert {r.find(class_="verdict").get_text(strip=True) for r in rows} == {"incorrect"}
    ada = feedback(graded, "ada").find(id="exercises").tbody.find_all("tr")
    assert {r.find(class_="verdict").get_text(strip=True) for r in ada} == {"correct"}
    assert [r.find(class_="points").get_text(strip=True) for r in ada] == [f"{e.points:g} / {e.points:g}"
                                                                           for e in EXERCISES]


@pytest.mark.slow
def test_feedback_shows_one_verdict_per_check_and_no_hidden_or_solution_text(graded):
    hidden = [line.strip() for c in _CHAPTER.template.cells if "### BEGIN HIDDEN TESTS" in c.source
              for line in c.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
              .splitlines() if line.strip()]
    for learner in ("ada", "cy", "fay"):
        raw = (graded["out"] / "feedback" / learner / CHAPTER / "tensors.html").read_text()
        text = html_lib.unescape(feedback(graded, learner).get_text("\n"))
        assert "Incorrect: Incorrect" not in text and "Not attempted: Not attempted" not in text
        assert not [line for line in hidden if line in text]
        for marker in ("BEGIN HIDDEN", "END HIDDEN", "BEGIN SOLUTION", "END SOLUTION"):
            assert marker not in text
        assert "white-space: pre-wrap" in raw   # long lines wrap (the browser test measures it)
    cy_text = feedback(graded, "cy").get_text("\n")
    assert cy_text.count("Incorrect: ") == len(EXERCISES)          # one verdict line per check
    # the green label is a span of its own: read the page's text as one run, as a reader sees it
    assert feedback(graded, "ada").get_text().count("Correct: ") == len(EXERCISES)


@pytest.mark.slow
def test_scores_csv_has_one_row_per_learner_and_exercise(graded):
    out, rows = graded["out"], scores(graded["out"])
    assert list(rows[0]) == SCORES_HEADER
    assert {(r["learner"], r["exercise"]) for r in rows} == {(learner, e.grade_id) for learner in
                                                           ("ada", "ben", "cy", "eve", "fay", "gil", "sam")
                                                           for e in EXERCISES}
    totals = {}
    for r in rows:
        assert r["max"] == f"{next(e.points for e in EXERCISES if e.grade_id == r['exercise']):g}"
        totals[r["learner"]] = totals.get(r["learner"], 0) + float(r["score"] or 0)
    table = grades(out)
    for learner in ("ada", "cy", "fay"):      # no late penalty: the exercises add up to the chapter score
        assert float(table[learner][CHAPTER]) == totals[learner]
    eve = [r for r in rows if r["learner"] == "eve"]
    assert {(r["score"], r["status"], r["verdict"]) for r in eve} == {("", "unreadable", "unreadable")}
    assert "not valid JSON" in eve[0]["message"]
    cy = [r for r in rows if r["learner"] == "cy"]
    assert all(r["verdict"] == "incorrect" and r["message"].startswith("Incorrect: ") for r in cy)


@pytest.mark.slow
def test_a_looping_answer_costs_its_exercise_only_with_the_reason(graded):
    row = graded["report"].row("fay", CHAPTER)
    assert row.status == "timeout" and f"ran past {CELL_S} s and were interrupted; the next cells still ran" in row.reasons[0]
    fay = {r["exercise"]: r for r in scores(graded["out"]) if r["learner"] == "fay"}
    assert (fay[LOOPING]["score"], fay[LOOPING]["verdict"]) == ("0", "interrupted")
    assert f"interrupted after {CELL_S} s" in fay[LOOPING]["message"]
    others = [r for gid, r in fay.items() if gid != LOOPING]
    assert others and all(r["verdict"] == "correct" and r["score"] == r["max"] for r in others)
    table = feedback(graded, "fay").find(id="exercises")
    verdicts = [r.find(class_="verdict").get_text(strip=True) for r in table.tbody.find_all("tr")]
    assert verdicts.count("interrupted") == 1 and verdicts.count("correct") == len(EXERCISES) - 1


@pytest.mark.slow
def test_a_late_submission_is_marked_in_every_output_and_penalised(graded):
    from nbgrader.api import Gradebook

    out, report = graded["out"], graded["report"]
    late = report.row("gil", CHAPTER)
    assert late.status == "late" and late.score == 0   # late policy zero
    assert ("submitted 1 d 2 h 31 min after the due date (2026-01-15 23:59 UTC); late penalty "
            f"{_CHAPTER.max_score:g}") in late.reasons
    assert report.row("ada", CHAPTER).status == "graded"
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        sub = gb.find_submission(CHAPTER, "gil")
        assert sub.total_seconds_late == (26 * 60 + 31) * 60 and sub.late_submission_penalty == _CHAPTER.max_score
        assert gb.find_submission(CHAPTER, "ada").total_seconds_late == 0
    assert grades(out)["gil"][CHAPTER] == "0" and "late (submitted 1 d 2 h 31 min" in grades(out)["gil"]["status"]
    assert {r["status"] for r in scores(out) if r["learner"] == "gil"} == {"late"}
    assert json.loads((out / "grading-status.json").read_text())["gil"][CHAPTER]["status"] == "late"
    summary = feedback(graded, "gil").find(id="summary").get_text(" ", strip=True)
    assert "after the due date" in summary and f"0 / {_CHAPTER.max_score:g}" in summary
    from bs4 import BeautifulSoup

    page = BeautifulSoup((out / "report.html").read_text(), "html.parser")
    rows = page.find("section", id=CHAPTER).find("table", class_="flagged").tbody.find_all("tr")
    statuses = {tr.td.get_text(strip=True): tr.find(class_="status").get_text(strip=True) for tr in rows}
    assert statuses["gil"] == "late" and statuses["ben"] == "graded"   # the report's row says late, others don't


@pytest.mark.slow
def test_one_status_vocabulary_everywhere(graded, capsys):
    from autograder.grading.cli import summary

    out, report = graded["out"], graded["report"]
    statuses = {r.status for r in report.rows}
    assert statuses == {"graded", "timeout", "late", "unreadable"} and statuses <= set(STATUSES)
    assert {r["status"] for r in scores(out)} == statuses
    stored = json.loads((out / "grading-status.json").read_text())
    assert {e[CHAPTER]["status"] for e in stored.values()} == statuses
    words = {cell.split(" (")[0].split(": ")[-1] for r in grades(out).values() for cell in r["status"].split(" | ")}
    assert words == statuses
    text = summary(report)
    for row in report.rows:
        assert f"  {row.status}" in next(line for line in text.splitlines() if line.startswith(row.learner))
    assert "ok" not in {r["status"] for r in grades(out).values()}


@pytest.mark.slow
def test_summary_gives_reasons_and_names_every_file_written(graded):
    from autograder.grading.cli import summary

    report = graded["report"]
    lines = summary(report).splitlines()
    written = lines[lines.index("wrote:") + 1:]
    names = {Path(line.strip().rstrip("/")).name for line in written}
    assert names == {"grades.csv", "scores.csv", "report.html", "grading-status.json", "gradebook.db",
                     "feedback", "autograded"}
    assert all(Path(line.strip()).exists() for line in written)
    eve = next(line for line in lines if line.startswith("eve"))
    assert "unreadable (tensors.ipynb is not valid JSON" in eve


@pytest.mark.slow
def test_report_shows_histogram_pass_rates_messages_and_who_needs_a_look(graded):
    from bs4 import BeautifulSoup

    out = graded["out"]
    page = BeautifulSoup((out / "report.html").read_text(), "html.parser")
    section = page.find("section", id=CHAPTER)
    img = section.find("img", class_="histogram")
    assert img["src"].startswith("data:image/png;base64,") and len(img["src"]) > 1000
    rows = section.find("table", class_="exercises").tbody.find_all("tr")
    assert [r.td.get_text(strip=True) for r in rows] == [e.title for e in EXERCISES]
    # reasoned from the class: six readable submissions (eve's is corrupt); ada and gil (late, but each
    # exercise still scored) pass everything, ben and cy nothing, fay all but the one that loops, sam all
    # but the first (its answer misses a `)`)
    for row, exercise in zip(rows, EXERCISES):
        passed = 2 + (exercise.grade_id != LOOPING) + (exercise != EXERCISES[0])
        assert row.find(class_="pass-rate").get_text(strip=True) == f"{100 * passed / 6:.0f}% ({passed}/6)", \
            exercise.grade_id
    cy_first = next(r["message"] for r in scores(out) if r["learner"] == "cy")
    assert f"1 × {cy_first}" in rows[0].find(class_="message").get_text(" ", strip=True)
    flagged = {tr.td.get_text(strip=True): tr for tr in section.find("table", class_="flagged").tbody.find_all("tr")}
    # process problems, and the learners who most need a look: nothing attempted (ben), a low score (cy)
    assert set(flagged) == {"ben", "cy", "eve", "fay", "gil"}
    reason = {name: tr.find(class_="reason").get_text(" ", strip=True) for name, tr in flagged.items()}
    assert reason["ben"] == f"attempted nothing: all {len(EXERCISES)} exercises not attempted"
    cy_score = float(grades(out)["cy"][CHAPTER])
    assert cy_score < _CHAPTER.max_score / 2
    assert reason["cy"] == f"low score: {cy_score:g} of {_CHAPTER.max_score:g} (under 50%)"
    assert flagged["cy"].find(class_="score").get_text(strip=True) == f"{cy_score:g}"
    assert flagged["fay"].find(class_="status").get_text() == "timeout"
    assert f"ran past {CELL_S} s" in flagged["fay"].find(class_="reason").get_text()
    link = flagged["fay"].find("a")["href"]
    assert (out / link).is_file() and flagged["eve"].find("a") is None   # no feedback for a corrupt file


def _visible_text(page):
    """``[(where, text)]`` of a report page, each piece on its own (a table cell, a heading, a paragraph)."""
    found = [("title", page.title.get_text(strip=True))]
    for element in page.body.find_all(["h1", "h2", "h3", "p", "th", "td", "a"]):
        if element.find(["td", "th", "p", "a"]) is None:   # innermost pieces only
            found.append((element.get("class", [element.name])[0], element.get_text(" ", strip=True)))
    found += [("alt", img["alt"]) for img in page.find_all("img")]
    return found


@pytest.mark.slow
def test_the_instructors_pages_speak_the_language_asked_for(graded):
    """Issue 23: ``course grade --language zh`` (re-rendered here from the same gradebook): report.html,
    grades.csv's status words and the summary in Chinese, kept for ``course override``; English again after."""
    from bs4 import BeautifulSoup

    from autograder.cli import main
    from autograder.grading.cli import summary
    from autograder.grading.instructor_language import LANGUAGE_FILE
    from autograder.grading.late import late_notice
    from autograder.grading.pipeline import export
    from autograder.learner.i18n import speaking
    from autograder.learner.messages import message
    from autograder.learner.progress import display_width
    from message_scan import code_names, english_words, halfwidth_punctuation_after_chinese, spaced_particle

    out, report = graded["out"], graded["report"]
    english_page, english_grades = (out / "report.html").read_text(), grades(out)
    stored = json.loads((out / "grading-status.json").read_text())
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    with speaking("zh"):
        words = {status: message(f"status_{status}") for status in STATUSES}
        late_zh = late_notice(db_url, _CHAPTER, "gil")
        cy_score = float(english_grades["cy"][CHAPTER])
        expected = {"ben": message("reason_attempted_nothing", count=len(EXERCISES)),
                    "cy": message("reason_low_score", score=f"{cy_score:g}", max_score=f"{_CHAPTER.max_score:g}",
                                  share="50%"),
                    "gil": message("joiner").join([late_zh, message(  # late policy zero: a low score too
                        "reason_low_score", score="0", max_score=f"{_CHAPTER.max_score:g}", share="50%")])}
        header = [message(f"summary_{key}") for key in ("learner", "chapter", "score", "status")]
        wrote = message("summary_wrote")
    try:
        assert out / LANGUAGE_FILE in export(REPO, out, language="zh")
        assert main(["override", "cy", CHAPTER, EXERCISES[0].grade_id, "auto", "--out", str(out)]) == 0
        page = BeautifulSoup((out / "report.html").read_text(), "html.parser")   # as the override rewrote it
        assert page.html["lang"] == "zh"
        section = page.find("section", id=CHAPTER)
        flagged = {tr.td.get_text(strip=True): tr for tr in section.find("table", class_="flagged").tbody.find_all("tr")}
        status = {name: tr.find(class_="status").get_text(strip=True) for name, tr in flagged.items()}
        assert status == {"ben": words["graded"], "cy": words["graded"], "eve": words["unreadable"],
                          "fay": words["timeout"], "gil": words["late"]}
        reason = {name: tr.find(class_="reason").get_text(" ", strip=True) for name, tr in flagged.items()}
        assert {name: reason[name] for name in expected} == expected and "submitted" not in reason["gil"]
        # reasons made from no message key (a timeout, an unreadable file) stay as grading recorded them
        kept = {name: "; ".join(stored[name][CHAPTER]["reasons"]) for name in ("eve", "fay")}
        assert {name: reason[name] for name in kept} == kept
        titles = [r.td.get_text(strip=True) for r in section.find("table", class_="exercises").tbody.find_all("tr")]
        assert titles == [e.title for e in exercises(_CHAPTER, _CHAPTER.template_in("zh"))] != [e.title for e in EXERCISES]
        names = code_names("\n".join(c.source for c in _CHAPTER.template.cells if c.cell_type == "code"))
        names |= {"ada", "ben", "cy", "eve", "fay", "gil", "sam", "tensors", CHAPTER}
        problems = []
        for where, text in _visible_text(page):
            if where == "message" or text in kept.values():   # learners' failure messages: their edition's
                continue
            for scan in (lambda t: english_words(t, names), halfwidth_punctuation_after_chinese, spaced_particle):
                if scan(text):
                    problems.append(f"{where}: {scan(text)} in {text[:120]!r}")
        assert not problems, "\n".join(problems)

        table = grades(out)
        assert list(table["ada"]) == list(english_grades["ada"])   # the header stays English
        assert table["ada"]["status"] == words["graded"]
        assert table["gil"]["status"].startswith(f"{CHAPTER}: {words['late']}（{late_zh}")
        assert {r[CHAPTER] for r in table.values()} == {r[CHAPTER] for r in english_grades.values()}

        text = summary(replace(report, language="zh")).splitlines()
        column = display_width(f"{'x':<14} {'x':<22} {'x':>11}  ")   # where the status starts
        assert display_width(text[0].rsplit(header[3], 1)[0]) == column and text[0].split() == header
        for row in report.rows:
            line = next(line for line in text if line.startswith(row.learner + " "))
            assert line[column:].startswith(words[row.status]), line
        assert late_zh in next(line for line in text if line.startswith("gil "))
        counts = text[text.index("") + 1]
        assert not english_words(counts) and not halfwidth_punctuation_after_chinese(counts), counts
        assert text[-len(report.written) - 1] == wrote != "wrote:"
    finally:
        export(REPO, out, language="en")
    again = (out / "report.html").read_text()
    generated = re.compile(r"Generated [^.]*\.")
    assert generated.sub("", again) == generated.sub("", english_page)   # English again, as before
    assert grades(out) == english_grades and 'lang="en"' in again


def test_an_unknown_instructor_language_is_refused_and_nothing_is_written(tmp_path, capsys):
    from autograder.cli import main
    from autograder.grading.instructor_language import class_language
    from autograder.grading.pipeline import grade

    (tmp_path / "submitted").mkdir()
    with pytest.raises(SystemExit) as stopped:
        main(["grade", "--submissions", str(tmp_path / "submitted"), "--out", str(tmp_path / "out"), "--language", "fr"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "unknown language 'fr' for the instructor's pages" in error and "en, zh" in error
    with pytest.raises(ValueError, match="unknown language 'klingon'"):
        grade(REPO, tmp_path / "submitted", out_dir=tmp_path / "out", language="klingon")
    assert not (tmp_path / "out").exists()
    # a language asked for is kept for the runs after it; a class that never asked, or whose note is
    # unreadable, is English
    assert class_language(tmp_path) == "en"
    assert class_language(tmp_path, "zh") == "zh" and class_language(tmp_path) == "zh"
    (tmp_path / "instructor-language.json").write_text("{not json")
    assert class_language(tmp_path) == "en"


def test_the_histogram_speaks_chinese_where_a_font_draws_it():
    from autograder.grading.report import ChapterStats, histogram_figure, histogram_words
    from autograder.learner.i18n import speaking
    from autograder.learner.messages import message
    from autograder.learner.notebook_text import FONTS, installed_font
    from message_scan import english_words
    from needs import need

    chapter = ChapterStats(CHAPTER, "t", 18, scores=[0, 9, 18])
    title, labels, font = histogram_words(chapter, "en")
    assert (title, labels, font) == (f"{CHAPTER}: scores out of 18 (3 learners)", ("score", "learners"), None)
    need(installed_font(FONTS["zh"]), "no font that draws Chinese is installed (Debian: fonts-noto-cjk)")
    title, labels, font = histogram_words(chapter, "zh")
    with speaking("zh"):
        assert labels == (message("report_axis_score"), message("report_axis_learners")) != ("score", "learners")
    assert font and not [w for w in (title, *labels) if english_words(w)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = histogram_figure(chapter.scores, 18, title, labels, font)
        figure.savefig(io.BytesIO(), format="png")
    axes = figure.axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel(), axes.get_title()) == (*labels, title)
    assert not [w for w in caught if "missing from font" in str(w.message)]   # every glyph drawn


@pytest.mark.slow
def test_a_correct_answer_missing_a_bracket_is_named_when_grading(graded):
    """Issue 21.6: graded, the check of an answer cell that raised says so, with the error, as in JupyterLab."""
    sam = {r["exercise"]: r for r in scores(graded["out"]) if r["learner"] == "sam"}
    first = sam[EXERCISES[0].grade_id]
    assert (first["score"], first["verdict"]) == ("0", "incorrect")
    assert first["message"].startswith("Incorrect: the cell that defines zeros_long raised an error the last time "
                                       "it ran (SyntaxError: "), first["message"]
    assert all(r["verdict"] == "correct" for gid, r in sam.items() if gid != EXERCISES[0].grade_id)
    assert "(SyntaxError: " in feedback(graded, "sam").get_text(" ")
    ben = [r for r in scores(graded["out"]) if r["learner"] == "ben"]   # the untouched starter: plain messages
    assert {r["verdict"] for r in ben} == {"not attempted"}
    assert not [r for r in ben if "the last time it ran" in r["message"]]


def test_low_scores_and_nothing_attempted_are_reasons_to_look():
    from autograder.grading.report import learning_reasons

    assert learning_reasons(0, 18, ["not attempted"] * 13) == ["attempted nothing: all 13 exercises not attempted"]
    assert learning_reasons(0, 18, ["incorrect"] + ["not attempted"] * 12) == ["low score: 0 of 18 (under 50%)"]
    assert learning_reasons(8.5, 18, ["correct", "incorrect"]) == ["low score: 8.5 of 18 (under 50%)"]
    assert learning_reasons(9, 18, ["correct", "incorrect"]) == []
    assert learning_reasons(5, 18, ["correct"], low_score=0.25) == []


def test_histograms_have_one_bar_per_whole_point_and_fill_the_page():
    import base64
    import struct

    from autograder.grading.report import HISTOGRAM_PX, histogram, histogram_figure, score_bins

    scores = [0, 0, 17, 18, 18, 18, 9]
    edges = list(score_bins(scores, 18))
    assert edges == [x - 0.5 for x in range(20)]          # 19 bars, each centred on 0, 1, ..., 18
    axes = histogram_figure(scores, 18, "t").axes[0]
    ticks = [t for t in axes.get_xticks() if -0.5 <= t <= 18.5]
    assert ticks and all(float(t).is_integer() for t in ticks) and 18 in ticks
    heights = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in axes.patches}
    assert len(axes.patches) == 19 and heights == {x: scores.count(x) for x in range(19)}
    assert len(score_bins([0.5, 17.25], 18)) == 21        # fractional scores (overrides): 20 even bins
    png = base64.b64decode(histogram(scores, 18, "t").split(",", 1)[1])
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == HISTOGRAM_PX                 # drawn at the report's width (1080 px), never scaled up
    template = (REPO / "autograder" / "grading" / "templates" / "report.html.j2").read_text()
    assert f"img.histogram {{ width: 100%; max-width: {HISTOGRAM_PX[0]}px;" in template


@pytest.mark.slow
@pytest.mark.e2e
def test_report_and_feedback_render_in_chromium(graded, browser):
    """Open report.html from disk (no server): the histogram is drawn; feedback wraps its long lines."""
    page = browser.new_page(viewport={"width": 760, "height": 900})
    try:
        page.goto((graded["out"] / "report.html").as_uri())
        widths = page.eval_on_selector_all("img.histogram", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
        assert widths and all(w > 0 for w in widths)
        page.click(f"section[id='{CHAPTER}'] table.flagged tr:has-text('fay') a")   # low scores come first
        page.wait_for_selector("#exercises")
        assert "fay" in page.inner_text("#summary")
        overflow = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the feedback page scrolls sideways by {overflow}px"
    finally:
        page.close()


@pytest.mark.slow
def test_override_is_exported_and_survives_a_regrade(graded, capsys):
    from autograder.cli import main
    from autograder.grading.pipeline import grade

    out = graded["out"]
    before = float(grades(out)["cy"][CHAPTER])
    first = EXERCISES[0]
    assert main(["override", "cy", CHAPTER, first.grade_id, f"{first.points:g}", "--out", str(out)]) == 0
    assert "report.html" in capsys.readouterr().out
    assert float(grades(out)["cy"][CHAPTER]) == before + first.points
    row = next(r for r in scores(out) if r["learner"] == "cy" and r["exercise"] == first.grade_id)
    assert (row["score"], row["verdict"]) == (f"{first.points:g}", "overridden")
    assert feedback(graded, "cy").find(id="score").get_text(strip=True).startswith(f"{before + first.points:g} /")
    # make grade again: the autograder's verdict is the same, the instructor's score stays
    report = grade(REPO, graded["submitted"], out_dir=out, jobs=1, learners=["cy"], chapters=[CHAPTER],
                   limits=LIMITS, progress=False)
    assert report.row("cy", CHAPTER).score == before + first.points
    assert float(grades(out)["cy"][CHAPTER]) == before + first.points
    # bad input is refused with a reason, and nothing changes
    assert main(["override", "cy", CHAPTER, "no-such-check", "1", "--out", str(out)]) == 2
    assert main(["override", "cy", CHAPTER, first.grade_id, "99", "--out", str(out)]) == 2
    assert "worth 0 to" in capsys.readouterr().err
    assert main(["override", "cy", CHAPTER, first.grade_id, "auto", "--out", str(out)]) == 0
    assert float(grades(out)["cy"][CHAPTER]) == before


@pytest.mark.slow
def test_formgrader_serves_the_class_and_its_manual_scores_are_exported(graded, tmp_path):
    """What `make formgrader` runs, driven through formgrader's own API (what its grading page calls).

    The server picks its own port (port 0; its runtime file says which), and the manual score it
    records is taken back at the end, so that the module's class is as the other tests expect it."""
    import subprocess

    from autograder.cli import main

    from autograder.grading.formgrader import prepare, served_port, server_command
    from autograder.grading.pipeline import export

    out = graded["out"]
    assert [c.name for c in prepare(REPO, out)] == [CHAPTER]
    (out / ".work" / "exchange").mkdir(parents=True, exist_ok=True)
    token = "t" * 32
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"))
    server = subprocess.Popen(server_command(out, port=0, token=token, open_browser=False), cwd=tmp_path,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def api(path, data=None, method=None):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/formgrader/api/{path}",
                                         data=None if data is None else json.dumps(data).encode(),
                                         method=method or ("GET" if data is None else "PUT"),
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    try:
        port = served_port(tmp_path / "rt", server)
        assert port, "the formgrader server stopped before it took a port"
        deadline = time.monotonic() + 120
        while True:
            try:
                assignments = api("assignments")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(1)
        assert [a["name"] for a in assignments] == [CHAPTER]
        # graded from a folder outside the class's, "# Submissions" still counts every one it graded:
        # all seven but eve's corrupt file, which is in the report and grades.csv, not the gradebook
        assert assignments[0]["num_submissions"] == len(list(graded["submitted"].glob(f"*/{CHAPTER}"))) - 1 == 6
        autograded = out / "autograded" / "cy" / CHAPTER / "tensors.ipynb"
        before = autograded.read_bytes()
        again = api(f"submission/{CHAPTER}/cy/autograde", {}, method="POST")   # formgrader's Autograde link
        assert again["success"] is False and "No notebooks were matched" in again["error"], again
        assert autograded.read_bytes() == before          # nothing re-run outside the jail, nothing removed
        submissions = {s["student"]: s for s in api(f"submissions/{CHAPTER}")}
        assert {"ada", "cy", "fay", "gil"} <= set(submissions)
        notebook = api(f"submitted_notebooks/{CHAPTER}/tensors")
        cy_nb = next(n for n in notebook if n["student"] == "cy")
        grade_ids = {g["name"]: g["id"] for g in api(f"grades?submission_id={cy_nb['id']}")}
        api(f"grade/{grade_ids[LOOPING]}", {"manual_score": 0.5})
    finally:
        server.terminate()
        server.wait(timeout=30)
    export(REPO, out)
    row = next(r for r in scores(out) if r["learner"] == "cy" and r["exercise"] == LOOPING)
    assert (row["score"], row["verdict"]) == ("0.5", "overridden")
    assert main(["override", "cy", CHAPTER, LOOPING, "auto", "--out", str(out)]) == 0   # the class as it was
    row = next(r for r in scores(out) if r["learner"] == "cy" and r["exercise"] == LOOPING)
    assert row["verdict"] != "overridden"


@pytest.mark.slow
def test_grade_demo_writes_where_it_says(tmp_path, capsys):
    import tempfile

    from autograder.grading.cli import grade_demo_command
    from autograder.grading.last_class import last_graded

    scratch = set(Path(tempfile.gettempdir()).glob("grade-demo-*"))
    out = tmp_path / "demo"
    args = Namespace(out=str(out), jobs=1, learner=["gil"], chapter=[CHAPTER], insecure=False, due=None,
                     late_policy="none")
    assert grade_demo_command(args) == 0
    printed = capsys.readouterr().out
    assert f"open the class report: {out / 'report.html'}" in printed and f"kept in {out}" in printed
    assert (out / "report.html").is_file() and (out / "submitted" / "gil" / CHAPTER / "timestamp.txt").is_file()
    assert last_graded(REPO) == (out.resolve(), False)      # what `make formgrader` opens next
    full = f"{_CHAPTER.max_score:g}"                        # gil's sample work is all correct, only late
    assert any(line.startswith("gil ") and f"{full}/{full}  late (submitted" in line for line in printed.splitlines())
    assert set(Path(tempfile.gettempdir()).glob("grade-demo-*")) == scratch


def test_formulas_become_mathml_and_a_script_in_one_is_stripped():
    """Feedback draws formulas itself (no MathJax, no network); the HTML cleaner keeps only MathML."""
    from autograder.grading.feedback import clean_markdown_html
    from autograder.grading.math_html import tex_to_mathml

    drawn = clean_markdown_html(tex_to_mathml(r"\frac{3}{2}\cdot 3 = 4.5"))
    assert drawn.startswith("<math") and "<mfrac>" in drawn and "4.5" in drawn
    hostile = clean_markdown_html(tex_to_mathml(r"\text{<script>alert(1)</script><img src=x onerror=alert(2)>} x"))
    assert "<math" in hostile and "<script" not in hostile and "<img" not in hostile and "onerror" not in hostile
    assert tex_to_mathml(r"\notacommand{").startswith(("<math", "<code>"))   # never an exception
