"""Released chapters open unmodified: the learner's kernel reports the metadata they store.

JupyterLab writes the running kernel's kernelspec and language_info into a notebook it opens
and marks it modified when they differ (the browser test shows it in Chromium).
"""

import json
import subprocess
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from autograder.maintainers.lab_settings import install


def test_the_course_kernel_reports_the_metadata_every_released_notebook_stores(tmp_path, repo):
    install(tmp_path)
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "share" / "jupyter" / "kernels")])
    spec = specs.get_kernel_spec("python3")
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    manager.start_kernel(cwd=str(tmp_path))
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        reported = client.kernel_info(reply=True, timeout=30)["content"]["language_info"]
        shown = client.execute_interactive("import sys; print(sys.prefix)", timeout=30, output_hook=lambda m: None)
        printed = []   # the check cells' hooks are installed once a notebook imports the checks
        client.execute_interactive(
            "before = 'torch' in sys.modules\nfrom autograder import check_value, session\n"
            "print(type(get_ipython().kernel).__name__, before, session._state['installed'])",
            timeout=120, output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert shown["content"]["status"] == "ok"
    assert "".join(printed).split() == ["CourseKernel", "False", "True"], printed
    assert reported["name"] == "python" and "version" not in reported, reported
    notebooks = sorted((repo / "notebooks").glob("*/*.ipynb")) + sorted((repo / "solutions").glob("*/*.ipynb"))
    assert notebooks
    for path in notebooks:
        metadata = json.loads(path.read_text())["metadata"]
        assert metadata["language_info"] == reported, path
        assert metadata["kernelspec"] == {"name": "python3", "display_name": spec.display_name,
                                          "language": spec.language}, path


def test_the_course_kernel_is_ipython_with_the_check_hooks_left_to_the_check_library(tmp_path):
    install(tmp_path)
    argv = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())["argv"]
    assert argv[0] == "python" and argv[1:3] == ["-m", "ipykernel_launcher"], argv
    # the kernel class and the Validate extension load no torch (into every kernel start and the server)
    loaded = subprocess.run([sys.executable, "-c", "import autograder.learner.kernel, autograder.learner.lab_validate, sys; "
                             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", loaded


def _exercise_notebook(answers):
    """A chapter of two exercises in nbgrader's format; ``answers`` are the answer cells' sources."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def graded(source, gid, **meta):
        return new_code_cell(source, metadata={"nbgrader": {"grade_id": gid, "schema_version": 3, "locked": False,
                                                            "solution": False, "grade": False, "task": False, **meta}})
    long_check = "\n".join(f"check_value('{{name}}', {{value}})  # line {i}" for i in range(12))
    cells = [new_code_cell("from autograder import check_value")]
    for index, (name, value, answer) in enumerate([("x", 1, answers[0]), ("y", 2, answers[1])], start=1):
        cells += [new_markdown_cell(f"### Exercise {index}: the number {value}"),
                  graded(answer, f"ex{index}", solution=True),
                  graded(long_check.format(name=name, value=value), f"ex{index}-check", grade=True, points=1,
                         locked=True)]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def test_validate_names_failing_exercises_wraps_their_messages_and_counts_what_passes(tmp_path):
    import nbformat

    from autograder.learner.lab_validate import WIDTH, CourseValidator

    path = tmp_path / "chapter.ipynb"
    nbformat.write(_exercise_notebook(["x = 1", "raise NotImplementedError()"]), path)
    failed = CourseValidator().validate(str(path))["failed"]
    assert len(failed) == 1, failed
    assert failed[0]["source"] == "1 of 2 checks pass; these do not yet:"   # the summary, in a box of its own
    title, *lines = failed[0]["raw_error"].splitlines()
    assert title == "Exercise 2: the number 2" and lines[0].startswith("Not attempted: y ")
    assert max(len(line) for line in lines) <= WIDTH
    assert "<strong>Exercise 2: the number 2</strong>" in failed[0]["error"]
    assert "check_value" not in failed[0]["source"] + failed[0]["raw_error"]

    # two failing exercises: one entry, a short heading each; a broken answer's check names its error
    nbformat.write(_exercise_notebook(["x = (1", "raise NotImplementedError()"]), path)
    [entry] = CourseValidator().validate(str(path))["failed"]
    assert entry["source"] == "0 of 2 checks pass; these do not yet:"
    blocks = entry["raw_error"].split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["Exercise 1: the number 1", "Exercise 2: the number 2"]
    assert blocks[0].splitlines()[1].startswith("Incorrect: the cell that defines x raised an error")
    assert "SyntaxError" in blocks[0]

    nbformat.write(_exercise_notebook(["x = 1", "y = 2"]), path)
    assert CourseValidator().validate(str(path)) == {}


def test_validate_speaks_the_language_of_the_notebook(tmp_path):
    import nbformat

    from autograder.learner import i18n
    from autograder.learner.lab_validate import CourseValidator
    from autograder.learner.messages import message

    nb = _exercise_notebook(["x = 1", "raise NotImplementedError()"])
    nb.metadata[i18n.METADATA_KEY] = "zh"
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    failed = CourseValidator().validate(str(path))["failed"]
    with i18n.speaking("zh"):
        summary = message("validate_summary", passed=1, total=2)
        not_attempted = message("label_not_attempted") + message("label_separator")
    assert failed[0]["source"] == summary and summary != "1 of 2 checks pass; these do not yet:"
    assert failed[0]["raw_error"].splitlines()[1].startswith(not_attempted), failed[0]["raw_error"]


def test_setup_gives_the_lab_the_course_validate_and_nbgrader_validate_whole_messages(tmp_path):
    import shutil

    from jupyter_server.extension.config import ExtensionConfigManager

    # nbgrader's wheel enables its own Validate in the same folder of the venv
    config_d = tmp_path / "etc" / "jupyter" / "jupyter_server_config.d"
    config_d.mkdir(parents=True)
    shutil.copy(Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "nbgrader.json", config_d)
    install(tmp_path)
    enabled = ExtensionConfigManager(read_config_path=[str(tmp_path / "etc" / "jupyter")]).get_jpserver_extensions()
    assert enabled["autograder.learner.lab_validate"] is True
    assert enabled["nbgrader.server_extensions.validate_assignment"] is False
    validator = json.loads((tmp_path / "etc" / "jupyter" / "nbgrader_config.json").read_text())["Validator"]
    assert validator["width"] >= 190 and "{num_failed}" in validator["failed_warning"]


def test_nbgrader_validate_prints_whole_messages_with_the_learners_config(tmp_path):
    """`nbgrader validate` in the course venv (after `make setup`) cuts no message at 90 columns."""
    import nbformat

    from autograder import message

    path = tmp_path / "chapter.ipynb"
    nbformat.write(_exercise_notebook(["x = 1", "raise NotImplementedError()"]), path)
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "validate", path.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    whole = f"{message('label_not_attempted')}: " + message("not_defined", name="y")
    assert len(whole) > 90 - 3 - 4, "this message would fit nbgrader's default width anyway"
    assert whole in done.stdout, done.stdout + done.stderr
    assert "1 check cell(s) do not pass yet" in done.stdout, done.stdout
