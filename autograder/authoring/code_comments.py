"""Teaching comments in lesson code cells: the units a translator translates, and putting them back.

A lesson cell (a code cell that is neither an answer nor a check) may explain itself in comments;
an edition shows them in its language and changes nothing else: the code's tokens, answer cells
and check cells stay the English edition's own. A comment is one unit: a run of whole-line
comments at one indentation (one text, its lines joined by newlines), or a comment after code.
Comments without an English word (``# MSELoss``, ``# 16 x 4 x 4``) are not prose and stay as they are.
"""

import io
import re
import tokenize

CONTEXT = "code comment"   # the catalogue's msgctxt for comments: a comment may repeat a paragraph's words
_PROSE = re.compile(r"\b[a-z]{3,}\b")


def is_lesson_cell(cell):
    """A code cell that nbgrader does not grade, lock or replace: its comments may be translated."""
    return cell.get("cell_type") == "code" and not (cell.get("metadata", {}).get("nbgrader") or {})


def _units(source):
    """``[(first line index, last line index, column, text, trailing)]``: the comments of ``source``,
    whole-line runs merged; [] when it is not Python that ``tokenize`` reads (a magic, a syntax error)."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    lines = source.splitlines()
    units = []
    for token in tokens:
        row, column = token.start[0] - 1, token.start[1]
        text = token.string[1:].removeprefix(" ").rstrip()
        trailing = bool(lines[row][:column].strip())
        last = units[-1] if units else None
        if (not trailing and last and not last[4] and last[1] == row - 1 and last[2] == column):
            units[-1] = (last[0], row, column, f"{last[3]}\n{text}", False)
        else:
            units.append((row, row, column, text, trailing))
    return units


def comment_texts(source):
    """The English comments of a cell's ``source`` a translator translates, in order."""
    return [text for *_, text, _ in _units(source) if _PROSE.search(text)]


def translate_comments(source, lookup):
    """``source`` with every prose comment replaced by ``lookup(text)`` (None keeps the English).

    Returns ``(translated, missing)``. A whole-line comment may become more or fewer lines; a
    comment after code stays on its line."""
    lines = source.splitlines(keepends=True)
    missing = []
    for first, last, column, text, trailing in reversed(_units(source)):
        if not _PROSE.search(text):
            continue
        translated = lookup(text)
        if translated is None:
            missing.append(text)
            continue
        ending = "\n" if lines[last].endswith("\n") else ""
        if trailing:
            line = lines[first].rstrip("\n")
            lines[first] = line[:column] + "# " + " ".join(translated.split("\n")) + ending
        else:
            indent = lines[first][:column]
            new = [f"{indent}# {part}".rstrip() + "\n" for part in translated.split("\n")]
            new[-1] = new[-1].rstrip("\n") + ending
            lines[first:last + 1] = new
    return "".join(lines), list(reversed(missing))


def code_tokens(source):
    """The tokens of ``source`` without its comments: what must not differ between editions."""
    skip = (tokenize.COMMENT, tokenize.NL)
    return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]
