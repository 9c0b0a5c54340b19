"""Install JupyterLab defaults for learners into a venv: no news pop-up, no update check.

Run as ``python -m autograder.lab_settings VENV``. The overrides file is
JupyterLab's documented way to change settings defaults for one environment.
"""

import json
import sys
from pathlib import Path

OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def install(venv):
    """Write ``share/jupyter/lab/settings/overrides.json`` inside ``venv``."""
    target = Path(venv) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(OVERRIDES, indent=2) + "\n")
    return target


if __name__ == "__main__":
    print(f"JupyterLab defaults written to {install(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)}")
