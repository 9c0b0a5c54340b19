"""Install JupyterLab defaults for learners into a venv.

No news pop-up, no update check, no Jupytext launcher cards, and none of
nbgrader's instructor tools (create assignment, formgrader, course list, exchange,
the menu that would hold them) in the learner's Lab; its "Validate" button stays. The venv's
``python3`` kernel becomes the course's (``autograder/learner/kernel.py``), so that a chapter opens
unmodified. Run as ``python -m autograder.maintainers.lab_settings VENV``.
``overrides.json`` and ``page_config.json`` are JupyterLab's documented ways to
set defaults and disable extensions for one environment.
"""

import json
import sys
from pathlib import Path

OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # Jupytext stays (maintainers pair scripts with it) but adds no launcher cards for learners
    "jupyterlab-jupytext:plugin": {key: False for key in ("auto:percent", "auto:light", "auto:hydrogen",
                                                          "auto:nomarker", "py:marimo", "md:myst", "md",
                                                          "Rmd", "qmd")},
}

# the "Nbgrader" menu would be empty without the instructor tools: it goes too
INSTRUCTOR_ONLY = ("@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                   "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list",
                   "@jupyter/nbgrader:menu")


COURSE_KERNEL = "--IPKernelApp.kernel_class=autograder.learner.kernel.CourseKernel"


def kernel_spec():
    """ipykernel's own ``python3`` kernelspec, started with the course's kernel class.

    Like the one ipykernel's wheel installs, it names ``python``: Jupyter starts the kernel with
    the interpreter that runs the server, the venv's.
    """
    from ipykernel.kernelspec import get_kernel_dict

    spec = get_kernel_dict(extra_arguments=[COURSE_KERNEL])
    spec["argv"][0] = "python"
    return spec


# Validate, for learners: the Lab's button answered by autograder/learner/lab_validate.py (failing exercises by
# name, wrapped, "n of m checks pass"); `nbgrader validate` prints whole messages, not cut at 90
# columns (the longest is under 190).
SERVER_EXTENSIONS = {"nbgrader.server_extensions.validate_assignment": False, "autograder.learner.lab_validate": True}
VALIDATOR = {
    "width": 200,
    "failed_warning": "{num_failed} check cell(s) do not pass yet: the message under each one below says "
                      "what to fix. In JupyterLab, the notebook's last cell lists every exercise.\n",
}


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def install(venv):
    """Write the settings overrides and the disabled extensions into ``venv``; return the overrides path."""
    venv = Path(venv)
    _write_json(venv / "etc" / "jupyter" / "labconfig" / "page_config.json",
                {"disabledExtensions": {name: True for name in INSTRUCTOR_ONLY}})
    _write_json(venv / "share" / "jupyter" / "kernels" / "python3" / "kernel.json", kernel_spec())
    # after nbgrader.json in the same folder, so that its switches win
    _write_json(venv / "etc" / "jupyter" / "jupyter_server_config.d" / "pytorch-course.json",
                {"ServerApp": {"jpserver_extensions": SERVER_EXTENSIONS}})
    _write_json(venv / "etc" / "jupyter" / "nbgrader_config.json", {"Validator": VALIDATOR})
    return _write_json(venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json", OVERRIDES)


if __name__ == "__main__":
    print(f"JupyterLab defaults written to {install(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)}")
