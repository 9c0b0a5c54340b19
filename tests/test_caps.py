"""Caps on what the grader keeps and shows (issue 21.2): every output, whatever its MIME type, and every message."""

import nbformat
import pytest

from autograder.grading import caps
from autograder.grading.scores import cell_verdicts
from autograder.learner.probe import EVIDENCE_MIME, REFERENCE_MIME

BIG = 50_000
new_output = nbformat.v4.new_output


def test_a_long_message_is_cut_with_a_note_and_a_short_one_is_kept():
    assert caps.cut("short") == "short"
    long = "x" * 1200
    cut = caps.cut(long)
    assert cut.startswith("x" * caps.MESSAGE_CHARS) and "cut: 700 more characters" in cut
    assert len(cut) < caps.MESSAGE_CHARS + 60


@pytest.mark.parametrize("output", [
    new_output("stream", name="stdout", text="s" * BIG),
    new_output("error", ename="E" * BIG, evalue="v" * BIG, traceback=["t" * 100] * 1000),
    new_output("display_data", data={"text/plain": "p" * BIG}),
    new_output("display_data", data={"text/html": "<b>" * BIG}),
    new_output("display_data", data={"image/png": "iVBO" * BIG}),
    new_output("display_data", data={"application/json": {"k": "j" * BIG}}),
    new_output("execute_result", data={"text/markdown": "m" * BIG}, execution_count=1),
    new_output("display_data", data={"application/x-anything": "a" * BIG}),
    new_output("display_data", data={EVIDENCE_MIME: "e" * BIG, REFERENCE_MIME: "r" * BIG}),
], ids=lambda o: o["output_type"] + ":" + ",".join(o.get("data", {"-": 0})))
def test_every_kind_of_output_is_capped_whatever_its_mime_type(output):
    limit = 10_000
    caps.cap_output(output, limit)
    for key in ("text", "evalue", "ename"):
        assert caps._size(output.get(key)) <= limit + 60
    assert caps._size(output.get("traceback")) <= limit + 60
    for mime, value in output.get("data", {}).items():
        assert caps._size(value) <= limit + 60, mime
    assert EVIDENCE_MIME not in output.get("data", {}) and REFERENCE_MIME not in output.get("data", {})


def test_evidence_over_its_cap_becomes_a_marker_the_grader_rejects():
    from autograder.grading import verdicts

    output = new_output("display_data", data={EVIDENCE_MIME: "A" * 100})
    caps.cap_output(output, 10_000, evidence_limit=50)
    assert output["data"][EVIDENCE_MIME].startswith(caps.EVIDENCE_OVERSIZE)
    with pytest.raises(verdicts.NoEvidence, match="too large") as raised:
        verdicts.read_evidence(nbformat.v4.new_code_cell(outputs=[output]), "n", 1)
    assert raised.value.forged


def test_a_stored_notebook_keeps_its_verdicts_and_drops_what_passes_its_total():
    check = nbformat.v4.new_code_cell(metadata={"nbgrader": {"grade": True, "grade_id": "g-check", "points": 1}},
                                      outputs=[new_output("error", ename="Incorrect", evalue="Incorrect: " + "w" * BIG,
                                                          traceback=["w" * BIG])])
    cells = [nbformat.v4.new_code_cell(outputs=[new_output("stream", name="stdout", text="o" * 9000)])
             for _ in range(5)]
    nb = nbformat.v4.new_notebook(cells=[*cells, check])
    assert caps.cap_notebook(nb, keep=lambda c: c is check, total=20_000, each=10_000)
    sizes = [sum(caps.output_size(o) for o in c.outputs) for c in nb.cells]
    assert sum(sizes[:5]) <= 20_000 + 5 * 100
    assert "outputs not kept" in nb.cells[4].outputs[-1]["text"]
    [verdict] = check.outputs
    assert verdict["ename"] == "Incorrect" and caps._size(verdict["evalue"]) <= caps.VERDICT_CHARS + 60
    verdict_text = cell_verdicts(nb)["g-check"]
    assert verdict_text[0] == "incorrect" and len(verdict_text[1]) <= caps.MESSAGE_CHARS + 60
    nbformat.validate(nb)


def test_reasons_are_cut_and_counted():
    kept = caps.cap_reasons(["r" * 2000] * 100)
    assert len(kept) == caps.MAX_REASONS + 1 and "60 more reasons" in kept[-1]
    assert all(len(r) < caps.MESSAGE_CHARS + 60 for r in kept)
