"""Markdown cut into blocks, the units a translator translates.

A block is a top-level markdown element (paragraph, heading, list, table): an edit to
one paragraph touches one catalogue entry. Code blocks and display math are not
prose; they are never extracted and never replaced.
"""

import re
import unicodedata

NOT_PROSE = {"fence", "code_block", "hr", "math_block", "math_block_label"}
_HAS_WORDS = re.compile(r"[A-Za-z]{2}")


def parser():
    """The course's markdown parser: CommonMark, tables, and ``$...$`` / ``$$...$$`` math."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    return MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)


def blocks(markdown):
    """``markdown`` cut into ``[(text, is_prose)]`` whose texts join back into it exactly.

    Each top-level block (paragraph, heading, list, table, code, math) is one
    piece, without its trailing newlines; what lies between blocks is a piece
    that is not prose.
    """
    lines = markdown.splitlines(keepends=True)
    pieces, position = [], 0

    def gap(text):
        if text:
            pieces.append((text, False))

    for token in parser().parse(markdown):
        if token.level != 0 or token.map is None or token.nesting < 0 or token.map[0] < position:
            continue
        start, end = token.map
        gap("".join(lines[position:start]))
        text = "".join(lines[start:end])
        body = text.rstrip("\n")
        pieces.append((body, token.type not in NOT_PROSE and bool(_HAS_WORDS.search(body))))
        gap(text[len(body):])
        position = end
    gap("".join(lines[position:]))
    return pieces


def prose_blocks(markdown):
    """The English texts of ``markdown`` a translator translates, in order."""
    return [text for text, prose in blocks(markdown) if prose]


def translate_markdown(markdown, lookup):
    """``markdown`` with every prose block replaced by ``lookup(text)`` (None keeps the English).

    Returns ``(translated, missing)``: the new text and the English blocks with no translation.
    """
    out, missing = [], []
    for text, prose in blocks(markdown):
        if prose:
            translated = lookup(text)
            if translated is None:
                missing.append(text)
            text = translated or text
        out.append(text)
    return "".join(out), missing


def _wide(char):
    return unicodedata.east_asian_width(char) in ("W", "F")


_LINE_BREAK = re.compile(r"(?<=(\S))\n[ \t]*(?=(\S))")


def join_wide_lines(text):
    """``text`` without the line breaks (and the next line's indentation) that fall between two wide
    characters: markdown shows such a soft break as a space, which Chinese does not write
    ("沿着这份记录 反向走一遍"). Breaks beside Latin text, code or markup stay."""
    return _LINE_BREAK.sub(lambda m: "" if _wide(m.group(1)) and _wide(m.group(2)) else m.group(0), text)
