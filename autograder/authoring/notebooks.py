"""Reading, writing and normalising course notebooks.

A chapter's source is a jupytext percent script (``topic.py``, the reviewable
text); its ``topic.ipynb`` is built from it and holds the executed outputs.
Normalising keeps notebook diffs free of machine noise: fixed cell ids, no
timing metadata, only the notebook metadata the tools need.
"""

import copy
from pathlib import Path

import jupytext
import nbformat
from ..learner.kernel import LANGUAGE_INFO  # what the learner's kernel reports: a notebook opens unmodified

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
KEPT_CELL_METADATA = ("nbgrader", "tags")


def chapters(root):
    """The chapter folders (``NN_topic``) under ``root``, in order."""
    return sorted(p for p in Path(root).iterdir() if p.is_dir() and p.name[:2].isdigit())


def chapter_notebook(folder):
    """The one ``.ipynb`` of a chapter folder, whose name is the topic (``01_tensors/tensors.ipynb``)."""
    folder = Path(folder)
    return folder / f"{folder.name.split('_', 1)[1]}.ipynb"


def normalise(nb):
    """Strip machine-dependent metadata in place and return ``nb``."""
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC),
                                      "language_info": copy.deepcopy(LANGUAGE_INFO)})
    nb.nbformat, nb.nbformat_minor = 4, 5
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"
        cell.metadata = nbformat.from_dict(
            {k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.metadata})
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
    return nb


def read_script(path):
    """Read a percent script into a notebook (no outputs)."""
    return normalise(jupytext.read(path, fmt="py:percent"))


def write_notebook(nb, path):
    """Write ``nb`` normalised, with a trailing newline, only if the bytes change."""
    language = nb.metadata.get("lang")   # a translated edition's language (autograder.learner.i18n) is kept
    nb = normalise(nb)
    if language:
        nb.metadata["lang"] = language
    text = nbformat.writes(nb) + "\n"
    path = Path(path)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def cell_signature(nb):
    """What the script and the notebook must agree on: each cell's type, source and nbgrader metadata."""
    return [(c.cell_type, c.source.strip(), c.metadata.get("nbgrader")) for c in nb.cells]


def without_outputs(nb):
    """A deep copy of ``nb`` with every code cell's outputs and execution count cleared."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb
