"""Install JupyterLab defaults for learners into a venv.

No news pop-up, no update check, no Jupytext launcher cards, and none of
nbgrader's instructor tools (create assignment, formgrader, course list, exchange,
the menu that would hold them) in the learner's Lab; its "Validate" button stays. Run as ``python -m autograder.lab_settings VENV``.
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


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def install(venv):
    """Write the settings overrides and the disabled extensions into ``venv``; return the overrides path."""
    venv = Path(venv)
    _write_json(venv / "etc" / "jupyter" / "labconfig" / "page_config.json",
                {"disabledExtensions": {name: True for name in INSTRUCTOR_ONLY}})
    return _write_json(venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json", OVERRIDES)


if __name__ == "__main__":
    print(f"JupyterLab defaults written to {install(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)}")
