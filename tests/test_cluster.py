"""Grading beyond one machine (issue 16): Dask workers and a PostgreSQL gradebook, with real parts.

A real ``dask scheduler`` and two ``dask worker`` processes (the venv's own commands,
loopback only) grade a small sample class (one chapter: the solution, wrong answers,
a corrupt file); the grades must be those of a local run. A worker
killed in the middle of a task costs nothing; a task that keeps killing its workers
ends ``crashed``; a worker killed with SIGKILL leaves no kernel behind; a worker that differs from
the grader is refused. The Dask run writes its gradebook to a throwaway PostgreSQL server, which
must read back like the local run's SQLite one (one run, not two: the gradebook is the grading
process's, wherever the kernels ran).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grading import cluster, sandbox
from autograder.grading.demo import build
from postgres import throwaway_postgres

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHAPTER = "01_tensors"
LEARNERS = ("ada", "cy", "eve")     # the solution, wrong answers, a corrupt file
EXECUTED = 2

pytestmark = pytest.mark.slow


def course(*args, **env):
    """``course`` as the user runs it (``env``: extra environment variables)."""
    return subprocess.run([str(BIN / "course"), *args], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", **env))


def grade_args(submitted, out, *extra):
    return ["grade", "--submissions", str(submitted), "--out", str(out), "--chapter", CHAPTER, "--jobs", "2",
            *extra]


def grades(out):
    return list(csv.DictReader((Path(out) / "grades.csv").open()))


def statuses(out):
    return json.loads((Path(out) / "grading-status.json").read_text())


def gradebook(db_url):
    """Everything the gradebook holds about the graded work, as plain data."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return sorted(
            (sub.student.id, assignment.name, sub.score, sub.max_score,
             sorted((g.name, g.auto_score, g.manual_score, g.max_score) for nb in sub.notebooks for g in nb.grades),
             sorted((c.name, c.auto_comment) for nb in sub.notebooks for c in nb.comments))
            for assignment in gb.assignments for sub in assignment.submissions)


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "submitted"
    build(REPO, folder, chapters=[CHAPTER])
    for learner in {p.name for p in folder.iterdir()} - set(LEARNERS):
        for path in sorted((folder / learner).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        (folder / learner).rmdir()
    return folder


@pytest.fixture(scope="module")
def local(submitted, tmp_path_factory):
    """The class graded on this machine, into SQLite: what every other run must match."""
    out = tmp_path_factory.mktemp("local")
    result = course(*grade_args(submitted, out))
    assert result.returncode == 0, result.stderr
    return out


class Cluster:
    """A scheduler and nanny-supervised single-threaded workers, started from the venv's ``dask``."""

    def __init__(self, folder):
        self.folder = folder
        # a task lost with 2 workers is given up (the default, 3, would make the lethal test slower)
        self.env = dict(os.environ, OMP_NUM_THREADS="1", DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")
        self.processes = []
        self.kernels = set()   # kernel jails of workers this test killed: ended at close, if any is left
        scheduler_file = folder / "scheduler.json"
        self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(scheduler_file))
        for _ in range(300):
            if scheduler_file.exists():
                break
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            self.add_worker()
        from distributed import Client

        self.client = Client(self.address, timeout=60, set_as_default=False)
        self.wait_for_workers(2)

    def _start(self, *args, env=None):
        log = open(self.folder / f"{len(self.processes)}-{args[0]}.log", "wb")
        process = subprocess.Popen([str(BIN / "dask"), *args], env=env or self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def add_worker(self, env=None):
        return self._start("worker", self.address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
                           env=env)

    def wait_for_workers(self, n, timeout=120):
        end = time.monotonic() + timeout
        while len(self.client.scheduler_info(n_workers=-1)["workers"]) != n:
            assert time.monotonic() < end, f"the cluster did not get back to {n} workers"
            time.sleep(0.2)

    def remember_kernels(self):
        """Note the workers' kernel jails, to end them at close should one outlive its worker."""
        import psutil

        for pid in self.client.run(os.getpid).values():
            self.kernels.update(p for p in psutil.Process(pid).children() if "jail.py" in " ".join(p.cmdline()))

    def stop(self, process):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def close(self):
        self.remember_kernels()   # a warm kernel still starting when its worker stops outlives it
        self.client.close()
        for process in reversed(self.processes):
            self.stop(process)
        for jail in self.kernels:
            try:
                jail.kill()
            except Exception:   # already gone
                pass


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    started = Cluster(tmp_path_factory.mktemp("dask"))
    yield started
    started.close()


def test_dask_workers_grade_like_local_into_postgres_and_a_worker_that_differs_is_refused(dask_cluster, local,
                                                                                          submitted, tmp_path):
    """One run proves two things against the local SQLite run: Dask workers grade like this machine, and a
    PostgreSQL gradebook reads back like SQLite (the gradebook is written by the grading process wherever
    the kernels ran); a manual score then goes to the same server."""
    from autograder.grading.pipeline import gradebook_url

    odd = None
    if sandbox.mode() != "rlimits":   # the differing worker is one in rlimits mode: here the grader already is
        odd = dask_cluster.add_worker(env=dict(dask_cluster.env, COURSE_SANDBOX_MODE="rlimits"))
        dask_cluster.wait_for_workers(3)
    with throwaway_postgres() as url:
        out = tmp_path / "out"
        try:
            result = course(*grade_args(submitted, out, "--scheduler", dask_cluster.address, "--db", url))
        finally:
            if odd is not None:
                dask_cluster.stop(odd)
                dask_cluster.wait_for_workers(2)
        assert result.returncode == 0, result.stderr
        if odd is not None:
            assert "refused: its sandbox mode differs (rlimits here" in result.stderr
        assert grades(out) == grades(local)
        assert gradebook(gradebook_url(url, out)) == gradebook(f"sqlite:///{local / 'gradebook.db'}")
        assert not (out / "gradebook.db").exists()
        workers = {row[CHAPTER].get("worker") for row in statuses(out).values() if row[CHAPTER]["status"] == "graded"}
        good = {cluster.worker_name(a) for a in dask_cluster.client.scheduler_info(n_workers=-1)["workers"]}
        assert len([w for w in workers if w]) and workers <= good, (workers, good)
        assert "graded on" in result.stdout and "Dask worker" in result.stdout
        report = (out / "report.html").read_text()
        assert "Executed on Dask workers" in report and all(w in report for w in workers if w)
        # a manual score goes to the same server, and the CSVs are rewritten from it
        row = next(r for r in csv.DictReader((out / "scores.csv").open()) if float(r["score"]) > 0)
        override = [row["learner"], row["chapter"], row["exercise"], "0", "--out", str(out)]
        assert course("override", *override).returncode == 2          # no gradebook.db in out
        result = course("override", *override, "--db", url)
        assert result.returncode == 0, result.stderr
        after = {(r["learner"], r["exercise"]): r for r in csv.DictReader((out / "scores.csv").open())}
        assert after[row["learner"], row["exercise"]]["verdict"] == "overridden"
        assert float(after[row["learner"], row["exercise"]]["score"]) == 0
        assert course("override", *override[:3], "auto", "--out", str(out), "--db", url).returncode == 0
    assert grades(out) == grades(local)
    assert {learner: {chapter: {k: v for k, v in row.items() if k != "worker"} for chapter, row in rows.items()}
            for learner, rows in statuses(out).items()} == statuses(local)
    assert sorted(p.relative_to(out) for p in (out / "feedback").rglob("*.html")) == \
        sorted(p.relative_to(local) for p in (local / "feedback").rglob("*.html"))


def test_a_worker_killed_mid_task_loses_and_doubles_nothing(dask_cluster, local, submitted, tmp_path):
    out = tmp_path / "out"
    grader = subprocess.Popen([str(BIN / "course"), *grade_args(submitted, out, "--scheduler", dask_cluster.address)],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    client = dask_cluster.client
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and grader.poll() is None and time.monotonic() < deadline:
        busy = client.run(lambda dask_worker: [ts.key for ts in dask_worker.state.executing])
        pids = client.run(os.getpid)
        for address, keys in busy.items():
            if any(str(k).startswith("run_task") for k in keys):
                time.sleep(1.0)   # well into the task: its kernel is running a notebook
                dask_cluster.remember_kernels()
                os.kill(pids[address], signal.SIGKILL)
                killed = address
                break
        time.sleep(0.2)
    stdout, stderr = grader.communicate(timeout=600)
    assert killed, "no task was seen running on a worker"
    assert grader.returncode == 0, stderr
    assert grades(out) == grades(local)
    assert sorted(statuses(out)) == sorted(LEARNERS)
    assert gradebook(f"sqlite:///{out / 'gradebook.db'}") == gradebook(f"sqlite:///{local / 'gradebook.db'}")
    assert len(gradebook(f"sqlite:///{out / 'gradebook.db'}")) == EXECUTED
    dask_cluster.wait_for_workers(2)   # the nanny brought it back


def _alive(process):
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_worker_killed_with_sigkill_leaves_no_kernel_behind(dask_cluster, submitted, tmp_path):
    import psutil

    grader = subprocess.Popen([str(BIN / "course"), *grade_args(submitted, tmp_path / "out", "--scheduler",
                                                                dask_cluster.address)],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    client = dask_cluster.client
    kernels = []
    deadline = time.monotonic() + 300
    while not kernels and grader.poll() is None and time.monotonic() < deadline:
        busy = client.run(lambda dask_worker: [ts.key for ts in dask_worker.state.executing])
        pids = client.run(os.getpid)
        for address, keys in busy.items():
            if any(str(k).startswith("run_task") for k in keys):
                worker = psutil.Process(pids[address])
                found = worker.children(recursive=True)   # its jails, bubblewrap, the kernels
                if any("ipykernel_launcher" in " ".join(p.cmdline()) for p in found if _alive(p)):
                    os.kill(worker.pid, signal.SIGKILL)
                    kernels = found
                    break
        time.sleep(0.2)
    assert kernels, "no kernel was seen running on a worker"
    end = time.monotonic() + 10
    while any(_alive(p) for p in kernels) and time.monotonic() < end:
        time.sleep(0.1)
    left = [(p.pid, " ".join(p.cmdline())[:80]) for p in kernels if _alive(p)]
    dask_cluster.kernels.update(p for p in kernels if _alive(p))   # ended at close if the test failed
    assert not left, f"still running 10 s after their worker was killed: {left}"
    _stdout, stderr = grader.communicate(timeout=600)
    assert grader.returncode == 0, stderr
    dask_cluster.wait_for_workers(2)   # the nanny brought it back


def test_a_task_that_keeps_killing_its_workers_ends_with_a_reason(dask_cluster):
    finished = []
    dask_cluster.remember_kernels()
    cluster.run_on_cluster(dask_cluster.client, {}, [("lethal", 1)], then=lambda item: [],
                           on_done=lambda item, outcome: finished.append((item, outcome)), task=os._exit)
    [(item, outcome)] = finished
    assert item == "lethal" and isinstance(outcome, RuntimeError)
    assert "allowed-failures" in str(outcome)
    dask_cluster.wait_for_workers(2)


def test_fingerprint_names_what_differs():
    mine = cluster.fingerprint(REPO)
    assert cluster.differences(mine, dict(mine)) == []
    theirs = dict(mine, lock="0" * 16, sandbox="rlimits" if mine["sandbox"] != "rlimits" else "root")
    found = cluster.differences(mine, theirs)
    assert any("requirements.lock" in f for f in found) and any("sandbox mode" in f for f in found)


def test_grade_says_when_no_scheduler_answers(submitted, tmp_path):
    result = course(*grade_args(submitted, tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9"),
                    DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s")
    assert result.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr


def test_grade_says_when_the_gradebook_server_cannot_be_reached(submitted, tmp_path):
    result = course(*grade_args(submitted, tmp_path / "out", "--db", "postgresql://grader:secret@127.0.0.1:9/course"))
    assert result.returncode == 2
    assert "cannot use the gradebook postgresql://grader:***@127.0.0.1:9/course" in result.stderr
    assert "secret" not in result.stderr


def test_formgrader_serves_the_gradebook_given_with_db(tmp_path):
    from autograder.grading.formgrader import server_command

    assert f"--CourseDirectory.db_url=sqlite:///{tmp_path.resolve() / 'gradebook.db'}" in server_command(tmp_path)
    command = server_command(tmp_path, db_url="postgresql://grader@db.example/course")
    assert "--CourseDirectory.db_url=postgresql+psycopg://grader@db.example/course" in command
