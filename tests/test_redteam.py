"""Red-team suite (issue 6): attack submissions graded side by side with honest ones.

One ``grade()`` run over the released starter with one attack each
(tests/fixtures/redteam/attacks.py) plus two honest submissions. Every attack
must be stopped or flagged, the honest submissions keep their exact grades,
and the grader finishes. Limits are small so the run stays short and a failing
defence cannot hurt the machine.
"""

import copy
import hashlib
import json
import os
import pwd
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.grading import interference, sandbox
from autograder.grading.pipeline import grade
from autograder.authoring.notebooks import without_outputs

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "redteam"))
import evidence_attacks  # noqa: E402,F401 - registers issue 21's attacks on the evidence channel and the caps
from attacks import with_attack as _with_attack  # noqa: E402
from attacks import ATTACKS  # noqa: E402
from needs import need_namespaces  # noqa: E402

pytestmark = pytest.mark.slow

CHAPTER, TOPIC = "01_tensors", "tensors"
# Without namespaces (rlimits mode) these would really touch the grader's files and network:
# they are not graded there, their tests skip (fail under CI where the machine itself lacks namespaces),
# and protections() says those defences are off.
# Nor would stall-background and stall-forkbomb be stopped (protections() says so): without a PID
# namespace a process that calls setsid outlives its kernel (its sleepers would run on for 10 minutes),
# and without a user namespace the process cap is the grader user's, with room for its other kernels.
NEEDS_NAMESPACES = {"write-gradebook", "read-solutions", "leak-plant", "leak-look", "network",
                    "stall-background", "stall-forkbomb"}
ALL_ATTACKS = dict(ATTACKS)
if sandbox.mode() == "rlimits":
    ATTACKS = {k: v for k, v in ATTACKS.items() if k not in NEEDS_NAMESPACES}
LIMITS = sandbox.Limits(cell_timeout_s=10, submission_timeout_s=45, memory_bytes=3 * 1024**3,
                        output_bytes=1024**2, max_processes=64)


def _hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _sandbox_uids():
    return {e.pw_uid for e in pwd.getpwall() if e.pw_name.startswith("course-sbx-")}


def _processes(tag, uids):
    """Processes of this run: the attack's tagged sleepers, and sandbox-user processes whose
    grading scratch folder is gone (other grading runs on the machine may use the same users)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            uid = int((entry / "status").read_text().split("Uid:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
        scratch = [w for w in cmdline.split() if w.startswith("/tmp/grade-")]
        ours = uid in uids and (not scratch or not Path(scratch[0]).parent.exists())
        if tag in cmdline or ours:
            found.append((entry.name, uid, cmdline[:80]))
    return found


class _Listener:
    """A TCP port on the grader's loopback that no kernel may reach."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def run(repo, tmp_path_factory):
    base = tmp_path_factory.mktemp("redteam")
    subs, out = base / "submitted", base / "out"
    starter = nbformat.read(repo / "notebooks" / CHAPTER / f"{TOPIC}.ipynb", as_version=4)
    solution = without_outputs(nbformat.read(repo / "solutions" / CHAPTER / f"{TOPIC}.ipynb", as_version=4))
    tag = "rt" + uuid.uuid4().hex[:10]
    listener = _Listener()
    victim = subs / "honest-pass-solution" / CHAPTER / f"{TOPIC}.ipynb"
    values = {
        "gradebook": str(out / "gradebook.db"), "out_dir": str(out), "victim": str(victim),
        "package": str(repo / "autograder"), "marker": str(base / f"{tag}-host-marker"),
        "solution": str(repo / "solutions" / CHAPTER / f"{TOPIC}.py"),
        "solutions_dir": str(repo / "solutions"), "submissions": str(subs), "tag": tag,
        "port": listener.port,
    }
    slow = copy.deepcopy(solution)    # an honest learner whose own extra cell runs past the cell limit
    slow.cells.insert(next(i for i, c in enumerate(slow.cells) if c.metadata.get("nbgrader", {}).get("grade")) + 1,
                      nbformat.v4.new_code_cell(f"import time\ntime.sleep({LIMITS.cell_timeout_s + 20})"))
    notebooks = {"honest-pass-solution": solution, "honest-fail-starter": starter, "honest-timeout-slow-cell": slow}
    for name, (code, _expect, where) in ATTACKS.items():
        notebooks[f"attack-{name}"] = _with_attack(starter, code.format(**values), where)
    for learner, nb in notebooks.items():
        path = subs / learner / CHAPTER / f"{TOPIC}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    hashes = {p: _hash(p) for p in (victim, repo / "autograder" / "__init__.py",
                                    repo / "solutions" / CHAPTER / f"{TOPIC}.py")}
    os.environ["REDTEAM_SECRET"] = "do-not-leak"
    try:
        report = grade(repo, subs, out_dir=out, jobs=2, chapters=[CHAPTER], limits=LIMITS, progress=False)
    finally:
        os.environ.pop("REDTEAM_SECRET", None)
        listener.close()
    yield {"report": report, "out": out, "values": values, "hashes": hashes, "listener": listener,
           "tag": tag, "base": base}


def _row(run, learner):
    return run["report"].row(learner, CHAPTER)


def _outputs(run, learner):
    path = run["out"] / "autograded" / learner / CHAPTER / f"{TOPIC}.ipynb"
    if not path.exists():
        return ""
    texts = []
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):  # printed text only: tracebacks quote the attack's source
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            texts.append("".join(text) if isinstance(text, list) else str(text))
    return "\n".join(texts)


def test_grader_finishes_with_a_row_for_every_submission(run):
    learners = {r.learner for r in run["report"].rows}
    assert learners == {"honest-pass-solution", "honest-fail-starter", "honest-timeout-slow-cell",
                        *(f"attack-{a}" for a in ATTACKS)}


def test_honest_submissions_keep_their_exact_grades(run):
    good, starter = _row(run, "honest-pass-solution"), _row(run, "honest-fail-starter")
    assert (good.status, starter.status) == ("graded", "graded"), (good.reasons, starter.reasons)
    assert good.max_score > 0 and good.score == good.max_score, good.reasons
    assert starter.score == 0


def test_an_honest_cell_past_its_time_limit_costs_nothing_else(run):
    row = _row(run, "honest-timeout-slow-cell")
    assert row.status == "timeout" and "interrupted" in row.reasons[0], row.reasons
    assert row.score == row.max_score, row.reasons


def test_no_hidden_test_reaches_the_learners_kernel(run):
    text = _outputs(run, "attack-leak-print-in")
    assert "BEGIN HIDDEN" not in text and "hidden=True" not in text and "check_tensor(" not in text
    assert "run_pending" in text


@pytest.mark.parametrize("name", sorted(ALL_ATTACKS))
def test_attack_is_stopped_or_flagged(run, name):
    if name not in ATTACKS:
        need_namespaces(f"the {name} attack would really reach the grader's files, network or processes")
    row = _row(run, f"attack-{name}")
    expect = ATTACKS[name][1]
    assert row.score <= _row(run, "honest-fail-starter").score
    assert row.score in (0, None), (row.status, row.reasons)
    assert "BREACH" not in _outputs(run, f"attack-{name}")
    flagged = interference.scan_source(ATTACKS[name][0].format(**run["values"]))
    if flagged:   # interference goes to a person, whatever else happened
        assert row.status == "review" and "flagged for review" in row.reasons[0], row.reasons
    elif expect == "tampered":
        assert row.status == "tampered", row.reasons
    elif expect in ("crashed", "timeout"):
        assert row.status == expect, row.reasons
    elif expect == "stopped":
        assert row.status in ("graded", "tampered"), row.reasons
    elif isinstance(expect, tuple):      # the statuses allowed
        assert row.status in expect, (row.status, row.reasons)
    assert expect != "review" or flagged


# What one submission may leave behind, whatever its kernel sent (issue 21.2); the class's files grow
# only by a bounded amount per learner and exercise.
STORED_NOTEBOOK_BYTES = 3 * 1024**2
FEEDBACK_BYTES = 4 * 1024**2
SCORES_BYTES_PER_ROW = 1024
REPORT_BYTES = 2 * 1024**2


def test_every_file_one_submission_leaves_is_under_its_cap(run):
    out = run["out"]
    for learner in {r.learner for r in run["report"].rows}:
        for folder, cap in (("autograded", STORED_NOTEBOOK_BYTES), ("feedback", FEEDBACK_BYTES)):
            for path in (out / folder / learner).rglob("*"):
                assert not path.is_file() or path.stat().st_size <= cap, (path, path.stat().st_size)
    rows = (out / "scores.csv").read_text().count("\n")
    assert (out / "scores.csv").stat().st_size <= rows * SCORES_BYTES_PER_ROW
    assert (out / "report.html").stat().st_size <= REPORT_BYTES
    assert (out / "grading-status.json").stat().st_size <= len(run["report"].rows) * 40 * 600


def test_what_a_kernel_sends_is_cut_with_a_note_not_stored_whole(run):
    from autograder.learner.probe import EVIDENCE_MIME

    for learner in ("attack-bounds-error-text-11mb", "attack-bounds-evidence-mime-45mb", "attack-bounds-every-mime-type"):
        stored = json.loads((run["out"] / "autograded" / learner / CHAPTER / f"{TOPIC}.ipynb").read_text())
        assert not [o for c in stored["cells"] for o in c.get("outputs", []) if EVIDENCE_MIME in o.get("data", {})]
        assert "outputs cut to the caps" in " ".join(_row(run, learner).reasons)
    assert "more characters]" in (run["out"] / "autograded" / "attack-bounds-error-text-11mb" / CHAPTER
                                  / f"{TOPIC}.ipynb").read_text()
    flooded = [line for line in (run["out"] / "scores.csv").read_text().splitlines() if "records-at-the-limits" in line]
    assert flooded and all(len(line) <= SCORES_BYTES_PER_ROW for line in flooded)
    assert any("more characters]" in line for line in flooded)


def test_nothing_outside_the_scratch_folder_changed(run):
    for path, digest in run["hashes"].items():
        assert _hash(path) == digest, path
    out = run["out"]
    assert not Path(run["values"]["marker"]).exists()
    assert not (out / "planted.txt").exists()
    assert not (out / "feedback" / "honest-pass-solution" / "x").exists()


def test_flagged_submissions_are_listed_with_reasons(run):
    status = json.loads((run["out"] / "grading-status.json").read_text())
    for name, (_code, expect, _where) in ATTACKS.items():
        if expect == "tampered":
            entry = status[f"attack-{name}"][CHAPTER]
            assert entry["status"] == "tampered" and entry["reasons"], entry


def test_no_kernel_reached_the_graders_loopback(run):
    need_namespaces("without a network namespace a kernel can reach the grader's loopback")
    assert run["listener"].accepted == 0


def test_nothing_of_a_kernel_survives_it(run):
    uids = _sandbox_uids() if sandbox.mode() == "root" else set()
    for _ in range(50):  # SIGKILLed processes take a moment to be gone
        left = _processes(run["tag"], uids)
        if not left:
            break
        time.sleep(0.1)
    assert left == []


def test_grader_reports_the_protections_in_force(run):
    on = {name: flag for name, flag, _detail in run["report"].protections}
    assert on["isolation mode"] and on["trusted judging"]
    assert on["network namespace"] == (sandbox.mode() != "rlimits")   # said off exactly where it is off


def test_a_flagged_submission_shows_each_line_and_its_kernel_only_points_wait_for_a_person(run):
    """The probe replaced through sys.modules: its per_example check passed on forged rule evidence."""
    from nbgrader.api import Gradebook

    learner = "attack-interfere-replace-probe-rule"
    row = _row(run, learner)
    assert row.status == "review" and any("sys.modules" in r for r in row.reasons), row.reasons
    with Gradebook(f"sqlite:///{run['out'] / 'gradebook.db'}") as gb:
        grade = gb.find_grade("tensors-size-elements-check", TOPIC, CHAPTER, learner)
        assert (grade.auto_score, grade.needs_manual_grade) == (None, True)
        honest = gb.find_grade("tensors-size-elements-check", TOPIC, CHAPTER, "honest-pass-solution")
        assert honest.auto_score == 1 and not honest.needs_manual_grade
    feedback = (run["out"] / "feedback" / learner / CHAPTER / f"{TOPIC}.html").read_text()
    assert 'id="review"' in feedback and "sys.modules" in feedback
    assert "waits for review" in feedback
    scores = (run["out"] / "scores.csv").read_text()
    assert f"{learner},{CHAPTER},tensors-size-elements-check" in scores
    report = (run["out"] / "report.html").read_text()
    first = report.index("<tbody>", report.index('class="flagged"'))
    first_row = report[first:report.index("</tr>", first)]
    assert ">review<" in first_row, first_row


def test_the_graders_deliveries_never_reach_the_graded_notebook_or_feedback(run):
    import re

    learner = "attack-interfere-print-deliveries"
    texts = _outputs(run, learner)
    feedback = (run["out"] / "feedback" / learner / CHAPTER / f"{TOPIC}.html").read_text()
    assert "LEAK" in texts and interference.REDACTED in texts   # it tried, and the grader hid it
    assert not re.search(r"[A-Za-z0-9+/=]{200}", texts)       # no request
    for text in (texts, feedback):
        assert not re.search(r"receive\(\W*[0-9a-f]{32}", text)   # no nonce


def test_a_torch_function_mode_while_probing_is_reported(run):
    row = _row(run, "attack-interfere-function-mode")
    assert any("mode was active while probing" in r for r in row.reasons), row.reasons


def test_a_forged_fact_that_the_grader_judges_from_values_earns_nothing_even_before_review(run):
    """Issue 21.4: "is a view" is judged from values, so a forged view fact fails outright; "argument
    unchanged" is judged from states the kernel reports about inputs it holds, so a forged report
    passes the values and its points wait for a person."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{run['out'] / 'gradebook.db'}") as gb:
        view = gb.find_grade("tensors-view-infer-check", TOPIC, CHAPTER, "attack-interfere-forge-view-fact")
        assert (view.auto_score, view.needs_manual_grade) == (0, False)
        unchanged = gb.find_grade("tensors-scaled-sum-check", TOPIC, CHAPTER, "attack-interfere-forge-unchanged")
        assert (unchanged.auto_score, unchanged.needs_manual_grade) == (None, True)
        rebound = gb.find_grade("tensors-index-column-check", TOPIC, CHAPTER, "attack-interfere-rebind-compared-name")
        assert rebound.auto_score == 0
