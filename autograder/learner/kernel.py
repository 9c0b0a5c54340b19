"""The learner's kernel: IPython's own, reporting its language without the Python patch version.

JupyterLab copies the kernel's ``language_info`` into every notebook it opens, and a value that
differs from the stored one marks the notebook modified ("Save changes?" on closing a chapter
that was only opened). IPython's kernel reports ``version: "3.11.7"``, which no released
notebook can match on every supported Python (3.10 to 3.13); this kernel leaves the version
out, and the released notebooks store exactly :data:`LANGUAGE_INFO`.

``make setup`` makes it the venv's ``python3`` kernel (``autograder/maintainers/lab_settings.py``);
grading and nbval start IPython's kernel directly. Importing it loads the ``autograder`` package
without torch (its checks load on first use, and install the check cells' hooks then, once the
shell exists).
"""

from ipykernel.ipkernel import IPythonKernel

LANGUAGE_INFO = {key: value for key, value in IPythonKernel.language_info.items() if key != "version"}


class CourseKernel(IPythonKernel):
    """IPython's kernel, reporting :data:`LANGUAGE_INFO` as its language."""

    language_info = LANGUAGE_INFO
