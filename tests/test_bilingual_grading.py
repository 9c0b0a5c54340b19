"""One class, two editions (issue 15): the same answers get the same grade, and each learner's
feedback is in the language of the edition they submitted."""

import nbformat
import pytest

from autograder.learner import i18n
from autograder.grading.pipeline import export, grade
from autograder.learner.messages import message
from autograder.learner.outcomes import labelled
from autograder.authoring.notebooks import chapter_notebook
from autograder.authoring.editions import edition_root
from nbgrader.utils import determine_grade

from chapters import ANSI, REPO, check_cells, grade_id, read, release_path, solution_path, with_answers, wrong_answers

CHAPTER = "01_tensors"


@pytest.mark.slow
def test_one_chinese_and_one_english_submission_of_the_same_answers_grade_alike(tmp_path):
    english = read(release_path(CHAPTER))
    chinese = read(chapter_notebook(edition_root(REPO, "zh") / CHAPTER))
    solution = read(solution_path(CHAPTER))
    answers = {grade_id(c): c.source for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")}
    wrong_id, cases = next(iter(wrong_answers(CHAPTER).items()))
    answers[wrong_id] = cases[0][0]          # one wrong answer, so the feedback holds a failure too
    submitted = tmp_path / "submitted"
    for learner, edition in (("reads-english", english), ("reads-chinese", chinese)):
        folder = submitted / learner / CHAPTER
        folder.mkdir(parents=True)
        (folder / release_path(CHAPTER).name).write_text(nbformat.writes(with_answers(edition, answers)))
    report = grade(REPO, submitted, out_dir=tmp_path / "out", jobs=2, progress=False)

    rows = {learner: report.row(learner, CHAPTER) for learner in ("reads-english", "reads-chinese")}
    assert {r.status for r in rows.values()} == {"graded"}, [r.reasons for r in rows.values()]
    max_score = sum(c.metadata["nbgrader"]["points"] for c in check_cells(english))
    assert 0 < rows["reads-english"].score < max_score
    assert rows["reads-chinese"].score == rows["reads-english"].score

    graded = {learner: read(tmp_path / "out" / "autograded" / learner / CHAPTER / release_path(CHAPTER).name)
              for learner in rows}
    per_cell = {learner: [(grade_id(c), determine_grade(c)[0]) for c in check_cells(nb)]
                for learner, nb in graded.items()}
    assert per_cell["reads-chinese"] == per_cell["reads-english"]

    failed = f"{wrong_id}-check"
    for learner, language in (("reads-english", "en"), ("reads-chinese", "zh")):
        with i18n.speaking(language):
            incorrect, correct = labelled("label_incorrect", ""), labelled("label_correct", "")
        cells = {grade_id(c): c for c in check_cells(graded[learner])}
        error = next(o for o in cells[failed].outputs if o.output_type == "error")
        assert error.evalue.startswith(incorrect), (learner, error.evalue)
        passed = next(gid for gid, points in per_cell[learner] if points)
        shown = ANSI.sub("", "".join(o.get("text", "") for o in cells[passed].outputs))   # Correct is coloured
        assert shown.startswith(ANSI.sub("", correct)), (learner, shown)
        _assert_feedback_speaks(tmp_path / "out", learner, language)
    # feedback rendered again later (course override, formgrader) keeps each submission's language
    for path in (tmp_path / "out" / "feedback").rglob("*.html"):
        path.unlink()
    export(REPO, tmp_path / "out", refresh_feedback=[(learner, CHAPTER) for learner in rows])
    for learner, language in (("reads-english", "en"), ("reads-chinese", "zh")):
        _assert_feedback_speaks(tmp_path / "out", learner, language)


def _assert_feedback_speaks(out, learner, language):
    feedback = (out / "feedback" / learner / CHAPTER / release_path(CHAPTER).with_suffix(".html").name).read_text()
    with i18n.speaking(language):   # the header and the table of exercises speak the edition's language
        incorrect = message("label_incorrect")
        header = [message(f"feedback_{key}") for key in ("learner", "score", "exercise", "verdict")]
        verdict_words = {message("verdict_correct"), message("verdict_incorrect")}
        separator = message("label_separator")
    assert incorrect in feedback
    table = feedback[feedback.index('id="exercises"'):feedback.index("</table>")]
    assert all(f">{word}<" in table or f"{word}{separator}" in feedback for word in header), (learner, header)
    assert all(f">{word}<" in table for word in verdict_words), (learner, verdict_words)
    assert ("第 1 章" in feedback) == (language == "zh"), f"{learner}'s feedback shows the other edition's prose"
