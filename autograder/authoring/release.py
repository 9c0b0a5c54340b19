"""Generate the learner notebooks (``notebooks/``) from ``solutions/`` with nbgrader.

nbgrader runs in a scratch copy of the course with ``--no-db``: a live
gradebook is never opened, and ``generate_assignment --force`` (which deletes
its release folder before it can fail) only ever deletes scratch files.
``notebooks/`` is replaced chapter by chapter only after generation succeeded.
"""

import shutil
import tempfile
from pathlib import Path

from .solutions import read
from .notebooks import chapter_notebook, chapters, normalise, write_notebook
from ..paths import run_nbgrader


class ReleaseError(RuntimeError):
    """nbgrader could not generate the learner notebooks; nothing was changed."""


def _copy_sources(source_root, scratch_source, only):
    for folder in chapters(source_root):
        if only and folder.name not in only:
            continue
        shutil.copytree(folder, scratch_source / folder.name,
                        ignore=shutil.ignore_patterns("*.py", "__pycache__", ".ipynb_checkpoints"))


EXPECTED_ERROR_TAG = "raises-exception"


def tag_expected_errors(nb):
    """Tag answer and check cells ``raises-exception``: until a learner answers, they raise
    (NotImplementedError, "Not attempted"), and JupyterLab's Run All goes on past a tagged cell,
    so an untouched chapter runs to its end and shows every lesson's output."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade")):
            tags = cell.metadata.setdefault("tags", [])
            if EXPECTED_ERROR_TAG not in tags:
                tags.append(EXPECTED_ERROR_TAG)
    return nb


TEST_ONLY_TAGS = ("nbval-ignore-output",)


def drop_test_tags(nb):
    """Remove the cell tags that only the course's own tests read (nbval's): learners never see them."""
    for cell in nb.cells:
        tags = [tag for tag in cell.metadata.get("tags", []) if tag not in TEST_ONLY_TAGS]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    return nb


def with_progress_cell(nb):
    """End the learner edition with "Your progress": a cell listing every exercise's verdict."""
    import nbformat

    from ..learner.messages import message

    nb.cells.append(nbformat.v4.new_markdown_cell(f"## {message('progress_title')}\n\n{message('progress_text')}"))
    nb.cells.append(nbformat.v4.new_code_cell("from autograder import progress\n\nprogress()"))
    return normalise(nb)


def generate(course_root, out_dir, *, only=None):
    """Generate learner editions of the chapters into ``out_dir`` (a new folder); return it."""
    course_root = Path(course_root).resolve()
    out_dir = Path(out_dir)
    scratch = Path(tempfile.mkdtemp(prefix="course-release-"))
    try:
        shutil.copy(course_root / "nbgrader_config.py", scratch)
        _copy_sources(course_root / "solutions", scratch / "solutions", only)
        for folder in chapters(scratch / "solutions"):
            result = run_nbgrader(["generate_assignment", folder.name, "--no-db", "--force"], scratch)
            if result.returncode != 0:
                raise ReleaseError(f"nbgrader generate_assignment {folder.name} failed:\n"
                                   f"{result.stdout}\n{result.stderr}")
        for folder in chapters(scratch / "notebooks"):
            notebook = chapter_notebook(folder)
            learner = tag_expected_errors(drop_test_tags(normalise(read(notebook))))
            write_notebook(with_progress_cell(learner), notebook)
        shutil.copytree(scratch / "notebooks", out_dir, dirs_exist_ok=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out_dir


def release(course_root=".", *, only=None):
    """Regenerate ``notebooks/`` from ``solutions/``; return the chapter folders written."""
    course_root = Path(course_root).resolve()
    target_root = course_root / "notebooks"
    target_root.mkdir(exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".release-", dir=target_root))
    written = []
    try:
        generate(course_root, staged, only=only)
        for folder in chapters(staged):
            destination = target_root / folder.name
            backup = target_root / f".{folder.name}.previous"
            if destination.exists():
                destination.rename(backup)
            folder.rename(destination)
            shutil.rmtree(backup, ignore_errors=True)
            written.append(destination)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return written


def release_all(course_root=".", *, only=None):
    """Both editions: ``notebooks/`` (English), then each translated edition built from it."""
    from .editions import release_editions

    written = release(course_root, only=only)
    return written + release_editions(course_root, only=only)
