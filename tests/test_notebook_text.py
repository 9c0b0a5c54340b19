"""``tr`` and ``tr_plot`` (issue 23): a chapter's printed words and plot labels in the notebook's language."""

import ast
import re
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from autograder import tr, tr_plot  # noqa: E402
from autograder.authoring.catalogues import code_texts  # noqa: E402
from autograder.learner import i18n, notebook_text  # noqa: E402
from chapters import REPO  # noqa: E402
from needs import need  # noqa: E402


@pytest.fixture
def fresh_fonts(monkeypatch):
    """matplotlib's font settings and the font lookup as a new kernel has them."""
    monkeypatch.setitem(matplotlib.rcParams, "font.family", list(matplotlib.rcParams["font.family"]))
    notebook_text.installed_font.cache_clear()
    monkeypatch.setattr(notebook_text, "_noted", set())
    yield
    notebook_text.installed_font.cache_clear()


def test_english_is_shown_as_written():
    accuracy, right, total = 0.97214, 349, 359
    assert tr(f"test accuracy: {accuracy:.3f} ({right} of {total} test images)") == \
        "test accuracy: 0.972 (349 of 359 test images)"
    assert tr_plot("predicted digit") == "predicted digit"


def test_printed_words_are_translated_with_their_values():
    accuracy, right, total = 0.97214, 349, 359
    with i18n.speaking("zh"):
        assert tr("test accuracy >= 0.95:") == "测试准确率 >= 0.95："
        assert tr(f"test accuracy: {accuracy:.3f} ({right} of {total} test images)") == \
            "测试准确率：0.972（359 张测试图像中对了 349 张）"
        assert tr("a sentence no chapter prints") == "a sentence no chapter prints"


def test_the_words_of_the_chapters_code_are_extracted_with_their_fields():
    texts = code_texts(REPO)
    assert "test accuracy: {test_accuracy:.3f} ({n_correct} of {len(test_set)} test images)" in texts
    assert texts["confusion matrix on the test set"] == "solutions/04_training/training.py"


def test_a_chinese_plot_finds_a_font_for_its_glyphs(fresh_fonts):
    need(notebook_text.installed_font(notebook_text.FONTS["zh"]) is not None,
         "no Chinese font is installed (Debian: apt-get install fonts-noto-cjk; make test does it as root)")
    with i18n.speaking("zh"):
        title = tr_plot("confusion matrix on the test set")
    assert title == "测试集上的混淆矩阵"
    assert matplotlib.rcParams["font.family"][-1] in notebook_text.FONTS["zh"]
    fig, ax = plt.subplots()
    ax.set_title(title)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # "Glyph ... missing from font(s)" would be an error
        fig.canvas.draw()
    plt.close(fig)


def test_without_a_font_plots_keep_english_and_one_line_says_how_to_install_one(fresh_fonts, monkeypatch, capsys):
    monkeypatch.setitem(notebook_text.FONTS, "zh", ("No Such Font CJK",))
    with i18n.speaking("zh"):
        labels = [tr_plot("predicted digit"), tr_plot("true digit")]
        printed = tr("test accuracy >= 0.95:")
    assert labels == ["predicted digit", "true digit"] and printed == "测试准确率 >= 0.95："
    note = capsys.readouterr().err
    assert note.count("fonts-noto-cjk") == 1 and "图中的文字保持英文" in note
    fig, ax = plt.subplots()
    ax.set_title(labels[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
    plt.close(fig)


PLOT_TEXT_CALLS = {"set_title", "suptitle", "set_xlabel", "set_ylabel", "text", "annotate"}
FORMULA_WORDS = {"sin", "cos", "exp", "log", "tanh", "relu"}


def _plot_words(node):
    """English words of a string literal written on a plot (a formula such as "x sin x" has none)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [w for w in re.findall(r"[A-Za-z]{3,}", node.value) if w.lower() not in FORMULA_WORDS]
    return []


def test_every_plot_text_with_words_goes_through_tr_plot():
    """A title, axis label or legend label written as a plain string would stay English in the Chinese
    edition: each one with words must be ``tr_plot(...)``."""
    problems = []
    for script in sorted(REPO.glob("solutions/*/*.py")):
        for node in ast.walk(ast.parse(script.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            texts = list(node.args[:1]) if name in PLOT_TEXT_CALLS else []
            texts += [k.value for k in node.keywords if k.arg == "label"]
            for text in texts:
                if _plot_words(text):
                    problems.append(f"{script.relative_to(REPO)}:{text.lineno}: {text.value!r}")
    assert not problems, "plot texts not wrapped in tr_plot:\n" + "\n".join(problems)
    # their Chinese words: texts.po has no untranslated entry (tests/test_translation.py)
