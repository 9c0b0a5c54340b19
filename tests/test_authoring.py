"""Rebuilding solution notebooks keeps diffs to what really changed."""

import re

from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.authoring.solutions import IGNORE_TAG, carry_outputs, load_sanitizers, read

ADDRESS = [(re.compile(r"0x[0-9a-f]+"), "0xADDRESS")]


def stream(text):
    return new_output("stream", name="stdout", text=text)


def nb(*cells):
    return new_notebook(cells=[new_code_cell(source, outputs=[stream(text)] if text is not None else [])
                               for source, text in cells])


def texts(notebook):
    return [c.outputs[0].text if c.outputs else None for c in notebook.cells]


def test_rerun_keeps_outputs_equal_after_sanitizing_and_takes_real_changes():
    old = nb(("print(y.grad_fn)", "<AddBackward0 object at 0x7f01>"), ("print(1 + 1)", "2"))
    new = nb(("print(y.grad_fn)", "<AddBackward0 object at 0x7f99>"), ("print(1 + 1)", "3"))
    carry_outputs(old, new, executed=True, sanitizers=ADDRESS)
    assert texts(new) == ["<AddBackward0 object at 0x7f01>", "3"]


def test_rerun_keeps_outputs_that_nbval_ignores_only_while_the_source_is_unchanged():
    marked = "print(torch.empty(2))"
    old = nb((marked, "old garbage"), ("print(2)", "2"))
    new = nb((marked, "new garbage"), ("print(2 * 1)", "2"))
    new.cells[0].metadata["tags"] = [IGNORE_TAG]
    carry_outputs(old, new, executed=True)
    assert texts(new) == ["old garbage", "2"]
    assert new.cells[1].outputs is not old.cells[1].outputs


def test_rebuild_without_execution_keeps_outputs_of_unchanged_cells_and_none_for_new_ones():
    old = nb(("a = 1", None), ("print(a)", "1"))
    new = nb(("a = 1", None), ("b = 2", None), ("print(a)", None))
    new.cells[2].outputs = []
    carry_outputs(old, new, executed=False)
    assert texts(new) == [None, None, "1"]


def test_the_committed_sanitizer_file_pairs_every_regex_with_a_replacement(repo):
    lines = (repo / "solutions" / "nbval_sanitize.cfg").read_text().splitlines()
    regexes = [l for l in lines if l.startswith("regex:")]
    replaces = [l for l in lines if l.startswith("replace:")]
    assert len(regexes) == len(replaces) == len(load_sanitizers(repo / "solutions" / "nbval_sanitize.cfg")) > 0
    assert load_sanitizers(repo / "solutions" / "missing.cfg") == []


def test_nbval_tags_come_from_the_chapter_scripts_and_never_reach_learners(repo):
    from autograder.authoring.notebooks import chapter_notebook, chapters, read_script
    from autograder.authoring.release import TEST_ONLY_TAGS

    tagged = 0
    for folder in chapters(repo / "solutions"):
        script = read_script(chapter_notebook(folder).with_suffix(".py"))
        stored = read(chapter_notebook(folder))
        for from_script, cell in zip(script.cells, stored.cells):
            assert "NBVAL" not in cell.source and "# why:" not in cell.source, cell.source
            assert cell.metadata.get("tags", []) == from_script.metadata.get("tags", []), cell.source
            tagged += IGNORE_TAG in cell.metadata.get("tags", [])
        learner = read(chapter_notebook(repo / "notebooks" / folder.name))
        for cell in learner.cells:
            assert not set(cell.metadata.get("tags", [])) & set(TEST_ONLY_TAGS), cell.source
            assert "NBVAL" not in cell.source, cell.source
    assert tagged > 0, "no chapter marks a cell whose output nbval must ignore"


def test_release_drops_test_tags_and_keeps_the_others():
    from autograder.authoring.release import drop_test_tags

    notebook = nb(("print(torch.empty(2))", None), ("x = 1", None))
    notebook.cells[0].metadata["tags"] = [IGNORE_TAG]
    notebook.cells[1].metadata["tags"] = [IGNORE_TAG, "raises-exception"]
    drop_test_tags(notebook)
    assert "tags" not in notebook.cells[0].metadata
    assert notebook.cells[1].metadata["tags"] == ["raises-exception"]
