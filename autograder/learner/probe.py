"""The only grading code that runs in a learner's kernel.

When grading, each check cell is replaced by one call of :func:`run` with a
request from the grader: a nonce and the probes that the cell's checks need
(names to look up, inputs to call functions and modules on, predicates over the
learner's objects). :func:`run` answers with one display output of MIME type
``EVIDENCE_MIME``: plain data in the bounded evidence format
(:mod:`autograder.learner.evidence_codec`), which the grader reads without
recursion and within fixed limits. Expected values never reach this kernel.
"""

import base64
import io
import pickle

from . import evidence as ev
from .evidence_codec import encode as _encode

EVIDENCE_MIME = "application/vnd.course.evidence+base64"


def _namespace():
    try:
        return get_ipython().user_ns  # noqa: F821 - defined in an IPython kernel
    except NameError:
        import __main__

        return __main__.__dict__


def _predicate(probe, namespace):
    scope = dict(namespace)
    scope.update(pickle.loads(probe["inputs"]) if probe.get("inputs") else {})
    for source in probe.get("defs", ()):
        exec(compile(source, "<check>", "exec"), scope)  # noqa: S102 - the grader's own rule source
    return eval(compile(probe["predicate"], "<check>", "eval"), scope)  # noqa: S307


def _one(probe, namespace):
    kind = probe["check"]
    if kind == "value":
        return ev.probe_value(probe["name"], namespace)
    if kind == "function":
        cases = pickle.loads(probe["inputs"])
        return ev.probe_function(probe["name"], namespace,
                                 [(args, [p in after for p in range(len(args))] if after else None)
                                  for args, after in cases])
    if kind == "module":
        return ev.probe_module(probe["name"], namespace, probe.get("sample"), probe.get("inputs"))
    if kind == "that":
        try:
            predicate = _predicate(probe, namespace)
        except Exception as error:
            return {"defined": True, "result": None, "raised": ev.error_text(error), "not_implemented": False}
        return ev.probe_that(probe["name"], namespace, predicate)
    return {"defined": False, "missing": probe.get("name", "?")}


def run(request, *, nonce=None):
    """Run the probes of one check cell and publish their evidence.

    The evidence names the request it answers (a SHA-256 of it), so the grader can
    tell that these probes ran on its inputs."""
    from IPython.display import publish_display_data

    probes = pickle.loads(base64.b64decode(request))["probes"] if request else []
    namespace = _namespace()
    answers = [_one(probe, namespace) for probe in probes]
    record = _encode({"nonce": nonce, "request": request_digest(request), "evidence": answers})
    publish_display_data({EVIDENCE_MIME: base64.b64encode(record).decode("ascii"),
                          "text/plain": "evidence reported to the grader"})


_pending = {}


def request_digest(request):
    import hashlib

    return hashlib.sha256((request or "").encode("ascii")).hexdigest()


def receive(nonce, request):
    """Keep a check cell's request until its cell runs (sent silently by the grader)."""
    _pending[nonce] = request


def run_pending(nonce):
    """Run the request that :func:`receive` kept for ``nonce`` (the rewritten check cell)."""
    run(_pending.pop(nonce, ""), nonce=nonce)


REFERENCE_MIME = "application/vnd.course.reference+base64"


def publish_records():
    """Reference kernel: publish the specs and probes the cell's checks recorded."""
    import torch
    from IPython.display import publish_display_data

    from .checks import take_records

    buffer = io.BytesIO()
    torch.save(take_records(), buffer)
    publish_display_data({REFERENCE_MIME: base64.b64encode(buffer.getvalue()).decode("ascii"),
                          "text/plain": "checks recorded"})
