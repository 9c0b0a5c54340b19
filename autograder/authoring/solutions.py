"""Build solution notebooks from their percent scripts, executing them to store outputs.

Re-executing keeps the stored output of every unchanged cell whose fresh output
is the same once sanitized (solutions/nbval_sanitize.cfg) or whose output nbval
ignores: uninitialised memory, addresses and progress-bar timings then do not
turn every rebuild into a diff.
"""

import configparser
import re
from collections import defaultdict
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .notebooks import chapter_notebook, chapters, read_script, write_notebook

CELL_TIMEOUT = 300
# nbval's cell tag for outputs that differ between runs (uninitialised memory, timings, CPU/GPU
# float noise); a tag rather than nbval's comment marker, so that learners never see it
IGNORE_TAG = "nbval-ignore-output"
SANITIZE_FILE = "nbval_sanitize.cfg"


def load_sanitizers(path):
    """The (compiled regex, replacement) pairs of an nbval sanitizer file; none if it is missing."""
    parser = configparser.ConfigParser()
    parser.read(path)
    return [(re.compile(section["regex"]), section["replace"]) for section in parser.values()
            if "regex" in section]


def _comparable(outputs, sanitizers):
    """What nbval compares of a cell's outputs, sanitized, as one string."""
    streams, rest = defaultdict(str), []
    for output in outputs:
        if output.output_type == "stream":
            streams[output.name] += output.text
        elif output.output_type == "error":
            rest.append(("error", output.ename, output.evalue))
        else:
            rest.append((output.output_type, sorted(output.get("data", {}).items())))
    text = repr((sorted(streams.items()), rest))
    for regex, replacement in sanitizers:
        text = regex.sub(replacement, text)
    return text


def carry_outputs(old, new, *, executed, sanitizers=()):
    """Give ``new``'s code cells the stored outputs of unchanged cells of ``old``.

    Without execution every unchanged cell keeps its outputs; after execution only
    those whose fresh outputs are equal once sanitized, or that nbval ignores.
    """
    unused = defaultdict(list)
    for cell in old.cells:
        if cell.cell_type == "code":
            unused[cell.source].append(cell)
    for cell in new.cells:
        if cell.cell_type != "code" or not unused[cell.source]:
            continue
        previous = unused[cell.source].pop(0)
        keep = (not executed or IGNORE_TAG in cell.metadata.get("tags", [])
                or _comparable(previous.outputs, sanitizers) == _comparable(cell.outputs, sanitizers))
        if keep:
            cell.outputs = previous.outputs
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.execution_count = cell.execution_count if executed else previous.execution_count
            if not executed:
                cell.execution_count = previous.execution_count
    return new


def execute(nb, cwd):
    """Run every cell of ``nb`` in a fresh kernel started in ``cwd``; errors propagate."""
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}, record_timing=False)
    client.execute()
    return nb


def build_chapter(folder, *, run=True):
    """Rebuild ``folder``'s notebook from its script; with ``run``, store fresh outputs.

    Without ``run`` the notebook takes the script's cells and keeps the stored
    outputs of the cells that did not change.
    """
    folder = Path(folder)
    target = chapter_notebook(folder)
    nb = read_script(target.with_suffix(".py"))
    if run:
        execute(nb, folder)
    if target.exists():
        carry_outputs(read(target), nb, executed=run, sanitizers=load_sanitizers(folder.parent / SANITIZE_FILE))
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
