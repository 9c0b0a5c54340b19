"""A readable Validate button for learners: failing exercises by name, wrapped, and "n of m pass".

nbgrader's Validate dialog repeats the whole source of every failing check cell, shows each
message on one unwrapped line, and says nothing about how many checks pass. This Jupyter server
extension answers the Lab's Validate button (``/assignments/validate``) in place of nbgrader's
``validate_assignment`` extension (``make setup`` swaps them in the venv, see
``autograder/maintainers/lab_settings.py``): the same validation, but each failing check is named by the
heading of its exercise, its message is wrapped, and the first entry says how many checks pass.
Importing it does not load torch into the server (the package's checks load on first use).
"""

import contextlib
import json
import os
import textwrap
import threading
import traceback
from pathlib import Path

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.validate_assignment.handlers import NbGraderVersionHandler, ValidateAssignmentHandler
from nbgrader.validator import Validator
from nbconvert.filters import ansi2html, strip_ansi
from tornado import web

WIDTH = 88


def wrapped(text, width=WIDTH):
    """``text`` without colour codes, each line wrapped at ``width`` columns."""
    return "\n".join(textwrap.fill(line, width, subsequent_indent="  ") if line else line
                     for line in strip_ansi(text).splitlines())


_KERNEL_ENV = threading.Lock()


@contextlib.contextmanager
def _kernel_runs(filename):
    """Within the block, a kernel started for validation is told which notebook it runs, as
    JupyterLab tells its kernels (``JPY_SESSION_NAME``, read by :mod:`autograder.learner.i18n`)."""
    with _KERNEL_ENV:
        before = os.environ.get("JPY_SESSION_NAME")
        os.environ["JPY_SESSION_NAME"] = str(Path(filename).resolve())
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("JPY_SESSION_NAME", None)
            else:
                os.environ["JPY_SESSION_NAME"] = before


class CourseValidator(Validator):
    """nbgrader's Validator, reporting failing checks by exercise name with a summary first."""

    def validate(self, filename):
        with _kernel_runs(filename):   # its checks then answer in the notebook's language
            results = super().validate(filename)
        if "failed" not in results:
            return results   # all pass, or changed cells: nbgrader's own words
        from .i18n import notebook_language, speaking
        from .messages import message
        from .progress import exercises

        nb = json.loads(Path(filename).read_text())
        titles = {source.strip(): title for title, source in exercises(nb)}
        failed = results["failed"]
        with speaking(notebook_language(nb)):
            summary = message("validate_summary", passed=len(titles) - len(failed), total=len(titles))
        for index, entry in enumerate(failed):
            title = titles.get(entry["source"], entry["source"].splitlines()[0])
            entry["source"] = f"{summary}\n\n{title}" if index == 0 else title
            entry["raw_error"] = wrapped(entry["raw_error"])
            entry["error"] = ansi2html(entry["raw_error"])
        return results


class CourseValidateHandler(ValidateAssignmentHandler):
    """nbgrader's handler for the Validate button, validating with :class:`CourseValidator`."""

    def validate_notebook(self, path):
        root = Path(self.root_dir).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise web.HTTPError(403, "Access denied: path outside allowed directory")
        try:
            value = CourseValidator(config=self.load_config()).validate(str(target))
        except Exception:
            self.log.error(traceback.format_exc())
            return {"success": False, "value": traceback.format_exc()}
        return {"success": True, "value": value}


def _jupyter_server_extension_points():
    return [{"module": "autograder.learner.lab_validate"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    web_app.settings["root_dir"] = serverapp.root_dir
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base_url, "assignments/validate"), CourseValidateHandler),
                                 (url_path_join(base_url, "nbgrader_version"), NbGraderVersionHandler)])
