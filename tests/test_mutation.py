"""Mutation testing of the exercises (issue 13): the engine itself.

`make test` runs ``python -m autograder.authoring.mutation solutions`` on every chapter; these
tests prove that the engine makes the changes it promises, that a weak check lets a
mutant survive where a strong one kills it, and that the report holds the line: no unlisted survivor.
"""

import nbformat

from autograder.authoring.mutation import Result, _run_one, _work, mutants, report


def _answer(code):
    return f"### BEGIN SOLUTION\n{code}\n### END SOLUTION"


def test_mutants_change_one_token_of_the_solution_only():
    cell = "def f(x):\n    ### BEGIN SOLUTION\n    x.add_(1)\n    return (x * 2).sum(dim=0).to(torch.long)\n    ### END SOLUTION"
    ids = [m.id for m in mutants("g", cell)]
    for kind in ("op Mult->Div", "number 2->3", "number 0->1", "name sum->mean", "name long->float",
                 "out-of-place add_->add", "drop statement x.add_(1)", "drop keyword dim="):
        assert any(kind in i for i in ids), (kind, ids)
    assert all(m.source.startswith("def f(x):\n    ### BEGIN SOLUTION\n") for m in mutants("g", cell))
    assert all(compile(m.source, "m", "exec") for m in mutants("g", cell))
    assert mutants("g", "x = 1  # no solution block") == []


def _chapter(tmp_path, check):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import torch\nfrom autograder import check_tensor\nx = torch.arange(4.0)"),
        nbformat.v4.new_code_cell(_answer("y = x * 2 + 1"), metadata={"nbgrader": {"solution": True, "grade_id": "g"}}),
        nbformat.v4.new_code_cell(check, metadata={"nbgrader": {"grade": True, "grade_id": "g-check"}}),
    ]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_weak_check_lets_mutants_survive_and_a_strong_one_kills_them(tmp_path):
    weak = _run_one(_chapter(tmp_path, 'check_tensor("y", shape=(4,))'))
    strong = _run_one(_chapter(tmp_path, 'check_tensor("y", torch.tensor([1.0, 3.0, 5.0, 7.0]))'))
    assert weak and {r.id for r in weak} == {r.id for r in strong}
    assert not any(r.killed for r in weak)
    assert all(r.killed and r.how == "check failed" for r in strong)


def test_shards_of_a_chapter_run_each_mutant_once_and_the_largest_chapters_start_first(tmp_path):
    path = _chapter(tmp_path, 'check_tensor("y", torch.tensor([1.0, 3.0, 5.0, 7.0]))')
    whole = sorted((r.id, r.how) for r in _run_one(path))
    shards = [_run_one(path, (k, 3)) for k in range(3)]
    assert all(shards) and sorted((r.id, r.how) for shard in shards for r in shard) == whole
    for name in ("01_small", "02_big"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"{name[3:]}.ipynb").write_bytes(path.read_bytes())
    items = [(f.name, shard) for f, shard in _work([tmp_path / "01_small", tmp_path / "02_big"], per_shard=len(whole) - 1)]
    assert items == [("02_big", (0, 2)), ("02_big", (1, 2)), ("01_small", (0, 2)), ("01_small", (1, 2))]


def test_report_fails_on_any_unlisted_survivor_and_keeps_the_list_of_equivalents_honest():
    results = {"ch": [Result("g", f"k{i}", True, "check failed", 0.1) for i in range(99)]
               + [Result("g", "b", False, "survived", 0.1)]}
    text, ok = report(results, {})
    assert not ok and "SURVIVED (kill it with a better check, or list it with its reason): b" in text
    assert "99/100 killed = 99.0%, 1 unlisted survivor(s)" in text   # one in a hundred is one too many
    text, ok = report(results, {"ch": {"g": {"b": "same values by construction"}}})
    assert ok and "equivalent: b: same values by construction" in text and "99/99 killed = 100.0%" in text
    _, ok = report(results, {"ch": {"g": {"b": "x", "k0": "wrongly listed"}}})
    assert not ok
    text, ok = report(results, {"ch": {"g": {"b": "x", "gone": "no longer generated"}}})
    assert not ok and "NOT GENERATED" in text
    slow = {"ch": [Result("g", "a", True, "check failed", 0.1), Result("g", "b", True, "timeout", 30.0)]}
    text, ok = report(slow, {"ch": {"g": {"b": "batches of one: slower, same model"}}})
    assert ok and "equivalent, past the time limit this run: b" in text   # an equivalent may be slower


def test_a_mutant_only_a_gpu_can_tell_is_equivalent_without_one_and_must_die_with_one():
    listed = {"ch": {"g": {"b": {"without_gpu": "on the CPU .to(device) returns the tensor itself"}}}}
    survived = {"ch": [Result("g", "b", False, "survived", 0.1)]}
    text, ok = report(survived, listed, gpu=False)
    assert ok and "equivalent: b: on the CPU .to(device) returns the tensor itself" in text
    text, ok = report(survived, listed, gpu=True)
    assert not ok and "SURVIVED" in text
    _, ok = report({"ch": [Result("g", "b", True, "raised", 0.1)]}, listed, gpu=True)
    assert ok   # with a GPU the tensor left on the CPU meets the model's on the GPU and raises


def test_a_dropped_move_to_the_device_is_tried_on_the_cpu_and_a_meta_device_check_kills_it(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import torch\nfrom autograder import check_that"),
        nbformat.v4.new_code_cell("def to_device(batch, device):\n" + _answer("    return tuple(t.to(device) for t in batch)"),
                                  metadata={"nbgrader": {"solution": True, "grade_id": "g"}}),
        nbformat.v4.new_code_cell('check_that("to_device", lambda f: f((torch.zeros(2),), "meta")[0].device.type == "meta", '
                                  '"does not move the batch.")',
                                  metadata={"nbgrader": {"grade": True, "grade_id": "g-check"}}),
    ]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    results = {r.id: r for r in _run_one(path)}
    assert results["1:13 drop .to(...)"].how == "check failed", results


def test_a_child_that_dies_without_reporting_is_no_kill_and_fails_the_report(tmp_path):
    """A check that ends the interpreter (os._exit, before any verdict) leaves every mutant "died", never "killed"."""
    check = "import os\nif y.tolist() != [1.0, 3.0, 5.0, 7.0]:\n    os._exit(3)   # a mutant's child, not the solution's run"
    results = _run_one(_chapter(tmp_path, check))
    assert results and all((r.how, r.killed) == ("died", False) for r in results), results
    text, ok = report({"ch": results}, {})
    assert not ok and "DIED WITHOUT A VERDICT (investigate)" in text
