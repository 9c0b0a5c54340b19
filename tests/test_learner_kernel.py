"""Released chapters open unmodified: the learner's kernel reports the metadata they store.

JupyterLab writes the running kernel's kernelspec and language_info into a notebook it opens
and marks it modified when they differ (the browser test shows it in Chromium).
"""

import json
import subprocess
import sys

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from autograder.lab_settings import install


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
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert shown["content"]["status"] == "ok"
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
    # the kernel module loads neither the autograder package nor torch before the shell exists
    loaded = subprocess.run([sys.executable, "-c", "import course_kernel, sys; "
                             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('autograder', 'torch')))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", loaded
