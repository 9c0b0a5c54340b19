"""The translated editions of the learner notebooks, built by ``make release``.

The ``<lang>`` edition of a chapter is its English learner notebook
(``notebooks/NN_topic/``) with each markdown block and each teaching comment of its
lesson code replaced by its translation from the chapter's catalogue, written to
``notebooks/<lang>/NN_topic/``. Cell ids, grade ids, points, tags, outputs, answer and
check cells and the code's tokens are the English edition's own; the notebook's ``lang``
metadata says its language (:mod:`autograder.learner.i18n`). A translation may wrap its
lines as the English does: where a line break falls between two Chinese characters
(which markdown would show as a space) the edition joins the lines.
"""

from pathlib import Path

from ..learner import i18n
from .catalogues import TRANSLATED_LANGUAGES, chapter_catalogue_path, read_catalogue
from .code_comments import CONTEXT as COMMENT, is_lesson_cell, translate_comments
from .markdown_blocks import join_wide_lines, translate_markdown
from .notebooks import chapter_notebook, chapters, normalise, write_notebook


def edition_root(course_root, language):
    """The learner notebooks of an edition: ``notebooks/`` (English) or ``notebooks/<lang>/``."""
    root = Path(course_root) / "notebooks"
    return root if language == i18n.SOURCE_LANGUAGE else root / language


def _translations(path, language):
    """``{(msgctxt, msgid): msgstr}`` of a catalogue's translated, non-fuzzy entries."""
    if not path.exists():
        return {}
    return {(m.context, m.id): m.string for m in read_catalogue(path, language) if m.id and m.string and not m.fuzzy}


def translated_notebook(english, course_root, chapter, language):
    """The ``language`` edition of a chapter's English learner notebook, and the English blocks it lacks.

    Only markdown, the comments of lesson code cells and the notebook's ``lang`` metadata change:
    every code token, answer and check cell, nbgrader metadata and output is the English edition's own.
    """
    import copy

    from ..learner.messages import message

    chapter_entries = _translations(chapter_catalogue_path(course_root, chapter, language), language)
    shared = {}
    with i18n.speaking(language):
        translated = {key: message(key) for key in ("progress_title", "progress_text")}
    for key, text in translated.items():
        with i18n.speaking(i18n.SOURCE_LANGUAGE):
            english_text = message(key)
        shared[english_text] = text
        shared[f"## {english_text}"] = f"## {text}"

    def prose(text):
        found = chapter_entries.get((None, text)) or shared.get(text)
        return None if found is None else join_wide_lines(found)

    nb = normalise(copy.deepcopy(english))
    missing = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source, lacking = translate_markdown(cell.source, prose)
            missing.extend(lacking)
        elif is_lesson_cell(cell):
            cell.source, lacking = translate_comments(cell.source, lambda text: chapter_entries.get((COMMENT, text)))
            missing.extend(lacking)
    nb.metadata[i18n.METADATA_KEY] = language
    return nb, missing


def release_editions(course_root=".", *, only=None, languages=TRANSLATED_LANGUAGES):
    """Write ``notebooks/<lang>/NN_topic/`` from the English ``notebooks/NN_topic/`` for every
    translated language; return the folders written. Blocks without a translation stay English
    and are reported on stderr (``make test`` fails on them)."""
    import shutil
    import sys

    from .solutions import read

    course_root = Path(course_root).resolve()
    written = []
    for language in languages:
        for folder in chapters(edition_root(course_root, i18n.SOURCE_LANGUAGE)):
            if only and folder.name not in only:
                continue
            target = edition_root(course_root, language) / folder.name
            target.mkdir(parents=True, exist_ok=True)
            for path in folder.iterdir():
                if path.is_file() and path.suffix != ".ipynb":
                    shutil.copy2(path, target / path.name)
            english = chapter_notebook(folder)
            nb, missing = translated_notebook(read(english), course_root, folder.name, language)
            write_notebook(nb, target / english.name)
            if missing:
                print(f"{target / english.name}: {len(missing)} block(s) not translated yet (left in English): "
                      f"run `make translations` and translate them", file=sys.stderr)
            written.append(target)
    return written
