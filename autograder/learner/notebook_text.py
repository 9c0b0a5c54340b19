"""Plot labels and printed words of the chapters' code, in the notebook's language: ``tr``, ``tr_plot``.

The code cells of every edition are the same code, so a chapter writes the words its plots and
prints show in English, through ``tr("test accuracy >= 0.95:")`` (printed text) or
``tr_plot("confusion matrix on the test set")`` (a plot's title, axis label or legend). They read
``autograder/locale/<lang>/LC_MESSAGES/texts.po`` for the notebook's language (as the checks do,
:mod:`autograder.learner.i18n`); an English notebook shows the English unchanged.

A plot needs a font for the language's script. ``tr_plot`` adds an installed one (Debian:
``fonts-noto-cjk``) to matplotlib's font list after the default, so Latin letters keep their look
and Chinese ones find their glyphs; where none is installed, plots keep their English words (no
boxes for missing glyphs, no warning per glyph) and one line says how to install a font.
"""

import functools
import shutil
import subprocess
import sys

from . import i18n

# Fonts that draw a language's script, best first (Linux, macOS, Windows names).
FONTS = {
    "zh": ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
           "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Microsoft YaHei", "SimHei", "Arial Unicode MS"),
}
_noted = set()


def tr(text):
    """``text`` (English, maybe an f-string's result) in the notebook's language, for printing."""
    return i18n.translate_text(text, "texts")


def tr_plot(text):
    """``text`` in the notebook's language for a plot, with a font that draws it; English where
    matplotlib has no font for that language."""
    language = i18n.current_language()
    if language in FONTS and not use_font(language):
        return text
    return tr(text)


def use_font(language):
    """Put an installed font for ``language`` in matplotlib's font list (after the default ones);
    False, with a note printed once, when none is installed."""
    import matplotlib

    font = installed_font(FONTS[language])
    if font is None:
        if language not in _noted:
            _noted.add(language)
            from .messages import message

            with i18n.speaking(language):
                print(message("plot_font_missing"), file=sys.stderr)
        return False
    families = list(matplotlib.rcParams["font.family"])
    if font not in families:
        matplotlib.rcParams["font.family"] = [*families, font]
    return True


@functools.lru_cache(maxsize=None)
def installed_font(candidates):
    """The first of ``candidates`` (family names) that matplotlib can use, or None.

    matplotlib keeps a cache of the system's fonts; a font installed after it was made is found
    with fontconfig (``fc-list``) and added."""
    from matplotlib import font_manager

    def known():
        names = {entry.name for entry in font_manager.fontManager.ttflist}
        return next((name for name in candidates if name in names), None)

    found = known()
    if found is None and shutil.which("fc-list"):
        try:
            listed = subprocess.run(["fc-list", ":", "family", "file"], capture_output=True, text=True,
                                    timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        for line in listed.splitlines():
            path, _, families = line.partition(": ")
            if any(name in families.split(",") for name in candidates):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = known()
    return found
