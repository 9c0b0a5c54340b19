"""Isolation for untrusted submissions (issue 6). STUB: owned by the sandbox work.

The grading pipeline only uses this interface:

- ``Limits``: per-submission resource limits.
- ``wrap_kernel_command(argv, *, scratch_dir, limits)``: the argv that starts a
  kernel (``argv``) isolated in ``scratch_dir`` under ``limits``.
- ``protections()``: list of ``(name, enabled, detail)`` describing what is on.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's kernel."""

    cell_timeout_s: float = 60.0
    submission_timeout_s: float = 300.0
    memory_bytes: int = 4 * 1024**3
    output_bytes: int = 1024**2
    max_processes: int = 64


def wrap_kernel_command(argv, *, scratch_dir, limits):
    """Return ``argv`` wrapped so the kernel runs isolated (stub: unchanged)."""
    return list(argv)


def protections():
    """What isolation is in force, as ``(name, enabled, detail)`` rows (stub: none)."""
    return [("isolation", False, "not implemented yet")]
