"""The learner's loop in a real kernel (issue 12): one verdict per check cell, stale answers noticed."""

import nbformat
import pytest
from nbclient import NotebookClient


def _run(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, allow_errors=True, timeout=120, kernel_name="python3").execute()
    return [[(o.output_type, o.get("text") or o.get("evalue") or "") for o in c.outputs] for c in nb.cells]


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
    )


def test_a_check_cell_gives_one_verdict(outputs):
    failing, passing = outputs[2], outputs[3]
    assert [kind for kind, _ in failing] == ["error"] and "dtype torch.int64" in failing[0][1]
    assert len(passing) == 1 and passing[0][1].count("Correct") == 1
    assert passing[0][1].startswith("Correct: x: a tensor of shape (2,), dtype torch.int64; all zero. Well done.")


def test_a_check_after_a_failed_answer_cell_says_so_instead_of_grading_the_old_value(outputs):
    assert outputs[4][0][0] == "error"                         # NameError: true
    assert outputs[5][0][0] == "error" and "raised an error the last time it ran" in outputs[5][0][1]
    assert outputs[7] == [("stream", "Correct: x: a tensor of shape (2,), dtype torch.int64. Well done.\n")]
