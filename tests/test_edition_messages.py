"""Every message a learner reads from the checks, in both editions (issues 23 and 24).

One kernel per chapter runs, at every exercise, the untouched starter, each realistic wrong answer
(tests/wrong_answers/: Incorrect, in English with the message it names) and the solution, each
followed by the exercise's check cell (hidden checks included), judged once as the English and once
as the Chinese notebook's kernel (JupyterLab tells a kernel its notebook in ``JPY_SESSION_NAME``);
then the progress cell in each language. Every message and progress line is scanned: no object dump
(``<... object at 0x...>``, a multi-line repr) in either edition, and in the Chinese one no English
word outside code, no half-width ``: ``/``; `` after Chinese, no space before 的.
"""

import builtins
import copy
import html
import os
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.authoring.editions import edition_root
from autograder.authoring.notebooks import chapter_notebook
from autograder.learner.i18n import speaking
from autograder.learner.messages import message
from autograder.learner.outcomes import labelled
from chapters import ANSI, CHAPTERS, REPO, grade_id, read, release_path, solution_path, with_answers, wrong_answers
from message_scan import (code_names, english_words, halfwidth_punctuation_after_chinese, object_dumps,
                          spaced_particle)

pytestmark = pytest.mark.slow

LANGUAGES = ("en", "zh")
KIND = "scan"   # cell metadata of a check cell's run: [grade_id, which answer, language]


def speak(language, chapter):
    """A cell that makes the kernel belong to the ``language`` edition's notebook, as JupyterLab tells a
    kernel its notebook (``JPY_SESSION_NAME``, read once by the kernel: the cache is cleared)."""
    notebook = chapter_notebook(edition_root(REPO, language) / chapter)
    return nbformat.v4.new_code_cell(
        f"import os as _os\nfrom autograder.learner import i18n as _i18n\n"
        f"_os.environ['JPY_SESSION_NAME'] = {str(notebook)!r}\n_i18n._kernel_language.cache_clear()")


def transcript_notebook(chapter):
    """The chapter's solution with, before each exercise's answer, its starter and its wrong answers,
    each followed by the exercise's check cell with its hidden checks, once in each language (lesson
    cells run in the Chinese edition's kernel); the
    solution's own check cell as the learner's notebook has it (the progress cell finds it by its
    source); the progress cell in each language."""
    solution, starter = read(solution_path(chapter)), read(release_path(chapter))
    starters = {grade_id(c): c.source for c in starter.cells if grade_id(c)}
    wrong = wrong_answers(chapter)
    cells, source = [speak("zh", chapter)], solution.cells   # lesson cells run in the Chinese edition

    def judged(check_source, gid, kind):
        for language in LANGUAGES:
            cells.append(speak(language, chapter))
            cells.append(nbformat.v4.new_code_cell(check_source, metadata={KIND: [gid, kind, language]}))

    for index, cell in enumerate(source):
        gid = grade_id(cell)
        if index > 0 and grade_id(source[index - 1]) in wrong:   # the learner's check cell, as released
            judged(starters[gid], grade_id(source[index - 1]), "solution")
            continue
        if gid in wrong:
            tries = [(f"wrong {n + 1}", answer) for n, (answer, _) in enumerate(wrong[gid])]
            for kind, answer in [("starter", starters[gid]), *tries]:
                cells.append(nbformat.v4.new_code_cell(answer))
                judged(source[index + 1].source, gid, kind)
        cells.append(copy.deepcopy(cell))
    assert "progress()" in starter.cells[-1].source
    for language in LANGUAGES:
        cells += [speak(language, chapter), nbformat.v4.new_code_cell(starter.cells[-1].source,
                                                                      metadata={KIND: ["progress", "", language]})]
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(solution.metadata))


@pytest.fixture(scope="module", params=CHAPTERS)
def transcript(request):
    """``(chapter, executed transcript)``: one kernel per chapter, started in the solution's folder."""
    chapter = request.param
    nb = transcript_notebook(chapter)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True, record_timing=False,
                            resources={"metadata": {"path": str(solution_path(chapter).parent)}})
    client.execute(env={**os.environ, "OMP_NUM_THREADS": "1"})
    return chapter, nb


def check_messages(nb, language):
    """``[(grade_id, kind, text)]``: what every check cell answered in ``language`` (its error or its
    "Correct" line); the progress cell's lines are ``("progress", "", text)``."""
    found = []
    for cell in nb.cells:
        gid, kind, spoken = cell.metadata.get(KIND, [None, None, None])
        if spoken != language:
            continue
        for output in cell.outputs:
            if output.output_type == "error":
                found.append((gid, kind, ANSI.sub("", output.evalue)))
            elif output.output_type == "stream" and output.name == "stdout" and output.text.strip():
                found.append((gid, kind, ANSI.sub("", output.text).strip()))   # a label may be coloured
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_answer_gets_its_verdict_in_the_notebooks_language(transcript, language):
    chapter, nb = transcript
    with speaking(language):
        labels = {key: labelled(key, "") for key in ("label_incorrect", "label_not_attempted", "label_correct")}
    verdicts = {}
    for gid, kind, text in check_messages(nb, language):
        verdicts.setdefault((gid, kind), []).append(text)
    wrong = wrong_answers(chapter)
    for gid, cases in wrong.items():
        for n, (_answer, expected) in enumerate(cases):
            shown = verdicts.get((gid, f"wrong {n + 1}"), [])
            assert shown and all(t.startswith(labels["label_incorrect"]) for t in shown), (gid, n, shown)
            # tests/wrong_answers states each answer's message in the English edition's words
            assert language != "en" or any(expected in t for t in shown), (gid, n, expected, shown)
        starter = verdicts.get((gid, "starter"), [])
        assert starter and starter[0].startswith(labels["label_not_attempted"]), (gid, starter)
        assert [t[:len(labels["label_correct"])] for t in verdicts.get((gid, "solution"), [])] == [
            labels["label_correct"]], (gid, verdicts.get((gid, "solution")))
    with speaking(language):
        summary = message("progress_summary", done=len(wrong), total=len(wrong))
    assert summary in verdicts[("progress", "")][0], verdicts[("progress", "")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_dumps_an_object(transcript, language):
    """Arguments are described as a learner wrote them (``SGD(lr=0.1)``, ``DataLoader(batch_size=128)``),
    never by a default repr with an address or a repr over several lines."""
    chapter, nb = transcript
    with speaking(language):
        labels = [labelled(key, "") for key in ("label_incorrect", "label_not_attempted", "label_correct",
                                                "label_hint")]
    dumps = [(gid, kind, found) for gid, kind, text in check_messages(nb, language) if gid != "progress"
             for found in object_dumps(text, labels)]
    assert not dumps, dumps


def test_chinese_messages_are_chinese(transcript):
    """Every check message and progress line of the Chinese edition: no English word outside code and
    names, full-width ：and ；after Chinese, no space before 的."""
    chapter, nb = transcript
    names = code_names("\n".join(c.source for c in read(solution_path(chapter)).cells if c.cell_type == "code"))
    names |= set(dir(builtins))   # NotImplementedError, ...
    problems = []
    for gid, kind, text in check_messages(nb, "zh"):
        for name, scan in (("English", lambda t: english_words(t, names)),
                           ("half-width punctuation", halfwidth_punctuation_after_chinese),
                           ("spaced 的", spaced_particle)):
            if scan(text):
                problems.append(f"{gid} {kind}: {name} {scan(text)} in {text!r}")
    assert not problems, "\n".join(problems)


def test_the_chinese_chapter_prints_its_words_in_chinese(transcript):
    """The lesson cells run in the Chinese edition's kernel: chapter 04's printed words come from texts.po."""
    chapter, nb = transcript
    if chapter != "04_training":
        pytest.skip("chapter 04 prints its words through tr()")
    printed = "".join(o.get("text", "") for c in nb.cells if KIND not in c.metadata for o in c.get("outputs", [])
                      if o.output_type == "stream")
    assert "测试准确率 >= 0.95： True" in printed and "test accuracy" not in printed, printed[-800:]
    assert "张训练图像" in printed and "training images" not in printed, printed[:800]


def test_validate_speaks_chinese_for_a_chinese_chapter(tmp_path):
    """The Validate button on the Chinese chapter 01 with a realistic wrong answer at every exercise:
    every text it returns (the summary, exercise titles, messages) is Chinese."""
    from autograder.learner.lab_validate import CourseValidator

    chapter = CHAPTERS[0]
    nb = with_answers(read(chapter_notebook(edition_root(REPO, "zh") / chapter)),
                      {gid: cases[0][0] for gid, cases in wrong_answers(chapter).items()})
    folder = tmp_path / chapter
    shutil.copytree(release_path(chapter).parent, folder)
    path = folder / release_path(chapter).name
    nbformat.write(nb, path)
    results = CourseValidator().validate(str(path))

    def strings(value):
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        if not isinstance(value, str):
            return []
        shown = re.sub(r"<style>.*?</style>", "", value, flags=re.S)   # the dialog's CSS is not read
        return [re.sub(r"<[^>]+>", "", html.unescape(shown)).replace("\n  ", " ")]   # Validate wraps lines

    texts = strings(results)
    [listing] = results.get("failed", [{}])   # Validate shows one box: the summary, then every failing check
    with speaking("zh"):
        summary = message("validate_summary", passed=0, total=len(wrong_answers(chapter)))
        incorrect = labelled("label_incorrect", "")
    assert listing["source"] == summary
    assert listing["raw_error"].count(incorrect) == len(wrong_answers(chapter)), listing
    names = code_names("\n".join(c.source for c in read(solution_path(chapter)).cells if c.cell_type == "code"))
    names |= set(dir(builtins))
    problems = [(text[:120], found) for text in texts for found in
                english_words(text, names) + halfwidth_punctuation_after_chinese(text) + spaced_particle(text)]
    assert not problems, problems
