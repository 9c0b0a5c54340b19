"""What a message must not contain, as functions the message tests share (not a test module).

Each returns the offending pieces of a text (empty when it is clean), so a failure names them.
"""

import io
import re
import tokenize
import unicodedata

# Words a Chinese message may keep in Latin letters besides the code it names: proper names and
# PyTorch's own terms that Chinese PyTorch texts write in English.
ALLOWED_WORDS = {"Python", "PyTorch", "NumPy", "CPU", "GPU", "CUDA", "JupyterLab", "Jupyter", "UTC", "SGD",
                 "dtype", "float", "int", "str", "bool", "set", "list", "tuple", "dict",
                 "pickle", "Debian", "Ubuntu",
                 "nan", "inf"}   # a float value as PyTorch prints it ("the value there is nan")
_CODE_CHARS = re.compile(r"[._()\[\]=<>/#'\"0-9{}*+\-@%:,!?`…^|\\]")
_TOKEN = re.compile(r"[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")   # a run of non-space, non-CJK characters
_ERROR_TEXT = re.compile(r"\b[A-Z]\w*(Error|Exception|Warning|Interrupt)\b:.*?(?=。\s*$|。\s*\n|$)", re.M)


def wide(char):
    return unicodedata.east_asian_width(char) in ("W", "F")


def code_names(source):
    """Every name (identifier) and string constant's words in a piece of Python: the code a message may name."""
    names = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME:
                names.add(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        names.update(re.findall(r"[A-Za-z_]\w*", source))
    return names


def english_words(text, names=()):
    """The English words of ``text`` outside code: backticked spans, tokens that look like code
    (``zeros_long(5,``, ``torch.float32``, ``'h'``), learners' own error texts ("RuntimeError: ..."),
    names of the chapter's code (``names``) and the allowed words do not count."""
    text = _ERROR_TEXT.sub(" ", re.sub(r"`[^`]*`", " ", text))
    found = []
    for token in _TOKEN.findall(text):
        if _CODE_CHARS.search(token):
            continue
        for word in re.findall(r"[A-Za-z]+", token):
            if word not in names and word not in ALLOWED_WORDS and (len(word) > 1 or word in "aAI"):
                found.append(word)
    return found


def halfwidth_punctuation_after_chinese(text):
    """``: `` or ``; `` (or a bare ``:``/``;``) right after a Chinese character: Chinese writes ：and ；."""
    return [text[max(0, m.start() - 6):m.end() + 6] for m in re.finditer(r"[:;]", text)
            if m.start() > 0 and wide(text[m.start() - 1])]


def spaced_particle(text):
    """A space between a Chinese character and 的 ("的结果 的 dtype")."""
    return [text[max(0, m.start() - 6):m.end() + 4] for m in re.finditer(r" 的", text)
            if m.start() > 0 and wide(text[m.start() - 1])]


def object_dumps(text, labels):
    """A default repr with an address (``<... object at 0x...>``), or a multi-line repr: every line of a
    message starts with one of ``labels`` ("Incorrect: ", "Hint: ", ...)."""
    found = [m.group(0) for m in re.finditer(r"<[^<>]* object at 0x[0-9a-fA-F]+>|object at 0x[0-9a-fA-F]+", text)]
    found += [line for line in text.splitlines() if line.strip() and not line.startswith(tuple(labels))]
    return found
