"""The Chinese edition (issue 15): complete catalogues, glossary terms, intact markdown, a release in
sync with the English one, and checks that answer in the notebook's language."""

import json
import re
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from autograder.learner import i18n
from autograder.learner.messages import CATALOGUE, message
from autograder.authoring.notebooks import chapter_notebook
from autograder.authoring.catalogues import (TRANSLATED_LANGUAGES, chapter_catalogue_path, read_catalogue, read_glossary, stats,
                                   templates, update_catalogues)
from autograder.authoring.code_comments import code_tokens, comment_texts, is_lesson_cell, translate_comments
from autograder.authoring.editions import edition_root, translated_notebook
from autograder.authoring.markdown_blocks import blocks, parser, translate_markdown
from chapters import CHAPTERS, REPO, read, release_path
from needs import need

LANGUAGES = TRANSLATED_LANGUAGES
CATALOGUES = [(language, relative.format(lang=language)) for language in LANGUAGES
              for relative in templates(REPO)]


def edition_path(chapter, language):
    return chapter_notebook(edition_root(REPO, language) / chapter)


def entries(language, relative):
    return [m for m in read_catalogue(REPO / relative, language) if m.id]


# ---------------------------------------------------------------- catalogues


@pytest.mark.parametrize("language, relative", CATALOGUES)
def test_catalogue_is_complete_and_follows_the_english(language, relative):
    """Every English text has a translation, none fuzzy, and none is left over from older English:
    `make translations` would change nothing."""
    found = stats(REPO / relative, language)
    assert (found.fuzzy, found.untranslated) == (0, 0), f"{found}: run `make translations` and translate"
    template = templates(REPO)[relative.replace(f"/{language}/", "/{lang}/")]
    wanted = {(m.context, m.id) for m in template if m.id}
    have = {(m.context, m.id) for m in entries(language, relative)}
    assert wanted == have, (f"{relative} is out of date with the English ({len(wanted - have)} new, "
                            f"{len(have - wanted)} gone): run `make translations`")


@pytest.mark.parametrize("language, relative", CATALOGUES)
def test_catalogue_passes_msgfmt(language, relative):
    need(shutil.which("msgfmt"), "gettext's msgfmt is not installed (make test installs it as root)")
    done = subprocess.run(["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(REPO / relative)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "fuzzy" not in done.stderr and "untranslated" not in done.stderr, done.stderr


def _fields(template):
    import string

    return sorted((field, conversion) for _, field, _, conversion in string.Formatter().parse(template)
                  if field is not None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation_with_the_same_placeholders(language):
    translated = {m.context: m for m in entries(language, f"autograder/locale/{language}/LC_MESSAGES/messages.po")}
    for key, english in CATALOGUE.items():
        assert key in translated and translated[key].string and not translated[key].fuzzy, key
        assert _fields(translated[key].string) == _fields(english), key
        fields = {name: f"<{name}>" for name, _ in _fields(english)}
        with i18n.speaking(language):
            shown = message(key, **fields)
        assert all(value in shown for value in fields.values()), (key, shown)
        if re.search(r"[A-Za-z]{3}", re.sub(r"\{[^}]*\}", "", english)):   # more than placeholders
            assert shown != english.format(**fields), f"{key} is shown in English"


def _prose(text):
    """Text a glossary applies to: without code spans, math, links' targets and code-like names."""
    text = re.sub(r"`[^`]*`|\$[^$]*\$|\]\([^)]*\)", " ", text)
    return re.sub(r"\S*[._(=][\w.()=\[\]'\"]*", " ", text)


def glossary_problems(language, relative, catalogue_entries):
    """Where an entry's translation does not use the glossary's term for an English term it holds
    (a longer term first: "batch normalisation" is not also a "batch")."""
    glossary = read_glossary(REPO, language)
    longest_first = sorted(glossary, key=lambda item: -len(item[0]))
    problems = []
    for entry in catalogue_entries:
        english = _prose(entry.id).lower()
        for term, translation in longest_first:
            word = rf"\b{re.escape(term)}(s|es)?\b"
            # a term kept in English in the translation is a name (the variable `model`), not prose
            if (re.search(word, english) and translation not in entry.string
                    and not re.search(word, entry.string.lower())):
                problems.append(f"{relative}: {term!r} is not {translation!r} in {entry.string[:60]!r}")
            english = re.sub(word, " ", english)
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_terms_follow_the_glossary(language):
    glossary = read_glossary(REPO, language)
    assert glossary and len({e for e, _ in glossary}) == len(glossary)
    problems = [problem for _, relative in [c for c in CATALOGUES if c[0] == language]
                for problem in glossary_problems(language, relative, entries(language, relative))]
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


def _markup(markdown):
    """What translation must keep: code spans, inline and display math, link targets, code blocks."""
    kept = Counter()

    def walk(tokens):
        for token in tokens:
            if token.type in ("code_inline", "math_inline", "math_block", "fence", "code_block"):
                kept[(token.type, token.content.strip())] += 1
            if token.type == "link_open":
                kept[("link", token.attrGet("href"))] += 1
            if token.type == "image":
                kept[("image", token.attrGet("src"))] += 1
            walk(token.children or [])

    walk(parser().parse(markdown))
    return kept


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_translation_keeps_code_spans_math_and_links(chapter, language):
    english, translated = read(release_path(chapter)), read(edition_path(chapter, language))
    for index, (mine, theirs) in enumerate(zip(english.cells, translated.cells)):
        if mine.cell_type == "markdown":
            assert _markup(mine.source) == _markup(theirs.source), f"{chapter} cell {index}"


def test_markup_comparison_notices_a_lost_code_span():
    assert _markup("Call `x.view(2, 1)` on $x_i$.") != _markup("调用 x.view(2, 1)，作用于 $x_i$。")


# ---------------------------------------------------------------- the edition


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_translated_release_is_in_sync(chapter, language):
    """notebooks/<lang>/ is what `make release` builds from notebooks/ (whose own sync
    test_chapters checks) and the catalogues, byte for byte."""
    fresh, missing = translated_notebook(read(release_path(chapter)), REPO, chapter, language)
    assert not missing, f"{len(missing)} block(s) without a translation, first: {missing[0][:80]!r}"
    import nbformat

    assert edition_path(chapter, language).read_text() == nbformat.writes(fresh) + "\n", (
        f"notebooks/{language}/ is out of date: run `make release`")
    assert sorted(p.name for p in release_path(chapter).parent.iterdir()) == sorted(
        p.name for p in edition_path(chapter, language).parent.iterdir())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_editions_differ_in_prose_and_teaching_comments_only(chapter, language):
    """Answer and check cells, grade ids, points, metadata and outputs are the English edition's, byte
    for byte; a lesson cell may differ in its comments only (the same Python tokens, comments
    dropped), and every teaching comment is translated."""
    english, translated = read(release_path(chapter)), read(edition_path(chapter, language))
    assert i18n.notebook_language(translated) == language and i18n.notebook_language(english) == "en"
    assert [(c.cell_type, c.id) for c in english.cells] == [(c.cell_type, c.id) for c in translated.cells]
    changed = 0
    for mine, theirs in zip(english.cells, translated.cells):
        assert mine.metadata == theirs.metadata, f"{chapter} {mine.id}: metadata differ"
        if mine.cell_type != "code":
            changed += mine.source != theirs.source
        elif is_lesson_cell(mine):
            assert (mine.outputs, mine.execution_count) == (theirs.outputs, theirs.execution_count)
            assert code_tokens(mine.source) == code_tokens(theirs.source), f"{chapter} {mine.id}: code differs"
            left = set(comment_texts(mine.source)) & set(comment_texts(theirs.source))
            assert not left, f"{chapter} {mine.id}: comments left in English: {left}"
        else:
            assert mine == theirs, f"{chapter} {mine.id}: an answer or check cell differs between editions"
    assert changed == sum(c.cell_type == "markdown" for c in english.cells), "a markdown cell left in English"


def test_code_comparison_ignores_comments_and_notices_a_changed_token():
    english = "x = torch.ones(2)  # a new tensor\n# keep it\ny = x.t()\n"
    assert code_tokens(english) == code_tokens("x = torch.ones(2)  # 一个新张量\n# 保留它\n# 两行\ny = x.t()\n")
    assert code_tokens(english) != code_tokens("x = torch.ones(3)  # a new tensor\n# keep it\ny = x.t()\n")
    assert code_tokens(english) != code_tokens("x = torch.ones(2)  # a new tensor\n# keep it\ny = x.t_()\n")


def test_teaching_comments_are_translated_in_place_and_names_stay():
    source = ("class Net(nn.Module):\n    def forward(self, x):\n        # keep the batch dimension,\n"
              "        # flatten the rest\n        x = x.flatten(1)   # N x 400\n        return x  # the result\n")
    assert comment_texts(source) == ["keep the batch dimension,\nflatten the rest", "the result"]
    out, missing = translate_comments(source, {"keep the batch dimension,\nflatten the rest": "保留批次维度，展平其余维度"}.get)
    assert missing == ["the result"]
    assert out.splitlines()[2:5] == ["        # 保留批次维度，展平其余维度", "        x = x.flatten(1)   # N x 400",
                                     "        return x  # the result"]
    assert code_tokens(out) == code_tokens(source)


def test_an_english_edit_marks_its_translation_fuzzy_and_the_edition_falls_back(tmp_path):
    """One command (`make translations`) after an English edit: the changed paragraph's entry turns
    fuzzy (its old English kept for the translator), a new paragraph is untranslated, and the
    edition shows both in English until they are translated."""
    chapter = CHAPTERS[0]
    language = LANGUAGES[0]
    for part in ("solutions", "autograder/locale"):
        shutil.copytree(REPO / part, tmp_path / part, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    script = chapter_notebook(tmp_path / "solutions" / chapter).with_suffix(".py")
    text = script.read_text()
    old = "# `torch.rand` fills a tensor with numbers drawn uniformly from [0, 1)."
    assert old in text
    script.write_text(text.replace(old, "# `torch.rand` fills a tensor with numbers drawn uniformly from the interval [0, 1).")
                      .replace("# ## 1. Creating tensors\n", "# ## 1. Creating tensors\n#\n# A brand new paragraph.\n"))
    report = {s.path.name: s for s in update_catalogues(tmp_path)}
    assert (report[f"{chapter}.po"].fuzzy, report[f"{chapter}.po"].untranslated) == (1, 1)
    path = chapter_catalogue_path(tmp_path, chapter, language)
    fuzzy = [m for m in read_catalogue(path, language) if m.id and m.fuzzy]
    assert len(fuzzy) == 1 and "the interval [0, 1)" in fuzzy[0].id
    assert fuzzy[0].string, "the old translation is kept for the translator to revise"
    assert re.search(r"#\| msgid .*drawn uniformly from \[0, 1\)", path.read_text()), "no previous English"
    assert all(s.fuzzy == s.untranslated == 0 for name, s in report.items() if name != f"{chapter}.po")

    edited = read(release_path(chapter))
    for cell in edited.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("`torch.rand`"):
            cell.source = cell.source.replace("from [0, 1)", "from the interval [0, 1)")
    nb, missing = translated_notebook(edited, tmp_path, chapter, language)
    assert len(missing) == 1 and "the interval [0, 1)" in missing[0]
    assert any("the interval [0, 1)" in c.source for c in nb.cells if c.cell_type == "markdown")


def test_markdown_blocks_join_back_and_leave_code_and_math_alone():
    markdown = "# Title\n\nSome `code` here.\n\n```python\nx = 1\n```\n\n$$\na^2\n$$\n\n- one\n- two\n"
    pieces = blocks(markdown)
    assert "".join(text for text, _ in pieces) == markdown
    assert [text for text, prose in pieces if prose] == ["# Title", "Some `code` here.", "- one\n- two"]
    out, missing = translate_markdown(markdown, {"# Title": "# 标题"}.get)
    assert out.startswith("# 标题\n\nSome `code` here.") and "x = 1" in out and len(missing) == 2


# ---------------------------------------------------------------- checks in the learner's language


def test_notebook_language_comes_from_its_metadata():
    assert i18n.notebook_language({"metadata": {"lang": "zh"}}) == "zh"
    assert i18n.notebook_language({"metadata": {"lang": "zh-Hans"}}) == "zh"
    assert i18n.notebook_language({"metadata": {}}) == "en"
    assert i18n.notebook_language({"metadata": {"lang": ["not", "a", "code"]}}) == "en"
    assert i18n.notebook_language({"metadata": "malformed"}) == "en"


@pytest.mark.parametrize("edition", ["zh", "en"])
def test_a_kernel_answers_in_its_notebooks_language_with_no_setup(tmp_path, edition):
    """What JupyterLab does: start the kernel in the notebook's folder with JPY_SESSION_NAME set;
    the checks then speak the notebook's language, their own sentences included."""
    chapter = CHAPTERS[0]
    notebook = edition_path(chapter, edition) if edition != "en" else release_path(chapter)
    code = ("import torch\nfrom autograder import check_tensor, check_that\n"
            "x = torch.zeros(3, 5)\n"
            "for check in (lambda: check_tensor('x', shape=(5, 3)),\n"
            "              lambda: check_that('x', lambda v: False, 'must return a Python float.')):\n"
            "    try:\n        check()\n    except AssertionError as failure:\n        print(failure)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=notebook.parent, capture_output=True, text=True,
                          env={**__import__("os").environ, "JPY_SESSION_NAME": str(notebook)}, timeout=120)
    assert done.returncode == 0, done.stderr
    with i18n.speaking(edition):
        expected = [message("label_incorrect"), message("shape", name="x", found="(3, 5)", expected="(5, 3)"),
                    i18n.translate_check_text("must return a Python float.")]
    assert all(text in done.stdout for text in expected), done.stdout
    if edition == "zh":
        assert "不正确" in done.stdout and "必须返回 Python float" in done.stdout


def test_progress_cell_of_the_translated_edition_is_translated():
    nb = json.loads(edition_path(CHAPTERS[0], "zh").read_text())
    with i18n.speaking("zh"):
        title = message("progress_title")
    assert any(f"## {title}" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


# ---------------------------------------------------------------- make lab for each edition


def _lab_settings(*args):
    """The root folder `make lab` would open and the LANG its recipe runs with, given make ``args``."""
    import os

    rule = 'probe:\n\t@printf "%s\\n" $(LAB_FLAGS) | sed -n "s/^--ServerApp.root_dir=//p"; printf "%s\\n" "$$LANG"\n'
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "EDITION"))}
    env["LANG"] = "en_US.UTF-8"
    done = subprocess.run(["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "probe", *args],
                          input=rule, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_make_lab_opens_the_edition_asked_for_and_keeps_a_valid_locale():
    assert _lab_settings() == ["notebooks", "en_US.UTF-8"]
    assert _lab_settings("EDITION=zh") == ["notebooks/zh", "en_US.UTF-8"]
    assert _lab_settings("LANG=zh") == ["notebooks/zh", "C.UTF-8"]      # "zh" is no locale
    assert _lab_settings("LANG=de_DE.UTF-8") == ["notebooks", "de_DE.UTF-8"]
    assert (REPO / _lab_settings("EDITION=zh")[0] / CHAPTERS[0]).is_dir()


def test_make_lab_refuses_an_edition_the_course_does_not_have():
    done = subprocess.run(["make", "-n", "lab", "EDITION=fr"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "EDITION=fr is not an edition" in done.stderr


def test_check_sentences_are_extracted_from_check_cells_and_library_cases():
    from autograder.authoring.catalogues import _sentences

    source = ('HINT = "clear old gradients first."\n'
              'cases = [Case((m,), 1.0, problem="does not train.", hint=HINT)]\n'
              'check_that("f", lambda f: True, "must return a float.", summary=f"{n} calls")\n')
    assert sorted(_sentences(source)) == ["clear old gradients first.", "does not train.", "must return a float.",
                                          "{n} calls"]


def test_a_check_sentence_written_as_an_f_string_is_translated_with_its_values():
    english = "after {} call(s) of train_step its weights differ from {} correct SGD step(s)."
    with i18n.speaking("zh"):
        shown = i18n.translate_check_text(english.format(2, 2))
        mismatched = i18n.translate_check_text(english.format(2, 3))   # {call + 1} twice: one value
    assert "train_step" in shown and "2" in shown and "call(s)" not in shown, shown
    assert mismatched == english.format(2, 3)


# ---------------------------------------------------------------- the Chinese edition as an editor ships it


def _zh_markdown():
    """``[(chapter, cell source)]`` of every markdown cell of the Chinese edition, in course order."""
    return [(chapter, cell.source) for chapter in CHAPTERS for cell in read(edition_path(chapter, "zh")).cells
            if cell.cell_type == "markdown"]


def _wide(char):
    import unicodedata

    return unicodedata.east_asian_width(char) in ("W", "F")


def _soft_breaks_between_wide(markdown):
    """Soft line breaks that markdown renders as a space between two Chinese characters or marks."""
    found = []

    def walk(tokens):
        for before, token, after in zip([None, *tokens], tokens, [*tokens[1:], None]):
            if (token.type == "softbreak" and before is not None and after is not None
                    and before.content and after.content and _wide(before.content[-1]) and _wide(after.content[0])):
                found.append(before.content[-8:] + " " + after.content[:8])
            walk(token.children or [])

    walk(parser().parse(markdown))
    return found


def test_no_soft_line_break_between_chinese_characters():
    """A translator may wrap lines as the English does; the edition joins those that would show a space
    inside Chinese ("沿着这份记录 反向走一遍")."""
    found = [(chapter, text) for chapter, source in _zh_markdown() for text in _soft_breaks_between_wide(source)]
    assert not found, found[:10]


def test_soft_breaks_are_joined_only_between_wide_characters():
    from autograder.authoring.markdown_blocks import join_wide_lines

    text = "沿着这份记录\n反向走一遍，\n  继续。\n\n- 第一项\n- 第二项 `x`\n调用\n`backward`，英文\nword 之间"
    joined = join_wide_lines(text)
    assert joined == "沿着这份记录反向走一遍，继续。\n\n- 第一项\n- 第二项 `x`\n调用\n`backward`，英文\nword 之间"
    assert _soft_breaks_between_wide(text) and not _soft_breaks_between_wide(joined)


RENDERINGS = [   # (now, was): issue 23's corrections, as the Chinese edition shows them
    ("每一行中心化（减去行均值）", "让每一行居中"),
    ("调用结束后，调用者的 `x` 必须与传入时**完全相同**", "必须**原样**返回"),
    ("索引为 1 的列（第二列）的所有行", "第 1 列的所有行"),
    ("不修改任何传入的实参", "不修改任何参数"),
    ("批量归一化", "批次归一化"),
    ("批量归一化", "批归一化"),
    ("沿用原张量的 dtype 和设备", "跟随它的张量"),
    ("把张量画出来", "看见张量"),
    ("模型表现如何？", "它有多好？"),
]


@pytest.mark.parametrize("now, was", RENDERINGS)
def test_renderings_read_as_a_chinese_editor_would_write_them(now, was):
    text = "\n".join(source for _, source in _zh_markdown())
    assert now in text and was not in text


def test_autograd_is_introduced_with_its_other_name_and_the_seeds_name_for_jtv_is_given_once():
    prose = [re.sub(r"\*\*|`[^`]*`", "", block) for _, source in _zh_markdown() for block, is_prose in blocks(source)
             if is_prose and not block.lstrip().startswith("#")]
    first = next(block for block in prose if "自动求导" in block)
    assert "自动求导（也称自动微分" in first, first
    with i18n.speaking("zh"):
        checks = [i18n.translate_check_text(t) for t in templates(REPO)["autograder/locale/{lang}/LC_MESSAGES/checks.po"]]
    everywhere = "\n".join(prose) + "\n".join(str(t) for t in checks)
    assert everywhere.count("雅可比向量积") == 1 and "向量-雅可比积" in everywhere


def test_the_glossary_catches_a_term_rendered_otherwise():
    """The terms issue 23 added are in the glossary, and a translation that strays from one is caught."""
    glossary = dict(read_glossary(REPO, "zh"))
    for term, translation in [("batch normalisation", "批量归一化"), ("forward pass", "前向传播"),
                              ("backward pass", "反向传播"), ("kernels", "卷积核"), ("stride", "步长"),
                              ("contiguous", "连续"), ("checkpoint", "检查点"),
                              ("vector-Jacobian product", "向量-雅可比积")]:
        assert glossary.get(term) == translation, term
    from babel.messages.catalog import Message

    strays = [Message("layers such as batch normalisation", "批归一化这样的层"),
              Message("the backward pass", "反向传递"), Message("3x3 kernels", "3x3 的核")]
    assert len(glossary_problems("zh", "example.po", strays)) == 3
    assert not glossary_problems("zh", "example.po", [Message("a batch normalisation layer", "批量归一化层"),
                                                       Message("since the kernel started", "自内核启动以来")])
