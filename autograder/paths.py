"""Where the course's files live, wherever a notebook runs."""

import os
import subprocess
import sys
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


def kernel_notebook(path=None):
    """The notebook ``path``, else the one JupyterLab started this kernel for (``JPY_SESSION_NAME``),
    or None; a relative name is taken in the kernel's working folder."""
    path = path or os.environ.get("JPY_SESSION_NAME")
    if not path:
        return None
    path = Path(path)
    return path if path.is_absolute() else Path.cwd() / path.name


def tool_env(**extra):
    """The environment with this venv's ``bin/`` first on PATH, plus ``extra`` variables.

    nbgrader runs ``alembic`` from PATH when it creates a gradebook; without
    the venv's copy it fails after it has already deleted a release folder.
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        path = bin_dir + os.pathsep + path
    return dict(os.environ, PATH=path, **extra)


def run_nbgrader(args, cwd, **extra_env):
    """Run this venv's ``nbgrader`` with ``args`` in ``cwd``; return the CompletedProcess."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    return subprocess.run(command, cwd=cwd, env=tool_env(**extra_env), capture_output=True, text=True)
