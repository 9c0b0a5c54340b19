"""The gettext PO catalogues of the translated editions: what they hold, and keeping them up to date.

- ``solutions/locale/<lang>/LC_MESSAGES/NN_topic.po``: a chapter's prose, one entry per
  markdown block (:mod:`autograder.authoring.markdown_blocks`), and the teaching comments of its
  lesson code (``msgctxt "code comment"``, :mod:`autograder.authoring.code_comments`);
- ``autograder/locale/<lang>/LC_MESSAGES/messages.po``: every message of
  :mod:`autograder.learner.messages` (``msgctxt`` its key);
- ``autograder/locale/<lang>/LC_MESSAGES/checks.po``: the sentences check cells and the
  library's ready-made cases pass to the checks;
- ``autograder/locale/<lang>/LC_MESSAGES/texts.po``: the plot labels and printed words of the
  chapters' code (``tr(...)``, ``tr_plot(...)``, :mod:`autograder.learner.notebook_text`).

:func:`update_catalogues` (``make translations``) extracts the English of all three and
merges it into each catalogue with Babel, which marks an entry whose English changed
*fuzzy* and writes its previous English beside it for the translator.
"""

import ast
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..learner import i18n
from ..cells import is_check_cell
from . import code_comments
from .markdown_blocks import prose_blocks
from .notebooks import chapter_notebook, chapters, read_script

TRANSLATED_LANGUAGES = tuple(lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE_LANGUAGE)
PROJECT = "pytorch-intro"
HEADER_COMMENT = ("# {path}: the {language} translation of the PyTorch course (pytorch-intro).\n"
                  "# msgid is the English source; `make translations` rewrites this file after an\n"
                  "# English edit. Distributed under the same license as the course.\n#")
CHECK_TEXT_ARGS = ("problem", "hint", "summary")
TEXT_FUNCTIONS = ("tr", "tr_plot")   # a chapter's words for plots and prints (learner/notebook_text.py)


def locale_root(course_root, language):
    """Where a language's chapter catalogues and glossary live: ``solutions/locale/<lang>/``."""
    return Path(course_root) / "solutions" / "locale" / language


def chapter_catalogue_path(course_root, chapter, language):
    return locale_root(course_root, language) / "LC_MESSAGES" / f"{chapter}.po"


def glossary_path(course_root, language):
    return locale_root(course_root, language) / "glossary.csv"


def chapter_texts(course_root, chapter):
    """The English prose blocks of a chapter's source script, in order, each once."""
    script = chapter_notebook(Path(course_root) / "solutions" / chapter).with_suffix(".py")
    texts = []
    for cell in read_script(script).cells:
        if cell.cell_type == "markdown":
            texts.extend(t for t in prose_blocks(cell.source) if t not in texts)
    return texts


def chapter_comments(course_root, chapter):
    """The English teaching comments of a chapter's lesson code cells, in order, each once."""
    script = chapter_notebook(Path(course_root) / "solutions" / chapter).with_suffix(".py")
    texts = []
    for cell in read_script(script).cells:
        if code_comments.is_lesson_cell(cell):
            texts.extend(t for t in code_comments.comment_texts(cell.source) if t not in texts)
    return texts


def _text_of(node, constants=None):
    """A string constant, a module-level constant's value (a ``Name``) or an f-string's pattern; else None."""
    if isinstance(node, ast.JoinedStr):
        return _pattern(node)
    if isinstance(node, ast.Name):
        return (constants or {}).get(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def code_texts(course_root):
    """``{text: where}`` for the words the chapters' code shows through ``tr(...)`` and ``tr_plot(...)``
    (an f-string is one entry with its ``{expression}`` fields kept)."""
    texts = {}
    for folder in chapters(Path(course_root) / "solutions"):
        script = chapter_notebook(folder).with_suffix(".py")
        calls = [node for node in ast.walk(ast.parse(script.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Call) and getattr(node.func, "id", None) in TEXT_FUNCTIONS and node.args]
        for node in sorted(calls, key=lambda call: (call.lineno, call.col_offset)):
            if isinstance(_text_of(node.args[0]), str):
                texts.setdefault(_text_of(node.args[0]), f"solutions/{folder.name}/{script.name}")
    return texts


def _pattern(node):
    """An f-string as a catalogue entry: its text with each ``{expression}`` (and a plain format spec,
    ``{accuracy:.3f}``) kept (see ``i18n.translate_text``); None where a literal part holds a brace."""
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant) and "{" not in value.value and "}" not in value.value:
            parts.append(value.value)
        elif isinstance(value, ast.FormattedValue) and value.conversion == -1 and _plain_spec(value.format_spec):
            spec = "" if value.format_spec is None else ":" + value.format_spec.values[0].value
            parts.append("{" + ast.unparse(value.value) + spec + "}")
        else:
            return None
    return "".join(parts)


def _plain_spec(spec):
    """No format spec, or one without fields or braces (``.3f``)."""
    return spec is None or (len(spec.values) == 1 and isinstance(spec.values[0], ast.Constant)
                            and not set("{}") & set(spec.values[0].value))


def _sentences(source):
    """The string constants a piece of Python passes as ``problem=``, ``hint=`` or ``summary=``
    (directly, or through a module-level constant) or as ``check_that``'s third argument or
    ``check_view``'s second."""
    tree = ast.parse(source)
    constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    found = []

    def add(node):
        value = _text_of(node, constants)
        if isinstance(value, str) and value not in found:
            found.append(value)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in CHECK_TEXT_ARGS:
                    add(keyword.value)
            if getattr(node.func, "id", None) == "check_that" and len(node.args) > 2:
                add(node.args[2])
            if getattr(node.func, "id", None) == "check_view" and len(node.args) > 1:
                add(node.args[1])
    return found


def check_texts(course_root):
    """``{sentence: where}`` for the sentences the checks show besides ``messages.py``'s: those the
    chapters' check cells pass to them and those the library's ready-made cases pass (``problem=``,
    ``hint=``, ``summary=``, ``check_that``'s third argument, ``check_view``'s second). An f-string is one entry with its
    ``{expression}`` fields kept, translated with the same fields."""
    texts = {}
    for folder in chapters(Path(course_root) / "solutions"):
        script = f"solutions/{folder.name}/{chapter_notebook(folder).stem}.py"
        for cell in read_script(chapter_notebook(folder).with_suffix(".py")).cells:
            if is_check_cell(cell):
                for text in _sentences(cell.source):
                    texts.setdefault(text, script)
    learner = Path(__file__).resolve().parent.parent / "learner"
    for module in sorted(learner.glob("*.py")):
        for text in _sentences(module.read_text(encoding="utf-8")):
            texts.setdefault(text, f"autograder/learner/{module.name}")
    return texts


def _placeholders(template):
    import string

    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def templates(course_root):
    """``{catalogue path relative to the course: Babel template Catalog}`` for one translated language,
    with ``{lang}`` in each path."""
    from babel.messages.catalog import Catalog

    from ..learner.messages import CATALOGUE

    found = {}
    for folder in chapters(Path(course_root) / "solutions"):
        template = Catalog(project=PROJECT)
        where = [(f"solutions/{folder.name}/{chapter_notebook(folder).stem}.py", None)]
        for text in chapter_texts(course_root, folder.name):
            template.add(text, locations=where)
        for text in chapter_comments(course_root, folder.name):
            template.add(text, context=code_comments.CONTEXT, locations=where)
        found[f"solutions/locale/{{lang}}/LC_MESSAGES/{folder.name}.po"] = template
    template = Catalog(project=PROJECT)
    for key, english in CATALOGUE.items():
        template.add(english, context=key, locations=[("autograder/learner/messages.py", None)],
                     flags=["python-brace-format"] if _placeholders(english) else [])
    found["autograder/locale/{lang}/LC_MESSAGES/messages.po"] = template
    template = Catalog(project=PROJECT)
    for text, script in check_texts(course_root).items():
        template.add(text, locations=[(script, None)])
    found["autograder/locale/{lang}/LC_MESSAGES/checks.po"] = template
    template = Catalog(project=PROJECT)
    for text, script in code_texts(course_root).items():
        template.add(text, locations=[(script, None)])
    found["autograder/locale/{lang}/LC_MESSAGES/texts.po"] = template
    return found


def read_catalogue(path, language):
    from babel.messages.pofile import read_po

    with Path(path).open("rb") as handle:
        return read_po(handle, locale=language)


def write_catalogue(catalogue, path):
    """Write a PO file (no line numbers: an edit elsewhere must not touch every entry); only if it changes."""
    from babel.messages.pofile import write_po

    for message in catalogue:
        # Babel guesses printf-style formats from a "%" ("95% of"); the course's texts are never
        # %-formatted (messages.po's templates are str.format ones: python-brace-format)
        message.flags.discard("python-format")
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=100, include_lineno=False, include_previous=True, ignore_obsolete=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())
    return path


@dataclass
class CatalogueStats:
    path: Path
    translated: int
    fuzzy: int
    untranslated: int

    def __str__(self):
        return (f"{self.path}: {self.translated} translated, {self.fuzzy} fuzzy, "
                f"{self.untranslated} untranslated")


def stats(path, language):
    """How complete a catalogue is."""
    entries = [m for m in read_catalogue(path, language) if m.id]
    fuzzy = sum(1 for m in entries if m.fuzzy)
    untranslated = sum(1 for m in entries if not m.string)
    return CatalogueStats(Path(path), len(entries) - fuzzy - untranslated, fuzzy, untranslated)


def update_catalogues(course_root=".", languages=TRANSLATED_LANGUAGES):
    """Extract the English of every chapter, message and check sentence and merge it into each
    language's catalogues: new English is added untranslated, changed English becomes fuzzy
    (its old English kept as ``#| msgid``), removed English is dropped. Returns the CatalogueStats."""
    from babel.messages.catalog import Catalog

    course_root = Path(course_root)
    written = []
    for language in languages:
        for relative, template in templates(course_root).items():
            path = course_root / relative.format(lang=language)
            if path.exists():
                catalogue = read_catalogue(path, language)
            else:
                catalogue = Catalog(locale=language, project=PROJECT, fuzzy=False)
            catalogue.update(template, no_fuzzy_matching=False, update_header_comment=False,
                             update_creation_date=False)
            catalogue.fuzzy = False
            catalogue.header_comment = HEADER_COMMENT.format(language=language, path=relative.format(lang=language))
            catalogue.version, catalogue.msgid_bugs_address = "1", ""
            catalogue.last_translator = catalogue.language_team = f"the course's translators ({language})"
            write_catalogue(catalogue, path)
            written.append(stats(path, language))
    return written


def read_glossary(course_root, language):
    """``[(english term, translated term)]`` of a language's glossary (CSV with a header row)."""
    with glossary_path(course_root, language).open(encoding="utf-8", newline="") as handle:
        return [(row["english"].strip(), row["translation"].strip()) for row in csv.DictReader(handle)]
