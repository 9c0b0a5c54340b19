"""Trusted judging (issue 10), piece by piece: records, probe requests, evidence, verdicts.

The reference kernel's recording and the learner kernel's probe run here
in-process on plain namespaces; the grading process's side (reading evidence,
judging, writing outputs) is the real code. The end-to-end runs are in
test_course_grading.py and test_redteam.py.
"""

import base64
import io
import pickle
from pathlib import Path

import nbformat
import pytest
import torch

from autograder import (Case, check_function, check_module, check_tensor, check_that, check_value, check_view,
                        hidden_seed)
from autograder.learner import checks, probe
from autograder.grading import reference, verdicts
from autograder.grading.scores import plain
from autograder.learner.evidence_codec import encode
from autograder.learner.judge import MalformedEvidence, judge
from autograder.learner.outcomes import correct_label

NONCE = "n" * 32


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setenv(checks.RECORD_ENV, "1")
    monkeypatch.setenv(checks.SECRET_ENV, "s3cret")
    checks.take_records()
    yield checks.take_records
    checks.take_records()


def _probe_outputs(records, namespace, monkeypatch, *, nonce=NONCE):
    """Run the learner-side probe on ``namespace``; return the cell's outputs as nbclient keeps them."""
    published = []
    monkeypatch.setattr("IPython.display.publish_display_data", lambda data, **_: published.append(data))
    monkeypatch.setattr(probe, "_namespace", lambda: namespace)
    probe.receive(nonce, reference.probe_request(records))
    probe.run_pending(nonce)
    return [nbformat.v4.new_output("display_data", data=data) for data in published]


def _cell(outputs):
    cell = nbformat.v4.new_code_cell("probe", metadata={"nbgrader": {"grade": True, "grade_id": "g"}})
    cell.outputs = outputs
    return cell


def test_request_for_the_learner_kernel_holds_no_expected_values(recording):
    secret = torch.tensor([7.0, 11.0, 13.0])
    check_tensor("x", secret, namespace={"x": secret})
    check_value("n", 4321, namespace={"n": 4321})
    check_function("f", [((torch.ones(2),), secret)], namespace={"f": lambda t: secret})
    records = recording()
    request = pickle.loads(base64.b64decode(reference.probe_request(records)))
    assert [set(p) for p in request["probes"]] == [{"check", "name"}, {"check", "name"},
                                                   {"check", "name", "inputs", "states"}]
    blob = pickle.dumps(request)
    assert pickle.dumps(4321) not in blob and secret.numpy().tobytes() not in blob
    assert pickle.loads(request["probes"][2]["inputs"])[0][0][0].tolist() == [1.0, 1.0]   # inputs do travel


def test_hidden_seed_depends_on_the_secret_only_when_recording(monkeypatch, recording):
    assert hidden_seed(21) != 21 and hidden_seed(21) == hidden_seed(21)
    monkeypatch.setenv(checks.SECRET_ENV, "other")
    other = hidden_seed(21)
    monkeypatch.delenv(checks.RECORD_ENV)
    assert hidden_seed(21) == 21 and other != 21


def test_learner_evidence_judged_in_the_grader_gives_the_in_kernel_verdicts(recording, monkeypatch, capsys):
    good = {"zeros": torch.zeros(2, 2, dtype=torch.long), "f": lambda a, b: a + b, "k": 3}
    check_tensor("zeros", shape=(2, 2), dtype=torch.long, fill=0, namespace=good)
    check_function("f", [((torch.ones(2), torch.ones(2)), torch.full((2,), 2.0))], namespace=good)
    check_that("k", lambda k: k > 2, "is too small.", namespace=good)
    records = recording()
    source = ('check_tensor("zeros", shape=(2, 2), dtype=torch.long, fill=0)\n'
              'check_function("f", [((torch.ones(2), torch.ones(2)), torch.full((2,), 2.0))])\n'
              'check_that("k", lambda k: k > 2, "is too small.")\n')
    calls, defs = reference.check_calls(source)
    records[2]["probe"]["predicate"], records[2]["probe"]["defs"] = reference._predicate_source(calls[2], defs, source)
    capsys.readouterr()

    passed = verdicts.judge_cell(records, verdicts.read_evidence(_cell(_probe_outputs(records, good, monkeypatch)),
                                                                 NONCE, 3))
    text = passed[0][0].text          # the label marked as in JupyterLab (white on green), in feedback too
    assert text.startswith(correct_label() + ": ")
    text = plain(text)
    assert passed[1] and text.count("Correct") == 1 and text.startswith("Correct: zeros: ") and "; k: " in text

    wrong = {"zeros": torch.zeros(2, 2), "f": lambda a, b: a - b, "k": 3}
    outputs, ok, _ = verdicts.judge_cell(records, verdicts.read_evidence(
        _cell(_probe_outputs(records, wrong, monkeypatch)), NONCE, 3))
    assert not ok and outputs[-1].ename == "Incorrect" and "dtype torch.float32" in outputs[-1].evalue

    outputs, ok, _ = verdicts.judge_cell(records, verdicts.read_evidence(
        _cell(_probe_outputs(records, {"k": 1}, monkeypatch)), NONCE, 3))
    assert not ok and outputs[-1].ename == "NotAttempted"


def test_a_rule_that_calls_the_cells_own_functions_is_judged_without_the_cell(recording, monkeypatch):
    """The learner's kernel never runs the check cell: a rule (a hidden lambda included) gets the visible
    functions it calls, through one another, and a helper from the hidden part is refused."""
    source = ('def square(x):\n    return x * x\n\n\n'
              'def squares_right(f, n=3):\n    return all(f(i) == square(i) for i in range(n))\n\n\n'
              'check_that("sq", squares_right, "does not square.")\n'
              '### BEGIN HIDDEN TESTS\n'
              'check_that("sq", lambda f: squares_right(f, n=hidden_seed(5) % 7 + 5), "fails for more.", hidden=True)\n'
              '### END HIDDEN TESTS\n')
    scope = {"check_that": check_that, "hidden_seed": hidden_seed, "sq": lambda x: x * x}
    exec(source, scope)   # the reference kernel runs the cell as written
    records = recording()
    calls, defs = reference.check_calls(source)
    for call, record in zip(calls, records):
        record["probe"]["predicate"], record["probe"]["defs"] = reference._predicate_source(call, defs, source)
    assert [len(r["probe"]["defs"]) for r in records] == [2, 2]

    learner = {"sq": lambda x: x ** 2, "hidden_seed": hidden_seed}   # no square, no squares_right
    outputs, ok, _ = verdicts.judge_cell(records, verdicts.read_evidence(
        _cell(_probe_outputs(records, learner, monkeypatch)), NONCE, 2))
    assert ok, outputs
    outputs, ok, _ = verdicts.judge_cell(records, verdicts.read_evidence(
        _cell(_probe_outputs(records, {"sq": lambda x: x + x}, monkeypatch)), NONCE, 2))
    assert not ok and "does not square" in outputs[-1].evalue

    hidden_helper = source.replace("check_that(\"sq\", squares_right", "check_that(\"sq\", lambda f: cube(f)")
    hidden_helper = hidden_helper.replace("### END HIDDEN TESTS", "def cube(f):\n    return f(2) == 8\n### END HIDDEN TESTS")
    calls, defs = reference.check_calls(hidden_helper)
    with pytest.raises(reference.ReferenceFailed, match="cube, defined in the hidden tests"):
        reference._predicate_source(calls[0], defs, hidden_helper)


def test_stateful_cases_and_after_states_are_judged(recording, monkeypatch):
    def step(model, lr):
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad

    def ascent(model, lr):
        with torch.no_grad():
            for p in model.parameters():
                p += lr * p.grad

    torch.manual_seed(0)
    net = torch.nn.Linear(2, 1)
    net(torch.ones(3, 2)).sum().backward()
    want = [(p - 0.5 * p.grad).detach() for p in net.parameters()]
    check_function("step", [Case((net, 0.5), None, after={0: want}, problem="moved the wrong way.")],
                   check_mutation=False, namespace={"step": step})
    records = recording()
    assert pickle.loads(records[0]["probe"]["inputs"])[0][0][0].weight.grad is not None  # .grad survives

    def verdict(function):
        outputs = _probe_outputs(records, {"step": function}, monkeypatch)
        return verdicts.judge_cell(records, verdicts.read_evidence(_cell(outputs), NONCE, 1))

    assert verdict(step)[1]
    outputs, ok, _ = verdict(ascent)
    assert not ok and "moved the wrong way" in outputs[-1].evalue


def _verdict(records, namespace, monkeypatch):
    """The grader's verdict on one check cell, from the evidence of a probe run on ``namespace``."""
    outputs = _probe_outputs(records, namespace, monkeypatch)
    return verdicts.judge_cell(records, verdicts.read_evidence(_cell(outputs), NONCE, len(records)))


def test_a_view_is_judged_by_the_grader_from_the_values_the_source_pattern_shows(recording, monkeypatch):
    table = torch.arange(12).view(3, 4)
    check_view("column", "was not taken from table by indexing.", of="table",
               namespace={"table": table, "column": table[:, 1:2]})
    check_view("pairs", "returns a copy.", args=(table,), namespace={"pairs": lambda t: t.view(-1, 2)})
    records = recording()
    assert records[0]["spec"]["expected"] is not None               # the reference run's values, kept by the grader
    assert all("expected" not in r["probe"] for r in records)

    fresh = torch.arange(12).view(3, 4)
    passed = _verdict(records, {"table": fresh, "column": fresh[:, 1:2], "pairs": lambda t: t.view(-1, 2)},
                      monkeypatch)
    assert passed[1], passed[0]
    assert fresh.tolist() == torch.arange(12).view(3, 4).tolist()   # the source is restored after probing

    copied = {"table": fresh, "column": fresh[:, 1:2].clone(), "pairs": lambda t: t.view(-1, 2)}
    outputs, ok, _ = _verdict(records, copied, monkeypatch)
    assert not ok and "was not taken from table by indexing" in outputs[-1].evalue

    big = torch.zeros(12, dtype=torch.long)                          # table rebound to memory the copy shares
    big[:3] = fresh[:, 1]
    rebound = {"table": big.view(3, 4), "column": big[:3].view(3, 1), "pairs": lambda t: t.view(-1, 2)}
    outputs, ok, _ = _verdict(records, rebound, monkeypatch)
    assert not ok and "was not taken from table by indexing" in outputs[-1].evalue

    outputs, ok, _ = _verdict(records, {**copied, "column": fresh[:, 1:2], "pairs": lambda t: t.reshape(-1, 2).clone()},
                              monkeypatch)
    assert not ok and "returns a copy." in outputs[-1].evalue


def test_argument_unchanged_is_judged_by_the_grader_from_the_states_after_the_call(recording, monkeypatch):
    check_function("f", [((torch.tensor([1.0, 2.0]),), torch.tensor([2.0, 4.0]))], namespace={"f": lambda x: x * 2})
    records = recording()
    assert records[0]["probe"]["states"] and records[0]["spec"]["cases"][0]["inputs"][0] is not None
    assert _verdict(records, {"f": lambda x: x * 2}, monkeypatch)[1]
    outputs, ok, _ = _verdict(records, {"f": lambda x: x.mul_(2)}, monkeypatch)
    assert not ok and "changed its argument #1 in place" in outputs[-1].evalue and "underscore" in outputs[-1].evalue

    record = encode({"nonce": NONCE, "request": probe.request_digest(reference.probe_request(records)),
                     "evidence": [{"defined": True, "callable": True, "cases": [{
                         "result": {"kind": "tensor", "plain": True, "type": "Tensor", "shape": [2],
                                    "dtype": "torch.float32", "device": "cpu", "requires_grad": False,
                                    "is_leaf": True, "grad_fn": None, "values": torch.tensor([2.0, 4.0])},
                         "raised": None, "not_implemented": False, "after": None}]}]})
    no_states = nbformat.v4.new_output("display_data", data={probe.EVIDENCE_MIME: base64.b64encode(record).decode()})
    outputs, ok, malformed = verdicts.judge_cell(records, verdicts.read_evidence(_cell([no_states]), NONCE, 1))
    assert not ok and "argument states" in malformed             # no report of the arguments: no points


@pytest.mark.parametrize("tamper, why", [
    (lambda outputs: [], "no evidence"),
    (lambda outputs: outputs + outputs, "2 evidence outputs"),
    (lambda outputs: [nbformat.v4.new_output("display_data", data={probe.EVIDENCE_MIME: "not base64!"})],
     "unreadable evidence"),
])
def test_missing_duplicated_or_garbled_evidence_earns_nothing(recording, monkeypatch, tamper, why):
    check_value("n", 1, namespace={"n": 1})
    records = recording()
    outputs = tamper(_probe_outputs(records, {"n": 1}, monkeypatch))
    with pytest.raises(verdicts.NoEvidence, match=why):
        verdicts.read_evidence(_cell(outputs), NONCE, 1)


def test_evidence_of_another_run_earns_nothing(recording, monkeypatch):
    check_value("n", 1, namespace={"n": 1})
    records = recording()
    outputs = _probe_outputs(records, {"n": 1}, monkeypatch, nonce="m" * 32)
    with pytest.raises(verdicts.NoEvidence, match="nonce"):
        verdicts.read_evidence(_cell(outputs), NONCE, 1)


def test_evidence_is_read_without_unpickling_objects():
    class Evil:
        def __reduce__(self):
            return (print, ("BREACH",))

    buffer = io.BytesIO()
    torch.save({"nonce": NONCE, "evidence": [Evil()]}, buffer)
    forged = nbformat.v4.new_output("display_data",
                                    data={probe.EVIDENCE_MIME: base64.b64encode(buffer.getvalue()).decode()})
    with pytest.raises(verdicts.NoEvidence, match="not in the evidence format") as raised:
        verdicts.read_evidence(_cell([forged]), NONCE, 1)
    assert raised.value.forged


@pytest.mark.parametrize("evidence", [
    {"defined": True, "facts": {"kind": "tensor", "plain": True}},                       # fields missing
    {"defined": True, "facts": {"kind": "tensor", "plain": True, "type": "Tensor", "shape": [2], "dtype": "torch.int64",
                                "device": "cpu", "requires_grad": False, "is_leaf": True, "grad_fn": None,
                                "values": torch.zeros(3, dtype=torch.long)}},            # values do not fit the shape
    {"defined": True, "facts": {"kind": "alien"}},
])
def test_malformed_facts_never_pass(evidence):
    spec = {"check": "tensor", "name": "x", "expected": None, "shape": (2,), "dtype": "torch.int64", "device": None,
            "requires_grad": None, "grad_fn": checks.UNSET, "fill": 0, "hidden": False, "quiet": False}
    with pytest.raises(MalformedEvidence):
        judge(spec, evidence)


def test_module_checks_read_the_class_methods_not_instance_attributes():
    net = torch.nn.Linear(3, 2)
    net.parameters = lambda: iter([torch.nn.Parameter(torch.zeros(1370))])
    with pytest.raises(AssertionError, match="8 trainable parameters"):
        check_module("net", n_params=1370, namespace={"net": net})


def test_checks_in_loops_are_refused_when_recording():
    template = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("for _ in range(2):\n    check_value('n', 1)\n",
                                     metadata={"nbgrader": {"grade": True, "grade_id": "g", "solution": False}})
    template.cells = [cell]
    executed = nbformat.from_dict(template)
    buffer = io.BytesIO()
    torch.save([{"spec": {"check": "value"}, "probe": {"check": "value", "name": "n"}}] * 2, buffer)
    executed.cells[0].outputs = [nbformat.v4.new_output(
        "display_data", data={probe.REFERENCE_MIME: base64.b64encode(buffer.getvalue()).decode()})]
    with pytest.raises(reference.ReferenceFailed, match="top-level"):
        reference.collect(executed, template, "ch")


def test_reference_cache_key_changes_with_the_secret_and_the_solution(tmp_path):
    from autograder.grading.course import find_chapters

    chapter = find_chapters(Path(__file__).resolve().parent.parent)[0]
    data = Path(__file__).resolve().parent.parent / "data"
    key = reference.cache_key(chapter, "a", data)
    assert key == reference.cache_key(chapter, "a", data) != reference.cache_key(chapter, "b", data)
    ref = reference.Reference(chapter.name, {"g": [{"spec": {"check": "value"}, "probe": {"name": "n"}}]}, 1.5)
    reference.save_cached(tmp_path, ref, key)
    assert reference.load_cached(tmp_path, chapter.name, key).cells == ref.cells
    assert reference.load_cached(tmp_path, chapter.name, "other") is None
    (tmp_path / f"{chapter.name}-{key}.pt").write_bytes(b"damaged")
    assert reference.load_cached(tmp_path, chapter.name, key) is None


def test_evidence_must_answer_the_request_that_was_sent(recording, monkeypatch):
    check_value("n", 1, namespace={"n": 1})
    records = recording()
    outputs = _probe_outputs(records, {"n": 1}, monkeypatch)
    sent = reference.probe_request(records)
    assert verdicts.read_evidence(_cell(outputs), NONCE, 1, sent)
    with pytest.raises(verdicts.NoEvidence, match="probes the grader sent"):
        verdicts.read_evidence(_cell(outputs), NONCE, 1, reference.probe_request(records * 2))


def test_only_forged_or_malformed_evidence_flags_the_submission(recording, monkeypatch):
    check_value("n", 1, namespace={"n": 1})
    records = recording()
    ref = reference.Reference("ch", {"g": records})
    template = nbformat.v4.new_notebook(cells=[_cell([])])

    def verdict(outputs, **kwargs):
        nb = nbformat.v4.new_notebook(cells=[_cell(outputs)])
        [cell_verdict] = verdicts.apply(nb, template, ref, NONCE, **kwargs)
        return cell_verdict

    honest = _probe_outputs(records, {"n": 1}, monkeypatch)
    assert verdict(honest).passed and not verdict(honest).tampered
    wrong = verdict(_probe_outputs(records, {"n": 2}, monkeypatch))
    assert not wrong.passed and not wrong.tampered
    assert not verdict([]).tampered                                     # a probe that never reported
    assert not verdict(honest, not_run={0: "timeout"}).tampered          # stopped before the check
    forged = verdict(_probe_outputs(records, {"n": 1}, monkeypatch, nonce="m" * 32))
    assert not forged.passed and forged.tampered and "nonce" in forged.reason

    record = encode({"nonce": NONCE, "request": probe.request_digest(ref.request("g")),
                     "evidence": [{"defined": True, "facts": {"kind": "alien"}}]})
    garbled = nbformat.v4.new_output("display_data", data={probe.EVIDENCE_MIME: base64.b64encode(record).decode()})
    malformed = verdict([garbled])
    assert not malformed.passed and malformed.tampered and "malformed" in malformed.reason


def test_an_answer_cell_that_raised_is_told_apart_from_an_untouched_stub():
    """Issue 21.6 in the grader: the error of an answer cell's run, on one line; none for the stub."""
    def cell(*outputs):
        return nbformat.v4.new_code_cell("x = (1", outputs=list(outputs))

    error = nbformat.v4.new_output
    assert verdicts.answer_error(cell(error("error", ename="SyntaxError", evalue="incomplete input (3781.py, line 2)",
                                            traceback=[]))) == "SyntaxError: incomplete input (line 2)"
    assert verdicts.answer_error(cell(error("error", ename="NameError", evalue="name 'true' is not defined",
                                            traceback=[]))) == "NameError: name 'true' is not defined"
    assert verdicts.answer_error(cell(error("error", ename="NotImplementedError", evalue="", traceback=[]))) is None
    assert verdicts.answer_error(cell(error("error", ename="CellTimeout", evalue="interrupted", traceback=[]))) is None
    assert verdicts.answer_error(cell(error("stream", name="stdout", text="ok\n"))) is None
