"""PyTorch-aware checks for learner answers.

Every check is two steps: a *probe* (:mod:`autograder.learner.evidence`) reports plain
facts about the learner's object, and a *judge* (:mod:`autograder.learner.judge`)
compares them with what the check expects. It ends in one of three outcomes:
:class:`NotAttempted`, :class:`Incorrect` (both raise) or a printed confirmation.

In JupyterLab both steps run in the learner's kernel, at once. When grading,
the solution notebook runs in a reference kernel of its own, where each check
also *records* its spec (expected values as data) and the probe the learner's
kernel must run (name and inputs, never expected values); the learner's kernel
then runs only those probes, and the grading process judges.
"""

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass, field

import torch

from . import evidence as ev
from . import session
from .call_text import call_texts
from .judge import UNSET, expected_facts, judge
from .messages import message
from .outcomes import Incorrect

__all__ = ["Case", "check_function", "check_module", "check_tensor", "check_that", "check_value",
           "check_view", "hidden_seed"]

RECORD_ENV = "COURSE_GRADING_RECORD"     # "1" in the grader's reference kernel
SECRET_ENV = "COURSE_GRADING_SECRET"     # the instructor's secret for hidden inputs
_records = []


@dataclass
class Case:
    """One call of a checked function: its arguments and what should come of it.

    ``expected`` is the result; ``raises`` an exception class the call must
    raise instead; ``after`` maps an argument's position (0-based) to its
    expected state after the call: a list of tensors (a module's parameters,
    in order), or a dict with ``params``, ``training`` (the module's mode) and
    ``atol``. ``problem`` and ``hint`` are shown when that state is wrong.
    """

    args: tuple
    expected: object = None
    raises: type = None
    after: dict = field(default_factory=dict)
    problem: str = None
    hint: str = None


def hidden_seed(seed):
    """A seed for a hidden check's random inputs.

    ``seed`` itself in JupyterLab and nbval; when grading, a number derived from
    the instructor's secret, so reading the hidden tests does not give the inputs.
    """
    secret = os.environ.get(SECRET_ENV)
    if not secret or os.environ.get(RECORD_ENV) != "1":
        return seed
    digest = hashlib.sha256(f"{secret}:{seed}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _namespace(namespace):
    """The globals of the first frame outside this package (the notebook's)."""
    if namespace is not None:
        return namespace
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}


def _recording():
    return os.environ.get(RECORD_ENV) == "1"


def _finish(spec, evidence, probe):
    """Judge locally; when recording, keep the spec and probe for the grader."""
    session.checking()
    error = session.last_error(spec["name"])
    if error:
        raise Incorrect(message("answer_failed", name=spec["name"].split(".")[0], error=error))
    part = judge(spec, evidence)
    if _recording():
        _records.append({"spec": spec, "probe": probe})
    if part:
        session.confirm(part)


def take_records():
    """The specs and probes recorded since the last call (reference kernel only)."""
    records = list(_records)
    _records.clear()
    return records


def _pickled(value):
    """Inputs for the learner's kernel, by value (lambdas, notebook classes), gradients kept."""
    import io

    import cloudpickle  # only needed where a reference kernel records inputs

    class Pickler(cloudpickle.Pickler):
        def reducer_override(self, obj):
            if type(obj) in (torch.Tensor, torch.nn.Parameter) and obj.is_leaf and obj.grad is not None:
                return ev.rebuild_tensor, (obj.detach(), obj.requires_grad, obj.grad,
                                           type(obj) is torch.nn.Parameter)
            return super().reducer_override(obj)

    buffer = io.BytesIO()
    Pickler(buffer).dump(value)
    return buffer.getvalue()


def _library_object(module, qualname):
    import importlib

    value = importlib.import_module(module)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value


def _compared(predicate, scope, inputs):
    """The notebook's tensors and arrays a rule compares with (``table``): their outline is judged by
    the grader, so rebinding one to make the rule hold fails the check."""
    code = getattr(predicate, "__code__", None)
    if code is None:
        return []
    return sorted(n for n in ev.rule_names(code) if n in scope and n not in (inputs or {})
                  and ev.outline(scope[n])["shape"] is not None)


def _libraries(predicate):
    """``{name: (module, qualname)}`` for each global a rule reads that is a library's module, class or
    function (``torch``, ``np``, ``DataLoader``): the learner's kernel imports these itself."""
    import types

    code, scope = getattr(predicate, "__code__", None), getattr(predicate, "__globals__", {})
    found = {}
    for name in sorted(ev.rule_names(code)) if code else ():
        value = scope.get(name)
        if isinstance(value, types.ModuleType):
            found[name] = (value.__name__, "")
        elif isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
            module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", "")
            if module and module != "__main__" and not module.startswith("autograder") and "<" not in qualname:
                try:
                    same = _library_object(module, qualname) is value
                except Exception:
                    same = False
                if same:
                    found[name] = (module, qualname)
    return found


# ---------------------------------------------------------------- the checks

def check_tensor(name, expected=None, *, shape=None, dtype=None, device=None, requires_grad=None,
                 grad_fn=UNSET, fill=None, hidden=False, quiet=False, namespace=None):
    """Check the tensor called ``name`` in the notebook.

    ``expected`` (a tensor or nested list) fixes shape, dtype and values unless
    given separately; ``fill`` asks for one value everywhere; ``grad_fn`` is
    ``None``/``False`` (outside the graph), ``True`` (any) or a class name such
    as ``"MulBackward0"``. ``hidden=True`` never prints expected shapes or
    dtypes and passes silently; ``quiet=True`` only passes silently (for a
    check that is one step of a longer one). No check prints expected values.
    """
    if expected is not None and not isinstance(expected, torch.Tensor):
        expected = torch.as_tensor(expected)
    spec = {"check": "tensor", "name": name,
            "expected": None if expected is None else expected_facts(expected),
            "shape": None if shape is None else tuple(shape), "dtype": None if dtype is None else str(dtype),
            "device": None if device is None else torch.device(device).type, "requires_grad": requires_grad,
            "grad_fn": grad_fn, "fill": fill, "hidden": hidden, "quiet": quiet}
    probe = {"check": "value", "name": name}
    _finish(spec, ev.probe_value(name, _namespace(namespace)), probe)


def check_value(name, expected, *, tol=1e-6, hidden=False, quiet=False, namespace=None):
    """Check a Python value (number within ``tol``, bool, str, tuple, torch.Size)."""
    spec = {"check": "value", "name": name, "expected": expected_facts(expected), "tol": tol,
            "hidden": hidden, "quiet": quiet}
    _finish(spec, ev.probe_value(name, _namespace(namespace)), {"check": "value", "name": name})


def _as_case(case):
    return case if isinstance(case, Case) else Case(tuple(case[0]), case[1])


def _after_spec(after):
    spec = {}
    for position, want in (after or {}).items():
        if isinstance(want, torch.Tensor):
            spec[int(position)] = {"tensor": expected_facts(want)}
        elif isinstance(want, dict):
            params = want.get("params")
            spec[int(position)] = {"params": None if params is None else [expected_facts(p) for p in params],
                                   "training": want.get("training"), "atol": want.get("atol")}
        else:
            spec[int(position)] = {"params": [expected_facts(p) for p in want], "training": None, "atol": None}
    return spec


def _input_states(name, args):
    """Each argument's state as the call receives it (a fresh copy, see evidence.fresh): what the judge
    compares the kernel's report after the call with, so "argument unchanged" is judged from values."""
    states = [ev.arg_state(ev.fresh(a)) for a in args]
    if any(s is not None and s["tensor"]["values"] is None and s["tensor"]["device"] != "meta" for s in states):
        raise ValueError(f"check_function({name!r}): a tensor argument too large to compare after the call "
                         f"(over {ev.MAX_ELEMENTS} elements); pass check_mutation=False")
    return states


def check_function(name, cases, *, hidden=False, quiet=False, check_mutation=True, requires_grad=None,
                   grad_fn=UNSET, namespace=None):
    """Call the function ``name`` on each case and compare.

    A case is ``(args, expected)`` or a :class:`Case`. Tensor arguments are
    copied afresh for each call; other arguments (modules, optimizers) are
    shared, so consecutive cases can train one model step by step. With
    ``check_mutation`` the call must leave tensor arguments (values,
    requires_grad, .grad) as they were; ``requires_grad`` and ``grad_fn``
    constrain tensor results as in :func:`check_tensor`.
    """
    cases = [_as_case(c) for c in cases]
    calls = [call_texts(name, c.args, hidden) for c in cases]
    inputs = [(c.args, sorted(int(p) for p in c.after) if c.after else None) for c in cases]
    probe = {"check": "function", "name": name, "states": check_mutation}
    received = [c.args for c in cases]
    if _recording():   # before the calls below change shared arguments
        probe["inputs"] = _pickled(inputs)
        if check_mutation:   # the arguments as the learner's kernel will receive them
            received = [args for args, _after in pickle.loads(probe["inputs"])]
    spec = {"check": "function", "name": name, "hidden": hidden, "quiet": quiet,
            "check_mutation": check_mutation, "requires_grad": requires_grad, "grad_fn": grad_fn,
            "cases": [{"call": call, "expected": expected_facts(c.expected),
                       "raises": c.raises.__name__ if c.raises else None, "after": _after_spec(c.after),
                       "inputs": _input_states(name, args) if check_mutation else None,
                       "problem": c.problem, "hint": c.hint} for c, call, args in zip(cases, calls, received)]}
    flags = [[p in (c.after or {}) for p in range(len(c.args))] if c.after else None for c in cases]
    evidence = ev.probe_function(name, _namespace(namespace), [(c.args, f) for c, f in zip(cases, flags)],
                                 check_mutation)
    _finish(spec, evidence, probe)


def check_module(name, *, input_shape=None, output_shape=None, n_params=None, n_param_tensors=None,
                 inputs=None, labels=None, min_accuracy=None, problem=None, hint=None, summary=None,
                 hidden=False, quiet=False, namespace=None):
    """Check an ``nn.Module`` instance: parameter counts, the output shape of a forward pass
    and, with ``inputs``, ``labels`` and ``min_accuracy``, how many of ``inputs`` it
    classifies right (argmax of its output, in evaluation mode); ``problem`` and
    ``hint`` say what is wrong when too few are right."""
    sample = None
    if input_shape is not None:
        sample = torch.randn(*input_shape, generator=torch.Generator().manual_seed(hidden_seed(0)))
    spec = {"check": "module", "name": name, "input_shape": None if input_shape is None else tuple(input_shape),
            "output_shape": None if output_shape is None else tuple(output_shape), "n_params": n_params,
            "n_param_tensors": n_param_tensors, "hidden": hidden, "quiet": quiet, "summary": summary,
            "accuracy": None if min_accuracy is None else {
                "labels": expected_facts(torch.as_tensor(labels)), "min": float(min_accuracy),
                "problem": problem, "hint": hint}}
    inputs = None if inputs is None else inputs.detach().cpu()
    probe = {"check": "module", "name": name, "sample": sample, "inputs": inputs}
    _finish(spec, ev.probe_module(name, _namespace(namespace), sample, inputs), probe)


def check_that(name, predicate, problem, *, hint=None, summary=None, hidden=False, quiet=False, inputs=None,
               namespace=None):
    """Pass when ``predicate(value)`` is true for the value called ``name``.

    ``problem`` is the sentence shown when it is false (it must not give the
    answer away). A predicate that raises NotImplementedError means not attempted.
    When grading, the predicate runs in the learner's kernel (it states a fact
    only that kernel can tell): it may use the notebook's names and the values
    in ``inputs`` (a dict of names defined by the check cell), never expected
    values. Like every check, ``hidden=True`` or ``quiet=True`` passes silently.
    """
    if not callable(predicate):
        raise TypeError("check_that needs a predicate function")
    scope = _namespace(namespace)
    compared = _compared(predicate, scope, inputs)
    spec = {"check": "that", "name": name, "problem": problem, "hint": hint, "summary": summary,
            "hidden": hidden, "quiet": quiet, "compared": {n: ev.outline(scope[n]) for n in compared}}
    probe = {"check": "that", "name": name, "compared": compared}
    if _recording():
        probe["inputs"] = _pickled(dict(inputs or {}))
        probe["libraries"] = _libraries(predicate)
    _finish(spec, ev.probe_that(name, scope, predicate, compared), probe)


def _view_pattern(source):
    """What check_view writes into ``source`` (a tensor or NumPy array): numbers of its shape and dtype
    that differ from its values at every position, so a copy keeps none of them. None for anything else."""
    memory = ev.memory_of(source)
    if memory is None or memory.device.type == "meta":
        return None
    current = memory.detach().cpu()
    if current.dtype == torch.bool:
        return ~current
    codes = (-(torch.arange(current.numel()) * 7 + 101)).reshape(current.shape).to(current.dtype)
    return torch.where(codes == current, codes + 1, codes)


def check_view(name, problem, *, of=None, args=None, hint=None, summary=None, hidden=False, quiet=False,
               namespace=None):
    """Pass when the tensor called ``name`` shares memory with the notebook's tensor or NumPy array
    named ``of`` (a change to ``of`` shows in it), or, with ``args``, when the function ``name``
    returns a tensor sharing memory with its first argument.

    Judged from values: the probe writes a fixed pattern into the source, reads the answer, and restores
    the source; the grader compares what was read with the reference run's. ``problem`` (and ``hint``)
    say what is wrong, as in :func:`check_that`.
    """
    if (of is None) == (args is None):
        raise TypeError("check_view needs of= (a notebook name) or args= (the function's arguments)")
    scope = _namespace(namespace)
    source = scope.get(of) if args is None else tuple(args)[0]
    pattern = _view_pattern(source)
    spec = {"check": "view", "name": name, "of": of, "problem": problem, "hint": hint, "summary": summary,
            "hidden": hidden, "quiet": quiet, "source": ev.outline(source), "expected": None,
            "call": None if args is None else call_texts(name, tuple(args), hidden)}
    probe = {"check": "view", "name": name, "of": of, "pattern": pattern}
    if args is not None and _recording():
        probe["args"] = _pickled(tuple(args))
    evidence = ev.probe_view(name, scope, pattern, of=of, args=None if args is None else tuple(args))
    if _recording():   # the solution's values while the source held the pattern: what the grader compares with
        spec["expected"] = (evidence.get("after") or {}).get("values")
    _finish(spec, evidence, probe)
