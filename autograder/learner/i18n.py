"""Which language the checks speak, and the translated catalogues they read.

English is the source language: :mod:`autograder.learner.messages` holds its texts. A
translation lives in a gettext PO catalogue, ``autograder/locale/<lang>/LC_MESSAGES/``:

- ``messages.po``: one entry per message key (``msgctxt`` the key, ``msgid`` the
  English template, ``msgstr`` the translation);
- ``checks.po``: the sentences that the chapters' check cells pass to the checks
  (``problem=``, ``hint=``, ``summary=``), looked up by their English text;
- ``texts.po``: the plot labels and printed words of the chapters' code (``tr(...)``,
  :mod:`autograder.learner.notebook_text`), looked up by their English text.

A notebook says its language in its metadata (``"lang": "zh"``; none means
English). In a learner's kernel the language is read once from the notebook
JupyterLab started the kernel for; the grading process sets it per submission
with :func:`speaking`. Fuzzy and untranslated entries fall back to English.
"""

import contextlib
import contextvars
import functools
import json
import re
from pathlib import Path

SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "zh")
METADATA_KEY = "lang"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_active = contextvars.ContextVar("course_language", default=None)


def catalogue_path(language, domain):
    """The PO file of ``domain`` (``messages`` or ``checks``) in ``language``."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def notebook_language(nb):
    """The language a notebook (nbformat node or JSON dict) declares; English if none or unknown."""
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    language = str(metadata.get(METADATA_KEY) or SOURCE_LANGUAGE).split("-")[0].lower()
    return language if language in LANGUAGES else SOURCE_LANGUAGE


@functools.lru_cache(maxsize=1)
def _kernel_language():
    """The language of the notebook this kernel runs (JupyterLab sets ``JPY_SESSION_NAME``), read once."""
    from ..paths import kernel_notebook

    path = kernel_notebook()
    if path is None:
        return SOURCE_LANGUAGE
    try:
        return notebook_language(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return SOURCE_LANGUAGE


def current_language():
    """The language checks answer in now: set by :func:`speaking`, else the kernel's notebook's."""
    # not stored in the context variable: ipykernel runs each cell in a copy of the context
    return _active.get() or _kernel_language()


@contextlib.contextmanager
def speaking(language):
    """Within the block, messages are in ``language`` (the grading process, per submission)."""
    token = _active.set(language if language in LANGUAGES else SOURCE_LANGUAGE)
    try:
        yield
    finally:
        _active.reset(token)


@functools.lru_cache(maxsize=None)
def translations(language, domain):
    """``{(msgctxt, msgid): msgstr}`` of a catalogue's translated, non-fuzzy entries."""
    path = catalogue_path(language, domain)
    if language == SOURCE_LANGUAGE or not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalogue = read_po(handle)
    return {(m.context, m.id): m.string for m in catalogue
            if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def translate_message(key, english):
    """The current language's template for message ``key`` (whose English is ``english``)."""
    return translations(current_language(), "messages").get((key, english), english)


def translate_check_text(text):
    """A chapter's check sentence (``problem=``, ``hint=``, ``summary=``) in the current language.

    A sentence written as an f-string is an entry with its fields (``after {call + 1} call(s)``): the
    text matches it with any values in the fields, and the translation gets the same values."""
    return translate_text(text, "checks")


def translate_text(text, domain):
    """``text`` in the current language, from the catalogue ``domain`` whose entries are looked up by
    their English (``checks``, ``texts``); an entry with ``{fields}`` matches any values in them."""
    if not isinstance(text, str) or not text:
        return text
    language = current_language()
    found = translations(language, domain).get((None, text))
    if found is not None:
        return found
    for pattern, fields, translation in _patterns(language, domain):
        match = pattern.fullmatch(text)
        if match:
            values = {field: match.group(f"f{index}") for index, field in enumerate(fields)}
            return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), translation)
    return text


_FIELD = re.compile(r"\{([^{}]+)\}")


@functools.lru_cache(maxsize=None)
def _patterns(language, domain):
    """``[(regex, fields, translation)]`` for the entries of a catalogue that have fields."""
    found = []
    for (_, english), translation in translations(language, domain).items():
        fields = _FIELD.findall(english)
        if not fields:
            continue
        regex, position, named = "", 0, {}
        for match in _FIELD.finditer(english):
            regex += re.escape(english[position:match.start()])
            field = match.group(1)
            if field in named:   # the same expression twice holds the same value
                regex += f"(?P=f{named[field]})"
            else:
                named[field] = len(named)
                regex += f"(?P<f{named[field]}>.+?)"
            position = match.end()
        regex += re.escape(english[position:])
        found.append((re.compile(regex, re.S), list(named), translation))
    return found
