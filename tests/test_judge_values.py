"""The judge on values at the edges: NaN and infinities, and NumPy's float64 where a Python number is asked."""

import numpy as np
import pytest
import torch

from autograder.learner.evidence import describe
from autograder.learner.judge import Incorrect, compare_value, rebuild

NAN, INF = float("nan"), float("inf")


def judged(found, expected):
    """The verdict on ``found`` as the grader reaches it: evidence from the kernel, rebuilt, then judged."""
    try:
        compare_value("result", rebuild(describe(found)), expected)
    except Incorrect as error:
        return error.problem
    return "correct"


@pytest.mark.parametrize("found, shown", [(NAN, "nan"), (INF, "inf"), (-INF, "-inf")])
def test_a_nan_or_infinite_number_is_wrong_where_a_finite_one_is_due_and_named(found, shown):
    assert judged(found, 0.5) == f"result is {shown}, which is not the expected answer."


def test_numbers_meet_nan_and_infinity_as_tensors_do():
    assert judged(NAN, NAN) == "correct"                 # a NaN that is due
    assert judged(INF, INF) == "correct"
    assert judged(-INF, INF) != "correct"
    assert judged(1e300, INF) != "correct"               # huge is not infinite
    assert judged(torch.tensor([1.0, NAN]), torch.tensor([1.0, NAN])) == "correct"
    assert judged(torch.tensor([-INF]), torch.tensor([INF])) != "correct"


@pytest.mark.parametrize("found", [torch.tensor([1.0, NAN]), torch.tensor([1.0, INF])])
def test_a_tensor_holding_nan_or_inf_is_wrong_and_the_message_says_where(found):
    verdict = judged(found, torch.tensor([1.0, 2.0]))
    assert "not the expected values" in verdict and "index (1,)" in verdict, verdict
    assert "2.0" not in verdict                          # the expected value is not given away


def test_numpy_float64_is_a_python_number():
    """np.mean(losses) is a numpy.float64, which is a float: where a Python number is asked it is one."""
    assert isinstance(np.float64(0.25), float)
    assert judged(np.float64(0.25), 0.25) == "correct"
    assert judged(np.float64(0.5), 0.25) == "result is 0.5, which is not the expected answer."
    assert describe(np.float64(0.25))["class"] == "numpy.float64"   # kept, for a check where exactly float matters


@pytest.mark.parametrize("found, kind", [(np.float32(0.25), "numpy.float32"), (torch.tensor(0.25), "torch.Tensor")])
def test_what_is_not_a_python_number_is_still_refused_with_its_type(found, kind):
    verdict = judged(found, 0.25)
    assert kind in verdict and "Python number" in verdict, verdict


def test_a_float_subclass_cannot_choose_the_value_it_reports():
    class Sly(float):
        def __float__(self):
            return 0.25

    assert judged(Sly(3.0), 0.25) == "result is 3.0, which is not the expected answer."
