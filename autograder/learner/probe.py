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

from importlib import import_module as _import_module

from . import evidence as ev
from .evidence_codec import encode as _encode

_BUILTINS = ev.BUILTINS

EVIDENCE_MIME = "application/vnd.course.evidence+base64"


def _namespace():
    try:
        return get_ipython().user_ns  # noqa: F821 - defined in an IPython kernel
    except NameError:
        import __main__

        return __main__.__dict__


def _predicate(probe, namespace):
    """The rule as a function, in the notebook's namespace but with the evidence code's own builtins
    and libraries: a notebook-level ``type`` or a rebound ``torch`` never reaches it."""
    codes = [compile(source, "<check>", "exec") for source in probe.get("defs", ())]
    rule = compile(probe["predicate"], "<check>", "eval")
    scope = dict(namespace)
    scope["__builtins__"] = _BUILTINS
    for name in set().union(*(ev.rule_names(c) for c in [rule, *codes])):
        if name in _BUILTINS:
            scope[name] = _BUILTINS[name]
    for name, (module, qualname) in (probe.get("libraries") or {}).items():
        scope[name] = _library(module, qualname)
    scope.update(pickle.loads(probe["inputs"]) if probe.get("inputs") else {})
    for code in codes:
        exec(code, scope)  # noqa: S102 - the grader's own rule source
    return eval(rule, scope)  # noqa: S307


def _library(module, qualname):
    """A library's module or object, imported by the evidence code itself (never the notebook's name)."""
    value = _import_module(module)
    for part in qualname.split(".") if qualname else ():
        value = getattr(value, part)
    return value


def _one(probe, namespace):
    kind = probe["check"]
    if kind == "value":
        return ev.probe_value(probe["name"], namespace)
    if kind == "function":
        cases = pickle.loads(probe["inputs"])
        return ev.probe_function(probe["name"], namespace,
                                 [(args, [p in after for p in range(len(args))] if after else None)
                                  for args, after in cases], probe.get("states", False))
    if kind == "view":
        args = pickle.loads(probe["args"]) if probe.get("args") else None
        return ev.probe_view(probe["name"], namespace, probe.get("pattern"), of=probe.get("of"), args=args)
    if kind == "module":
        return ev.probe_module(probe["name"], namespace, probe.get("sample"), probe.get("inputs"))
    if kind == "that":
        try:
            predicate = _predicate(probe, namespace)
        except Exception as error:
            return {"defined": True, "result": None, "raised": ev.error_text(error), "not_implemented": False}
        return ev.probe_that(probe["name"], namespace, predicate, probe.get("compared", ()))
    return {"defined": False, "missing": probe.get("name", "?")}


def run(request, *, nonce=None):
    """Run the probes of one check cell and publish their evidence.

    The evidence names the request it answers (a SHA-256 of it), so the grader can
    tell that these probes ran on its inputs."""
    from IPython.display import publish_display_data

    probes = pickle.loads(base64.b64decode(request))["probes"] if request else []
    namespace = _namespace()
    modes = ev.active_modes()
    answers = [_one(probe, namespace) for probe in probes]
    modes += [m for m in ev.active_modes() if m not in modes]
    record = _encode({"nonce": nonce, "request": request_digest(request), "evidence": answers, "modes": modes})
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
