"""Checks, release and grading for the PyTorch course, as one flat API."""

from . import session
from .checks import Case, check_function, check_module, check_tensor, check_that, check_value, hidden_seed
from .messages import message, use_catalogue
from .outcomes import CheckFailed, Incorrect, NotAttempted
from .paths import data_path
from .progress import progress
from .training_cases import one_epoch_cases, train_step_cases

session.install()   # in JupyterLab: one verdict per check cell, and stale answers noticed

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
    "data_path",
    "hidden_seed",
    "message",
    "one_epoch_cases",
    "progress",
    "train_step_cases",
    "use_catalogue",
]
