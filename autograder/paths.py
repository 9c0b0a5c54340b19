"""Where the course's files live, wherever a notebook runs."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_path(name):
    """Path of a file in the course's ``data/`` folder.

    ``COURSE_DATA_DIR`` overrides the folder (grading sets it for sandboxed
    kernels); otherwise it is the ``data/`` beside this package.
    """
    folder = Path(os.environ.get("COURSE_DATA_DIR", REPO_ROOT / "data"))
    path = folder / name
    if not path.exists():
        raise FileNotFoundError(f"course data file {name!r} not found in {folder}")
    return path
