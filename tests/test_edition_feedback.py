"""The feedback page a learner of either edition gets back (issues 23 and 24), for every chapter.

Per chapter, three learners of the shared class (tests/graded_class.py) are read: a Chinese submission
with a realistic wrong answer at every other exercise and the solution at the rest, the untouched
Chinese starter, and the English twin of the first, all handed in two hours after the due date. The
Chinese pages speak Chinese in every word they add to the learner's notebook (title, header, late
notice, table, nbgrader's cell headings, prompts, check outputs); no page of either edition shows an
object dump.
"""

import builtins

import pytest
from bs4 import BeautifulSoup

from autograder.learner.i18n import speaking
from autograder.learner.messages import message
from autograder.learner.outcomes import labelled
from chapters import CHAPTERS, read, release_path, solution_path
from graded_class import FEEDBACK_LEARNERS, graded_class
from message_scan import (code_names, english_words, halfwidth_punctuation_after_chinese, object_dumps,
                          spaced_particle)

pytestmark = pytest.mark.slow

LEARNERS = FEEDBACK_LEARNERS


@pytest.fixture(scope="module", params=CHAPTERS)
def graded(request, tmp_path_factory):
    """``(chapter, {learner: feedback page})`` of the shared class (tests/graded_class.py), whose chapters
    are all due two hours before these learners handed in."""
    chapter = request.param
    graded = graded_class(tmp_path_factory)
    assert {graded["report"].row(learner, chapter).status for learner in LEARNERS} == {"late"}
    name = release_path(chapter).with_suffix(".html").name
    return chapter, {learner: (graded["out"] / "feedback" / learner / chapter / name).read_text()
                     for learner in LEARNERS}


def page_words(html, language):
    """``[(where, text)]``: what the page says besides the learner's notebook (its prose and code):
    the title, the header with its late notice and table, nbgrader's cell headings, the prompts, and
    every output of a check cell (its verdict)."""
    with speaking(language):
        check = message("feedback_check")
    soup = BeautifulSoup(html, "html.parser")
    found = [("title", soup.title.get_text())]
    found += [("header", line) for line in soup.find(id="summary").get_text("\n", strip=True).splitlines()]
    found += [("cell heading", e.get_text(" ", strip=True)) for e in soup.select("div.nbgrader_cell > .panel-heading")]
    found += [("prompt", e.get_text(strip=True)) for e in soup.select(".prompt") if e.get_text(strip=True)]
    for cell in soup.select("div.cell"):
        heading = cell.select_one("div.nbgrader_cell > .panel-heading")
        if heading is not None and heading.get_text(strip=True).startswith(check):
            found += [("check output", e.get_text()) for e in cell.select(".output_subarea")]
    return found


def test_chinese_feedback_pages_speak_chinese(graded):
    chapter, pages = graded
    names = code_names("\n".join(c.source for c in read(solution_path(chapter)).cells if c.cell_type == "code"))
    names |= set(dir(builtins))
    problems = []
    for learner in ("zh-mixed", "zh-starter"):
        words = page_words(pages[learner], "zh")
        assert any(where == "check output" for where, _ in words), learner
        for where, text in words:
            for name, scan in (("English", lambda t: english_words(t, names)),
                               ("half-width punctuation", halfwidth_punctuation_after_chinese),
                               ("spaced 的", spaced_particle)):
                if scan(text):
                    problems.append(f"{learner} {where}: {name} {scan(text)} in {text[:200]!r}")
    assert not problems, "\n".join(problems)
    assert "过后 2 小时 5 分钟才提交" in pages["zh-mixed"] and "submitted" not in pages["zh-mixed"]


@pytest.mark.parametrize("learner", LEARNERS)
def test_no_feedback_page_dumps_an_object(graded, learner):
    chapter, pages = graded
    with speaking(LEARNERS[learner]):
        labels = [labelled(key, "") for key in ("label_incorrect", "label_not_attempted", "label_correct",
                                                "label_hint")]
    outputs = [text.strip() for where, text in page_words(pages[learner], LEARNERS[learner]) if where == "check output"]
    assert outputs, learner
    dumps = [found for text in outputs if text.startswith(tuple(labels)) for found in object_dumps(text, labels)]
    assert not dumps, dumps   # (a lesson's own output may show one: chapter 02 prints a grad_fn)
