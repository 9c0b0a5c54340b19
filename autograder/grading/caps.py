"""Caps on everything the grader keeps or shows of a submission: outputs, error text, messages.

A kernel decides what its cells output, whatever the MIME type, and what its errors say. So
every output of every cell is capped as it arrives (:func:`bounded_message`, per output) and
again before a graded notebook is stored (:func:`cap_notebook`, per output and per notebook);
the grader's own channels (evidence, reference records) are never stored. A message shown in
feedback, ``scores.csv``, ``report.html`` or the status file is cut to :data:`MESSAGE_CHARS`
with a note (:func:`cut`). Class-wide files then stay small whatever one submission does.
"""

import nbformat

from ..learner.evidence_codec import LIMITS
from ..learner.probe import EVIDENCE_MIME, REFERENCE_MIME

MESSAGE_CHARS = 500                 # one message or reason in scores.csv, report.html, the status file
VERDICT_CHARS = 2000                # one field of a check cell's verdict output (feedback)
MAX_REASONS = 40                    # reasons kept per submission
OUTPUT_CHARS = 256 * 1024           # one field of one output (a stream's text, an image, an error's text)
NOTEBOOK_OUTPUT_CHARS = 2 * 1024**2   # all outputs of one stored notebook together
GRADER_MIMES = (EVIDENCE_MIME, REFERENCE_MIME)   # the grader's channels: read, never stored
EVIDENCE_CHARS = LIMITS.max_bytes * 4 // 3 + 4   # one evidence output: the decoder's limit, in base64
EVIDENCE_OVERSIZE = "!oversize "   # what an evidence output over its cap becomes (see verdicts.read_evidence)
ENAME_CHARS = 200


def cut(text, limit=MESSAGE_CHARS):
    """``text`` if it fits in ``limit`` characters, else its start and a note saying how much was cut."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]} [... cut: {len(text) - limit} more characters]"


def _size(value):
    if isinstance(value, list):
        return sum(len(str(v)) for v in value)
    return len(str(value)) if value is not None else 0


def _cut_field(value, limit):
    if isinstance(value, list):
        value = "".join(str(v) for v in value)
    return cut(value, limit)


def _cut_traceback(lines, limit):
    if not isinstance(lines, list):
        return [cut(lines, limit)]
    kept, used = [], 0
    for line in lines:
        line = str(line)
        if used + len(line) > limit:
            kept.append(cut(line, max(0, limit - used)))
            break
        kept.append(line)
        used += len(line)
    return kept


def cap_output(output, limit=OUTPUT_CHARS, *, evidence_limit=None):
    """``output`` (an output dict or a message's content) with every field within ``limit`` characters.

    Text is cut with a note; data that cannot be cut (an image, an unknown type) is replaced by a
    ``text/plain`` note. Evidence is kept up to ``evidence_limit`` (None: dropped, as in a stored
    notebook), over it replaced by a marker that the grader reads as oversized evidence."""
    for key, most in (("text", limit), ("evalue", limit), ("ename", min(limit, ENAME_CHARS))):
        if key in output and _size(output[key]) > most:
            output[key] = _cut_field(output[key], most)
    if "traceback" in output and _size(output["traceback"]) > limit:
        output["traceback"] = _cut_traceback(output["traceback"], limit)
    data = output.get("data")
    if isinstance(data, dict):
        for mime in list(data):
            size = _size(data[mime])
            if mime in GRADER_MIMES:
                if evidence_limit is None:
                    del data[mime]
                elif size > evidence_limit:
                    data[mime] = f"{EVIDENCE_OVERSIZE}{size}"
            elif size > limit:
                if mime.startswith("text/") and mime != "text/html":
                    data[mime] = _cut_field(data[mime], limit)
                else:
                    del data[mime]
                    data["text/plain"] = f"[{mime} output of {size} characters not kept: over {limit}]"
    return output


def output_size(output):
    """Characters of an output's text fields and data."""
    size = sum(_size(output.get(k)) for k in ("text", "evalue", "ename", "traceback"))
    data = output.get("data")
    return size + (sum(_size(v) for v in data.values()) if isinstance(data, dict) else 0)


def cap_reasons(reasons):
    """A submission's reasons, each cut to :data:`MESSAGE_CHARS`, at most :data:`MAX_REASONS` of them."""
    kept = [cut(r) for r in reasons[:MAX_REASONS]]
    if len(reasons) > MAX_REASONS:
        kept.append(f"[... {len(reasons) - MAX_REASONS} more reasons cut]")
    return kept


def cap_notebook(nb, *, keep, total=NOTEBOOK_OUTPUT_CHARS, each=OUTPUT_CHARS, kept_each=VERDICT_CHARS):
    """Cap ``nb``'s outputs in place before it is stored; returns the number of outputs changed.

    Cells for which ``keep(cell)`` is true (the grader's verdicts) are cut to ``kept_each`` per field
    but never dropped; the others' outputs past ``total`` characters are replaced by one note per cell."""
    used, changed = 0, 0
    for cell in nb.cells:
        outputs = cell.get("outputs")
        if not outputs:
            continue
        capped = []
        for output in outputs:
            before = output_size(output)
            cap_output(output, kept_each if keep(cell) else each)
            after = output_size(output)
            changed += after != before
            if not keep(cell) and used + after > total:
                changed += 1
                capped.append(nbformat.v4.new_output(
                    "stream", name="stderr", text=f"[outputs not kept: this notebook's outputs passed {total} characters]\n"))
                break
            used += after
            capped.append(output)
        cell.outputs = capped
    return changed
