"""Build solution notebooks from their percent scripts, executing them to store outputs."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .notebooks import chapter_notebook, chapters, read_script, write_notebook

CELL_TIMEOUT = 300


def execute(nb, cwd):
    """Run every cell of ``nb`` in a fresh kernel started in ``cwd``; errors propagate."""
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}, record_timing=False)
    client.execute()
    return nb


def build_chapter(folder, *, run=True):
    """Rebuild ``folder``'s notebook from its script; with ``run``, store fresh outputs."""
    folder = Path(folder)
    target = chapter_notebook(folder)
    nb = read_script(target.with_suffix(".py"))
    if run:
        execute(nb, folder)
    write_notebook(nb, target)
    return target


def build_all(root="solutions", *, only=None, run=True):
    """Rebuild every chapter under ``root`` (or those named in ``only``); return the notebooks."""
    built = []
    for folder in chapters(root):
        if only and folder.name not in only:
            continue
        built.append(build_chapter(folder, run=run))
    return built


def read(path):
    """Read a notebook file as nbformat v4."""
    return nbformat.read(str(path), as_version=4)
