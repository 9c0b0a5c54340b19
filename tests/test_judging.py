"""Judging in a child process (issue 21.1): the same verdicts, and past a limit every check scores 0, flagged."""

import copy
import re

import nbformat
import pytest

from autograder import check_value
from autograder.grading import judging, reference, verdicts
from test_verdicts import NONCE, _cell, _probe_outputs, recording  # noqa: F401 - a fixture


@pytest.fixture
def judged_class(recording, monkeypatch):  # noqa: F811
    check_value("n", 1, namespace={"n": 1})
    records = recording()
    ref = reference.Reference("ch", {"g": records})
    template = nbformat.v4.new_notebook(cells=[_cell([])])

    def submission(value):
        return nbformat.v4.new_notebook(cells=[_cell(_probe_outputs(records, {"n": value}, monkeypatch))])

    return template, ref, submission


def test_the_child_gives_the_verdicts_of_the_grading_process(judged_class):
    template, ref, submission = judged_class
    for value, passed in ((1, True), (2, False)):
        nb = submission(value)
        here = verdicts.apply(copy.deepcopy(nb), template, ref, NONCE)
        judged, there = judging.judge_isolated(nb, template, ref, NONCE)
        assert [(v.passed, v.reason, v.tampered) for v in there] == [(v.passed, v.reason, v.tampered) for v in here]
        assert there[0].passed is passed
        assert judged.cells[0].outputs == here[0].outputs and judged.cells[0].source == template.cells[0].source
        assert any("evidence" in str(o.get("data", {})) for o in nb.cells[0].outputs)   # the input is untouched


@pytest.mark.parametrize("limits, why", [
    (judging.JudgeLimits(seconds=0.001), "ran past"),
    (judging.JudgeLimits(memory_bytes=1024**2), "memory|limits"),
])
def test_past_a_limit_every_check_scores_zero_and_the_submission_is_flagged(judged_class, limits, why):
    template, ref, submission = judged_class
    judged, found = judging.judge_isolated(submission(1), template, ref, NONCE, limits=limits)
    [verdict] = found
    assert not verdict.passed and verdict.tampered
    assert re.search(why, verdict.reason), verdict.reason
    assert judged.cells[0].outputs[0]["ename"] == "NoEvidence"


def test_the_judging_process_names_the_request_that_was_sent(recording, monkeypatch):  # noqa: F811
    """A reference's requests are pickled once: pickling its probes again (a tensor, in a module
    check) may give other bytes, and honest evidence would no longer answer "the probes sent"."""
    import torch

    from autograder import check_module

    net = torch.nn.Linear(4, 2)
    check_module("net", input_shape=(3, 4), output_shape=(3, 2), namespace={"net": net})
    records = recording()
    ref = reference.Reference("ch", {"g": records})
    template = nbformat.v4.new_notebook(cells=[_cell([])])
    nb = nbformat.v4.new_notebook(cells=[_cell(_probe_outputs(records, {"net": net}, monkeypatch))])
    _judged, [verdict] = judging.judge_isolated(nb, template, ref, NONCE)
    assert verdict.passed, verdict.reason
