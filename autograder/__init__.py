"""Checks, release and grading for the PyTorch course, as one flat API.

The check functions (which need torch) load on first use, so that the course's kernel class
and Validate extension (``autograder.learner.kernel``, ``autograder.learner.lab_validate``) import this package
without loading torch.
"""

import importlib

from .learner import session
from .learner.messages import message, use_catalogue
from .learner.notebook_text import tr, tr_plot
from .learner.outcomes import CheckFailed, Incorrect, NotAttempted
from .paths import data_path
from .learner.progress import progress

_NEEDS_TORCH = {
    "Case": "checks", "check_function": "checks", "check_module": "checks", "check_tensor": "checks",
    "check_that": "checks", "check_value": "checks", "check_view": "checks", "hidden_seed": "checks",
    "one_epoch_cases": "training_cases", "train_step_cases": "training_cases",
}

session.install()   # in JupyterLab: one verdict per check cell, and stale answers noticed


def __getattr__(name):
    if name not in _NEEDS_TORCH:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    session.install()   # the course kernel imports this package before its shell exists
    value = getattr(importlib.import_module(f".learner.{_NEEDS_TORCH[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Case",
    "CheckFailed",
    "Incorrect",
    "NotAttempted",
    "check_function",
    "check_module",
    "check_tensor",
    "check_that",
    "check_value",
    "check_view",
    "data_path",
    "hidden_seed",
    "message",
    "one_epoch_cases",
    "progress",
    "tr",
    "tr_plot",
    "train_step_cases",
    "use_catalogue",
]
