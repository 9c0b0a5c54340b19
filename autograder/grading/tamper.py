"""Detecting submissions that defeat the checks in-process (issue 6). STUB.

Interface used by the grading pipeline:

- ``instrument(nb) -> (nb, token)``: a copy of the (test-restored) notebook with
  detection cells added; ``token`` is secret to the grader.
- ``verify(executed_nb, token) -> Verdict``: whether the run was tampered with,
  which grade ids are affected, and why. Detection cells are removed from the
  notebook by ``strip(executed_nb)`` before scoring and feedback.
"""

from dataclasses import dataclass, field


@dataclass
class Verdict:
    tampered: bool = False
    affected_grade_ids: list = field(default_factory=list)
    reasons: list = field(default_factory=list)


def instrument(nb):
    """Add detection cells (stub: none)."""
    return nb, None


def verify(executed_nb, token):
    """Check the detection cells' outputs (stub: never tampered)."""
    return Verdict()


def strip(executed_nb):
    """Remove detection cells before scoring (stub: nothing to remove)."""
    return executed_nb
