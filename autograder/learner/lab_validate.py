"""A readable Validate button for learners: "n of m checks pass", then each failing exercise by name.

nbgrader's Validate dialog repeats the whole source of every failing check cell, each under
"The following cell failed:", shows each message on one unwrapped line, and says nothing about
how many checks pass. This Jupyter server extension answers the Lab's Validate button
(``/assignments/validate``) in place of nbgrader's ``validate_assignment`` extension (``make setup``
swaps them in the venv, see ``autograder/maintainers/lab_settings.py``): the same validation,
answered as one entry whose first box is the summary and whose second lists each failing check
under the heading of its exercise, its message wrapped. Every text it adds comes from the message
catalogue, in the notebook's language. Importing it does not load torch into the server (the
package's checks load on first use).
"""

import contextlib
import json
import os
import textwrap
import threading
import traceback
from html import escape
from pathlib import Path

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.validate_assignment.handlers import NbGraderVersionHandler, ValidateAssignmentHandler
from nbgrader.validator import Validator
from nbconvert.filters import strip_ansi
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


# nbgrader's dialog (its JupyterLab extension, not ours to change) puts "The following cell failed:"
# above every entry; the one entry answered here is the summary, not a cell, so that caption is hidden.
# The rule lives in the entry's own HTML and goes with the dialog.
_NO_CAPTION = "<style>#validation-message.validation-failed > div:not(.jp-RenderedText) { display: none; }</style>"


def failing_list(items):
    """``(text, html)`` of ``[(exercise title, message), ...]``: each title on a line of its own, bold in
    the HTML, its message below it, wrapped."""
    blocks = [(title, wrapped(text)) for title, text in items]
    text = "\n\n".join(f"{title}\n{body}" for title, body in blocks)
    html = "\n\n".join(f"<strong>{escape(title)}</strong>\n{escape(body)}" for title, body in blocks)
    return text, _NO_CAPTION + html


class CourseValidator(Validator):
    """nbgrader's Validator, answering with a summary and the failing checks by exercise name."""

    def validate(self, filename):
        with _kernel_runs(filename):   # its checks then answer in the notebook's language
            results = super().validate(filename)
        if "failed" not in results:
            return results   # all pass, or changed cells: nbgrader's own words
        from .i18n import notebook_language, speaking
        from .messages import message
        from .progress import exercises, plain_title

        nb = json.loads(Path(filename).read_text())
        titles = {source.strip(): plain_title(title) for title, source in exercises(nb)}
        failed = results["failed"]
        with speaking(notebook_language(nb)):
            summary = message("validate_summary", passed=len(titles) - len(failed), total=len(titles))
        text, html = failing_list([(titles.get(entry["source"].strip(), entry["source"].splitlines()[0]),
                                    entry["raw_error"]) for entry in failed])
        results["failed"] = [{"source": summary, "raw_error": text, "error": html}]
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
        except Exception as error:
            self.log.error(traceback.format_exc())
            from .i18n import notebook_language, speaking
            from .messages import message

            try:
                language = notebook_language(json.loads(target.read_text()))
            except (OSError, ValueError):
                language = None
            with speaking(language):
                text = message("validate_failed", error=wrapped(f"{type(error).__name__}: {error}"))
            return {"success": False, "value": text}
        return {"success": True, "value": value}


def _jupyter_server_extension_points():
    return [{"module": "autograder.learner.lab_validate"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    web_app.settings["root_dir"] = serverapp.root_dir
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base_url, "assignments/validate"), CourseValidateHandler),
                                 (url_path_join(base_url, "nbgrader_version"), NbGraderVersionHandler)])
