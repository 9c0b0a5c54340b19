"""The graded chapters of a course and the gradebook entries nbgrader needs for them.

The source of truth for a chapter is its release (``notebooks/NN_topic/topic.ipynb``,
which carries nbgrader's checksums and the learner-visible tests) and its solution
(``solutions/NN_topic/topic.ipynb``, which adds the hidden tests). The *template*
is the release with every test and read-only cell replaced by the solution's
version: it is what a submission is restored against, and what nbgrader's
``SaveCells`` records in the gradebook (as ``generate_assignment`` would).
Nothing under ``solutions/`` or ``notebooks/`` is ever written.
"""

import copy
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat

from ..learner.i18n import SOURCE_LANGUAGE
from ..authoring.notebooks import chapter_notebook, chapters
from ..cells import grade_id, is_protected


@dataclass(frozen=True)
class Chapter:
    name: str            # 01_tensors (the nbgrader assignment id)
    release_path: Path   # notebooks/01_tensors/tensors.ipynb
    source_path: Path    # solutions/01_tensors/tensors.ipynb

    @property
    def topic(self):     # tensors (the nbgrader notebook id)
        return self.release_path.stem

    @cached_property
    def template(self):
        """The release with protected cells restored from the solution (hidden tests in)."""
        return self._template(self.release_path)

    def template_in(self, language):
        """The template of the chapter's ``language`` edition (``notebooks/<lang>/``; same code
        cells, grade ids and points, translated prose), or the English one where there is none."""
        if language == SOURCE_LANGUAGE:
            return self.template
        cache = self.__dict__.setdefault("_edition_templates", {})
        if language not in cache:
            path = self.release_path.parent.parent / language / self.name / self.release_path.name
            cache[language] = self._template(path) if path.exists() else self.template
        return cache[language]

    def _template(self, release_path):
        release = nbformat.read(release_path, as_version=4)
        source = nbformat.read(self.source_path, as_version=4)
        by_id = {grade_id(c): c for c in source.cells if grade_id(c)}
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            gid = grade_id(cell)
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            if gid and is_protected(cell):
                if gid not in by_id:
                    raise ValueError(f"{self.source_path}: no cell {gid!r} (release out of date?)")
                cell.source = by_id[gid].source
        from nbgrader.preprocessors import ComputeChecksums

        nb, _ = ComputeChecksums().preprocess(nb, {})
        return nb

    @cached_property
    def grade_ids(self):
        return [grade_id(c) for c in self.template.cells
                if c.metadata.get("nbgrader", {}).get("grade")]

    @cached_property
    def max_score(self):
        return float(sum(float(c.metadata["nbgrader"].get("points") or 0) for c in self.template.cells
                         if c.metadata.get("nbgrader", {}).get("grade")))


def chapter_title(chapter, template=None):
    """The chapter notebook's first heading ("Chapter 1 · Tensors"), else its name; from ``template``
    (an edition of the chapter) if given."""
    for cell in (template or chapter.template).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip().replace("`", "").replace("**", "")   # plain text
    return chapter.name


def find_chapters(course_root, only=None):
    """Released chapters that have a solution, in order."""
    course_root = Path(course_root)
    found = []
    release_root = course_root / "notebooks"
    if not release_root.is_dir():
        return found
    for folder in chapters(release_root):
        if only and folder.name not in only:
            continue
        release = chapter_notebook(folder)
        source = course_root / "solutions" / folder.name / release.name
        if release.exists() and source.exists():
            found.append(Chapter(folder.name, release, source))
    return found


def register(chapters_, db_url):
    """Record each chapter's assignment, notebook and cells in the gradebook (nbgrader SaveCells)."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveCells

    with Gradebook(db_url) as gb:
        for chapter in chapters_:
            gb.update_or_create_assignment(chapter.name)
    for chapter in chapters_:
        resources = {"nbgrader": {"db_url": db_url, "assignment": chapter.name,
                                  "notebook": chapter.topic}}
        SaveCells().preprocess(copy.deepcopy(chapter.template), resources)
