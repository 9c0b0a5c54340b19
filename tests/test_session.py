"""The learner's loop in a real kernel (issues 12, 21 and 24): one verdict per check cell, stale answers
noticed (a SyntaxError included), untouched stubs shown as "Not attempted" without a traceback."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.learner.messages import message
from chapters import ANSI


def _run(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, allow_errors=True, timeout=120, kernel_name="python3").execute()
    return [[(o.output_type, ANSI.sub("", o.get("text") or o.get("evalue") or "")) for o in c.outputs]
            for c in nb.cells], nb


@pytest.fixture(scope="module")
def outputs():
    return _run(
        "import torch\nfrom autograder import check_tensor, check_that\n",
        "x = torch.zeros(2, dtype=torch.long)",
        # two checks pass, then one fails: only the failure shows
        'check_tensor("x", shape=(2,))\ncheck_that("x", lambda v: v.sum() == 0, "is not zero.")\n'
        'check_tensor("x", dtype=torch.float32)',
        # every check passes: one line
        'check_tensor("x", shape=(2,))\ncheck_that("x", lambda v: v.sum() == 0, "is not zero.", summary="all zero")',
        # an answer cell that fails after an earlier good attempt
        "x = torch.zeros(3, dtype=torch.long).requires_grad_(true)",
        'check_tensor("x", shape=(2,))',
        # fixed and run again: graded again
        "x = torch.zeros(2, dtype=torch.long)",
        'check_tensor("x", shape=(2,))',
    )[0]


def test_a_check_cell_gives_one_verdict(outputs):
    failing, passing = outputs[2], outputs[3]
    assert [kind for kind, _ in failing] == ["error"] and "dtype torch.int64" in failing[0][1]
    assert len(passing) == 1 and passing[0][1].count("Correct") == 1
    assert passing[0][1].startswith("Correct: x: a tensor of shape (2,), dtype torch.int64; all zero. Well done.")


def test_a_check_after_a_failed_answer_cell_says_so_instead_of_grading_the_old_value(outputs):
    assert outputs[4][0][0] == "error"                         # NameError: true
    assert outputs[5] == [("error", "Incorrect: " + message("answer_failed", name="x",
                                                            error="NameError: name 'true' is not defined"))]
    assert outputs[7] == [("stream", "Correct: x: a tensor of shape (2,), dtype torch.int64. Well done.\n")]


STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


@pytest.fixture(scope="module")
def learner_run():
    """An untouched chapter's three kinds of answer cell, a stub a lesson calls, then a correct answer
    broken by a missing `)`."""
    return _run(
        "import torch\nfrom autograder import check_function, check_tensor\n",
        STUB,                                                                        # 1: top-level answer
        'check_tensor("column", shape=(3,))',
        "def half(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\n\nhalved = half(4)",   # 3
        'check_tensor("halved", shape=())',
        "def restore(model, source):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\n\n" + STUB,  # 5
        'check_function("restore", [((1, 2), None)])',
        "def later(x):\n    raise NotImplementedError()",                          # 7: defined fine
        "result = later(1)",                                                         # 8: a lesson calls it
        "column = torch.tensor([1, 5, 9])",                                          # 9: answered
        'check_tensor("column", shape=(3,))',
        "column = torch.tensor([1, 5, 9]",                                           # 11: a `)` missing
        'check_tensor("column", shape=(3,))',
    )


def test_an_untouched_stub_says_not_attempted_without_a_traceback(learner_run):
    outputs, nb = learner_run
    stub_line = message("label_not_attempted") + ": " + message("stub_answer")
    for index in (1, 3, 5):
        assert [(o.output_type, o.ename) for o in nb.cells[index].outputs] == [("error", "NotImplementedError")]
        shown = [ANSI.sub("", line) for line in nb.cells[index].outputs[0].traceback]
        assert shown == [stub_line], shown
    # their checks give the plain "not attempted" messages, not "raised an error the last time it ran"
    assert outputs[2] == [("error", "Not attempted: " + message("not_defined", name="column"))]
    assert outputs[4] == [("error", "Not attempted: " + message("not_defined", name="halved"))]
    assert outputs[6] == [("error", "Not attempted: " + message("not_implemented", name="restore"))]


def test_a_stub_raised_from_another_cell_keeps_its_traceback(learner_run):
    _, nb = learner_run
    traceback = "\n".join(ANSI.sub("", line) for line in nb.cells[8].outputs[0].traceback)
    assert "Traceback (most recent call last)" in traceback and "later(1)" in traceback


def test_a_syntax_error_after_a_correct_answer_is_named_by_the_check(learner_run):
    outputs, _ = learner_run
    assert outputs[10] == [("stream", "Correct: column: a tensor of shape (3,), dtype torch.int64. Well done.\n")]
    assert outputs[11][0][0] == "error"
    pattern = re.escape("Incorrect: " + message("answer_failed", name="column", error="ERROR"))
    [(kind, text)] = outputs[12]
    assert kind == "error" and re.fullmatch(pattern.replace("ERROR", r"SyntaxError: [^()]+ \(line 1\)"), text), text


def test_a_correct_verdict_is_marked_white_on_green(learner_run):
    _, nb = learner_run
    text = nb.cells[10].outputs[0].text
    assert text.startswith("\x1b[1;38;2;255;255;255;48;2;0;116;39m" + message("label_correct") + "\x1b[0m: "), text


def test_names_of_a_cell_that_does_not_parse_come_from_its_lines():
    from autograder.learner.session import names_in_broken_source

    assert names_in_broken_source("x = torch.zeros(2\ndef f(a:\nclass Net(nn.Module\na, b += 1\n  inner = 1\n"
                                  "y == 2\nz: int = (") == {"x", "f", "Net", "a", "b", "z"}


def test_nbgrader_stub_is_the_one_the_session_recognises(repo):
    """`make release` writes nbgrader's code_stub into every answer cell: the session must know it."""
    from traitlets.config.loader import PyFileConfigLoader

    stub = PyFileConfigLoader("nbgrader_config.py", path=str(repo)).load_config().ClearSolutions.code_stub["python"]
    assert stub.splitlines()[-1] == "raise NotImplementedError()"
    assert "`raise NotImplementedError()`" in message("stub_answer")
