"""Verdicts in the grading process: the learner's evidence against the reference's specs.

For each check cell of an executed submission: find the one evidence output
that its probe call published, read it with the bounded evidence decoder
(:mod:`autograder.learner.evidence_codec`: no recursion, fixed limits),
judge every check with :func:`autograder.learner.judge.judge`, and replace the cell's
outputs with the verdict (a confirming line, or an error output that nbgrader
scores 0) and its source with the template's. A cell earns points only on
positive evidence: missing, duplicated, oversized or malformed evidence, or a
probe that did not run, gives an error output and a reason.
"""

import base64
import binascii
from dataclasses import dataclass, field

import nbformat

from ..learner.evidence_codec import LIMITS, EvidenceRejected, decode
from ..learner.judge import MalformedEvidence, format_correct, judge
from ..learner.messages import message
from ..learner.outcomes import CheckFailed, Incorrect
from ..learner.session import error_line
from ..learner.probe import EVIDENCE_MIME, request_digest
from ..cells import grade_id, is_check_cell, is_solution
from .caps import EVIDENCE_OVERSIZE

MAX_EVIDENCE_BYTES = LIMITS.max_bytes


class NoEvidence(Exception):
    """The check cell did not report (usable) evidence.

    ``forged`` marks evidence that an honest run cannot produce (another run's nonce)."""

    def __init__(self, reason, *, forged=False):
        super().__init__(reason)
        self.forged = forged


@dataclass
class CellVerdict:
    grade_id: str
    passed: bool
    reason: str = ""                 # why no points, for the status file
    outputs: list = field(default_factory=list)
    tampered: bool = False           # forged or malformed evidence: the submission is flagged


def _error(ename, evalue, traceback=None):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback or [f"{ename}: {evalue}"])


def read_evidence(cell, nonce, count, request=None):
    """The list of ``count`` evidence dicts this cell's probe published, or raise NoEvidence.

    With ``request`` (what was sent), the evidence must say it answered exactly that. Evidence
    past any limit of the decoder is forged: no honest probe sends it."""
    found = [o for o in cell.get("outputs", [])
             if o.get("output_type") in ("display_data", "execute_result") and EVIDENCE_MIME in o.get("data", {})]
    if not found:
        errors = [f"{o.get('ename')}: {o.get('evalue')}"[:300] for o in cell.get("outputs", [])
                  if o.get("output_type") == "error"]
        raise NoEvidence("no evidence" + (f" (the probe raised {errors[0]})"[:200] if errors else ""))
    if len(found) > 1:
        raise NoEvidence(f"{len(found)} evidence outputs where the probe publishes one")
    text = found[0]["data"][EVIDENCE_MIME]
    if not isinstance(text, str) or len(text) > MAX_EVIDENCE_BYTES * 4 // 3 + 4 or text.startswith(EVIDENCE_OVERSIZE):
        raise NoEvidence("evidence too large or not text", forged=True)
    try:
        data = decode(base64.b64decode(text, validate=True))
    except binascii.Error:
        raise NoEvidence("unreadable evidence (not base64)") from None
    except EvidenceRejected as error:
        raise NoEvidence(f"evidence rejected: {str(error)[:120]}", forged=True) from None
    if not isinstance(data, dict) or data.get("nonce") != nonce:
        raise NoEvidence("evidence not produced by this run's probe (wrong or missing nonce)", forged=True)
    if data.get("modes"):   # interference: a mode could change what the evidence code read
        raise NoEvidence(f"a torch function or dispatch mode was active while probing ({data['modes']!r:.100})",
                         forged=True)
    if request is not None and data.get("request") != request_digest(request):
        raise NoEvidence("evidence does not answer the probes the grader sent")
    evidence = data.get("evidence")
    if not isinstance(evidence, list) or len(evidence) != count:
        raise NoEvidence("evidence does not answer every probe")
    return evidence


def judge_cell(records, evidence):
    """Judge one cell's checks in order, as the cell would in-kernel.

    Returns (outputs, passed, reason); a reason is only given for malformed evidence."""
    parts = []
    for record, answer in zip(records, evidence):
        try:
            part = judge(record["spec"], answer)
        except CheckFailed as failure:   # one verdict per cell: the first failure, no "Correct" before it
            return [_error(type(failure).__name__, str(failure), failure._render_traceback_())], False, ""
        except MalformedEvidence as error:
            return [_error("MalformedEvidence", f"malformed evidence: {error}")], False, f"malformed evidence: {error}"
        if part:
            parts.append(part)
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=format_correct(parts, styled=True) + "\n")] if parts else []
    return outputs, True, ""


def answer_error(cell):
    """The error an answer cell's run ended in, on one line ("SyntaxError: ... (line 2)"), or None when
    it ran, still holds its stub (a bare NotImplementedError: not attempted) or ran past its time limit."""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
        if ename == "CellTimeout" or (ename == "NotImplementedError" and not evalue):
            return None
        return error_line(ename, evalue)
    return None


def _answer_failed(records, gid, error):
    """The verdict of a check whose answer cell failed: it says so, as it does in JupyterLab."""
    name = records[0]["spec"]["name"].split(".")[0] if records else gid
    failure = Incorrect(message("answer_failed", name=name, error=error))
    return [_error(type(failure).__name__, str(failure), failure._render_traceback_())]


def apply(nb, template, reference, nonce, *, not_run=None):
    """Judge every check cell of executed ``nb`` in place; return the CellVerdicts.

    ``not_run`` maps a cell index to the reason it never ran (a timeout or crash). A failing check
    whose answer cell (since the previous check) raised says that, with the error, as in JupyterLab.
    """
    sources = {grade_id(c): c.source for c in template.cells if is_check_cell(c)}
    verdicts = []
    failed_answer = None
    for index, cell in enumerate(nb.cells):
        if not is_check_cell(cell):
            if is_solution(cell):
                failed_answer = failed_answer or answer_error(cell)
            continue
        gid = grade_id(cell)
        records = reference.cells.get(gid, [])
        cell.source = sources.get(gid, cell.source)
        if not_run and index in not_run:
            verdict = CellVerdict(gid, False, not_run[index], [_error("NotRun", f"not run: {not_run[index]}")])
        else:
            try:
                evidence = read_evidence(cell, nonce, len(records), reference.request(gid) if records else None)
            except NoEvidence as error:
                verdict = CellVerdict(gid, False, f"{gid}: {error}", [_error("NoEvidence", str(error))],
                                      tampered=error.forged)
            else:
                outputs, passed, malformed = judge_cell(records, evidence)
                if failed_answer and not passed and not malformed:
                    outputs = _answer_failed(records, gid, failed_answer)
                verdict = CellVerdict(gid, passed, malformed and f"{gid}: {malformed}", outputs,
                                      tampered=bool(malformed))
        failed_answer = None
        cell.outputs = verdict.outputs
        verdicts.append(verdict)
    return verdicts
